"""Common processes in management (LEDNINGSSYSTEM §2.4): goals, maintenance, application checks.

A process is owned by a forum, its processråd: LSVO for county-wide processes, a group for a
local one. Goals carry indicators (models/improvement.py) so the processråd follows them up.
"""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, db, enum_column


class Process(db.Model):
    __tablename__ = "processes"
    __table_args__ = (UniqueConstraint("region_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    owner_group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    owner_group = relationship("Group")
    goals = relationship(
        "ProcessGoal", back_populates="process", order_by="(ProcessGoal.position, ProcessGoal.id)"
    )
    maintenance = relationship(
        "MaintenanceEntry",
        back_populates="process",
        order_by="(MaintenanceEntry.done_on.desc(), MaintenanceEntry.id.desc())",
    )
    application_checks = relationship(
        "ApplicationCheck",
        back_populates="process",
        order_by="(ApplicationCheck.checked_on.desc(), ApplicationCheck.id.desc())",
    )

    def __repr__(self) -> str:
        return f"<Process {self.id} {self.name!r}>"


class ProcessGoal(db.Model):
    """A process goal (processmål), followed up through its indicators."""

    __tablename__ = "process_goals"
    __table_args__ = (UniqueConstraint("process_id", "text"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id"), index=True)
    text: Mapped[str] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(default=0)

    process = relationship("Process", back_populates="goals")
    indicators = relationship("Indicator", back_populates="goal", order_by="Indicator.id")

    def __repr__(self) -> str:
        return f"<ProcessGoal {self.id} process={self.process_id}>"


class MaintenanceEntry(db.Model):
    """Underhåll: what was changed to keep the process "uppdaterad, sann och relevant" (§2.4)."""

    __tablename__ = "process_maintenance"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id"), index=True)
    done_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    process = relationship("Process", back_populates="maintenance")
    recorded_by = relationship("User")


class CheckMethod(enum.StrEnum):
    """How application is ensured (§2.4 "internrevisioner, intervjuer eller enkäter")."""

    INTERNAL_AUDIT = "internal_audit"
    INTERVIEW = "interview"
    SURVEY = "survey"

    @property
    def title(self) -> str:
        return {
            CheckMethod.INTERNAL_AUDIT: _l("Internrevision"),
            CheckMethod.INTERVIEW: _l("Intervju"),
            CheckMethod.SURVEY: _l("Enkät"),
        }[self]


class ApplicationCheck(db.Model):
    """Säkerställa tillämpning: does the organization work according to the process?"""

    __tablename__ = "application_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id"), index=True)
    checked_on: Mapped[date] = mapped_column(Date)
    method: Mapped[CheckMethod] = mapped_column(enum_column(CheckMethod, "check_method"))
    result: Mapped[str] = mapped_column(Text)
    follow_up: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    process = relationship("Process", back_populates="application_checks")
    recorded_by = relationship("User")
