"""Accounts: password hashing, log-in throttling, creating users."""

import hashlib
import hmac
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from werkzeug.security import check_password_hash, generate_password_hash

from ..db import db
from ..models import LoginThrottle, Organization, User
from .errors import WorkflowError

# Checked against when there is no password to check (unknown address, no password, locked),
# so that every log-in attempt takes one hash check's time.
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
    """A new password also ends the sessions the old one opened."""
    check_password_rules(password)
    user.password_hash = hash_password(password)
    end_sessions(user)


def end_sessions(user: User) -> None:
    """Every session cookie issued to the account stops working, wherever it was copied to: the
    cookie is signed, not stored, so only a change on the account can make it refer to no one
    (User.get_id). A new account has no generation yet."""
    user.session_generation = (user.session_generation or 0) + 1


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def email_digest(email: str) -> str:
    """Keyed, so that the throttle table does not reveal which addresses were tried."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, normalize_email(email).encode(), hashlib.sha256).hexdigest()


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password("not-a-real-password")
    return _DUMMY_HASH


def _throttle_for(email: str, user: User | None) -> User | LoginThrottle:
    """Where failures of this address are counted: on the account, or on a throttle row of
    the same shape when there is no account."""
    if user is not None:
        return user
    digest = email_digest(email)
    # Two first attempts at once must not both insert the row (a 500 on the log-in form).
    postgres = db.session.get_bind().dialect.name == "postgresql"
    insert = postgresql_insert if postgres else sqlite_insert
    db.session.execute(
        insert(LoginThrottle).values(email_digest=digest, failed_logins=0).on_conflict_do_nothing()
    )
    return db.session.get(LoginThrottle, digest)


def authenticate(email: str, password: str, *, now: datetime) -> User:
    """Check a log-in. Repeated failures lock the address for a while, counted in the database
    so that every worker process sees the same count.

    Unknown addresses, accounts without a password and locked accounts answer exactly as a
    known one does, and every attempt runs one password hash check, so neither the message
    nor the time taken tells whether an account exists.
    """
    user = find_user_by_email(email)
    throttle = _throttle_for(email, user)
    password_hash = user.password_hash if user is not None else None
    if throttle.locked_until is not None and throttle.locked_until > now:
        check_password_hash(_dummy_hash(), password)
        raise WorkflowError(
            _(
                "För många misslyckade inloggningar. Försök igen om %(minutes)d minuter.",
                minutes=current_app.config["LOGIN_LOCK_MINUTES"],
            )
        )
    matches = check_password_hash(password_hash or _dummy_hash(), password)
    if user is None or not password_hash or not matches:
        throttle.failed_logins += 1
        if throttle.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
            throttle.locked_until = now + timedelta(
                minutes=current_app.config["LOGIN_LOCK_MINUTES"]
            )
            throttle.failed_logins = 0
        db.session.flush()
        raise WorkflowError(_("Fel e-postadress eller lösenord."))
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
