"""Throughput of Ärenden and a case page under gunicorn, ÷ a bare endpoint of the same app
(issue 15 point 3, PERFORMANCE.md §5 R_fw; the goal is at least 0.30).

gunicorn runs with the production settings (avvikelse/gunicorn_conf.py) and sync workers,
serving bench.wsgi: the real app plus one bare route. The user logs in through the log-in form
like a browser, then wrk sends that session's cookie to the case list (/arenden) and to one case
the user may see (the median id of permissions.visible_deviations), and nothing to the bare
route; a fourth target is a logged-in page with nothing but the layout. First 1 worker pinned to
core 0 with wrk on core 1 (when there are two cores and taskset), then 2 workers and wrk
unpinned. After a 2 s warm-up each, the targets take turns for a few rounds of fixed time, fixed
connections and a request timeout; the ratio is the median of the rounds' ratios. Then, in
this process, where a request's time goes (SQL, rendering).

wrk counts a redirect as a success, and a redirect to /login would be a cheap page, so the
access log is read afterwards: every request to every target must have answered 200, else the
run fails. After each run one request checks that the cookie still opens the page.

Usage: python -m bench.server (--rows N | --database URL) [--email EMAIL] [--password PW]
                              [--duration 5] [--rounds 3] [--connections 4]
                              [--workers 1 --workers 2] [--split 50]

Without --password, a random password is set on the account (services.accounts.set_password),
so use it on bench data only.
"""

import argparse
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import requests

from .export import CHAIR, _app, prepare
from .wsgi import BARE_PATH

USER_AGENT = "avvikelse-bench"  # the same at log-in and under wrk: the session is bound to it
GOAL = 0.30
GOAL_PAGES = ("Ärenden", "case")
ACCESS_LINE = re.compile(r'"GET (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3}) ')


