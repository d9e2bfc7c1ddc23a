"""Minutes (protokoll) and the follow-up of decisions (DESIGN §6; LEDNINGSSYSTEM §6.2-6.4, RÅDET).

A meeting's minutes are drafted from what the meeting recorded: attendance, quorum and per
matter the discussion and the decision. The chair signs and an appointed member (justerare)
checks them; the two must be different people. Once both have approved, the content is frozen
as JSON in the minutes row, so later changes to matters, cases or memberships never alter
approved minutes. A correction is a new version with a reason that needs both approvals again.

The content holds the internal minutes, members' names included. What the public may see is
one function, public_content(), used by the public page and the public PDF alike: functions and
organizations instead of names, case numbers and categories instead of matter titles for case
matters, and no discussion text. The content never holds free text from reports or answers in
the first place.

LSVO's approved minutes go onto the political council's (RÅDET's) next agenda ("Föredragande-
listan ska alltid innehålla … protokoll från LSVO"). Minutes of the samverkansgrupper are not put
on LSVO's agenda: nothing in the steering documents asks for it, and what LSVO must act on
reaches it as handed-over cases.
"""

import enum
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Select, exists, select
from sqlalchemy.orm import aliased

from ..db import db
from ..models import (
    Decision,
    Group,
    GroupLevel,
    Matter,
    MatterKind,
    Meeting,
    Membership,
    MembershipRole,
    Minutes,
)
from ..permissions import can_edit_minutes, is_group_chair
from .agenda import add_system_matter
from .case_page import category_label
from .dates import STOCKHOLM, local_today
from .errors import WorkflowError
from .personal_data import guard_text
from .quorum import meeting_quorum
from .reminders import Sweep

ROLE_ORDER = {
    MembershipRole.CHAIR: 0,
    MembershipRole.SECRETARY: 1,
    MembershipRole.MEMBER: 2,
    MembershipRole.CO_OPTED: 3,
}


class Approval(enum.StrEnum):
    """What an approval led to, so the page can say what happens next."""

    WAITING = "waiting"  # the other signature is still missing
    APPROVED = "approved"  # both have approved: frozen (and published)
    RESTARTED = "restarted"  # the draft changed since the other approval, which was withdrawn


# --- Who is who -----------------------------------------------------------------------------


def eligible_adjusters(meeting) -> list[Membership]:
    """Justeras av en utsedd ledamot: a member who was present, never the chair or secretary."""
    present = [a.membership for a in meeting.attendance if a.present]
    return sorted(
        (m for m in present if m.role is MembershipRole.MEMBER),
        key=lambda m: m.user.name,
    )


def latest_minutes(meeting) -> Minutes | None:
    return meeting.minutes[-1] if meeting.minutes else None


# --- Content ----------------------------------------------------------------------------------


def _organization_name(membership) -> str:
    """The principal a member represents; chair and secretary represent their employer."""
    organization = membership.represented_organization or membership.user.organization
    return organization.name


def _attendance(meeting) -> list[dict]:
    present = {a.membership_id for a in meeting.attendance if a.present}
    memberships = {m.id: m for m in meeting.group.memberships if m.active}
    # Someone who left the group after the meeting still attended it.
    memberships.update({a.membership.id: a.membership for a in meeting.attendance if a.present})
    ordered = sorted(
        memberships.values(),
        key=lambda m: (ROLE_ORDER[m.role], _organization_name(m), m.user.name),
    )
    return [
        {
            "name": m.user.name,
            "role": m.role.value,
            "function": m.function,
            "organization": _organization_name(m),
            "present": m.id in present,
        }
        for m in ordered
    ]


def _decision(decision: Decision | None) -> dict | None:
    if decision is None:
        return None
    return {
        "outcome": decision.outcome.value,
        "text": decision.text,
        "follow_up_on": decision.follow_up_on.isoformat() if decision.follow_up_on else None,
        "quorum_met": (decision.quorum or {}).get("met"),
        "assignments": [
            {
                "group": a.to_group.name,
                "purpose": a.purpose,
                "deliverable": a.deliverable,
                "deadline": a.deadline.isoformat(),
            }
            for a in decision.assignments
        ],
        "actions": [
            {
                "description": a.description,
                "owner": (a.owner_organization or a.owner_group).name,
                "due_on": a.due_on.isoformat(),
            }
            for a in decision.actions
        ],
    }


