"""Edit versions on the föredragning, the four questions and the administered records (issue 12)

An edit form carries the version it showed; a save made meanwhile is refused, not overwritten.
Existing rows start at version 1.

Revision ID: be4f5a6b7c08
Revises: f28d9e0f1a12
Create Date: 2026-12-06 23:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'be4f5a6b7c08'
down_revision = 'f28d9e0f1a12'
branch_labels = None
depends_on = None

TABLES = (
    'users',
    'organizations',
    'units',
    'groups',
    'memberships',
    'categories',
    'matters',
    'four_questions',
)


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column('version', sa.Integer(), nullable=False, server_default='1')
            )


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
