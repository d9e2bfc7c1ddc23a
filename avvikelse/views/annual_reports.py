"""Årsrapporter: each group's annual report, written, approved and sent on (DESIGN §8)."""

import io

from flask import Blueprint, abort, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.utils import secure_filename

from ..extensions import db
from ..forms.annual_report import AnnualReportForm, ApproveForm
from ..forms.minutes import ButtonForm
from ..models import Group
from ..services import annual_reports as service
from ..services import dates
from ..services.documents import annual_report_pdf
from ..services.workbooks import XLSX_MIMETYPE
from . import pdf_download
from .steps import back_with_flash, run_step

bp = Blueprint("annual_reports", __name__, url_prefix="/arsrapporter")

FIRST_YEAR = 2000


def _group_or_404(group_id: int) -> Group:
    group = db.session.get(Group, group_id)
    if group is None or group not in service.reportable_groups(current_user):
        abort(404)
    return group


def _year_or_404(year: int) -> int:
    if not FIRST_YEAR <= year <= dates.local_today(dates.now()).year:
        abort(404)
    return year


@bp.get("/", endpoint="index")
def index():
    today = dates.local_today(dates.now())
    years = (today.year - 1, today.year)
    rows = [
        (group, year, service.find(group, year), service.due_on(group, year))
        for group in service.reportable_groups(current_user)
        for year in years
    ]
    return render_template("annual_reports/index.html", rows=rows, today=today)


def _render(group, year, *, form=None, status=200):
    now = dates.now()
    report = service.find(group, year)
    writer = service.may_write(current_user, group)
    if form is None and writer and (report is None or not report.is_approved):
        form = AnnualReportForm(
            obj=report, version=str(report.version) if report is not None else ""
        )
    return render_template(
        "annual_reports/report.html",
        group=group,
        year=year,
        report=report,
        contents=service.contents(group, year, now=now),
        form=form,
        approve_form=ApproveForm(version=str(report.version) if report is not None else ""),
        button=ButtonForm(),
        writer=writer,
    ), status


@bp.get("/<id:group_id>/<id:year>", endpoint="detail")
def detail(group_id: int, year: int):
    return _render(_group_or_404(group_id), _year_or_404(year))


@bp.post("/<id:group_id>/<id:year>", endpoint="save")
def save(group_id: int, year: int):
    group, year = _group_or_404(group_id), _year_or_404(year)
    if not service.may_write(current_user, group):
        abort(403)
    form = AnnualReportForm()

    def call():
        service.save_draft(
            group,
            year,
            analysis=form.analysis.data,
            priorities=form.priorities.data,
            actor=current_user,
            now=dates.now(),
            version=form.seen_version,
        )
        return _("Utkastet är sparat.")

    return run_step(
        form,
        call,
        done=url_for(".detail", group_id=group.id, year=year),
        refused=lambda form, status: _render(group, year, form=form, status=status),
    )


@bp.post("/<id:group_id>/<id:year>/godkann", endpoint="approve")
def approve(group_id: int, year: int):
    group, year = _group_or_404(group_id), _year_or_404(year)
    report = service.find(group, year)
    if report is None:
        abort(404)
    form = ApproveForm()
    back = url_for(".detail", group_id=group.id, year=year)

    def call():
        service.approve(report, actor=current_user, now=dates.now(), version=int(form.version.data))
        return _("Årsrapporten är godkänd.")

    return run_step(form, call, done=back, refused=back_with_flash(back))


@bp.post("/<id:group_id>/<id:year>/dagordning", endpoint="agenda")
def agenda(group_id: int, year: int):
    group, year = _group_or_404(group_id), _year_or_404(year)
    report = service.find(group, year)
    if report is None:
        abort(404)
    back = url_for(".detail", group_id=group.id, year=year)

    def call():
        matter = service.put_on_agenda(report, actor=current_user, now=dates.now())
        return _("Årsrapporten står på dagordningen för %(group)s.", group=matter.group.name)

    return run_step(ButtonForm(), call, done=back, refused=back_with_flash(back))


@bp.get("/<id:group_id>/<id:year>/arsrapport.pdf", endpoint="pdf")
def pdf(group_id: int, year: int):
    group, year = _group_or_404(group_id), _year_or_404(year)
    report = service.find(group, year)
    if report is not None and report.is_approved:
        data = report.document
    else:
        data = annual_report_pdf(service.contents(group, year, now=dates.now()), report)
    return pdf_download(data, "arsrapport", group.short_name or group.name, str(year))


@bp.get("/<id:group_id>/<id:year>/arsrapport.xlsx", endpoint="xlsx")
def xlsx(group_id: int, year: int):
    group, year = _group_or_404(group_id), _year_or_404(year)
    data = service.workbook(service.contents(group, year, now=dates.now()))
    name = secure_filename(f"arsrapport-{group.short_name or group.name}-{year}".replace(" ", "-"))
    return send_file(
        io.BytesIO(data),
        mimetype=XLSX_MIMETYPE,
        as_attachment=True,
        download_name=name + ".xlsx",
    )
