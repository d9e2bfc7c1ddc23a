"""API clients with service accounts, hashed tokens and per-minute request counters (issue 16)

Revision ID: c4b5c6d7e8f9
Revises: c5c6d7e8f9a0
Create Date: 2026-12-07 03:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4b5c6d7e8f9'
down_revision = 'c5c6d7e8f9a0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('is_service_account', sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('is_service_account', server_default=None)
    op.create_table('api_clients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('scopes', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('token_hint', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('rotated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_api_clients_created_by_id_users')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_api_clients_organization_id_organizations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_clients_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_clients')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_clients_token_hash')),
    sa.UniqueConstraint('user_id', name=op.f('uq_api_clients_user_id'))
    )
    with op.batch_alter_table('api_clients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_clients_organization_id'), ['organization_id'], unique=False)
    op.create_table('api_rate_windows',
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['api_clients.id'], name=op.f('fk_api_rate_windows_client_id_api_clients')),
    sa.PrimaryKeyConstraint('client_id', 'window_start', name=op.f('pk_api_rate_windows'))
    )


def downgrade():
    op.drop_table('api_rate_windows')
    with op.batch_alter_table('api_clients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_clients_organization_id'))
    op.drop_table('api_clients')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('is_service_account')
