"""Accounts: password hashing, log-in throttling, creating users."""

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..db import db
from ..models import Organization, User
from .errors import WorkflowError

# Compared against when the e-mail is unknown, so a failed log-in takes the same time either way.
_DUMMY_HASH = None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def check_password_rules(password: str) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise WorkflowError(_("Lösenordet måste ha minst %(n)d tecken.", n=minimum))
    if len(password) > 128:
        raise WorkflowError(_("Lösenordet får ha högst 128 tecken."))


def set_password(user: User, password: str) -> None:
    check_password_rules(password)
    user.password_hash = hash_password(password)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def _check_dummy(password: str) -> None:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password("not-a-real-password")
    check_password_hash(_DUMMY_HASH, password)


def authenticate(email: str, password: str, *, now: datetime) -> User:
    """Check a log-in. Repeated failures lock the account for a while, counted in the database
    so that every worker process sees the same count."""
    user = find_user_by_email(email)
    refused = WorkflowError(_("Fel e-postadress eller lösenord."))
    if user is None or not user.password_hash:
        _check_dummy(password)
        raise refused
    if user.locked_until is not None and user.locked_until > now:
        raise WorkflowError(
            _(
                "För många misslyckade inloggningar. Försök igen om %(minutes)d minuter.",
                minutes=current_app.config["LOGIN_LOCK_MINUTES"],
            )
        )
    if not check_password_hash(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
            user.locked_until = now + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
            user.failed_logins = 0
        db.session.flush()
        raise refused
    if not user.active:
        raise WorkflowError(_("Kontot är inaktiverat. Kontakta administratören."))
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.flush()
    return user


def create_user(
    *,
    name: str,
    email: str,
    organization: Organization,
    password: str | None = None,
    unit=None,
    title: str | None = None,
    is_admin: bool = False,
    locale: str = "sv",
) -> User:
    email = normalize_email(email)
    if find_user_by_email(email) is not None:
        raise WorkflowError(
            _("Det finns redan ett konto med e-postadressen %(email)s.", email=email)
        )
    if unit is not None and unit.organization_id != organization.id:
        raise WorkflowError(_("Enheten hör inte till den valda organisationen."))
    user = User(
        name=name.strip(),
        email=email,
        organization=organization,
        unit=unit,
        title=title,
        is_admin=is_admin,
        locale=locale,
    )
    if password is not None:
        set_password(user, password)
    db.session.add(user)
    db.session.flush()
    return user
