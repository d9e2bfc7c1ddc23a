"""Meetings and their agendas (DESIGN §6; LEDNINGSSYSTEM §6.2-6.4)."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..db import db
from ..models import (
    Action,
    Assignment,
    Attendance,
    Cluster,
    ClusterCase,
    Decision,
    DecisionOutcome,
    Deviation,
    DeviationState,
    Group,
    GroupLevel,
    Matter,
    MatterKind,
    Meeting,
    Membership,
    MembershipRole,
    Notification,
    Organization,
    RaisedBy,
    Transition,
    User,
    WrittenView,
)
from ..permissions import (
    can_accept_late_matter,
    can_edit_matter,
    can_manage_meetings,
    can_raise_matter,
    can_record_decision,
    can_send_written_view,
    manages_group,
    visible_deviations,
)
from . import clusters
from .agenda import add_system_matter, following_meeting, next_meeting, next_open_meeting
from .audit import log_access
from .dates import STOCKHOLM, local_today, months_after
from .deviations import add_action, decide, hand_over
from .documents import notice_statements
from .errors import WorkflowError, bump_version, changed_elsewhere, check_version
from .meeting_deadlines import NOTICE_DAYS_BEFORE, deadlines_for, meeting_deadlines
from .notifications import notify, notify_many
from .personal_data import guard_text
from .quorum import QuorumStatus, meeting_quorum
from .recipients import strategic_group

# --- Planning -------------------------------------------------------------------------------


def local_moment(day: date, at: time) -> datetime:
    """A Stockholm wall-clock time as the UTC instant stored (DST follows the date)."""
    return datetime.combine(day, at, tzinfo=STOCKHOLM).astimezone(UTC)


def _require_manager(group: Group, actor: User) -> None:
    if not can_manage_meetings(actor, group):
        raise WorkflowError(_("Bara gruppens ordförande eller sekreterare kan göra det."))


def _attach_waiting_matters(group: Group, now: datetime) -> None:
    """Matters that waited for a meeting (none was planned) go onto the first open one."""
    waiting = db.session.scalars(
        select(Matter)
        .where(Matter.group_id == group.id, Matter.meeting_id.is_(None))
        .order_by(Matter.registered_at, Matter.id)
    ).all()
    meeting = next_open_meeting(group, now) if waiting else None
    if meeting is None:
        return
    for matter in waiting:
        if matter.decision is None:
            matter.meeting = meeting
            matter.position = _last_position(meeting) + 1
    db.session.flush()


# A meeting is planned at most this far ahead: a later day is a slip of the keyboard (9999 for
# 2029), and no group plans further than a few årshjul.
PLANNING_HORIZON_YEARS = 3


def _require_within_horizon(day: date, now: datetime) -> None:
    if day > months_after(local_today(now), 12 * PLANNING_HORIZON_YEARS):
        raise WorkflowError(
            _("Möten planeras högst %(years)d år framåt.", years=PLANNING_HORIZON_YEARS)
        )


def plan_meeting(
    group: Group,
    *,
    day: date,
    starts: time,
    ends: time | None,
    place: str | None,
    link: str | None,
    actor: User,
    now: datetime,
) -> Meeting:
    _require_manager(group, actor)
    _require_within_horizon(day, now)
    starts_at = local_moment(day, starts)
    if starts_at <= now:
        raise WorkflowError(_("Mötet måste ligga i framtiden."))
    ends_at = local_moment(day, ends) if ends is not None else None
    if ends_at is not None and ends_at <= starts_at:
        raise WorkflowError(_("Sluttiden måste vara efter starttiden."))
    guard_text(place=place)
    meeting = Meeting(
        group=group,
        starts_at=starts_at,
        ends_at=ends_at,
        place=(place or "").strip() or None,
        link=(link or "").strip() or None,
        created_at=now,
    )
    db.session.add(meeting)
    db.session.flush()
    _attach_waiting_matters(group, now)
    return meeting


def first_weekdays(year: int, weekday: int, *, skip_months=(7,)) -> list[date]:
    """The first <weekday> (0 = Monday) of every month, for a year's plan (årshjul)."""
    days = []
    for month in range(1, 13):
        if month in skip_months:
            continue
        first = date(year, month, 1)
        days.append(first + timedelta(days=(weekday - first.weekday()) % 7))
    return days


def plan_year(
    group: Group,
    *,
    days: list[date],
    starts: time,
    ends: time | None,
    place: str | None,
    link: str | None,
    actor: User,
    now: datetime,
) -> list[Meeting]:
    """Plan many meetings at once; days that already have a meeting or have passed are skipped,
    so planning the same year twice does not double the meetings."""
    _require_manager(group, actor)
    taken = {deadlines_for(m.starts_at).meeting_day for m in group_meetings(group)}
    planned = []
    for day in sorted(set(days)):
        if day in taken or local_moment(day, starts) <= now:
            continue
        planned.append(
            plan_meeting(
                group,
                day=day,
                starts=starts,
                ends=ends,
                place=place,
                link=link,
                actor=actor,
                now=now,
            )
        )
    if not planned:
        raise WorkflowError(_("Inga nya möten: alla datum har passerat eller har redan ett möte."))
    return planned


