"""Notifications: shown in-app and e-mailed from this outbox after commit (STYLE.md 2.7)."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, db, enum_column


class EmailStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    LOGGED = "logged"
    DIGEST = "digest"  # waits for the recipient's weekly digest (their own choice)
    DIGESTED = "digested"  # went out as part of a weekly digest


class EmailDelivery(enum.StrEnum):
    """When a user wants their notifications e-mailed (Mitt konto)."""

    IMMEDIATELY = "immediately"
    DIGEST = "digest"

    @property
    def title(self) -> str:
        return {
            EmailDelivery.IMMEDIATELY: _l("Direkt, ett e-postmeddelande per notis"),
            EmailDelivery.DIGEST: _l("Samlat i veckosammanfattningen på måndagar"),
        }[self]


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_unread", "user_id", "read_at", "id"),
        Index("ix_notifications_user_created", "user_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # kind:object:due:recipient — one notification per key, so a job run twice sends nothing twice.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(50))
    deviation_id: Mapped[int | None] = mapped_column(ForeignKey("deviations.id"), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    email_status: Mapped[EmailStatus] = mapped_column(
        enum_column(EmailStatus, "email_status"), default=EmailStatus.PENDING, index=True
    )
    email_attempts: Mapped[int] = mapped_column(default=0)
    # Back-off: a failed e-mail is tried again no earlier than this.
    email_next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    email_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    email_error: Mapped[str | None] = mapped_column(Text)
    # Structured content for e-mails that list several things (the weekly digest).
    data: Mapped[dict | None] = mapped_column(JSON)

    user = relationship("User")
    deviation = relationship("Deviation")


class EmailPreference(db.Model):
    """A user's choice of e-mail delivery; no row means immediately."""

    __tablename__ = "email_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    delivery: Mapped[EmailDelivery] = mapped_column(
        enum_column(EmailDelivery, "email_delivery"), default=EmailDelivery.IMMEDIATELY
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user = relationship("User")
