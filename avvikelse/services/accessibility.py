"""Accessibility problem reports from the public statement page."""

from datetime import datetime

from ..db import db
from ..models import AccessibilityReport


def report_accessibility_problem(
    *, page: str | None, description: str, contact: str | None, now: datetime
) -> AccessibilityReport:
    report = AccessibilityReport(
        created_at=now, page=page or None, description=description.strip(), contact=contact or None
    )
    db.session.add(report)
    db.session.flush()
    return report
