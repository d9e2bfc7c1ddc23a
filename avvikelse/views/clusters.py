"""Clusters: the list, one cluster's page, cases in and out with a reason, and the hand-over
to LSVO with the prefilled föredragning (DESIGN §5)."""

import re

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..forms.improvement import FourQuestionsForm
from ..forms.recurrence import AddCaseForm, ClusterForm, PresentationForm, RemoveCaseForm
from ..models import (
    Cluster,
    Deviation,
    DeviationEvent,
    EventKind,
    Group,
)
from ..permissions import (
    active_group_ids,
    can_manage_cluster,
    can_view_recurrence,
    get_cluster_or_404,
    manages_group,
    visible_deviations,
)
from ..services import clusters, dates, improvement
from ..services.audit import log_reads
from ..services.errors import WorkflowError, changed_elsewhere
from ..services.meetings import meeting_date
from .params import parse_id
from .steps import STALE_STATUS, Done, run_step

bp = Blueprint("clusters", __name__, url_prefix="/kluster")

NUMBER = re.compile(r"AV-\d{4}-\d{4,}", re.IGNORECASE)


def _visible_by_numbers(numbers: list[str], region_id: int) -> tuple[list[Deviation], list[str]]:
    """Cases named by number, only those the user could open (a number must not confirm that
    a case the user may not see exists)."""
    wanted = [n.upper() for n in numbers]
    found = list(
        db.session.scalars(
            visible_deviations(current_user).where(
                Deviation.region_id == region_id, Deviation.number.in_(wanted)
            )
        )
    )
    missing = sorted(set(wanted) - {d.number for d in found})
    return found, missing


def _managed_groups() -> list[Group]:
    ids = active_group_ids(current_user)
    return [
        g
        for g in db.session.scalars(select(Group).where(Group.id.in_(ids)).order_by(Group.name))
        if manages_group(current_user, g.id)
    ]


@bp.get("/", endpoint="index")
def index():
    if not can_view_recurrence(current_user):
        abort(404)
    return render_template(
        "clusters/index.html",
        clusters=clusters.clusters_for(current_user),
        groups=_managed_groups(),
        form=ClusterForm(formdata=None),
    )


@bp.post("/nytt", endpoint="new")
def new():
    form = ClusterForm()
    group = db.session.get(Group, parse_id(request.form.get("group_id")) or 0)
    if group is None or not manages_group(current_user, group.id):
        abort(404)

    def call() -> Done:
        cases, missing = _visible_by_numbers(NUMBER.findall(form.numbers.data), group.region_id)
        if missing:
            raise WorkflowError(
                _("Hittar inga ärenden som du kan se: %(numbers)s", numbers=", ".join(missing))
            )
        cluster = clusters.create_cluster(
            group,
            name=form.name.data,
            description=form.description.data,
            deviations=cases,
            reason=form.reason.data,
            actor=current_user,
            now=dates.now(),
        )
        return Done(
            _("Klustret ”%(name)s” är skapat.", name=cluster.name),
            to=url_for(".detail", cluster_id=cluster.id),
        )

    def refused(form, status: int):
        html = render_template(
            "clusters/index.html",
            clusters=clusters.clusters_for(current_user),
            groups=_managed_groups(),
            form=form,
        )
        return html, status

    return run_step(
        form,
        call,
        refused=refused,
        invalid=lambda form: " ".join(e for errors in form.errors.values() for e in errors),
    )


def _render_detail(
    cluster: Cluster,
    *,
    add_form=None,
    presentation_form=None,
    questions_form=None,
    removal=None,
    status=200,
):
    """`removal` is (case id, the form as typed) when taking that case out was refused."""
    shown, hidden = clusters.visible_cluster_cases(cluster, current_user)
    events = list(
        db.session.scalars(
            select(DeviationEvent)
            .where(
                DeviationEvent.deviation_id.in_([d.id for d in shown]),
                DeviationEvent.kind.in_([EventKind.SUBMITTED, EventKind.TRANSITION]),
            )
            .order_by(DeviationEvent.created_at, DeviationEvent.id)
        )
    )
    if presentation_form is None and cluster.is_open:
        presentation_form = PresentationForm(
            formdata=None, obj=clusters.cluster_presentation(cluster, viewer=current_user)
        )
    html = render_template(
        "clusters/detail.html",
        cluster=cluster,
        cases=shown,
        hidden=hidden,
        summary=clusters.summarize(shown),
        questions=clusters.four_questions(cluster, shown),
        timeline=clusters.timeline(cluster, events, {d.id: d.number for d in shown}),
        can_manage=can_manage_cluster(current_user, cluster),
        add_form=add_form or AddCaseForm(formdata=None),
        remove_form=RemoveCaseForm(formdata=None),
        removal=removal,
        presentation_form=presentation_form,
        questions_form=questions_form
        or FourQuestionsForm(formdata=None, obj=improvement.cluster_questions(cluster)),
        meeting_date=meeting_date,
    )
    log_reads(
        current_user, "read_cluster", [d.id for d in shown], now=dates.now(), detail=cluster.name
    )
    db.session.commit()
    return html, status


