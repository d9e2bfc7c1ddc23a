"""Job registry: name → service function and trigger (STYLE.md 2.7).

Each job is a service function taking `now`; the same function runs from the scheduler and by
hand with `avvikelse jobs run NAME`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from .services.minutes import add_due_follow_ups
from .services.notifications import send_outbox


@dataclass(frozen=True)
class Job:
    name: str
    function: Callable[..., dict]
    seconds: int
    description: str


JOBS = {
    job.name: job
    for job in (
        Job(
            "send_outbox",
            send_outbox,
            30,
            "Skickar köade e-postnotiser (skrivs till loggen när MAIL_SERVER saknas).",
        ),
        Job(
            "add_due_follow_ups",
            add_due_follow_ups,
            86400,
            "Sätter upp beslut vars uppföljningsdatum har kommit på gruppens nästa dagordning.",
        ),
    )
}


def run_job(name: str, *, now: datetime | None = None) -> dict:
    """Run one job in the current app context and commit its work."""
    from .extensions import db

    result = JOBS[name].function(now=now or datetime.now(UTC))
    db.session.commit()
    return result


def start_demo_scheduler(app):
    """The single-process demo runs its jobs in a background thread; production runs a
    dedicated scheduler process instead (never one per web worker)."""
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(
        timezone="Europe/Stockholm", job_defaults={"coalesce": True, "max_instances": 1}
    )

    def wrapped(name):
        def run():
            with app.app_context():
                try:
                    run_job(name)
                finally:
                    from .extensions import db

                    db.session.remove()

        return run

    for job in JOBS.values():
        scheduler.add_job(wrapped(job.name), "interval", seconds=job.seconds, id=job.name)
    scheduler.start()
    return scheduler