def set_up_user(url: str, email: str, password: str | None) -> tuple[str, int, int]:
    """The password to log in with, the case to open (the median id of what the user may see)
    and how many cases that is."""
    from sqlalchemy import func, select

    from avvikelse.extensions import db
    from avvikelse.models import Deviation, User
    from avvikelse.permissions import visible_deviations
    from avvikelse.services.accounts import set_password

    app = _app(url)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            raise SystemExit(f"no user {email} in {url}")
        if password is None:
            password = secrets.token_urlsafe(16)
            set_password(user, password)
            db.session.commit()
        visible = visible_deviations(user).with_only_columns(Deviation.id).subquery()
        count = db.session.scalar(select(func.count()).select_from(visible))
        if not count:
            raise SystemExit(f"{email} sees no case")
        case_id = db.session.scalar(
            select(visible.c.id).order_by(visible.c.id).offset(count // 2).limit(1)
        )
        return password, case_id, count


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _pinned(cores: str) -> list[str]:
    """taskset prefix when pinning is possible: two cores or more and taskset installed."""
    if (os.cpu_count() or 1) < 2 or not shutil.which("taskset"):
        return []
    return ["taskset", "-c", cores]


@contextmanager
def gunicorn(url: str, workers: int, access_log: Path, *, pin: bool):
    """gunicorn with the production config, on a free loopback port; yields the base URL and
    the master's pid."""
    port = _free_port()
    errors = access_log.with_suffix(".err")
    env = dict(
        os.environ,
        DATABASE_URL=url,
        SECRET_KEY=secrets.token_hex(32),
        AVVIKELSE_ENV="production",
    )
    command = [
        *(_pinned("0") if pin else []),
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "python:avvikelse.gunicorn_conf",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--access-logfile",
        str(access_log),
        "--error-logfile",
        str(errors),
        "bench.wsgi:create()",
    ]
    server = subprocess.Popen(command, env=env)  # noqa: S603 - our own command line
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise SystemExit(f"gunicorn exited ({server.returncode}); see {errors}")
            try:
                if requests.get(base + BARE_PATH, timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not answer within 60 s")
            time.sleep(0.2)
        yield base, server.pid
    finally:
        server.terminate()
        try:
            server.wait(timeout=90)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def log_in(base: str, email: str, password: str, paths: list[str]) -> str:
    """Log in through the form, open the pages once (they put the CSRF token in the session)
    and return the session cookie once the pages stop changing it."""
    browser = requests.Session()
    browser.headers["User-Agent"] = USER_AGENT
    form = browser.get(base + "/login", timeout=10)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form.text)
    if token is None:
        raise SystemExit("no CSRF token in the log-in form")
    answer = browser.post(
        base + "/login",
        data={"csrf_token": token[1], "email": email, "password": password, "next": ""},
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code != 302 or "/login" in answer.headers.get("Location", ""):
        raise SystemExit(f"log-in as {email} failed: {answer.status_code}")
    for _ in range(3):
        changed = False
        for path in paths:
            page = browser.get(base + path, allow_redirects=False, timeout=30)
            if page.status_code != 200:
                raise SystemExit(f"{path} answered {page.status_code} after log-in")
            changed = changed or "Set-Cookie" in page.headers
        if not changed:
            return browser.cookies["session"]
    raise SystemExit("the pages set a new session cookie on every request")


def check(base: str, path: str, headers: dict) -> int:
    """One request as wrk will send it: 200 and no new cookie; the size of the body."""
    page = requests.get(base + path, headers=headers, allow_redirects=False, timeout=30)
    if page.status_code != 200:
        raise SystemExit(f"{path} answered {page.status_code} to the bench's headers")
    return len(page.content)


def wrk(url: str, headers: dict, *, duration: int, connections: int, pin: bool) -> dict:
    command = [
        *(_pinned("1") if pin else []),
        "wrk",
        "--threads",
        "1",
        "--connections",
        str(connections),
        "--duration",
        f"{duration}s",
        "--timeout",
        "10s",
        "--latency",
        *(arg for name, value in headers.items() for arg in ("--header", f"{name}: {value}")),
        url,
    ]
    out = subprocess.run(  # noqa: S603 - our own command line
        command, check=True, capture_output=True, text=True, timeout=duration + 60
    ).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if rate is None:
        raise SystemExit(f"no rate in wrk's output:\n{out}")
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE)
    return {
        "rps": float(rate[1]),
        "bad": int(bad[1]) if bad else 0,
        "socket_errors": errors[1] if errors else "",
        "p50": p50[1] if p50 else "?",
    }


def statuses(access_log: Path) -> dict[str, dict[str, int]]:
    """Per path, how many requests answered each status (gunicorn's access log)."""
    counts: dict[str, dict[str, int]] = {}
    for line in access_log.read_text().splitlines():
        match = ACCESS_LINE.search(line)
        if match:
            per_path = counts.setdefault(match["path"], {})
            per_path[match["status"]] = per_path.get(match["status"], 0) + 1
    return counts


def worker_rss_mib(master: int) -> list[float]:
    """The resident memory of each of the master's children (the workers), from /proc."""
    children = Path(f"/proc/{master}/task/{master}/children")
    sizes = []
    for pid in children.read_text().split() if children.exists() else []:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


def split(url: str, email: str, password: str, targets: list[tuple[str, str]], n: int) -> None:
    """Where a request's time goes, in this process through the test client (no server): the
    whole request, the statements' time at the driver, and the templates' rendering (which
    includes any statement a template itself runs). The collector is frozen after start, as
    in the workers (gunicorn_conf.pre_fork)."""
    import gc

    from flask import before_render_template, template_rendered
    from sqlalchemy import event

    from avvikelse.extensions import db

    from .wsgi import create

    os.environ.update(DATABASE_URL=url, SECRET_KEY=secrets.token_hex(32))
    os.environ.update(AVVIKELSE_ENV="production")
    app = create()
    with app.app_context():
        engine = db.engine
    gc.freeze()
    spent = {"sql": 0.0, "render": 0.0, "statements": 0}
    started: list[float] = []

    def before_statement(*_args):
        started.append(time.perf_counter())

    def after_statement(*_args):
        spent["sql"] += time.perf_counter() - started.pop()
        spent["statements"] += 1

    def before_render(*_args, **_kwargs):
        started.append(time.perf_counter())

    def rendered(*_args, **_kwargs):
        spent["render"] += time.perf_counter() - started.pop()

    client = app.test_client()
    headers = {"User-Agent": USER_AGENT}
    form = client.get("/login", headers=headers).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)[1]
    data = {"csrf_token": token, "email": email, "password": password, "next": ""}
    if client.post("/login", data=data, headers=headers).status_code != 302:
        raise SystemExit(f"log-in as {email} failed in process")
    event.listen(engine, "before_cursor_execute", before_statement)
    event.listen(engine, "after_cursor_execute", after_statement)
    before_render_template.connect(before_render, app)
    template_rendered.connect(rendered, app)
    print(f"in process, {n} requests each (ms a request):")
    for name, path in targets:
        for _ in range(5):
            if client.get(path, headers=headers).status_code != 200:
                raise SystemExit(f"{path} did not answer 200 in process")
        spent.update(sql=0.0, render=0.0, statements=0)
        begun = time.perf_counter()
        for _ in range(n):
            client.get(path, headers=headers)
        total = (time.perf_counter() - begun) / n
        print(
            f"  {name:8} {path:18} {total * 1000:6.2f} total  {spent['sql'] / n * 1000:6.2f} SQL "
            f"({spent['statements'] / n:.0f} statements)  {spent['render'] / n * 1000:6.2f} render",
            flush=True,
        )