def _matter(position: int, matter: Matter) -> dict:
    """A matter as the minutes show it. From a linked case only its number and category are
    taken: the report's and the answers' texts are the reporters' and never enter the minutes."""
    case = matter.deviation
    return {
        "matter_id": matter.id,
        "position": position,
        "kind": matter.kind.value,
        "title": matter.title,
        "case": {"number": case.number, "category": category_label(case.category)}
        if case is not None
        else None,
        "source_minutes_id": matter.minutes_id,
        "discussion": matter.discussion,
        "decision": _decision(matter.decision),
    }


def build_content(meeting: Meeting) -> dict:
    """The minutes as data: deterministic (no timestamps of its own) and JSON-native, so that a
    draft can be compared with the snapshot an earlier approval was given for."""
    starts = meeting.starts_at.astimezone(STOCKHOLM)
    ends = meeting.ends_at.astimezone(STOCKHOLM) if meeting.ends_at else None
    return {
        "group": {
            "id": meeting.group.id,
            "name": meeting.group.name,
            "level": meeting.group.level.value,
        },
        "region": meeting.group.region.name,
        "meeting": {
            "date": starts.date().isoformat(),
            "starts": starts.strftime("%H:%M"),
            "ends": ends.strftime("%H:%M") if ends else None,
            "place": meeting.place,
        },
        "attendance": _attendance(meeting),
        "quorum": meeting_quorum(meeting).as_dict(),
        "matters": [_matter(i, m) for i, m in enumerate(meeting.matters, start=1)],
    }


# --- The minutes' life ------------------------------------------------------------------------


def _require_manager(actor, group) -> None:
    if not can_edit_minutes(actor, group):
        raise WorkflowError(_("Bara gruppens ordförande eller sekreterare kan göra detta."))


def _require_draft(minutes: Minutes) -> None:
    if minutes.is_approved:
        raise WorkflowError(
            _("Protokollet är justerat och kan inte ändras. Skapa en rättad version i stället.")
        )


def _withdraw_approvals(minutes: Minutes) -> None:
    minutes.chair_approved_by = None
    minutes.chair_approved_at = None
    minutes.adjuster_approved_at = None
    minutes.content = None


def draft_minutes(meeting: Meeting, *, actor, now: datetime) -> Minutes:
    """Version 1 of the minutes of a meeting that has taken place (returned if it exists)."""
    _require_manager(actor, meeting.group)
    if meeting.cancelled:
        raise WorkflowError(_("Mötet är inställt och får inget protokoll."))
    if meeting.starts_at > now:
        raise WorkflowError(_("Protokollet kan upprättas först när mötet har börjat."))
    existing = latest_minutes(meeting)
    if existing is not None:
        return existing
    minutes = Minutes(meeting=meeting, version=1)
    db.session.add(minutes)
    db.session.flush()
    return minutes


def save_discussion(minutes: Minutes, texts: dict[int, str | None], *, actor, now: datetime):
    """The secretary's text per matter. Changing a draft withdraws approvals already given,
    since they were given for the earlier text. Returns whether anything changed."""
    meeting = minutes.meeting
    _require_manager(actor, meeting.group)
    _require_draft(minutes)
    guard_text(**{f"matter_{matter_id}": text for matter_id, text in texts.items()})
    changed = False
    for matter in meeting.matters:
        if matter.id not in texts:
            continue
        text = (texts[matter.id] or "").strip() or None
        if text != matter.discussion:
            matter.discussion = text
            changed = True
    if changed and (minutes.chair_approved_at or minutes.adjuster_approved_at):
        _withdraw_approvals(minutes)
    db.session.flush()
    return changed


def set_adjuster(minutes: Minutes, user, *, actor, now: datetime) -> None:
    """Appoint the justerare: a member present at the meeting, not the chair."""
    meeting = minutes.meeting
    _require_manager(actor, meeting.group)
    _require_draft(minutes)
    if user is None or user.id not in {m.user_id for m in eligible_adjusters(meeting)}:
        raise WorkflowError(_("Justeraren ska vara en ledamot som var närvarande vid mötet."))
    if minutes.chair_approved_by_id == user.id:
        raise WorkflowError(_("Ordföranden och justeraren ska vara två olika personer."))
    if minutes.adjuster_id != user.id:
        minutes.adjuster = user
        minutes.adjuster_approved_at = None
    db.session.flush()


