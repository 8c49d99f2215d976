"""round data version: each response counts the changes to its answers (the key of the cached round results)

Revision ID: 0011
Revises: 0010

The column is added with a plain ALTER TABLE … ADD COLUMN, never by rebuilding the table: on SQLite a batch
rebuild drops the old delphi_responses, and with foreign keys enforced that drop deletes every answer
(delphi_answers cascades from its response). tests/operations/test_migrations_proven.py upgrades a database
holding the demo's answers and fails if one is lost. The downgrade has to rebuild the table (SQLite cannot
drop a column in place through Alembic), so it switches foreign keys off while it does.
"""
from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('delphi_responses',
                  sa.Column('data_version', sa.Integer(), server_default=sa.text('0'), nullable=False))


def _sqlite_foreign_keys(on):
    """PRAGMA foreign_keys is ignored inside a transaction: run it in an autocommit block (SQLite only)."""
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.get_context().autocommit_block():
        op.get_bind().exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def downgrade():
    _sqlite_foreign_keys(False)
    with op.batch_alter_table('delphi_responses', schema=None) as batch_op:
        batch_op.drop_column('data_version')
    _sqlite_foreign_keys(True)
