"""Groups (forums) and memberships (DESIGN §2)."""

import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import db, enum_column


class GroupLevel(enum.StrEnum):
    POLITICAL = "political"
    EXECUTIVE = "executive"
    STRATEGIC = "strategic"
    PREPARATION = "preparation"
    TACTICAL = "tactical"
    OPERATIONAL = "operational"

    @property
    def title(self) -> str:
        return {
            GroupLevel.POLITICAL: _l("Politisk nivå"),
            GroupLevel.EXECUTIVE: _l("Regionchefsnivå"),
            GroupLevel.STRATEGIC: _l("Strategisk nivå"),
            GroupLevel.PREPARATION: _l("Beredning"),
            GroupLevel.TACTICAL: _l("Taktisk nivå"),
            GroupLevel.OPERATIONAL: _l("Operativ nivå"),
        }[self]


class TargetGroup(enum.StrEnum):
    CHILDREN_YOUTH = "children_youth"
    ADULTS = "adults"
    ELDERLY = "elderly"

    @property
    def title(self) -> str:
        return {
            TargetGroup.CHILDREN_YOUTH: _l("Barn och unga"),
            TargetGroup.ADULTS: _l("Vuxna"),
            TargetGroup.ELDERLY: _l("Äldre"),
        }[self]


class MembershipRole(enum.StrEnum):
    CHAIR = "chair"
    SECRETARY = "secretary"
    MEMBER = "member"
    CO_OPTED = "co_opted"

    @property
    def title(self) -> str:
        return {
            MembershipRole.CHAIR: _l("Ordförande"),
            MembershipRole.SECRETARY: _l("Sekreterare"),
            MembershipRole.MEMBER: _l("Ledamot"),
            MembershipRole.CO_OPTED: _l("Adjungerad/sakkunnig"),
        }[self]

    def describe(self, function: str | None) -> str:
        """A member's line in the minutes: the function as written, with the role added only
        when it says something the function does not ("Ordförande", not "Ordförande
        (ordförande)")."""
        title = str(self.title)
        if not function:
            return title
        if self is MembershipRole.MEMBER or title.lower() in function.lower():
            return function
        return f"{function} ({title.lower()})"


class Group(db.Model):
    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("region_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The edit form carries it, so that a stale edit is refused (services/errors.py bump_version).
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str | None] = mapped_column(String(60))
    level: Mapped[GroupLevel] = mapped_column(enum_column(GroupLevel, "group_level"))
    target_group: Mapped[TargetGroup | None] = mapped_column(
        enum_column(TargetGroup, "target_group")
    )
    escalation_parent_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    region = relationship("Region")
    escalation_parent = relationship("Group", remote_side=[id])
    memberships = relationship("Membership", back_populates="group")

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    def __repr__(self) -> str:
        return f"<Group {self.id} {self.name!r}>"


class Membership(db.Model):
    """Who sits in a group, for which principal, and whether they count for quorum.

    Chair, secretary and co-opted members never count (LEDNINGSSYSTEM §6.2: "Ordförande har
    inget beslutsmandat"); the database refuses the combination.
    """

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("group_id", "user_id"),
        CheckConstraint(
            "counts_for_quorum = false"
            " OR (role = 'member' AND represented_organization_id IS NOT NULL)",
            name="only_members_count_for_quorum",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The edit form carries it, so that a stale edit is refused (services/errors.py bump_version).
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[MembershipRole] = mapped_column(enum_column(MembershipRole, "membership_role"))
    function: Mapped[str | None] = mapped_column(String(200))
    represented_organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id"), index=True
    )
    counts_for_quorum: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

    group = relationship("Group", back_populates="memberships")
    user = relationship("User", back_populates="memberships")
    represented_organization = relationship("Organization")

    def __repr__(self) -> str:
        return f"<Membership {self.id} group={self.group_id} user={self.user_id} {self.role}>"
