"""The deviation (DESIGN §3) and its state machine (DESIGN §4).

The allowed transitions are one explicit table used by the workflow service and by the
permission policies, so the rules cannot drift apart.
"""

import enum
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, db, enum_column
from ..forum_names import STRATEGIC
from .group import TargetGroup


class DeviationState(enum.StrEnum):
    SUBMITTED = "submitted"
    AWAITING_ANSWERS = "awaiting_answers"
    IN_PREPARATION = "in_preparation"
    ESCALATED = "escalated"
    ACTIONS = "actions"
    FOLLOW_UP = "follow_up"
    CLOSED = "closed"
    NOT_COLLABORATION = "not_collaboration"

    @property
    def title(self) -> str:
        return _STATE_TITLES[self]

    @property
    def is_open(self) -> bool:
        return self not in (DeviationState.CLOSED, DeviationState.NOT_COLLABORATION)


# Lazy strings, made once: a list page asks for a title per row.
_STATE_TITLES = {
    DeviationState.SUBMITTED: _l("Inkommen"),
    DeviationState.AWAITING_ANSWERS: _l("Inväntar svar"),
    DeviationState.IN_PREPARATION: _l("Under beredning"),
    DeviationState.ESCALATED: _l("Överlämnad till %(strategic)s", strategic=STRATEGIC),
    DeviationState.ACTIONS: _l("Åtgärder pågår"),
    DeviationState.FOLLOW_UP: _l("Uppföljning"),
    DeviationState.CLOSED: _l("Avslutad"),
    DeviationState.NOT_COLLABORATION: _l("Ej samverkansavvikelse"),
}


class Transition(enum.StrEnum):
    REQUEST_ANSWERS = "request_answers"
    NOT_COLLABORATION = "not_collaboration"
    MARK_DUPLICATE = "mark_duplicate"
    START_PREPARATION = "start_preparation"
    DECIDE = "decide"
    HAND_OVER = "hand_over"
    LSVO_DECIDE = "lsvo_decide"
    START_FOLLOW_UP = "start_follow_up"
    CLOSE = "close"

    @property
    def title(self) -> str:
        return {
            Transition.REQUEST_ANSWERS: _l("Begär svar"),
            Transition.NOT_COLLABORATION: _l("Ej samverkansavvikelse"),
            Transition.MARK_DUPLICATE: _l("Markera som dubblett"),
            Transition.START_PREPARATION: _l("Till beredning"),
            Transition.DECIDE: _l("Besluta lösning och åtgärder"),
            Transition.HAND_OVER: _l("Överlämna till %(strategic)s", strategic=STRATEGIC),
            Transition.LSVO_DECIDE: _l("%(strategic)s beslutar åtgärder", strategic=STRATEGIC),
            Transition.START_FOLLOW_UP: _l("Till uppföljning"),
            Transition.CLOSE: _l("Avsluta"),
        }[self]


S = DeviationState
# transition → (from states, to state). DESIGN §4.
TRANSITIONS: dict[Transition, tuple[frozenset[DeviationState], DeviationState]] = {
    Transition.REQUEST_ANSWERS: (frozenset({S.SUBMITTED}), S.AWAITING_ANSWERS),
    Transition.NOT_COLLABORATION: (frozenset({S.SUBMITTED}), S.NOT_COLLABORATION),
    Transition.MARK_DUPLICATE: (frozenset({S.SUBMITTED, S.AWAITING_ANSWERS}), S.CLOSED),
    Transition.START_PREPARATION: (frozenset({S.AWAITING_ANSWERS}), S.IN_PREPARATION),
    Transition.DECIDE: (frozenset({S.IN_PREPARATION}), S.ACTIONS),
    Transition.HAND_OVER: (frozenset({S.IN_PREPARATION}), S.ESCALATED),
    Transition.LSVO_DECIDE: (frozenset({S.ESCALATED}), S.ACTIONS),
    Transition.START_FOLLOW_UP: (frozenset({S.ACTIONS}), S.FOLLOW_UP),
    Transition.CLOSE: (frozenset({S.FOLLOW_UP}), S.CLOSED),
}
del S


