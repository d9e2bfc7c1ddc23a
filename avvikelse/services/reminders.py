"""Reminder jobs (DESIGN §9): answer deadlines, meeting deadlines, actions past due.

Each job scans for what is due on the Stockholm calendar day of `now`, notifies, and returns a
summary of what it did. Idempotent by the notification key (kind, object, due date, recipient):
running a job twice, or from two schedulers, sends nothing twice. Each object is handled in its
own savepoint, so one that fails is logged and the rest still go out.
"""

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..db import db, savepoint
from ..models import (
    Action,
    ActionStatus,
    ConcernedOrganization,
    ConcernedStatus,
    Deviation,
    DeviationState,
    Meeting,
    MembershipRole,
    User,
)
from .case_page import category_label
from .dates import local_today
from .meeting_deadlines import meeting_deadlines
from .notifications import notify_many
from .recipients import coordinators_of, group_managers

logger = logging.getLogger(__name__)

# Members hear that matter registration closes from this many days before it does.
REGISTRATION_REMINDER_DAYS = 3


class Sweep:
    """Counts what a job did and keeps per-object failures for the job's run record."""

    def __init__(self, **counts: int):
        self.counts = Counter(counts)
        self.errors: list[str] = []

    def each(self, objects: Iterable, step: Callable, label: Callable[[object], str]) -> None:
        for obj in objects:
            name = label(obj)
            try:
                with savepoint():
                    step(obj)
            except IntegrityError:
                # Another scheduler or a run by hand queued the same key meanwhile: already done.
                logger.info("%s: redan köad av en annan körning", name)
            except Exception as error:  # one object must not stop the others
                logger.exception("%s misslyckades", name)
                self.errors.append(f"{name}: {type(error).__name__}: {error}"[:500])

    def add(self, key: str, n: int) -> None:
        self.counts[key] += n

    def summary(self) -> dict:
        result = dict(self.counts)
        if self.errors:
            result["errors"] = self.errors
        return result


def case_body(deviation: Deviation) -> str:
    """What any case notification says: number, category and nothing the reporter wrote."""
    return _(
        "Ärende %(number)s (%(category)s). Logga in för att läsa ärendet.",
        number=deviation.number,
        category=category_label(deviation.category),
    )


def case_url(deviation: Deviation) -> str:
    return f"/avvikelser/{deviation.id}"


# --- Answers ----------------------------------------------------------------------------------


def send_answer_reminders(*, now: datetime) -> dict:
    """A reminder to the coordinators N days before an answer is due (ANSWER_REMINDER_DAYS), and
    when the day has passed an overdue notice to them and to the group's chair and secretary.

    An organization asked inside the reminder window gets no reminder: the request itself is
    only days old.
    """
    today = local_today(now)
    days = current_app.config["ANSWER_REMINDER_DAYS"]
    pending = db.session.scalars(
        select(ConcernedOrganization)
        .join(Deviation, Deviation.id == ConcernedOrganization.deviation_id)
        .where(
            Deviation.state == DeviationState.AWAITING_ANSWERS,
            ConcernedOrganization.status == ConcernedStatus.PENDING,
            ConcernedOrganization.answer_due_on.is_not(None),
            ConcernedOrganization.answer_due_on <= today + timedelta(days=days),
        )
        .order_by(ConcernedOrganization.answer_due_on, ConcernedOrganization.id)
    ).all()
    sweep = Sweep(reminders=0, overdue=0)

    def step(concerned: ConcernedOrganization) -> None:
        deviation, due = concerned.deviation, concerned.answer_due_on
        coordinators = coordinators_of([concerned.organization_id])
        if today > due:
            sweep.add(
                "overdue",
                notify_many(
                    coordinators + group_managers(deviation.group_id),
                    kind="answer_overdue",
                    subject=_(
                        "Svaret på %(number)s är försenat (sista dag %(date)s)",
                        number=deviation.number,
                        date=due.isoformat(),
                    ),
                    body=case_body(deviation),
                    now=now,
                    deviation=deviation,
                    url=case_url(deviation),
                    due=due.isoformat(),
                ),
            )
        elif not _asked_inside_window(concerned, due - timedelta(days=days)):
            sweep.add(
                "reminders",
                notify_many(
                    coordinators,
                    kind="answer_reminder",
                    subject=_(
                        "Påminnelse: svar på %(number)s senast %(date)s",
                        number=deviation.number,
                        date=due.isoformat(),
                    ),
                    body=case_body(deviation),
                    now=now,
                    deviation=deviation,
                    url=case_url(deviation),
                    due=due.isoformat(),
                ),
            )

    sweep.each(
        pending, step, lambda c: f"Svar {c.deviation.number} / organisation {c.organization_id}"
    )
    return sweep.summary()


def _asked_inside_window(concerned: ConcernedOrganization, window_opens: date) -> bool:
    return concerned.requested_at is not None and local_today(concerned.requested_at) > window_opens


# --- Meetings ---------------------------------------------------------------------------------


def _with_role(meeting: Meeting, *roles: MembershipRole) -> list[User]:
    return [
        m.user for m in meeting.group.memberships if m.active and (not roles or m.role in roles)
    ]


