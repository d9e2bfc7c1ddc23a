"""The scheduler process: APScheduler plus a leader lock in the database; no business logic.

Every web worker and host may start `avvikelse scheduler`; exactly one acts. On PostgreSQL the
leader holds a session-level advisory lock on a connection of its own, which the server frees
the moment the holder's connection dies. SQLite has no such lock, so there the leader holds a
lease row it renews every SCHEDULER_RENEW_SECONDS and anyone may take once it is
SCHEDULER_LEASE_SECONDS old. The others retry at every renewal, so one of them takes over within
a lease of the holder's death. The lock is checked again before every run (STYLE.md 2.7), and
the notification keys keep even an overlap from sending anything twice.

Leases and triggers run on the system clock: they are between processes and in real time.
The jobs themselves get the app's clock (jobs.run_job).
"""

import logging
import threading
from datetime import timedelta

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from .jobs import JOBS, run_job, runner_name
from .models import SchedulerLease
from .services.dates import system_now

logger = logging.getLogger(__name__)

TIMEZONE = "Europe/Stockholm"
LEASE_NAME = "scheduler"
# pg_try_advisory_lock key: any constant no other part of the system uses ("AVVI" in ASCII).
ADVISORY_LOCK_KEY = 0x41565649
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
LEASES = SchedulerLease.__table__


class LeaseLock:
    """A lease row: renewed by its holder, taken over by anyone once it has expired."""

    def __init__(self, engine, holder: str, lease_seconds: float):
        self.engine = engine
        self.holder = holder
        self.lease = timedelta(seconds=lease_seconds)

    def acquire(self) -> bool:
        """Take or renew the lease; False while another holder's lease runs."""
        now = system_now()
        row = LEASES.c
        with self.engine.begin() as connection:
            renewed = connection.execute(
                update(LEASES)
                .where(row.name == LEASE_NAME, row.holder == self.holder)
                .values(expires_at=now + self.lease)
            ).rowcount
            if renewed:
                return True
            taken = connection.execute(
                update(LEASES)
                .where(row.name == LEASE_NAME, row.expires_at < now)
                .values(holder=self.holder, acquired_at=now, expires_at=now + self.lease)
            ).rowcount
            if taken:
                return True
            if connection.execute(select(row.name).where(row.name == LEASE_NAME)).first():
                return False
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    insert(LEASES).values(
                        name=LEASE_NAME,
                        holder=self.holder,
                        acquired_at=now,
                        expires_at=now + self.lease,
                    )
                )
        except IntegrityError:
            return False
        return True

    def release(self) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(LEASES)
                .where(LEASES.c.name == LEASE_NAME, LEASES.c.holder == self.holder)
                .values(expires_at=system_now())
            )


class AdvisoryLock:
    """A PostgreSQL session-level advisory lock held on one dedicated connection.

    The lease row is still written, but only so the administrators' page can say who leads.
    """

    def __init__(self, engine, holder: str, lease_seconds: float):
        self.engine = engine
        self.connection = None
        self.record = LeaseLock(engine, holder, lease_seconds)

    def acquire(self) -> bool:
        try:
            if self.connection is not None:
                self.connection.execute(text("SELECT 1"))  # alive: the lock is still ours
            else:
                connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                got = connection.execute(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
                ).scalar()
                if not got:
                    connection.close()
                    return False
                self.connection = connection
        except DBAPIError:
            logger.warning("Förbindelsen med låset bröts; försöker ta det igen", exc_info=True)
            self._drop()
            return False
        self._record()
        return True

    def _record(self) -> None:
        now = system_now()
        row = LEASES.c
        with self.engine.begin() as connection:
            values = {"holder": self.record.holder, "expires_at": now + self.record.lease}
            updated = connection.execute(
                update(LEASES)
                .where(row.name == LEASE_NAME, row.holder == self.record.holder)
                .values(**values)
            ).rowcount
            if not updated:
                connection.execute(LEASES.delete().where(row.name == LEASE_NAME))
                connection.execute(
                    insert(LEASES).values(name=LEASE_NAME, acquired_at=now, **values)
                )

    def _drop(self) -> None:
        if self.connection is not None:
            try:
                self.connection.invalidate()
            finally:
                self.connection = None

    def release(self) -> None:
        if self.connection is None:
            return
        try:
            self.connection.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY}
            )
            self.connection.close()
        finally:
            self.connection = None
        self.record.release()


def make_lock(engine, holder: str, lease_seconds: float):
    lock = AdvisoryLock if engine.dialect.name == "postgresql" else LeaseLock
    return lock(engine, holder, lease_seconds)


def trigger_for(job):
    if job.cron:
        return CronTrigger(timezone=TIMEZONE, **job.cron)
    return IntervalTrigger(seconds=job.seconds, timezone=TIMEZONE)


class Leader:
    """Registers the jobs on an APScheduler scheduler and runs them only while leading.

    On becoming leader it runs the daily jobs at once, so work that fell due while no scheduler
    led (a restart, a holder that died at 06:00) is not left for a day; the jobs are idempotent,
    so this costs nothing when they already ran. The weekly digest waits for Monday.
    """

    def __init__(self, app, scheduler, *, role: str = "scheduler"):
        self.app = app
        self.scheduler = scheduler
        self.holder = runner_name(role)
        self.renew_seconds = app.config["SCHEDULER_RENEW_SECONDS"]
        with app.app_context():
            from .extensions import db

            self.lock = make_lock(db.engine, self.holder, app.config["SCHEDULER_LEASE_SECONDS"])
        self.leading = False
        self._guard = threading.Lock()

    def install(self) -> None:
        for job in JOBS.values():
            self.scheduler.add_job(
                self.run, trigger_for(job), args=[job.name], id=job.name, name=job.name
            )
        self.scheduler.add_job(
            self.heartbeat,
            IntervalTrigger(seconds=self.renew_seconds, timezone=TIMEZONE),
            id="leader-heartbeat",
            next_run_time=system_now(),
        )

    def check(self) -> bool:
        """Take or confirm the lock; True only at the moment this process becomes leader."""
        with self._guard, self.app.app_context():
            try:
                leading = self.lock.acquire()
            except DBAPIError:
                logger.warning("Kunde inte nå databasen för ledarlåset", exc_info=True)
                leading = False
            became_leader = leading and not self.leading
            if leading != self.leading:
                logger.warning(
                    "%s %s",
                    self.holder,
                    "leder nu schemaläggningen" if leading else "leder inte längre",
                )
            self.leading = leading
        return became_leader

    def heartbeat(self) -> None:
        """Renew the lock; on becoming leader, catch up in a job of its own so that a long
        catch-up never delays the next renewal."""
        if self.check():
            self.scheduler.add_job(self.catch_up, id="leader-catch-up", replace_existing=True)

    def catch_up(self) -> None:
        daily = [job.name for job in JOBS.values() if not job.cron.get("day_of_week")]
        for name in sorted(daily, key=lambda name: name == "send_outbox"):  # it sends the rest
            self.run(name)

    def run(self, name: str) -> None:
        """Run a job only while leading: the lock is checked right before every run."""
        self.heartbeat()
        if not self.leading:
            return
        from .extensions import db

        with self.app.app_context():
            try:
                run_job(name, runner=self.holder)
            finally:
                db.session.remove()

    def release(self) -> None:
        with self._guard, self.app.app_context():
            self.lock.release()
        self.leading = False
