"""data revisions: one counter per kind of shared public content (the key of the shared public pages)

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'data_revisions',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_data_revisions')),
    )
    op.bulk_insert(table, [{'name': 'catalogue', 'revision': 0}, {'name': 'published', 'revision': 0}])


def downgrade():
    op.drop_table('data_revisions')
