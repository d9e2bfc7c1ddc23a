"""Index a region's cases by state, for the dashboard's overdue answers (issue 15)

Revision ID: f4a5b6c7d8e9
Revises: f3a4b5c6d7e8
Create Date: 2026-12-10 02:00:00
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f4a5b6c7d8e9'
down_revision = 'f3a4b5c6d7e8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_deviations_region_state', 'deviations', ['region_id', 'state'], unique=False
    )


def downgrade():
    op.drop_index('ix_deviations_region_state', table_name='deviations')
