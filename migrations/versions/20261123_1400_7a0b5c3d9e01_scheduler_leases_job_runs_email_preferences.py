"""Scheduler lease, job runs, e-mail preferences (issue 7)

Revision ID: 7a0b5c3d9e01
Revises: 80da71b453ff
Create Date: 2026-11-23 14:00:00

Notifications get a back-off time and structured data, and two more e-mail states for the weekly
digest; the state CHECK is replaced (batch mode recreates the table on SQLite).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a0b5c3d9e01'
down_revision = '80da71b453ff'
branch_labels = None
depends_on = None

OLD_EMAIL_STATES = ('pending', 'sent', 'failed', 'logged')
NEW_EMAIL_STATES = OLD_EMAIL_STATES + ('digest', 'digested')


def _states_check(states):
    return 'email_status IN (' + ', '.join(f"'{state}'" for state in states) + ')'


def upgrade():
    op.create_table('scheduler_leases',
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('holder', sa.String(length=200), nullable=False),
    sa.Column('acquired_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduler_leases'))
    )
    op.create_table('job_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=60), nullable=False),
    sa.Column('runner', sa.String(length=200), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs'))
    )
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.create_index('ix_job_runs_job_started', ['job', 'started_at'], unique=False)

    op.create_table('email_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('delivery', sa.Enum('immediately', 'digest', name='email_delivery', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_email_preferences_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_email_preferences'))
    )

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('data', sa.JSON(), nullable=True))
        batch_op.drop_constraint(op.f('ck_notifications_email_status'), type_='check')
        batch_op.create_check_constraint('email_status', _states_check(NEW_EMAIL_STATES))


def downgrade():
    # Digest states cannot exist under the old CHECK: treat held mail as sent-by-log.
    op.execute(
        "UPDATE notifications SET email_status = 'logged'"
        " WHERE email_status IN ('digest', 'digested')"
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notifications_email_status'), type_='check')
        batch_op.create_check_constraint('email_status', _states_check(OLD_EMAIL_STATES))
        batch_op.drop_column('data')
        batch_op.drop_column('email_next_attempt_at')

    op.drop_table('email_preferences')
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_job_runs_job_started')

    op.drop_table('job_runs')
    op.drop_table('scheduler_leases')
