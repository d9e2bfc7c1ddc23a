"""Improvement work, processes, indicators, proposals (issue 6)

Common processes get goals, a maintenance log and application checks; improvement efforts with
the four questions, indicators and measurements; improvement proposals. Only new tables: the
effort's actions are the case workflow's `actions`, linked through improvement_effort_actions.

Revision ID: 6c1d2e3f4a02
Revises: 7a0b5c3d9e01
Create Date: 2026-11-23 14:01:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6c1d2e3f4a02'
down_revision = '7a0b5c3d9e01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('process_goals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_process_goals_process_id_processes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_goals')),
    sa.UniqueConstraint('process_id', 'text', name=op.f('uq_process_goals_process_id_text'))
    )
    with op.batch_alter_table('process_goals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_goals_process_id'), ['process_id'], unique=False)

    op.create_table('process_maintenance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_process_maintenance_process_id_processes')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_process_maintenance_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_maintenance'))
    )
    with op.batch_alter_table('process_maintenance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_maintenance_process_id'), ['process_id'], unique=False)

    op.create_table('application_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('checked_on', sa.Date(), nullable=False),
    sa.Column('method', sa.Enum('internal_audit', 'interview', 'survey', name='check_method', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('result', sa.Text(), nullable=False),
    sa.Column('follow_up', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_application_checks_process_id_processes')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_application_checks_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_checks'))
    )
    with op.batch_alter_table('application_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_checks_process_id'), ['process_id'], unique=False)

    op.create_table('improvement_efforts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('small_adjustment', 'development_effort', name='effort_kind', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('status', sa.Enum('planned', 'ongoing', 'evaluating', 'done', 'discontinued', name='effort_status', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('owner_group_id', sa.Integer(), nullable=False),
    sa.Column('responsible_id', sa.Integer(), nullable=True),
    sa.Column('process_id', sa.Integer(), nullable=True),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.Column('purpose', sa.Text(), nullable=True),
    sa.Column('goal', sa.Text(), nullable=True),
    sa.Column('steering_group', sa.Text(), nullable=True),
    sa.Column('time_plan', sa.Text(), nullable=True),
    sa.Column('resources', sa.Text(), nullable=True),
    sa.Column('change_on', sa.Date(), nullable=True),
    sa.Column('conclusion', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status <> 'done' OR (conclusion IS NOT NULL AND change_on IS NOT NULL)", name=op.f('ck_improvement_efforts_done_has_conclusion')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_improvement_efforts_created_by_id_users')),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_improvement_efforts_decision_id_decisions')),
    sa.ForeignKeyConstraint(['owner_group_id'], ['groups.id'], name=op.f('fk_improvement_efforts_owner_group_id_groups')),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_improvement_efforts_process_id_processes')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_improvement_efforts_region_id_regions')),
    sa.ForeignKeyConstraint(['responsible_id'], ['users.id'], name=op.f('fk_improvement_efforts_responsible_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_improvement_efforts'))
    )
    with op.batch_alter_table('improvement_efforts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_improvement_efforts_owner_group_id'), ['owner_group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_improvement_efforts_process_id'), ['process_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_improvement_efforts_region_id'), ['region_id'], unique=False)

    op.create_table('four_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deviation_id', sa.Integer(), nullable=True),
    sa.Column('effort_id', sa.Integer(), nullable=True),
    sa.Column('cluster_id', sa.Integer(), nullable=True),
    sa.Column('current_state', sa.Text(), nullable=True),
    sa.Column('possible_improvements', sa.Text(), nullable=True),
    sa.Column('measurement', sa.Text(), nullable=True),
    sa.Column('required_changes', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('(CASE WHEN deviation_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN effort_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN cluster_id IS NULL THEN 0 ELSE 1 END) = 1', name=op.f('ck_four_questions_exactly_one_subject')),
    sa.ForeignKeyConstraint(['deviation_id'], ['deviations.id'], name=op.f('fk_four_questions_deviation_id_deviations')),
    sa.ForeignKeyConstraint(['effort_id'], ['improvement_efforts.id'], name=op.f('fk_four_questions_effort_id_improvement_efforts')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_four_questions_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_four_questions')),
    sa.UniqueConstraint('cluster_id', name=op.f('uq_four_questions_cluster_id')),
    sa.UniqueConstraint('deviation_id', name=op.f('uq_four_questions_deviation_id')),
    sa.UniqueConstraint('effort_id', name=op.f('uq_four_questions_effort_id'))
    )

    op.create_table('improvement_effort_deviations',
    sa.Column('effort_id', sa.Integer(), nullable=False),
    sa.Column('deviation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['deviation_id'], ['deviations.id'], name=op.f('fk_improvement_effort_deviations_deviation_id_deviations')),
    sa.ForeignKeyConstraint(['effort_id'], ['improvement_efforts.id'], name=op.f('fk_improvement_effort_deviations_effort_id_improvement_efforts')),
    sa.PrimaryKeyConstraint('effort_id', 'deviation_id', name=op.f('pk_improvement_effort_deviations'))
    )
    with op.batch_alter_table('improvement_effort_deviations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_improvement_effort_deviations_deviation_id'), ['deviation_id'], unique=False)

    op.create_table('improvement_effort_actions',
    sa.Column('effort_id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['actions.id'], name=op.f('fk_improvement_effort_actions_action_id_actions')),
    sa.ForeignKeyConstraint(['effort_id'], ['improvement_efforts.id'], name=op.f('fk_improvement_effort_actions_effort_id_improvement_efforts')),
    sa.PrimaryKeyConstraint('effort_id', 'action_id', name=op.f('pk_improvement_effort_actions')),
    sa.UniqueConstraint('action_id', name=op.f('uq_improvement_effort_actions_action_id'))
    )

    op.create_table('improvement_effort_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('effort_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=30), nullable=True),
    sa.Column('to_status', sa.String(length=30), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_improvement_effort_events_actor_id_users')),
    sa.ForeignKeyConstraint(['effort_id'], ['improvement_efforts.id'], name=op.f('fk_improvement_effort_events_effort_id_improvement_efforts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_improvement_effort_events'))
    )
    with op.batch_alter_table('improvement_effort_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_improvement_effort_events_effort_id'), ['effort_id'], unique=False)

    op.create_table('improvement_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Enum('staff', 'deviation', name='proposal_source', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('deviation_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('proposer_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('open', 'small_adjustment', 'development_effort', 'rejected', name='proposal_status', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('triage_note', sa.Text(), nullable=True),
    sa.Column('triaged_by_id', sa.Integer(), nullable=True),
    sa.Column('triaged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('effort_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(source = 'staff' AND text IS NOT NULL AND deviation_id IS NULL) OR (source = 'deviation' AND deviation_id IS NOT NULL)", name=op.f('ck_improvement_proposals_source_has_text')),
    sa.CheckConstraint("status <> 'development_effort' OR effort_id IS NOT NULL", name=op.f('ck_improvement_proposals_effort_has_link')),
    sa.CheckConstraint("status NOT IN ('small_adjustment', 'rejected') OR triage_note IS NOT NULL", name=op.f('ck_improvement_proposals_triage_has_note')),
    sa.ForeignKeyConstraint(['deviation_id'], ['deviations.id'], name=op.f('fk_improvement_proposals_deviation_id_deviations')),
    sa.ForeignKeyConstraint(['effort_id'], ['improvement_efforts.id'], name=op.f('fk_improvement_proposals_effort_id_improvement_efforts')),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_improvement_proposals_process_id_processes')),
    sa.ForeignKeyConstraint(['proposer_id'], ['users.id'], name=op.f('fk_improvement_proposals_proposer_id_users')),
    sa.ForeignKeyConstraint(['triaged_by_id'], ['users.id'], name=op.f('fk_improvement_proposals_triaged_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_improvement_proposals')),
    sa.UniqueConstraint('deviation_id', name=op.f('uq_improvement_proposals_deviation_id'))
    )
    with op.batch_alter_table('improvement_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_improvement_proposals_process_id'), ['process_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_improvement_proposals_proposer_id'), ['proposer_id'], unique=False)

    op.create_table('indicators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=True),
    sa.Column('effort_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=60), nullable=False),
    sa.Column('direction', sa.Enum('lower_is_better', 'higher_is_better', name='indicator_direction', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('baseline', sa.Float(), nullable=True),
    sa.Column('target', sa.Float(), nullable=True),
    sa.Column('frequency', sa.Enum('monthly', 'quarterly', 'yearly', name='indicator_frequency', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('source', sa.Enum('manual', 'deviation_count', name='indicator_source', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('counterpart_id', sa.Integer(), nullable=True),
    sa.Column('count_process_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("source = 'deviation_count' OR (category_id IS NULL AND organization_id IS NULL AND count_process_id IS NULL)", name=op.f('ck_indicators_filters_only_when_counted')),
    sa.CheckConstraint('(goal_id IS NULL) <> (effort_id IS NULL)', name=op.f('ck_indicators_exactly_one_owner')),
    sa.CheckConstraint('(organization_id IS NULL) = (counterpart_id IS NULL)', name=op.f('ck_indicators_organization_pair')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_indicators_category_id_categories')),
    sa.ForeignKeyConstraint(['count_process_id'], ['processes.id'], name=op.f('fk_indicators_count_process_id_processes')),
    sa.ForeignKeyConstraint(['counterpart_id'], ['organizations.id'], name=op.f('fk_indicators_counterpart_id_organizations')),
    sa.ForeignKeyConstraint(['effort_id'], ['improvement_efforts.id'], name=op.f('fk_indicators_effort_id_improvement_efforts')),
    sa.ForeignKeyConstraint(['goal_id'], ['process_goals.id'], name=op.f('fk_indicators_goal_id_process_goals')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_indicators_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicators'))
    )
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicators_effort_id'), ['effort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicators_goal_id'), ['goal_id'], unique=False)

    op.create_table('measurements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'], name=op.f('fk_measurements_indicator_id_indicators')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_measurements_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measurements')),
    sa.UniqueConstraint('indicator_id', 'period_start', name=op.f('uq_measurements_indicator_id_period_start'))
    )
    with op.batch_alter_table('measurements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_measurements_indicator_id'), ['indicator_id'], unique=False)


def downgrade():
    with op.batch_alter_table('measurements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_measurements_indicator_id'))
    op.drop_table('measurements')
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicators_effort_id'))
        batch_op.drop_index(batch_op.f('ix_indicators_goal_id'))
    op.drop_table('indicators')
    with op.batch_alter_table('improvement_proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_improvement_proposals_process_id'))
        batch_op.drop_index(batch_op.f('ix_improvement_proposals_proposer_id'))
    op.drop_table('improvement_proposals')
    with op.batch_alter_table('improvement_effort_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_improvement_effort_events_effort_id'))
    op.drop_table('improvement_effort_events')
    op.drop_table('improvement_effort_actions')
    with op.batch_alter_table('improvement_effort_deviations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_improvement_effort_deviations_deviation_id'))
    op.drop_table('improvement_effort_deviations')
    op.drop_table('four_questions')
    with op.batch_alter_table('improvement_efforts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_improvement_efforts_owner_group_id'))
        batch_op.drop_index(batch_op.f('ix_improvement_efforts_process_id'))
        batch_op.drop_index(batch_op.f('ix_improvement_efforts_region_id'))
    op.drop_table('improvement_efforts')
    with op.batch_alter_table('application_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_checks_process_id'))
    op.drop_table('application_checks')
    with op.batch_alter_table('process_maintenance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_maintenance_process_id'))
    op.drop_table('process_maintenance')
    with op.batch_alter_table('process_goals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_goals_process_id'))
    op.drop_table('process_goals')
