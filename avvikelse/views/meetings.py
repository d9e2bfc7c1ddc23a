"""Möten: a group's meetings, the agenda and its matters, the notice, attendance, decisions.

Shaped like the case page (views/deviations.py): each step is its own POST, loads its objects
through the group membership rule (a group's meetings do not exist for outsiders: 404), answers
403 to members who may not take the step, validates its form, calls one service, commits once
and redirects. A refused step renders the page again with the form as typed (422).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectChoice

from ..extensions import db
from ..forms import EmptyForm
from ..forms import meeting as forms
from ..models import (
    Assignment,
    DecisionOutcome,
    Deviation,
    Group,
    Matter,
    MatterKind,
    Meeting,
    MembershipRole,
    Organization,
    RaisedBy,
    User,
)
from ..permissions import (
    can_edit_matter,
    can_manage_meetings,
    can_raise_matter,
    can_view,
    can_view_assignment,
    can_view_meetings,
    is_group_chair,
    require,
)
from ..services import agenda, case_page, dates, documents
from ..services import annual_cycle as cycle_service
from ..services import meetings as service
from ..services.audit import log_reads
from ..services.dates import local_today
from ..services.errors import WorkflowError, changed_elsewhere
from ..services.meeting_deadlines import meeting_deadlines
from ..services.quorum import meeting_quorum, quorum_status
from . import pdf_download
from .params import query_ids, query_int
from .steps import STALE_STATUS, Done, back_with_flash, run_step

bp = Blueprint("meetings", __name__, url_prefix="/moten")


# --- Loading ---------------------------------------------------------------------------------


def _group_or_404(group_id: int) -> Group:
    group = db.session.get(Group, group_id)
    if group is None or not can_view_meetings(current_user, group):
        abort(404)
    return group


def _meeting_or_404(meeting_id: int, *, options=()) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id, options=options)
    if meeting is None or not can_view_meetings(current_user, meeting.group):
        abort(404)
    return meeting


def _matter_or_404(matter_id: int) -> Matter:
    matter = db.session.get(Matter, matter_id)
    if matter is None or not can_view_meetings(current_user, matter.group):
        abort(404)
    return matter


def log_agenda_read(action: str, matters, *, group: Group, meeting: Meeting | None) -> None:
    """Log the read of every case the page showed (DESIGN §10) and commit it, after rendering
    (nothing is expired mid-page) and before the page is sent."""
    detail = group.display_name
    if meeting is not None:
        detail += f" {_day(meeting).isoformat()}"
    log_reads(
        current_user, action, service.agenda_case_ids(matters), now=dates.now(), detail=detail
    )
    db.session.commit()


# --- Rows for the templates ------------------------------------------------------------------


@dataclass
class MeetingRow:
    meeting: Meeting
    registration_closes: date
    notice_due: date
    status: str
    overdue: bool = False


def _row(meeting: Meeting, now) -> MeetingRow:
    deadlines = meeting_deadlines(meeting)
    overdue = False
    if meeting.cancelled:
        status = _("Inställt")
    elif meeting.starts_at <= now:
        status = _("Har varit")
    elif meeting.agenda_locked:
        status = _("Kallelsen skickad")
    elif deadlines.notice_overdue(now):
        status, overdue = _("Kallelsen är försenad"), True
    elif deadlines.registration_open(now):
        status = _("Öppet för anmälan av ärenden")
    else:
        status = _("Anmälan stängd, kallelsen ska skickas")
    return MeetingRow(meeting, deadlines.registration_closes, deadlines.notice_due, status, overdue)


def _presenter_choices(group: Group) -> list[SelectChoice]:
    members = sorted((m for m in group.memberships if m.active), key=lambda m: m.user.name)
    return [SelectChoice("", _("Ingen vald"))] + [
        SelectChoice(m.user_id, f"{m.user.name} ({m.role.title})") for m in members
    ]


# --- Meetings per group ----------------------------------------------------------------------


@bp.get("/")
def index():
    now = dates.now()
    memberships = sorted(
        (m for m in current_user.memberships if m.active), key=lambda m: m.group.name
    )
    groups = [(m, agenda.next_meeting(m.group, now)) for m in memberships if m.group.active]
    return render_template("meetings/index.html", groups=groups, row=lambda m: _row(m, now))


@bp.get("/arshjul", endpoint="annual_cycle")
def annual_cycle():
    """The year of the user's groups on one printable page."""
    this_year = local_today(dates.now()).year
    year = request.args.get("ar", type=int) or this_year
    if not this_year - 5 <= year <= this_year + 5:
        abort(404)
    groups = [m.group for m in current_user.memberships if m.active and m.group.active]
    return render_template(
        "meetings/annual_cycle.html",
        cycle=cycle_service.annual_cycle(groups, year),
        months=[date(year, month, 1) for month in range(1, 13)],
        this_year=this_year,
    )


