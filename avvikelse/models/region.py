"""A region configuration and its settings (DESIGN §2): several regions can share one database."""

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import db


class Region(db.Model):
    __tablename__ = "regions"
    __table_args__ = (
        CheckConstraint("answer_deadline_days > 0", name="answer_deadline_positive"),
        CheckConstraint("recurrence_min_count >= 2", name="recurrence_min_count"),
        CheckConstraint("recurrence_months > 0", name="recurrence_months_positive"),
        CheckConstraint("general_min_municipalities >= 2", name="general_min_municipalities"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    answer_deadline_days: Mapped[int] = mapped_column(default=28)
    recurrence_min_count: Mapped[int] = mapped_column(default=3)
    recurrence_months: Mapped[int] = mapped_column(default=12)
    general_min_municipalities: Mapped[int] = mapped_column(default=3)

    def __repr__(self) -> str:
        return f"<Region {self.id} {self.key!r}>"
