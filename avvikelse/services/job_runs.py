"""What the administrators' jobs page shows: each job's last run and next run, failures, the
scheduler that leads, and the e-mail outbox (DESIGN §9)."""

from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..db import db
from ..jobs import JOBS, describe_schedule
from ..models import JobRun, SchedulerLease
from ..scheduler import trigger_for

# The counters the job functions return, as the page names them; an unknown one shows as is.
SUMMARY_LABELS = {
    "sent": _l("skickade"),
    "logged": _l("loggade (ingen e-postserver)"),
    "retry_later": _l("försöks igen senare"),
    "failed": _l("misslyckade"),
    "added": _l("tillagda"),
    "reminders": _l("påminnelser"),
    "overdue": _l("förseningsnotiser"),
    "registration_closes": _l("anmälan stänger"),
    "notice_due": _l("kallelse ska skickas"),
    "notice_overdue": _l("kallelse försenad"),
    "empty": _l("tomma, inte skickade"),
    "held_included": _l("med samlade notiser"),
    "regions": _l("regioner"),
    "recurring": _l("förslag om återkommande"),
    "general": _l("förslag om generella"),
    "trends": _l("trendförslag"),
    "purged": _l("gallrade ärenden"),
    "audit_pruned": _l("rensade loggrader"),
}


def summary_text(summary: dict | None) -> str:
    """A run's counters in words: "skickade: 3, misslyckade: 0"."""
    if not summary:
        return "–"
    return ", ".join(f"{SUMMARY_LABELS.get(key, key)}: {value}" for key, value in summary.items())


@dataclass
class JobRow:
    name: str
    description: str
    schedule: str
    last_run: JobRun | None
    last_failure: JobRun | None
    next_run: datetime | None


def job_rows(*, now: datetime) -> list[JobRow]:
    """Next run is computed from the trigger: the scheduler runs in another process."""
    rows = []
    for job in JOBS.values():
        latest = select(JobRun).where(JobRun.job == job.name).order_by(JobRun.started_at.desc())
        rows.append(
            JobRow(
                name=job.name,
                description=str(job.description),
                schedule=describe_schedule(job),
                last_run=db.session.scalar(latest.limit(1)),
                last_failure=db.session.scalar(latest.where(JobRun.ok.is_(False)).limit(1)),
                next_run=trigger_for(job).get_next_fire_time(None, now),
            )
        )
    return rows


# How far back the page looks for runs that did something: a day of 30-second outbox runs.
RUNS_SCANNED = 3000


def did_something(run: JobRun) -> bool:
    return not run.ok or any((run.summary or {}).values())


def recent_runs(limit: int = 50) -> list[JobRun]:
    """The latest runs that failed or did something. The outbox job runs every 30 seconds and
    its idle runs would push everything else off the page; each job's latest run, idle or not,
    is in the jobs table above."""
    runs = db.session.scalars(select(JobRun).order_by(JobRun.started_at.desc()).limit(RUNS_SCANNED))
    return list(islice(filter(did_something, runs), limit))


@dataclass
class LeaderStatus:
    holder: str
    since: datetime
    expires_at: datetime
    alive: bool


def leader_status(*, now: datetime) -> LeaderStatus | None:
    lease = db.session.scalar(select(SchedulerLease))
    if lease is None:
        return None
    expires = lease.expires_at
    return LeaderStatus(lease.holder, lease.acquired_at, expires, expires > now)
