"""Published minutes for everyone, without logging in (DESIGN §1 "The public", §6.2 Dokumentation).

Only approved minutes exist here; a draft's id answers 404 like an id that does not exist. The
page renders the frozen content in its public form: functions and organizations instead of
names, case numbers and categories instead of case matters' titles, and no discussion text.
"""

from flask import Blueprint, abort, render_template, request
from sqlalchemy import select

from ..extensions import db
from ..models import DecisionOutcome, Group, MatterKind, Meeting, MembershipRole, Minutes
from ..services import minutes as service
from .minutes import local

bp = Blueprint("public", __name__)

PAGE_SIZE = 50


@bp.get("/protokoll", endpoint="minutes_list")
def minutes_list():
    group_id = request.args.get("grupp", type=int)
    page = max(request.args.get("sida", 1, type=int), 1)
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


@bp.get("/protokoll/<int:minutes_id>", endpoint="minutes")
def minutes(minutes_id: int):
    shown = db.session.get(Minutes, minutes_id)
    if shown is None or not shown.is_approved:
        abort(404)
    return render_template(
        "public/minutes.html",
        minutes=shown,
        content=shown.content,
        newer=service.superseded_by(shown),
        local=local,
        MatterKind=MatterKind,
        DecisionOutcome=DecisionOutcome,
        MembershipRole=MembershipRole,
        public=True,
    )