def targets_for(case_id: int) -> list[tuple[str, str]]:
    """The bare route; a logged-in page with nothing but the layout (Tillgänglighet: what every
    page pays for the menu, the session's user and the notification count); the case list
    and one case."""
    return [
        ("bare", BARE_PATH),
        ("layout", "/tillganglighet"),
        ("Ärenden", "/arenden"),
        ("case", f"/avvikelser/{case_id}"),
    ]


def run(args, url: str, password: str, case_id: int, folder: Path) -> bool:
    """Each target in turn, round after round, so that a change in the machine's load falls on
    all of them alike; the ratio is taken within each round, its median reported."""
    targets = targets_for(case_id)
    met = True
    for workers in args.workers:
        pin = workers == 1 and bool(_pinned("0"))
        access_log = folder / f"access-{workers}.log"
        with gunicorn(url, workers, access_log, pin=pin) as (base, master):
            cookie = log_in(base, args.email, password, [path for _, path in targets[1:]])
            headers, sizes = {}, {}
            for name, path in targets:
                headers[name] = {"User-Agent": USER_AGENT}
                if path != BARE_PATH:
                    headers[name]["Cookie"] = f"session={cookie}"
                sizes[name] = check(base, path, headers[name])
                wrk(base + path, headers[name], duration=2, connections=args.connections, pin=pin)
            rounds: dict[str, list[dict]] = {name: [] for name, _ in targets}
            for _ in range(args.rounds):
                for name, path in targets:
                    rounds[name].append(
                        wrk(
                            base + path,
                            headers[name],
                            duration=args.duration,
                            connections=args.connections,
                            pin=pin,
                        )
                    )
                    check(base, path, headers[name])
            rss = worker_rss_mib(master)
        counts = statuses(access_log)
        layout = "pinned to core 0, wrk on core 1" if pin else "unpinned"
        print(
            f"{workers} sync worker{'s' if workers > 1 else ''} ({layout}), "
            f"{args.connections} connections, {args.rounds} rounds of {args.duration} s; "
            f"worker RSS {', '.join(f'{m:.0f}' for m in rss)} MiB"
        )
        for name, path in targets:
            answered = counts.get(path, {})
            others = {status: n for status, n in answered.items() if status != "200"}
            runs = rounds[name]
            rates = [r["rps"] for r in runs]
            ratio = statistics.median(
                r["rps"] / bare["rps"] for r, bare in zip(runs, rounds["bare"], strict=True)
            )
            middle = sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]
            errors = "; ".join(r["socket_errors"] for r in runs if r["socket_errors"])
            if name in GOAL_PAGES:
                met = met and ratio >= GOAL
            print(
                f"  {name:8} {path:18} {statistics.median(rates):7.1f} req/s "
                f"({min(rates):.0f}-{max(rates):.0f})  p50 {middle['p50']:>8}"
                f"  ÷ bare {ratio:5.3f}  {sizes[name]:6d} bytes"
                f"  {answered.get('200', 0)} × 200"
                + (f"  socket errors: {errors}" if errors else ""),
                flush=True,
            )
            bad = sum(r["bad"] for r in runs)
            if others or bad or not answered.get("200"):
                raise SystemExit(
                    f"{path} answered {others or 'nothing'} (wrk: {bad} non-2xx/3xx): "
                    "the figures above are not the page's"
                )
    print(f"goal ÷ bare ≥ {GOAL:.2f}: {'met' if met else 'NOT met'}")
    return met


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--rows", type=int, help="generate this many cases into a temp SQLite")
    source.add_argument("--database", help="a database that already has the user and cases")
    parser.add_argument("--email", default=CHAIR, help=f"the user to log in as (default {CHAIR})")
    parser.add_argument("--password", help="the user's password (default: set a random one)")
    parser.add_argument("--duration", type=int, default=5, help="seconds per target and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument(
        "--workers", type=int, action="append", help="sync workers (default: 1, then 2)"
    )
    parser.add_argument(
        "--split",
        type=int,
        default=50,
        metavar="N",
        help="then N requests per target in process: SQL and render time (0: skip)",
    )
    args = parser.parse_args(argv)
    args.workers = args.workers or [1, 2]
    folder = Path(tempfile.mkdtemp(prefix="avv-bench-server-"))
    url = args.database
    if args.rows:
        url = f"sqlite:///{folder / 'server.sqlite'}"
        print(f"{args.rows} deviations generated in {prepare(url, args.rows):.1f} s", flush=True)
    password, case_id, visible = set_up_user(url, args.email, args.password)
    print(f"{args.email} sees {visible} cases; the case page is /avvikelser/{case_id}", flush=True)
    met = run(args, url, password, case_id, folder)
    print(f"logs in {folder}")
    if args.split:
        split(url, args.email, password, targets_for(case_id), args.split)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
