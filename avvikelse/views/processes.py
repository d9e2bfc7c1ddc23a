"""Gemensamma processer and their processråd (LEDNINGSSYSTEM §2.4, DESIGN §7).

A process page is open to every account of the region, with the short "Lämna
förbättringsförslag" form. The processråd page (goals with run charts, proposals to triage,
efforts, linked deviations over time, maintenance, application checks) exists only for the owner
forum's members (404 for others); its chair and secretary take the steps (403 for the rest).
"""

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from ..extensions import db
from ..forms import EmptyForm
from ..forms import improvement as forms
from ..models import Deviation, ImprovementProposal, Process, ProcessGoal
from ..permissions import (
    can_manage_process,
    can_view,
    can_view_council,
    can_view_process,
    require,
)
from ..services import dates
from ..services import improvement as service
from ..services.audit import log_reads
from ..services.dates import local_today
from ..services.meetings import meeting_date
from .improvement import indicator_form, indicator_spec
from .params import parse_id
from .steps import run_step

bp = Blueprint("processes", __name__, url_prefix="/processer")


def _process_or_404(process_id: int) -> Process:
    process = db.session.get(Process, process_id)
    if process is None or not can_view_process(current_user, process):
        abort(404)
    return process


def _council_or_404(process_id: int) -> Process:
    process = _process_or_404(process_id)
    if not can_view_council(current_user, process):
        abort(404)
    return process


@bp.get("/<id:process_id>")
def detail(process_id: int):
    process = _process_or_404(process_id)
    return _render_process(process)


def _render_process(process, form=None, status: int = 200):
    html = render_template(
        "processes/detail.html",
        process=process,
        form=form or forms.ProposalForm(prefix="proposal"),
        can_council=can_view_council(current_user, process),
    )
    return html, status


@bp.post("/<id:process_id>/forslag")
def propose(process_id: int):
    process = _process_or_404(process_id)
    form = forms.ProposalForm(prefix="proposal")

    def call() -> str:
        service.submit_proposal(process, form.text.data, actor=current_user, now=dates.now())
        return _(
            "Tack! Förslaget är skickat till processrådet. Du ser vad som händer med det "
            "under Mina förslag."
        )

    return run_step(
        form,
        call,
        done=url_for(".detail", process_id=process_id),
        refused=lambda form, status: _render_process(process, form, status),
    )


# --- The processråd -------------------------------------------------------------------------


class CouncilPage:
    """What the processråd page shows of proposals, decided deliberately (issue 12 point 2).

    Staff proposals: the text, the proposer's name and the date. The proposer wrote to the
    processråd in their own name from the process page, and the forum may need to ask them.

    Proposals in a report ("Ditt förslag till förbättring"): the text and the date only. The text
    is the reporter's proposal for the common process, which the forum exists to judge, so every
    member reads it; but the rest of the case follows visible_deviations: its number and link
    only for a member who may open the case, never its title, description, answers, the
    reporter's name, unit or organization. Each shown proposal is logged as a read of its case.
    """

    def __init__(self, process, today, failed: tuple[str, FlaskForm] | None = None):
        self.process, self.today, self.failed = process, today, failed
        self.goal_charts = [
            (goal, [service.indicator_chart(i, today) for i in goal.indicators])
            for goal in process.goals
        ]
        self.proposals = service.open_proposals(process)
        self.case_proposals = service.pending_case_proposals(process)
        self.efforts = service.process_efforts(process)
        self.linked = service.linked_deviation_chart(process, today)
        self.follow_up = service.open_follow_up(process)

    def form(self, key: str):
        if self.failed and self.failed[0] == key:
            return self.failed[1]
        return build_council_form(key, self.process)

    def can_see(self, deviation: Deviation) -> bool:
        return can_view(current_user, deviation)


def build_council_form(key: str, process, formdata=None) -> FlaskForm:
    name, _sep, _item = key.partition("-")
    builders = {
        "triage": forms.TriageForm,
        "goal": forms.GoalForm,
        "maintenance": forms.MaintenanceForm,
        "check": forms.ApplicationCheckForm,
        "measure": forms.MeasurementForm,
        "follow_up": EmptyForm,
    }
    if name == "indicator":
        return indicator_form(process.region_id, formdata=formdata, prefix=key)
    if name not in builders:
        abort(404)
    return builders[name](formdata=formdata, prefix=key)


def _render_council(process, now, failed=None, status: int = 200):
    page = CouncilPage(process, local_today(now), failed)
    html = render_template(
        "processes/council.html",
        process=process,
        page=page,
        can_manage=can_manage_process(current_user, process),
    )
    log_reads(
        current_user,
        "read_council",
        [d.id for d in page.case_proposals],
        now=dates.now(),
        detail=process.name,
    )
    db.session.commit()
    return html, status