@bp.get("/uppdrag/<id:assignment_id>", endpoint="assignment")
def assignment(assignment_id: int):
    """Uppdragsbeskrivning (LEDNINGSSYSTEM §7.2), printable."""
    item = db.session.get(Assignment, assignment_id)
    if item is None or not can_view_assignment(current_user, item):
        abort(404)
    matter = item.decision.matter
    if can_view_meetings(current_user, matter.group):
        back = url_for(".detail", meeting_id=matter.meeting_id, _anchor=f"arende-{matter.id}")
        back_text = _("Till beslutet på mötet")
    else:  # the receiving group does not see the giving group's meetings
        back = url_for(".group", group_id=item.to_group_id)
        back_text = _("Till %(group)s", group=item.to_group.name)
    return render_template(
        "meetings/assignment.html", assignment=item, back=back, back_text=back_text
    )


def _year_form(now, posted=False) -> forms.YearPlanForm:
    this_year = local_today(now).year
    form = (
        forms.YearPlanForm(prefix="year")
        if posted
        else forms.YearPlanForm(formdata=None, prefix="year", year=this_year + 1)
    )
    form.year.choices = [SelectChoice(y, str(y)) for y in (this_year, this_year + 1)]
    return form


def _render_group(
    group: Group, now, *, meeting_form=None, year_form=None, extra_form=None, status=200
):
    meetings = service.group_meetings(group)
    upcoming = [_row(m, now) for m in meetings if m.starts_at > now]
    past = [_row(m, now) for m in reversed(meetings) if m.starts_at <= now]
    html = render_template(
        "meetings/group.html",
        group=group,
        upcoming=upcoming,
        past=past,
        waiting=agenda.waiting_matters(group),
        assignments_received=service.assignments_received(group),
        assignments_given=service.assignments_given(group),
        meeting_form=meeting_form or forms.MeetingForm(formdata=None, prefix="meeting"),
        year_form=year_form or _year_form(now),
        extra_form=extra_form or forms.ExtraMeetingForm(formdata=None, prefix="extra"),
        chairs=is_group_chair(current_user, group),
        failed="meeting"
        if meeting_form
        else "year"
        if year_form
        else "extra"
        if extra_form
        else None,
    )
    return html, status


@bp.get("/grupp/<id:group_id>")
def group(group_id: int):
    return _render_group(_group_or_404(group_id), dates.now())


@bp.post("/grupp/<id:group_id>/planera", endpoint="plan")
def plan(group_id: int):
    group = _group_or_404(group_id)
    require(can_manage_meetings(current_user, group))
    now = dates.now()
    form = forms.MeetingForm(prefix="meeting")

    def call() -> Done:
        meeting = service.plan_meeting(
            group,
            day=form.day.data,
            starts=form.starts.data,
            ends=form.ends.data,
            place=form.place.data,
            link=form.link.data,
            actor=current_user,
            now=now,
        )
        # An explicit anchor: the browser would otherwise keep the form's #planera.
        return Done(
            _("Mötet är planerat."), to=url_for(".detail", meeting_id=meeting.id, _anchor="main")
        )

    return run_step(
        form,
        call,
        done=url_for(".group", group_id=group.id),
        refused=lambda form, status: _render_group(group, now, meeting_form=form, status=status),
    )


