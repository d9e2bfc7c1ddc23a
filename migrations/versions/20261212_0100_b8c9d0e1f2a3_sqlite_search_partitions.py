"""The SQLite search index is split into one FTS5 table per region_id % 16 (issue 15)

A search names the user's region, so SQLite reads that region's table: its prefix terms are
merged and bm25's statistics counted over a sixteenth of the country's index, not all of it
(avvikelse/models/search.py, PARTITIONS). The index is rebuilt from the cases and answers, as
in e2f3a4b5c6d7; PostgreSQL's index, partitioned by a7b8c9d0e1f2, is not changed.

Revision ID: b8c9d0e1f2a3
Revises: a7b8c9d0e1f2
Create Date: 2026-12-12 01:00:00
"""

from alembic import op

from avvikelse.models.search import rebuild_search_index


# revision identifiers, used by Alembic.
revision = "b8c9d0e1f2a3"
down_revision = "a7b8c9d0e1f2"
branch_labels = None
depends_on = None


def upgrade():
    rebuild_search_index(op.get_bind(), region=True, dialect="sqlite")


def downgrade():
    rebuild_search_index(op.get_bind(), region=True, dialect="sqlite", partitioned=False)
