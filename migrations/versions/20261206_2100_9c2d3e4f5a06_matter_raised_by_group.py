"""The group that handed a matter over, for "Aktualiserat av" (issue 14)

Revision ID: 9c2d3e4f5a06
Revises: 8b1c2d3e4f05
Create Date: 2026-12-06 21:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9c2d3e4f5a06'
down_revision = '8b1c2d3e4f05'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('matters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('raised_by_group_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_matters_raised_by_group_id_groups'), 'groups', ['raised_by_group_id'], ['id']
        )


def downgrade():
    with op.batch_alter_table('matters', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_matters_raised_by_group_id_groups'), type_='foreignkey')
        batch_op.drop_column('raised_by_group_id')
