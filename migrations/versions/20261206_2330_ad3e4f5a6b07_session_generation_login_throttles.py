"""Session generation on accounts, log-in throttles for unknown addresses (issue 12)

Revision ID: ad3e4f5a6b07
Revises: be4f5a6b7c08
Create Date: 2026-12-06 23:30:00

Existing accounts start at generation 0; the server default fills them and is then dropped, as
the model has none. Sessions issued before this release carry a bare user id, which the new
user loader does not accept: everyone logs in once more.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ad3e4f5a6b07'
down_revision = 'be4f5a6b7c08'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('session_generation', sa.Integer(), nullable=False, server_default='0')
        )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('session_generation', server_default=None)
    op.create_table('login_throttles',
    sa.Column('email_digest', sa.String(length=64), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('email_digest', name=op.f('pk_login_throttles'))
    )


def downgrade():
    op.drop_table('login_throttles')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
