"""Security headers on every response, the session cookie's Secure flag, and the proxy in front.

One after_request hook rather than flask-talisman. Talisman's last release (1.1.0) is from
August 2023; it takes a raw X-Forwarded-Proto header, which any client can send, as proof of
HTTPS instead of leaving that to ProxyFix and the number of proxies the operator trusts; and
its Secure-cookie switch rewrites the app's config rather than deciding per request. Our policy
is short and the same on every page, so a dozen lines here are less to keep than a dependency.

The pages load one script and one style sheet from /static and nothing else, with no inline
script, event handler attribute or style attribute, so the policy allows 'self' only, and no
'unsafe-inline'. A page must keep it that way: styles belong in static/avvikelse.css, behaviour
in static/avvikelse.js (tests/views/test_security_headers.py checks the templates).
"""

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",  # the quorum box and the similar-cases hint fetch fragments
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    # Paths carry case numbers and search words: other sites learn nothing of them.
    "Referrer-Policy": "same-origin",
}

# One year, this host only: the region's other services on sibling hosts are not ours to bind.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure on every response to an HTTPS request (behind a proxy,
    ProxyFix tells which those are), and always when SESSION_COOKIE_SECURE says so."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return super().get_cookie_secure(app) or request.is_secure


def set_security_headers(response: Response) -> Response:
    response.headers.update(HEADERS)
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    return response


def install_security(app: Flask) -> None:
    """PROXY_FIX is the number of proxies in front that set X-Forwarded-For and
    X-Forwarded-Proto; 0 (the default) trusts no such header, as a client may send them."""
    proxies = app.config["PROXY_FIX"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    app.session_interface = SessionInterface()
    app.after_request(set_security_headers)
