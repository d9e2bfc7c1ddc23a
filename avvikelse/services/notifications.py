"""Notifications: an outbox row per recipient, shown in-app and e-mailed after commit.

Bodies carry the case number, category and a link only, never report free text: e-mail leaves
the organizations' systems.
"""

import logging
import smtplib
from datetime import datetime
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import func, select

from ..db import db
from ..models import EmailStatus, Notification

logger = logging.getLogger(__name__)

MAX_EMAIL_ATTEMPTS = 5


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
) -> Notification | None:
    """Queue one notification; the key (kind, object, due, recipient) makes repeats no-ops."""
    if user is None or not user.active:
        return None
    key = f"{kind}:{deviation.id if deviation is not None else '-'}:{due}:{user.id}"
    existing = db.session.scalar(select(Notification).where(Notification.key == key))
    if existing is not None:
        return None
    note = Notification(
        key=key,
        user=user,
        kind=kind,
        deviation=deviation,
        subject=subject,
        body=body,
        url=url,
        created_at=now,
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


def send_outbox(*, now: datetime, limit: int = 200) -> dict:
    """Send pending e-mails. Without MAIL_SERVER (demo/dev) they are written to the log."""
    config = current_app.config
    pending = db.session.scalars(
        select(Notification)
        .where(Notification.email_status == EmailStatus.PENDING)
        .order_by(Notification.id)
        .limit(limit)
    ).all()
    result = {"sent": 0, "logged": 0, "failed": 0}
    for note in pending:
        if not config.get("MAIL_SERVER"):
            logger.info("E-post (MAIL_SERVER saknas) till %s: %s", note.user.email, note.subject)
            note.email_status = EmailStatus.LOGGED
            result["logged"] += 1
            continue
        try:
            _send(note, config)
        except (OSError, smtplib.SMTPException) as error:
            note.email_attempts += 1
            note.email_error = str(error)[:1000]
            if note.email_attempts >= MAX_EMAIL_ATTEMPTS:
                note.email_status = EmailStatus.FAILED
                result["failed"] += 1
            logger.warning("E-post till %s misslyckades: %s", note.user.email, error)
        else:
            note.email_status = EmailStatus.SENT
            note.email_sent_at = now
            result["sent"] += 1
    return result


def _send(note: Notification, config) -> None:
    message = EmailMessage()
    message["Subject"] = note.subject
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = note.user.email
    link = ""
    if note.url:
        link = "\n\n" + config.get("AVVIKELSE_BASE_URL", "").rstrip("/") + note.url
    message.set_content(note.body + link)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