class RiskLevel(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    VERY_HIGH = "very_high"

    @classmethod
    def from_score(cls, score: int) -> "RiskLevel":
        """Socialstyrelsen's 4×4 matrix: 1-3 low, 4-6 medium, 8-9 high, 12-16 very high."""
        if score <= 3:
            return cls.LOW
        if score <= 6:
            return cls.MEDIUM
        if score <= 9:
            return cls.HIGH
        return cls.VERY_HIGH

    @property
    def score_range(self) -> tuple[int, int]:
        return {
            RiskLevel.LOW: (1, 3),
            RiskLevel.MEDIUM: (4, 6),
            RiskLevel.HIGH: (8, 9),
            RiskLevel.VERY_HIGH: (12, 16),
        }[self]

    @property
    def title(self) -> str:
        return _RISK_TITLES[self]


_RISK_TITLES = {
    RiskLevel.LOW: _l("Låg risk"),
    RiskLevel.MEDIUM: _l("Måttlig risk"),
    RiskLevel.HIGH: _l("Hög risk"),
    RiskLevel.VERY_HIGH: _l("Mycket hög risk"),
}


class Deviation(db.Model):
    __tablename__ = "deviations"
    __table_args__ = (
        UniqueConstraint("region_id", "year", "sequence"),
        UniqueConstraint("region_id", "number"),
        CheckConstraint("probability BETWEEN 1 AND 4", name="probability_range"),
        CheckConstraint("consequence BETWEEN 1 AND 4", name="consequence_range"),
        CheckConstraint("risk_score = probability * consequence", name="risk_score_product"),
        CheckConstraint(
            "state <> 'closed' OR closing_summary IS NOT NULL", name="closed_has_summary"
        ),
        CheckConstraint(
            "state <> 'not_collaboration' OR not_collaboration_reason IS NOT NULL",
            name="not_collaboration_has_reason",
        ),
        CheckConstraint(
            "state <> 'escalated' OR escalated_at IS NOT NULL", name="escalated_has_time"
        ),
        Index("ix_deviations_keyset", "submitted_at", "id"),
        # A group's cases in one state, in its region, oldest first: the inbox's sections walk
        # it and stop. Without region_id in it PostgreSQL ANDed the region's 50,000-entry
        # bitmap into the group's few hundred cases (issue 15).
        Index(
            "ix_deviations_group_state_region",
            "group_id",
            "state",
            "region_id",
            "submitted_at",
            "id",
        ),
        Index("ix_deviations_reporter", "reporter_id", "submitted_at", "id"),
        Index("ix_deviations_reporter_org", "reporter_organization_id", "submitted_at", "id"),
        # A region's cases of a period: the public statistics count a year at a time.
        Index("ix_deviations_region_submitted", "region_id", "submitted_at"),
        # A region's cases in one state: the few awaiting answers, for the dashboard's overdue
        # answers (a region's share of every region's overdue answers, issue 15).
        Index("ix_deviations_region_state", "region_id", "state"),
        # A category's cases of a period (the dashboard's category filter) in one range.
        Index("ix_deviations_category_submitted", "category_id", "submitted_at"),
        # The few cases handed over to LSVO in a region: what its members see
        # (permissions.handed_over_in); partial, so the planner's statistics count only those.
        Index(
            "ix_deviations_region_escalated",
            "region_id",
            "submitted_at",
            sqlite_where=text("escalated_at IS NOT NULL"),
            postgresql_where=text("escalated_at IS NOT NULL"),
        ),
        # The few possible lex Maria/lex Sarah cases of a region (the coordinator's inbox).
        Index(
            "ix_deviations_region_serious",
            "region_id",
            "submitted_at",
            sqlite_where=text("possible_serious = 1"),
            postgresql_where=text("possible_serious"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    year: Mapped[int]
    sequence: Mapped[int]
    number: Mapped[str] = mapped_column(String(20))
    state: Mapped[DeviationState] = mapped_column(
        enum_column(DeviationState, "deviation_state"), default=DeviationState.SUBMITTED
    )
    submission_token: Mapped[str] = mapped_column(String(64), unique=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reporter_organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    reporter_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    occurred_on: Mapped[date] = mapped_column(Date)
    occurred_at_time: Mapped[time | None] = mapped_column(Time)
    discovered_on: Mapped[date] = mapped_column(Date)
    target_group: Mapped[TargetGroup] = mapped_column(enum_column(TargetGroup, "target_group"))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    process_id: Mapped[int | None] = mapped_column(ForeignKey("processes.id"), index=True)
    agreement: Mapped[str | None] = mapped_column(String(300))
    title: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text)
    immediate_action: Mapped[str | None] = mapped_column(Text)
    proposal: Mapped[str | None] = mapped_column(Text)
    probability: Mapped[int]
    consequence: Mapped[int]
    risk_score: Mapped[int] = mapped_column(index=True)
    wants_feedback: Mapped[bool] = mapped_column(default=True)
    possible_serious: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer_due_on: Mapped[date | None] = mapped_column(Date)
    not_collaboration_reason: Mapped[str | None] = mapped_column(Text)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("deviations.id"))
    decision: Mapped[str | None] = mapped_column(Text)
    evaluation: Mapped[str | None] = mapped_column(Text)
    closing_summary: Mapped[str | None] = mapped_column(Text)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When retention removed the free text (services/retention.py); the case page says so.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    region = relationship("Region")
    reporter = relationship("User", foreign_keys=[reporter_id])
    reporter_organization = relationship("Organization", foreign_keys=[reporter_organization_id])
    reporter_unit = relationship("Unit")
    group = relationship("Group")
    category = relationship("Category")
    process = relationship("Process")
    duplicate_of = relationship("Deviation", remote_side=[id])
    concerned = relationship(
        "ConcernedOrganization",
        back_populates="deviation",
        order_by="ConcernedOrganization.id",
        cascade="all, delete-orphan",
    )
    shares = relationship("DeviationShare", back_populates="deviation", cascade="all")
    answers = relationship("Answer", back_populates="deviation", order_by="Answer.created_at")
    actions = relationship("Action", back_populates="deviation", order_by="Action.id")
    events = relationship(
        "DeviationEvent", back_populates="deviation", order_by="DeviationEvent.id"
    )

    def allows(self, step: Transition) -> bool:
        """Whether the case's state lets this step of TRANSITIONS be taken now (who may take
        it is permissions.can_transition's question)."""
        return self.state in TRANSITIONS[step][0]

    @property
    def risk_level(self) -> RiskLevel:
        return RiskLevel.from_score(self.risk_score)

    def is_answer_overdue(self, today: date) -> bool:
        return (
            self.state is DeviationState.AWAITING_ANSWERS
            and self.answer_due_on is not None
            and today > self.answer_due_on
        )

    @property
    def open_actions(self) -> list:
        return [a for a in self.actions if a.status.is_open]

    def may_start_follow_up(self) -> bool:
        """Follow-up asks whether the decided actions worked, so all of them must be done or
        cancelled first (the service refuses otherwise; the page offers the step only then)."""
        return bool(self.actions) and not self.open_actions

    def __repr__(self) -> str:
        return f"<Deviation {self.id} {self.number} {self.state}>"


class ConcernedStatus(enum.StrEnum):
    PENDING = "pending"
    ANSWERED = "answered"
    PASSED_ON = "passed_on"

    @property
    def title(self) -> str:
        return {
            ConcernedStatus.PENDING: _l("Inväntar svar"),
            ConcernedStatus.ANSWERED: _l("Har svarat"),
            ConcernedStatus.PASSED_ON: _l("Skickat vidare"),
        }[self]


class ConcernedOrganization(db.Model):
    """A counterpart the deviation is about; holds its answer status and its own IVO decision."""

    __tablename__ = "concerned_organizations"
    __table_args__ = (
        UniqueConstraint("deviation_id", "organization_id"),
        CheckConstraint(
            "status <> 'passed_on' OR (passed_to_id IS NOT NULL AND passed_reason IS NOT NULL)",
            name="passed_on_has_target",
        ),
        # Pending answers by due date: the reminder and digest jobs, over every region.
        Index("ix_concerned_status_due", "status", "answer_due_on"),
        # The answers an organization still owes (the coordinator's inbox and start page).
        Index("ix_concerned_organization_status", "organization_id", "status", "deviation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deviation_id: Mapped[int] = mapped_column(ForeignKey("deviations.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    status: Mapped[ConcernedStatus] = mapped_column(
        enum_column(ConcernedStatus, "concerned_status"), default=ConcernedStatus.PENDING
    )
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answer_due_on: Mapped[date | None] = mapped_column(Date)
    passed_to_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    passed_reason: Mapped[str | None] = mapped_column(Text)
    passed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ivo_reported: Mapped[bool | None]
    ivo_reason: Mapped[str | None] = mapped_column(Text)
    ivo_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ivo_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    deviation = relationship("Deviation", back_populates="concerned")
    organization = relationship("Organization", foreign_keys=[organization_id])
    passed_to = relationship("Organization", foreign_keys=[passed_to_id])
    passed_by = relationship("User", foreign_keys=[passed_by_id])
    ivo_decided_by = relationship("User", foreign_keys=[ivo_decided_by_id])

    @property
    def answer_due(self) -> date | None:
        """Its own deadline if a pass-on set one, else the case's."""
        return self.answer_due_on or self.deviation.answer_due_on

    @property
    def awaits_request(self) -> bool:
        """Nobody has asked this organization for an answer yet (the case is not triaged)."""
        return (
            self.status is ConcernedStatus.PENDING
            and self.deviation.state is DeviationState.SUBMITTED
        )

    @property
    def awaits_answer(self) -> bool:
        return (
            self.status is ConcernedStatus.PENDING
            and self.deviation.state is DeviationState.AWAITING_ANSWERS
        )

    def is_answer_overdue(self, today: date) -> bool:
        """This organization's answer is late, whatever the others have done."""
        due = self.answer_due
        return self.awaits_answer and due is not None and today > due

    def __repr__(self) -> str:
        return f"<ConcernedOrganization d={self.deviation_id} o={self.organization_id}>"


class DeviationShare(db.Model):
    """A deviation shared with another group (via the beredningsgrupp, §6.3)."""

    __tablename__ = "deviation_shares"
    __table_args__ = (UniqueConstraint("deviation_id", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deviation_id: Mapped[int] = mapped_column(ForeignKey("deviations.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    shared_at: Mapped[datetime] = mapped_column(UTCDateTime())
    shared_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)

    deviation = relationship("Deviation", back_populates="shares")
    group = relationship("Group")


class EventKind(enum.StrEnum):
    SUBMITTED = "submitted"
    TRANSITION = "transition"
    ROUTED = "routed"
    SHARED = "shared"
    ANSWERED = "answered"
    PASSED_ON = "passed_on"
    COMMENT = "comment"
    FIELD_CHANGED = "field_changed"
    ACTION_ADDED = "action_added"
    ACTION_CHANGED = "action_changed"
    IVO_DECISION = "ivo_decision"


class DeviationEvent(db.Model):
    """The case's timeline: who, when, what, why (DESIGN §4)."""

    __tablename__ = "deviation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    deviation_id: Mapped[int] = mapped_column(ForeignKey("deviations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind, "event_kind"))
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str | None] = mapped_column(String(30))
    message: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict | None] = mapped_column(JSON)

    deviation = relationship("Deviation", back_populates="events")
    actor = relationship("User")
    actor_organization = relationship("Organization")


class DeviationDraft(db.Model):
    """A report saved before submission; the form's fields as typed, resumed later."""

    __tablename__ = "deviation_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    title: Mapped[str | None] = mapped_column(String(150))
    data: Mapped[dict] = mapped_column(JSON)

    user = relationship("User")


class CaseNumberCounter(db.Model):
    """Last case number per region and year; its row lock makes numbers gap-free."""

    __tablename__ = "case_number_counters"

    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)
