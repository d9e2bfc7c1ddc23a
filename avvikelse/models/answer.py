"""An organization's written answer (yttrande) to a deviation."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, db


class Answer(db.Model):
    __tablename__ = "answers"
    # An organization's latest answers first (the coordinator's inbox), without sorting them all.
    __table_args__ = (Index("ix_answers_organization_created", "organization_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deviation_id: Mapped[int] = mapped_column(ForeignKey("deviations.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    what_happened: Mapped[str] = mapped_column(Text)
    cause: Mapped[str | None] = mapped_column(Text)
    measures: Mapped[str | None] = mapped_column(Text)

    deviation = relationship("Deviation", back_populates="answers")
    organization = relationship("Organization")
    author = relationship("User")

    def __repr__(self) -> str:
        return f"<Answer {self.id} d={self.deviation_id} o={self.organization_id}>"
