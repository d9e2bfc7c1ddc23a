"""The search page: ranked full-text matches among the cases the user may see."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from ..services.search import search

bp = Blueprint("search", __name__, url_prefix="/sok")


@bp.get("/", endpoint="index")
def index():
    query = (request.args.get("q") or "").strip()[:200]
    page = request.args.get("sida", default=0, type=int)
    result = search(current_user, query, page=page) if query else None
    return render_template("search/index.html", query=query, result=result)
