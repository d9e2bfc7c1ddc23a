"""Uppföljning: the dashboard over the cases the user may see (DESIGN §8)."""

import io
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from ..extensions import db
from ..forms.dashboard import DashboardFilterForm
from ..permissions import can_follow_up
from ..services import case_lists, dashboard, dates, exports, workbooks
from ..services.audit import log_access
from ..services.dashboard import days_text
from ..services.workbooks import dashboard_sheets

bp = Blueprint("dashboard", __name__)
bp.add_app_template_filter(days_text, "days")
bp.add_app_template_global(can_follow_up, "can_follow_up")

FILTER_ARGS = ("fran", "till", "grupp", "kategori", "organisation")


def _form(now) -> DashboardFilterForm:
    if not can_follow_up(current_user):
        abort(404)
    return DashboardFilterForm(
        request.args,
        options=case_lists.filter_options(current_user),
        default=dashboard.default_filters(now),
    )


def _filtered() -> dict[str, str]:
    return {key: request.args[key] for key in FILTER_ARGS if request.args.get(key)}


@bp.route("/uppfoljning")
def index():
    now = dates.now()
    form = _form(now)
    board = dashboard.build(current_user, form.to_filters(), now=now) if form.validate() else None
    tables = []
    if board is not None:
        tables = [
            (name, title)
            for name, (title, _h, _r) in zip(
                workbooks.TABLE_NAMES, workbooks.dashboard_sheets(board), strict=True
            )
        ]
    return render_template(
        "dashboard/index.html", form=form, board=board, filtered=_filtered(), tables=tables
    ), (200 if board is not None else 422)


@bp.route("/uppfoljning.xlsx")
def workbook():
    """Every table of the page, as filtered, in one workbook; the export is logged."""
    now = dates.now()
    form = _form(now)
    if not form.validate():
        return redirect(url_for(".index", **_filtered()))
    board = dashboard.build(current_user, form.to_filters(), now=now)
    log_access(current_user, "export_dashboard", now=now, detail=urlencode(_filtered()) or None)
    db.session.commit()
    return send_file(
        io.BytesIO(workbooks.workbook(dashboard_sheets(board))),
        mimetype=workbooks.XLSX_MIMETYPE,
        as_attachment=True,
        download_name=f"uppfoljning-{board.filters.start}-{board.filters.end}.xlsx",
    )


@bp.route("/uppfoljning/<name>.csv")
def table_csv(name: str):
    """One table of the page as CSV (BOM and semicolons, for Excel set to Swedish)."""
    if name not in workbooks.TABLE_NAMES:
        abort(404)
    now = dates.now()
    form = _form(now)
    if not form.validate():
        return redirect(url_for(".index", **_filtered()))
    board = dashboard.build(current_user, form.to_filters(), now=now)
    detail = " ".join([f"{name}.csv", urlencode(_filtered())]).strip()
    log_access(current_user, "export_dashboard", now=now, detail=detail)
    db.session.commit()
    _title, header, rows = workbooks.dashboard_table(board, name)
    return Response(
        "".join(exports.csv_chunks(rows, headers=header)),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="uppfoljning-{name}.csv"'},
    )