@bp.post("/grupp/<id:group_id>/extra-sammantrade", endpoint="call_extra")
def call_extra(group_id: int):
    group = _group_or_404(group_id)
    require(can_manage_meetings(current_user, group))
    now = dates.now()
    form = forms.ExtraMeetingForm(prefix="extra")

    def call() -> Done:
        meeting = service.call_extra_meeting(
            group,
            day=form.day.data,
            starts=form.starts.data,
            ends=form.ends.data,
            place=form.place.data,
            link=form.link.data,
            notice_days=form.notice_days.data,
            reason=form.reason.data,
            chair_decided=form.chair_decided.data,
            actor=current_user,
            now=now,
        )
        return Done(
            _("Det extra sammanträdet är planerat. Skicka kallelsen i tid."),
            to=url_for(".detail", meeting_id=meeting.id, _anchor="main"),
        )

    return run_step(
        form,
        call,
        done=url_for(".group", group_id=group.id),
        refused=lambda form, status: _render_group(group, now, extra_form=form, status=status),
    )


@bp.post("/grupp/<id:group_id>/planera-ar", endpoint="plan_year")
def plan_year(group_id: int):
    group = _group_or_404(group_id)
    require(can_manage_meetings(current_user, group))
    now = dates.now()
    form = _year_form(now, posted=True)

    def call() -> str:
        days = [entry.data for entry in form.days if entry.data]
        if form.weekday.data is not None:
            days += service.first_weekdays(form.year.data, form.weekday.data)
        if not days:
            raise WorkflowError(_("Välj en veckodag eller skriv minst ett datum."))
        planned = service.plan_year(
            group,
            days=days,
            starts=form.starts.data,
            ends=form.ends.data,
            place=form.place.data,
            link=form.link.data,
            actor=current_user,
            now=now,
        )
        return _("%(count)d möten är planerade.", count=len(planned))

    return run_step(
        form,
        call,
        done=url_for(".group", group_id=group.id),
        refused=lambda form, status: _render_group(group, now, year_form=form, status=status),
    )


# --- Raising and preparing a matter ----------------------------------------------------------


def _default_raised_by(group: Group) -> RaisedBy:
    role = next(
        (m.role for m in current_user.memberships if m.active and m.group_id == group.id), None
    )
    return {
        MembershipRole.CHAIR: RaisedBy.CHAIR,
        MembershipRole.SECRETARY: RaisedBy.SECRETARY,
    }.get(role, RaisedBy.MEMBER)


def _case_by_number(group: Group, number: str) -> Deviation | None:
    deviation = db.session.scalar(
        select(Deviation).where(
            Deviation.region_id == group.region_id, Deviation.number == number.strip().upper()
        )
    )
    return deviation if deviation is not None and can_view(current_user, deviation) else None


@bp.route("/grupp/<id:group_id>/nytt-arende", methods=["GET", "POST"], endpoint="new_matter")
def new_matter(group_id: int):
    group = _group_or_404(group_id)
    require(can_raise_matter(current_user, group))
    now = dates.now()
    coming = [m for m in service.group_meetings(group) if not m.cancelled and m.starts_at > now]
    if request.method == "POST":
        form = forms.MatterForm()
    else:
        preset = query_int("mote")
        open_meeting = agenda.next_open_meeting(group, now)
        form = forms.MatterForm(
            formdata=None,
            meeting=preset or (open_meeting.id if open_meeting else None),
            raised_by=_default_raised_by(group),
        )
    form.meeting.choices = [SelectChoice("", _("Välj möte"))] + [
        SelectChoice(m.id, _meeting_label(m, now)) for m in coming
    ]
    form.presenter.choices = _presenter_choices(group)

    def render(form, status: int = 200):
        return render_template(
            "meetings/matter_form.html", group=group, form=form, matter=None
        ), status

    if request.method == "GET":
        return render(form)

    def call() -> Done:
        matter = _raise(group, form, coming, now)
        to = url_for(".detail", meeting_id=matter.meeting_id)
        if matter.late and matter.late_accepted_by_id is None:
            return Done(
                _(
                    "Ärendet är anmält efter sista anmälningsdag. Ordföranden avgör "
                    "om det tas upp på mötet; annars flyttas det till nästa möte."
                ),
                "warning",
                to,
            )
        return Done(_("Ärendet är anmält."), to=to)

    return run_step(form, call, refused=render)


