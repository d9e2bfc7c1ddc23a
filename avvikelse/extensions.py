"""Extensions created unbound; create_app binds them."""

import re

from flask import has_request_context
from flask_babel import Babel
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from .db import db
from .sso import install_sso

migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()

SESSION_ID = re.compile(r"(?P<user>[0-9]{1,18}):(?P<generation>[0-9]{1,18})")


def select_locale() -> str:
    """The account's language, else Swedish: a Swedish public service speaks Swedish first,
    whatever language the browser happens to be set to."""
    from flask import current_app, request

    if (
        has_request_context()
        and request.path.startswith("/api/")
        and request.endpoint != "api_reference.docs"
    ):
        # API clients have no account language: they ask with Accept-Language (RFC 9457 errors).
        # The reference page is a page of the site, read by people in the site's language.
        best = request.accept_languages.best_match(current_app.config["LANGUAGES"])
        return best or current_app.config["BABEL_DEFAULT_LOCALE"]
    if has_request_context() and current_user and current_user.is_authenticated:
        if current_user.locale in current_app.config["LANGUAGES"]:
            return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_extensions(app) -> None:
    from . import PACKAGE_DIR, models, resource_dir

    db.init_app(app)
    migrate.init_app(app, db, directory=resource_dir("migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(PACKAGE_DIR / "translations"),
    )
    install_sso(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_id: str):
        """The session names the account and its session generation (User.get_id); a cookie
        from before a log-out, a new password or a deactivation names an old one: no one."""
        match = SESSION_ID.fullmatch(session_id)
        if match is None:
            return None
        user = db.session.get(models.User, int(match["user"]))
        if user is None or user.session_generation != int(match["generation"]):
            return None
        return user


__all__ = ["babel", "csrf", "db", "init_extensions", "login_manager", "migrate"]