def send_meeting_reminders(*, now: datetime) -> dict:
    """For each planned meeting whose notice is not out yet (LEDNINGSSYSTEM §6.2 Mötesformer):
    members hear that matter registration closes, the secretary that the notice is due, and
    secretary and chair that it is late once fewer than 7 days remain."""
    today = local_today(now)
    meetings = db.session.scalars(
        select(Meeting)
        .where(
            Meeting.cancelled.is_(False),
            Meeting.notice_sent_at.is_(None),
            Meeting.starts_at > now,
        )
        .order_by(Meeting.starts_at, Meeting.id)
    ).all()
    sweep = Sweep(registration_closes=0, notice_due=0, notice_overdue=0)

    def step(meeting: Meeting) -> None:
        deadlines = meeting_deadlines(meeting)
        day = deadlines.meeting_day.isoformat()
        common = {"now": now, "about": f"meeting-{meeting.id}", "url": f"/moten/{meeting.id}"}
        group = meeting.group.display_name
        closes = deadlines.registration_closes
        if closes - timedelta(days=REGISTRATION_REMINDER_DAYS) <= today <= closes:
            sweep.add(
                "registration_closes",
                notify_many(
                    _with_role(meeting),
                    kind="registration_closes",
                    subject=_(
                        "%(group)s: anmäl ärenden till mötet %(date)s senast %(closes)s",
                        group=group,
                        date=day,
                        closes=closes.isoformat(),
                    ),
                    body=_(
                        "Ärenden till mötet %(date)s anmäls till sekreteraren senast %(closes)s.",
                        date=day,
                        closes=closes.isoformat(),
                    ),
                    due=closes.isoformat(),
                    **common,
                ),
            )
        elif closes < today <= deadlines.notice_due:
            sweep.add(
                "notice_due",
                notify_many(
                    _with_role(meeting, MembershipRole.SECRETARY)
                    or _with_role(meeting, MembershipRole.CHAIR),
                    kind="notice_due",
                    subject=_(
                        "%(group)s: skicka kallelsen till mötet %(date)s senast %(due)s",
                        group=group,
                        date=day,
                        due=deadlines.notice_due.isoformat(),
                    ),
                    body=_(
                        "Anmälan av ärenden har stängt. Kallelse och dagordning ska skickas "
                        "senast %(due)s.",
                        due=deadlines.notice_due.isoformat(),
                    ),
                    due=deadlines.notice_due.isoformat(),
                    **common,
                ),
            )
        elif today > deadlines.notice_due:
            sweep.add(
                "notice_overdue",
                notify_many(
                    _with_role(meeting, MembershipRole.SECRETARY, MembershipRole.CHAIR),
                    kind="notice_overdue",
                    subject=_(
                        "%(group)s: kallelsen till mötet %(date)s är inte skickad",
                        group=group,
                        date=day,
                    ),
                    body=_(
                        "Kallelsen skulle ha skickats senast %(due)s, sju dagar före mötet.",
                        due=deadlines.notice_due.isoformat(),
                    ),
                    due=deadlines.notice_due.isoformat(),
                    **common,
                ),
            )

    sweep.each(meetings, step, lambda m: f"Möte {m.id}")
    return sweep.summary()


# --- Actions ----------------------------------------------------------------------------------


def _action_recipients(action: Action) -> list[User]:
    """The owner (the organization's coordinators or the owning group's chair and secretary)
    and the group that decided the action (or owns the improvement effort it belongs to)."""
    owners = (
        coordinators_of([action.owner_organization_id])
        if action.owner_organization_id is not None
        else group_managers(action.owner_group_id)
    )
    if action.deviation is not None:
        deciding_group_id = action.deviation.group_id
    elif action.effort is not None:
        deciding_group_id = action.effort.owner_group_id
    else:
        deciding_group_id = action.decision.matter.group_id
    return owners + group_managers(deciding_group_id)


def _action_url(action: Action) -> str:
    if action.deviation is not None:
        return case_url(action.deviation)
    if action.effort is not None:
        return f"/forbattring/{action.effort.id}"
    return f"/moten/{action.decision.matter.meeting_id}/protokoll"


def send_action_reminders(*, now: datetime) -> dict:
    """Actions still planned or ongoing after their due date: once per action and due date."""
    today = local_today(now)
    overdue = db.session.scalars(
        select(Action)
        .where(
            Action.status.in_([ActionStatus.PLANNED, ActionStatus.ONGOING]),
            Action.due_on < today,
        )
        .order_by(Action.due_on, Action.id)
    ).all()
    sweep = Sweep(overdue=0)

    def step(action: Action) -> None:
        where = action.deviation.number if action.deviation is not None else action.owner_name
        sweep.add(
            "overdue",
            notify_many(
                _action_recipients(action),
                kind="action_overdue",
                subject=_(
                    "Åtgärd försenad (%(where)s), skulle vara klar %(date)s",
                    where=where,
                    date=action.due_on.isoformat(),
                ),
                body=case_body(action.deviation)
                if action.deviation is not None
                else _(
                    "En åtgärd som %(owner)s äger är inte klar. Logga in för att se den.",
                    owner=action.owner_name,
                ),
                now=now,
                deviation=action.deviation,
                about=f"action-{action.id}",
                url=_action_url(action),
                due=action.due_on.isoformat(),
            ),
        )

    sweep.each(overdue, step, lambda a: f"Åtgärd {a.id}")
    return sweep.summary()
