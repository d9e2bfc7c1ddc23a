"""Exactly once with many schedulers: two real `avvikelse scheduler` processes on one database
act as one; killing the leader lets the other take over; each due notification is e-mailed once.

PostgreSQL (advisory lock) runs when TEST_DATABASE_URL is set, in a database of its own
(`<name>_sched`, dropped afterwards) because the processes must see each other's commits.
SQLite (lease row) always runs, on a temp file. Lease and renewal are shortened through the
environment so the whole test takes seconds.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, make_url, select, text

from avvikelse import create_app
from avvikelse.config import normalize_database_url
from avvikelse.extensions import db
from avvikelse.models import EmailStatus, JobRun, Notification, SchedulerLease, User
from avvikelse.scheduler import LeaseLock
from avvikelse.services import dates
from avvikelse.services.dates import local_today
from avvikelse.services.deviations import request_answers, submit_deviation

from .. import factories

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
LEASE_SECONDS = 2
RENEW_SECONDS = 0.3


# --- The lease row on its own ---------------------------------------------------------------


def test_lease_is_held_renewed_and_taken_over_only_when_expired(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'lease.sqlite'}")
    SchedulerLease.__table__.create(engine)
    first = LeaseLock(engine, "a@host:1", lease_seconds=60)
    second = LeaseLock(engine, "b@host:2", lease_seconds=60)
    assert first.acquire()
    assert not second.acquire()
    assert first.acquire()  # renewal
    with engine.begin() as connection:
        connection.execute(
            SchedulerLease.__table__.update().values(
                expires_at=datetime.now(UTC) - timedelta(seconds=1)
            )
        )
    assert second.acquire()
    assert not first.acquire()  # the old holder notices before its next run
    second.release()
    assert first.acquire()
    engine.dispose()


# --- Two processes --------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'scheduler.sqlite'}"
        return
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL not set: the PostgreSQL advisory-lock test is skipped")
    base = make_url(normalize_database_url(POSTGRES_URL))
    name = f"{base.database}_sched"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def app_for(url: str, shift: Path):
    """This process's view of the database, on the same shifted clock as the schedulers."""
    return create_app(
        {"AVVIKELSE_ENV": "test", "SQLALCHEMY_DATABASE_URI": url, "CLOCK_SHIFT_FILE": str(shift)}
    )


def seed(url: str, shift: Path) -> None:
    """Migrate, then a case whose answer is due in two days (a reminder is due today)."""
    from flask_migrate import upgrade

    app = app_for(url, shift)
    with app.app_context():
        upgrade()
        world = factories.case_world()
        now = dates.now()
        asked = now - timedelta(days=10)
        deviation = submit_deviation(
            factories.report([world["kommun"]], world["category"], occurred_on=local_today(asked)),
            actor=world["staff"],
            now=asked,
        )
        request_answers(
            deviation,
            due_on=local_today(now) + timedelta(days=2),
            actor=world["secretary"],
            now=asked,
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def start_scheduler(url: str, smtp_port: int, log: Path, shift: Path) -> subprocess.Popen:
    """The log goes to a file (the child keeps its own handle): an unread pipe fills up and
    blocks the scheduler that writes to it."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "AVVIKELSE_ENV": "test",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "AVVIKELSE_SCHEDULER_LEASE_SECONDS": str(LEASE_SECONDS),
        "AVVIKELSE_SCHEDULER_RENEW_SECONDS": str(RENEW_SECONDS),
        "AVVIKELSE_CLOCK_SHIFT_FILE": str(shift),
    }
    env.pop("TEST_DATABASE_URL", None)
    with log.open("w") as log_file:
        return subprocess.Popen(
            [sys.executable, "-m", "avvikelse.cli", "scheduler"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log_file,
        )


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_two_schedulers_send_each_notification_once_and_take_over(
    database_url, smtp_server, tmp_path, clock_shift_file
):
    smtp_server.start()
    seed(database_url, clock_shift_file)
    app = app_for(database_url, clock_shift_file)
    logs = [tmp_path / f"scheduler-{n}.log" for n in range(2)]
    processes = [
        start_scheduler(database_url, smtp_server.port, log, clock_shift_file) for log in logs
    ]
    try:
        with app.app_context():

            def runners(job: str) -> set[str]:
                db.session.rollback()  # a fresh snapshot of the other processes' commits
                return set(db.session.scalars(select(JobRun.runner).where(JobRun.job == job)))

            def all_sent() -> bool:
                db.session.rollback()
                statuses = set(db.session.scalars(select(Notification.email_status)))
                return statuses == {EmailStatus.SENT}

            # The catch-up runs the daily jobs, then the outbox; on a busy machine the first
            # outbox run may come before the reminder exists, so wait for the reminder job.
            leaders = wait_for(
                lambda: runners("send_answer_reminders"), 30, "the first leader's jobs"
            )
            wait_for(all_sent, 45, "every notification e-mailed")

            def lease_expiry() -> datetime:
                db.session.rollback()
                return db.session.scalar(select(SchedulerLease.expires_at))

            # Three renewals by the leader: the other process has had as many chances by now.
            renewed_from = lease_expiry()
            wait_for(
                lambda: lease_expiry() >= renewed_from + timedelta(seconds=3 * RENEW_SECONDS),
                10,
                "three renewals of the lease",
            )
            assert len(runners("send_answer_reminders") | runners("send_outbox")) == 1
            (leader,) = leaders
            leader_pid = int(leader.rsplit(":", 1)[1])
            assert leader_pid in [p.pid for p in processes]

            def mails() -> Counter:
                return Counter((m["To"], m["Subject"]) for m in smtp_server.mailbox.received())

            db.session.rollback()
            notes = db.session.scalars(select(Notification)).all()
            expected = Counter((n.user.email, n.subject) for n in notes)
            assert mails() == expected
            assert max(expected.values()) == 1
            reminder = [n for n in notes if n.kind == "answer_reminder"]
            assert [n.user.email for n in reminder] == ["coord.kommun@test.example"]

            # New work, then the leader dies without releasing anything.
            staff = db.session.scalar(select(User).where(User.email == "staff@test.example"))
            from avvikelse.services.notifications import notify

            notify(staff, kind="test", subject="Efter övertagandet", body="b", now=dates.now())
            db.session.commit()
            killed_at = time.monotonic()
            os.kill(leader_pid, signal.SIGKILL)
            survivor = next(p for p in processes if p.pid != leader_pid)

            def taken_over():
                return runners("send_outbox") - {leader}

            (new_leader,) = wait_for(taken_over, LEASE_SECONDS + 20, "the takeover")
            assert int(new_leader.rsplit(":", 1)[1]) == survivor.pid
            wait_for(all_sent, 10, "the new notification e-mailed")
            assert time.monotonic() - killed_at < 60  # "within a minute"; here about a lease
            assert mails()[("staff@test.example", "Efter övertagandet")] == 1
            assert max(mails().values()) == 1
            db.session.rollback()
            assert db.session.scalar(select(func.count(Notification.id))) == sum(mails().values())
            db.session.remove()
            db.engine.dispose()
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in logs:  # shown by pytest when the test fails
            print(f"--- {log.name}", *log.read_text().splitlines()[-40:], sep="\n")
