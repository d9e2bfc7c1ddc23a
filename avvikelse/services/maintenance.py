"""The database's own upkeep that the pages' speed depends on (issue 15).

Which index a page's query should start from depends on how many cases a value has: the
region's own organization is in every case of the region, a small municipality in one in
fourteen, a samverkansgrupp holds a fifth. The query planner knows that only from the
statistics ANALYZE gathers. PostgreSQL's autovacuum gathers them as tables grow; SQLite never
does by itself, so a nightly job refreshes them on both. SQLite's sampling (analysis_limit) is
not used: it caps every count at the sample's size, so a region and a group look alike.
"""

from datetime import datetime

from ..db import db


def refresh_planner_statistics(*, now: datetime | None = None) -> dict:
    connection = db.session.connection()
    connection.exec_driver_sql("ANALYZE")
    return {"database": connection.dialect.name}
