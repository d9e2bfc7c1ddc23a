"""Monthly follow-up figures kept by the transaction (issue 13): the dashboard at 10^6 cases

Revision ID: c2f3a4b5c6d7
Revises: ad3e4f5a6b07
Create Date: 2026-12-07 03:00:00

A region that has no cases yet has complete figures from its first case on, so it is marked
built here; a region with cases is counted by `avvikelse figures rebuild` (until then its
dashboard computes from the cases, as before).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c2f3a4b5c6d7'
down_revision = 'ad3e4f5a6b07'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'monthly_figures',
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['group_id'], ['groups.id']),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id']),
        sa.PrimaryKeyConstraint('region_id', 'month', 'group_id', 'kind', 'key'),
        sqlite_with_rowid=False,
    )
    op.create_table(
        'monthly_organization_figures',
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['group_id'], ['groups.id']),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id']),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id']),
        sa.PrimaryKeyConstraint('region_id', 'organization_id', 'month', 'group_id', 'kind', 'key'),
        sqlite_with_rowid=False,
    )
    op.create_table(
        'case_figures',
        sa.Column('deviation_id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('keys', sa.JSON(), nullable=False),
        sa.Column('organizations', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['deviation_id'], ['deviations.id']),
        sa.ForeignKeyConstraint(['group_id'], ['groups.id']),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id']),
        sa.PrimaryKeyConstraint('deviation_id'),
    )
    op.create_index('ix_case_figures_region', 'case_figures', ['region_id'], unique=False)
    op.create_table(
        'figure_states',
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('rebuilt_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id']),
        sa.PrimaryKeyConstraint('region_id'),
    )
    op.drop_index('ix_deviations_category_id', table_name='deviations')
    op.create_index(
        'ix_deviations_category_submitted',
        'deviations',
        ['category_id', 'submitted_at'],
        unique=False,
    )
    op.create_index(
        'ix_concerned_status_due',
        'concerned_organizations',
        ['status', 'answer_due_on'],
        unique=False,
    )
    op.execute(
        "INSERT INTO figure_states (region_id) SELECT id FROM regions "
        "WHERE NOT EXISTS (SELECT 1 FROM deviations WHERE deviations.region_id = regions.id)"
    )


def downgrade():
    op.drop_index('ix_concerned_status_due', table_name='concerned_organizations')
    op.drop_index('ix_deviations_category_submitted', table_name='deviations')
    op.create_index('ix_deviations_category_id', 'deviations', ['category_id'], unique=False)
    op.drop_table('figure_states')
    op.drop_index('ix_case_figures_region', table_name='case_figures')
    op.drop_table('case_figures')
    op.drop_table('monthly_organization_figures')
    op.drop_table('monthly_figures')
