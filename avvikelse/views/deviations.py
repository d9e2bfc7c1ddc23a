"""The case page and every step of the workflow (DESIGN §4).

Each step is its own POST endpoint. It loads the case through the visibility rule (which logs the
access under the step's name), answers 403 to anyone who could never take that step, validates
its form, calls one workflow service, commits once and redirects back to the page.

When a step fails, nothing of it is kept: the session is rolled back and the page is rendered
again from the database, showing the case as it is now with the user's form exactly as typed and
the reason at the top of that form. The forms carry the case version the user was looking at, so
a change someone else made in between is refused (StaleEditError) instead of overwritten.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Blueprint, abort, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from ..extensions import db
from ..forms import case as forms
from ..forms import meeting as meeting_forms
from ..forum_names import strategic_name
from ..models import (
    TRANSITIONS,
    ActionStatus,
    DeviationState,
    EventKind,
    Group,
    Organization,
    Transition,
)
from ..permissions import (
    can_triage,
    can_view,
    coordinates_case,
    coordinator_organization_ids,
    get_deviation_or_404,
    manages_case,
    require,
)
from ..services import case_page, dates, meetings
from ..services import deviations as workflow
from .steps import REFUSED_STATUS, FieldRefusal, run_step

bp = Blueprint("deviations", __name__, url_prefix="/avvikelser")

# (from state, to state) → the transition: the timeline names the step, not only the states.
TRANSITION_BY_STATES = {
    (source.value, target.value): transition
    for transition, (sources, target) in TRANSITIONS.items()
    for source in sources
}

# The classification fields a FIELD_CHANGED event can name (services/deviations.py).
FIELD_LABELS = {
    "category_id": _l("Kategori"),
    "process_id": _l("Gemensam process"),
    "probability": _l("Sannolikhet"),
    "consequence": _l("Konsekvens"),
}

STEP_FORMS: dict[str, type[forms.StepForm]] = {
    "triage_confirm": forms.ConfirmGroupForm,
    "reroute": forms.RerouteForm,
    "share": forms.ShareForm,
    "not_collaboration": forms.NotCollaborationForm,
    "duplicate": forms.DuplicateForm,
    "request_answers": forms.RequestAnswersForm,
    "reclassify": forms.ReclassifyForm,
    "answer": forms.AnswerForm,
    "pass_on": forms.PassOnForm,
    "ivo_decision": forms.IvoDecisionForm,
    "start_preparation": forms.StartPreparationForm,
    "decide": forms.DecideForm,
    "hand_over": forms.HandOverForm,
    "add_action": forms.AddActionForm,
    "action_status": forms.ActionStatusForm,
    "start_follow_up": forms.StartFollowUpForm,
    "close": forms.CloseForm,
    "comment": forms.CommentForm,
    "put_on_agenda": meeting_forms.PutOnAgendaForm,
}


@dataclass
class Failure:
    """A step that did not go through: its form as typed, with the reason attached."""

    key: str
    item: int | None
    form: forms.StepForm
    status: int = REFUSED_STATUS


def _prefix(key: str, item: int | None) -> str:
    """Unique field ids on a page with many forms; the item tells two answer forms apart."""
    return key if item is None else f"{key}-{item}"


def _action_of(deviation, action_id: int | None):
    action = next((a for a in deviation.actions if a.id == action_id), None)
    if action is None:
        abort(404)
    return action


def _category_options(deviation, categories) -> list[SelectChoice]:
    """Active categories, plus the case's own even if it has been retired since."""
    return [SelectChoice("", _("Välj kategori"))] + [
        SelectChoice(c.id, case_page.category_label(c))
        for c in categories
        if not c.is_retired or c.id == deviation.category_id
    ]


def _process_options(deviation, processes) -> list[SelectChoice]:
    return [SelectChoice("", _("Ingen"))] + [
        SelectChoice(p.id, p.name) for p in processes if p.active or p.id == deviation.process_id
    ]


def _owner_options(deviation) -> list[SelectChoice]:
    """An action is owned by an organization or by a group; the value says which."""
    organizations, groups = _("Organisationer"), _("Grupper")
    return [
        *(
            SelectChoice(f"organization:{o.id}", o.name, optgroup=organizations)
            for o in case_page.region_organizations(deviation.region_id)
        ),
        *(
            SelectChoice(f"group:{g.id}", g.name, optgroup=groups)
            for g in case_page.region_groups(deviation.region_id)
        ),
    ]


