"""Meetings, matters, attendance, written views, decisions, assignments, minutes

Revision ID: 80da71b453ff
Revises: 0491a64fd74f
Create Date: 2026-11-23 11:56:26.553879

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '80da71b453ff'
down_revision = '0491a64fd74f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('place', sa.String(length=300), nullable=True),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('cancelled', sa.Boolean(), nullable=False),
    sa.Column('notice_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notice_sent_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_meetings_group_id_groups')),
    sa.ForeignKeyConstraint(['notice_sent_by_id'], ['users.id'], name=op.f('fk_meetings_notice_sent_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings'))
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index('ix_meetings_group_starts', ['group_id', 'starts_at'], unique=False)

    op.create_table('attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_attendance_meeting_id_meetings')),
    sa.ForeignKeyConstraint(['membership_id'], ['memberships.id'], name=op.f('fk_attendance_membership_id_memberships')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance')),
    sa.UniqueConstraint('meeting_id', 'membership_id', name=op.f('uq_attendance_meeting_id_membership_id'))
    )
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('minutes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('correction_reason', sa.Text(), nullable=True),
    sa.Column('adjuster_id', sa.Integer(), nullable=True),
    sa.Column('chair_approved_by_id', sa.Integer(), nullable=True),
    sa.Column('chair_approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('adjuster_approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('content', sa.JSON(), nullable=True),
    sa.CheckConstraint('adjuster_id IS NULL OR chair_approved_by_id IS NULL OR adjuster_id <> chair_approved_by_id', name=op.f('ck_minutes_two_different_people')),
    sa.CheckConstraint('version = 1 OR correction_reason IS NOT NULL', name=op.f('ck_minutes_correction_reason')),
    sa.ForeignKeyConstraint(['adjuster_id'], ['users.id'], name=op.f('fk_minutes_adjuster_id_users')),
    sa.ForeignKeyConstraint(['chair_approved_by_id'], ['users.id'], name=op.f('fk_minutes_chair_approved_by_id_users')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_minutes_meeting_id_meetings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_minutes')),
    sa.UniqueConstraint('meeting_id', 'version', name=op.f('uq_minutes_meeting_id_version'))
    )
    with op.batch_alter_table('minutes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_minutes_approved_at'), ['approved_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_minutes_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('matters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('deviation', 'cluster', 'improvement_proposal', 'decision_follow_up', 'assignment', 'subordinate_minutes', 'information', name='matter_kind', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('raised_by', sa.Enum('member', 'chair', 'secretary', 'preparation_group', 'lsvo', 'other_party', 'system', name='raised_by', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('raised_by_user_id', sa.Integer(), nullable=True),
    sa.Column('presenter_id', sa.Integer(), nullable=True),
    sa.Column('background', sa.Text(), nullable=True),
    sa.Column('done_so_far', sa.Text(), nullable=True),
    sa.Column('proposal', sa.Text(), nullable=True),
    sa.Column('deviation_id', sa.Integer(), nullable=True),
    sa.Column('follows_up_decision_id', sa.Integer(), nullable=True),
    sa.Column('minutes_id', sa.Integer(), nullable=True),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('late_accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('added_after_notice', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('discussion', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['deviation_id'], ['deviations.id'], name=op.f('fk_matters_deviation_id_deviations')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_matters_group_id_groups')),
    sa.ForeignKeyConstraint(['late_accepted_by_id'], ['users.id'], name=op.f('fk_matters_late_accepted_by_id_users')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_matters_meeting_id_meetings')),
    sa.ForeignKeyConstraint(['minutes_id'], ['minutes.id'], name=op.f('fk_matters_minutes_id_minutes')),
    sa.ForeignKeyConstraint(['presenter_id'], ['users.id'], name=op.f('fk_matters_presenter_id_users')),
    sa.ForeignKeyConstraint(['raised_by_user_id'], ['users.id'], name=op.f('fk_matters_raised_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matters'))
    )
    with op.batch_alter_table('matters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matters_deviation_id'), ['deviation_id'], unique=False)
        batch_op.create_index('ix_matters_group_meeting', ['group_id', 'meeting_id'], unique=False)

    op.create_table('decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('matter_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('decided', 'referred_to_lsvo', 'referred_to_parties', 'postponed', 'noted', name='decision_outcome', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('quorum', sa.JSON(), nullable=True),
    sa.Column('follow_up_on', sa.Date(), nullable=True),
    sa.Column('follow_up_done_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('follow_up_done_at IS NULL OR follow_up_on IS NOT NULL', name=op.f('ck_decisions_done_needs_date')),
    sa.ForeignKeyConstraint(['matter_id'], ['matters.id'], name=op.f('fk_decisions_matter_id_matters')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_decisions_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions')),
    sa.UniqueConstraint('matter_id', name=op.f('uq_decisions_matter_id'))
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_follow_up_on'), ['follow_up_on'], unique=False)

    # matters and decisions refer to each other: this key waits until both tables exist.
    with op.batch_alter_table('matters', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_matters_follows_up_decision_id_decisions'), 'decisions', ['follows_up_decision_id'], ['id'])

    op.create_table('written_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('matter_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['matter_id'], ['matters.id'], name=op.f('fk_written_views_matter_id_matters')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_written_views_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_written_views'))
    )
    with op.batch_alter_table('written_views', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_written_views_matter_id'), ['matter_id'], unique=False)

    op.create_table('assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('to_group_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('background', sa.Text(), nullable=True),
    sa.Column('deliverable', sa.Text(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('reporting_back', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_assignments_decision_id_decisions')),
    sa.ForeignKeyConstraint(['to_group_id'], ['groups.id'], name=op.f('fk_assignments_to_group_id_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments'))
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignments_decision_id'), ['decision_id'], unique=False)

    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decision_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_actions_decision_id'), ['decision_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_actions_decision_id_decisions'), 'decisions', ['decision_id'], ['id'])

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_created', ['user_id', 'created_at', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_created')

    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_actions_decision_id_decisions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_actions_decision_id'))
        batch_op.drop_column('decision_id')

    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignments_decision_id'))

    op.drop_table('assignments')
    with op.batch_alter_table('written_views', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_written_views_matter_id'))

    op.drop_table('written_views')
    with op.batch_alter_table('matters', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_matters_follows_up_decision_id_decisions'), type_='foreignkey')

    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decisions_follow_up_on'))

    op.drop_table('decisions')
    with op.batch_alter_table('matters', schema=None) as batch_op:
        batch_op.drop_index('ix_matters_group_meeting')
        batch_op.drop_index(batch_op.f('ix_matters_deviation_id'))

    op.drop_table('matters')
    with op.batch_alter_table('minutes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_minutes_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_minutes_approved_at'))

    op.drop_table('minutes')
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_meeting_id'))

    op.drop_table('attendance')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index('ix_meetings_group_starts')

    op.drop_table('meetings')
