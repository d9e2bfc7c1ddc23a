"""Index deviations by region and submission time, for the public statistics of a year (issue 13)

Revision ID: e17c8d9e0f11
Revises: 9c2d3e4f5a06
Create Date: 2026-12-07 00:00:00
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e17c8d9e0f11'
down_revision = '9c2d3e4f5a06'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_deviations_region_submitted', 'deviations', ['region_id', 'submitted_at'], unique=False
    )


def downgrade():
    op.drop_index('ix_deviations_region_submitted', table_name='deviations')
