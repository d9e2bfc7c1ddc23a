"""Mitt konto: the user's organization, unit, groups and roles."""

from flask import Blueprint, render_template
from flask_login import current_user

from ..services.accounts import account_overview
from . import utcnow

bp = Blueprint("account", __name__, url_prefix="/konto")


@bp.route("/")
def index():
    return render_template(
        "account/index.html", overview=account_overview(current_user, now=utcnow())
    )
