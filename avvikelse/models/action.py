"""Actions (åtgärder) with an owner, a due date and a status."""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, db, enum_column


class ActionStatus(enum.StrEnum):
    PLANNED = "planned"
    ONGOING = "ongoing"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def title(self) -> str:
        return {
            ActionStatus.PLANNED: _l("Planerad"),
            ActionStatus.ONGOING: _l("Pågår"),
            ActionStatus.DONE: _l("Klar"),
            ActionStatus.CANCELLED: _l("Avbruten"),
        }[self]

    @property
    def is_open(self) -> bool:
        return self in (ActionStatus.PLANNED, ActionStatus.ONGOING)


class Action(db.Model):
    __tablename__ = "actions"
    __table_args__ = (
        CheckConstraint(
            "(owner_organization_id IS NULL) <> (owner_group_id IS NULL)", name="exactly_one_owner"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deviation_id: Mapped[int | None] = mapped_column(ForeignKey("deviations.id"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner_organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    owner_group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[ActionStatus] = mapped_column(
        enum_column(ActionStatus, "action_status"), default=ActionStatus.PLANNED
    )
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    deviation = relationship("Deviation", back_populates="actions")
    decision = relationship("Decision", back_populates="actions")
    # Answer 4 of an improvement effort: neither a case's nor a meeting decision's action.
    effort = relationship(
        "ImprovementEffort",
        secondary="improvement_effort_actions",
        back_populates="actions",
        uselist=False,
    )
    owner_organization = relationship("Organization")
    owner_group = relationship("Group")
    created_by = relationship("User")

    @property
    def owner_name(self) -> str:
        owner = self.owner_organization or self.owner_group
        return owner.name

    def is_overdue(self, today: date) -> bool:
        return self.status.is_open and today > self.due_on
