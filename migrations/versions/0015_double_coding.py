"""double coding: a second, blind coder's codings

Revision ID: 0015
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'delphi_double_codings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('coder_id', sa.Integer(), nullable=True),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('first_snapshot', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['coder_id'], ['users.id'], name=op.f('fk_delphi_double_codings_coder_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['round_id'], ['delphi_rounds.id'],
                                name=op.f('fk_delphi_double_codings_round_id_delphi_rounds'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delphi_double_codings')),
        sa.UniqueConstraint('round_id', name=op.f('uq_delphi_double_codings_round_id')),
    )
    with op.batch_alter_table('delphi_double_codings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delphi_double_codings_coder_id'), ['coder_id'], unique=False)

    op.create_table(
        'delphi_second_codings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('double_coding_id', sa.Integer(), nullable=False),
        sa.Column('answer_id', sa.Integer(), nullable=False),
        sa.Column('code_id', sa.Integer(), nullable=True),
        sa.Column('fragment', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['answer_id'], ['delphi_answers.id'],
                                name=op.f('fk_delphi_second_codings_answer_id_delphi_answers'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['code_id'], ['delphi_codes.id'],
                                name=op.f('fk_delphi_second_codings_code_id_delphi_codes'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['double_coding_id'], ['delphi_double_codings.id'],
                                name=op.f('fk_delphi_second_codings_double_coding_id_delphi_double_codings'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delphi_second_codings')),
    )
    with op.batch_alter_table('delphi_second_codings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delphi_second_codings_answer_id'), ['answer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delphi_second_codings_code_id'), ['code_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delphi_second_codings_double_coding_id'), ['double_coding_id'],
                              unique=False)

    op.create_table(
        'delphi_settlements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('double_coding_id', sa.Integer(), nullable=False),
        sa.Column('answer_id', sa.Integer(), nullable=False),
        sa.Column('code_id', sa.Integer(), nullable=False),
        sa.Column('decision', sa.String(length=8), nullable=False),
        sa.Column('settled_by_id', sa.Integer(), nullable=True),
        sa.Column('settled_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("decision IN ('apply', 'omit')", name=op.f('ck_delphi_settlements_decision')),
        sa.ForeignKeyConstraint(['answer_id'], ['delphi_answers.id'],
                                name=op.f('fk_delphi_settlements_answer_id_delphi_answers'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['code_id'], ['delphi_codes.id'],
                                name=op.f('fk_delphi_settlements_code_id_delphi_codes'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['double_coding_id'], ['delphi_double_codings.id'],
                                name=op.f('fk_delphi_settlements_double_coding_id_delphi_double_codings'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['settled_by_id'], ['users.id'],
                                name=op.f('fk_delphi_settlements_settled_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delphi_settlements')),
        sa.UniqueConstraint('double_coding_id', 'answer_id', 'code_id',
                            name=op.f('uq_delphi_settlements_double_coding_id_answer_id_code_id')),
    )
    with op.batch_alter_table('delphi_settlements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delphi_settlements_answer_id'), ['answer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delphi_settlements_code_id'), ['code_id'], unique=False)


def downgrade():
    op.drop_table('delphi_settlements')
    op.drop_table('delphi_second_codings')
    op.drop_table('delphi_double_codings')
