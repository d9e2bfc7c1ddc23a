"""Audit log entries: every read and change of a case (DESIGN §10)."""

from datetime import datetime

from ..db import db
from ..models import AuditEntry


def log_access(user, action: str, *, now: datetime, deviation=None, detail: str | None = None):
    """Administrators see every case; that their reads are recorded is the price (DESIGN §1)."""
    entry = AuditEntry(
        created_at=now,
        user_id=user.id if user is not None else None,
        action=action,
        deviation_id=deviation.id if deviation is not None else None,
        detail=detail,
        as_administrator=bool(user is not None and user.is_admin),
    )
    db.session.add(entry)
    return entry