def build_form(key: str, deviation, item: int | None = None, *, today, posted: bool = False):
    """A step form with its choices: read from the POST, or fresh with the case's values."""
    cls = STEP_FORMS[key]
    prefix = _prefix(key, item)
    if posted:
        form = cls(prefix=prefix)
    else:
        defaults: dict = {"version": str(deviation.version)}
        if key == "request_answers":
            defaults["due_on"] = today + timedelta(days=deviation.region.answer_deadline_days)
        elif key == "reclassify":
            defaults.update(
                category_id=deviation.category_id,
                process_id=deviation.process_id,
                probability=deviation.probability,
                consequence=deviation.consequence,
            )
        elif key == "action_status":
            defaults["status"] = _action_of(deviation, item).status
        form = cls(formdata=None, prefix=prefix, **defaults)
    choose = SelectChoice("", _("Välj …"))
    if key == "reroute":
        groups = case_page.reroute_groups(deviation)
        form.group.choices = [choose, *(SelectChoice(g.id, g.name) for g in groups)]
    elif key == "share":
        groups = case_page.share_groups(deviation)
        form.group.choices = [choose, *(SelectChoice(g.id, g.name) for g in groups)]
    elif key == "reclassify":
        form.category_id.choices = _category_options(
            deviation, case_page.categories(deviation.region_id)
        )
        form.process_id.choices = _process_options(
            deviation, case_page.processes(deviation.region_id)
        )
    elif key == "pass_on":
        organizations = case_page.region_organizations(deviation.region_id)
        form.organization.choices = [
            choose,
            *(SelectChoice(o.id, o.name) for o in organizations if o.id != item),
        ]
    elif key == "add_action":
        form.owner.choices = [choose, *_owner_options(deviation)]
    return form


class CasePage:
    """What one rendering of the page needs beyond the case itself.

    The template alone decides which steps to show, through the can_* policies; forms are built
    only when it asks for one, so the view does not repeat those rules. The failed form, if any,
    is handed back as typed, and if the step it belongs to is no longer offered (the case moved
    on), the page still shows what the user typed so that nothing is lost.
    """

    def __init__(self, deviation, today, failure: Failure | None = None):
        self.deviation = deviation
        self.today = today
        self.failure = failure
        self.shown: set[tuple[str, int | None]] = set()
        self.primary: list[tuple[str, str]] = []
        self._names = None

    @property
    def agenda_matter(self):
        """The meeting item the case is already on, if any (shown instead of the step)."""
        return meetings.open_case_matter(self.deviation)

    def form(self, key: str, item: int | None = None) -> forms.StepForm:
        self.shown.add((key, item))
        if self.failed(key, item):
            return self.failure.form
        return build_form(key, self.deviation, item, today=self.today)

    def failed(self, key: str, item: int | None = None) -> bool:
        return bool(self.failure and (self.failure.key, self.failure.item) == (key, item))

    @property
    def failure_shown(self) -> bool:
        return bool(self.failure and (self.failure.key, self.failure.item) in self.shown)

    def note_primary(self, anchor: str, title: str) -> str:
        """The template registers each main step it shows; the page links them at the top."""
        self.primary.append((anchor, title))
        return ""

    def field_value(self, name: str, value) -> str:
        """A reclassified field's old or new value in words, for the timeline."""
        if name in ("category_id", "process_id"):
            if self._names is None:
                region_id = self.deviation.region_id
                self._names = {
                    "category_id": {
                        c.id: case_page.category_label(c) for c in case_page.categories(region_id)
                    },
                    "process_id": {p.id: p.name for p in case_page.processes(region_id)},
                }
            if value is None:
                return _("Ingen")
            return self._names[name].get(value, str(value))
        return str(value)


def _render(deviation, now: datetime, failure: Failure | None = None):
    """Render the page, then commit the audit row of this read.

    Rendering first means nothing is expired by the commit while the page is being built (no lazy
    loads), and the page is only sent once its read has been logged.
    """
    page = CasePage(deviation, workflow.local_today(now), failure)
    html = render_template(
        "deviations/detail.html",
        deviation=deviation,
        page=page,
        today=page.today,
        Transition=Transition,
        DeviationState=DeviationState,
        ActionStatus=ActionStatus,
        EventKind=EventKind,
        transition_by_states=TRANSITION_BY_STATES,
        field_labels=FIELD_LABELS,
    )
    db.session.commit()
    return html, failure.status if failure else 200