def approve(minutes: Minutes, *, actor, now: datetime) -> Approval:
    """The chair signs, the adjuster checks; when both have, the content is frozen.

    The first approval stores the content it was given for; if the draft differs when the second
    person approves (attendance, a decision or a text changed meanwhile), the first approval is
    withdrawn and the first person is asked again, so that both signed the same minutes.
    """
    meeting = minutes.meeting
    _require_draft(minutes)
    if minutes.adjuster_id is None:
        raise WorkflowError(_("Utse en justerare innan protokollet godkänns."))
    chair = is_group_chair(actor, meeting.group)
    if chair and actor.id == minutes.adjuster_id:
        raise WorkflowError(_("Ordföranden och justeraren ska vara två olika personer."))
    if not (chair or actor.id == minutes.adjuster_id):
        raise WorkflowError(
            _("Bara ordföranden och den utsedda justeraren kan godkänna protokollet.")
        )
    already = minutes.chair_approved_at if chair else minutes.adjuster_approved_at
    if already is not None:
        raise WorkflowError(_("Du har redan godkänt protokollet."))
    content = build_content(meeting)
    restarted = minutes.content is not None and minutes.content != content
    if restarted:
        _withdraw_approvals(minutes)
    if chair:
        minutes.chair_approved_by = actor
        minutes.chair_approved_at = now
    else:
        minutes.adjuster_approved_at = now
    minutes.content = content
    db.session.flush()
    if restarted:
        return Approval.RESTARTED
    if minutes.chair_approved_at and minutes.adjuster_approved_at:
        minutes.approved_at = now
        db.session.flush()
        _publish_to_council(minutes, now=now)
        return Approval.APPROVED
    return Approval.WAITING


def _publish_to_council(minutes: Minutes, *, now: datetime) -> None:
    """RÅDET: the agenda always carries LSVO's minutes since the council last met."""
    group = minutes.meeting.group
    if group.level is not GroupLevel.STRATEGIC:
        return
    council = db.session.scalar(
        select(Group)
        .where(
            Group.region_id == group.region_id,
            Group.level == GroupLevel.POLITICAL,
            Group.active.is_(True),
        )
        .order_by(Group.id)
    )
    if council is None:
        return  # a region without a political council configured
    title = _(
        "Protokoll från %(group)s %(date)s",
        group=group.display_name,
        date=minutes.content["meeting"]["date"],
    )
    if minutes.version > 1:
        title += " " + _("(rättad version %(version)d)", version=minutes.version)
    add_system_matter(
        council, kind=MatterKind.SUBORDINATE_MINUTES, title=title, source_minutes=minutes, now=now
    )


def correct(minutes: Minutes, *, reason: str, actor, now: datetime) -> Minutes:
    """A new draft version of approved minutes; the approved one stays as it was, published."""
    meeting = minutes.meeting
    _require_manager(actor, meeting.group)
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(_("Ange varför protokollet rättas."))
    guard_text(reason=reason)
    latest = latest_minutes(meeting)
    if latest is not minutes or not minutes.is_approved:
        raise WorkflowError(_("Bara den senaste justerade versionen kan rättas."))
    correction = Minutes(
        meeting=meeting,
        version=minutes.version + 1,
        correction_reason=reason,
        adjuster_id=minutes.adjuster_id,
        content=None,
    )
    db.session.add(correction)
    db.session.flush()
    return correction


# --- What the public sees ---------------------------------------------------------------------


def public_content(content: dict) -> dict:
    """Approved content in its published form, for the public page and the public PDF.

    One function so that the page and the file can never disagree about what is withheld:
    members' names (the function and organization remain), the discussion text, and a case
    matter's own title, which is often the report's title; the case number and category say
    what it is about.
    """
    return {
        **content,
        "attendance": [
            {key: value for key, value in row.items() if key != "name"}
            for row in content["attendance"]
        ],
        "matters": [_public_matter(matter) for matter in content["matters"]],
    }


