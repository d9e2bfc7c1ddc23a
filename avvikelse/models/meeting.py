"""Meetings, their matters (ärenden), attendance and written views (DESIGN §6).

The deadlines (agenda out 7 days before, registration closed a week before that) are computed
by services/meeting_deadlines.py from the meeting date, never stored, so a moved meeting moves
them. An extra meeting stores only its shortened notice and the chair who decided it.
"""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, db, enum_column
from ..forum_names import STRATEGIC


class MatterKind(enum.StrEnum):
    DEVIATION = "deviation"
    CLUSTER = "cluster"
    IMPROVEMENT_PROPOSAL = "improvement_proposal"
    DECISION_FOLLOW_UP = "decision_follow_up"
    ASSIGNMENT = "assignment"
    SUBORDINATE_MINUTES = "subordinate_minutes"
    INFORMATION = "information"

    @property
    def title(self) -> str:
        return {
            MatterKind.DEVIATION: _l("Avvikelse"),
            MatterKind.CLUSTER: _l("Kluster av avvikelser"),
            MatterKind.IMPROVEMENT_PROPOSAL: _l("Förbättringsförslag"),
            MatterKind.DECISION_FOLLOW_UP: _l("Uppföljning av beslut"),
            MatterKind.ASSIGNMENT: _l("Uppdrag"),
            MatterKind.SUBORDINATE_MINUTES: _l("Protokoll från underställd grupp"),
            MatterKind.INFORMATION: _l("Information"),
        }[self]


class RaisedBy(enum.StrEnum):
    """Who raised the matter (LEDNINGSSYSTEM §6.2 Aktualisering)."""

    MEMBER = "member"
    CHAIR = "chair"
    SECRETARY = "secretary"
    PREPARATION_GROUP = "preparation_group"
    LSVO = "lsvo"
    OTHER_PARTY = "other_party"
    SYSTEM = "system"

    @property
    def title(self) -> str:
        return {
            RaisedBy.MEMBER: _l("Ledamot"),
            RaisedBy.CHAIR: _l("Ordförande"),
            RaisedBy.SECRETARY: _l("Sekreterare"),
            RaisedBy.PREPARATION_GROUP: _l("Beredningsgruppen"),
            RaisedBy.LSVO: _l("%(strategic)s", strategic=STRATEGIC),
            RaisedBy.OTHER_PARTY: _l("Annan part"),
            RaisedBy.SYSTEM: _l("Systemet (automatiskt)"),
        }[self]


class Meeting(db.Model):
    __tablename__ = "meetings"
    __table_args__ = (
        Index("ix_meetings_group_starts", "group_id", "starts_at"),
        # A shortened notice exists only by the chair's decision (extra sammanträde).
        CheckConstraint(
            "(notice_days IS NULL) = (extra_decided_by_id IS NULL)", name="extra_by_chair"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    place: Mapped[str | None] = mapped_column(String(300))
    link: Mapped[str | None] = mapped_column(String(500))
    cancelled: Mapped[bool] = mapped_column(default=False)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # Why it was last moved; each move is also in the audit log with the old and new time.
    move_reason: Mapped[str | None] = mapped_column(Text)
    notice_days: Mapped[int | None] = mapped_column()
    extra_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    extra_reason: Mapped[str | None] = mapped_column(Text)
    notice_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notice_sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    group = relationship("Group")
    extra_decided_by = relationship("User", foreign_keys=[extra_decided_by_id])
    matters = relationship(
        "Matter", back_populates="meeting", order_by="(Matter.position, Matter.id)"
    )
    attendance = relationship("Attendance", back_populates="meeting", cascade="all")
    minutes = relationship("Minutes", back_populates="meeting", order_by="Minutes.version")

    @property
    def agenda_locked(self) -> bool:
        return self.notice_sent_at is not None

    @property
    def is_extra(self) -> bool:
        return self.extra_decided_by_id is not None

    @property
    def minutes_approved(self) -> bool:
        """Once approved, the minutes are the record: attendance and decisions are frozen."""
        return any(m.is_approved for m in self.minutes)

    def __repr__(self) -> str:
        return f"<Meeting {self.id} group={self.group_id} {self.starts_at:%Y-%m-%d}>"


class Matter(db.Model):
    """An agenda item with its föredragning (template LEDNINGSSYSTEM §7.1)."""

    __tablename__ = "matters"
    __table_args__ = (Index("ix_matters_group_meeting", "group_id", "meeting_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The edit form carries it, so that a stale edit is refused (services/errors.py bump_version).
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    kind: Mapped[MatterKind] = mapped_column(enum_column(MatterKind, "matter_kind"))
    title: Mapped[str] = mapped_column(String(200))
    raised_by: Mapped[RaisedBy] = mapped_column(enum_column(RaisedBy, "raised_by"))
    raised_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The group that handed the matter over (annan part, §6.2), named in "Aktualiserat av".
    raised_by_group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    presenter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    background: Mapped[str | None] = mapped_column(Text)
    done_so_far: Mapped[str | None] = mapped_column(Text)
    proposal: Mapped[str | None] = mapped_column(Text)
    deviation_id: Mapped[int | None] = mapped_column(ForeignKey("deviations.id"), index=True)
    # use_alter: matters and decisions refer to each other, so one key is added after both exist.
    follows_up_decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("decisions.id", use_alter=True)
    )
    minutes_id: Mapped[int | None] = mapped_column(ForeignKey("minutes.id"))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    late: Mapped[bool] = mapped_column(default=False)
    late_accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_after_notice: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    discussion: Mapped[str | None] = mapped_column(Text)

    group = relationship("Group", foreign_keys=[group_id])
    meeting = relationship("Meeting", back_populates="matters")
    raised_by_user = relationship("User", foreign_keys=[raised_by_user_id])
    raised_by_group = relationship("Group", foreign_keys=[raised_by_group_id])
    presenter = relationship("User", foreign_keys=[presenter_id])
    deviation = relationship("Deviation")
    follows_up_decision = relationship("Decision", foreign_keys=[follows_up_decision_id])
    source_minutes = relationship("Minutes", foreign_keys=[minutes_id])
    decision = relationship(
        "Decision", back_populates="matter", uselist=False, foreign_keys="Decision.matter_id"
    )
    written_views = relationship("WrittenView", back_populates="matter", order_by="WrittenView.id")

    def __repr__(self) -> str:
        return f"<Matter {self.id} {self.kind} meeting={self.meeting_id}>"


class Attendance(db.Model):
    """Who was present; quorum is computed from these rows and the memberships."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "membership_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"))
    present: Mapped[bool] = mapped_column(default=False)

    meeting = relationship("Meeting", back_populates="attendance")
    membership = relationship("Membership")


class WrittenView(db.Model):
    """Skriftliga synpunkter from a member who will be absent (§6.2 Frånvaro)."""

    __tablename__ = "written_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    text: Mapped[str] = mapped_column(Text)

    matter = relationship("Matter", back_populates="written_views")
    user = relationship("User")
