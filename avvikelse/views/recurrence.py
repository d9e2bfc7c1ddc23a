"""Recurring deviations (DESIGN §5): the suggestions to judge, the trend charts, the region's
thresholds, the reporter's hint, and a single case's hand-over with its föredragning."""

from flask import Blueprint, abort, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from ..extensions import db
from ..forms.recurrence import (
    ConfirmSuggestionForm,
    DismissSuggestionForm,
    MarkGeneralForm,
    PresentationForm,
    ThresholdsForm,
)
from ..models import Region, Suggestion
from ..permissions import (
    can_decide_suggestion,
    can_hand_over_with_presentation,
    can_triage,
    can_view_recurrence,
    get_deviation_or_404,
    require,
    require_admin,
)
from ..services import case_lists, clusters, dates, recurrence, trends
from ..services.meetings import meeting_date
from .params import query_ids, query_int
from .steps import Done, back_with_flash, run_step

bp = Blueprint("recurrence", __name__, url_prefix="/aterkommande")


def _require_viewer() -> None:
    if not can_view_recurrence(current_user):
        abort(404)


def _suggestion_or_404(suggestion_id: int) -> Suggestion:
    suggestion = db.session.get(Suggestion, suggestion_id)
    if suggestion is None or not can_decide_suggestion(current_user, suggestion):
        abort(404)
    return suggestion


@bp.get("/", endpoint="index")
def index():
    _require_viewer()
    return _render_index()


def _render_index(refused: tuple[int, str, FlaskForm] | None = None, status: int = 200):
    """The suggestions; `refused` is (suggestion id, "confirm" or "dismiss", the form as typed),
    shown again under that suggestion with its reason. A form carries its page's `fore` in its
    address, so a refused step comes back to the page it was sent from."""
    fore = case_lists.Cursor.decode(request.args.get("fore"))
    found = recurrence.open_suggestions_for(current_user, fore=fore)
    suggestions = found.rows
    page = render_template(
        "recurrence/index.html",
        suggestions=suggestions,
        next_cursor=found.next_cursor,
        fore=fore,
        cases=recurrence.suggestion_cases_for(current_user, suggestions),
        groups=recurrence.suggestion_groups(suggestions),
        describe=recurrence.describe,
        confirm_form=ConfirmSuggestionForm(formdata=None),
        dismiss_form=DismissSuggestionForm(formdata=None),
        refused=refused,
    )
    return page, status


def _refused_on(suggestion: Suggestion, step: str):
    return lambda form, status: _render_index((suggestion.id, step, form), status)


@bp.post("/forslag/<id:suggestion_id>/bekrafta", endpoint="confirm")
def confirm(suggestion_id: int):
    suggestion = _suggestion_or_404(suggestion_id)
    form = ConfirmSuggestionForm()

    def call() -> Done:
        cluster = clusters.confirm_suggestion(
            suggestion, name=form.name.data, actor=current_user, now=dates.now()
        )
        return Done(
            _("Förslaget är bekräftat som klustret ”%(name)s”.", name=cluster.name),
            to=url_for("clusters.detail", cluster_id=cluster.id),
        )

    return run_step(
        form,
        call,
        refused=_refused_on(suggestion, "confirm"),
    )


@bp.post("/forslag/<id:suggestion_id>/avfarda", endpoint="dismiss")
def dismiss(suggestion_id: int):
    suggestion = _suggestion_or_404(suggestion_id)
    form = DismissSuggestionForm()

    def call() -> str:
        recurrence.dismiss_suggestion(
            suggestion, note=form.note.data, actor=current_user, now=dates.now()
        )
        return _("Förslaget är avfärdat. Det kommer inte tillbaka för samma ärenden.")

    return run_step(
        form,
        call,
        done=url_for(".index"),
        refused=_refused_on(suggestion, "dismiss"),
    )


@bp.get("/trender", endpoint="trends")
def trend_charts():
    _require_viewer()
    kind = "o" if request.args.get("per") == "par" else "c"
    region = current_user.organization.region
    charts = trends.region_charts(region, now=dates.now(), kind=kind)
    return render_template("recurrence/trends.html", charts=charts, kind=kind)


@bp.route("/installningar", methods=["GET", "POST"], endpoint="settings")
def settings():
    require_admin()
    region = db.session.get(Region, current_user.organization.region_id)
    form = ThresholdsForm(obj=region)

    def render(form, status: int = 200):
        return render_template("recurrence/settings.html", form=form, region=region), status

    if request.method == "GET":
        return render(form)

    def call() -> str:
        recurrence.update_thresholds(
            region,
            min_count=form.recurrence_min_count.data,
            months=form.recurrence_months.data,
            min_municipalities=form.general_min_municipalities.data,
            actor=current_user,
        )
        return _("Gränserna är sparade.")

    return run_step(form, call, done=url_for(".settings"), refused=render)


