"""comparability fingerprint of submitted assessments

Revision ID: 0019
Revises: 0018
"""
from alembic import op
import sqlalchemy as sa

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    # Assessments submitted before this revision have no stored fingerprint: it is computed when read
    # (whitepaper/assessment/comparability.py), from ratings that cannot change once submitted.
    op.create_table(
        'assessment_fingerprints',
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('catalogue_version', sa.String(length=40), nullable=False),
        sa.Column('scoring_mode', sa.String(length=10), nullable=False),
        sa.Column('rules', sa.String(length=40), nullable=False),
        sa.Column('not_applicable', sa.JSON(), nullable=False),
        sa.Column('no_information', sa.JSON(), nullable=False),
        sa.Column('groups', sa.Integer(), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'],
                                name=op.f('fk_assessment_fingerprints_assessment_id_assessments'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('assessment_id', name=op.f('pk_assessment_fingerprints')),
    )


def downgrade():
    op.drop_table('assessment_fingerprints')
