"""Published minutes for everyone, without logging in (DESIGN §1 "The public", §6.2 Dokumentation).

Only approved minutes exist here; a draft's id answers 404 like an id that does not exist. The
page and its PDF show the frozen content in its public form (services.minutes.public_content):
functions and organizations instead of names, case numbers and categories instead of case
matters' titles, and no discussion text.
"""

import re
from datetime import timedelta

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import DecisionOutcome, Group, MatterKind, Meeting, MembershipRole, Minutes, Region
from ..services import dates, documents, public_statistics
from ..services import minutes as service
from . import pdf_download
from .minutes import local, minutes_file_name
from .params import query_int

bp = Blueprint("public", __name__)

PAGE_SIZE = 50
STATISTICS_CACHE = timedelta(minutes=10)
REGION_KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")


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


@bp.get("/oppen-statistik", endpoint="statistics_index")
def statistics_index():
    """The regions; with only one there is nothing to choose."""
    regions = public_statistics.public_regions()
    if len(regions) == 1:
        return redirect(url_for(".statistics", region_key=regions[0].key))
    return render_template("public/statistics_index.html", regions=regions)


def _cached(key, compute):
    """Public statistics are counted over a region's whole history and anyone may ask for them,
    so each worker keeps a result for STATISTICS_CACHE (the page says so). The keys are few:
    region, a year that has data, language."""
    cache = current_app.extensions.setdefault("public_statistics", {})
    now = dates.now()
    kept = cache.get(key)
    if kept is not None and kept[0] > now:
        return kept[1]
    value = compute()
    cache[key] = (now + STATISTICS_CACHE, value)
    return value


@bp.get("/oppen-statistik/<region_key>", endpoint="statistics")
def statistics(region_key: str):
    # Only what a region key can be reaches the database (PostgreSQL refuses a NUL in text).
    if not REGION_KEY.fullmatch(region_key):
        abort(404)
    region = db.session.scalar(select(Region).where(Region.key == region_key))
    if region is None:
        abort(404)
    years = _cached((region.id, "years"), lambda: public_statistics.years(region.id))
    year = request.args.get("ar", type=int)
    if year not in years:
        year = years[0] if years else dates.local_today(dates.now()).year
    stats = _cached(
        (region.id, year, str(get_locale())),
        lambda: public_statistics.region_statistics(
            region, year, quarter_label=lambda q: _("Kvartal %(n)d", n=q)
        ),
    )
    return render_template(
        "public/statistics.html",
        stats=stats,
        bars=public_statistics.bars(stats.quarters.rows),
        small=public_statistics.SMALL,
        cache_minutes=int(STATISTICS_CACHE.total_seconds() // 60),
        Mark=public_statistics.Mark,
    )
