"""Who hears about a case: a group's managers, an organization's coordinators, and the strategic
group (LSVO in Blekinge).

"Manager" means the roles of permissions.MANAGER_ROLES, so notifications go to exactly the people
the policies let act on the case.
"""

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select

from ..db import db
from ..models import Coordinator, Group, GroupLevel, Membership, Organization, Region, User
from ..permissions import MANAGER_ROLES
from .errors import WorkflowError


def group_managers(group_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.group_id == group_id,
                Membership.active.is_(True),
                Membership.role.in_(MANAGER_ROLES),
            )
        )
    )


def coordinators_of(organization_ids: Iterable[int]) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Coordinator, Coordinator.user_id == User.id)
            .where(Coordinator.organization_id.in_(list(organization_ids)))
        )
    )


def strategic_group(region_id: int) -> Group:
    """The region's strategic group, which takes over handed-over cases, clusters and referred
    matters."""
    group = _active_strategic_group(region_id)
    if group is None:
        raise WorkflowError(_("Regionen har ingen strategisk grupp."))
    return group


def strategic_name(region_id: int) -> str:
    """What the region calls its strategic group, for e-mails and titles written outside a
    request; a region without one gets the generic name rather than an error."""
    group = _active_strategic_group(region_id)
    return group.display_name if group else _("den strategiska gruppen")


def strategic_name_for(user: User | None, region_key: str) -> str | None:
    """The strategic group's name in the user's region, or in the configured region for a
    visitor who is not signed in (the public minutes)."""
    if user is not None:
        region_id = db.session.scalar(
            select(Organization.region_id).where(Organization.id == user.organization_id)
        )
    else:
        region_id = db.session.scalar(select(Region.id).where(Region.key == region_key))
    group = _active_strategic_group(region_id) if region_id is not None else None
    return group.display_name if group else None


def _active_strategic_group(region_id: int) -> Group | None:
    return db.session.scalar(
        select(Group).where(
            Group.region_id == region_id,
            Group.level == GroupLevel.STRATEGIC,
            Group.active.is_(True),
        )
    )


def strategic_group_managers(region_id: int) -> list[User]:
    """The strategic group's chair and secretary: they decide the cases handed over to it."""
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .join(Group, Group.id == Membership.group_id)
            .where(
                Group.region_id == region_id,
                Group.level == GroupLevel.STRATEGIC,
                Membership.active.is_(True),
                Membership.role.in_(MANAGER_ROLES),
            )
        )
    )