@bp.get("/liknande", endpoint="hint")
def hint():
    """The report form's hint while the reporter types: counts and names of the region's
    own categories and organizations, never anything another case says."""
    hint = recurrence.reporter_hint(
        current_user,
        category_id=query_int("category_id"),
        organization_ids=query_ids("concerned_organization_ids"),
        now=dates.now(),
    )
    if request.args.get("format") == "html":
        return render_template("recurrence/hint.html", hint=hint)
    return jsonify(hint.as_dict() if hint else {"count": 0, "message": ""})


@bp.post("/arende/<id:deviation_id>/generell", endpoint="mark_general")
def mark_general(deviation_id: int):
    now = dates.now()
    deviation = get_deviation_or_404(deviation_id, current_user, now=now, action="mark_general")
    require(can_triage(current_user, deviation))
    form = MarkGeneralForm()

    def call() -> str:
        recurrence.mark_general(deviation, note=form.note.data, actor=current_user, now=now)
        return _("Ärendet är markerat som generellt och finns bland förslagen.")

    back = url_for("deviations.detail", deviation_id=deviation_id) + "#liknande"
    return run_step(
        form,
        call,
        done=back,
        refused=back_with_flash(back),
        invalid=_("Skriv varför avvikelsen är generell."),
    )


@bp.route("/arende/<id:deviation_id>/overlamna", methods=["GET", "POST"], endpoint="hand_over")
def hand_over_case(deviation_id: int):
    """A single case to LSVO with a prefilled föredragning."""
    now = dates.now()
    # Opening the page is a read of the case; only the POST is the hand-over step.
    deviation = get_deviation_or_404(
        deviation_id,
        current_user,
        now=now,
        action="read_hand_over" if request.method == "GET" else "hand_over",
    )
    allowed = can_hand_over_with_presentation(current_user, deviation)
    if request.method == "GET":
        # Like every case page, readable by whoever sees the case; only managers get the form.
        form = (
            PresentationForm(formdata=None, obj=clusters.case_presentation(deviation))
            if allowed
            else None
        )
        db.session.commit()  # the logged read
        return render_template("recurrence/hand_over.html", form=form, deviation=deviation)
    require(allowed)
    form = PresentationForm()

    def call() -> str:
        matter = clusters.hand_over_case(
            deviation,
            clusters.Presentation(
                form.title.data, form.background.data, form.done_so_far.data, form.proposal.data
            ),
            actor=current_user,
            now=now,
        )
        return _agenda_message(matter)

    def refused(form, status: int):
        current = get_deviation_or_404(deviation_id, current_user, now=now, action="read_hand_over")
        db.session.commit()
        return render_template("recurrence/hand_over.html", form=form, deviation=current), status

    return run_step(
        form,
        call,
        done=url_for("deviations.detail", deviation_id=deviation_id),
        refused=refused,
    )


def _agenda_message(matter) -> str:
    if matter.meeting is None:
        return _(
            "Överlämnat. %(group)s har inget öppet möte ännu; ärendet väntar på nästa planerade.",
            group=matter.group.display_name,
        )
    return _(
        "Överlämnat till %(group)s och uppsatt på mötet %(date)s.",
        group=matter.group.display_name,
        date=meeting_date(matter.meeting).isoformat(),
    )


@bp.app_template_global()
def similar_panel_cases(deviation):
    """For the case page's partial: the similar earlier cases this user may see."""
    from ..services.search import similar_cases

    return similar_cases(current_user, deviation)


@bp.app_template_global()
def open_suggestions_of(deviation) -> list[Suggestion]:
    from ..models import SuggestionCase, SuggestionState

    return list(
        db.session.scalars(
            select(Suggestion)
            .join(SuggestionCase, SuggestionCase.suggestion_id == Suggestion.id)
            .where(
                SuggestionCase.deviation_id == deviation.id,
                Suggestion.state == SuggestionState.OPEN,
            )
        )
    )


@bp.app_context_processor
def recurrence_globals():
    """What the nav, the case page's partial and the suggestion list ask the policies."""
    return {
        "can_view_recurrence": can_view_recurrence,
        "can_hand_over_with_presentation": can_hand_over_with_presentation,
        "describe_suggestion": recurrence.describe,
        "mark_general_form": lambda: MarkGeneralForm(formdata=None),
    }
