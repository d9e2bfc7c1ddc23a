"""Retention (gallring): per-region years for case text and the audit log, purged_at on cases

Revision ID: c3a4b5c6d7e8
Revises: c2f3a4b5c6d7
Create Date: 2026-12-07 04:00:00

Existing regions get the defaults (5 and 5 years) through server defaults that are then
dropped, as the model has none. On SQLite the downgrade copies `deviations` to drop the column,
which drops the search index's triggers on it, so the index is built again as it was.
"""
from alembic import op
import sqlalchemy as sa

from avvikelse.models.search import rebuild_search_index


# revision identifiers, used by Alembic.
revision = 'c3a4b5c6d7e8'
down_revision = 'c2f3a4b5c6d7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('retention_years', sa.Integer(), nullable=False, server_default='5')
        )
        batch_op.add_column(
            sa.Column('audit_retention_years', sa.Integer(), nullable=False, server_default='5')
        )
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.alter_column('retention_years', server_default=None)
        batch_op.alter_column('audit_retention_years', server_default=None)
        batch_op.create_check_constraint(
            op.f('ck_regions_retention_years_positive'), 'retention_years >= 1'
        )
        batch_op.create_check_constraint(
            op.f('ck_regions_audit_retention_years_minimum'), 'audit_retention_years >= 5'
        )
    with op.batch_alter_table('deviations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('deviations', schema=None) as batch_op:
        batch_op.drop_column('purged_at')
    rebuild_search_index(op.get_bind(), region=False, dialect='sqlite')
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_regions_audit_retention_years_minimum'), type_='check')
        batch_op.drop_constraint(op.f('ck_regions_retention_years_positive'), type_='check')
        batch_op.drop_column('audit_retention_years')
        batch_op.drop_column('retention_years')
