"""Annual reports (årsrapport) with their free text and the frozen PDF (issue 13)

Revision ID: f28d9e0f1a12
Revises: e17c8d9e0f11
Create Date: 2026-12-07 00:30:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f28d9e0f1a12'
down_revision = 'e17c8d9e0f11'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'annual_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('analysis', sa.Text(), nullable=True),
        sa.Column('priorities', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=False),
        sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('approved_by_id', sa.Integer(), nullable=True),
        sa.Column('document', sa.LargeBinary(), nullable=True),
        sa.Column('matter_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.CheckConstraint(
            'approved_at IS NULL OR document IS NOT NULL',
            name=op.f('ck_annual_reports_approved_has_document'),
        ),
        sa.ForeignKeyConstraint(
            ['approved_by_id'], ['users.id'], name=op.f('fk_annual_reports_approved_by_id_users')
        ),
        sa.ForeignKeyConstraint(
            ['group_id'], ['groups.id'], name=op.f('fk_annual_reports_group_id_groups')
        ),
        sa.ForeignKeyConstraint(
            ['matter_id'], ['matters.id'], name=op.f('fk_annual_reports_matter_id_matters')
        ),
        sa.ForeignKeyConstraint(
            ['updated_by_id'], ['users.id'], name=op.f('fk_annual_reports_updated_by_id_users')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_annual_reports')),
        sa.UniqueConstraint('group_id', 'year', name=op.f('uq_annual_reports_group_id_year')),
    )
    with op.batch_alter_table('annual_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_annual_reports_group_id'), ['group_id'], unique=False)


def downgrade():
    with op.batch_alter_table('annual_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_annual_reports_group_id'))
    op.drop_table('annual_reports')
