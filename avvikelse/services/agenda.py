"""The agenda side of meetings: which meeting comes next, and where a matter lands.

Cases, clusters, efforts and minutes all put matters on an agenda; they import this small module
instead of services/meetings, which itself builds on several of them.
"""

from datetime import datetime

from sqlalchemy import Select, select

from ..db import db
from ..models import Group, Matter, MatterKind, Meeting, RaisedBy
from .meeting_deadlines import meeting_deadlines


def upcoming_meetings(group: Group, now: datetime) -> Select:
    """The group's meetings that have not taken place and are not cancelled, soonest first."""
    return (
        select(Meeting)
        .where(Meeting.group_id == group.id, Meeting.starts_at > now, Meeting.cancelled.is_(False))
        .order_by(Meeting.starts_at, Meeting.id)
    )


def next_meeting(group: Group, now: datetime) -> Meeting | None:
    """The group's next meeting that has not taken place and is not cancelled."""
    return db.session.scalar(upcoming_meetings(group, now))


def next_open_meeting(group: Group, now: datetime) -> Meeting | None:
    """The first coming meeting whose registration is still open: where a new matter lands."""
    for meeting in db.session.scalars(upcoming_meetings(group, now)):
        if meeting_deadlines(meeting).registration_open(now) and not meeting.agenda_locked:
            return meeting
    return None


def following_meeting(meeting: Meeting) -> Meeting | None:
    """The group's next meeting after this one whose agenda is still a draft."""
    return db.session.scalar(
        select(Meeting)
        .where(
            Meeting.group_id == meeting.group_id,
            Meeting.starts_at > meeting.starts_at,
            Meeting.cancelled.is_(False),
            Meeting.notice_sent_at.is_(None),
        )
        .order_by(Meeting.starts_at, Meeting.id)
    )


def waiting_matters(group: Group) -> list[Matter]:
    """Matters with no meeting yet (none was planned when they were raised or moved)."""
    return list(
        db.session.scalars(
            select(Matter)
            .where(Matter.group_id == group.id, Matter.meeting_id.is_(None))
            .order_by(Matter.registered_at, Matter.id)
        )
    )


def add_system_matter(
    group: Group,
    *,
    kind: MatterKind,
    title: str,
    now: datetime,
    raised_by: RaisedBy = RaisedBy.SYSTEM,
    raised_by_group: Group | None = None,
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
        raised_by_group=raised_by_group,
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