@bp.get("/<id:process_id>/processrad")
def council(process_id: int):
    return _render_council(_council_or_404(process_id), dates.now())


def _step(process_id: int, key: str, run):
    now = dates.now()
    process = _council_or_404(process_id)
    require(can_manage_process(current_user, process))
    form = build_council_form(key, process, formdata=request.form)
    anchor = key.partition("-")[0]
    return run_step(
        form,
        lambda: run(process, form, now),
        done=url_for(".council", process_id=process_id) + f"#{anchor}",
        refused=lambda form, status: _render_council(process, now, (key, form), status),
    )


def _triage_item(process, value: str):
    """ "proposal:3" (a staff proposal) or "deviation:12" (a report's proposal field)."""
    kind, _sep, text = (value or "").partition(":")
    item_id = parse_id(text)
    if item_id is None:
        abort(404)
    if kind == "proposal":
        proposal = db.session.get(ImprovementProposal, item_id)
        if proposal is None or proposal.process_id != process.id:
            abort(404)
        return proposal, None
    deviation = db.session.get(Deviation, item_id)
    if deviation is None or deviation.process_id != process.id:
        abort(404)
    return None, deviation


@bp.post("/<id:process_id>/processrad/forslag/<item>")
def triage(process_id: int, item: str):
    def run(process, form, now):
        proposal, deviation = _triage_item(process, item)
        result = service.triage_proposal(
            process,
            outcome=form.outcome.data,
            note=form.note.data,
            effort_title=form.effort_title.data,
            proposal=proposal,
            deviation=deviation,
            actor=current_user,
            now=now,
        )
        return _(
            "Förslaget är bedömt: %(outcome)s. Förslagsställaren har fått besked.",
            outcome=result.status.title,
        )

    _triage_item(_council_or_404(process_id), item)
    return _step(process_id, f"triage-{item.replace(':', '_')}", run)


@bp.post("/<id:process_id>/processrad/mal")
def add_goal(process_id: int):
    def run(process, form, now):
        service.add_goal(process, form.text.data, actor=current_user, now=now)
        return _("Processmålet är tillagt.")

    return _step(process_id, "goal", run)


def _goal_of(process, goal_id: int) -> ProcessGoal:
    goal = next((g for g in process.goals if g.id == goal_id), None)
    if goal is None:
        abort(404)
    return goal


@bp.post("/<id:process_id>/processrad/mal/<id:goal_id>/indikatorer")
def add_indicator(process_id: int, goal_id: int):
    def run(process, form, now):
        indicator = service.add_indicator(
            indicator_spec(form), goal=_goal_of(process, goal_id), actor=current_user, now=now
        )
        return _("Indikatorn ”%(name)s” är tillagd.", name=indicator.name)

    _goal_of(_council_or_404(process_id), goal_id)
    return _step(process_id, f"indicator-{goal_id}", run)


def _goal_indicator(process, indicator_id: int):
    for goal in process.goals:
        for indicator in goal.indicators:
            if indicator.id == indicator_id:
                return indicator
    abort(404)


@bp.post("/<id:process_id>/processrad/indikatorer/<id:indicator_id>/matvarden")
def measure(process_id: int, indicator_id: int):
    def run(process, form, now):
        count = service.record_measurements(
            _goal_indicator(process, indicator_id),
            form.values.data,
            actor=current_user,
            now=now,
        )
        return _("%(count)d mätvärden är sparade.", count=count)

    _goal_indicator(_council_or_404(process_id), indicator_id)
    return _step(process_id, f"measure-{indicator_id}", run)


@bp.post("/<id:process_id>/processrad/underhall")
def add_maintenance(process_id: int):
    def run(process, form, now):
        service.add_maintenance(
            process,
            done_on=form.done_on.data,
            description=form.description.data,
            actor=current_user,
            now=now,
        )
        return _("Underhållet är loggat.")

    return _step(process_id, "maintenance", run)


@bp.post("/<id:process_id>/processrad/kontroller")
def add_check(process_id: int):
    def run(process, form, now):
        service.add_application_check(
            process,
            checked_on=form.checked_on.data,
            method=form.method.data,
            result=form.result.data,
            follow_up=form.follow_up.data,
            actor=current_user,
            now=now,
        )
        return _("Tillämpningskontrollen är sparad.")

    return _step(process_id, "check", run)


@bp.post("/<id:process_id>/processrad/uppfoljning")
def follow_up(process_id: int):
    def run(process, form, now):
        matter = service.raise_process_follow_up(process, actor=current_user, now=now)
        if matter.meeting is None:
            return _(
                "Processuppföljningen väntar på processrådets nästa möte; inget möte med öppen "
                "anmälan är planerat ännu."
            )
        return _(
            "Processuppföljningen står på dagordningen för mötet %(date)s.",
            date=meeting_date(matter.meeting).isoformat(),
        )

    return _step(process_id, "follow_up", run)