def group_meetings(group: Group) -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting).where(Meeting.group_id == group.id).order_by(Meeting.starts_at)
        )
    )


def assignments_received(group: Group) -> list[Assignment]:
    """Uppdrag given to the group by another group's decision, the nearest deadline first."""
    return list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.to_group_id == group.id)
            .order_by(Assignment.deadline, Assignment.id)
        )
    )


def assignments_given(group: Group) -> list[Assignment]:
    """Uppdrag the group's own decisions gave to others, the nearest deadline first."""
    return list(
        db.session.scalars(
            select(Assignment)
            .join(Assignment.decision)
            .join(Decision.matter)
            .where(Matter.group_id == group.id)
            .order_by(Assignment.deadline, Assignment.id)
        )
    )


def _last_position(meeting: Meeting) -> int:
    return max((m.position for m in meeting.matters), default=0)


def _place_on(matter: Matter, meeting: Meeting | None) -> None:
    position = _last_position(meeting) + 1 if meeting is not None else 0
    matter.meeting = meeting
    matter.position = position


def _given_notice(meeting: Meeting) -> list[User]:
    """Those the notice actually went to (its notification rows), not today's members."""
    return list(
        db.session.scalars(
            select(User)
            .join(Notification, Notification.user_id == User.id)
            .where(
                Notification.kind == "meeting_notice",
                Notification.key.startswith(f"meeting_notice:-:meeting-{meeting.id}:"),
            )
            .order_by(User.id)
        )
    )


