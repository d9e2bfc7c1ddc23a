"""Log-in and log-out."""

import logging
import re
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_required, login_user, logout_user
from joserfc.errors import JoseError

from .. import sso
from ..extensions import db
from ..forms import EmptyForm
from ..forms.auth import LoginForm
from ..services import dates
from ..services.accounts import authenticate, end_sessions
from ..services.errors import WorkflowError
from ..services.single_sign_on import SignInRefused, sign_in

logger = logging.getLogger(__name__)

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
    return render_template("auth/login.html", form=form, providers=sso.providers()), status


# What can go wrong between us and the identity provider: it is down or slow (requests), it
# answers with an OAuth error, a state that is not this browser's, or a token whose signature,
# issuer, audience, expiry or nonce does not hold (Authlib, joserfc), with something that is
# not JSON at all (ValueError), or with a discovery document that lacks an endpoint (Authlib
# raises RuntimeError). Each is a refused log-in, never a server error.
PROVIDER_FAILURES = (
    AuthlibBaseError,
    JoseError,
    requests.RequestException,
    ValueError,
    RuntimeError,
)


def _provider_or_404(key: str):
    provider = sso.provider(key)
    if provider is None:
        abort(404)
    return provider


def _refused(message: str, status: int):
    """The log-in page with the reason on top; the password form stays usable."""
    form = LoginForm()
    form.next.data = ""
    return (
        render_template("auth/login.html", form=form, providers=sso.providers(), sso_error=message),
        status,
    )


@bp.get("/login/sso/<key>")
def sso_start(key: str):
    """Send the browser to the identity provider. A link, not a form: the log-in page's
    form-action 'self' would stop a form's redirect to another site, and starting a sign-in
    changes nothing but this browser's own session (the state and nonce Authlib keeps there)."""
    provider = _provider_or_404(key)
    session["sso_next"] = safe_next(request.args.get("next"))
    redirect_uri = url_for("auth.sso_callback", key=provider.key, _external=True)
    try:
        return sso.client(provider.key).authorize_redirect(redirect_uri)
    except PROVIDER_FAILURES as error:
        logger.warning("identity provider %s unreachable: %s", provider.key, error)
        return _refused(
            _(
                "Inloggningstjänsten %(provider)s svarar inte just nu. Försök igen om en stund, "
                "eller logga in med e-post och lösenord.",
                provider=provider.label,
            ),
            503,
        )


@bp.get("/login/sso/<key>/callback")
def sso_callback(key: str):
    """The provider sends the browser back here. Authlib checks that the state is the one this
    browser was sent off with, redeems the code (with the PKCE verifier) and validates the
    id_token; the service decides which account, if any, that is."""
    provider = _provider_or_404(key)
    if request.args.get("error"):
        return _refused(
            _(
                "Inloggningen med %(provider)s avbröts eller nekades där. Försök igen, eller "
                "logga in med e-post och lösenord.",
                provider=provider.label,
            ),
            403,
        )
    try:
        token = sso.client(provider.key).authorize_access_token()
        claims = sso.claims_of(provider, token) if token.get("userinfo") else None
    except PROVIDER_FAILURES as error:
        logger.warning("single sign-on with %s failed: %r", provider.key, error)
        return _refused(
            _(
                "Inloggningen med %(provider)s kunde inte slutföras: den hade gått ut, startats "
                "i en annan webbläsare eller flik, eller fått ett svar som inte gick att "
                "kontrollera. Börja om med knappen nedan.",
                provider=provider.label,
            ),
            400,
        )
    if not claims:
        logger.warning("identity provider %s sent no id_token", provider.key)
        return _refused(
            _(
                "Inloggningstjänsten %(provider)s skickade ingen identitet. Försök igen, eller "
                "logga in med e-post och lösenord.",
                provider=provider.label,
            ),
            400,
        )
    try:
        user = sign_in(provider, claims, now=dates.now())
    except SignInRefused as refusal:
        db.session.commit()  # the refusal stays in the account's audit log
        return _refused(str(refusal), 403)
    target = session.get("sso_next") or url_for("start.index")
    session.clear()  # new session and CSRF token on log-in
    login_user(user)
    refresh()
    db.session.commit()
    flash(_("Välkommen, %(name)s!", name=user.name), "success")
    return redirect(target)


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