def _public_matter(matter: dict) -> dict:
    public = {**matter, "discussion": None}
    if matter["case"]:
        public["title"] = f"{MatterKind(matter['kind']).title} {matter['case']['number']}"
    return public


def published_minutes(group_id: int | None = None) -> Select:
    """The latest approved version of each meeting's minutes, newest meeting first."""
    newer = aliased(Minutes)
    query = (
        select(Minutes)
        .join(Meeting, Minutes.meeting_id == Meeting.id)
        .where(
            Minutes.approved_at.is_not(None),
            ~exists().where(
                newer.meeting_id == Minutes.meeting_id,
                newer.version > Minutes.version,
                newer.approved_at.is_not(None),
            ),
        )
    )
    if group_id is not None:
        query = query.where(Meeting.group_id == group_id)
    return query.order_by(Meeting.starts_at.desc(), Minutes.id.desc())


def superseded_by(minutes: Minutes) -> Minutes | None:
    """A later approved version, which the public page points to."""
    return db.session.scalar(
        select(Minutes)
        .where(
            Minutes.meeting_id == minutes.meeting_id,
            Minutes.version > minutes.version,
            Minutes.approved_at.is_not(None),
        )
        .order_by(Minutes.version.desc())
    )


# --- Follow-up of decisions -------------------------------------------------------------------


class FollowUpStatus(enum.StrEnum):
    DUE = "due"
    OVERDUE = "overdue"
    DONE = "done"


def follow_up_status(decision: Decision, today) -> FollowUpStatus:
    if decision.follow_up_done_at is not None:
        return FollowUpStatus.DONE
    if decision.follow_up_on < today:
        return FollowUpStatus.OVERDUE
    return FollowUpStatus.DUE


def group_follow_ups(group: Group) -> list[Decision]:
    """The group's decisions with a follow-up date: open ones first, soonest first."""
    return list(
        db.session.scalars(
            select(Decision)
            .join(Matter, Decision.matter_id == Matter.id)
            .where(Matter.group_id == group.id, Decision.follow_up_on.is_not(None))
            .order_by(
                Decision.follow_up_done_at.is_not(None),
                Decision.follow_up_on,
                Decision.id,
            )
        )
    )


def follow_up_matter(decision: Decision) -> Matter | None:
    return db.session.scalar(
        select(Matter)
        .where(Matter.follows_up_decision_id == decision.id)
        .order_by(Matter.id.desc())
    )


def mark_follow_up_done(decision: Decision, *, actor, now: datetime) -> None:
    _require_manager(actor, decision.matter.group)
    if decision.follow_up_done_at is not None:
        raise WorkflowError(_("Uppföljningen är redan markerad som klar."))
    decision.follow_up_done_at = now
    db.session.flush()


def add_due_follow_ups(*, now: datetime) -> dict:
    """Put each decision whose follow-up date has come on its group's next draft agenda.

    Idempotent: a decision that already has a follow-up matter (on any agenda, or waiting for a
    meeting to be planned) is skipped, so the nightly job and a run by hand never add it twice.
    One decision that fails is recorded in the run and the others still go on.
    """
    today = local_today(now)
    has_matter = exists().where(Matter.follows_up_decision_id == Decision.id)
    due = db.session.scalars(
        select(Decision)
        .where(
            Decision.follow_up_on.is_not(None),
            Decision.follow_up_on <= today,
            Decision.follow_up_done_at.is_(None),
            ~has_matter,
        )
        .order_by(Decision.follow_up_on, Decision.id)
    ).all()
    sweep = Sweep(added=0)

    def step(decision: Decision) -> None:
        matter = decision.matter
        decided = local_today(decision.decided_at).isoformat()
        subject = matter.deviation.number if matter.deviation is not None else matter.title
        add_system_matter(
            matter.group,
            kind=MatterKind.DECISION_FOLLOW_UP,
            title=_("Uppföljning av beslut %(date)s: %(subject)s", date=decided, subject=subject),
            follows_up_decision=decision,
            deviation=matter.deviation,
            now=now,
        )
        sweep.add("added", 1)

    sweep.each(due, step, lambda decision: f"beslut {decision.id}")
    return sweep.summary()
