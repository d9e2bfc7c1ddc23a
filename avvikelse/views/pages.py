"""Public pages: the accessibility statement with its problem form, and a health check."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..extensions import db
from ..forms.pages import AccessibilityProblemForm
from ..services import dates
from ..services.accessibility import report_accessibility_problem
from ..services.personal_data import PersonalDataError

bp = Blueprint("pages", __name__)


@bp.route("/tillganglighet")
def accessibility():
    form = AccessibilityProblemForm(page=request.args.get("sida", ""))
    return render_template("pages/accessibility.html", form=form)


@bp.route("/tillganglighet/rapportera", methods=["POST"], endpoint="report_accessibility_problem")
def report_problem():
    form = AccessibilityProblemForm()
    if not form.validate_on_submit():
        return render_template("pages/accessibility.html", form=form), 422
    try:
        report_accessibility_problem(
            page=form.page.data,
            description=form.description.data,
            contact=form.contact.data,
            now=dates.now(),
        )
    except PersonalDataError as error:
        db.session.rollback()
        for name, messages in error.field_messages().items():
            form[name].errors = [*form[name].errors, *messages]
        return render_template("pages/accessibility.html", form=form), 422
    db.session.commit()
    flash(_("Tack! Vi har tagit emot din rapport om tillgänglighet."), "success")
    return redirect(url_for("pages.accessibility"))


@bp.route("/health")
def health():
    return {"status": "ok"}
