"""Uppföljning: the dashboard over the cases the user may see (DESIGN §8)."""

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from ..forms.dashboard import DashboardFilterForm
from ..permissions import can_follow_up
from ..services import case_lists, dashboard, dates
from ..services.dashboard import days_text

bp = Blueprint("dashboard", __name__)
bp.add_app_template_filter(days_text, "days")
bp.add_app_template_global(can_follow_up, "can_follow_up")

FILTER_ARGS = ("fran", "till", "grupp", "kategori", "organisation")


@bp.route("/uppfoljning")
def index():
    if not can_follow_up(current_user):
        abort(404)
    now = dates.now()
    form = DashboardFilterForm(
        request.args,
        options=case_lists.filter_options(current_user),
        default=dashboard.default_filters(now),
    )
    board = dashboard.build(current_user, form.to_filters(), now=now) if form.validate() else None
    filtered = [key for key in FILTER_ARGS if request.args.get(key)]
    return render_template("dashboard/index.html", form=form, board=board, filtered=filtered), (
        200 if board is not None else 422
    )
