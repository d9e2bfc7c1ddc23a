"""Time and peak memory of exporting Ärenden as CSV and XLSX (issue 13 point 3).

Generates `--rows` synthetic deviations in one region (services/synthetic.py, the data behind
`avvikelse generate`), then exports them in a fresh process per measurement, so the peak
resident set size (VmHWM) is the export's and not the generator's. The high-water mark is reset
after the app is built (Linux /proc/self/clear_refs), and the RSS before the export is printed
next to the peak: the difference is what the export itself held. Running it at two sizes shows
whether memory grows with the row count.

Usage: python -m bench.export [--rows 100000] [--rows 10000 ...] [--database URL [--reuse]]
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ADMIN = "bench.admin@synt.example"
COORDINATOR = "bench.coordinator@synt.example"
CHAIR = "bench.chair@synt.example"


def _app(url: str):
    from avvikelse import create_app

    return create_app(
        {
            "TESTING": True,
            "AVVIKELSE_ENV": "test",
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
        }
    )


def prepare(url: str, rows: int) -> float:
    """An empty database with `rows` cases in region synt-1, an administrator, a coordinator
    of one municipality (who sees about one case in fourteen, through the visibility EXISTS)
    and the chair of one samverkansgrupp (about one case in five)."""
    from sqlalchemy import select

    from avvikelse.extensions import db
    from avvikelse.models import (
        Coordinator,
        Group,
        GroupLevel,
        Membership,
        MembershipRole,
        Organization,
        OrganizationKind,
        User,
    )
    from avvikelse.services.synthetic import Plan, generate

    app = _app(url)
    with app.app_context():
        if url.startswith("postgresql"):
            from flask_migrate import upgrade

            upgrade()
        else:
            db.create_all()
        started = time.perf_counter()
        # One region has 30 × 14 (category, municipality) keys: a pattern needs its own key.
        generate(Plan(rows=rows, regions=1, patterns=min(rows // 20, 200)))
        kommun, region_org = (
            db.session.scalar(
                select(Organization).where(Organization.kind == kind).order_by(Organization.id)
            )
            for kind in (OrganizationKind.MUNICIPALITY, OrganizationKind.REGION)
        )
        admin = User(name="Bench Admin", email=ADMIN, organization=region_org, is_admin=True)
        db.session.add(admin)
        coordinator = User(name="Bench Samordnare", email=COORDINATOR, organization=kommun)
        db.session.add_all([coordinator, Coordinator(user=coordinator, organization=kommun)])
        group = db.session.scalar(
            select(Group).where(Group.level == GroupLevel.TACTICAL).order_by(Group.id)
        )
        chair = User(name="Bench Ordförande", email=CHAIR, organization=region_org)
        db.session.add_all([chair, Membership(user=chair, group=group, role=MembershipRole.CHAIR)])
        db.session.commit()
        return time.perf_counter() - started


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def measure(url: str, email: str, kind: str) -> dict:
    """One export, in this process, of everything the user may see, through the service and
    the chunk writers the view streams (no HTTP: the web server only copies the chunks)."""
    from sqlalchemy import select

    from avvikelse.extensions import db
    from avvikelse.models import User
    from avvikelse.services import exports
    from avvikelse.services.case_lists import CaseFilters

    app = _app(url)
    with app.test_request_context():
        user = db.session.scalar(select(User).where(User.email == email))
        before = _rss_kib("VmRSS")
        Path("/proc/self/clear_refs").write_text("5")
        started = time.perf_counter()
        rows = exports.case_rows(user, CaseFilters())
        if kind == "csv":
            chunks = (chunk.encode() for chunk in exports.csv_chunks(rows))
        else:
            chunks = exports.xlsx_chunks(rows, sheet_title="Ärenden")
        size = sum(len(chunk) for chunk in chunks)
        seconds = time.perf_counter() - started
        return {
            "kind": kind,
            "user": email.split("@")[0].removeprefix("bench."),
            "seconds": seconds,
            "bytes": size,
            "rss_before_mib": before / 1024,
            "peak_mib": _rss_kib("VmHWM") / 1024,
        }


def _row_count(url: str, email: str) -> int:
    from sqlalchemy import func, select

    from avvikelse.extensions import db
    from avvikelse.models import User
    from avvikelse.permissions import visible_deviations

    app = _app(url)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        query = visible_deviations(user).subquery()
        return db.session.scalar(select(func.count()).select_from(query))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append", help="default: 10000 and 100000")
    parser.add_argument("--database", help="PostgreSQL URL of an empty database (default SQLite)")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the data already in --database"
    )
    parser.add_argument("--measure", nargs=3, metavar=("URL", "EMAIL", "KIND"), help="internal")
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return 0
    folder = Path(tempfile.mkdtemp(prefix="avv-bench-export-"))
    sizes = args.rows or [10_000, 100_000]
    if args.database and len(sizes) > 1:
        print("with --database, give one --rows per empty database", file=sys.stderr)
        return 2
    if args.reuse and not args.database:
        print("--reuse measures the database given by --database", file=sys.stderr)
        return 2
    for rows in sizes:
        url = args.database or f"sqlite:///{folder / f'export{rows}'}.sqlite"
        if not args.reuse:
            generated = prepare(url, rows)
            print(f"{rows} deviations generated in {generated:.1f} s", flush=True)
        for email in (ADMIN, COORDINATOR):
            visible = _row_count(url, email)
            for kind in ("csv", "xlsx"):
                out = subprocess.run(  # noqa: S603 - this script, with its own arguments
                    [sys.executable, "-m", "bench.export", "--measure", url, email, kind],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                r = json.loads(out.strip().splitlines()[-1])
                print(
                    f"  {r['kind']:4} as {r['user']:11} {visible:7d} rows: "
                    f"{r['seconds']:6.1f} s, {r['bytes'] / 2**20:6.1f} MiB file, "
                    f"RSS {r['rss_before_mib']:.0f} MiB before, peak {r['peak_mib']:.0f} MiB",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
