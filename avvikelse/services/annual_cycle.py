"""Årshjul: the year of the groups a user sits in, month by month (DESIGN §8, §6): meetings,
the last day to register a matter and to send the notice, annual reports due and decisions to
follow up. Entries are placed by their Stockholm date."""

import enum
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from ..db import db
from ..models import Decision, Group, Matter, Meeting
from .annual_reports import due_on, gives_report, receiver_name
from .dates import local_midnight, local_today
from .meeting_deadlines import (
    NOTICE_DAYS_BEFORE,
    REGISTRATION_DAYS_BEFORE_NOTICE,
    meeting_deadlines,
)


class EntryKind(enum.StrEnum):
    MEETING = "meeting"
    REGISTRATION = "registration"
    NOTICE = "notice"
    REPORT_DUE = "report_due"
    FOLLOW_UP = "follow_up"


@dataclass(frozen=True)
class Entry:
    kind: EntryKind
    day: date
    label: str
    meeting: Meeting | None = None
    decision: Decision | None = None
    report_year: int | None = None


@dataclass(frozen=True)
class AnnualCycle:
    year: int
    groups: list[Group]
    # (group id, month 1-12) → that month's entries of the group, by date.
    cells: dict[tuple[int, int], list[Entry]]

    def entries(self, group: Group, month: int) -> list[Entry]:
        return self.cells.get((group.id, month), [])

    def count(self, group: Group) -> int:
        return sum(
            1
            for (gid, _m), entries in self.cells.items()
            if gid == group.id
            for e in entries
            if e.kind is EntryKind.MEETING and not e.meeting.cancelled
        )


def annual_cycle(groups: list[Group], year: int) -> AnnualCycle:
    """A meeting early next year has its deadlines in this year's December, so the meetings
    are read a little past the year's end."""
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    lead = timedelta(days=NOTICE_DAYS_BEFORE + REGISTRATION_DAYS_BEFORE_NOTICE + 1)
    entries: list[tuple[int, Entry]] = []
    ids = [g.id for g in groups]
    if ids:
        for meeting in db.session.scalars(
            select(Meeting)
            .where(
                Meeting.group_id.in_(ids),
                Meeting.starts_at >= local_midnight(start),
                Meeting.starts_at < local_midnight(end + lead),
            )
            .order_by(Meeting.starts_at)
        ):
            entries.append(
                (
                    meeting.group_id,
                    Entry(
                        EntryKind.MEETING,
                        local_today(meeting.starts_at),
                        _("Möte"),
                        meeting=meeting,
                    ),
                )
            )
            if not meeting.cancelled:
                deadlines = meeting_deadlines(meeting)
                entries.append(
                    (
                        meeting.group_id,
                        Entry(
                            EntryKind.REGISTRATION,
                            deadlines.registration_closes,
                            _("Sista dag att anmäla ärenden"),
                            meeting=meeting,
                        ),
                    )
                )
                entries.append(
                    (
                        meeting.group_id,
                        Entry(
                            EntryKind.NOTICE,
                            deadlines.notice_due,
                            _("Kallelsen skickas senast"),
                            meeting=meeting,
                        ),
                    )
                )
        for decision, group_id in db.session.execute(
            select(Decision, Matter.group_id)
            .join(Matter, Matter.id == Decision.matter_id)
            .where(
                Matter.group_id.in_(ids),
                Decision.follow_up_on >= start,
                Decision.follow_up_on < end,
            )
        ):
            entries.append(
                (
                    group_id,
                    Entry(
                        EntryKind.FOLLOW_UP,
                        decision.follow_up_on,
                        _("Uppföljning: %(title)s", title=decision.matter.title),
                        decision=decision,
                    ),
                )
            )
    for group in filter(gives_report, groups):
        for report_year in (year - 1, year):
            day = due_on(group, report_year)
            if start <= day < end:
                entries.append(
                    (
                        group.id,
                        Entry(
                            EntryKind.REPORT_DUE,
                            day,
                            _(
                                "Årsrapport %(year)d till %(receiver)s",
                                year=report_year,
                                receiver=receiver_name(group),
                            ),
                            report_year=report_year,
                        ),
                    )
                )
    cells: dict[tuple[int, int], list[Entry]] = {}
    for group_id, entry in sorted(
        entries, key=lambda pair: (pair[1].day, pair[1].kind != EntryKind.MEETING)
    ):
        if start <= entry.day < end:
            cells.setdefault((group_id, entry.day.month), []).append(entry)
    return AnnualCycle(year, sorted(groups, key=lambda g: g.name), cells)
