"""Quality and cost of recurrence detection on synthetic data (issue 5, PERFORMANCE.md S5).

1. Precision/recall: generate `--rows` deviations with planted patterns, run the full sweep,
   and match suggestions to the planted truth. A suggestion is correct when at least N of its
   cases belong to one planted pattern of the same key; a pattern is found when some
   suggestion holds at least N of its cases.
2. Cost: generate `--timing-rows` deviations and time `check_deviation` (ORM: load the case,
   rewrite its keys, evaluate each key through the index) on random cases, against the same
   key lookups sent as raw SQL through the DB-API cursor. The ratio is app time ÷ raw time.

Usage: python -m bench.recurrence [--rows 10000] [--timing-rows 100000] [--database URL]
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

NOW = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)


def _app(url: str):
    from avvikelse import create_app
    from avvikelse.extensions import db

    app = create_app(
        {
            "TESTING": True,
            "AVVIKELSE_ENV": "test",
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
        }
    )
    with app.app_context():
        if url.startswith("postgresql"):
            from flask_migrate import upgrade

            upgrade()
        else:
            db.create_all()
    return app


def quality(url: str, rows: int) -> dict:
    from avvikelse.extensions import db
    from avvikelse.models import Suggestion, SuggestionKind
    from avvikelse.services.recurrence import sweep_recurrence
    from avvikelse.services.synthetic import Plan, generate

    app = _app(url)
    with app.app_context():
        started = time.perf_counter()
        truth = generate(Plan(rows=rows, patterns=max(rows // 20, 10)))
        db.session.commit()
        generated = time.perf_counter() - started
        started = time.perf_counter()
        sweep_recurrence(now=NOW, full=True)
        db.session.commit()
        swept = time.perf_counter() - started
        suggestions = db.session.scalars(
            select(Suggestion)
            .where(
                Suggestion.kind.in_([SuggestionKind.RECURRING, SuggestionKind.RECURRING_PROCESS])
            )
            .options(selectinload(Suggestion.cases))
        ).all()
        threshold = 3
        planted = {(region, key): set(ids) for region, key, ids in truth.patterns}
        correct = sum(
            1
            for s in suggestions
            if len(planted.get((s.region_id, s.key), set()) & s.deviation_ids) >= threshold
        )
        found = sum(
            1
            for (region, key), ids in planted.items()
            if any(
                s.region_id == region and s.key == key and len(ids & s.deviation_ids) >= threshold
                for s in suggestions
            )
        )
        precision = correct / len(suggestions) if suggestions else 0.0
        recall = found / len(planted) if planted else 0.0
        return {
            "rows": truth.rows,
            "patterns": len(planted),
            "suggestions": len(suggestions),
            "precision": precision,
            "recall": recall,
            "generate_s": generated,
            "sweep_s": swept,
        }


def timing(url: str, rows: int, samples: int = 500) -> dict:
    from avvikelse.extensions import db
    from avvikelse.models import Deviation, RecurrenceKey, Region
    from avvikelse.services.recurrence import check_deviation, months_after, months_before
    from avvikelse.services.synthetic import Plan, generate

    app = _app(url)
    with app.app_context():
        started = time.perf_counter()
        generate(Plan(rows=rows, patterns=rows // 20))
        db.session.commit()
        generated = time.perf_counter() - started
        max_id = db.session.scalar(select(Deviation.id).order_by(Deviation.id.desc()).limit(1))
        rng = random.Random(7)  # noqa: S311
        ids = [rng.randint(1, max_id) for _ in range(samples)]
        app_times, raw_times = [], []
        for case_id in ids:
            db.session.expire_all()
            started = time.perf_counter()
            deviation = db.session.get(Deviation, case_id)
            check_deviation(deviation, now=NOW)
            db.session.flush()
            app_times.append(time.perf_counter() - started)
            region = db.session.get(Region, deviation.region_id)
            keys = [
                k
                for k in db.session.scalars(
                    select(RecurrenceKey.key).where(RecurrenceKey.deviation_id == case_id)
                )
                if k.startswith(("cp:", "pr:"))
            ]
            start = months_before(deviation.occurred_on, region.recurrence_months)
            end = months_after(deviation.occurred_on, region.recurrence_months)
            cursor = db.session.connection().connection.dbapi_connection.cursor()
            placeholder = "%s" if url.startswith("postgresql") else "?"
            p = placeholder
            sql = (
                f"SELECT occurred_on, deviation_id FROM recurrence_keys WHERE region_id = {p} "  # noqa: S608
                f"AND key = {p} AND occurred_on >= {p} AND occurred_on <= {p} "
                "ORDER BY occurred_on, deviation_id LIMIT 500"
            )
            started = time.perf_counter()
            for key in keys:
                cursor.execute(sql, (deviation.region_id, key, start, end))
                cursor.fetchall()
            raw_times.append(time.perf_counter() - started)
            cursor.close()
        db.session.rollback()
        app_ms = statistics.median(app_times) * 1000
        raw_ms = statistics.median(raw_times) * 1000
        return {
            "rows": rows,
            "samples": samples,
            "generate_s": generated,
            "check_p50_ms": app_ms,
            "check_p95_ms": sorted(app_times)[int(len(app_times) * 0.95)] * 1000,
            "raw_lookup_p50_ms": raw_ms,
            "ratio": app_ms / raw_ms if raw_ms else float("inf"),
        }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--timing-rows", type=int, default=100_000)
    parser.add_argument("--scale-rows", type=int, default=10_000)
    parser.add_argument("--database", help="PostgreSQL URL of an empty database (default SQLite)")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="avv-bench-"))

    def url(name):
        return args.database or f"sqlite:///{folder / name}.sqlite"

    if args.database and (args.rows and args.timing_rows):
        print("with --database, run one measurement per empty database", file=sys.stderr)
    q = quality(url("quality"), args.rows)
    print(
        f"precision/recall at {q['rows']} rows, {q['patterns']} planted patterns: "
        f"{q['suggestions']} suggestions, precision {q['precision']:.3f}, "
        f"recall {q['recall']:.3f} (generate {q['generate_s']:.1f} s, full sweep "
        f"{q['sweep_s']:.1f} s)"
    )
    if args.database:
        return 0
    for rows in (args.scale_rows, args.timing_rows):
        t = timing(url(f"timing{rows}"), rows)
        print(
            f"incremental check at {t['rows']} rows: p50 {t['check_p50_ms']:.2f} ms, "
            f"p95 {t['check_p95_ms']:.2f} ms; raw SQL key lookups p50 "
            f"{t['raw_lookup_p50_ms']:.3f} ms; ratio app/raw {t['ratio']:.1f} "
            f"(generate {t['generate_s']:.1f} s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
