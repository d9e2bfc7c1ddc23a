"""deviations, answers, actions, timeline, notifications, audit log, coordinators

Revision ID: 0491a64fd74f
Revises: d0d7afc17580
Create Date: 2026-11-23 10:41:22.807392

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0491a64fd74f'
down_revision = 'd0d7afc17580'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_number_counters',
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_case_number_counters_region_id_regions')),
    sa.PrimaryKeyConstraint('region_id', 'year', name=op.f('pk_case_number_counters'))
    )
    op.create_table('coordinators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_coordinators_organization_id_organizations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_coordinators_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coordinators')),
    sa.UniqueConstraint('user_id', 'organization_id', name=op.f('uq_coordinators_user_id_organization_id'))
    )
    with op.batch_alter_table('coordinators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coordinators_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_coordinators_user_id'), ['user_id'], unique=False)

    op.create_table('deviation_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_deviation_drafts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deviation_drafts'))
    )
    with op.batch_alter_table('deviation_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deviation_drafts_user_id'), ['user_id'], unique=False)

    op.create_table('deviations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('state', sa.Enum('submitted', 'awaiting_answers', 'in_preparation', 'escalated', 'actions', 'follow_up', 'closed', 'not_collaboration', name='deviation_state', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('submission_token', sa.String(length=64), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('reporter_organization_id', sa.Integer(), nullable=False),
    sa.Column('reporter_unit_id', sa.Integer(), nullable=True),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('occurred_at_time', sa.Time(), nullable=True),
    sa.Column('discovered_on', sa.Date(), nullable=False),
    sa.Column('target_group', sa.Enum('children_youth', 'adults', 'elderly', name='target_group', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=True),
    sa.Column('agreement', sa.String(length=300), nullable=True),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('immediate_action', sa.Text(), nullable=True),
    sa.Column('proposal', sa.Text(), nullable=True),
    sa.Column('probability', sa.Integer(), nullable=False),
    sa.Column('consequence', sa.Integer(), nullable=False),
    sa.Column('risk_score', sa.Integer(), nullable=False),
    sa.Column('wants_feedback', sa.Boolean(), nullable=False),
    sa.Column('possible_serious', sa.Boolean(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answer_due_on', sa.Date(), nullable=True),
    sa.Column('not_collaboration_reason', sa.Text(), nullable=True),
    sa.Column('duplicate_of_id', sa.Integer(), nullable=True),
    sa.Column('decision', sa.Text(), nullable=True),
    sa.Column('evaluation', sa.Text(), nullable=True),
    sa.Column('closing_summary', sa.Text(), nullable=True),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("state <> 'closed' OR closing_summary IS NOT NULL", name=op.f('ck_deviations_closed_has_summary')),
    sa.CheckConstraint("state <> 'escalated' OR escalated_at IS NOT NULL", name=op.f('ck_deviations_escalated_has_time')),
    sa.CheckConstraint("state <> 'not_collaboration' OR not_collaboration_reason IS NOT NULL", name=op.f('ck_deviations_not_collaboration_has_reason')),
    sa.CheckConstraint('consequence BETWEEN 1 AND 4', name=op.f('ck_deviations_consequence_range')),
    sa.CheckConstraint('probability BETWEEN 1 AND 4', name=op.f('ck_deviations_probability_range')),
    sa.CheckConstraint('risk_score = probability * consequence', name=op.f('ck_deviations_risk_score_product')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_deviations_category_id_categories')),
    sa.ForeignKeyConstraint(['duplicate_of_id'], ['deviations.id'], name=op.f('fk_deviations_duplicate_of_id_deviations')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_deviations_group_id_groups')),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_deviations_process_id_processes')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_deviations_region_id_regions')),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_deviations_reporter_id_users')),
    sa.ForeignKeyConstraint(['reporter_organization_id'], ['organizations.id'], name=op.f('fk_deviations_reporter_organization_id_organizations')),
    sa.ForeignKeyConstraint(['reporter_unit_id'], ['units.id'], name=op.f('fk_deviations_reporter_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deviations')),
    sa.UniqueConstraint('region_id', 'number', name=op.f('uq_deviations_region_id_number')),
    sa.UniqueConstraint('region_id', 'year', 'sequence', name=op.f('uq_deviations_region_id_year_sequence')),
    sa.UniqueConstraint('submission_token', name=op.f('uq_deviations_submission_token'))
    )
    with op.batch_alter_table('deviations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deviations_category_id'), ['category_id'], unique=False)
        batch_op.create_index('ix_deviations_group_state', ['group_id', 'state', 'submitted_at', 'id'], unique=False)
        batch_op.create_index('ix_deviations_keyset', ['submitted_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deviations_process_id'), ['process_id'], unique=False)
        batch_op.create_index('ix_deviations_reporter', ['reporter_id', 'submitted_at', 'id'], unique=False)
        batch_op.create_index('ix_deviations_reporter_org', ['reporter_organization_id', 'submitted_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deviations_risk_score'), ['risk_score'], unique=False)

    op.create_table('actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deviation_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner_organization_id', sa.Integer(), nullable=True),
    sa.Column('owner_group_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('planned', 'ongoing', 'done', 'cancelled', name='action_status', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(owner_organization_id IS NULL) <> (owner_group_id IS NULL)', name=op.f('ck_actions_exactly_one_owner')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_actions_created_by_id_users')),
    sa.ForeignKeyConstraint(['deviation_id'], ['deviations.id'], name=op.f('fk_actions_deviation_id_deviations')),
    sa.ForeignKeyConstraint(['owner_group_id'], ['groups.id'], name=op.f('fk_actions_owner_group_id_groups')),
    sa.ForeignKeyConstraint(['owner_organization_id'], ['organizations.id'], name=op.f('fk_actions_owner_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actions'))
    )
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_actions_deviation_id'), ['deviation_id'], unique=False)

    op.create_table('answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deviation_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('what_happened', sa.Text(), nullable=False),
    sa.Column('cause', sa.Text(), nullable=True),
    sa.Column('measures', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_answers_author_id_users')),
    sa.ForeignKeyConstraint(['deviation_id'], ['deviations.id'], name=op.f('fk_answers_deviation_id_deviations')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_answers_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answers'))
    )
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answers_deviation_id'), ['deviation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_answers_organization_id'), ['organization_id'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=50), nullable=False),
    sa.Column('deviation_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('as_administrator', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['deviation_id'], ['deviations.id'], name=op.f('fk_audit_log_deviation_id_deviations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_audit_log_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_created', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_audit_log_deviation', ['deviation_id', 'created_at'], unique=False)
        batch_op.create_index('ix_audit_log_user', ['user_id', 'created_at'], unique=False)

    op.create_table('concerned_organizations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deviation_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'answered', 'passed_on', name='concerned_status', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answer_due_on', sa.Date(), nullable=True),
    sa.Column('passed_to_id', sa.Integer(), nullable=True),
    sa.Column('passed_reason', sa.Text(), nullable=True),
    sa.Column('passed_by_id', sa.Integer(), nullable=True),
    sa.Column('ivo_reported', sa.Boolean(), nullable=True),
    sa.Column('ivo_reason', sa.Text(), nullable=True),
    sa.Column('ivo_decided_by_id', sa.Integer(), nullable=True),
    sa.Column('ivo_decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status <> 'passed_on' OR (passed_to_id IS NOT NULL AND passed_reason IS NOT NULL)", name=op.f('ck_concerned_organizations_passed_on_has_target')),
    sa.ForeignKeyConstraint(['deviation_id'], ['deviations.id'], name=op.f('fk_concerned_organizations_deviation_id_deviations')),
    sa.ForeignKeyConstraint(['ivo_decided_by_id'], ['users.id'], name=op.f('fk_concerned_organizations_ivo_decided_by_id_users')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_concerned_organizations_organization_id_organizations')),
    sa.ForeignKeyConstraint(['passed_by_id'], ['users.id'], name=op.f('fk_concerned_organizations_passed_by_id_users')),
    sa.ForeignKeyConstraint(['passed_to_id'], ['organizations.id'], name=op.f('fk_concerned_organizations_passed_to_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_concerned_organizations')),
    sa.UniqueConstraint('deviation_id', 'organization_id', name=op.f('uq_concerned_organizations_deviation_id_organization_id'))
    )
    with op.batch_alter_table('concerned_organizations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_concerned_organizations_deviation_id'), ['deviation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_concerned_organizations_organization_id'), ['organization_id'], unique=False)

    op.create_table('deviation_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deviation_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_organization_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('submitted', 'transition', 'routed', 'shared', 'answered', 'passed_on', 'comment', 'field_changed', 'action_added', 'action_changed', 'ivo_decision', name='event_kind', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('from_state', sa.String(length=30), nullable=True),
    sa.Column('to_state', sa.String(length=30), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_deviation_events_actor_id_users')),
    sa.ForeignKeyConstraint(['actor_organization_id'], ['organizations.id'], name=op.f('fk_deviation_events_actor_organization_id_organizations')),
    sa.ForeignKeyConstraint(['deviation_id'], ['deviations.id'], name=op.f('fk_deviation_events_deviation_id_deviations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deviation_events'))
    )
    with op.batch_alter_table('deviation_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deviation_events_deviation_id'), ['deviation_id'], unique=False)

    op.create_table('deviation_shares',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deviation_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('shared_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('shared_by_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['deviation_id'], ['deviations.id'], name=op.f('fk_deviation_shares_deviation_id_deviations')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_deviation_shares_group_id_groups')),
    sa.ForeignKeyConstraint(['shared_by_id'], ['users.id'], name=op.f('fk_deviation_shares_shared_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deviation_shares')),
    sa.UniqueConstraint('deviation_id', 'group_id', name=op.f('uq_deviation_shares_deviation_id_group_id'))
    )
    with op.batch_alter_table('deviation_shares', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deviation_shares_deviation_id'), ['deviation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deviation_shares_group_id'), ['group_id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=50), nullable=False),
    sa.Column('deviation_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('email_status', sa.Enum('pending', 'sent', 'failed', 'logged', name='email_status', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('email_attempts', sa.Integer(), nullable=False),
    sa.Column('email_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('email_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['deviation_id'], ['deviations.id'], name=op.f('fk_notifications_deviation_id_deviations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('key', name=op.f('uq_notifications_key'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_deviation_id'), ['deviation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_email_status'), ['email_status'], unique=False)
        batch_op.create_index('ix_notifications_user_unread', ['user_id', 'read_at', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_unread')
        batch_op.drop_index(batch_op.f('ix_notifications_email_status'))
        batch_op.drop_index(batch_op.f('ix_notifications_deviation_id'))

    op.drop_table('notifications')
    with op.batch_alter_table('deviation_shares', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deviation_shares_group_id'))
        batch_op.drop_index(batch_op.f('ix_deviation_shares_deviation_id'))

    op.drop_table('deviation_shares')
    with op.batch_alter_table('deviation_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deviation_events_deviation_id'))

    op.drop_table('deviation_events')
    with op.batch_alter_table('concerned_organizations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_concerned_organizations_organization_id'))
        batch_op.drop_index(batch_op.f('ix_concerned_organizations_deviation_id'))

    op.drop_table('concerned_organizations')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_user')
        batch_op.drop_index('ix_audit_log_deviation')
        batch_op.drop_index('ix_audit_log_created')

    op.drop_table('audit_log')
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answers_organization_id'))
        batch_op.drop_index(batch_op.f('ix_answers_deviation_id'))

    op.drop_table('answers')
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_actions_deviation_id'))

    op.drop_table('actions')
    with op.batch_alter_table('deviations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deviations_risk_score'))
        batch_op.drop_index('ix_deviations_reporter_org')
        batch_op.drop_index('ix_deviations_reporter')
        batch_op.drop_index(batch_op.f('ix_deviations_process_id'))
        batch_op.drop_index('ix_deviations_keyset')
        batch_op.drop_index('ix_deviations_group_state')
        batch_op.drop_index(batch_op.f('ix_deviations_category_id'))

    op.drop_table('deviations')
    with op.batch_alter_table('deviation_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deviation_drafts_user_id'))

    op.drop_table('deviation_drafts')
    with op.batch_alter_table('coordinators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coordinators_user_id'))
        batch_op.drop_index(batch_op.f('ix_coordinators_organization_id'))

    op.drop_table('coordinators')
    op.drop_table('case_number_counters')