@bp.get("/<id:deviation_id>")
def detail(deviation_id: int):
    now = dates.now()
    deviation = get_deviation_or_404(
        deviation_id, current_user, now=now, options=case_page.DETAIL_OPTIONS
    )
    return _render(deviation, now)


def _take_step(
    deviation_id: int,
    key: str,
    run: Callable[[object, forms.StepForm, datetime], str],
    *,
    allowed: Callable[[object, object], bool],
    item: int | None = None,
):
    """Load and log, 403, then the step (views/steps.py). `run` parses the form into the
    service's arguments, calls the one service and returns the success message.
    """
    now = dates.now()
    deviation = get_deviation_or_404(deviation_id, current_user, now=now, action=key)
    require(allowed(current_user, deviation))
    if key == "action_status":
        _action_of(deviation, item)
    form = build_form(key, deviation, item, today=workflow.local_today(now), posted=True)

    def done() -> str:
        if can_view(current_user, deviation):
            return url_for(".detail", deviation_id=deviation_id)
        # Re-routed away from the user's own group: the case is no longer theirs to see.
        return url_for("start.index")

    def refused(form: forms.StepForm, status: int):
        """Show the case as it now is, the form as typed."""
        now = dates.now()
        current = get_deviation_or_404(
            deviation_id, current_user, now=now, options=case_page.DETAIL_OPTIONS
        )
        # The page now shows the current case; sending the form again means "I have seen it".
        form.version.data = str(current.version)
        return _render(current, now, Failure(key, item, form, status))

    return run_step(
        form,
        lambda: run(deviation, form, now),
        done=done,
        refused=refused,
        version=(deviation, form.version.data),
    )


def _takes_part(user, deviation) -> bool:
    """Comments: the managers and the concerned organizations' coordinators (see can_comment)."""
    return manages_case(user, deviation) or coordinates_case(user, deviation)


def _coordinator_for(organization_id: int):
    def allowed(user, deviation) -> bool:
        return organization_id in coordinator_organization_ids(user)

    return allowed


# --- Triage (the routed group's chair or secretary) -----------------------------------------


@bp.post("/<id:deviation_id>/bekrafta-grupp", endpoint="triage_confirm")
def triage_confirm(deviation_id: int):
    def run(deviation, form, now):
        workflow.confirm_group(deviation, actor=current_user, now=now, version=form.case_version)
        return _("Gruppen är bekräftad.")

    return _take_step(deviation_id, "triage_confirm", run, allowed=can_triage)


@bp.post("/<id:deviation_id>/styr-om", endpoint="reroute")
def reroute(deviation_id: int):
    def run(deviation, form, now):
        group = db.session.get(Group, form.group.data)
        workflow.reroute(
            deviation,
            group,
            reason=form.reason.data,
            actor=current_user,
            now=now,
            version=form.case_version,
        )
        return _("Ärendet är skickat till %(group)s.", group=group.name)

    return _take_step(deviation_id, "reroute", run, allowed=can_triage)


@bp.post("/<id:deviation_id>/dela", endpoint="share")
def share(deviation_id: int):
    def run(deviation, form, now):
        group = db.session.get(Group, form.group.data)
        workflow.share_with_group(
            deviation,
            group,
            reason=form.reason.data,
            actor=current_user,
            now=now,
            version=form.case_version,
        )
        return _("Ärendet är delat med %(group)s.", group=group.name)

    return _take_step(deviation_id, "share", run, allowed=can_triage)


@bp.post("/<id:deviation_id>/ej-samverkan", endpoint="not_collaboration")
def not_collaboration(deviation_id: int):
    def run(deviation, form, now):
        workflow.mark_not_collaboration(
            deviation,
            reason=form.reason.data,
            report_instead=form.report_instead.data,
            actor=current_user,
            now=now,
            version=form.case_version,
        )
        return _("Ärendet är markerat som ej samverkansavvikelse. Rapportören får besked.")

    return _take_step(deviation_id, "not_collaboration", run, allowed=can_triage)


