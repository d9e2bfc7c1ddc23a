"""Förbättring: improvement efforts through the four questions, their indicators, run charts
and actions (DESIGN §7), the four questions on a case, and "Mina förslag".

Shaped like views/meetings.py: each step is its own POST that loads its objects through the
visibility rule (an effort the user may not see answers 404), answers 403 to readers who may not
act, validates its form, calls one service, commits once and redirects. A refused step renders
the page again with the form as typed and the reason on it (422).
"""

from dataclasses import dataclass

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectChoice

from ..extensions import db
from ..forms import improvement as forms
from ..models import (
    EFFORT_TRANSITIONS,
    Action,
    Cluster,
    Decision,
    EffortKind,
    EffortStatus,
    Group,
    Indicator,
    IndicatorSource,
    Organization,
    Process,
    User,
)
from ..permissions import (
    can_answer_case_questions,
    can_manage_cluster,
    can_manage_effort,
    can_view_cluster,
    can_view_meetings,
    effort_groups,
    get_deviation_or_404,
    get_effort_or_404,
    require,
    visible_efforts,
    visible_processes,
)
from ..services import case_page, dates, run_chart
from ..services import improvement as service
from ..services.dates import local_today
from ..services.errors import changed_elsewhere
from .params import parse_id, query_int
from .steps import STALE_STATUS, Done, run_step

bp = Blueprint("improvement", __name__, url_prefix="/forbattring")
bp.add_app_template_global(run_chart.number, "number")


@bp.app_template_filter()
def effort_status_title(value: str) -> str:
    """The effort log stores statuses as text; the page shows their titles."""
    return EffortStatus(value).title


def owner_options(region_id: int) -> list[SelectChoice]:
    """An action is owned by an organization or a group, as on the case page."""
    organizations, groups = _("Organisationer"), _("Grupper")
    return [
        SelectChoice("", _("Välj ansvarig")),
        *(
            SelectChoice(f"organization:{o.id}", o.name, optgroup=organizations)
            for o in case_page.region_organizations(region_id)
        ),
        *(
            SelectChoice(f"group:{g.id}", g.name, optgroup=groups)
            for g in case_page.region_groups(region_id)
        ),
    ]


def owner_of(value: str):
    kind, _sep, text = (value or "").partition(":")
    owner_id = parse_id(text)
    if owner_id is None:
        return None
    return db.session.get(Organization if kind == "organization" else Group, owner_id)


def indicator_form(region_id: int, **kwargs) -> forms.IndicatorForm:
    form = forms.IndicatorForm(**kwargs)
    none = SelectChoice("", _("Alla"))
    form.category.choices = [none] + [
        SelectChoice(c.id, case_page.category_label(c)) for c in case_page.categories(region_id)
    ]
    organizations = [SelectChoice(o.id, o.name) for o in case_page.region_organizations(region_id)]
    form.organization.choices = [none, *organizations]
    form.counterpart.choices = [none, *organizations]
    return form


def indicator_spec(form: forms.IndicatorForm) -> service.IndicatorSpec:
    return service.IndicatorSpec(
        name=form.name.data,
        unit=form.unit.data,
        direction=form.direction.data,
        frequency=form.frequency.data,
        baseline=form.baseline.number,
        target=form.target.number,
        source=form.source.data,
        category_id=form.category.data,
        organization_id=form.organization.data,
        counterpart_id=form.counterpart.data,
    )


# --- The list -------------------------------------------------------------------------------


@bp.get("/")
def index():
    processes = db.session.scalars(visible_processes(current_user)).all()
    efforts = db.session.scalars(
        visible_efforts(current_user).order_by(
            service.ImprovementEffort.updated_at.desc(), service.ImprovementEffort.id.desc()
        )
    ).all()
    return render_template(
        "improvement/index.html",
        processes=processes,
        efforts=efforts,
        can_start=bool(effort_groups(current_user)),
    )


@bp.get("/mina-forslag")
def my_proposals():
    return render_template(
        "improvement/my_proposals.html", proposals=service.my_proposals(current_user)
    )


# --- Starting an effort ---------------------------------------------------------------------


def _effort_form(formdata=None) -> forms.EffortForm:
    form = forms.EffortForm(formdata=formdata, prefix="effort")
    groups = effort_groups(current_user)
    form.owner_group.choices = [SelectChoice("", _("Välj grupp"))] + [
        SelectChoice(g.id, g.name) for g in groups
    ]
    region_id = current_user.organization.region_id
    form.linked_process.choices = [SelectChoice("", _("Ingen"))] + [
        SelectChoice(p.id, p.name) for p in case_page.processes(region_id) if p.active
    ]
    return form


