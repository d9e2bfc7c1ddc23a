"""The PostgreSQL search index gets a region lexeme (issue 15)

A search intersects the user's words with the region inside the GIN index instead of matching
them in every region and filtering the region in the join (avvikelse/models/search.py). The
index is rebuilt from the cases and answers, as it was built first; SQLite's index got its
region column in e2f3a4b5c6d7.

Revision ID: f3a4b5c6d7e8
Revises: e2f3a4b5c6d7
Create Date: 2026-12-10 01:00:00
"""

from alembic import op

from avvikelse.models.search import rebuild_search_index


# revision identifiers, used by Alembic.
revision = "f3a4b5c6d7e8"
down_revision = "e2f3a4b5c6d7"
branch_labels = None
depends_on = None


def upgrade():
    rebuild_search_index(op.get_bind(), region=True, dialect="postgresql", partitioned=False)


def downgrade():
    rebuild_search_index(op.get_bind(), region=False, dialect="postgresql")