def _day(meeting: Meeting) -> date:
    return service.meeting_date(meeting)


def _meeting_label(meeting: Meeting, now) -> str:
    return _(
        "%(date)s (anmäl senast %(closes)s)",
        date=_day(meeting).isoformat(),
        closes=_row(meeting, now).registration_closes.isoformat(),
    )


def _presentation(form: forms.PresentationForm, group: Group) -> service.Presentation:
    presenter = db.session.get(User, form.presenter.data) if form.presenter.data else None
    return service.Presentation(
        title=form.title.data,
        background=form.background.data,
        done_so_far=form.done_so_far.data,
        proposal=form.proposal.data,
        presenter=presenter,
    )


def _raise(group: Group, form: forms.MatterForm, coming: list[Meeting], now) -> Matter:
    meeting = next(m for m in coming if m.id == form.meeting.data)
    deviation = None
    if form.case_number.data:
        if form.kind.data is not MatterKind.DEVIATION:
            form.case_number.errors = [_("Ärendenummer anges bara för typen Avvikelse.")]
            raise WorkflowError(_("Rätta fälten nedan."))
        deviation = _case_by_number(group, form.case_number.data)
        if deviation is None:
            form.case_number.errors = [_("Det finns inget ärende med det numret som du kan se.")]
            raise WorkflowError(_("Rätta fälten nedan."))
    return service.raise_matter(
        meeting,
        kind=form.kind.data,
        raised_by=form.raised_by.data,
        presentation=_presentation(form, group),
        actor=current_user,
        now=now,
        deviation=deviation,
    )


@bp.route("/arenden/<id:matter_id>/redigera", methods=["GET", "POST"], endpoint="edit_matter")
def edit_matter(matter_id: int):
    matter = _matter_or_404(matter_id)
    require(can_edit_matter(current_user, matter))
    if request.method == "POST":
        form = forms.PresentationEditForm()
    else:
        form = forms.PresentationEditForm(
            formdata=None,
            version=str(matter.version),
            title=matter.title,
            presenter=matter.presenter_id,
            background=matter.background,
            done_so_far=matter.done_so_far,
            proposal=matter.proposal,
        )
    form.presenter.choices = _presenter_choices(matter.group)

    def render(form, status: int = 200):
        if status == STALE_STATUS:
            # The text as typed stays; saving it again now knowingly replaces the other one.
            form.version.data = str(matter.version)
        return render_template(
            "meetings/matter_form.html", group=matter.group, form=form, matter=matter
        ), status

    if request.method == "GET":
        html = render(form)
        # Opening the föredragning to edit it is a read of its case, not yet a change.
        log_agenda_read("read_presentation", [matter], group=matter.group, meeting=matter.meeting)
        return html

    def call() -> str:
        service.update_presentation(
            matter,
            _presentation(form, matter.group),
            actor=current_user,
            now=dates.now(),
            version=form.version.data,
        )
        return _("Föredragningen är sparad.")

    return run_step(form, call, done=_back_to(matter), refused=render, stale=changed_elsewhere())


def _back_to(matter: Matter) -> str:
    if matter.meeting_id is None:
        return url_for(".group", group_id=matter.group_id)
    return url_for(".detail", meeting_id=matter.meeting_id, _anchor=f"arende-{matter.id}")


