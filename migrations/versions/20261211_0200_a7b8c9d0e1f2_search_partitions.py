"""The PostgreSQL search index is partitioned by region (issue 15)

A search names the user's region, so PostgreSQL reads that region's partition and its GIN
index, with a sixteenth of the country's posting lists (avvikelse/models/search.py,
PARTITIONS). The index is rebuilt from the cases and answers, as in f3a4b5c6d7e8; SQLite's
index is not changed.

Revision ID: a7b8c9d0e1f2
Revises: a6b7c8d9e0f1
Create Date: 2026-12-11 02:00:00
"""

from alembic import op

from avvikelse.models.search import rebuild_search_index


# revision identifiers, used by Alembic.
revision = "a7b8c9d0e1f2"
down_revision = "a6b7c8d9e0f1"
branch_labels = None
depends_on = None


def upgrade():
    rebuild_search_index(op.get_bind(), region=True, dialect="postgresql")


def downgrade():
    rebuild_search_index(op.get_bind(), region=True, dialect="postgresql", partitioned=False)
