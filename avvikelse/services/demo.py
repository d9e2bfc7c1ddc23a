"""Demo accounts: the people of a region file get one published password, so that a visitor can
log in as each role that the file's `[demo]` section lists."""

from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from ..db import db
from ..models import User
from . import WorkflowError
from .accounts import _aware, hash_password
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
        if user.locked_until is not None and _aware(user.locked_until) > now:
            user.locked_until = None
            user.failed_logins = 0
    db.session.flush()
    return [(label, users[key]) for label, key in spec.demo_logins]
