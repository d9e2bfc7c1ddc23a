"""Indexes that let the role pages start from their few rows at 10^6 cases (issue 15)

The cases handed over to LSVO and the possible lex Maria/lex Sarah cases of a region (partial,
so the planner's statistics count only those), the answers an organization still owes, and an
organization's latest answers.

Revision ID: d1e2f3a4b5c6
Revises: c4b5c6d7e8f9
Create Date: 2026-12-08 01:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd1e2f3a4b5c6'
down_revision = 'c4b5c6d7e8f9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_deviations_region_escalated', 'deviations', ['region_id', 'submitted_at'],
        unique=False,
        sqlite_where=sa.text('escalated_at IS NOT NULL'),
        postgresql_where=sa.text('escalated_at IS NOT NULL'),
    )
    op.create_index(
        'ix_deviations_region_serious', 'deviations', ['region_id', 'submitted_at'],
        unique=False,
        sqlite_where=sa.text('possible_serious = 1'),
        postgresql_where=sa.text('possible_serious'),
    )
    op.create_index(
        'ix_concerned_organization_status', 'concerned_organizations',
        ['organization_id', 'status', 'deviation_id'], unique=False,
    )
    op.create_index(
        'ix_answers_organization_created', 'answers', ['organization_id', 'created_at'],
        unique=False,
    )


def downgrade():
    op.drop_index('ix_answers_organization_created', table_name='answers')
    op.drop_index('ix_concerned_organization_status', table_name='concerned_organizations')
    op.drop_index('ix_deviations_region_serious', table_name='deviations')
    op.drop_index('ix_deviations_region_escalated', table_name='deviations')
