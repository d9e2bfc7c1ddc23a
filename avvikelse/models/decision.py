"""Decisions on matters, assignments (uppdragsbeskrivning §7.2) and minutes (§7.4)."""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, db, enum_column
from ..forum_names import STRATEGIC


class DecisionOutcome(enum.StrEnum):
    DECIDED = "decided"
    REFERRED_TO_LSVO = "referred_to_lsvo"
    REFERRED_TO_PARTIES = "referred_to_parties"
    POSTPONED = "postponed"
    NOTED = "noted"

    @property
    def title(self) -> str:
        return {
            DecisionOutcome.DECIDED: _l("Beslutat"),
            DecisionOutcome.REFERRED_TO_LSVO: _l(
                "Överlämnat till %(strategic)s", strategic=STRATEGIC
            ),
            DecisionOutcome.REFERRED_TO_PARTIES: _l("Hänskjutet till parternas beslutsorgan"),
            DecisionOutcome.POSTPONED: _l("Bordlagt"),
            DecisionOutcome.NOTED: _l("Noterat för information"),
        }[self]

    @property
    def needs_quorum(self) -> bool:
        """Information is noted by whoever is there; everything else is a decision (§6.2)."""
        return self is not DecisionOutcome.NOTED


class Decision(db.Model):
    __tablename__ = "decisions"
    __table_args__ = (
        UniqueConstraint("matter_id"),
        CheckConstraint(
            "follow_up_done_at IS NULL OR follow_up_on IS NOT NULL", name="done_needs_date"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id"))
    outcome: Mapped[DecisionOutcome] = mapped_column(
        enum_column(DecisionOutcome, "decision_outcome")
    )
    text: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    quorum: Mapped[dict | None] = mapped_column(JSON)
    follow_up_on: Mapped[date | None] = mapped_column(Date, index=True)
    follow_up_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    matter = relationship("Matter", back_populates="decision", foreign_keys=[matter_id])
    recorded_by = relationship("User")
    assignments = relationship("Assignment", back_populates="decision")
    actions = relationship("Action", back_populates="decision", order_by="Action.id")


class Assignment(db.Model):
    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), index=True)
    to_group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    purpose: Mapped[str] = mapped_column(Text)
    background: Mapped[str | None] = mapped_column(Text)
    deliverable: Mapped[str] = mapped_column(Text)
    deadline: Mapped[date] = mapped_column(Date)
    reporting_back: Mapped[str | None] = mapped_column(Text)

    decision = relationship("Decision", back_populates="assignments")
    to_group = relationship("Group")


class Minutes(db.Model):
    """Protokoll: a draft until the chair and the adjuster (two people) approve; then frozen.

    A correction is a new version with a reason; `content` holds the frozen text.
    """

    __tablename__ = "minutes"
    __table_args__ = (
        UniqueConstraint("meeting_id", "version"),
        CheckConstraint(
            "adjuster_id IS NULL OR chair_approved_by_id IS NULL "
            "OR adjuster_id <> chair_approved_by_id",
            name="two_different_people",
        ),
        CheckConstraint("version = 1 OR correction_reason IS NOT NULL", name="correction_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    correction_reason: Mapped[str | None] = mapped_column(Text)
    adjuster_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    chair_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    chair_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    adjuster_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    content: Mapped[dict | None] = mapped_column(JSON)

    meeting = relationship("Meeting", back_populates="minutes")
    adjuster = relationship("User", foreign_keys=[adjuster_id])
    chair_approved_by = relationship("User", foreign_keys=[chair_approved_by_id])

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None
