"""A region configuration and its settings (DESIGN §2): several regions can share one database.

Retention lives here too: each region (each group of principals) has its own records schedule
(dokumenthanteringsplan) and is responsible for its own personal data, so one region's choice
must never purge another's cases (services/retention.py).
"""

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
        CheckConstraint("retention_years >= 1", name="retention_years_positive"),
        # DESIGN §10: the audit log is kept at least 5 years (as HSLF-FS 2016:40 asks).
        CheckConstraint("audit_retention_years >= 5", name="audit_retention_years_minimum"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    answer_deadline_days: Mapped[int] = mapped_column(default=28)
    recurrence_min_count: Mapped[int] = mapped_column(default=3)
    recurrence_months: Mapped[int] = mapped_column(default=12)
    general_min_municipalities: Mapped[int] = mapped_column(default=3)
    # Years after closing before a case's free text is removed (gallring, DESIGN §10).
    retention_years: Mapped[int] = mapped_column(default=5)
    # Years the audit log of the region's cases and users is kept before it is pruned.
    audit_retention_years: Mapped[int] = mapped_column(default=5)

    def __repr__(self) -> str:
        return f"<Region {self.id} {self.key!r}>"