@bp.post("/<id:deviation_id>/dubblett", endpoint="duplicate")
def duplicate(deviation_id: int):
    def run(deviation, form, now):
        number = form.number.data.strip().upper()
        original = case_page.visible_case_by_number(current_user, deviation.region_id, number)
        if original is None:
            raise FieldRefusal(
                "number", _("Det finns inget ärende %(number)s som du kan se.", number=number)
            )
        workflow.mark_duplicate(
            deviation, original, actor=current_user, now=now, version=form.case_version
        )
        return _("Ärendet är markerat som dubblett av %(number)s.", number=original.number)

    return _take_step(deviation_id, "duplicate", run, allowed=can_triage)


@bp.post("/<id:deviation_id>/begar-svar", endpoint="request_answers")
def request_answers(deviation_id: int):
    def run(deviation, form, now):
        workflow.request_answers(
            deviation,
            due_on=form.due_on.data,
            actor=current_user,
            now=now,
            version=form.case_version,
        )
        return _("Svar är begärt senast %(date)s.", date=form.due_on.data.isoformat())

    return _take_step(deviation_id, "request_answers", run, allowed=can_triage)


@bp.post("/<id:deviation_id>/klassning", endpoint="reclassify")
def reclassify(deviation_id: int):
    def run(deviation, form, now):
        workflow.update_classification(
            deviation,
            changes={name: form[name].data for name in workflow.CLASSIFICATION_FIELDS},
            actor=current_user,
            now=now,
            version=form.case_version,
        )
        return _("Klassningen är sparad.")

    return _take_step(deviation_id, "reclassify", run, allowed=can_triage)


# --- Answers (the concerned organizations' coordinators) ------------------------------------


@bp.post("/<id:deviation_id>/svar/<id:organization_id>", endpoint="answer")
def answer(deviation_id: int, organization_id: int):
    def run(deviation, form, now):
        workflow.submit_answer(
            deviation,
            organization_id,
            what_happened=form.what_happened.data,
            cause=form.cause.data,
            measures=form.measures.data,
            actor=current_user,
            now=now,
            version=form.case_version,
        )
        return _("Ert svar är skickat.")

    return _take_step(
        deviation_id,
        "answer",
        run,
        allowed=_coordinator_for(organization_id),
        item=organization_id,
    )


@bp.post("/<id:deviation_id>/skicka-vidare/<id:organization_id>", endpoint="pass_on")
def pass_on(deviation_id: int, organization_id: int):
    def run(deviation, form, now):
        target = db.session.get(Organization, form.organization.data)
        workflow.pass_on(
            deviation,
            organization_id,
            to_organization=target,
            reason=form.reason.data,
            actor=current_user,
            now=now,
            version=form.case_version,
        )
        return _("Ärendet är skickat vidare till %(organization)s.", organization=target.name)

    return _take_step(
        deviation_id,
        "pass_on",
        run,
        allowed=_coordinator_for(organization_id),
        item=organization_id,
    )


@bp.post("/<id:deviation_id>/ivo/<id:organization_id>", endpoint="ivo_decision")
def ivo_decision(deviation_id: int, organization_id: int):
    def run(deviation, form, now):
        workflow.record_ivo_decision(
            deviation,
            organization_id,
            reported=form.reported.data == "yes",
            reason=form.reason.data,
            actor=current_user,
            now=now,
            version=form.case_version,
        )
        return _("Beslutet om anmälan till IVO är sparat.")

    return _take_step(
        deviation_id,
        "ivo_decision",
        run,
        allowed=_coordinator_for(organization_id),
        item=organization_id,
    )


# --- Preparation, decision, hand-over -------------------------------------------------------


@bp.post("/<id:deviation_id>/beredning", endpoint="start_preparation")
def start_preparation(deviation_id: int):
    def run(deviation, form, now):
        workflow.start_preparation(
            deviation, actor=current_user, now=now, version=form.case_version
        )
        return _("Ärendet är under beredning.")

    return _take_step(deviation_id, "start_preparation", run, allowed=can_triage)


@bp.post("/<id:deviation_id>/beslut", endpoint="decide")
def decide(deviation_id: int):
    """The group's decision, or LSVO's once the case has been handed over (the service knows)."""

    def run(deviation, form, now):
        workflow.decide(
            deviation,
            decision=form.decision.data,
            actor=current_user,
            now=now,
            version=form.case_version,
        )
        return _("Beslutet är sparat. Lägg till åtgärderna.")

    return _take_step(deviation_id, "decide", run, allowed=manages_case)


