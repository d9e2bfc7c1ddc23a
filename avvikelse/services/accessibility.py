"""Accessibility problem reports from the public statement page."""

from datetime import datetime

from sqlalchemy import select

from ..db import db
from ..models import AccessibilityReport
from .personal_data import guard_text


def report_accessibility_problem(
    *, page: str | None, description: str, contact: str | None, now: datetime
) -> AccessibilityReport:
    """Anyone may write here, about anything: a personnummer is refused as in every free text."""
    guard_text(page=page, description=description, contact=contact)
    report = AccessibilityReport(
        created_at=now, page=page or None, description=description.strip(), contact=contact or None
    )
    db.session.add(report)
    db.session.flush()
    return report


def accessibility_reports() -> list[AccessibilityReport]:
    """Unhandled first, newest first. Reports are about the service itself, which every region
    shares, so they have no region and every administrator sees them all."""
    return list(
        db.session.scalars(
            select(AccessibilityReport).order_by(
                AccessibilityReport.handled, AccessibilityReport.created_at.desc()
            )
        )
    )


def mark_accessibility_report_handled(report: AccessibilityReport) -> None:
    report.handled = True
    db.session.flush()
