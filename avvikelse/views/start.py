"""The start page: where to report, and what waits for the logged-in user."""

from flask import Blueprint, render_template
from flask_login import current_user

from ..services import dates
from ..services.case_lists import account_overview

bp = Blueprint("start", __name__)


@bp.route("/")
def index():
    return render_template(
        "start/index.html", overview=account_overview(current_user, now=dates.now())
    )