def _source_case(value, now, action):
    """The case an effort starts from: only its managers start one (the group decides)."""
    if not value:
        return None
    deviation_id = parse_id(value)
    if deviation_id is None:
        abort(404)
    deviation = get_deviation_or_404(deviation_id, current_user, now=now, action=action)
    require(can_answer_case_questions(current_user, deviation))
    return deviation


def _source_cluster(value):
    """A cluster the group works on further: its chair or secretary starts the effort."""
    if not value:
        return None
    cluster_id = parse_id(value)
    cluster = db.session.get(Cluster, cluster_id) if cluster_id else None
    if cluster is None or not can_view_cluster(current_user, cluster):
        abort(404)
    require(can_manage_cluster(current_user, cluster))
    return cluster


def _source_decision(value):
    """A group's decision that calls for improvement work, started by that group's managers."""
    if not value:
        return None
    decision_id = parse_id(value)
    decision = db.session.get(Decision, decision_id) if decision_id else None
    if decision is None or not can_view_meetings(current_user, decision.matter.group):
        abort(404)
    require(decision.matter.group in effort_groups(current_user))
    return decision


@dataclass
class Source:
    """What the effort starts from, as the page shows it."""

    deviation: object = None
    cluster: object = None
    decision: object = None

    @classmethod
    def read(cls, values, now, *, action: str = "read_new_effort") -> "Source":
        """`action` logs the source case's read: opening the form, or starting the effort."""
        return cls(
            _source_case(values.get("deviation"), now, action),
            _source_cluster(values.get("cluster")),
            _source_decision(values.get("decision")),
        )


@bp.route("/nytt", methods=["GET", "POST"])
def new():
    now = dates.now()
    if not effort_groups(current_user):
        abort(404)
    posted = request.method == "POST"
    form = _effort_form(request.form if posted else None)
    if not posted:
        source = Source.read(
            {
                "deviation": request.args.get("avvikelse"),
                "cluster": request.args.get("kluster"),
                "decision": request.args.get("beslut"),
            },
            now,
        )
        deviation = source.deviation
        process_id = query_int("process")
        if source.cluster is not None:
            form.cluster.data = str(source.cluster.id)
            form.title.data = source.cluster.name
            form.owner_group.data = source.cluster.group_id
        if source.decision is not None:
            form.decision.data = str(source.decision.id)
            form.title.data = source.decision.matter.title
            form.owner_group.data = source.decision.matter.group_id
        if deviation is not None:
            form.deviation.data = str(deviation.id)
            form.title.data = deviation.title
            form.owner_group.data = deviation.group_id
            process_id = process_id or deviation.process_id
        if process_id:
            form.linked_process.data = process_id
            process = db.session.get(Process, process_id)
            if process is not None and process.owner_group in effort_groups(current_user):
                form.owner_group.data = process.owner_group_id
        db.session.commit()  # the read of the source case is logged
        return render_template("improvement/new.html", form=form, source=source)
    values = {
        "deviation": form.deviation.data,
        "cluster": form.cluster.data,
        "decision": form.decision.data,
    }
    source = Source.read(values, now, action="start_effort")

    def call() -> Done:
        effort = service.start_effort(
            title=form.title.data,
            kind=form.kind.data,
            owner_group=db.session.get(Group, form.owner_group.data),
            plan=service.ProjectPlan(**{n: form[n].data for n in service.ProjectPlan.FIELDS}),
            process=db.session.get(Process, form.linked_process.data)
            if form.linked_process.data
            else None,
            deviation=source.deviation,
            cluster=source.cluster,
            decision=source.decision,
            actor=current_user,
            now=now,
        )
        return Done(
            _("Förbättringsarbetet är startat. Börja med de fyra frågorna."),
            to=url_for(".detail", effort_id=effort.id),
        )

    def refused(form, status: int):
        shown = Source.read(values, now)  # read and logged again: the rollback took the first
        db.session.commit()
        return render_template("improvement/new.html", form=form, source=shown), status

    return run_step(form, call, refused=refused)


# --- The effort page ------------------------------------------------------------------------


