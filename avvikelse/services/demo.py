"""Demo accounts: the people of a region file get one published password, so that a visitor can
log in as each role that the file's `[demo]` section lists. The demo also gets a year of
meetings and of process measurements, so that its pages show something real."""

from datetime import datetime, time, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import exists, func, select

from ..db import db
from ..models import (
    Frequency,
    Group,
    GroupLevel,
    Indicator,
    IndicatorSource,
    Measurement,
    Meeting,
    MembershipRole,
    Process,
    ProcessGoal,
    Region,
    User,
)
from .accounts import hash_password
from .dates import add_months, local_today
from .errors import WorkflowError
from .improvement import period_start
from .meetings import plan_year
from .regions import RegionFileError, read_region_file

DEMO_PASSWORD = "avvikelse-demo"  # noqa: S105 - published on purpose; refused in production


def load_demo(name_or_path: str | Path, *, now: datetime) -> list[tuple[str, User]]:
    """Prepare the demo log-ins of a region that load_region has already loaded.

    People who already have a password keep it. Accounts still locked at `now` are unlocked, so
    that a demo restarted after someone mistyped is usable again. Returns the `[demo] logins` as
    (label, user) in file order. Flushes, never commits.
    """
    if current_app.config["AVVIKELSE_ENV"] == "production":
        raise WorkflowError(
            "Demokonton med känt lösenord skapas inte i drift (AVVIKELSE_ENV=production)."
        )
    spec = read_region_file(name_or_path)
    users = {}
    for person in spec.people:
        user = db.session.scalar(select(User).where(func.lower(User.email) == person.email))
        if user is None:
            raise RegionFileError(
                f"{spec.source}: {person.where}: kontot finns inte; ladda regionen först"
            )
        users[person.key] = user
    for key in spec.demo_admins:
        users[key].is_admin = True
    without_password = [user for user in users.values() if not user.password_hash]
    if without_password:
        # One hash for all: at 600,000 PBKDF2 iterations, hashing a hundred times takes seconds.
        password_hash = hash_password(DEMO_PASSWORD)
        for user in without_password:
            user.password_hash = password_hash
    for user in users.values():
        if user.locked_until is not None and user.locked_until > now:
            user.locked_until = None
            user.failed_logins = 0
    db.session.flush()
    load_demo_measurements(spec.key, now=now)
    plan_demo_meetings(spec.key, now=now)
    return [(label, users[key]) for label, key in spec.demo_logins]


# A fixed wobble, so the demo's charts look like real measurements and stay the same every run.
WOBBLE = (0.2, -0.6, 0.7, -0.2, 0.5, -0.4, 0.3, -0.5, 0.6, -0.3, 0.4, -0.1)
PERIODS = {"monthly": 12, "quarterly": 6, "yearly": 4}


def load_demo_measurements(region_key: str, *, now: datetime) -> int:
    """Give the region's process indicators a year of invented measurements, the last half moved
    towards the target, so the processråd pages show run charts with a shift. Indicators that
    already have measurements are left alone. Returns the number of values added."""
    indicators = db.session.scalars(
        select(Indicator)
        .join(ProcessGoal, Indicator.goal_id == ProcessGoal.id)
        .join(Process, ProcessGoal.process_id == Process.id)
        .join(Region, Process.region_id == Region.id)
        .where(
            Region.key == region_key,
            Indicator.source == IndicatorSource.MANUAL,
            Indicator.baseline.is_not(None),
            Indicator.target.is_not(None),
            ~Indicator.measurements.any(),
        )
        .order_by(Indicator.id)
    ).all()
    added = 0
    current = period_start(local_today(now), Frequency.MONTHLY)
    for indicator in indicators:
        count, months = PERIODS[indicator.frequency.value], indicator.frequency.months
        last = add_months(period_start(current, indicator.frequency), -months)
        spread = abs(indicator.target - indicator.baseline) * 0.12 or 1.0
        for k in range(count):
            moved = (indicator.target - indicator.baseline) * 0.5 if k >= count // 2 else 0.0
            db.session.add(
                Measurement(
                    indicator=indicator,
                    period_start=add_months(last, -(count - 1 - k) * months),
                    value=round(indicator.baseline + moved + WOBBLE[k] * spread, 1),
                    recorded_at=now,
                )
            )
            added += 1
    db.session.flush()
    return added


def plan_demo_meetings(region_key: str, *, now: datetime) -> int:
    """Give every group with a secretary a year of meetings (the second Thursday of each month
    but July, as in an årshjul), so the demo's meeting pages and årshjul are not empty. Groups
    that already have meetings are left alone. Returns the number of meetings planned."""
    has_meetings = exists().where(Meeting.group_id == Group.id)
    groups = db.session.scalars(
        select(Group)
        .join(Region, Group.region_id == Region.id)
        .where(Region.key == region_key, Group.active, ~has_meetings)
        .order_by(Group.id)
    ).all()
    today = local_today(now)
    days = []
    for step in range(1, 13):
        first = add_months(today.replace(day=1), step)
        if first.month != 7:
            days.append(first + timedelta(days=(3 - first.weekday()) % 7 + 7))
    planned = 0
    for group in groups:
        secretary = next(
            (m.user for m in group.memberships if m.active and m.role is MembershipRole.SECRETARY),
            None,
        )
        if secretary is None:
            continue
        planned += len(
            plan_year(
                group,
                days=days,
                starts=time(9) if group.level is GroupLevel.STRATEGIC else time(13),
                ends=time(12) if group.level is GroupLevel.STRATEGIC else time(16),
                place="Regionhuset, Karlskrona",
                link=None,
                actor=secretary,
                now=now,
            )
        )
    return planned