# --- The meeting page ------------------------------------------------------------------------


@dataclass
class Failure:
    key: str
    item: int | None
    form: FlaskForm


@dataclass
class DecisionChoices:
    outcomes: list[SelectChoice]
    owners: list[SelectChoice]
    assignment_groups: list[SelectChoice]


def decision_choices(meeting: Meeting) -> DecisionChoices:
    """The decision form's choices, the same for every matter: the page looks them up once."""
    region_id = meeting.group.region_id
    groups = case_page.region_groups(region_id)
    organizations, group_label = _("Organisationer"), _("Grupper")
    return DecisionChoices(
        outcomes=[SelectChoice(o.value, o.title) for o in service.allowed_outcomes(meeting.group)],
        owners=[
            SelectChoice("", _("Välj …")),
            *(
                SelectChoice(f"organization:{o.id}", o.name, optgroup=organizations)
                for o in case_page.region_organizations(region_id)
            ),
            *(SelectChoice(f"group:{g.id}", g.name, optgroup=group_label) for g in groups),
        ],
        assignment_groups=[SelectChoice("", _("Inget uppdrag"))]
        + [SelectChoice(g.id, g.name) for g in groups if g.id != meeting.group_id],
    )


class MeetingPage:
    """Builds the forms the template asks for; a failed one comes back as typed."""

    def __init__(self, meeting: Meeting, now, failure: Failure | None = None):
        self.meeting = meeting
        self.now = now
        self.today = local_today(now)
        self.failure = failure
        self.row = _row(meeting, now)
        self.quorum = meeting_quorum(meeting)
        self.present = {a.membership_id for a in meeting.attendance if a.present}
        self.attendance_taken = bool(meeting.attendance)
        # From the start of the meeting until the minutes are approved (services/meetings.py).
        self.recording_open = (
            not meeting.cancelled and meeting.starts_at <= now and not meeting.minutes_approved
        )
        self.future = meeting.starts_at > now
        self.viewable = service.visible_agenda_case_ids(current_user, meeting.matters)

    def failed(self, key: str, item: int | None = None) -> bool:
        return bool(self.failure and (self.failure.key, self.failure.item) == (key, item))

    def form(self, key: str, item: int | None = None):
        if self.failed(key, item):
            return self.failure.form
        choices = self.decision_choices if key == "decision" else None
        return build_form(key, self.meeting, item, posted=False, choices=choices)

    @cached_property
    def decision_choices(self) -> DecisionChoices:
        return decision_choices(self.meeting)

    def attendance_groups(self):
        """Memberships by represented organization; those without one (chair, secretary,
        co-opted) last, since they never count for quorum."""
        groups: dict[str, list] = {}
        for m in sorted(
            (m for m in self.meeting.group.memberships if m.active), key=lambda m: m.user.name
        ):
            name = m.represented_organization.name if m.represented_organization else ""
            groups.setdefault(name, []).append(m)
        return sorted(groups.items(), key=lambda kv: (kv[0] == "", kv[0]))

    def checked(self, membership_id: int) -> bool:
        if self.failed("attendance"):
            return membership_id in (self.failure.form.present.data or [])
        return membership_id in self.present


