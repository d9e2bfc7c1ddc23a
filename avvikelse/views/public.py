"""Published minutes for everyone, without logging in (DESIGN §1 "The public", §6.2 Dokumentation).

Only approved minutes exist here; a draft's id answers 404 like an id that does not exist. The
page and its PDF show the frozen content in its public form (services.minutes.public_content):
functions and organizations instead of names, case numbers and categories instead of case
matters' titles, and no discussion text.
"""

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from ..extensions import db
from ..models import DecisionOutcome, Group, MatterKind, Meeting, MembershipRole, Minutes
from ..services import documents
from ..services import minutes as service
from . import pdf_download
from .minutes import local, minutes_file_name
from .params import query_int

bp = Blueprint("public", __name__)

PAGE_SIZE = 50


@bp.get("/protokoll", endpoint="minutes_list")
def minutes_list():
    group_id = query_int("grupp")
    page = query_int("sida", 1)
    query = service.published_minutes(group_id)
    rows = db.session.scalars(query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    published = service.published_minutes().subquery()
    groups = db.session.scalars(
        select(Group)
        .join(Meeting, Meeting.group_id == Group.id)
        .join(published, published.c.meeting_id == Meeting.id)
        .distinct()
        .order_by(Group.name)
    ).all()
    return render_template(
        "public/list.html",
        rows=rows[:PAGE_SIZE],
        more=len(rows) > PAGE_SIZE,
        page=page,
        groups=groups,
        group_id=group_id,
    )


def _approved_or_404(minutes_id: int) -> Minutes:
    shown = db.session.get(Minutes, minutes_id)
    if shown is None or not shown.is_approved:
        abort(404)
    return shown


@bp.get("/protokoll/<id:minutes_id>", endpoint="minutes")
def minutes(minutes_id: int):
    shown = _approved_or_404(minutes_id)
    return render_template(
        "public/minutes.html",
        minutes=shown,
        content=service.public_content(shown.content),
        newer=service.superseded_by(shown),
        local=local,
        MatterKind=MatterKind,
        DecisionOutcome=DecisionOutcome,
        MembershipRole=MembershipRole,
    )


@bp.get("/protokoll/<id:minutes_id>.pdf", endpoint="minutes_pdf")
def minutes_pdf(minutes_id: int):
    shown = _approved_or_404(minutes_id)
    return pdf_download(documents.minutes_pdf(shown, public=True), *minutes_file_name(shown))
