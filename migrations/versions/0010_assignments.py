"""least privilege: facilitators assigned to committees and countries

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'facilitator_countries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('country_id', sa.Integer(), nullable=False),
        sa.Column('assigned_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_facilitator_countries_user_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['country_id'], ['countries.id'],
                                name=op.f('fk_facilitator_countries_country_id_countries'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'],
                                name=op.f('fk_facilitator_countries_assigned_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_facilitator_countries')),
        sa.UniqueConstraint('user_id', 'country_id', name=op.f('uq_facilitator_countries_user_id_country_id')),
    )
    with op.batch_alter_table('facilitator_countries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facilitator_countries_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_facilitator_countries_country_id'), ['country_id'], unique=False)


def downgrade():
    with op.batch_alter_table('facilitator_countries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_facilitator_countries_country_id'))
        batch_op.drop_index(batch_op.f('ix_facilitator_countries_user_id'))
    op.drop_table('facilitator_countries')
