"""Accessibility problem reports: the accessibility statement must offer a way to send one."""

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, db


class AccessibilityReport(db.Model):
    __tablename__ = "accessibility_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    page: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(String(254))
    handled: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"<AccessibilityReport {self.id}>"
