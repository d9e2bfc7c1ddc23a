"""Single sign-on with OpenID Connect: the providers' settings and their Authlib clients.

Each provider belongs to one region (issue 16, point 3). Its settings are deployment
configuration (instance/config.py or the environment), not region data: the client id and the
redirect address belong to one registration at the identity provider, which test, staging and
production each have their own of, while the region files (avvikelse/regions/) describe the
collaboration and are shared by every deployment and kept in the repository, where a client
secret must never be. The database would need an admin page and would keep the secret in every
backup. So: OIDC_PROVIDERS = {key: {...}} in instance/config.py, the secret from the
environment (AVVIKELSE_OIDC_PROVIDERS__<key>__client_secret), validated once at start.

The client is Authlib's Flask integration rather than its bare requests client: it keeps state,
nonce and PKCE verifier in the signed session, reads the provider's discovery document and
JWKS, and checks the id_token's signature, issuer, audience, expiry and nonce, all of which
the bare client leaves to us. It does its HTTP through requests.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app

from .config import ConfigError

KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
REQUIRED = ("region", "label", "issuer", "client_id", "client_secret")
OPTIONAL = (
    "scope",
    "email_claim",
    "email_verified_claim",
    "organization_claim",
    "organizations",
)
LOOPBACK = ("localhost", "127.0.0.1", "::1")
# Discovery, token and key requests wait this long for the provider (seconds).
TIMEOUT = 10


@dataclass(frozen=True)
class OidcProvider:
    key: str
    region: str
    label: str
    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    scope: str = "openid email profile"
    email_claim: str = "email"
    email_verified_claim: str = "email_verified"
    # A claim naming the person's organization (e.g. an HSA-id), and its values mapped to
    # organization names of the region; when set, the claim must name the account's organization.
    organization_claim: str | None = None
    organizations: dict[str, str] = field(default_factory=dict)


def _refuse(key: str, problem: str) -> ConfigError:
    return ConfigError(f"OIDC_PROVIDERS[{key!r}]: {problem}")


def parse_providers(raw) -> dict[str, OidcProvider]:
    """Check every provider's settings at start, so that a typo stops the app rather than
    the first person who tries to log in."""
    if not isinstance(raw, dict):
        raise ConfigError(
            "OIDC_PROVIDERS ska vara en tabell {nyckel: {inställningar}}. / "
            "OIDC_PROVIDERS must map provider keys to their settings."
        )
    providers: dict[str, OidcProvider] = {}
    for key, settings in raw.items():
        if not isinstance(key, str) or not KEY.fullmatch(key):
            raise _refuse(key, "nyckeln får bara ha a-z, 0-9 och - / key: a-z, 0-9 and - only")
        if not isinstance(settings, dict):
            raise _refuse(key, "ange inställningarna som en tabell / settings must be a table")
        unknown = set(settings) - set(REQUIRED) - set(OPTIONAL)
        if unknown:
            raise _refuse(key, f"okända inställningar / unknown settings: {sorted(unknown)}")
        for name in REQUIRED:
            if not isinstance(settings.get(name), str) or not settings[name].strip():
                raise _refuse(
                    key,
                    f"{name} saknas eller är inte en sträng / {name} is missing or not a "
                    "string (in the environment a number needs JSON quotes: '\"123\"')",
                )
        issuer = settings["issuer"].rstrip("/")
        parts = urlsplit(issuer)
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOOPBACK):
            raise _refuse(key, "issuer ska börja med https:// / issuer must be an https URL")
        organizations = settings.get("organizations", {})
        if not isinstance(organizations, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in organizations.items()
        ):
            raise _refuse(key, "organizations: {claimvärde: organisationsnamn}")
        if bool(settings.get("organization_claim")) != bool(organizations):
            raise _refuse(
                key,
                "organization_claim och organizations anges tillsammans / "
                "organization_claim and organizations go together",
            )
        optional = {n: settings[n] for n in OPTIONAL if n in settings and n != "organizations"}
        if not all(isinstance(v, str) and v for v in optional.values()):
            raise _refuse(key, "scope och claim-namn är strängar / scope and claims are strings")
        if "openid" not in optional.get("scope", "openid").split():
            raise _refuse(key, "scope måste innehålla openid / scope must include openid")
        providers[key] = OidcProvider(
            key=key,
            region=settings["region"],
            label=settings["label"].strip(),
            issuer=issuer,
            client_id=settings["client_id"],
            client_secret=settings["client_secret"],
            organizations=dict(organizations),
            **optional,
        )
    issuers = [p.issuer for p in providers.values()]
    if len(issuers) != len(set(issuers)):
        raise ConfigError("OIDC_PROVIDERS: två leverantörer har samma issuer / duplicate issuer")
    return providers


def install_sso(app: Flask) -> None:
    """One Authlib registry per app, so that apps built in one process (tests) never share a
    provider's cached discovery document or keys. Nothing is fetched here: the discovery
    document is read on the first log-in."""
    providers = parse_providers(app.config.get("OIDC_PROVIDERS") or {})
    oauth = OAuth(app)
    for provider in providers.values():
        oauth.register(
            _client_name(provider.key),
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            server_metadata_url=f"{provider.issuer}/.well-known/openid-configuration",
            client_kwargs={
                "scope": provider.scope,
                "code_challenge_method": "S256",
                "default_timeout": TIMEOUT,
            },
        )
    app.extensions["avvikelse.sso"] = providers


def _client_name(key: str) -> str:
    """Not a config-like name: Authlib looks up <NAME>_CLIENT_ID and the like in app.config."""
    return f"sso:{key}"


def providers() -> list[OidcProvider]:
    return list(current_app.extensions["avvikelse.sso"].values())


def provider(key: str) -> OidcProvider | None:
    return current_app.extensions["avvikelse.sso"].get(key)


def client(key: str):
    """The provider's Authlib client (FlaskOAuth2App)."""
    return current_app.extensions["authlib.integrations.flask_client"].create_client(
        _client_name(key)
    )


def claims_of(provider: OidcProvider, token: dict) -> dict:
    """The validated id_token's claims, completed from the UserInfo endpoint when the id_token
    lacks the e-mail claim: OpenID Connect lets a provider return the claims of the "email"
    scope there only. The id_token's claims win, and an answer about another subject is
    ignored (OpenID Connect Core 5.3.2)."""
    claims = dict(token["userinfo"])
    metadata = client(provider.key).load_server_metadata()
    if provider.email_claim in claims or not metadata.get("userinfo_endpoint"):
        return claims
    extra = client(provider.key).userinfo(token=token)
    if extra.get("sub") != claims.get("sub"):
        return claims
    return {**extra, **claims}
