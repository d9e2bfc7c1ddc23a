"""Notifications: an outbox row per recipient, shown in-app and e-mailed after commit.

Bodies carry the case number, category and a link only, never report free text: e-mail leaves
the organizations' systems.
"""

import logging
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app, render_template
from sqlalchemy import Select, func, select, update

from ..db import db
from ..models import (
    EmailDelivery,
    EmailPreference,
    EmailStatus,
    Notification,
    Organization,
    User,
)

logger = logging.getLogger(__name__)

MAX_EMAIL_ATTEMPTS = 5
# Waits after the 1st, 2nd, ... failure: 1, 2, 4, 8 minutes; then the e-mail is marked failed.
RETRY_BASE = timedelta(minutes=1)
# Always e-mailed at once: the digest itself would otherwise wait for the next digest.
NEVER_HELD_KINDS = frozenset({"weekly_digest"})


def notify(
    user,
    *,
    kind: str,
    subject: str,
    body: str,
    now: datetime,
    deviation=None,
    url: str | None = None,
    due: str = "",
    about: str | None = None,
    data: dict | None = None,
) -> Notification | None:
    """Queue one notification; the key (kind, object, due, recipient) makes repeats no-ops.

    The object is the deviation unless `about` names another one ("meeting-7", "action-3").
    """
    if user is None or not user.active or user.is_service_account:
        return None  # an API client reads its cases through the API, not a mailbox
    subject_key = about or (deviation.id if deviation is not None else "-")
    key = f"{kind}:{subject_key}:{due}:{user.id}"
    existing = db.session.scalar(select(Notification).where(Notification.key == key))
    if existing is not None:
        return None
    held = kind not in NEVER_HELD_KINDS and email_delivery(user) is EmailDelivery.DIGEST
    note = Notification(
        key=key,
        user=user,
        kind=kind,
        deviation=deviation,
        subject=subject,
        body=body,
        url=url,
        data=data,
        created_at=now,
        email_status=EmailStatus.DIGEST if held else EmailStatus.PENDING,
    )
    db.session.add(note)
    return note


def notify_many(users, **kwargs) -> int:
    sent, seen = 0, set()
    for user in users:
        if user is None or user.id in seen:
            continue
        seen.add(user.id)
        if notify(user, **kwargs) is not None:
            sent += 1
    return sent


def unread_count(user) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    )


def mark_read(user, notification_ids, *, now: datetime) -> None:
    for note in db.session.scalars(
        select(Notification).where(
            Notification.user_id == user.id,
            Notification.id.in_(notification_ids),
            Notification.read_at.is_(None),
        )
    ):
        note.read_at = now


# --- Preferences ------------------------------------------------------------------------------


def email_delivery(user) -> EmailDelivery:
    preference = db.session.get(EmailPreference, user.id)
    return preference.delivery if preference is not None else EmailDelivery.IMMEDIATELY


def set_email_delivery(user, delivery: EmailDelivery, *, now: datetime) -> None:
    """Choosing "immediately" releases what was held for the digest, so nothing waits a week
    for a choice the user has just undone."""
    preference = db.session.get(EmailPreference, user.id)
    if preference is None:
        preference = EmailPreference(user_id=user.id)
        db.session.add(preference)
    preference.delivery = delivery
    preference.updated_at = now
    if delivery is EmailDelivery.IMMEDIATELY:
        db.session.execute(
            update(Notification)
            .where(Notification.user_id == user.id, Notification.email_status == EmailStatus.DIGEST)
            .values(email_status=EmailStatus.PENDING)
        )
    db.session.flush()


# --- The outbox -------------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    return RETRY_BASE * 2 ** max(attempts - 1, 0)


