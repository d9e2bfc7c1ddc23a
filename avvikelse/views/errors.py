"""Error pages in Swedish; the session is rolled back before a 500 is rendered."""

from flask import render_template, request
from flask_wtf.csrf import CSRFError

from ..extensions import db


def register_error_handlers(app) -> None:
    @app.errorhandler(403)
    def forbidden(error):
        return render_template("errors/403.html"), 403

    @app.errorhandler(404)
    def not_found(error):
        return render_template("errors/404.html"), 404

    @app.errorhandler(405)
    def method_not_allowed(error):
        return render_template("errors/404.html"), 405

    @app.errorhandler(413)
    def too_large(error):
        return render_template("errors/413.html"), 413

    @app.errorhandler(500)
    def internal_error(error):
        db.session.rollback()
        return render_template("errors/500.html"), 500

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        """The form's token expired: say so and show back what was typed, so nothing is lost."""
        kept = {
            key: value
            for key, value in request.form.items()
            if key != "csrf_token" and "password" not in key and value.strip()
        }
        return render_template("errors/csrf.html", kept=kept), 400
