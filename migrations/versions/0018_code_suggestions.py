"""suggested codes: the facilitator's decisions on suggestions

Revision ID: 0018
Revises: 0017
"""
from alembic import op
import sqlalchemy as sa

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

TABLE = 'delphi_suggestion_decisions'


def upgrade():
    op.create_table(
        TABLE,
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('answer_id', sa.Integer(), nullable=False),
        sa.Column('code_id', sa.Integer(), nullable=False),
        sa.Column('fragment', sa.Text(), nullable=True),
        sa.Column('decision', sa.String(length=10), nullable=False),
        sa.Column('rank', sa.Integer(), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('shown', sa.JSON(), nullable=False),
        sa.Column('coding_id', sa.Integer(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['delphi_rounds.id'],
                                name=op.f('fk_delphi_suggestion_decisions_round_id_delphi_rounds'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['answer_id'], ['delphi_answers.id'],
                                name=op.f('fk_delphi_suggestion_decisions_answer_id_delphi_answers'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['code_id'], ['delphi_codes.id'],
                                name=op.f('fk_delphi_suggestion_decisions_code_id_delphi_codes'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['coding_id'], ['delphi_codings.id'],
                                name=op.f('fk_delphi_suggestion_decisions_coding_id_delphi_codings'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_delphi_suggestion_decisions_decided_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delphi_suggestion_decisions')),
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delphi_suggestion_decisions_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delphi_suggestion_decisions_answer_id'), ['answer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delphi_suggestion_decisions_code_id'), ['code_id'], unique=False)


def downgrade():
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delphi_suggestion_decisions_code_id'))
        batch_op.drop_index(batch_op.f('ix_delphi_suggestion_decisions_answer_id'))
        batch_op.drop_index(batch_op.f('ix_delphi_suggestion_decisions_round_id'))
    op.drop_table(TABLE)
