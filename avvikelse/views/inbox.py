"""Ärenden, the inboxes and Notiser: where coordinators, chairs and secretaries find their work.

Every list comes from services/case_lists.py, built on the visibility rule. These pages only
read, except Notiser, which marks notifications read (one commit per request).
"""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..forms import EmptyForm
from ..forms.inbox import CaseFilterForm
from ..permissions import manages_group
from ..services import case_lists, dates, exports
from ..services.audit import log_access
from ..services.dates import local_today
from ..services.notifications import mark_read, unread_count
from .auth import safe_next
from .params import query_int

bp = Blueprint("inbox", __name__)

# The case list's own query parameters, kept in the next-page link.
CASE_LIST_ARGS = ("status", "grupp", "kategori", "organisation", "fran", "till", "risk", "per_page")
# The filters an export keeps: everything but the page size.
FILTER_ARGS = CASE_LIST_ARGS[:-1]

EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.app_template_global()
def unread_notifications() -> int:
    """The count in the menu's "Notiser (N)"; base.html asks only for logged-in users."""
    return unread_count(current_user)


@bp.app_template_global()
def has_inbox(user) -> bool:
    """Coordinators and group members work from the inboxes; others need no menu item for them."""
    return bool(user.coordinator_roles) or any(m.active for m in user.memberships)


@bp.app_template_filter("local_date")
def local_date(moment) -> str:
    """An instant's Stockholm date as yyyy-mm-dd, as datetimeformat("yyyy-MM-dd") writes it
    but without a Babel pattern per call: list rows print one per case (issue 15)."""
    return local_today(moment).isoformat()


def _today():
    return local_today(dates.now())


def _list_args() -> dict:
    return {key: request.args[key] for key in CASE_LIST_ARGS if request.args.get(key)}


@bp.route("/arenden")
def cases():
    form = CaseFilterForm(request.args, options=case_lists.filter_options(current_user))
    if not form.validate():
        return render_template("inbox/cases.html", form=form, page=None, list_args=_list_args())
    filters = form.to_filters()
    fore = case_lists.Cursor.decode(request.args.get("fore"))
    page = case_lists.case_page(
        current_user,
        filters,
        fore=fore,
        size=case_lists.page_size(query_int("per_page")),
    )
    return render_template(
        "inbox/cases.html",
        form=form,
        page=page,
        paged=fore is not None,
        count=case_lists.count_cases(current_user, filters),
        count_cap=case_lists.COUNT_CAP,
        list_args=_list_args(),
        export_args={k: v for k, v in _list_args().items() if k in FILTER_ARGS},
        today=_today(),
    )


@bp.route("/arenden.<kind>")
def export(kind: str):
    """The filtered list as a file. The export is logged and committed before the first row is
    read, so an export that breaks off half-way is in the audit log all the same."""
    if kind not in EXPORT_TYPES:
        abort(404)
    form = CaseFilterForm(request.args, options=case_lists.filter_options(current_user))
    if not form.validate():
        return render_template(
            "inbox/cases.html", form=form, page=None, list_args=_list_args()
        ), 422
    now = dates.now()
    filters = {key: request.args[key] for key in FILTER_ARGS if request.args.get(key)}
    detail = " ".join([kind, *(f"{key}={value}" for key, value in filters.items())])
    log_access(current_user, "export_cases", now=now, detail=detail)
    db.session.commit()
    rows = exports.case_rows(current_user, form.to_filters())
    if kind == "csv":
        chunks = exports.csv_chunks(rows)
    else:
        chunks = exports.xlsx_chunks(rows, sheet_title=_("Ärenden"))
    name = f"arenden-{dates.local(now):%Y%m%d-%H%M}.{kind}"
    return Response(
        stream_with_context(chunks),
        mimetype=EXPORT_TYPES[kind],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/inkorg")
def index():
    """Straight to the one inbox the user has; both side by side for someone with both roles."""
    coordinator = bool(current_user.coordinator_roles)
    groups = case_lists.inbox_groups(current_user)
    if coordinator and not groups:
        return redirect(url_for(".coordinator"))
    if groups and not coordinator:
        return redirect(url_for(".group"))
    waiting = case_lists.waiting_for(current_user, today=_today())
    return render_template(
        "inbox/index.html", coordinator=coordinator, groups=groups, waiting=waiting
    )


@bp.route("/inkorg/samordnare")
def coordinator():
    today = _today()
    inbox = case_lists.coordinator_inbox(current_user, today=today)
    return render_template("inbox/coordinator.html", inbox=inbox, today=today)


@bp.route("/inkorg/grupp")
def group():
    groups = case_lists.inbox_groups(current_user)
    if not groups:
        return render_template("inbox/group.html", inbox=None, groups=groups)
    wanted = query_int("grupp")
    chosen = groups[0] if wanted is None else next((g for g in groups if g.id == wanted), None)
    if chosen is None:
        abort(404)
    inbox = case_lists.group_inbox(
        current_user, chosen, manages=manages_group(current_user, chosen.id), today=_today()
    )
    return render_template("inbox/group.html", inbox=inbox, groups=groups)


@bp.route("/notiser")
def notifications():
    fore = case_lists.Cursor.decode(request.args.get("fore"))
    page = case_lists.notification_page(current_user, fore=fore)
    return render_template(
        "inbox/notifications.html", page=page, paged=fore is not None, form=EmptyForm()
    )


@bp.post("/notiser/lasta")
def mark_all_read():
    if not EmptyForm().validate_on_submit():
        abort(400)
    mark_read(current_user, case_lists.unread_notification_ids(current_user), now=dates.now())
    db.session.commit()
    flash(_("Alla notiser är markerade som lästa."), "success")
    return redirect(url_for(".notifications"))


@bp.route("/notiser/<id:notification_id>")
def open_notification(notification_id: int):
    """Following a notification marks it read, then goes where it points."""
    note = case_lists.own_notification(current_user, notification_id)
    if note is None:
        abort(404)
    mark_read(current_user, [note.id], now=dates.now())
    db.session.commit()
    if note.url:
        return redirect(safe_next(note.url))
    if note.deviation_id is not None:
        return redirect(url_for("deviations.detail", deviation_id=note.deviation_id))
    return redirect(url_for(".notifications"))
