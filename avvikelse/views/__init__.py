"""Blueprints, one per area; views parse input, call a service, commit once, render."""

from datetime import UTC, datetime

from flask import Flask
from flask_babel import get_locale

from ..permissions import can_administer, require_login_unless_public


def utcnow() -> datetime:
    """The clock views pass to services (services never read it themselves)."""
    return datetime.now(UTC)


def register_blueprints(app: Flask) -> None:
    from . import account, admin, auth, pages, start

    for module in (auth, start, account, admin, pages):
        app.register_blueprint(module.bp)
    app.before_request(require_login_unless_public)
    app.jinja_env.globals.update(can_administer=can_administer, current_locale=get_locale)
