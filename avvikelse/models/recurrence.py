"""Recurring and general deviations (DESIGN §5): detection keys, suggestions and clusters.

Detection never decides: it writes a Suggestion with its reason, and a chair or secretary
confirms it (it becomes a Cluster) or dismisses it. RecurrenceKey is a narrow, indexed copy of
what the rules compare (category, organization pair, process, month), so that checking one new
case reads only the rows that share its keys, never the whole deviations table.
"""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, db, enum_column
from ..forum_names import STRATEGIC


class RecurrenceKey(db.Model):
    """One comparable fact of a case, e.g. ``cp:4:2:7`` (category 4 between organizations 2 and 7).

    Kinds: ``c`` category, ``o`` organization pair, ``cp`` category + pair, ``pr`` process.
    `month` is year*12 + month - 1 of occurred_on, for the trend charts' monthly counts.
    """

    __tablename__ = "recurrence_keys"
    __table_args__ = (
        UniqueConstraint("deviation_id", "key"),
        Index("ix_recurrence_keys_lookup", "region_id", "key", "occurred_on", "deviation_id"),
        Index("ix_recurrence_keys_month", "region_id", "month", "key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deviation_id: Mapped[int] = mapped_column(
        ForeignKey("deviations.id", ondelete="CASCADE"), index=True
    )
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    key: Mapped[str] = mapped_column(String(60))
    occurred_on: Mapped[date] = mapped_column(Date)
    month: Mapped[int]


class SuggestionKind(enum.StrEnum):
    RECURRING = "recurring"
    RECURRING_PROCESS = "recurring_process"
    GENERAL = "general"
    GENERAL_MARKED = "general_marked"
    RISING_TREND = "rising_trend"

    @property
    def title(self) -> str:
        return {
            SuggestionKind.RECURRING: _l("Återkommande avvikelse"),
            SuggestionKind.RECURRING_PROCESS: _l("Återkommande i en gemensam process"),
            SuggestionKind.GENERAL: _l("Generell avvikelse"),
            SuggestionKind.GENERAL_MARKED: _l("Markerad som generell av gruppen"),
            SuggestionKind.RISING_TREND: _l("Ökande trend"),
        }[self]


class SuggestionState(enum.StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"

    @property
    def title(self) -> str:
        return {
            SuggestionState.OPEN: _l("Att bedöma"),
            SuggestionState.CONFIRMED: _l("Bekräftat som kluster"),
            SuggestionState.DISMISSED: _l("Avfärdat"),
        }[self]


class Suggestion(db.Model):
    """What detection found, with the reason as data (`reason`) so the page can word it."""

    __tablename__ = "suggestions"
    __table_args__ = (Index("ix_suggestions_region_key", "region_id", "key", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    kind: Mapped[SuggestionKind] = mapped_column(enum_column(SuggestionKind, "suggestion_kind"))
    key: Mapped[str] = mapped_column(String(60))
    state: Mapped[SuggestionState] = mapped_column(
        enum_column(SuggestionState, "suggestion_state"), default=SuggestionState.OPEN
    )
    reason: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)

    group = relationship("Group")
    decided_by = relationship("User")
    cases = relationship(
        "SuggestionCase", back_populates="suggestion", cascade="all, delete-orphan"
    )

    @property
    def deviation_ids(self) -> set[int]:
        return {row.deviation_id for row in self.cases}

    def __repr__(self) -> str:
        return f"<Suggestion {self.id} {self.kind} {self.key} {self.state}>"


class SuggestionCase(db.Model):
    __tablename__ = "suggestion_cases"
    __table_args__ = (UniqueConstraint("suggestion_id", "deviation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"))
    deviation_id: Mapped[int] = mapped_column(
        ForeignKey("deviations.id", ondelete="CASCADE"), index=True
    )

    suggestion = relationship("Suggestion", back_populates="cases")
    deviation = relationship("Deviation")


class ClusterState(enum.StrEnum):
    OPEN = "open"
    HANDED_OVER = "handed_over"
    DECIDED = "decided"

    @property
    def title(self) -> str:
        return {
            ClusterState.OPEN: _l("Under beredning i gruppen"),
            ClusterState.HANDED_OVER: _l("Överlämnat till %(strategic)s", strategic=STRATEGIC),
            ClusterState.DECIDED: _l("Beslutat av %(strategic)s", strategic=STRATEGIC),
        }[self]


class Cluster(db.Model):
    """A named set of related deviations handled as one matter (GLOSSARY `Cluster`)."""

    __tablename__ = "clusters"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    state: Mapped[ClusterState] = mapped_column(
        enum_column(ClusterState, "cluster_state"), default=ClusterState.OPEN
    )
    suggestion_id: Mapped[int | None] = mapped_column(ForeignKey("suggestions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # LSVO's matter; moves to the copy when the matter is postponed.
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matters.id"), index=True)
    decision: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    group = relationship("Group")
    created_by = relationship("User")
    suggestion = relationship("Suggestion")
    matter = relationship("Matter")
    memberships = relationship(
        "ClusterCase", back_populates="cluster", order_by="ClusterCase.id", cascade="all"
    )

    @property
    def is_open(self) -> bool:
        """Still the group's to change: cases in and out, the föredragning, the hand-over."""
        return self.state is ClusterState.OPEN

    @property
    def active_memberships(self) -> list["ClusterCase"]:
        return [m for m in self.memberships if m.removed_at is None]

    def __repr__(self) -> str:
        return f"<Cluster {self.id} {self.name!r} {self.state}>"


class ClusterCase(db.Model):
    """A case's membership of a cluster; removal keeps the row, with who, when and why."""

    __tablename__ = "cluster_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id"), index=True)
    deviation_id: Mapped[int] = mapped_column(ForeignKey("deviations.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    removed_reason: Mapped[str | None] = mapped_column(Text)

    cluster = relationship("Cluster", back_populates="memberships")
    deviation = relationship("Deviation")
    added_by = relationship("User", foreign_keys=[added_by_id])
    removed_by = relationship("User", foreign_keys=[removed_by_id])