def build_form(
    key: str,
    meeting: Meeting,
    item: int | None = None,
    *,
    posted: bool,
    choices: DecisionChoices | None = None,
):
    prefix = key if item is None else f"{key}-{item}"
    kwargs = {"prefix": prefix} if posted else {"prefix": prefix, "formdata": None}
    if key == "attendance":
        form = forms.AttendanceForm(**kwargs)
        form.present.choices = [
            SelectChoice(m.id, m.user.name) for m in meeting.group.memberships if m.active
        ]
    elif key == "decision":
        form = forms.DecisionForm(**kwargs)
        choices = choices or decision_choices(meeting)
        form.outcome.choices = choices.outcomes
        form.action_owner.choices = choices.owners
        form.assignment_group.choices = choices.assignment_groups
    elif key == "view":
        form = forms.WrittenViewForm(**kwargs)
    elif key == "move":
        if not posted:
            local = meeting.starts_at.astimezone(dates.STOCKHOLM)
            kwargs.update(day=local.date(), starts=local.time(), place=meeting.place)
            if meeting.ends_at is not None:
                kwargs["ends"] = meeting.ends_at.astimezone(dates.STOCKHOLM).time()
        form = forms.MoveMeetingForm(**kwargs)
    elif key == "cancel":
        form = forms.CancelMeetingForm(**kwargs)
    else:
        abort(404)
    return form


def _render_meeting(meeting: Meeting, now, failure: Failure | None = None, status: int = 200):
    page = MeetingPage(meeting, now, failure)
    html = render_template(
        "meetings/detail.html",
        meeting=meeting,
        page=page,
        statements=documents.notice_statements(meeting),
        button=EmptyForm(),
        can_refer_upward=service.can_refer_upward(meeting.group),
        DecisionOutcome=DecisionOutcome,
    )
    log_agenda_read("read_meeting", meeting.matters, group=meeting.group, meeting=meeting)
    return html, status


@bp.get("/<id:meeting_id>")
def detail(meeting_id: int):
    meeting = _meeting_or_404(meeting_id, options=service.MEETING_PAGE_OPTIONS)
    return _render_meeting(meeting, dates.now())


@bp.get("/<id:meeting_id>/kallelse")
def notice(meeting_id: int):
    meeting = _meeting_or_404(meeting_id, options=service.NOTICE_OPTIONS)
    html = render_template(
        "meetings/notice.html",
        meeting=meeting,
        row=_row(meeting, dates.now()),
        statements=documents.notice_statements(meeting),
        button=EmptyForm(),
    )
    log_agenda_read("read_notice", meeting.matters, group=meeting.group, meeting=meeting)
    return html


@bp.get("/<id:meeting_id>/kallelse.pdf", endpoint="notice_pdf")
def notice_pdf(meeting_id: int):
    meeting = _meeting_or_404(meeting_id, options=service.NOTICE_OPTIONS)
    parts = (_("kallelse"), meeting.group.display_name, _day(meeting).isoformat())
    data = documents.notice_pdf(meeting)
    log_agenda_read("read_notice_pdf", meeting.matters, group=meeting.group, meeting=meeting)
    return pdf_download(data, *parts)


def _button(meeting_or_matter, run: Callable[[object], str], *, allowed: bool, back: str):
    """A POST with no input but the CSRF token: a refusal is a flash, as nothing was typed."""
    require(allowed)
    return run_step(
        EmptyForm(), lambda: run(meeting_or_matter), done=back, refused=back_with_flash(back)
    )


