"""moderation of anonymous comments (hidden with a reason, flags); the iqr1_sd15 consensus rule

- delphi_comment_hidings: an answer's comment hidden from the feedback by a facilitator, with the reason;
- delphi_comment_flags: a member's flag on a comment, one per member and comment;
- delphi_rounds.rule may also be 'iqr1_sd15' (IQR ≤ 1 or SD ≤ 1.5, 5-point scale).

The rule's CHECK constraint is replaced; on SQLite that rebuilds delphi_rounds in batch mode, with foreign keys
switched off meanwhile (as in 0009: the drop of the old table would otherwise cascade into every round's
items and answers). Downgrade turns rounds using iqr1_sd15 into 'default' (the other 5-point rule) before the
old constraint comes back.

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

RULES_BEFORE = ("default", "70_15", "rand_ucla")
RULES_AFTER = RULES_BEFORE + ("iqr1_sd15",)


def _rule_check(rules):
    return "rule IN (" + ", ".join(f"'{rule}'" for rule in rules) + ")"


def _sqlite_foreign_keys(on):
    """PRAGMA foreign_keys is ignored inside a transaction: run it in an autocommit block (SQLite only)."""
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.get_context().autocommit_block():
        if on:
            problems = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").all()
            if problems:
                raise RuntimeError(f"foreign keys broken by the migration: {problems[:5]}")
        op.get_bind().exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _replace_rule_check(rules):
    _sqlite_foreign_keys(False)
    with op.batch_alter_table('delphi_rounds', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_delphi_rounds_rule'), type_='check')
        batch_op.create_check_constraint(op.f('ck_delphi_rounds_rule'), _rule_check(rules))
    _sqlite_foreign_keys(True)


def upgrade():
    op.create_table(
        'delphi_comment_hidings',
        sa.Column('answer_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('hidden_by_id', sa.Integer(), nullable=True),
        sa.Column('hidden_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['answer_id'], ['delphi_answers.id'],
                                name=op.f('fk_delphi_comment_hidings_answer_id_delphi_answers'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'],
                                name=op.f('fk_delphi_comment_hidings_hidden_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('answer_id', name=op.f('pk_delphi_comment_hidings')),
    )
    op.create_table(
        'delphi_comment_flags',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('answer_id', sa.Integer(), nullable=False),
        sa.Column('membership_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['answer_id'], ['delphi_answers.id'],
                                name=op.f('fk_delphi_comment_flags_answer_id_delphi_answers'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['membership_id'], ['committee_memberships.id'],
                                name=op.f('fk_delphi_comment_flags_membership_id_committee_memberships'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delphi_comment_flags')),
        sa.UniqueConstraint('answer_id', 'membership_id', name=op.f('uq_delphi_comment_flags_answer_id_membership_id')),
    )
    with op.batch_alter_table('delphi_comment_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delphi_comment_flags_answer_id'), ['answer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delphi_comment_flags_membership_id'), ['membership_id'], unique=False)
    _replace_rule_check(RULES_AFTER)


def downgrade():
    op.execute("UPDATE delphi_rounds SET rule = 'default' WHERE rule = 'iqr1_sd15'")
    _replace_rule_check(RULES_BEFORE)
    with op.batch_alter_table('delphi_comment_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delphi_comment_flags_membership_id'))
        batch_op.drop_index(batch_op.f('ix_delphi_comment_flags_answer_id'))
    op.drop_table('delphi_comment_flags')
    op.drop_table('delphi_comment_hidings')
