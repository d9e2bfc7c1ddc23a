"""Job registry: name → service function and trigger (STYLE.md 2.7).

Each job is a service function taking `now` and returning a summary; the same function runs
from the scheduler and by hand with `avvikelse jobs run NAME`. Daily jobs run in the early
morning, Stockholm time, well clear of the hour that daylight saving skips or repeats.
"""

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .services import dates
from .services.detection import sweep_recurrence
from .services.digest import send_weekly_digest
from .services.maintenance import refresh_planner_statistics
from .services.minutes import add_due_follow_ups
from .services.notifications import send_outbox
from .services.reminders import (
    send_action_reminders,
    send_answer_reminders,
    send_meeting_reminders,
)
from .services.retention import sweep_retention

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    function: Callable[..., dict]
    seconds: int  # how often, when no cron is given
    description: str
    cron: dict = field(default_factory=dict)  # APScheduler CronTrigger fields, Stockholm time


def describe_schedule(job: Job) -> str:
    if not job.cron:
        return _("var %(n)d s", n=job.seconds)
    when = f"{job.cron['hour']:02d}:{job.cron.get('minute', 0):02d}"
    if job.cron.get("day_of_week") == "mon":
        return _("måndagar %(time)s", time=when)
    return _("dagligen %(time)s", time=when)


def daily(hour: int, minute: int = 0) -> dict:
    return {"hour": hour, "minute": minute}


JOBS = {
    job.name: job
    for job in (
        Job(
            "send_outbox",
            send_outbox,
            30,
            _l(
                "Skickar köade e-postnotiser, försöker igen med ökande väntetid och markerar till "
                "sist som misslyckade (skrivs till loggen när MAIL_SERVER saknas)."
            ),
        ),
        Job(
            "add_due_follow_ups",
            add_due_follow_ups,
            86400,
            _l("Sätter upp beslut vars uppföljningsdatum har kommit på gruppens nästa dagordning."),
            daily(6, 0),
        ),
        Job(
            "send_answer_reminders",
            send_answer_reminders,
            86400,
            _l(
                "Påminner samordnare före sista svarsdag och meddelar samordnare och grupp när "
                "svaret är försenat."
            ),
            daily(6, 10),
        ),
        Job(
            "send_meeting_reminders",
            send_meeting_reminders,
            86400,
            _l(
                "Påminner om att anmälan av ärenden stänger, att kallelsen ska skickas och när "
                "kallelsen är försenad."
            ),
            daily(6, 20),
        ),
        Job(
            "send_action_reminders",
            send_action_reminders,
            86400,
            _l("Meddelar ägare och grupp när en åtgärd har passerat sitt slutdatum."),
            daily(6, 30),
        ),
        Job(
            "send_weekly_digest",
            send_weekly_digest,
            7 * 86400,
            _l(
                "Veckosammanfattning till ordförande och sekreterare, med notiserna för dem som "
                "valt e-post en gång i veckan."
            ),
            {"day_of_week": "mon", "hour": 7, "minute": 0},
        ),
        Job(
            "recurrence_sweep",
            sweep_recurrence,
            86400,
            _l(
                "Söker återkommande och generella avvikelser och ökande trender i alla regioner "
                "och lägger förslag till grupperna."
            ),
            daily(5, 30),
        ),
        Job(
            "retention_sweep",
            sweep_retention,
            86400,
            _l(
                "Gallring: tar bort fritexten i ärenden som avslutades för länge sedan och "
                "rensar granskningsloggen, efter regionens antal år."
            ),
            daily(4, 30),
        ),
        Job(
            "planner_statistics",
            refresh_planner_statistics,
            86400,
            _l(
                "Uppdaterar databasens statistik över hur ärendena fördelar sig, så att "
                "sidorna hämtar dem via rätt index."
            ),
            daily(4, 0),
        ),
    )
}


def runner_name(role: str) -> str:
    """Who ran a job, for the run record: e.g. "scheduler@web1:4242" or "hand@web1:5151"."""
    return f"{role}@{socket.gethostname()}:{os.getpid()}"


def run_job(name: str, *, now: datetime | None = None, runner: str | None = None):
    """Run one job in the current app context, commit its work and record the run.

    A job that raises is rolled back and recorded as failed; per-object failures come back in
    the summary's "errors" and also mark the run as failed, so administrators see them.
    """
    from .extensions import db
    from .models import JobRun

    started = dates.now()
    run = JobRun(job=name, runner=runner or runner_name("hand"), started_at=started)
    try:
        summary = JOBS[name].function(now=now or started)
        db.session.commit()
    except Exception as error:  # recorded for the administrators, then the scheduler goes on
        db.session.rollback()
        logger.exception("Jobbet %s misslyckades", name)
        run.ok, run.summary, run.error = False, None, f"{type(error).__name__}: {error}"[:2000]
    else:
        errors = summary.pop("errors", None)
        run.ok, run.summary = not errors, summary
        run.error = "\n".join(errors) if errors else None
    run.finished_at = dates.now()
    db.session.add(run)
    db.session.commit()
    return run
