"""Administration of the region configuration; hidden (404) from everyone but administrators."""

from flask import Blueprint, render_template

from ..permissions import require_admin

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def only_administrators():
    require_admin()


@bp.route("/")
def index():
    return render_template("admin/index.html")
