"""Agenda deadlines (LEDNINGSSYSTEM §6.2 "Mötesformer"; RÅDET: kallelse senast 7 dagar innan).

The agenda goes out at least 7 days before the meeting; matters are registered to the secretary
at the latest the week before the agenda is sent. Dates are Stockholm calendar dates.

An extra meeting (extra sammanträde) has the shorter notice its chair decided; matters for it
are registered until its notice is due, as there is no week to spare.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .dates import local_today

NOTICE_DAYS_BEFORE = 7
REGISTRATION_DAYS_BEFORE_NOTICE = 7


@dataclass(frozen=True)
class MeetingDeadlines:
    meeting_day: date
    notice_due: date  # the agenda must be sent on or before this day
    registration_closes: date  # last day to register a matter for this meeting

    def registration_open(self, now: datetime) -> bool:
        return local_today(now) <= self.registration_closes

    def notice_overdue(self, now: datetime) -> bool:
        return local_today(now) > self.notice_due


def deadlines_for(starts_at: datetime, notice_days: int | None = None) -> MeetingDeadlines:
    """`notice_days` is an extra meeting's shortened notice; None is the ordinary 7 days."""
    day = local_today(starts_at)
    if notice_days is None:
        notice_due = day - timedelta(days=NOTICE_DAYS_BEFORE)
        registration_closes = notice_due - timedelta(days=REGISTRATION_DAYS_BEFORE_NOTICE)
    else:
        notice_due = registration_closes = day - timedelta(days=notice_days)
    return MeetingDeadlines(
        meeting_day=day, notice_due=notice_due, registration_closes=registration_closes
    )


def meeting_deadlines(meeting) -> MeetingDeadlines:
    """The deadlines of a planned meeting, from its current time and notice."""
    return deadlines_for(meeting.starts_at, meeting.notice_days)
