"""round data version: each response counts the changes to its answers (the key of the cached round results)

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('delphi_responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('data_version', sa.Integer(), server_default=sa.text('0'), nullable=False))


def downgrade():
    with op.batch_alter_table('delphi_responses', schema=None) as batch_op:
        batch_op.drop_column('data_version')
