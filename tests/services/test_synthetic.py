"""The synthetic generator plants patterns that detection finds (issue 5, point 7)."""

from datetime import UTC, datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import selectinload

from avvikelse.extensions import db
from avvikelse.models import Deviation, Suggestion
from avvikelse.models.search import SQLITE_PARTITIONS, sqlite_partition
from avvikelse.services import search
from avvikelse.services.detection import sweep_recurrence
from avvikelse.services.synthetic import Plan, generate


def test_detection_finds_planted_patterns(app):
    with app.app_context():
        truth = generate(Plan(rows=1500, patterns=75, regions=10))
        sweep_recurrence(now=datetime(2026, 11, 1, tzinfo=UTC), full=True)
        suggestions = db.session.scalars(
            select(Suggestion).options(selectinload(Suggestion.cases))
        ).all()
        planted = {(region, key): set(ids) for region, key, ids in truth.patterns}
        assert truth.rows == 1500
        correct = [
            s
            for s in suggestions
            if len(planted.get((s.region_id, s.key), set()) & s.deviation_ids) >= 3
        ]
        found = [
            k
            for k, ids in planted.items()
            if any(s.key == k[1] and len(ids & s.deviation_ids) >= 3 for s in suggestions)
        ]
        assert len(found) / len(planted) >= 0.9
        assert len(correct) / len(suggestions) >= 0.8


def indexed_cases(region_id: int | None = None) -> int:
    """The rows of the search index (on SQLite, its tables by region), of one region or all."""
    if db.engine.dialect.name == "postgresql":
        where = "" if region_id is None else f" WHERE region_id = {region_id}"
        return db.session.scalar(text(f"SELECT count(*) FROM deviation_search{where}"))
    if region_id is not None:
        table = sqlite_partition(region_id)
        return db.session.scalar(
            text(f"SELECT count(*) FROM {table} WHERE {table} MATCH 'region:r{region_id}'")
        )
    return sum(
        db.session.scalar(text(f"SELECT count(*) FROM {table}")) for table in SQLITE_PARTITIONS
    )


def test_the_search_index_is_built_after_the_load_and_kept_after_it(app):
    """generate drops the full-text index for the load and builds it again at the end: every
    case is in it, and its triggers work on afterwards."""
    with app.app_context():
        generate(Plan(rows=120, patterns=6, regions=2))
        cases = db.session.scalar(select(func.count()).select_from(Deviation))
        assert indexed_cases() == cases == 120
        by_region = dict(
            db.session.execute(
                select(Deviation.region_id, func.count()).group_by(Deviation.region_id)
            ).all()
        )
        assert len(by_region) == 2
        # Each in its region's table, once (SQLite), or partition (PostgreSQL).
        assert {region: indexed_cases(region) for region in by_region} == by_region
        case = db.session.scalars(select(Deviation).order_by(Deviation.id)).first()
        case.title = "Zebrafinken saknades"
        db.session.flush()
        hits = search._hits(["zebrafink"], region_id=case.region_id)
        assert db.session.scalars(select(hits.c.id)).all() == [case.id]