class EffortPage:
    """The effort's forms, each prefixed; a failed one is shown as typed."""

    def __init__(self, effort, today, failed: tuple[str, FlaskForm] | None = None):
        self.effort, self.today, self.failed = effort, today, failed
        self.charts = {i.id: service.indicator_chart(i, today) for i in effort.indicators}

    def form(self, key: str):
        if self.failed and self.failed[0] == key:
            return self.failed[1]
        return build_effort_form(key, self.effort)


def build_effort_form(key: str, effort, formdata=None) -> FlaskForm:
    name, _sep, item = key.partition("-")
    if name == "plan":
        form = forms.PlanForm(formdata=formdata, prefix=key, obj=None if formdata else effort)
        members = sorted(
            {m.user for m in effort.owner_group.memberships if m.active}, key=lambda u: u.name
        )
        form.responsible.choices = [SelectChoice(u.id, u.name) for u in members]
        if not formdata:
            form.responsible.data = effort.responsible_id
    elif name == "questions":
        form = forms.FourQuestionsForm(
            formdata=formdata, prefix=key, obj=None if formdata else effort.questions
        )
    elif name == "indicator":
        form = indicator_form(effort.region_id, formdata=formdata, prefix=key)
    elif name == "measure":
        form = forms.MeasurementForm(formdata=formdata, prefix=key)
    elif name == "action":
        form = forms.EffortActionForm(formdata=formdata, prefix=key)
        form.owner.choices = owner_options(effort.region_id)
    elif name == "action_status":
        action = next((a for a in effort.actions if str(a.id) == item), None)
        form = forms.EffortActionStatusForm(formdata=formdata, prefix=key, obj=action)
    elif name == "status":
        form = forms.EffortStatusForm(formdata=formdata, prefix=key)
        form.target.choices = [SelectChoice("", _("Välj status"))] + [
            SelectChoice(s.value, s.title) for s in EFFORT_TRANSITIONS[effort.status]
        ]
    else:
        abort(404)
    return form


def _render_effort(effort, now, failed=None, status: int = 200):
    page = EffortPage(effort, local_today(now), failed)
    html = render_template(
        "improvement/effort.html",
        effort=effort,
        page=page,
        can_manage=can_manage_effort(current_user, effort),
        IndicatorSource=IndicatorSource,
        EffortKind=EffortKind,
    )
    return html, status


@bp.get("/<id:effort_id>")
def detail(effort_id: int):
    effort = get_effort_or_404(effort_id, current_user)
    return _render_effort(effort, dates.now())


def _step(effort_id: int, key: str, run):
    """Load (404), 403, validate, one service call, commit once, redirect to the section."""
    now = dates.now()
    effort = get_effort_or_404(effort_id, current_user)
    require(can_manage_effort(current_user, effort))
    form = build_effort_form(key, effort, formdata=request.form)
    anchor = key.partition("-")[0]

    def refused(form, status: int):
        if status == STALE_STATUS and "version" in form:
            # The answers as typed stay; saving them again now knowingly replaces the others'.
            form.version.data = str(service.questions_version(effort.questions))
        return _render_effort(effort, now, (key, form), status)

    return run_step(
        form,
        lambda: run(effort, form, now),
        done=url_for(".detail", effort_id=effort_id) + f"#{anchor}",
        refused=refused,
        stale=changed_elsewhere(),
    )


@bp.post("/<id:effort_id>/plan")
def plan(effort_id: int):
    def run(effort, form, now):
        service.update_plan(
            effort,
            title=form.title.data,
            plan=service.ProjectPlan(**{n: form[n].data for n in service.ProjectPlan.FIELDS}),
            change_on=form.change_on.data,
            responsible=db.session.get(User, form.responsible.data),
            actor=current_user,
            now=now,
        )
        return _("Planen är sparad.")

    return _step(effort_id, "plan", run)


@bp.post("/<id:effort_id>/fyra-fragor")
def questions(effort_id: int):
    def run(effort, form, now):
        service.save_four_questions(
            effort=effort,
            answers=form.data,
            actor=current_user,
            now=now,
            version=form.version.data,
        )
        return _("Svaren på de fyra frågorna är sparade.")

    return _step(effort_id, "questions", run)


@bp.post("/<id:effort_id>/indikatorer")
def add_indicator(effort_id: int):
    def run(effort, form, now):
        indicator = service.add_indicator(
            indicator_spec(form), effort=effort, actor=current_user, now=now
        )
        return _("Indikatorn ”%(name)s” är tillagd.", name=indicator.name)

    return _step(effort_id, "indicator", run)


def _indicator_of(effort, indicator_id: int) -> Indicator:
    indicator = next((i for i in effort.indicators if i.id == indicator_id), None)
    if indicator is None:
        abort(404)
    return indicator


