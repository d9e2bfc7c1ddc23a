"""Blueprints, one per area; views parse input, call a service, commit once, render."""

import io

from flask import Flask, Response, current_app, send_file
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.utils import secure_filename

from .. import forum_names
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
from ..services.recipients import strategic_name_for
from .params import IdConverter


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
        admin_api,
        annual_reports,
        api,
        auth,
        clusters,
        dashboard,
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

    # Before any route is added: every `<id:...>` in a rule is bounded to the database's ids.
    app.url_map.converters["id"] = IdConverter
    for module in (
        auth,
        start,
        report,
        deviations,
        inbox,
        dashboard,
        annual_reports,
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
    app.register_blueprint(admin_api.bp)
    api.init_api(app)  # issue 16: the JSON API and its OpenAPI document
    app.before_request(require_login_unless_public)
    forum_names.init_app(app, _request_strategic_name)
    app.jinja_env.globals.update(
        can_administer=can_administer,
        current_locale=get_locale,
        strategic=forum_names.STRATEGIC,
        strategic_genitive=forum_names.STRATEGIC_GENITIVE,
    )
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


def _request_strategic_name() -> str | None:
    user = current_user if current_user.is_authenticated else None
    return strategic_name_for(user, current_app.config["AVVIKELSE_REGION"])
