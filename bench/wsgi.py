"""The app as production builds it, plus one bare endpoint: the baseline of bench.server.

gunicorn serves it as `bench.wsgi:create()`, configured from the environment like production
(DATABASE_URL, SECRET_KEY). The bare endpoint is a route of this very app, so its requests pass
the same server, WSGI stack, before_request hooks and security headers as the pages do; it only
reads no session user, no database and no template (PERFORMANCE.md §5, the "plaintext" route).
"""

from collections.abc import Mapping

from flask import Flask, request

from avvikelse import create_app
from avvikelse.permissions import require_login_unless_public

BARE_PATH = "/bench/bare"
BARE_ENDPOINT = "bench_bare"


def bare() -> str:
    return "Hej"


def login_unless_bare():
    """The app's login hook for every endpoint but the bare one. Not an entry in
    permissions.PUBLIC_ENDPOINTS: that list is the product's, and the bench endpoint exists only
    in this app."""
    if request.endpoint == BARE_ENDPOINT:
        return None
    return require_login_unless_public()


def with_bare_endpoint(app: Flask) -> Flask:
    app.add_url_rule(BARE_PATH, BARE_ENDPOINT, bare)
    hooks = app.before_request_funcs[None]
    hooks[hooks.index(require_login_unless_public)] = login_unless_bare
    return app


def create(test_config: Mapping | None = None) -> Flask:
    return with_bare_endpoint(create_app(test_config))
