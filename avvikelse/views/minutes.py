"""The internal minutes page of a meeting and the group's follow-up list (DESIGN §6).

Members of the group read; for anyone else the meeting's minutes do not exist (404). The chair
and the secretary write and correct; the chair and the appointed adjuster approve (403 for the
rest). Each step is a POST that validates its form, calls one service, commits and redirects;
a refused step rolls back and renders the page again with the form as typed (422).
"""

from datetime import datetime

from flask import Blueprint, abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from ..extensions import db
from ..forms.minutes import (
    AdjusterForm,
    ButtonForm,
    CorrectionForm,
    discussion_field_name,
    discussion_form,
)
from ..models import Decision, DecisionOutcome, Group, MatterKind, Meeting, MembershipRole, User
from ..permissions import can_edit_minutes, can_read_minutes, is_group_chair, require, signs_minutes
from ..services import dates, documents
from ..services import minutes as service
from ..services.dates import STOCKHOLM, local_today
from . import pdf_download
from .meetings import log_agenda_read
from .params import query_int
from .steps import back_with_flash, run_step

bp = Blueprint("minutes", __name__, url_prefix="/moten")


def local(moment: datetime | None) -> str:
    """A stored UTC moment as Stockholm wall-clock time, for the approval lines."""
    if moment is None:
        return ""
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def _meeting_or_404(meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not can_read_minutes(current_user, meeting.group):
        abort(404)
    return meeting


def _minutes_or_404(meeting: Meeting, minutes_id: int):
    minutes = next((m for m in meeting.minutes if m.id == minutes_id), None)
    if minutes is None:
        abort(404)
    return minutes


def _version_or_404(meeting: Meeting, version: int | None):
    """The version asked for (404 if there is none), else the latest (None before a draft)."""
    if version is None:
        return service.latest_minutes(meeting)
    shown = next((m for m in meeting.minutes if m.version == version), None)
    if shown is None:
        abort(404)
    return shown


def _adjuster_form(meeting, minutes, *, posted: bool = False) -> AdjusterForm:
    form = AdjusterForm() if posted else AdjusterForm(formdata=None, adjuster=minutes.adjuster_id)
    form.adjuster.choices = [
        SelectChoice("", _("Välj …")),
        *(SelectChoice(m.user_id, m.user.name) for m in service.eligible_adjusters(meeting)),
    ]
    return form


def _render(meeting: Meeting, *, version: int | None = None, failed=None, status: int = 200):
    """The page for one version (the latest unless asked), with the forms its viewer may use.

    `failed` is a (key, form) pair: that form is shown as the user typed it, with its errors.
    """
    failed_key, failed_form = failed or (None, None)
    latest = service.latest_minutes(meeting)
    shown = _version_or_404(meeting, version)
    editable = can_edit_minutes(current_user, meeting.group)
    forms = {}
    if shown is None:
        if editable:
            forms["draft"] = ButtonForm()
        content = None
    elif shown.is_approved:
        content = shown.content
        if editable and shown is latest:
            forms["correct"] = CorrectionForm(formdata=None)
    else:
        content = service.build_content(meeting)
        if editable:
            forms["discussion"] = discussion_form(meeting.matters)
            forms["adjuster"] = _adjuster_form(meeting, shown)
        if signs_minutes(current_user, shown):
            forms["approve"] = ButtonForm()
    if failed_key:
        forms[failed_key] = failed_form
    discussion = forms.get("discussion")
    return render_template(
        "minutes/detail.html",
        meeting=meeting,
        minutes=shown,
        latest=latest,
        content=content,
        forms=forms,
        discussion_fields={m.id: discussion[discussion_field_name(m.id)] for m in meeting.matters}
        if discussion
        else {},
        held=meeting.starts_at <= dates.now() and not meeting.cancelled,
        is_chair=is_group_chair(current_user, meeting.group),
        local=local,
        MatterKind=MatterKind,
        DecisionOutcome=DecisionOutcome,
        MembershipRole=MembershipRole,
    ), status


@bp.get("/<id:meeting_id>/protokoll")
def detail(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    page = _render(meeting, version=query_int("version"))
    if service.latest_minutes(meeting) is not None:  # before a draft, no matter is shown
        log_agenda_read("read_minutes", meeting.matters, group=meeting.group, meeting=meeting)
    return page


@bp.get("/<id:meeting_id>/protokoll.pdf", endpoint="pdf")
def pdf(meeting_id: int):
    """The version the page shows (the latest unless asked), names and discussion included."""
    meeting = _meeting_or_404(meeting_id)
    shown = _version_or_404(meeting, query_int("version"))
    if shown is None:
        abort(404)
    data = documents.minutes_pdf(shown, public=False)
    parts = (*minutes_file_name(shown), *([] if shown.is_approved else [_("utkast")]))
    log_agenda_read("read_minutes_pdf", meeting.matters, group=meeting.group, meeting=meeting)
    return pdf_download(data, *parts)


def minutes_file_name(minutes) -> list[str]:
    """protokoll-<group>-<date>, with -v<n> for a corrected version."""
    meeting = minutes.meeting
    parts = [_("protokoll"), meeting.group.display_name, local(meeting.starts_at)[:10]]
    if minutes.version > 1:
        parts.append(f"v{minutes.version}")
    return parts


def _step(meeting_id: int, minutes_id: int | None, key: str, form, run, *, allowed):
    """Load (404), authorize (403), then the step (views/steps.py); a refusal shows the page
    as it now is, the form as typed."""
    now = dates.now()
    meeting = _meeting_or_404(meeting_id)
    minutes = _minutes_or_404(meeting, minutes_id) if minutes_id is not None else None
    require(allowed(meeting, minutes))
    form = form(meeting, minutes)
    return run_step(
        form,
        lambda: run(meeting, minutes, form, now),
        done=url_for(".detail", meeting_id=meeting_id),
        refused=lambda form, status: _render(meeting, failed=(key, form), status=status),
    )


def _edits(meeting, minutes) -> bool:
    return can_edit_minutes(current_user, meeting.group)


def _button(meeting, minutes):
    return ButtonForm()


@bp.post("/<id:meeting_id>/protokoll/uppratta", endpoint="draft")
def draft(meeting_id: int):
    def run(meeting, minutes, form, now):
        service.draft_minutes(meeting, actor=current_user, now=now)
        return _("Protokollet är upprättat som utkast.")

    return _step(meeting_id, None, "draft", _button, run, allowed=_edits)


@bp.post("/<id:meeting_id>/protokoll/<id:minutes_id>/text", endpoint="discussion")
def discussion(meeting_id: int, minutes_id: int):
    def form(meeting, minutes):
        return discussion_form(meeting.matters, posted=True)

    def run(meeting, minutes, form, now):
        texts = {m.id: form[discussion_field_name(m.id)].data for m in meeting.matters}
        had_approvals = bool(minutes.chair_approved_at or minutes.adjuster_approved_at)
        changed = service.save_discussion(minutes, texts, actor=current_user, now=now)
        if changed and had_approvals:
            return _("Texten är sparad. Godkännandena togs bort eftersom texten ändrades.")
        return _("Protokollstexten är sparad.")

    return _step(meeting_id, minutes_id, "discussion", form, run, allowed=_edits)


@bp.post("/<id:meeting_id>/protokoll/<id:minutes_id>/justerare", endpoint="adjuster")
def adjuster(meeting_id: int, minutes_id: int):
    def form(meeting, minutes):
        return _adjuster_form(meeting, minutes, posted=True)

    def run(meeting, minutes, form, now):
        user = db.session.get(User, form.adjuster.data)
        service.set_adjuster(minutes, user, actor=current_user, now=now)
        return _("%(name)s är utsedd till justerare.", name=user.name)

    return _step(meeting_id, minutes_id, "adjuster", form, run, allowed=_edits)


@bp.post("/<id:meeting_id>/protokoll/<id:minutes_id>/godkann", endpoint="approve")
def approve(meeting_id: int, minutes_id: int):
    def run(meeting, minutes, form, now):
        result = service.approve(minutes, actor=current_user, now=now)
        if result is service.Approval.APPROVED:
            return _("Protokollet är justerat och publicerat.")
        if result is service.Approval.RESTARTED:
            return _(
                "Protokollet har ändrats sedan det första godkännandet, som därför togs bort. "
                "Ditt godkännande gäller den nya texten; den andra underskriften behövs igen."
            )
        return _("Ditt godkännande är registrerat. Protokollet väntar på den andra underskriften.")

    def allowed(meeting, minutes):
        return signs_minutes(current_user, minutes)

    return _step(meeting_id, minutes_id, "approve", _button, run, allowed=allowed)


@bp.post("/<id:meeting_id>/protokoll/<id:minutes_id>/rattelse", endpoint="correct")
def correct(meeting_id: int, minutes_id: int):
    def form(meeting, minutes):
        return CorrectionForm()

    def run(meeting, minutes, form, now):
        correction = service.correct(minutes, reason=form.reason.data, actor=current_user, now=now)
        return _("Version %(version)d är skapad som utkast.", version=correction.version)

    return _step(meeting_id, minutes_id, "correct", form, run, allowed=_edits)


# --- Follow-up of decisions -----------------------------------------------------------------


def _group_or_404(group_id: int) -> Group:
    group = db.session.get(Group, group_id)
    if group is None or not can_read_minutes(current_user, group):
        abort(404)
    return group


@bp.get("/grupp/<id:group_id>/uppfoljning", endpoint="follow_ups")
def follow_ups(group_id: int):
    group = _group_or_404(group_id)
    today = local_today(dates.now())
    rows = [
        {
            "decision": d,
            "status": service.follow_up_status(d, today),
            "matter": service.follow_up_matter(d),
        }
        for d in service.group_follow_ups(group)
    ]
    return render_template(
        "minutes/follow_ups.html",
        group=group,
        rows=rows,
        today=today,
        editable=can_edit_minutes(current_user, group),
        form=ButtonForm(),
        Status=service.FollowUpStatus,
        local=local,
    )


@bp.post("/grupp/<id:group_id>/uppfoljning/<id:decision_id>/klar", endpoint="follow_up_done")
def follow_up_done(group_id: int, decision_id: int):
    group = _group_or_404(group_id)
    decision = db.session.get(Decision, decision_id)
    if decision is None or decision.matter.group_id != group.id:
        abort(404)
    require(can_edit_minutes(current_user, group))

    def call() -> str:
        service.mark_follow_up_done(decision, actor=current_user, now=dates.now())
        return _("Uppföljningen är markerad som klar.")

    back = url_for(".follow_ups", group_id=group.id)
    return run_step(ButtonForm(), call, done=back, refused=back_with_flash(back))
