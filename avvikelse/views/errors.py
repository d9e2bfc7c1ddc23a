"""Error pages in Swedish; the session is rolled back before a 500 is rendered."""

from flask import render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..extensions import db
from .api import Problem, is_api_request, problem_response


def _flattened(messages, prefix=""):
    """marshmallow's nested messages as one list of texts per dotted field name
    ("json.concerned_organization_ids.1"); its messages may be lazy (api_schemas)."""
    if isinstance(messages, dict):
        for name, inner in messages.items():
            yield from _flattened(inner, f"{prefix}.{name}" if prefix else str(name))
    else:
        texts = messages if isinstance(messages, list | tuple) else [messages]
        yield prefix or "_", [str(text) for text in texts]


def register_error_handlers(app) -> None:
    """Pages for the web; under /api/v1 the same errors as RFC 9457 problem+json."""

    @app.errorhandler(Problem)
    def api_problem(error):
        return problem_response(error.status, error.detail, headers=error.headers, **error.extra)

    @app.errorhandler(HTTPException)
    def other_http_error(error):
        """400, 415, 422 (flask-smorest's argument parsing) and the rest: the web keeps
        werkzeug's answer, the API gets problem+json with the fields' messages."""
        if not is_api_request():
            return error
        messages = getattr(error, "data", {}).get("messages") or {}
        errors = dict(_flattened(messages))
        status = error.code or 400
        if status == 422 and not errors:
            status = 400
        return problem_response(status, errors=errors)

    @app.errorhandler(403)
    def forbidden(error):
        if is_api_request():
            return problem_response(403)
        return render_template("errors/403.html"), 403

    @app.errorhandler(404)
    def not_found(error):
        if is_api_request():
            return problem_response(404)
        return render_template("errors/404.html"), 404

    @app.errorhandler(405)
    def method_not_allowed(error):
        if is_api_request():
            return problem_response(405, headers={"Allow": ", ".join(error.valid_methods or ())})
        return render_template("errors/404.html"), 405

    @app.errorhandler(413)
    def too_large(error):
        if is_api_request():
            return problem_response(413)
        return render_template("errors/413.html"), 413

    @app.errorhandler(500)
    def internal_error(error):
        db.session.rollback()
        if is_api_request():
            return problem_response(500)
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