@bp.post("/<id:meeting_id>/skicka-kallelse", endpoint="send_notice")
def send_notice(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    now = dates.now()

    def run(meeting):
        result = service.send_notice(meeting, actor=current_user, now=now)
        if result.overdue:
            flash(
                _(
                    "Kallelsen skickades efter sista dag (%(date)s). Ledamöterna har mindre "
                    "än en vecka att förbereda sig.",
                    date=_row(meeting, now).notice_due.isoformat(),
                ),
                "warning",
            )
        if result.moved:
            flash(
                _(
                    "%(count)d sent anmälda ärenden som ordföranden inte tagit upp flyttades "
                    "till nästa möte.",
                    count=len(result.moved),
                ),
                "warning",
            )
        return _(
            "Kallelsen är skickad till %(count)d ledamöter. Dagordningen är låst.",
            count=result.recipients,
        )

    return _button(
        meeting,
        run,
        allowed=can_manage_meetings(current_user, meeting.group),
        back=url_for(".notice", meeting_id=meeting_id),
    )


def _meeting_step(meeting: Meeting, key: str, call: Callable[[FlaskForm], str], now):
    """A step on the whole meeting with typed input: a refusal renders the page with it."""
    require(can_manage_meetings(current_user, meeting.group))
    form = build_form(key, meeting, posted=True)
    return run_step(
        form,
        lambda: call(form),
        done=url_for(".detail", meeting_id=meeting.id),
        refused=lambda form, status: _render_meeting(
            meeting, now, Failure(key, None, form), status
        ),
    )


@bp.post("/<id:meeting_id>/flytta", endpoint="move")
def move(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    now = dates.now()

    def call(form) -> str:
        told = service.move_meeting(
            meeting,
            day=form.day.data,
            starts=form.starts.data,
            ends=form.ends.data,
            place=form.place.data,
            reason=form.reason.data,
            actor=current_user,
            now=now,
        )
        if not meeting.agenda_locked and meeting_deadlines(meeting).notice_overdue(now):
            flash(
                _(
                    "Kallelsen skulle ha skickats senast %(date)s för den nya tiden. "
                    "Skicka den nu.",
                    date=meeting_deadlines(meeting).notice_due.isoformat(),
                ),
                "warning",
            )
        if told:
            return _("Mötet är flyttat. %(count)d som fått kallelsen har fått besked.", count=told)
        return _("Mötet är flyttat. Tidsgränserna följer den nya tiden.")

    return _meeting_step(meeting, "move", call, now)


@bp.post("/<id:meeting_id>/stall-in", endpoint="cancel")
def cancel(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    now = dates.now()

    def call(form) -> str:
        target = service.cancel_meeting(
            meeting, reason=form.reason.data, actor=current_user, now=now
        )
        if target is None:
            return _("Mötet är inställt. Ärendena väntar tills nästa möte är planerat.")
        return _(
            "Mötet är inställt. Ärendena är flyttade till mötet %(date)s.",
            date=_day(target).isoformat(),
        )

    return _meeting_step(meeting, "cancel", call, now)


def _matter_step(matter_id: int, run, *, allowed: Callable[[Matter], bool]):
    matter = _matter_or_404(matter_id)
    return _button(matter, run, allowed=allowed(matter), back=_back_to(matter))


@bp.post("/arenden/<id:matter_id>/flytta/<direction>", endpoint="reorder")
def reorder(matter_id: int, direction: str):
    if direction not in ("upp", "ned"):
        abort(404)

    def run(matter):
        service.move_matter(
            matter, -1 if direction == "upp" else 1, actor=current_user, now=dates.now()
        )
        return _("Ordningen är ändrad.")

    return _matter_step(
        matter_id, run, allowed=lambda m: can_manage_meetings(current_user, m.group)
    )


@bp.post("/arenden/<id:matter_id>/ta-upp", endpoint="accept_late")
def accept_late(matter_id: int):
    def run(matter):
        service.accept_late_matter(matter, actor=current_user, now=dates.now())
        return _("Ärendet tas upp på mötet.")

    return _matter_step(
        matter_id, run, allowed=lambda m: can_manage_meetings(current_user, m.group)
    )


@bp.post("/arenden/<id:matter_id>/till-nasta-mote", endpoint="move_on")
def move_on(matter_id: int):
    matter = _matter_or_404(matter_id)

    def run(matter):
        target = service.move_to_following_meeting(matter, actor=current_user, now=dates.now())
        if target is None:
            return _("Ärendet väntar tills nästa möte är planerat.")
        return _("Ärendet är flyttat till mötet %(date)s.", date=_day(target).isoformat())

    # The page the secretary came from, not the matter's new one.
    if matter.meeting_id is None:
        back = url_for(".group", group_id=matter.group_id)
    else:
        back = url_for(".detail", meeting_id=matter.meeting_id)
    return _button(matter, run, allowed=can_manage_meetings(current_user, matter.group), back=back)


def _form_step(matter_id: int, key: str, run, *, allowed: Callable[[Matter], bool]):
    """A step with typed input on the meeting page: a refusal renders the page with it (422)."""
    matter = _matter_or_404(matter_id)
    require(allowed(matter))
    meeting = matter.meeting
    if meeting is None:
        abort(404)
    now = dates.now()
    form = build_form(key, meeting, matter.id, posted=True)
    return run_step(
        form,
        lambda: run(matter, form, now),
        done=url_for(".detail", meeting_id=meeting.id, _anchor=f"arende-{matter.id}"),
        refused=lambda form, status: _render_meeting(
            meeting, now, Failure(key, matter_id, form), status
        ),
    )


@bp.post("/arenden/<id:matter_id>/synpunkter", endpoint="written_view")
def written_view(matter_id: int):
    def run(matter, form, now):
        service.add_written_view(matter, form.text.data, actor=current_user, now=now)
        return _("Dina synpunkter är skickade och visas med ärendet.")

    return _form_step(
        matter_id, "view", run, allowed=lambda m: can_raise_matter(current_user, m.group)
    )


def _owner(value: str | None):
    if not value:
        return None
    kind, _sep, owner_id = value.partition(":")
    return db.session.get(Organization if kind == "organization" else Group, int(owner_id))


@bp.post("/arenden/<id:matter_id>/beslut", endpoint="record_decision")
def record_decision(matter_id: int):
    def run(matter, form, now):
        action = assignment = None
        if form.action_description.data:
            owner = _owner(form.action_owner.data)
            action = service.ActionDraft(
                description=form.action_description.data,
                due_on=form.action_due_on.data,
                owner_organization=owner if isinstance(owner, Organization) else None,
                owner_group=owner if isinstance(owner, Group) else None,
            )
        if form.assignment_group.data:
            assignment = service.AssignmentDraft(
                to_group=db.session.get(Group, form.assignment_group.data),
                purpose=form.purpose.data,
                background=form.assignment_background.data,
                deliverable=form.deliverable.data,
                deadline=form.assignment_deadline.data,
                reporting_back=form.reporting_back.data,
            )
        decision = service.record_decision(
            matter,
            outcome=DecisionOutcome(form.outcome.data),
            text=form.text.data,
            actor=current_user,
            now=now,
            follow_up_on=form.follow_up_on.data,
            action=action,
            assignment=assignment,
            refer_upward=form.refer_upward.data,
        )
        return _("Beslutet är sparat: %(outcome)s.", outcome=decision.outcome.title)

    return _form_step(
        matter_id,
        "decision",
        run,
        allowed=lambda m: m.meeting is not None and can_manage_meetings(current_user, m.group),
    )


@bp.get("/<id:meeting_id>/beslutsforhet", endpoint="quorum_preview")
def quorum_preview(meeting_id: int):
    """The quorum box for the ticked, not yet saved attendance (the meeting page's script)."""
    meeting = _meeting_or_404(meeting_id)
    require(can_manage_meetings(current_user, meeting.group))
    ticked = query_ids("narvarande")
    return render_template(
        "meetings/quorum_preview.html",
        quorum=quorum_status(meeting.group.memberships, ticked),
        recorded=True,
    )


@bp.post("/<id:meeting_id>/narvaro", endpoint="attendance")
def attendance(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    require(can_manage_meetings(current_user, meeting.group))
    now = dates.now()
    form = build_form("attendance", meeting, posted=True)

    def call() -> Done:
        quorum = service.record_attendance(
            meeting, form.present.data or [], actor=current_user, now=now
        )
        return Done(
            _("Närvaron är sparad. %(status)s", status=quorum.explanation()),
            "success" if quorum.met else "warning",
        )

    return run_step(
        form,
        call,
        done=url_for(".detail", meeting_id=meeting.id, _anchor="narvaro"),
        refused=lambda form, status: _render_meeting(
            meeting, now, Failure("attendance", None, form), status
        ),
    )
