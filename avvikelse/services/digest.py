"""The weekly digest to chairs and secretaries (DESIGN §9), which also carries the notifications
of users who chose to get their e-mail once a week.

Per group the chair or secretary manages, the digest lists new cases, overdue answers,
decision follow-ups due and open recurrence suggestions, each as a case number or category,
organizations and counts, and a link only. More sections are
added to DIGEST_SECTIONS (each a function of group, now and today returning a DigestSection or
None).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import exists, select

from ..db import db
from ..models import (
    ConcernedOrganization,
    ConcernedStatus,
    Decision,
    Deviation,
    DeviationState,
    EmailStatus,
    Group,
    Matter,
    Membership,
    Suggestion,
    SuggestionState,
    User,
)
from ..permissions import MANAGER_ROLES
from .case_page import category_label
from .dates import local_today
from .notifications import held_for_digest, notify, users_with_held_email
from .recurrence import describe
from .reminders import Sweep, case_url

PERIOD = timedelta(days=7)
FOLLOW_UP_HORIZON = timedelta(days=7)


@dataclass
class DigestSection:
    title: str
    items: list[dict] = field(default_factory=list)  # {"text": ..., "url": ...}


def _case_item(deviation: Deviation, extra: str | None = None) -> dict:
    text = f"{deviation.number} · {category_label(deviation.category)}"
    return {"text": f"{text} · {extra}" if extra else text, "url": case_url(deviation)}


def new_cases(group: Group, *, now: datetime, today: date) -> DigestSection | None:
    cases = db.session.scalars(
        select(Deviation)
        .where(Deviation.group_id == group.id, Deviation.submitted_at >= now - PERIOD)
        .order_by(Deviation.submitted_at, Deviation.id)
    ).all()
    if not cases:
        return None
    return DigestSection(_("Nya ärenden senaste veckan"), [_case_item(d) for d in cases])


def overdue_answers(group: Group, *, now: datetime, today: date) -> DigestSection | None:
    late = exists().where(
        ConcernedOrganization.deviation_id == Deviation.id,
        ConcernedOrganization.status == ConcernedStatus.PENDING,
        ConcernedOrganization.answer_due_on < today,
    )
    cases = db.session.scalars(
        select(Deviation)
        .where(
            Deviation.group_id == group.id,
            Deviation.state == DeviationState.AWAITING_ANSWERS,
            late,
        )
        .order_by(Deviation.answer_due_on, Deviation.id)
    ).all()
    if not cases:
        return None
    items = [
        _case_item(d, _("svar senast %(date)s", date=d.answer_due_on.isoformat()))
        if d.answer_due_on
        else _case_item(d)
        for d in cases
    ]
    return DigestSection(_("Försenade svar"), items)


def follow_ups_due(group: Group, *, now: datetime, today: date) -> DigestSection | None:
    decisions = db.session.scalars(
        select(Decision)
        .join(Matter, Matter.id == Decision.matter_id)
        .where(
            Matter.group_id == group.id,
            Decision.follow_up_on.is_not(None),
            Decision.follow_up_on <= today + FOLLOW_UP_HORIZON,
            Decision.follow_up_done_at.is_(None),
        )
        .order_by(Decision.follow_up_on, Decision.id)
    ).all()
    if not decisions:
        return None
    items = []
    for decision in decisions:
        due = _("uppföljning %(date)s", date=decision.follow_up_on.isoformat())
        case = decision.matter.deviation
        if case is not None:
            items.append(_case_item(case, due))
        else:
            items.append(
                {
                    "text": _("Beslut utan ärende · %(due)s", due=due),
                    "url": f"/moten/grupp/{group.id}/uppfoljning",
                }
            )
    return DigestSection(_("Uppföljningar av beslut som är aktuella"), items)


def open_suggestions(group: Group, *, now: datetime, today: date) -> DigestSection | None:
    """Recurrence suggestions waiting for the chair or secretary to confirm or dismiss (§5).

    The reason names categories, organizations and counts only, never a report's text.
    """
    suggestions = db.session.scalars(
        select(Suggestion)
        .where(Suggestion.group_id == group.id, Suggestion.state == SuggestionState.OPEN)
        .order_by(Suggestion.created_at, Suggestion.id)
    ).all()
    if not suggestions:
        return None
    items = [
        {"text": f"{s.kind.title}: {describe(s)}", "url": f"/aterkommande/#forslag-{s.id}"}
        for s in suggestions
    ]
    return DigestSection(_("Förslag om återkommande avvikelser att bedöma"), items)


DIGEST_SECTIONS = [new_cases, overdue_answers, follow_ups_due, open_suggestions]


def managed_groups(user: User) -> list[Group]:
    return list(
        db.session.scalars(
            select(Group)
            .join(Membership, Membership.group_id == Group.id)
            .where(
                Membership.user_id == user.id,
                Membership.active.is_(True),
                Membership.role.in_(MANAGER_ROLES),
                Group.active.is_(True),
            )
            .order_by(Group.name)
        )
    )


def _recipients() -> list[User]:
    managers = db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .join(Group, Group.id == Membership.group_id)
        .where(
            User.active.is_(True),
            Membership.active.is_(True),
            Membership.role.in_(MANAGER_ROLES),
            Group.active.is_(True),
        )
        .distinct()
    ).all()
    users = {u.id: u for u in managers}
    users.update({u.id: u for u in users_with_held_email() if u.active})
    return [users[key] for key in sorted(users)]


def build_digest(user: User, *, now: datetime) -> dict:
    today = local_today(now)
    groups = []
    for group in managed_groups(user):
        sections = [s for f in DIGEST_SECTIONS if (s := f(group, now=now, today=today))]
        if sections:
            groups.append(
                {
                    "name": group.name,
                    "sections": [{"title": s.title, "items": s.items} for s in sections],
                }
            )
    held = [{"text": note.subject, "url": note.url or "/notiser"} for note in held_for_digest(user)]
    return {"groups": groups, "held": held}


def _body(data: dict) -> str:
    parts = [
        f"{section['title']}: {len(section['items'])}"
        for group in data["groups"]
        for section in group["sections"]
    ]
    if data["held"]:
        parts.append(_("Dina notiser: %(n)d", n=len(data["held"])))
    return " · ".join(parts)


def send_weekly_digest(*, now: datetime) -> dict:
    """One digest per recipient and ISO week; an empty digest is not sent. Held notifications
    are marked as digested only when this run created the week's digest, so a run later in
    the same week leaves new ones for next week's."""
    year, week, _weekday = local_today(now).isocalendar()
    week_key = f"{year}-W{week:02d}"
    sweep = Sweep(sent=0, empty=0, held_included=0)

    def step(user: User) -> None:
        data = build_digest(user, now=now)
        if not data["groups"] and not data["held"]:
            sweep.add("empty", 1)
            return
        note = notify(
            user,
            kind="weekly_digest",
            subject=_("Veckosammanfattning vecka %(week)d", week=week),
            body=_body(data),
            now=now,
            about="digest",
            due=week_key,
            url="/inkorg",
            data={"week": week_key, **data},
        )
        if note is None:
            return
        sweep.add("sent", 1)
        for held in held_for_digest(user):
            held.email_status = EmailStatus.DIGESTED
            sweep.add("held_included", 1)

    sweep.each(_recipients(), step, lambda u: f"Användare {u.id}")
    return sweep.summary()
