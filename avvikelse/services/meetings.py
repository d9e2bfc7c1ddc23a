"""Meetings and their agendas (DESIGN §6; LEDNINGSSYSTEM §6.2-6.4)."""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ..db import db
from ..models import Group, GroupLevel, Matter, MatterKind, Meeting, RaisedBy
from . import WorkflowError
from .meeting_deadlines import deadlines_for


def next_meeting(group: Group, now: datetime) -> Meeting | None:
    """The group's next meeting that has not taken place and is not cancelled."""
    return db.session.scalar(
        select(Meeting)
        .where(Meeting.group_id == group.id, Meeting.starts_at > now, Meeting.cancelled.is_(False))
        .order_by(Meeting.starts_at, Meeting.id)
    )


def next_open_meeting(group: Group, now: datetime) -> Meeting | None:
    """The first coming meeting whose registration is still open: where a new matter lands."""
    meetings = db.session.scalars(
        select(Meeting)
        .where(Meeting.group_id == group.id, Meeting.starts_at > now, Meeting.cancelled.is_(False))
        .order_by(Meeting.starts_at, Meeting.id)
    )
    for meeting in meetings:
        if deadlines_for(meeting.starts_at).registration_open(now) and not meeting.agenda_locked:
            return meeting
    return None


def strategic_group(region_id: int) -> Group:
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


def add_system_matter(
    group: Group,
    *,
    kind: MatterKind,
    title: str,
    now: datetime,
    raised_by: RaisedBy = RaisedBy.SYSTEM,
    deviation=None,
    follows_up_decision=None,
    source_minutes=None,
    background: str | None = None,
    proposal: str | None = None,
) -> Matter:
    """Put a matter on the group's next open draft agenda (or the unscheduled pool when no
    meeting is planned yet); used for hand-overs, follow-ups and minutes for information."""
    meeting = next_open_meeting(group, now)
    matter = Matter(
        group=group,
        meeting=meeting,
        kind=kind,
        title=title[:200],
        raised_by=raised_by,
        deviation=deviation,
        follows_up_decision=follows_up_decision,
        source_minutes=source_minutes,
        background=background,
        proposal=proposal,
        registered_at=now,
        position=len(meeting.matters) + 1 if meeting is not None else 0,
    )
    db.session.add(matter)
    db.session.flush()
    return matter
