"""A real OpenID Connect provider on localhost for the single sign-on tests (issue 16, point 3).

Built from Authlib's server side (the Flask AuthorizationServer, the authorization code grant
with the OpenID Connect and PKCE extensions) and served over HTTP by werkzeug in a thread, so the
app's Authlib client does discovery, the token request and the JWKS fetch exactly as it would
against the region's identity provider. Users, the client registration and a few deliberate
faults (a wrong nonce, a foreign signing key, a discovery document without endpoints) are
plain attributes a test sets.
"""

import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import AuthorizationCodeMixin, UserInfo
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, jsonify, request
from joserfc.jwk import KeySet, RSAKey
from markupsafe import escape
from werkzeug.serving import make_server

CLIENT_ID = "avvikelse"
CLIENT_SECRET = "test-client-secret"
SCOPES = ("openid", "email", "profile")


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str]

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope):
        return " ".join(s for s in (scope or "").split() if s in SCOPES)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(self.client_secret, client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_basic", "client_secret_post") or endpoint != "token"

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class Code(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: dict
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time


class Provider:
    """The provider's state. `users` maps a user name (typed on the log-in page) to the claims
    its id_token carries; `sub` is required."""

    def __init__(self):
        self.issuer = ""
        self.key = RSAKey.generate_key(2048, parameters={"kid": "signing", "use": "sig"})
        self.client = Client(CLIENT_ID, CLIENT_SECRET, [])
        self.users: dict[str, dict] = {}
        self.codes: dict[str, Code] = {}
        self.wrong_nonce = False
        self.foreign_key = False
        self.broken_discovery = False
        # Claims the id_token leaves out, for the UserInfo endpoint only (as some providers do).
        self.userinfo_only: set[str] = set()
        self.access_tokens: dict[str, dict] = {}
        self.tokens_issued = 0

    def reset(self) -> None:
        self.users.clear()
        self.codes.clear()
        self.client.redirect_uris = []
        self.wrong_nonce = self.foreign_key = self.broken_discovery = False
        self.userinfo_only = set()
        self.access_tokens.clear()
        self.tokens_issued = 0

    def signing_key(self):
        if self.foreign_key:
            return RSAKey.generate_key(2048, parameters={"kid": "signing"})
        return self.key


def create_provider_app(provider: Provider) -> Flask:
    app = Flask(__name__)

    class CodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

        def save_authorization_code(self, code, oauth_request):
            data = oauth_request.payload.data
            provider.codes[code] = Code(
                code=code,
                client_id=oauth_request.client.client_id,
                redirect_uri=oauth_request.payload.redirect_uri,
                scope=oauth_request.payload.scope,
                user=oauth_request.user,
                nonce="not-the-nonce-sent" if provider.wrong_nonce else data.get("nonce"),
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
            )

        def query_authorization_code(self, code, client):
            found = provider.codes.get(code)
            if found is not None and found.client_id == client.client_id:
                return found
            return None

        def delete_authorization_code(self, authorization_code):
            provider.codes.pop(authorization_code.code, None)

        def authenticate_user(self, authorization_code):
            return authorization_code.user

    class OpenIDConnectCode(OpenIDCode):
        def exists_nonce(self, nonce, oauth_request):
            return any(c.nonce == nonce for c in provider.codes.values())

        def resolve_client_private_key(self, client):
            return KeySet([provider.signing_key()])

        def get_client_algorithm(self, client):
            return "RS256"

        def get_client_claims(self, client):
            return {"iss": provider.issuer, "aud": [client.get_client_id()]}

        def generate_user_info(self, user, scope):
            return UserInfo({k: v for k, v in user.items() if k not in provider.userinfo_only})

    def save_token(token, oauth_request):
        provider.tokens_issued += 1
        provider.access_tokens[token["access_token"]] = oauth_request.user

    server = AuthorizationServer(
        app,
        query_client=lambda client_id: provider.client if client_id == CLIENT_ID else None,
        save_token=save_token,
    )
    server.register_grant(
        CodeGrant, [OpenIDConnectCode(require_nonce=True), CodeChallenge(required=True)]
    )

    @app.get("/.well-known/openid-configuration")
    def discovery():
        if provider.broken_discovery:
            return jsonify(issuer=provider.issuer)
        return jsonify(
            issuer=provider.issuer,
            authorization_endpoint=f"{provider.issuer}/authorize",
            token_endpoint=f"{provider.issuer}/token",
            jwks_uri=f"{provider.issuer}/jwks",
            userinfo_endpoint=f"{provider.issuer}/userinfo",
            response_types_supported=["code"],
            subject_types_supported=["public"],
            id_token_signing_alg_values_supported=["RS256"],
            scopes_supported=list(SCOPES),
            token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
            code_challenge_methods_supported=["S256"],
        )

    @app.get("/jwks")
    def jwks():
        return jsonify(KeySet([provider.key]).as_dict(private=False))

    @app.route("/authorize", methods=["GET", "POST"])
    def authorize():
        """The provider's own log-in page: a user name, nothing more."""
        if request.method == "GET":
            server.get_consent_grant(end_user=None)  # refuses a bad request before the form
            return (
                "<!doctype html><html lang='sv'><title>Testinloggning</title>"
                f"<form method='post' action='{escape(request.full_path)}'>"
                "<label for='username'>Användarnamn</label>"
                "<input id='username' name='username' autocomplete='username'>"
                "<button type='submit'>Logga in hos testleverantören</button></form></html>"
            )
        user = provider.users.get(request.form.get("username", ""))
        grant = server.get_consent_grant(end_user=user)
        return server.create_authorization_response(grant=grant, grant_user=user)

    @app.post("/token")
    def token():
        return server.create_token_response()

    @app.get("/userinfo")
    def userinfo():
        scheme, _, access_token = request.headers.get("Authorization", "").partition(" ")
        user = provider.access_tokens.get(access_token) if scheme == "Bearer" else None
        if user is None:
            return jsonify(error="invalid_token"), 401
        return jsonify(user)

    return app


@contextmanager
def running_provider() -> Iterator[Provider]:
    """Serve a provider on a free localhost port until the block ends."""
    provider = Provider()
    http = make_server("127.0.0.1", 0, create_provider_app(provider), threaded=True)
    provider.issuer = f"http://127.0.0.1:{http.server_port}"
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        http.shutdown()
        thread.join(timeout=10)
        http.server_close()