@bp.post("/<id:effort_id>/indikatorer/<id:indicator_id>/matvarden")
def measure(effort_id: int, indicator_id: int):
    def run(effort, form, now):
        indicator = _indicator_of(effort, indicator_id)
        count = service.record_measurements(
            indicator, form.values.data, actor=current_user, now=now
        )
        return _("%(count)d mätvärden är sparade.", count=count)

    _indicator_of(get_effort_or_404(effort_id, current_user), indicator_id)
    return _step(effort_id, f"measure-{indicator_id}", run)


@bp.post("/<id:effort_id>/atgarder")
def add_action(effort_id: int):
    def run(effort, form, now):
        owner = owner_of(form.owner.data)
        service.add_effort_action(
            effort,
            description=form.description.data,
            due_on=form.due_on.data,
            owner_organization=owner if isinstance(owner, Organization) else None,
            owner_group=owner if isinstance(owner, Group) else None,
            actor=current_user,
            now=now,
        )
        return _("Åtgärden är tillagd.")

    return _step(effort_id, "action", run)


@bp.post("/<id:effort_id>/atgarder/<id:action_id>/status")
def action_status(effort_id: int, action_id: int):
    def run(effort, form, now):
        service.set_effort_action_status(
            effort, action, form.status.data, actor=current_user, now=now
        )
        return _("Åtgärden har nu status ”%(status)s”.", status=form.status.data.title)

    effort = get_effort_or_404(effort_id, current_user)
    action = db.session.get(Action, action_id)
    if action is None or action not in effort.actions:
        abort(404)
    return _step(effort_id, f"action_status-{action_id}", run)


@bp.post("/<id:effort_id>/status")
def status(effort_id: int):
    def run(effort, form, now):
        target = service.EffortStatus(form.target.data)
        service.change_status(
            effort,
            target,
            conclusion=form.conclusion.data,
            note=form.note.data,
            actor=current_user,
            now=now,
        )
        return _("Förbättringsarbetet har nu status ”%(status)s”.", status=target.title)

    return _step(effort_id, "status", run)


# --- The four questions on a case -----------------------------------------------------------


@bp.route("/avvikelse/<id:deviation_id>/fyra-fragor", methods=["GET", "POST"])
def case_questions(deviation_id: int):
    """Everyone who sees the case reads the answers; its managers write them."""
    now = dates.now()
    posted = request.method == "POST"
    deviation = get_deviation_or_404(
        deviation_id, current_user, now=now, action="four_questions" if posted else "view"
    )
    can_edit = can_answer_case_questions(current_user, deviation)
    questions = service.case_questions(deviation)
    if not posted:
        form = forms.FourQuestionsForm(obj=questions)
        db.session.commit()
        return render_template(
            "improvement/case_questions.html",
            deviation=deviation,
            questions=questions,
            form=form,
            can_edit=can_edit,
        )
    require(can_edit)
    form = forms.FourQuestionsForm(formdata=request.form)

    def call() -> str:
        service.save_four_questions(
            deviation=deviation,
            answers=form.data,
            actor=current_user,
            now=now,
            version=form.version.data,
        )
        return _("Svaren på de fyra frågorna är sparade.")

    def refused(form, status: int):
        current = get_deviation_or_404(deviation_id, current_user, now=now, action="view")
        if status == STALE_STATUS:
            form.version.data = str(service.questions_version(service.case_questions(current)))
        db.session.commit()
        html = render_template(
            "improvement/case_questions.html",
            deviation=current,
            questions=service.case_questions(current),
            form=form,
            can_edit=True,
        )
        return html, status

    return run_step(
        form,
        call,
        done=url_for("deviations.detail", deviation_id=deviation_id),
        refused=refused,
        stale=changed_elsewhere(),
    )


@bp.app_template_global()
def case_improvement(deviation):
    """The case page's improvement section: the four questions and the efforts started from it
    that this user may open (the case page's view belongs to the deviations blueprint)."""
    efforts = db.session.scalars(
        visible_efforts(current_user)
        .where(service.ImprovementEffort.deviations.any(id=deviation.id))
        .order_by(service.ImprovementEffort.id)
    ).all()
    return {
        "questions": service.case_questions(deviation),
        "efforts": efforts,
        "can_edit": can_answer_case_questions(current_user, deviation),
        "can_start": can_answer_case_questions(current_user, deviation)
        and bool(effort_groups(current_user)),
    }
