"""Meetings as secretaries run them: moved, cancelled with a reason, extra meetings (issue 14)

Revision ID: 8b1c2d3e4f05
Revises: 5e2f3a4b5c03
Create Date: 2026-11-30 10:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8b1c2d3e4f05'
down_revision = '5e2f3a4b5c03'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancel_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('move_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('notice_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('extra_decided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('extra_reason', sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_meetings_extra_decided_by_id_users'), 'users', ['extra_decided_by_id'], ['id']
        )
        batch_op.create_check_constraint(
            'extra_by_chair', '(notice_days IS NULL) = (extra_decided_by_id IS NULL)'
        )


def downgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_meetings_extra_by_chair'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_meetings_extra_decided_by_id_users'), type_='foreignkey')
        batch_op.drop_column('extra_reason')
        batch_op.drop_column('extra_decided_by_id')
        batch_op.drop_column('notice_days')
        batch_op.drop_column('move_reason')
        batch_op.drop_column('cancel_reason')