def send_outbox(*, now: datetime, limit: int = 200) -> dict:
    """Send pending e-mails; without MAIL_SERVER (demo/dev) they are written to the log.

    Unlike other services this job commits, once per e-mail: a sent e-mail cannot be rolled
    back, so each one is first claimed in its own transaction (the attempt counter must still
    be the one read), then sent, then marked. A second sender never sends what the first has
    claimed, and a crash between sending and marking sends again after the back-off rather
    than losing the e-mail.
    """
    config = current_app.config
    pending = db.session.execute(
        select(Notification.id, Notification.email_attempts)
        .where(
            Notification.email_status == EmailStatus.PENDING,
            (Notification.email_next_attempt_at.is_(None))
            | (Notification.email_next_attempt_at <= now),
        )
        .order_by(Notification.id)
        .limit(limit)
    ).all()
    db.session.commit()
    result = {"sent": 0, "logged": 0, "retry_later": 0, "failed": 0}
    for note_id, attempts in pending:
        claimed = db.session.execute(
            update(Notification)
            .where(
                Notification.id == note_id,
                Notification.email_status == EmailStatus.PENDING,
                Notification.email_attempts == attempts,
            )
            .values(
                email_attempts=attempts + 1, email_next_attempt_at=now + retry_delay(attempts + 1)
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if not claimed:
            continue
        note = db.session.get(Notification, note_id)
        if not config.get("MAIL_SERVER"):
            logger.warning(
                "E-post loggad (MAIL_SERVER saknas) till %s: %s\n%s",
                note.user.email,
                note.subject,
                render_email(note, config)[0],
            )
            note.email_sent_at = now
            note.email_status = EmailStatus.LOGGED
            result["logged"] += 1
        else:
            try:
                _send(note, config)
            except (OSError, smtplib.SMTPException) as error:
                note.email_error = str(error)[:1000]
                if note.email_attempts >= MAX_EMAIL_ATTEMPTS:
                    note.email_status = EmailStatus.FAILED
                    result["failed"] += 1
                else:
                    result["retry_later"] += 1
                logger.warning("E-post till %s misslyckades: %s", note.user.email, error)
            else:
                note.email_status = EmailStatus.SENT
                note.email_sent_at = now
                note.email_error = None
                result["sent"] += 1
        db.session.commit()
    return result


def failed_emails(region_id: int) -> Select:
    """E-mails that gave up, to the region's users: the administrator's to resend or explain."""
    return _region_emails(region_id, EmailStatus.FAILED)


def logged_emails(region_id: int) -> Select:
    """E-mails written to the log for want of a mail server (the demo): what would have gone out."""
    return _region_emails(region_id, EmailStatus.LOGGED)


def _region_emails(region_id: int, status: EmailStatus) -> Select:
    return (
        select(Notification)
        .join(User, User.id == Notification.user_id)
        .join(Organization, Organization.id == User.organization_id)
        .where(Notification.email_status == status, Organization.region_id == region_id)
        .order_by(Notification.id.desc())
    )


def outbox_counts() -> dict[str, int]:
    rows = db.session.execute(
        select(Notification.email_status, func.count(Notification.id)).group_by(
            Notification.email_status
        )
    ).all()
    return {status.value: count for status, count in rows}


def retry_email(note: Notification) -> None:
    """An administrator sends a failed e-mail again (for instance once the mail server is back)."""
    note.email_status = EmailStatus.PENDING
    note.email_attempts = 0
    note.email_next_attempt_at = None
    db.session.flush()


def render_email(note: Notification, config) -> tuple[str, str]:
    """The plain-text and HTML bodies: the notification's own short text (case number, category,
    never report text) and a link into the system."""
    base = (config.get("AVVIKELSE_BASE_URL") or "").rstrip("/")
    context = {
        "note": note,
        "user": note.user,
        "link": base + note.url if note.url else base + "/notiser",
        "base_url": base,
        "account_link": base + "/konto/",
    }
    template = "digest" if note.kind == "weekly_digest" and note.data else "notification"
    return (
        render_template(f"email/{template}.txt", **context),
        render_template(f"email/{template}.html", **context),
    )


def _send(note: Notification, config) -> None:
    text, html = render_email(note, config)
    message = EmailMessage()
    message["Subject"] = note.subject
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = note.user.email
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def users_with_held_email() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.id.in_(
                    select(Notification.user_id).where(
                        Notification.email_status == EmailStatus.DIGEST
                    )
                )
            )
            .order_by(User.id)
        )
    )


def held_for_digest(user) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id, Notification.email_status == EmailStatus.DIGEST)
            .order_by(Notification.created_at, Notification.id)
        )
    )
