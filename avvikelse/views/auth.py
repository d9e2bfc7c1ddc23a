"""Log-in and log-out."""

import re
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db
from ..forms import EmptyForm
from ..forms.auth import LoginForm
from ..services import dates
from ..services.accounts import authenticate, end_sessions
from ..services.errors import WorkflowError

bp = Blueprint("auth", __name__)

UNSAFE_IN_URL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def safe_next(target: str | None) -> str:
    """Only same-site paths: an absolute or protocol-relative URL would be an open redirect.

    Control characters are refused too: a browser drops CR, LF and tab from a URL, so
    next=/%0D%0A//evil.example would lead off-site, and a header cannot hold them at all.
    """
    if not target or UNSAFE_IN_URL.search(target):
        return url_for("start.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("start.index")
    if "\\" in target:
        return url_for("start.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data, now=dates.now())
        except WorkflowError as error:
            db.session.commit()  # keep the failure count
            form.password.errors.append(str(error))
        else:
            target = safe_next(form.next.data)
            session.clear()  # new session and CSRF token on log-in
            login_user(user)
            refresh()  # the form was validated in the anonymous locale; greet in the user's
            db.session.commit()
            flash(_("Välkommen, %(name)s!", name=user.name), "success")
            return redirect(target)
    status = 200 if request.method == "GET" or not form.errors else 422
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        end_sessions(current_user)  # a copy of the cookie must not stay logged in
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("Du är utloggad."), "success")
    return redirect(url_for("auth.login"))
