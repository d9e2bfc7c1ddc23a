"""Full-text search, detection suggestions, clusters (issue 5)

Revision ID: 5e2f3a4b5c03
Revises: 6c1d2e3f4a02
Create Date: 2026-11-23 14:02:00

The full-text index (FTS5 on SQLite, tsvector + GIN on PostgreSQL) and its triggers are created
by the same statements the models' after_create event runs (avvikelse/models/search.py), so a
migrated database and one built by create_all index deviations identically. On SQLite it is
built here without the region column that e2f3a4b5c6d7 adds.
"""
from alembic import op
import sqlalchemy as sa

from avvikelse.models.search import create_search_index, drop_search_index


# revision identifiers, used by Alembic.
revision = '5e2f3a4b5c03'
down_revision = '6c1d2e3f4a02'
branch_labels = None
depends_on = None


def _enum(*values, name):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=30)


def upgrade():
    op.create_table('recurrence_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deviation_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['deviation_id'], ['deviations.id'], name=op.f('fk_recurrence_keys_deviation_id_deviations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_recurrence_keys_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recurrence_keys')),
    sa.UniqueConstraint('deviation_id', 'key', name=op.f('uq_recurrence_keys_deviation_id_key'))
    )
    with op.batch_alter_table('recurrence_keys', schema=None) as batch_op:
        batch_op.create_index('ix_recurrence_keys_lookup', ['region_id', 'key', 'occurred_on', 'deviation_id'], unique=False)
        batch_op.create_index('ix_recurrence_keys_month', ['region_id', 'month', 'key'], unique=False)
        batch_op.create_index(batch_op.f('ix_recurrence_keys_deviation_id'), ['deviation_id'], unique=False)

    op.create_table('suggestions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('kind', _enum('recurring', 'recurring_process', 'general', 'general_marked', 'rising_trend', name='suggestion_kind'), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('state', _enum('open', 'confirmed', 'dismissed', name='suggestion_state'), nullable=False),
    sa.Column('reason', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_suggestions_decided_by_id_users')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_suggestions_group_id_groups')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_suggestions_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestions'))
    )
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.create_index('ix_suggestions_region_key', ['region_id', 'key', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_suggestions_group_id'), ['group_id'], unique=False)

    op.create_table('suggestion_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('suggestion_id', sa.Integer(), nullable=False),
    sa.Column('deviation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['deviation_id'], ['deviations.id'], name=op.f('fk_suggestion_cases_deviation_id_deviations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['suggestion_id'], ['suggestions.id'], name=op.f('fk_suggestion_cases_suggestion_id_suggestions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestion_cases')),
    sa.UniqueConstraint('suggestion_id', 'deviation_id', name=op.f('uq_suggestion_cases_suggestion_id_deviation_id'))
    )
    with op.batch_alter_table('suggestion_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_suggestion_cases_deviation_id'), ['deviation_id'], unique=False)

    op.create_table('clusters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('state', _enum('open', 'handed_over', 'decided', name='cluster_state'), nullable=False),
    sa.Column('suggestion_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('handed_over_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('matter_id', sa.Integer(), nullable=True),
    sa.Column('decision', sa.Text(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_clusters_created_by_id_users')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_clusters_group_id_groups')),
    sa.ForeignKeyConstraint(['matter_id'], ['matters.id'], name=op.f('fk_clusters_matter_id_matters')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_clusters_region_id_regions')),
    sa.ForeignKeyConstraint(['suggestion_id'], ['suggestions.id'], name=op.f('fk_clusters_suggestion_id_suggestions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clusters'))
    )
    with op.batch_alter_table('clusters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clusters_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_clusters_matter_id'), ['matter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_clusters_region_id'), ['region_id'], unique=False)

    op.create_table('cluster_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('deviation_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('removed_by_id', sa.Integer(), nullable=True),
    sa.Column('removed_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_cluster_cases_added_by_id_users')),
    sa.ForeignKeyConstraint(['cluster_id'], ['clusters.id'], name=op.f('fk_cluster_cases_cluster_id_clusters')),
    sa.ForeignKeyConstraint(['deviation_id'], ['deviations.id'], name=op.f('fk_cluster_cases_deviation_id_deviations')),
    sa.ForeignKeyConstraint(['removed_by_id'], ['users.id'], name=op.f('fk_cluster_cases_removed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cluster_cases'))
    )
    with op.batch_alter_table('cluster_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cluster_cases_cluster_id'), ['cluster_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cluster_cases_deviation_id'), ['deviation_id'], unique=False)

    with op.batch_alter_table('four_questions', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_four_questions_cluster_id_clusters'), 'clusters', ['cluster_id'], ['id'])
    with op.batch_alter_table('improvement_efforts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cluster_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_improvement_efforts_cluster_id'), ['cluster_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_improvement_efforts_cluster_id_clusters'), 'clusters', ['cluster_id'], ['id'])

    create_search_index(op.get_bind(), region=False)


def downgrade():
    drop_search_index(op.get_bind())
    with op.batch_alter_table('improvement_efforts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_improvement_efforts_cluster_id_clusters'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_improvement_efforts_cluster_id'))
        batch_op.drop_column('cluster_id')
    with op.batch_alter_table('four_questions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_four_questions_cluster_id_clusters'), type_='foreignkey')
    with op.batch_alter_table('cluster_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cluster_cases_deviation_id'))
        batch_op.drop_index(batch_op.f('ix_cluster_cases_cluster_id'))
    op.drop_table('cluster_cases')
    with op.batch_alter_table('clusters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clusters_region_id'))
        batch_op.drop_index(batch_op.f('ix_clusters_matter_id'))
        batch_op.drop_index(batch_op.f('ix_clusters_group_id'))
    op.drop_table('clusters')
    with op.batch_alter_table('suggestion_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_suggestion_cases_deviation_id'))
    op.drop_table('suggestion_cases')
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_suggestions_group_id'))
        batch_op.drop_index('ix_suggestions_region_key')
    op.drop_table('suggestions')
    with op.batch_alter_table('recurrence_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recurrence_keys_deviation_id'))
        batch_op.drop_index('ix_recurrence_keys_month')
        batch_op.drop_index('ix_recurrence_keys_lookup')
    op.drop_table('recurrence_keys')
