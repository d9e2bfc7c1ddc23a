"""Blueprints, one per area; views parse input, call a service, commit once, render."""

import io
from collections.abc import Callable

from flask import Flask, Response, flash, redirect, send_file
from flask_babel import get_locale
from flask_wtf import FlaskForm
from werkzeug.utils import secure_filename

from ..extensions import db
from ..permissions import (
    answerable_organizations,
    can_accept_late_matter,
    can_administer,
    can_comment,
    can_edit_matter,
    can_manage_actions,
    can_manage_meetings,
    can_put_on_agenda,
    can_raise_matter,
    can_record_decision,
    can_see_reporter,
    can_send_written_view,
    can_transition,
    can_triage,
    can_view,
    ivo_decidable_organizations,
    require_login_unless_public,
)


def attach(form: FlaskForm, error) -> None:
    """Personal data findings go to their field; any other refusal to the top of the form."""
    from ..services.personal_data import PersonalDataError

    if isinstance(error, PersonalDataError):
        for name, messages in error.field_messages().items():
            if name in form:
                form[name].errors = [*form[name].errors, *messages]
            else:
                form.form_errors.extend(messages)
    else:
        form.form_errors.append(str(error))


def form_step(form: FlaskForm, run: Callable[[], str], *, done: str) -> Response | None:
    """One form step: validate, one service call, commit once, flash its message and redirect
    to `done`. A refusal is attached to the form and None returned; the caller then renders
    the page again with the form as typed (422)."""
    from ..services.errors import WorkflowError

    if not form.validate():
        return None
    try:
        message = run()
        db.session.commit()
    except WorkflowError as error:
        db.session.rollback()
        attach(form, error)
        return None
    flash(message, "success")
    return redirect(done)


def pdf_download(data: bytes, *parts: str) -> Response:
    """A PDF as a download, named from its parts ("kallelse", group, date): an ASCII name
    (secure_filename drops å, ä, ö and spaces) so every browser and mail client keeps it."""
    name = secure_filename("-".join(parts).replace(" ", "-")) + ".pdf"
    return send_file(
        io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name
    )


def register_blueprints(app: Flask) -> None:
    from . import (
        account,
        admin,
        auth,
        clusters,
        deviations,
        improvement,
        inbox,
        meetings,
        minutes,
        pages,
        processes,
        public,
        recurrence,
        report,
        search,
        start,
    )

    for module in (
        auth,
        start,
        report,
        deviations,
        inbox,
        account,
        admin,
        pages,
        meetings,
        minutes,
        public,
        improvement,
        processes,
    ):
        app.register_blueprint(module.bp)
    for module in (search, recurrence, clusters):  # issue 5: recurring deviations
        app.register_blueprint(module.bp)
    app.before_request(require_login_unless_public)
    app.jinja_env.globals.update(can_administer=can_administer, current_locale=get_locale)
    # The case page shows each step only to whom the policy allows (the services check again).
    app.jinja_env.globals.update(
        answerable_organizations=answerable_organizations,
        can_comment=can_comment,
        can_manage_actions=can_manage_actions,
        can_see_reporter=can_see_reporter,
        can_transition=can_transition,
        can_triage=can_triage,
        ivo_decidable_organizations=ivo_decidable_organizations,
    )
    # Meetings: the same rule for buttons and for the server's check (views/meetings.py).
    app.jinja_env.globals.update(
        can_accept_late_matter=can_accept_late_matter,
        can_edit_matter=can_edit_matter,
        can_manage_meetings=can_manage_meetings,
        can_put_on_agenda=can_put_on_agenda,
        can_raise_matter=can_raise_matter,
        can_record_decision=can_record_decision,
        can_send_written_view=can_send_written_view,
        can_view=can_view,
    )
