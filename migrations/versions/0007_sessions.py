"""sessions and sign-in: session version, throttling by address, reset tokens, mail links

The session version is users.session_nonce (0001). Throttling decisions move to throttle_buckets, counters
claimed by one conditional UPDATE; login_attempts stays as the log of failures with the client address.

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('throttle_buckets',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('window_started_at', sa.DateTime(), nullable=False),
    sa.Column('used', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_throttle_buckets'))
    )


def downgrade():
    op.drop_table('throttle_buckets')
