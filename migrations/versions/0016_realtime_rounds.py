"""real-time option per round and the shown aggregate's batches

Revision ID: 0016
Revises: 0015
"""
from alembic import op
import sqlalchemy as sa

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no table rebuild on SQLite: see 0012).
    op.add_column('delphi_rounds', sa.Column('realtime', sa.Boolean(), server_default=sa.text('false'),
                                             nullable=False))
    op.create_table(
        'delphi_realtime_snapshots',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('answered', sa.Integer(), nullable=False),
        sa.Column('distribution', sa.JSON(), nullable=False),
        sa.Column('basis', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['delphi_items.id'],
                                name=op.f('fk_delphi_realtime_snapshots_item_id_delphi_items'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['round_id'], ['delphi_rounds.id'],
                                name=op.f('fk_delphi_realtime_snapshots_round_id_delphi_rounds'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delphi_realtime_snapshots')),
        sa.UniqueConstraint('item_id', name=op.f('uq_delphi_realtime_snapshots_item_id')),
    )
    with op.batch_alter_table('delphi_realtime_snapshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delphi_realtime_snapshots_round_id'), ['round_id'], unique=False)


def _sqlite_foreign_keys(on):
    """PRAGMA foreign_keys is ignored inside a transaction: run it in an autocommit block (SQLite only)."""
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.get_context().autocommit_block():
        op.get_bind().exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def downgrade():
    with op.batch_alter_table('delphi_realtime_snapshots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delphi_realtime_snapshots_round_id'))
    op.drop_table('delphi_realtime_snapshots')
    # SQLite drops a column by rebuilding the table: foreign keys are off meanwhile, so that no row cascades.
    _sqlite_foreign_keys(False)
    with op.batch_alter_table('delphi_rounds', schema=None) as batch_op:
        batch_op.drop_column('realtime')
    _sqlite_foreign_keys(True)
