"""Who hears about a case: a group's managers, an organization's coordinators, and LSVO.

"Manager" means the roles of permissions.MANAGER_ROLES, so notifications go to exactly the people
the policies let act on the case.
"""

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select

from ..db import db
from ..models import Coordinator, Group, GroupLevel, Membership, User
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
    """The region's LSVO, which takes over handed-over cases, clusters and referred matters."""
    group = db.session.scalar(
        select(Group).where(
            Group.region_id == region_id,
            Group.level == GroupLevel.STRATEGIC,
            Group.active.is_(True),
        )
    )
    if group is None:
        raise WorkflowError(_("Regionen har ingen strategisk grupp (LSVO)."))
    return group


def strategic_group_managers(region_id: int) -> list[User]:
    """LSVO's chair and secretary: they decide the cases handed over to LSVO."""
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
