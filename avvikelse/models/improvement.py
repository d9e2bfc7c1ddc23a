"""Improvement work (DESIGN §7): efforts, the four questions, indicators, measurements, proposals.

An effort follows the four questions of LEDNINGSSYSTEM §3.1.9: answer 3 becomes indicators with
measurements over time, answer 4 becomes actions (the case workflow's `Action`, linked through
`improvement_effort_actions`). The status rules that need other rows (an indicator and an action
before `evaluating`) live in services/improvement.py; those about the row itself are CHECKs.
"""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, db, enum_column


class FourQuestions(db.Model):
    """The answers to the four questions, on exactly one of: a case, an effort, a cluster.

    The foreign key on `cluster_id` is added by the recurrence migration, which creates clusters.
    """

    __tablename__ = "four_questions"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN deviation_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN effort_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN cluster_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="exactly_one_subject",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The edit form carries it, so that a stale edit is refused (services/errors.py bump_version).
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    deviation_id: Mapped[int | None] = mapped_column(ForeignKey("deviations.id"), unique=True)
    effort_id: Mapped[int | None] = mapped_column(ForeignKey("improvement_efforts.id"), unique=True)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("clusters.id"), unique=True)
    current_state: Mapped[str | None] = mapped_column(Text)
    possible_improvements: Mapped[str | None] = mapped_column(Text)
    measurement: Mapped[str | None] = mapped_column(Text)
    required_changes: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    deviation = relationship("Deviation")
    effort = relationship("ImprovementEffort", back_populates="questions")
    updated_by = relationship("User")

    FIELDS = ("current_state", "possible_improvements", "measurement", "required_changes")

    @property
    def answered(self) -> int:
        return sum(1 for name in self.FIELDS if getattr(self, name))


class EffortKind(enum.StrEnum):
    SMALL_ADJUSTMENT = "small_adjustment"
    DEVELOPMENT_EFFORT = "development_effort"

    @property
    def title(self) -> str:
        return {
            EffortKind.SMALL_ADJUSTMENT: _l("Liten justering"),
            EffortKind.DEVELOPMENT_EFFORT: _l("Strategiskt utvecklingsarbete (projekt)"),
        }[self]


class EffortStatus(enum.StrEnum):
    PLANNED = "planned"
    ONGOING = "ongoing"
    EVALUATING = "evaluating"
    DONE = "done"
    DISCONTINUED = "discontinued"

    @property
    def title(self) -> str:
        return {
            EffortStatus.PLANNED: _l("Planerat"),
            EffortStatus.ONGOING: _l("Pågår"),
            EffortStatus.EVALUATING: _l("Utvärderas"),
            EffortStatus.DONE: _l("Klart"),
            EffortStatus.DISCONTINUED: _l("Avbrutet"),
        }[self]

    @property
    def is_open(self) -> bool:
        return self not in (EffortStatus.DONE, EffortStatus.DISCONTINUED)


E = EffortStatus
# status → the statuses it may move to; the preconditions are in services/improvement.py.
EFFORT_TRANSITIONS: dict[EffortStatus, frozenset[EffortStatus]] = {
    E.PLANNED: frozenset({E.ONGOING, E.DISCONTINUED}),
    E.ONGOING: frozenset({E.EVALUATING, E.DISCONTINUED}),
    E.EVALUATING: frozenset({E.ONGOING, E.DONE, E.DISCONTINUED}),
    E.DONE: frozenset(),
    E.DISCONTINUED: frozenset(),
}
del E


effort_deviations = Table(
    "improvement_effort_deviations",
    db.metadata,
    Column("effort_id", ForeignKey("improvement_efforts.id"), primary_key=True),
    Column("deviation_id", ForeignKey("deviations.id"), primary_key=True, index=True),
)

effort_actions = Table(
    "improvement_effort_actions",
    db.metadata,
    Column("effort_id", ForeignKey("improvement_efforts.id"), primary_key=True),
    Column("action_id", ForeignKey("actions.id"), primary_key=True, unique=True),
)


