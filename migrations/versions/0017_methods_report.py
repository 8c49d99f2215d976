"""methods report: facilitators' texts for the checklist items

Revision ID: 0017
Revises: 0016
"""
from alembic import op
import sqlalchemy as sa

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'delphi_methods_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('committee_id', sa.Integer(), nullable=False),
        sa.Column('item_key', sa.String(length=40), nullable=False),
        sa.Column('text', sa.JSON(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['committee_id'], ['committees.id'],
                                name=op.f('fk_delphi_methods_texts_committee_id_committees'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'],
                                name=op.f('fk_delphi_methods_texts_updated_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delphi_methods_texts')),
        sa.UniqueConstraint('committee_id', 'item_key',
                            name=op.f('uq_delphi_methods_texts_committee_id_item_key')),
    )
    with op.batch_alter_table('delphi_methods_texts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delphi_methods_texts_committee_id'), ['committee_id'], unique=False)


def downgrade():
    with op.batch_alter_table('delphi_methods_texts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delphi_methods_texts_committee_id'))
    op.drop_table('delphi_methods_texts')
