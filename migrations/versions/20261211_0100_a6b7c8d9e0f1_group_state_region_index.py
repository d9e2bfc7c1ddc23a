"""The group inbox's index gets the region, between the state and the time (issue 15)

Revision ID: a6b7c8d9e0f1
Revises: f4a5b6c7d8e9
Create Date: 2026-12-11 01:00:00
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a6b7c8d9e0f1'
down_revision = 'f4a5b6c7d8e9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_deviations_group_state_region',
        'deviations',
        ['group_id', 'state', 'region_id', 'submitted_at', 'id'],
        unique=False,
    )
    op.drop_index('ix_deviations_group_state', table_name='deviations')


def downgrade():
    op.create_index(
        'ix_deviations_group_state',
        'deviations',
        ['group_id', 'state', 'submitted_at', 'id'],
        unique=False,
    )
    op.drop_index('ix_deviations_group_state_region', table_name='deviations')
