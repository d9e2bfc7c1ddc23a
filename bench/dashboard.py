"""Server time of Uppföljning (issue 13 point 1): p50/p95 of the dashboard's figures at N cases.

Reuses bench.export's data: `--rows` synthetic deviations in one region, an administrator (who
sees the region) and a municipality's coordinator (about one case in fourteen). Each timed run
builds the whole dashboard for the default period (services.dashboard.build, every statement
the page runs) inside one request context; the baseline in the same run is the one raw SQL
count of the region's cases in that period, so the ratio says what the figures cost over
reading the period at all.

Usage: python -m bench.dashboard [--rows 100000] [--runs 20] [--database URL [--reuse]]

Each line says where the figures came from (services/figures.py): the monthly counts (an
administrator, a group's members, a coordinator of one organization, whole months), each
visible case's kept keys (a category filter, LSVO, periods cutting a month), or counting the
cases (a region whose figures are not built yet).
"""

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from sqlalchemy import event, select, text

from .export import ADMIN, CHAIR, COORDINATOR, _app, prepare


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def measure(url: str, runs: int) -> None:
    from avvikelse.extensions import db
    from avvikelse.models import Category, User
    from avvikelse.services import dashboard, dates, figures

    app = _app(url)
    with app.test_request_context():
        now = dates.now()
        filters = dashboard.default_filters(now)
        since = dates.local_midnight(filters.start)
        raw = []
        for _ in range(runs):
            started = time.perf_counter()
            db.session.execute(
                text("SELECT count(*) FROM deviations WHERE submitted_at >= :since"),
                {"since": since},
            ).scalar()
            raw.append(time.perf_counter() - started)
        base = statistics.median(raw)
        print(f"  raw SQL count of the period: p50 {base * 1000:7.1f} ms")
        statements = []

        def count(*_args, **_kwargs):
            statements.append(1)

        category = db.session.scalar(select(Category.id).order_by(Category.id))
        views = [
            (ADMIN, filters),
            (ADMIN, replace(filters, category_id=category)),
            (COORDINATOR, filters),
            (CHAIR, filters),
        ]
        for email, view in views:
            user = db.session.scalar(select(User).where(User.email == email))
            if dashboard.kept_scope(user, view, dates.local_today(now)) is not None:
                path = "monthly counts"
            elif figures.trusted(user.organization.region_id):
                path = "case keys"
            else:
                path = "counted"
            event.listen(db.engine, "before_cursor_execute", count)
            times = []
            for _ in range(runs):
                statements.clear()
                started = time.perf_counter()
                board = dashboard.build(user, view, now=now)
                times.append(time.perf_counter() - started)
            event.remove(db.engine, "before_cursor_execute", count)
            p50, p95 = statistics.median(times), _p95(times)
            label = email.split("@")[0].removeprefix("bench.")
            label += ", one category" if view.category_id else ""
            print(
                f"  {label:25} {board.total:8d} cases ({path}): "
                f"p50 {p50 * 1000:8.1f} ms, p95 {p95 * 1000:8.1f} ms, "
                f"{len(statements)} statements, {p50 / base:6.1f}× the raw count",
                flush=True,
            )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database", help="PostgreSQL URL of an empty database (default SQLite)")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the data already in --database"
    )
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="avv-bench-dashboard-"))
    url = args.database or f"sqlite:///{folder / 'dashboard.sqlite'}"
    if not args.reuse:
        generated = prepare(url, args.rows)
        print(f"{args.rows} deviations generated in {generated:.1f} s", flush=True)
    measure(url, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
