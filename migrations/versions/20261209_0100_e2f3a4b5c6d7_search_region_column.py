"""The SQLite search index gets a region column (issue 15)

A search matches within the user's region inside the FTS5 index instead of walking every
region's matches (avvikelse/models/search.py). The index is rebuilt from the cases and answers,
as it was built first; PostgreSQL's index is unchanged (its join filters the region).

Revision ID: e2f3a4b5c6d7
Revises: d1e2f3a4b5c6
Create Date: 2026-12-09 01:00:00
"""

from alembic import op

from avvikelse.models.search import rebuild_search_index


# revision identifiers, used by Alembic.
revision = "e2f3a4b5c6d7"
down_revision = "d1e2f3a4b5c6"
branch_labels = None
depends_on = None


def upgrade():
    rebuild_search_index(op.get_bind(), region=True, dialect="sqlite", partitioned=False)


def downgrade():
    rebuild_search_index(op.get_bind(), region=False, dialect="sqlite")
