"""Server time of every page a role works from, at N cases (issue 15): p50/p95, statements,
and ratios to a bare Flask endpoint and to the page's own SQL, all in one process and one run.

Data shape: the synthetic generator (services/synthetic.py) with one region per 50,000 cases —
five years of a large region, about 10,000 cases a year, 14 municipalities and the region,
five samverkansgrupper and LSVO — so what a role sees stays the same while the country grows:
10^5 cases are two regions, 10^6 twenty. Staff report about 40 cases each over the five years;
one decided case in thirty went to LSVO. The roles are people of the first region:

- a reporter (a member of staff with their ~40 own reports),
- a municipality's coordinator (the cases between it and the region: 1 in 14 of the region's),
- the region's coordinator (every case of the region concerns or comes from the region),
- the chair and the secretary of a samverkansgrupp (1 in 5 of the region's cases),
- an LSVO member (the cases handed over),
- the region's administrator (every case of the region),

and a meeting of the chair's group with cases on its agenda. Each page is requested through the
Flask test client as the logged-in user (the whole request: session, user, queries, template);
the baseline in the same run is a bare endpoint added to the same app, requested by the same
client, and the SQL share is the page's own statements executed again as raw SQL on the
driver. Statements are counted per request: a page whose count grows with the data is an N+1.

Usage: python -m bench.pages [--rows 1000000] [--postgres URL | --sqlite PATH] [--reuse]
       python -m bench.pages --quick        (10^5 cases on SQLite, a few minutes)
"""

import argparse
import gc
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import time as clock
from datetime import timedelta
from functools import partial
from pathlib import Path

from sqlalchemy import event, func, select

REGION_ROWS = 50_000
PASSWORD = "bench-losenord-2026"  # noqa: S105 - a synthetic database's log-in
EMAILS = {
    "reporter": None,  # a synthetic member of staff: found, not made
    "coordinator": "bench.coordinator@synt.example",
    "region coordinator": "bench.region-coordinator@synt.example",
    "chair": "bench.chair@synt.example",
    "secretary": "bench.secretary@synt.example",
    "LSVO member": "bench.lsvo@synt.example",
    "administrator": "bench.admin@synt.example",
}
SEARCH_WORDS = "läkemedelslista hemtjänst"
AGENDA_CASES = 12


def _app(url: str):
    from avvikelse import create_app

    return create_app(
        {
            "TESTING": True,
            "AVVIKELSE_ENV": "test",
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
        }
    )


def _schema(url: str, *, reuse: bool = False) -> None:
    """The schema as the migrations make it on PostgreSQL; on SQLite (create_all, as the other
    benches do) an existing database gets the indexes a later version added, and the search
    index its region column and its tables by region (migrations e2f3a4b5c6d7, b8c9d0e1f2a3)."""
    from sqlalchemy import text

    from avvikelse.extensions import db
    from avvikelse.models.search import create_search_index, drop_search_index, sqlite_partition

    if url.startswith("postgresql"):
        from flask_migrate import upgrade

        upgrade()
        return
    if not reuse:
        db.create_all()
        return
    for table in db.metadata.sorted_tables:
        for index in table.indexes:
            index.create(db.engine, checkfirst=True)
    with db.engine.begin() as connection:
        partitions = connection.execute(
            text("SELECT 1 FROM sqlite_master WHERE name = :name"), {"name": sqlite_partition(0)}
        )
        if partitions.first() is None:
            drop_search_index(connection)
            create_search_index(connection)


