"""The nightly detection job: recurring keys (services/recurrence) and rising trends
(services/trends) for every region. It sits above both, so neither needs to import the other's
sweep.
"""

from datetime import datetime

from sqlalchemy import select

from ..db import db
from ..models import Region
from .dates import local_today, months_before
from .recurrence import sweep_region
from .trends import detect_rising_trends


def sweep_recurrence(*, now: datetime, full: bool = False) -> dict:
    """The nightly job: recurring keys of the last M months (all history with full=True) and
    the trend charts' special-cause signals, for every region."""
    summary = {"regions": 0, "recurring": 0, "trends": 0}
    for region in db.session.scalars(select(Region).order_by(Region.id)):
        since = None if full else months_before(local_today(now), region.recurrence_months)
        summary["regions"] += 1
        summary["recurring"] += sweep_region(region, now=now, since=since)
        summary["trends"] += len(detect_rising_trends(region, now=now))
    db.session.flush()
    return summary
