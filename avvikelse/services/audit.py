"""Audit log entries: every read and change of a case (DESIGN §10)."""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import insert

from ..db import db
from ..models import AuditEntry


def _entry(user, action: str, *, now: datetime, deviation_id: int | None, detail: str | None):
    entry = AuditEntry(
        created_at=now,
        user_id=user.id if user is not None else None,
        action=action,
        deviation_id=deviation_id,
        detail=detail,
        as_administrator=bool(user is not None and user.is_admin),
    )
    db.session.add(entry)
    return entry


def log_access(user, action: str, *, now: datetime, deviation=None, detail: str | None = None):
    """Administrators see every case of their region; that their reads are recorded is the
    price (DESIGN §1)."""
    return _entry(
        user,
        action,
        now=now,
        deviation_id=deviation.id if deviation is not None else None,
        detail=detail,
    )


def log_reads(
    user, action: str, deviation_ids: Iterable[int], *, now: datetime, detail: str | None = None
) -> None:
    """A page that shows several cases' content (search hits, an agenda, a cluster, the
    processråd) logs a read of each, so that a case's own log answers who saw it, whichever
    page showed it. A case shown twice on one page is logged once. The entries go in as one
    bulk INSERT: a page of hits costs one statement, not one per case (issue 15)."""
    rows = [
        {
            "created_at": now,
            "user_id": user.id if user is not None else None,
            "action": action,
            "deviation_id": deviation_id,
            "detail": detail,
            "as_administrator": bool(user is not None and user.is_admin),
        }
        for deviation_id in dict.fromkeys(deviation_ids)
    ]
    if rows:
        db.session.execute(insert(AuditEntry), rows)