@bp.get("/<id:cluster_id>", endpoint="detail")
def detail(cluster_id: int):
    return _render_detail(get_cluster_or_404(cluster_id, current_user))


def _manageable(cluster_id: int) -> Cluster:
    cluster = get_cluster_or_404(cluster_id, current_user)
    if not can_manage_cluster(current_user, cluster):
        abort(403)
    return cluster


@bp.post("/<id:cluster_id>/arenden", endpoint="add_case")
def add_case(cluster_id: int):
    cluster = _manageable(cluster_id)
    form = AddCaseForm()

    def call() -> str:
        found, missing = _visible_by_numbers([form.number.data.strip()], cluster.region_id)
        if missing:
            raise WorkflowError(
                _("Det finns inget ärende %(number)s som du kan se.", number=missing[0])
            )
        clusters.add_case(
            cluster, found[0], reason=form.reason.data, actor=current_user, now=dates.now()
        )
        return _("Ärendet är tillagt i klustret.")

    return run_step(
        form,
        call,
        done=url_for(".detail", cluster_id=cluster_id),
        refused=lambda form, status: _render_detail(cluster, add_form=form, status=status),
        invalid=_("Ange ärendenummer och motivering."),
    )


@bp.post("/<id:cluster_id>/arenden/<id:case_id>/ta-bort", endpoint="remove_case")
def remove_case(cluster_id: int, case_id: int):
    cluster = _manageable(cluster_id)
    form = RemoveCaseForm()

    def call() -> str:
        clusters.remove_case(
            cluster, case_id, reason=form.reason.data, actor=current_user, now=dates.now()
        )
        return _("Ärendet är borttaget ur klustret.")

    return run_step(
        form,
        call,
        done=url_for(".detail", cluster_id=cluster_id),
        refused=lambda form, status: _render_detail(
            cluster, removal=(case_id, form), status=status
        ),
    )


@bp.post("/<id:cluster_id>/fyra-fragor", endpoint="questions")
def questions(cluster_id: int):
    """The group's own answers for the cluster; they feed the föredragning's analysis."""
    cluster = _manageable(cluster_id)
    form = FourQuestionsForm()

    def call() -> str:
        improvement.save_four_questions(
            cluster=cluster,
            answers=form.data,
            actor=current_user,
            now=dates.now(),
            version=form.version.data,
        )
        return _("Svaren på de fyra frågorna är sparade.")

    def refused(form, status: int):
        if status == STALE_STATUS:
            saved = improvement.cluster_questions(cluster)
            form.version.data = str(improvement.questions_version(saved))
        return _render_detail(cluster, questions_form=form, status=status)

    return run_step(
        form,
        call,
        done=url_for(".detail", cluster_id=cluster.id, _anchor="questions-heading"),
        refused=refused,
        stale=changed_elsewhere(),
    )


@bp.post("/<id:cluster_id>/overlamna", endpoint="hand_over")
def hand_over(cluster_id: int):
    cluster = _manageable(cluster_id)
    form = PresentationForm()

    def call() -> str:
        matter = clusters.hand_over_cluster(
            cluster,
            clusters.Presentation(
                form.title.data, form.background.data, form.done_so_far.data, form.proposal.data
            ),
            actor=current_user,
            now=dates.now(),
        )
        if matter.meeting is None:
            return _(
                "Klustret är överlämnat. %(group)s har inget öppet möte; det väntar på nästa.",
                group=matter.group.display_name,
            )
        return _(
            "Klustret är överlämnat till %(group)s och uppsatt på mötet %(date)s.",
            group=matter.group.display_name,
            date=meeting_date(matter.meeting).isoformat(),
        )

    return run_step(
        form,
        call,
        done=url_for(".detail", cluster_id=cluster_id),
        refused=lambda form, status: _render_detail(cluster, presentation_form=form, status=status),
        invalid=_("Föredragningen behöver rubrik och förslag till beslut."),
    )
