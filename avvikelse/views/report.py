"""The reporter's side (DESIGN §3): the report form with its drafts, the receipt, Mina rapporter."""

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..forms.deviation import ReportForm, draft_formdata
from ..models import ConcernedOrganization, Deviation, RiskLevel
from ..permissions import get_deviation_or_404
from ..services import dates
from ..services.case_lists import Cursor
from ..services.dates import local_today
from ..services.deviations import delete_draft, find_by_token
from ..services.errors import WorkflowError
from ..services.personal_data import PersonalDataError
from ..services.reporting import (
    PersonalDataWarning,
    find_draft,
    my_reports,
    report_options,
    save_report_draft,
    submit_report,
    user_drafts,
)
from .auth import safe_next
from .params import query_int

bp = Blueprint("report", __name__)


@bp.app_template_global()
def report_drafts(user, limit: int = 5):
    """The start page lists the user's drafts; its view belongs to the start blueprint."""
    return user_drafts(user, limit=limit)


def risk_matrix(probability, consequence) -> dict:
    """The 4×4 matrix as the page draws it, highest probability on top (Socialstyrelsen).

    Every cell carries its score and its level from RiskLevel.from_score, so the script that
    follows the reporter's choice only copies a cell's text and never knows the thresholds.
    """
    rows = []
    for p in (4, 3, 2, 1):
        cells = []
        for c in (1, 2, 3, 4):
            level = RiskLevel.from_score(p * c)
            cells.append(
                {
                    "probability": p,
                    "consequence": c,
                    "score": p * c,
                    "level": level,
                    "result": _(
                        "Riskpoäng %(score)d av 16: %(level)s",
                        score=p * c,
                        level=level.title,
                    ),
                    "selected": (p, c) == (probability, consequence),
                }
            )
        rows.append({"probability": p, "cells": cells})
    selected = next((cell for row in rows for cell in row["cells"] if cell["selected"]), None)
    return {"rows": rows, "selected": selected, "levels": list(RiskLevel)}


def render_form(form: ReportForm, draft, *, status: int = 200, warnings=None):
    return (
        render_template(
            "report/new.html",
            form=form,
            draft=draft,
            warnings=warnings or {},
            risk=risk_matrix(form.probability.data, form.consequence.data),
        ),
        status,
    )


@bp.route("/rapportera", methods=["GET", "POST"])
def new():
    now = dates.now()
    today = local_today(now)
    options = report_options(current_user)
    draft_id = query_int("utkast")
    draft = find_draft(draft_id, current_user) if draft_id is not None else None
    if request.method == "GET":
        if draft_id is not None and draft is None:
            abort(404)
        form = ReportForm(
            formdata=draft_formdata(draft.data) if draft else None,
            data={"occurred_on": today, "discovered_on": today, "unit_id": current_user.unit_id},
            options=options,
            today=today,
        )
        return render_form(form, draft)

    # A draft that is gone (sent from another tab, or a double click) is no reason to refuse:
    # the token below still finds the case it became.
    form = ReportForm(options=options, today=today)
    if "save_draft" in request.form:
        return save(form, draft, now)
    if not form.validate():
        return render_form(form, draft, status=422)
    try:
        deviation = submit_report(
            form.to_report(),
            actor=current_user,
            now=now,
            draft=draft,
            warnings_seen=form.warnings_seen.data == "1",
        )
        db.session.commit()
    except PersonalDataWarning as warning:
        db.session.rollback()
        form.warnings_seen.data = "1"
        return render_form(form, draft, warnings=warning.field_messages())
    except PersonalDataError as error:
        db.session.rollback()
        form.add_field_errors(error.field_messages())
        return render_form(form, draft, status=422)
    except WorkflowError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return render_form(form, draft, status=422)
    except IntegrityError:
        # Two requests with one token both got past the service's look-up; the first one won.
        db.session.rollback()
        deviation = find_by_token(form.submission_token.data)
        if deviation is None:
            raise
    return redirect(url_for("report.receipt", deviation_id=deviation.id))


def save(form: ReportForm, draft, now: datetime):
    """Spara utkast: the form as typed, without validation, so half a report can wait; only
    what cannot be stored at all (control characters, see forms.Form) is refused."""
    if not form.refuse_unstorable():
        form.form_errors.append(_("Utkastet sparades inte."))
        return render_form(form, draft, status=422)
    try:
        draft = save_report_draft(current_user, form.draft_data(), now=now, draft=draft)
    except PersonalDataError as error:
        db.session.rollback()
        form.form_errors.append(_("Utkastet sparades inte."))
        form.add_field_errors(error.field_messages())
        return render_form(form, draft, status=422)
    db.session.commit()
    flash(
        _("Utkastet är sparat. Bara du kan se det. Du hittar det under Mina rapporter."), "success"
    )
    return redirect(url_for("report.new", utkast=draft.id))


@bp.route("/rapportera/utkast/<id:draft_id>/ta-bort", methods=["POST"])
def remove_draft(draft_id: int):
    draft = find_draft(draft_id, current_user)
    if draft is None:
        abort(404)
    delete_draft(draft, user=current_user)
    db.session.commit()
    flash(_("Utkastet är borttaget."), "success")
    return redirect(safe_next(request.form.get("next") or url_for("report.mine")))


@bp.route("/rapportera/kvitto/<id:deviation_id>")
def receipt(deviation_id: int):
    deviation = get_deviation_or_404(
        deviation_id,
        current_user,
        now=dates.now(),
        options=(
            joinedload(Deviation.group),
            joinedload(Deviation.category),
            selectinload(Deviation.concerned).joinedload(ConcernedOrganization.organization),
        ),
    )
    db.session.commit()  # the read is logged (DESIGN §10)
    return render_template("report/receipt.html", deviation=deviation)


def parse_cursor(value: str | None) -> tuple[datetime, int] | None:
    """`?fore=<submitted_at ISO>,<id>`. A damaged link starts again from the newest report."""
    cursor = Cursor.decode(value)
    return (cursor.at, cursor.id) if cursor else None


def format_cursor(cursor: tuple[datetime, int]) -> str:
    at, deviation_id = cursor
    return f"{at.isoformat()},{deviation_id}"


@bp.route("/mina-rapporter")
def mine():
    fore = parse_cursor(request.args.get("fore"))
    reports = my_reports(current_user, fore=fore)
    older = format_cursor(reports.next_cursor) if reports.next_cursor else None
    return render_template("report/mine.html", reports=reports, older=older, paged=fore is not None)
