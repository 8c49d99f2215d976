"""outbox delivery: message state, attempts, next attempt, last error

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.alter_column('error', new_column_name='last_error', existing_type=sa.Text(), existing_nullable=True)
        batch_op.add_column(sa.Column('status', sa.String(length=10), nullable=False, server_default='queued'))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(), nullable=True))

    # What the old columns said: sent, refused once (failed), or still waiting.
    op.execute("UPDATE outbox_messages SET status = 'sent', attempts = 1 WHERE sent_at IS NOT NULL")
    op.execute("UPDATE outbox_messages SET status = 'failed', attempts = 1 "
               "WHERE sent_at IS NULL AND last_error IS NOT NULL")
    op.execute("UPDATE outbox_messages SET next_attempt_at = created_at")

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=sa.String(length=10), server_default=None)
        batch_op.alter_column('attempts', existing_type=sa.Integer(), server_default=None)
        batch_op.alter_column('next_attempt_at', existing_type=sa.DateTime(), nullable=False)
        batch_op.create_check_constraint(op.f('ck_outbox_messages_status'),
                                         "status IN ('queued', 'sending', 'sent', 'failed')")
        batch_op.create_index('ix_outbox_messages_status_next_attempt_at', ['status', 'next_attempt_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_status_next_attempt_at')
        batch_op.drop_constraint(op.f('ck_outbox_messages_status'), type_='check')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('attempts')
        batch_op.drop_column('status')
        batch_op.alter_column('last_error', new_column_name='error', existing_type=sa.Text(), existing_nullable=True)