class ImprovementEffort(db.Model):
    """Förbättringsarbete; a development effort also carries the project plan (§7.6)."""

    __tablename__ = "improvement_efforts"
    __table_args__ = (
        CheckConstraint(
            "status <> 'done' OR (conclusion IS NOT NULL AND change_on IS NOT NULL)",
            name="done_has_conclusion",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[EffortKind] = mapped_column(enum_column(EffortKind, "effort_kind"))
    status: Mapped[EffortStatus] = mapped_column(
        enum_column(EffortStatus, "effort_status"), default=EffortStatus.PLANNED
    )
    owner_group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    process_id: Mapped[int | None] = mapped_column(ForeignKey("processes.id"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    # Its foreign key comes with the recurrence migration, which creates clusters.
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("clusters.id"), index=True)
    purpose: Mapped[str | None] = mapped_column(Text)
    goal: Mapped[str | None] = mapped_column(Text)
    steering_group: Mapped[str | None] = mapped_column(Text)
    time_plan: Mapped[str | None] = mapped_column(Text)
    resources: Mapped[str | None] = mapped_column(Text)
    change_on: Mapped[date | None] = mapped_column(Date)
    conclusion: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    owner_group = relationship("Group")
    responsible = relationship("User", foreign_keys=[responsible_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    process = relationship("Process")
    decision = relationship("Decision")
    cluster = relationship("Cluster")
    questions = relationship("FourQuestions", back_populates="effort", uselist=False)
    deviations = relationship("Deviation", secondary=effort_deviations, order_by="Deviation.id")
    actions = relationship(
        "Action", secondary=effort_actions, back_populates="effort", order_by="Action.id"
    )
    indicators = relationship("Indicator", back_populates="effort", order_by="Indicator.id")
    events = relationship("EffortEvent", back_populates="effort", order_by="EffortEvent.id")

    def __repr__(self) -> str:
        return f"<ImprovementEffort {self.id} {self.status}>"


class EffortEvent(db.Model):
    """The effort's log: who moved it where, when and why."""

    __tablename__ = "improvement_effort_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    effort_id: Mapped[int] = mapped_column(ForeignKey("improvement_efforts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str | None] = mapped_column(String(30))
    message: Mapped[str | None] = mapped_column(Text)

    effort = relationship("ImprovementEffort", back_populates="events")
    actor = relationship("User")


class Direction(enum.StrEnum):
    LOWER_IS_BETTER = "lower_is_better"
    HIGHER_IS_BETTER = "higher_is_better"

    @property
    def title(self) -> str:
        return {
            Direction.LOWER_IS_BETTER: _l("Lägre är bättre"),
            Direction.HIGHER_IS_BETTER: _l("Högre är bättre"),
        }[self]


class Frequency(enum.StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"

    @property
    def title(self) -> str:
        return {
            Frequency.MONTHLY: _l("Varje månad"),
            Frequency.QUARTERLY: _l("Varje kvartal"),
            Frequency.YEARLY: _l("Varje år"),
        }[self]

    @property
    def months(self) -> int:
        return {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3, Frequency.YEARLY: 12}[self]


class IndicatorSource(enum.StrEnum):
    MANUAL = "manual"
    DEVIATION_COUNT = "deviation_count"

    @property
    def title(self) -> str:
        return {
            IndicatorSource.MANUAL: _l("Mätvärden förs in per period"),
            IndicatorSource.DEVIATION_COUNT: _l("Räknas från avvikelserna per månad"),
        }[self]


class Indicator(db.Model):
    """An indicator (mätetal) of an effort (answer 3) or of a process goal.

    A `deviation_count` indicator is computed: deviations per month, narrowed by category, by a
    pair of organizations (either reporting, the other concerned) and by process.
    """

    __tablename__ = "indicators"
    __table_args__ = (
        CheckConstraint("(goal_id IS NULL) <> (effort_id IS NULL)", name="exactly_one_owner"),
        CheckConstraint(
            "(organization_id IS NULL) = (counterpart_id IS NULL)", name="organization_pair"
        ),
        CheckConstraint(
            "source = 'deviation_count' OR (category_id IS NULL AND organization_id IS NULL"
            " AND count_process_id IS NULL)",
            name="filters_only_when_counted",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("process_goals.id"), index=True)
    effort_id: Mapped[int | None] = mapped_column(ForeignKey("improvement_efforts.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(60))
    direction: Mapped[Direction] = mapped_column(enum_column(Direction, "indicator_direction"))
    baseline: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float | None] = mapped_column(Float)
    frequency: Mapped[Frequency] = mapped_column(
        enum_column(Frequency, "indicator_frequency"), default=Frequency.MONTHLY
    )
    source: Mapped[IndicatorSource] = mapped_column(
        enum_column(IndicatorSource, "indicator_source"), default=IndicatorSource.MANUAL
    )
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    counterpart_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    count_process_id: Mapped[int | None] = mapped_column(ForeignKey("processes.id"))

    goal = relationship("ProcessGoal", back_populates="indicators")
    effort = relationship("ImprovementEffort", back_populates="indicators")
    category = relationship("Category")
    organization = relationship("Organization", foreign_keys=[organization_id])
    counterpart = relationship("Organization", foreign_keys=[counterpart_id])
    count_process = relationship("Process")
    measurements = relationship(
        "Measurement", back_populates="indicator", order_by="Measurement.period_start"
    )

    def __repr__(self) -> str:
        return f"<Indicator {self.id} {self.name!r}>"


class Measurement(db.Model):
    """One value per indicator and period; the period is named by its first day."""

    __tablename__ = "measurements"
    __table_args__ = (UniqueConstraint("indicator_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    indicator = relationship("Indicator", back_populates="measurements")
    recorded_by = relationship("User")


class ProposalSource(enum.StrEnum):
    STAFF = "staff"
    DEVIATION = "deviation"

    @property
    def title(self) -> str:
        return {
            ProposalSource.STAFF: _l("Förslag från medarbetare"),
            ProposalSource.DEVIATION: _l("Förslag i en avvikelserapport"),
        }[self]


class ProposalStatus(enum.StrEnum):
    OPEN = "open"
    SMALL_ADJUSTMENT = "small_adjustment"
    DEVELOPMENT_EFFORT = "development_effort"
    REJECTED = "rejected"

    @property
    def title(self) -> str:
        return {
            ProposalStatus.OPEN: _l("Inte bedömt än"),
            ProposalStatus.SMALL_ADJUSTMENT: _l("Genomfört som liten justering"),
            ProposalStatus.DEVELOPMENT_EFFORT: _l("Startar ett utvecklingsarbete"),
            ProposalStatus.REJECTED: _l("Avslaget"),
        }[self]


class ImprovementProposal(db.Model):
    """Förbättringsförslag for a process (ständiga förbättringar, §2.4).

    A staff proposal holds its own text. A report's proposal field becomes a row when the
    processråd triages it; the text stays on the case, so retention of the case covers it.
    """

    __tablename__ = "improvement_proposals"
    __table_args__ = (
        CheckConstraint(
            "(source = 'staff' AND text IS NOT NULL AND deviation_id IS NULL)"
            " OR (source = 'deviation' AND deviation_id IS NOT NULL)",
            name="source_has_text",
        ),
        CheckConstraint(
            "status NOT IN ('small_adjustment', 'rejected') OR triage_note IS NOT NULL",
            name="triage_has_note",
        ),
        CheckConstraint(
            "status <> 'development_effort' OR effort_id IS NOT NULL", name="effort_has_link"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id"), index=True)
    source: Mapped[ProposalSource] = mapped_column(enum_column(ProposalSource, "proposal_source"))
    deviation_id: Mapped[int | None] = mapped_column(ForeignKey("deviations.id"), unique=True)
    text: Mapped[str | None] = mapped_column(Text)
    proposer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[ProposalStatus] = mapped_column(
        enum_column(ProposalStatus, "proposal_status"), default=ProposalStatus.OPEN
    )
    triage_note: Mapped[str | None] = mapped_column(Text)
    triaged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    triaged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    effort_id: Mapped[int | None] = mapped_column(ForeignKey("improvement_efforts.id"))

    process = relationship("Process")
    deviation = relationship("Deviation")
    proposer = relationship("User", foreign_keys=[proposer_id])
    triaged_by = relationship("User", foreign_keys=[triaged_by_id])
    effort = relationship("ImprovementEffort")

    @property
    def body(self) -> str:
        return self.text if self.text is not None else (self.deviation.proposal or "")

    def __repr__(self) -> str:
        return f"<ImprovementProposal {self.id} {self.status}>"
