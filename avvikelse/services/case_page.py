"""Read-only queries behind the case page: what the step forms offer, names for the timeline.

Kept out of the views so that the choices a form offers are the same rows the workflow accepts,
and out of services/deviations.py because none of this changes a case.
"""

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..db import db
from ..models import (
    Action,
    Answer,
    Category,
    ConcernedOrganization,
    Deviation,
    DeviationEvent,
    DeviationShare,
    Group,
    GroupLevel,
    Organization,
    Process,
)
from ..permissions import visible_deviations

# Everything the detail page shows, loaded up front: the page costs the same number of queries
# whether the case has three events or three hundred.
DETAIL_OPTIONS = (
    joinedload(Deviation.region),
    joinedload(Deviation.reporter),
    joinedload(Deviation.reporter_organization),
    joinedload(Deviation.reporter_unit),
    joinedload(Deviation.group),
    joinedload(Deviation.category).joinedload(Category.parent),
    joinedload(Deviation.process),
    joinedload(Deviation.duplicate_of),
    selectinload(Deviation.concerned).options(
        joinedload(ConcernedOrganization.organization),
        joinedload(ConcernedOrganization.passed_to),
        joinedload(ConcernedOrganization.passed_by),
        joinedload(ConcernedOrganization.ivo_decided_by),
    ),
    selectinload(Deviation.shares).joinedload(DeviationShare.group),
    selectinload(Deviation.answers).options(
        joinedload(Answer.organization), joinedload(Answer.author)
    ),
    selectinload(Deviation.actions).options(
        joinedload(Action.owner_organization), joinedload(Action.owner_group)
    ),
    selectinload(Deviation.events).options(
        joinedload(DeviationEvent.actor), joinedload(DeviationEvent.actor_organization)
    ),
)


def _by_name(row) -> str:
    return row.name.casefold()


def reroute_groups(deviation: Deviation) -> list[Group]:
    """The region's other active samverkansgrupper: cases are only routed to tactical groups."""
    return list(
        db.session.scalars(
            select(Group)
            .where(
                Group.region_id == deviation.region_id,
                Group.level == GroupLevel.TACTICAL,
                Group.active.is_(True),
                Group.id != deviation.group_id,
            )
            .order_by(Group.name)
        )
    )


def share_groups(deviation: Deviation) -> list[Group]:
    """Any other active group of the region the case is not already shared with."""
    shared = {share.group_id for share in deviation.shares}
    return [
        group
        for group in db.session.scalars(
            select(Group)
            .where(
                Group.region_id == deviation.region_id,
                Group.active.is_(True),
                Group.id != deviation.group_id,
            )
            .order_by(Group.name)
        )
        if group.id not in shared
    ]


def region_organizations(region_id: int) -> list[Organization]:
    return sorted(
        db.session.scalars(
            select(Organization).where(
                Organization.region_id == region_id, Organization.active.is_(True)
            )
        ),
        key=_by_name,
    )


def region_groups(region_id: int) -> list[Group]:
    return sorted(
        db.session.scalars(
            select(Group).where(Group.region_id == region_id, Group.active.is_(True))
        ),
        key=_by_name,
    )


def category_label(category: Category) -> str:
    return f"{category.parent.name} › {category.name}" if category.parent else category.name


def categories(region_id: int) -> list[Category]:
    """All of the region's categories in list order (top level, each followed by its children).

    Retired ones are included so old cases still show their category; callers filter for choices.
    """
    rows = db.session.scalars(
        select(Category)
        .where(Category.region_id == region_id)
        .options(selectinload(Category.parent))
        .order_by(Category.position, Category.id)
    ).all()
    ordered = []
    for top in (c for c in rows if c.parent_id is None):
        ordered.append(top)
        ordered.extend(c for c in rows if c.parent_id == top.id)
    return ordered


def processes(region_id: int) -> list[Process]:
    return sorted(
        db.session.scalars(select(Process).where(Process.region_id == region_id)), key=_by_name
    )


def visible_case_by_number(user, region_id: int, number: str) -> Deviation | None:
    """A case named by its number, only if the user could open it: a duplicate link must not
    confirm that a case the user may not see exists."""
    return db.session.scalar(
        visible_deviations(user).where(
            Deviation.region_id == region_id, Deviation.number == number.strip().upper()
        )
    )