def _require_reason(reason: str | None, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(message)
    guard_text(reason=reason)
    return reason


def _require_not_started(meeting: Meeting, now: datetime) -> None:
    if meeting.cancelled:
        raise WorkflowError(_("Mötet är redan inställt."))
    if meeting.starts_at <= now:
        raise WorkflowError(_("Mötet har redan börjat och kan inte ändras."))


def _when(meeting: Meeting) -> str:
    return meeting.starts_at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def move_meeting(
    meeting: Meeting,
    *,
    day: date,
    starts: time,
    ends: time | None,
    place: str | None,
    reason: str,
    actor: User,
    now: datetime,
) -> int:
    """Move a planned meeting to a new time and place; returns how many were told.

    The deadlines follow by themselves (they are computed from the time). A notice already sent
    stays valid for the new time, so those it went to are told of the move rather than sent a
    new notice; the matters stay on the agenda.
    """
    _require_manager(meeting.group, actor)
    _require_not_started(meeting, now)
    reason = _require_reason(reason, _("Skriv varför mötet flyttas."))
    _require_within_horizon(day, now)
    starts_at = local_moment(day, starts)
    if starts_at <= now:
        raise WorkflowError(_("Mötet kan inte flyttas till en tid som har passerat."))
    ends_at = local_moment(day, ends) if ends is not None else None
    if ends_at is not None and ends_at <= starts_at:
        raise WorkflowError(_("Sluttiden måste vara efter starttiden."))
    guard_text(place=place)
    before = _when(meeting)
    meeting.starts_at = starts_at
    meeting.ends_at = ends_at
    meeting.place = (place or "").strip() or None
    meeting.move_reason = reason
    db.session.flush()
    log_access(
        actor,
        "meeting_moved",
        now=now,
        detail=f"{meeting.group.name}: {before} → {_when(meeting)}. {reason}",
    )
    if not meeting.agenda_locked:
        return 0
    return notify_many(
        _given_notice(meeting),
        kind="meeting_moved",
        subject=_(
            "%(group)s: mötet %(before)s är flyttat till %(after)s",
            group=meeting.group.display_name,
            before=before,
            after=_when(meeting),
        ),
        body=_(
            "Mötet flyttas till %(after)s, plats: %(place)s. Skäl: %(reason)s",
            after=_when(meeting),
            place=meeting.place or "–",
            reason=reason,
        ),
        now=now,
        url=f"/moten/{meeting.id}/kallelse",
        about=f"meeting-{meeting.id}",
        due=f"{starts_at:%Y%m%dT%H%M}-{now:%Y%m%dT%H%M%S}",
    )


def cancel_meeting(meeting: Meeting, *, reason: str, actor: User, now: datetime) -> Meeting | None:
    """Cancel a meeting that has not begun; returns where its matters went (None: they wait).

    The matters were registered in time for this meeting, so they go to the group's next meeting
    whose agenda is still a draft, whatever its registration deadline, not late; with none
    planned they wait and land on the next meeting planned (plan_meeting).
    """
    _require_manager(meeting.group, actor)
    _require_not_started(meeting, now)
    reason = _require_reason(reason, _("Skriv varför mötet ställs in."))
    meeting.cancelled = True
    meeting.cancel_reason = reason
    target = following_meeting(meeting)
    for matter in list(meeting.matters):
        _place_on(matter, target)
        matter.late = False
        matter.late_accepted_by_id = None
        matter.added_after_notice = False
    db.session.flush()
    log_access(
        actor,
        "meeting_cancelled",
        now=now,
        detail=f"{meeting.group.name} {_when(meeting)}. {reason}",
    )
    notify_many(
        _given_notice(meeting),
        kind="meeting_cancelled",
        subject=_("Mötet %(date)s är inställt", date=_day(meeting)),
        body=_(
            "%(group)s: mötet %(date)s är inställt. Skäl: %(reason)s",
            group=meeting.group.name,
            date=_day(meeting),
            reason=reason,
        ),
        now=now,
        url=f"/moten/grupp/{meeting.group_id}",
        due=f"meeting-{meeting.id}",
    )
    return target


def _chair(group: Group) -> User | None:
    return next(
        (m.user for m in group.memberships if m.active and m.role is MembershipRole.CHAIR), None
    )


def call_extra_meeting(
    group: Group,
    *,
    day: date,
    starts: time,
    ends: time | None,
    place: str | None,
    link: str | None,
    notice_days: int,
    reason: str,
    chair_decided: bool,
    actor: User,
    now: datetime,
) -> Meeting:
    """An extra sammanträde with a notice shorter than the 7 days, which only the chair may
    decide (RÅDET: "Ordföranden svarar för kallelse"): the chair calls it, or the secretary
    records the chair's decision, and the chair is stored and told either way."""
    _require_manager(group, actor)
    chair = actor if _is_chair(actor, group) else _chair(group)
    if chair is None or (chair is not actor and not chair_decided):
        raise WorkflowError(
            _("Ett extra sammanträde med kortare kallelsetid kräver ordförandens beslut.")
        )
    reason = _require_reason(reason, _("Skriv varför ett extra sammanträde behövs."))
    if not 0 <= notice_days < NOTICE_DAYS_BEFORE:
        raise WorkflowError(
            _(
                "Kallelsetiden för ett extra sammanträde är 0–%(max)d dagar.",
                max=NOTICE_DAYS_BEFORE - 1,
            )
        )
    if day < local_today(now) + timedelta(days=notice_days):
        raise WorkflowError(
            _(
                "Kallelsen hinner inte gå ut: mötet måste ligga minst %(days)d dagar fram.",
                days=notice_days,
            )
        )
    meeting = plan_meeting(
        group, day=day, starts=starts, ends=ends, place=place, link=link, actor=actor, now=now
    )
    meeting.notice_days = notice_days
    meeting.extra_decided_by = chair
    meeting.extra_reason = reason
    db.session.flush()
    log_access(
        actor,
        "extra_meeting_called",
        now=now,
        detail=f"{group.name} {_when(meeting)}, {notice_days} d. {reason}",
    )
    if chair is not actor:
        notify(
            chair,
            kind="extra_meeting_called",
            subject=_(
                "%(group)s: extra sammanträde %(date)s",
                group=group.display_name,
                date=_day(meeting),
            ),
            body=_(
                "%(name)s har kallat till extra sammanträde %(date)s enligt ditt beslut. "
                "Skäl: %(reason)s",
                name=actor.name,
                date=_day(meeting),
                reason=reason,
            ),
            now=now,
            url=f"/moten/{meeting.id}",
            about=f"meeting-{meeting.id}",
        )
    return meeting


def meeting_date(meeting: Meeting) -> date:
    """The meeting's day in Stockholm (the stored instant is UTC)."""
    return meeting_deadlines(meeting).meeting_day


def _day(meeting: Meeting) -> str:
    return meeting_date(meeting).isoformat()


def _members(group: Group) -> list[User]:
    return [m.user for m in group.memberships if m.active]


# --- Matters (aktualisering, beredning) ------------------------------------------------------


@dataclass
class Presentation:
    """The föredragning of a matter (template LEDNINGSSYSTEM §7.1)."""

    title: str
    background: str | None = None
    done_so_far: str | None = None
    proposal: str | None = None
    presenter: User | None = None

    def cleaned(self) -> "Presentation":
        if not (self.title or "").strip():
            raise WorkflowError(_("Skriv en rubrik för ärendet."))
        guard_text(
            title=self.title,
            background=self.background,
            done_so_far=self.done_so_far,
            proposal=self.proposal,
        )

        def clean(text):
            return (text or "").strip() or None

        return Presentation(
            title=self.title.strip()[:200],
            background=clean(self.background),
            done_so_far=clean(self.done_so_far),
            proposal=clean(self.proposal),
            presenter=self.presenter,
        )


def _check_presenter(group: Group, presenter: User | None) -> None:
    if presenter is not None and not any(
        m.active and m.group_id == group.id for m in presenter.memberships
    ):
        raise WorkflowError(_("Föredraganden måste vara med i gruppen."))


def raise_matter(
    meeting: Meeting,
    *,
    kind: MatterKind,
    raised_by: RaisedBy,
    presentation: Presentation,
    actor: User,
    now: datetime,
    deviation: Deviation | None = None,
) -> Matter:
    """Register a matter for a meeting (§6.2 Aktualisering, Mötesformer).

    After the registration deadline the matter is late: it waits on this meeting for the chair,
    who takes it up (accept_late_matter) or not; a late matter still waiting when the notice goes
    out moves to the following meeting. The chair's own late matters count as accepted. After
    the notice, additions are marked as such for the members who already read the agenda.
    """
    group = meeting.group
    if not can_raise_matter(actor, group):
        raise WorkflowError(_("Bara gruppens ledamöter kan anmäla ärenden."))
    if meeting.cancelled or meeting.starts_at <= now:
        raise WorkflowError(_("Mötet har redan varit eller är inställt. Välj ett kommande möte."))
    if raised_by is RaisedBy.SYSTEM:
        raise WorkflowError(_("Välj vem som aktualiserar ärendet."))
    presentation = presentation.cleaned()
    _check_presenter(group, presentation.presenter)
    late = meeting.agenda_locked or not meeting_deadlines(meeting).registration_open(now)
    chair = _is_chair(actor, group)
    matter = Matter(
        group=group,
        kind=kind,
        title=presentation.title,
        raised_by=raised_by,
        raised_by_user=actor,
        presenter=presentation.presenter,
        background=presentation.background,
        done_so_far=presentation.done_so_far,
        proposal=presentation.proposal,
        deviation=deviation,
        registered_at=now,
        late=late,
        late_accepted_by_id=actor.id if late and chair else None,
        added_after_notice=meeting.agenda_locked,
    )
    db.session.add(matter)
    _place_on(matter, meeting)
    db.session.flush()
    return matter


def _is_chair(user: User, group: Group) -> bool:
    return any(
        m.active and m.group_id == group.id and m.role is MembershipRole.CHAIR
        for m in user.memberships
    )


def _require_draft(matter: Matter) -> None:
    if matter.decision is not None:
        raise WorkflowError(_("Ärendet är redan avgjort."))


def accept_late_matter(matter: Matter, *, actor: User, now: datetime) -> None:
    """The chair takes a late matter up on the meeting it was registered for."""
    _require_draft(matter)
    if not can_accept_late_matter(actor, matter):
        raise WorkflowError(_("Bara ordföranden kan ta upp ett sent anmält ärende."))
    matter.late_accepted_by_id = actor.id
    db.session.flush()


def move_to_following_meeting(matter: Matter, *, actor: User, now: datetime) -> Meeting | None:
    """Not on this meeting after all (late, no time, no quorum): on to the next draft agenda."""
    _require_draft(matter)
    _require_manager(matter.group, actor)
    if matter.meeting is None:
        raise WorkflowError(_("Ärendet är inte uppsatt på något möte."))
    target = following_meeting(matter.meeting)
    _place_on(matter, target)
    matter.late = False
    matter.late_accepted_by_id = None
    matter.added_after_notice = False
    db.session.flush()
    return target


def update_presentation(
    matter: Matter,
    presentation: Presentation,
    *,
    actor: User,
    now: datetime,
    version: int | str | None = None,
):
    """The föredragning is written up to the meeting by whoever raised it, or the managers;
    a save made by someone else since `version` was shown is refused, not overwritten."""
    check_version(matter, version, changed_elsewhere())
    _require_draft(matter)
    if not can_edit_matter(actor, matter):
        raise WorkflowError(_("Bara den som anmälde ärendet, ordföranden eller sekreteraren."))
    presentation = presentation.cleaned()
    _check_presenter(matter.group, presentation.presenter)
    matter.title = presentation.title
    matter.background = presentation.background
    matter.done_so_far = presentation.done_so_far
    matter.proposal = presentation.proposal
    matter.presenter = presentation.presenter
    bump_version(matter)
    db.session.flush()


def move_matter(matter: Matter, step: int, *, actor: User, now: datetime) -> None:
    """Up (-1) or down (+1) on the agenda; the order is fixed once the notice has gone out."""
    meeting = matter.meeting
    _require_manager(matter.group, actor)
    if meeting is None or meeting.agenda_locked:
        raise WorkflowError(_("Dagordningen är låst när kallelsen har skickats."))
    order = list(meeting.matters)
    index = order.index(matter)
    other = index + step
    if not 0 <= other < len(order):
        return
    order[index], order[other] = order[other], order[index]
    for position, item in enumerate(order, start=1):
        item.position = position
    db.session.flush()
    db.session.expire(meeting, ["matters"])  # reload in the new order


def open_case_matter(deviation: Deviation) -> Matter | None:
    """The undecided agenda item a case already has, so it is not put up twice."""
    return db.session.scalar(
        select(Matter)
        .outerjoin(Decision, Decision.matter_id == Matter.id)
        .where(Matter.deviation_id == deviation.id, Decision.id.is_(None))
        .order_by(Matter.id.desc())
    )


def case_presentation(deviation: Deviation) -> Presentation:
    """Föredragning prefilled from the case: what happened and each organization's answer as
    the background, the immediate action as what has been done; the proposal is the group's."""
    parts = [deviation.description.strip()]
    for answer in deviation.answers:
        lines = [answer.what_happened.strip()]
        if answer.cause:
            lines.append(_("Orsak: %(cause)s", cause=answer.cause.strip()))
        if answer.measures:
            lines.append(_("Åtgärder: %(measures)s", measures=answer.measures.strip()))
        parts.append(
            _("Svar från %(organization)s:", organization=answer.organization.name)
            + "\n"
            + "\n".join(lines)
        )
    return Presentation(
        title=f"{deviation.number} {deviation.title}",
        background="\n\n".join(parts),
        done_so_far=deviation.immediate_action,
    )


def put_case_on_agenda(deviation: Deviation, *, actor: User, now: datetime, version=None) -> Matter:
    """A case in preparation goes onto its group's next meeting (late rules as for any matter)."""
    check_version(deviation, version)
    if not deviation.allows(Transition.DECIDE):
        raise WorkflowError(_("Bara ärenden under beredning kan sättas upp på ett möte."))
    if not manages_group(actor, deviation.group_id):
        raise WorkflowError(_("Bara gruppens ordförande eller sekreterare kan göra det."))
    existing = open_case_matter(deviation)
    if existing is not None and existing.meeting is not None:
        raise WorkflowError(
            _("Ärendet är redan uppsatt på mötet %(date)s.", date=_day(existing.meeting))
        )
    group = deviation.group
    meeting = next_open_meeting(group, now) or next_meeting(group, now)
    if meeting is None:
        raise WorkflowError(_("Gruppen har inget planerat möte. Planera ett möte först."))
    role = next(m.role for m in actor.memberships if m.active and m.group_id == deviation.group_id)
    raised_by = RaisedBy.CHAIR if role is MembershipRole.CHAIR else RaisedBy.SECRETARY
    return raise_matter(
        meeting,
        kind=MatterKind.DEVIATION,
        raised_by=raised_by,
        presentation=case_presentation(deviation),
        actor=actor,
        now=now,
        deviation=deviation,
    )


# --- Written views (§6.2 Frånvaro) -----------------------------------------------------------


def add_written_view(matter: Matter, text: str, *, actor: User, now: datetime) -> WrittenView:
    if not can_send_written_view(actor, matter, now=now):
        raise WorkflowError(_("Skriftliga synpunkter lämnas av gruppens ledamöter före mötet."))
    if not (text or "").strip():
        raise WorkflowError(_("Skriv dina synpunkter."))
    guard_text(text=text)
    view = WrittenView(matter=matter, user=actor, created_at=now, text=text.strip())
    db.session.add(view)
    db.session.flush()
    return view


# --- Notice (kallelse och dagordning) ---------------------------------------------------------


@dataclass
class NoticeResult:
    overdue: bool
    moved: list[Matter] = field(default_factory=list)
    recipients: int = 0


def send_notice(meeting: Meeting, *, actor: User, now: datetime) -> NoticeResult:
    """Send the notice and agenda once; it locks the agenda.

    Late matters the chair has not taken up move to the following meeting first, so the agenda
    the members get is the one the meeting will follow. Sending after the deadline is allowed
    (better late than never) but reported, so the view can warn.
    """
    _require_manager(meeting.group, actor)
    if meeting.cancelled:
        raise WorkflowError(_("Mötet är inställt."))
    if meeting.agenda_locked:
        raise WorkflowError(_("Kallelsen är redan skickad."))
    if meeting.starts_at <= now:
        raise WorkflowError(_("Mötet har redan börjat."))
    moved = [m for m in meeting.matters if m.late and m.late_accepted_by_id is None]
    target = following_meeting(meeting) if moved else None
    for matter in moved:
        _place_on(matter, target)
        matter.late = False
    meeting.notice_sent_at = now
    meeting.notice_sent_by_id = actor.id
    db.session.flush()
    db.session.refresh(meeting, ["matters"])
    recipients = notify_many(
        _members(meeting.group),
        kind="meeting_notice",
        subject=_(
            "Kallelse: %(group)s %(date)s", group=meeting.group.display_name, date=_day(meeting)
        ),
        body=" ".join(
            [
                _(
                    "%(group)s har möte %(date)s. Dagordningen har %(count)d ärenden. "
                    "Logga in för att läsa kallelsen och föredragningarna.",
                    group=meeting.group.name,
                    date=_day(meeting),
                    count=len(meeting.matters),
                ),
                *notice_statements(meeting),
            ]
        ),
        now=now,
        url=f"/moten/{meeting.id}/kallelse",
        due=f"meeting-{meeting.id}",
    )
    overdue = meeting_deadlines(meeting).notice_overdue(now)
    return NoticeResult(overdue=overdue, moved=moved, recipients=recipients)


# --- Attendance and decisions ----------------------------------------------------------------


def _require_recording_open(meeting: Meeting, now: datetime) -> None:
    """Attendance and decisions are recorded from the start of the meeting until the minutes
    are approved: the secretary often writes them up afterwards, from notes."""
    if meeting.cancelled:
        raise WorkflowError(_("Mötet är inställt."))
    if now < meeting.starts_at:
        raise WorkflowError(
            _(
                "Närvaro och beslut förs in först när mötet har börjat (%(when)s).",
                when=_when(meeting),
            )
        )
    if meeting.minutes_approved:
        raise WorkflowError(
            _("Protokollet är justerat. Närvaro och beslut kan inte ändras längre.")
        )


def record_attendance(meeting: Meeting, present_ids, *, actor: User, now: datetime) -> QuorumStatus:
    """Who is present, one row per active membership; quorum is computed from these rows."""
    _require_manager(meeting.group, actor)
    _require_recording_open(meeting, now)
    present = set(present_ids)
    memberships = [m for m in meeting.group.memberships if m.active]
    unknown = present - {m.id for m in memberships}
    if unknown:
        raise WorkflowError(_("Närvarolistan innehåller någon som inte är med i gruppen."))
    rows = {a.membership_id: a for a in meeting.attendance}
    for membership in memberships:
        row = rows.get(membership.id)
        if row is None:
            row = Attendance(membership=membership)
            meeting.attendance.append(row)
        row.present = membership.id in present
    db.session.flush()
    return meeting_quorum(meeting)


@dataclass
class ActionDraft:
    description: str
    due_on: date
    owner_organization: Organization | None = None
    owner_group: Group | None = None


@dataclass
class AssignmentDraft:
    """Uppdragsbeskrivning (LEDNINGSSYSTEM §7.2)."""

    to_group: Group
    purpose: str
    deliverable: str
    deadline: date
    background: str | None = None
    reporting_back: str | None = None


def allowed_outcomes(group: Group) -> list[DecisionOutcome]:
    """The escalation chain: a samverkansgrupp refers to LSVO; LSVO, which cannot refer to
    itself, refers what its members cannot agree on to the parties' own decision bodies."""
    strategic = group.level is GroupLevel.STRATEGIC
    return [
        outcome
        for outcome in DecisionOutcome
        if not (outcome is DecisionOutcome.REFERRED_TO_LSVO and strategic)
        and not (outcome is DecisionOutcome.REFERRED_TO_PARTIES and not strategic)
    ]


def can_refer_upward(group: Group) -> bool:
    """LSVO prepares matters for the regionchefsgrupp (§6.2 "Bereda ärenden till
    regionchefsgruppen"): a decided matter can be put on its escalation parent's agenda."""
    return group.level is GroupLevel.STRATEGIC and group.escalation_parent_id is not None


def record_decision(
    matter: Matter,
    *,
    outcome: DecisionOutcome,
    text: str,
    actor: User,
    now: datetime,
    follow_up_on: date | None = None,
    action: ActionDraft | None = None,
    assignment: AssignmentDraft | None = None,
    refer_upward: bool = False,
) -> Decision:
    """Record the group's decision on one matter and carry out what it means.

    Refused without quorum unless the matter is only noted (§6.2 Frånvaro); the quorum it was
    made with is stored with it. A linked case moves through the case workflow itself: decided
    → services.deviations.decide (LSVO's decision when the case is escalated), referred to LSVO
    → hand_over plus a matter on LSVO's next draft agenda. Postponed keeps this item, marked as
    such in this meeting's minutes, and puts a copy on the group's next draft agenda, because a
    matter has one decision and the next meeting needs to make its own.
    """
    meeting = matter.meeting
    group = matter.group
    if meeting is None:
        raise WorkflowError(_("Ärendet är inte uppsatt på något möte."))
    if not can_record_decision(actor, meeting):
        raise WorkflowError(_("Bara gruppens ordförande eller sekreterare för in beslut."))
    _require_recording_open(meeting, now)
    _require_draft(matter)
    if matter.late and matter.late_accepted_by_id is None:
        raise WorkflowError(
            _("Ärendet anmäldes för sent och ordföranden har inte tagit upp det på mötet.")
        )
    if outcome not in allowed_outcomes(group):
        raise WorkflowError(_("Det utfallet finns inte för den här gruppen."))
    text = (text or "").strip()
    if not text and outcome in (DecisionOutcome.NOTED, DecisionOutcome.POSTPONED):
        text = str(outcome.title)
    if not text:
        raise WorkflowError(_("Skriv beslutet."))
    if (action or assignment or refer_upward) and outcome is not DecisionOutcome.DECIDED:
        raise WorkflowError(_("Åtgärder och uppdrag hör till ett fattat beslut (Beslutat)."))
    if follow_up_on is not None:
        if outcome not in (DecisionOutcome.DECIDED, DecisionOutcome.REFERRED_TO_PARTIES):
            raise WorkflowError(_("Uppföljning hör till ett fattat eller hänskjutet beslut."))
        if follow_up_on <= local_today(now):
            raise WorkflowError(_("Uppföljningsdatum måste ligga i framtiden."))
    if refer_upward and not can_refer_upward(group):
        raise WorkflowError(_("Gruppen har ingen överordnad grupp att lyfta ärendet till."))
    guard_text(text=text)  # named as the form field, so the message lands under it
    quorum = meeting_quorum(meeting)
    if outcome.needs_quorum and not quorum.met:
        raise WorkflowError(quorum.explanation())
    decision = Decision(
        matter=matter,
        outcome=outcome,
        text=text,
        decided_at=now,
        recorded_by=actor,
        quorum=quorum.as_dict(),
        follow_up_on=follow_up_on,
    )
    db.session.add(decision)
    db.session.flush()
    _move_case(matter, decision, actor=actor, now=now)
    if action is not None:
        _add_action(matter, decision, action, actor=actor, now=now)
    if assignment is not None:
        _give_assignment(matter, decision, assignment, now=now)
    if refer_upward:
        add_system_matter(
            group.escalation_parent,
            kind=matter.kind,
            title=matter.title,
            now=now,
            raised_by=RaisedBy.LSVO,
            deviation=matter.deviation,
            background=_referral_background(matter, decision),
            proposal=matter.proposal,
        )
    if outcome is DecisionOutcome.POSTPONED:
        copy = _postpone(matter, now=now)
        if matter.kind is MatterKind.CLUSTER:
            clusters.carry_over(matter, copy)
    db.session.flush()
    return decision


def _referral_background(matter: Matter, decision: Decision) -> str:
    intro = _(
        "Från %(group)s, möte %(date)s: %(decision)s",
        group=matter.group.name,
        date=_day(matter.meeting),
        decision=decision.text,
    )
    return f"{intro}\n\n{matter.background}" if matter.background else intro


def _move_case(matter: Matter, decision: Decision, *, actor: User, now: datetime) -> None:
    deviation = matter.deviation
    outcome = decision.outcome
    if outcome is DecisionOutcome.REFERRED_TO_LSVO:
        if deviation is not None:
            hand_over(deviation, reason=decision.text, actor=actor, now=now)
        # The samverkansgrupp is "annan part" in LSVO's terms (§6.2 Aktualisering): its chair
        # may sit in LSVO, but the matter comes from the group, whose decision opens the
        # background.
        add_system_matter(
            strategic_group(matter.group.region_id),
            kind=matter.kind,
            title=matter.title,
            now=now,
            raised_by=RaisedBy.OTHER_PARTY,
            raised_by_group=matter.group,
            deviation=deviation,
            background=_referral_background(matter, decision),
            proposal=matter.proposal,
        )
    elif outcome is DecisionOutcome.DECIDED and deviation is not None:
        if deviation.allows(Transition.DECIDE) or deviation.allows(Transition.LSVO_DECIDE):
            decide(deviation, decision=decision.text, actor=actor, now=now)
    if matter.kind is MatterKind.CLUSTER:
        # A cluster's decision goes to each of its cases (services/clusters.py).
        clusters.apply_lsvo_decision(matter, decision, actor=actor, now=now)


def _add_action(matter, decision, draft: ActionDraft, *, actor, now) -> Action:
    deviation = matter.deviation
    if deviation is not None and deviation.state is DeviationState.ACTIONS:
        action = add_action(
            deviation,
            description=draft.description,
            due_on=draft.due_on,
            owner_organization=draft.owner_organization,
            owner_group=draft.owner_group,
            actor=actor,
            now=now,
        )
        action.decision = decision
        return action
    if (draft.owner_organization is None) == (draft.owner_group is None):
        raise WorkflowError(_("Välj en ägare: en organisation eller en grupp."))
    if not (draft.description or "").strip():
        raise WorkflowError(_("Beskriv åtgärden."))
    if draft.due_on < local_today(now):
        raise WorkflowError(_("Slutdatum kan inte vara passerat."))
    guard_text(description=draft.description)
    action = Action(
        decision=decision,
        description=draft.description.strip(),
        due_on=draft.due_on,
        owner_organization=draft.owner_organization,
        owner_group=draft.owner_group,
        created_by=actor,
        created_at=now,
    )
    db.session.add(action)
    return action


def _give_assignment(matter, decision, draft: AssignmentDraft, *, now) -> Assignment:
    """The assignment goes onto the receiving group's agenda, so it is taken up there."""
    if not (draft.purpose or "").strip() or not (draft.deliverable or "").strip():
        raise WorkflowError(_("Ett uppdrag behöver syfte och vad som ska levereras."))
    if draft.to_group.region_id != matter.group.region_id:
        raise WorkflowError(_("Uppdraget kan bara ges till en grupp i regionen."))
    if draft.deadline <= local_today(now):
        raise WorkflowError(_("Uppdragets slutdatum måste ligga i framtiden."))
    guard_text(
        purpose=draft.purpose,
        assignment_background=draft.background,
        deliverable=draft.deliverable,
        reporting_back=draft.reporting_back,
    )

    def clean(text):
        return (text or "").strip() or None

    assignment = Assignment(
        decision=decision,
        to_group=draft.to_group,
        purpose=draft.purpose.strip(),
        background=clean(draft.background),
        deliverable=draft.deliverable.strip(),
        deadline=draft.deadline,
        reporting_back=clean(draft.reporting_back),
    )
    db.session.add(assignment)
    raised_by = (
        RaisedBy.LSVO if matter.group.level is GroupLevel.STRATEGIC else RaisedBy.OTHER_PARTY
    )
    add_system_matter(
        draft.to_group,
        kind=MatterKind.ASSIGNMENT,
        title=_("Uppdrag från %(group)s: %(title)s", group=matter.group.name, title=matter.title),
        now=now,
        raised_by=raised_by,
        raised_by_group=matter.group,
        background=assignment.purpose,
        proposal=assignment.deliverable,
    )
    return assignment


def _postpone(matter: Matter, *, now: datetime) -> Matter:
    copy = Matter(
        group=matter.group,
        kind=matter.kind,
        title=matter.title,
        raised_by=matter.raised_by,
        raised_by_user=matter.raised_by_user,
        presenter=matter.presenter,
        background=matter.background,
        done_so_far=matter.done_so_far,
        proposal=matter.proposal,
        deviation=matter.deviation,
        follows_up_decision=matter.follows_up_decision,
        source_minutes=matter.source_minutes,
        registered_at=now,
    )
    db.session.add(copy)
    _place_on(copy, following_meeting(matter.meeting))
    return copy


def agenda_case_ids(matters) -> list[int]:
    """The cases whose content these matters show (for the read log, DESIGN §10): each
    matter's own case, and a cluster matter's cases, which its föredragning lists."""
    ids = [m.deviation_id for m in matters if m.deviation_id is not None]
    cluster_matters = [m.id for m in matters if m.kind is MatterKind.CLUSTER]
    if cluster_matters:
        ids += db.session.scalars(
            select(ClusterCase.deviation_id)
            .join(Cluster, ClusterCase.cluster_id == Cluster.id)
            .where(Cluster.matter_id.in_(cluster_matters), ClusterCase.removed_at.is_(None))
            .order_by(ClusterCase.deviation_id)
        )
    return ids


# --- The meeting page -------------------------------------------------------------------------

# Everything the meeting page shows, loaded up front (issue 15): the page costs the same number
# of statements whether the agenda has one matter or thirty.
MEETING_PAGE_OPTIONS = (
    joinedload(Meeting.group)
    .selectinload(Group.memberships)
    .options(joinedload(Membership.user), joinedload(Membership.represented_organization)),
    joinedload(Meeting.extra_decided_by),
    selectinload(Meeting.attendance),
    selectinload(Meeting.minutes),
    selectinload(Meeting.matters).options(
        joinedload(Matter.raised_by_user),
        joinedload(Matter.raised_by_group),
        joinedload(Matter.presenter),
        joinedload(Matter.deviation).joinedload(Deviation.category),
        joinedload(Matter.decision).options(
            selectinload(Decision.actions).options(
                joinedload(Action.owner_organization), joinedload(Action.owner_group)
            ),
            selectinload(Decision.assignments).joinedload(Assignment.to_group),
        ),
        selectinload(Matter.written_views).joinedload(WrittenView.user),
    ),
)


# What the kallelse shows (page and PDF), loaded with the meeting: not one matter at a time.
NOTICE_OPTIONS = (
    joinedload(Meeting.group),
    joinedload(Meeting.extra_decided_by),
    selectinload(Meeting.matters).options(
        joinedload(Matter.presenter),
        joinedload(Matter.deviation).joinedload(Deviation.category),
    ),
)


def visible_agenda_case_ids(user, matters) -> set[int]:
    """Which of the agenda's cases the user may open, in one lookup by id: the agenda names
    every case, but links only these."""
    ids = [m.deviation_id for m in matters if m.deviation_id is not None]
    if not ids:
        return set()
    return set(
        db.session.scalars(
            visible_deviations(user).where(Deviation.id.in_(ids)).with_only_columns(Deviation.id)
        )
    )
