"""The audit log: every read and change of a case (DESIGN §10; kept at least 5 years)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, db


class AuditEntry(db.Model):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_created", "created_at", "id"),
        Index("ix_audit_log_deviation", "deviation_id", "created_at"),
        Index("ix_audit_log_user", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(50))
    deviation_id: Mapped[int | None] = mapped_column(ForeignKey("deviations.id"))
    detail: Mapped[str | None] = mapped_column(Text)
    as_administrator: Mapped[bool] = mapped_column(default=False)

    user = relationship("User")
    deviation = relationship("Deviation")
