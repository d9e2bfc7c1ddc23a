"""The search page: ranked full-text matches among the cases the user may see.

Searching is a POST. Whatever is typed, a personnummer included, then travels in the body, which
no access log (the development server's, gunicorn's, a proxy's), browser history or Referer
header keeps; scrubbing one logger's line would leave the others. A GET shows the empty form.
"""

from flask import Blueprint, render_template, request
from flask_login import current_user

from ..extensions import db
from ..forms import CONTROL_CHARACTERS
from ..services import dates
from ..services.audit import log_reads
from ..services.search import search

bp = Blueprint("search", __name__, url_prefix="/sok")


@bp.route("/", methods=["GET", "POST"], endpoint="index")
def index():
    if request.method == "GET":
        return render_template("search/index.html", query="", result=None)
    query = CONTROL_CHARACTERS.sub("", request.form.get("q") or "").strip()[:200]
    page = request.form.get("sida", type=int) or 0
    result = search(current_user, query, page=page) if query else None
    html = render_template("search/index.html", query=query, result=result)
    if result is not None and result.hits:
        # A hit shows the case's text around the match: a read of each case shown (DESIGN §10).
        # The query is not logged: it may hold what the personal-data guard keeps out of cases.
        log_reads(
            current_user, "read_search", [hit.deviation.id for hit in result.hits], now=dates.now()
        )
        db.session.commit()
    return html
