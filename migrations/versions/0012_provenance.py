"""provenance: where each catalogue text comes from (ILPES's words or composed), who translated it, the ballot
that validated a composed text, and editorial notes on criteria and elements

Revision ID: 0012
Revises: 0011

The columns are nullable: an install migrated from 0011 gets them filled by the next `flask catalog load`,
which brings the provenance and notes of already loaded versions up to date without making new versions
(they are metadata, outside the content hash).
"""
from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

ITEM_TABLES = ('criteria', 'levels', 'elements')
NOTE_TABLES = ('criteria', 'elements')


def upgrade():
    # Plain ALTER TABLE … ADD COLUMN, never a table rebuild: on SQLite a rebuilt criteria table would be
    # dropped first, and with foreign keys enforced that drop deletes every level, element and rating
    # (see 0011).
    op.add_column('planning_models', sa.Column('provenance', sa.JSON(), nullable=True))
    op.add_column('catalogue_versions', sa.Column('provenance', sa.JSON(), nullable=True))
    for table in ITEM_TABLES:
        op.add_column(table, sa.Column('provenance', sa.String(length=10), nullable=True))
        op.add_column(table, sa.Column('provenance_source', sa.String(length=120), nullable=True))
        op.add_column(table, sa.Column('translations', sa.JSON(), nullable=True))
        op.add_column(table, sa.Column('validated_by', sa.String(length=200), nullable=True))
    for table in NOTE_TABLES:
        op.add_column(table, sa.Column('editorial_note', sa.JSON(), nullable=True))


def _sqlite_foreign_keys(on):
    """PRAGMA foreign_keys is ignored inside a transaction: run it in an autocommit block (SQLite only)."""
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.get_context().autocommit_block():
        op.get_bind().exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def downgrade():
    # SQLite drops a column by rebuilding the table: foreign keys are off meanwhile, so that no row cascades.
    _sqlite_foreign_keys(False)
    for table in reversed(ITEM_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table in NOTE_TABLES:
                batch_op.drop_column('editorial_note')
            batch_op.drop_column('validated_by')
            batch_op.drop_column('translations')
            batch_op.drop_column('provenance_source')
            batch_op.drop_column('provenance')
    for table in ('catalogue_versions', 'planning_models'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('provenance')
    _sqlite_foreign_keys(True)