def prepare(url: str, rows: int) -> None:
    from avvikelse.extensions import db
    from avvikelse.services.synthetic import Plan, generate

    with _app(url).app_context():
        _schema(url)
        regions = max(1, round(rows / REGION_ROWS))
        started = time.perf_counter()
        # A region has 30 × 14 (category, municipality) keys and a pattern needs its own key.
        generate(Plan(rows=rows, regions=regions, patterns=min(rows // 20, 200 * regions)))
        db.session.commit()
        print(f"{rows} cases in {regions} regions: {time.perf_counter() - started:.0f} s")


def setup_roles() -> None:
    """The bench's people, the first region's recurrence suggestions and a meeting, once: also
    on a database `avvikelse generate` made. The region is swept as the nightly job sweeps it
    (the last M months), not the whole history of every region, which takes hours at 10^6."""
    from avvikelse.extensions import db
    from avvikelse.models import (
        Coordinator,
        Group,
        GroupLevel,
        Membership,
        MembershipRole,
        Organization,
        OrganizationKind,
        Region,
        User,
    )
    from avvikelse.services import dates
    from avvikelse.services.accounts import hash_password
    from avvikelse.services.recurrence import sweep_region
    from avvikelse.services.trends import detect_rising_trends

    if db.session.scalar(select(User.id).where(User.email == EMAILS["chair"])):
        return
    region = db.session.scalar(select(Region).where(Region.key == "synt-1"))
    started = time.perf_counter()
    now = dates.now()
    since = dates.months_before(dates.local_today(now), region.recurrence_months)
    sweep_region(region, now=now, since=since)
    detect_rising_trends(region, now=now)
    db.session.commit()
    print(f"recurrence sweep of the first region: {time.perf_counter() - started:.0f} s")
    in_region = select(Organization).where(Organization.region_id == region.id)
    kommun = db.session.scalar(
        in_region.where(Organization.kind == OrganizationKind.MUNICIPALITY).order_by(
            Organization.id
        )
    )
    region_org = db.session.scalar(in_region.where(Organization.kind == OrganizationKind.REGION))
    groups = select(Group).where(Group.region_id == region.id).order_by(Group.id)
    tactical = db.session.scalar(groups.where(Group.level == GroupLevel.TACTICAL))
    lsvo = db.session.scalar(groups.where(Group.level == GroupLevel.STRATEGIC))
    password = hash_password(PASSWORD)

    def person(role: str, organization, **kwargs) -> User:
        user = User(
            name=f"Bench {role}",
            email=EMAILS[role],
            organization=organization,
            password_hash=password,
            **kwargs,
        )
        db.session.add(user)
        return user

    person("administrator", region_org, is_admin=True)
    db.session.add(Coordinator(user=person("coordinator", kommun), organization=kommun))
    db.session.add(
        Coordinator(user=person("region coordinator", region_org), organization=region_org)
    )
    chair = person("chair", region_org)
    db.session.add_all(
        [
            Membership(user=chair, group=tactical, role=MembershipRole.CHAIR),
            Membership(
                user=person("secretary", kommun), group=tactical, role=MembershipRole.SECRETARY
            ),
            Membership(user=person("LSVO member", kommun), group=lsvo, role=MembershipRole.MEMBER),
        ]
    )
    db.session.scalar(
        select(User).where(User.organization_id == kommun.id).order_by(User.id)
    ).password_hash = password
    db.session.flush()
    _meeting(tactical, chair)
    db.session.commit()


def _meeting(group, chair) -> None:
    """A meeting of the chair's group in two weeks, with cases in preparation on its agenda."""
    from avvikelse.extensions import db
    from avvikelse.models import Deviation, DeviationState
    from avvikelse.services import dates, meetings

    now = dates.now()
    meetings.plan_meeting(
        group,
        day=dates.local_today(now) + timedelta(days=14),
        starts=clock(13),
        ends=clock(15),
        place="Sammanträdesrummet",
        link=None,
        actor=chair,
        now=now,
    )
    cases = db.session.scalars(
        select(Deviation)
        .where(Deviation.group_id == group.id, Deviation.state == DeviationState.IN_PREPARATION)
        .order_by(Deviation.id.desc())
        .limit(AGENDA_CASES)
    )
    for case in cases:
        meetings.put_case_on_agenda(case, actor=chair, now=now)


@dataclass
class Figure:
    page: str
    role: str
    p50: float
    p95: float
    statements: int
    sql: float


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


class Counter:
    """The statements one request runs, kept to be executed again as raw SQL."""

    def __init__(self, engine):
        self.engine = engine
        self.seen: list[tuple[str, object, bool]] = []

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._note)
        return self

    def __exit__(self, *_exc):
        event.remove(self.engine, "before_cursor_execute", self._note)

    def _note(self, _conn, _cursor, statement, parameters, _context, many):
        self.seen.append((statement, parameters, many))


def _raw_seconds(engine, statements) -> float:
    """The page's own statements on the driver, without the ORM, the view or the template;
    inside a transaction that is rolled back, since a page may write (audit, reads marked)."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        best = None
        for _ in range(3):
            started = time.perf_counter()
            for statement, parameters, many in statements:
                # A bulk INSERT (the read log of a page of hits) goes as one executemany.
                (cursor.executemany if many else cursor.execute)(statement, parameters)
                if cursor.description is not None:
                    cursor.fetchall()
            spent = time.perf_counter() - started
            best = spent if best is None else min(best, spent)
        connection.rollback()
        return best
    finally:
        connection.close()


def _pages(roles: dict, case_of: dict, meeting_id: int) -> list[tuple[str, str, str, str]]:
    """(page, role, method, path): the table of issue 15, then the rest the roles work from."""
    everyone = list(roles)
    pages = [("bare Flask endpoint", "chair", "GET", "/bench/bare")]
    pages += [("case detail", role, "GET", f"/avvikelser/{case_of[role]}") for role in everyone]
    pages += [("start page", role, "GET", "/") for role in everyone]
    pages += [("group inbox", role, "GET", "/inkorg/grupp") for role in ("chair", "secretary")]
    pages += [
        ("coordinator inbox", role, "GET", "/inkorg/samordnare")
        for role in ("coordinator", "region coordinator")
    ]
    pages += [("case list", role, "GET", "/arenden") for role in everyone]
    pages += [("search", role, "POST", "/sok/") for role in everyone]
    pages += [
        ("recurrence page", role, "GET", "/aterkommande/") for role in ("chair", "administrator")
    ]
    pages += [
        ("dashboard", role, "GET", "/uppfoljning")
        for role in ("administrator", "coordinator", "chair")
    ]
    pages += [("meeting page", "chair", "GET", f"/moten/{meeting_id}")]
    pages += [("export CSV", "coordinator", "GET", "/arenden.csv")]
    return pages


def _request(client, method: str, path: str, data, label: str) -> None:
    answer = client.open(path, method=method, data=data)
    body = answer.get_data()
    if answer.status_code != 200:
        raise SystemExit(f"{label}: {answer.status_code} {body[:200]!r}")


def measure(url: str, runs: int) -> list[Figure]:
    from avvikelse.extensions import db
    from avvikelse.models import Deviation, Meeting, User
    from avvikelse.permissions import visible_deviations

    app = _app(url)
    app.add_url_rule("/bench/bare", "bench_bare", lambda: "ok")
    with app.app_context():
        emails = dict(EMAILS)
        emails["reporter"] = db.session.scalar(
            select(User.email)
            .where(User.email.like("rapportor.1.%"), User.password_hash.is_not(None))
            .order_by(User.id)
        )
        roles, case_of = {}, {}
        for role, email in emails.items():
            user = db.session.scalar(select(User).where(User.email == email))
            visible = visible_deviations(user)
            seen = db.session.scalar(select(func.count()).select_from(visible.subquery()))
            case_of[role] = db.session.scalar(
                visible.with_only_columns(Deviation.id).order_by(Deviation.id.desc()).limit(1)
            )
            roles[role] = (email, seen)
            print(f"  {role:20} sees {seen:8d} cases", flush=True)
        meeting_id = db.session.scalar(select(Meeting.id).order_by(Meeting.id.desc()))
        engine = db.engine
    clients = {}
    for role, (email, _seen) in roles.items():
        client = app.test_client()
        answer = client.post("/login", data={"email": email, "password": PASSWORD})
        if answer.status_code != 302:
            raise SystemExit(f"{role} could not log in ({answer.status_code})")
        clients[role] = client
    # As a production worker (avvikelse/gunicorn_conf.py pre_fork): the app, the mappers and
    # the set-up out of the collector's reach. Unfrozen, a full collection walked them all at
    # the same request in every run (a 300 ms "p95" on one page, its p50 70 ms).
    gc.freeze()
    figures = []
    print(
        f"\n  {'page':20} {'role':20} {'p50 ms':>8} {'p95 ms':>8} {'stmts':>6} "
        f"{'× bare':>7} {'SQL share':>9}"
    )
    bare = None
    for page, role, method, path in _pages(roles, case_of, meeting_id):
        client = clients[role]
        data = {"q": SEARCH_WORDS} if method == "POST" else None
        count = max(3, runs // 5) if page == "export CSV" else runs

        request = partial(_request, client, method, path, data, f"{page} as {role}")
        request()
        with Counter(engine) as counter:
            request()
        with app.app_context():
            sql = _raw_seconds(engine, counter.seen)
        times = []
        for _ in range(count):
            started = time.perf_counter()
            request()
            times.append(time.perf_counter() - started)
        figure = Figure(page, role, statistics.median(times), _p95(times), len(counter.seen), sql)
        if bare is None:
            bare = figure.p50
        figures.append(figure)
        print(
            f"  {page:20} {role:20} {figure.p50 * 1000:8.1f} {figure.p95 * 1000:8.1f} "
            f"{figure.statements:6d} {figure.p50 / bare:7.1f} {sql / figure.p50:9.0%}",
            flush=True,
        )
    return figures


def _vacuum(engine) -> None:
    """What autovacuum keeps a live database at and a fresh load lacks: the visibility map set,
    so that an index-only scan skips the table (the region coordinator's concerned ids read
    8,721 heap pages without it). VACUUM runs outside a transaction."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM")


def _peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--postgres", help="URL of an empty PostgreSQL database (or to --reuse)")
    parser.add_argument("--sqlite", help="path of the SQLite file (default: a temporary one)")
    parser.add_argument("--reuse", action="store_true", help="measure the data already there")
    parser.add_argument("--quick", action="store_true", help="10^5 cases on SQLite, 20 runs")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.runs, args.postgres = 100_000, 20, None
    if args.reuse and not (args.postgres or args.sqlite):
        parser.error("--reuse measures the database given by --postgres or --sqlite")
    if args.postgres:
        url = args.postgres
    else:
        path = args.sqlite or Path(tempfile.mkdtemp(prefix="avv-bench-pages-")) / "pages.sqlite"
        url = f"sqlite:///{path}"
    if not args.reuse:
        prepare(url, args.rows)
    from avvikelse.extensions import db
    from avvikelse.services.maintenance import refresh_planner_statistics

    with _app(url).app_context():
        _schema(url, reuse=True)
        setup_roles()
        refresh_planner_statistics()
        db.session.commit()
        if url.startswith("postgresql"):
            _vacuum(db.engine)
    measure(url, args.runs)
    print(f"\n  peak RSS of the process: {_peak_rss_mib():.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