@bp.post("/<id:deviation_id>/overlamna", endpoint="hand_over")
def hand_over(deviation_id: int):
    def run(deviation, form, now):
        workflow.hand_over(
            deviation,
            reason=form.reason.data,
            actor=current_user,
            now=now,
            version=form.case_version,
        )
        return _("Ärendet är överlämnat till %(strategic)s.", strategic=strategic_name())

    return _take_step(deviation_id, "hand_over", run, allowed=can_triage)


@bp.post("/<id:deviation_id>/dagordning", endpoint="put_on_agenda")
def put_on_agenda(deviation_id: int):
    """The case goes onto the group's next meeting, föredragning prefilled from the case."""

    def run(deviation, form, now):
        matter = meetings.put_case_on_agenda(
            deviation, actor=current_user, now=now, version=form.case_version
        )
        if matter.late and matter.late_accepted_by_id is None:
            return _(
                "Ärendet är uppsatt på mötet %(date)s, efter sista anmälningsdag: ordföranden "
                "avgör om det tas upp där. Skriv förslag till beslut i föredragningen.",
                date=meetings.meeting_date(matter.meeting).isoformat(),
            )
        return _(
            "Ärendet är uppsatt på mötet %(date)s. Skriv förslag till beslut i föredragningen.",
            date=meetings.meeting_date(matter.meeting).isoformat(),
        )

    return _take_step(deviation_id, "put_on_agenda", run, allowed=can_triage)


# --- Actions, follow-up, closing ------------------------------------------------------------


def _owner(value: str):
    """'organization:3' or 'group:4', as _owner_options wrote it (the form checked the choice)."""
    kind, _sep, owner_id = value.partition(":")
    model = Organization if kind == "organization" else Group
    return db.session.get(model, int(owner_id))


@bp.post("/<id:deviation_id>/atgarder", endpoint="add_action")
def add_action(deviation_id: int):
    def run(deviation, form, now):
        owner = _owner(form.owner.data)
        workflow.add_action(
            deviation,
            description=form.description.data,
            due_on=form.due_on.data,
            owner_organization=owner if isinstance(owner, Organization) else None,
            owner_group=owner if isinstance(owner, Group) else None,
            actor=current_user,
            now=now,
            version=form.case_version,
        )
        return _("Åtgärden är tillagd.")

    return _take_step(deviation_id, "add_action", run, allowed=manages_case)


@bp.post("/<id:deviation_id>/atgarder/<id:action_id>/status", endpoint="action_status")
def action_status(deviation_id: int, action_id: int):
    def run(deviation, form, now):
        action = _action_of(deviation, action_id)
        workflow.set_action_status(
            action, form.status.data, actor=current_user, now=now, version=form.case_version
        )
        return _("Åtgärden har nu status ”%(status)s”.", status=form.status.data.title)

    return _take_step(deviation_id, "action_status", run, allowed=manages_case, item=action_id)


@bp.post("/<id:deviation_id>/uppfoljning", endpoint="start_follow_up")
def start_follow_up(deviation_id: int):
    def run(deviation, form, now):
        workflow.start_follow_up(deviation, actor=current_user, now=now, version=form.case_version)
        return _("Ärendet är flyttat till uppföljning.")

    return _take_step(deviation_id, "start_follow_up", run, allowed=can_triage)


@bp.post("/<id:deviation_id>/avsluta", endpoint="close")
def close(deviation_id: int):
    def run(deviation, form, now):
        workflow.close(
            deviation,
            evaluation=form.evaluation.data,
            summary=form.summary.data,
            actor=current_user,
            now=now,
            version=form.case_version,
        )
        if deviation.wants_feedback:
            return _("Ärendet är avslutat. Rapportören får återkopplingen.")
        return _("Ärendet är avslutat.")

    return _take_step(deviation_id, "close", run, allowed=can_triage)


@bp.post("/<id:deviation_id>/kommentarer", endpoint="comment")
def comment(deviation_id: int):
    def run(deviation, form, now):
        workflow.add_comment(
            deviation, form.comment.data, actor=current_user, now=now, version=form.case_version
        )
        return _("Kommentaren är sparad.")

    return _take_step(deviation_id, "comment", run, allowed=_takes_part)
