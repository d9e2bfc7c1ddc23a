"""Configuration: defaults, then instance/config.py, then the environment, then test overrides.

The secret key is validated once at start so that a production deployment can never run
on a guessable key (STYLE.md 2.2).
"""

import copy
import os
from collections.abc import Mapping

DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused outside dev/demo by validate()

ENVIRONMENTS = ("production", "dev", "demo", "test")


class ConfigError(RuntimeError):
    """Raised when the configuration would make the service unsafe or unusable."""


class Defaults:
    AVVIKELSE_ENV = "production"
    AVVIKELSE_REGION = "blekinge"
    SECRET_KEY = None
    SQLALCHEMY_DATABASE_URI = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Secure anyway on every response to an HTTPS request (avvikelse/security.py); set True to
    # have it on plain HTTP too.
    SESSION_COOKIE_SECURE = False
    # How many proxies in front set X-Forwarded-For/-Proto (env AVVIKELSE_PROXY_FIX). 0 trusts no
    # such header: with a TLS-terminating proxy and 0, the app never knows it is served over HTTPS.
    PROXY_FIX = 0
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    # No form takes a file; the longest text (minutes of a full agenda) is far below 1 MiB. A
    # larger request is refused with 413 before it is parsed (views/errors.py).
    MAX_CONTENT_LENGTH = 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 500_000
    BABEL_DEFAULT_LOCALE = "sv"
    # flask-smorest: the JSON API's OpenAPI document at /api/v1/openapi.json (views/api.py).
    API_TITLE = "Avvikelse API"
    API_VERSION = "1"
    OPENAPI_VERSION = "3.1.0"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    # Requests per API client and minute, counted in the database (services/api_clients.py).
    API_RATE_LIMIT_PER_MINUTE = 120
    BABEL_DEFAULT_TIMEZONE = "Europe/Stockholm"
    LANGUAGES = ("sv", "en")
    # OWASP ASVS 5.0 level 2 / OWASP password storage cheat sheet: PBKDF2-HMAC-SHA256 >= 600,000.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:600000"  # noqa: S105 - a method, not a password
    PASSWORD_MIN_LENGTH = 12
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15
    MAIL_SERVER = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_DEFAULT_SENDER = "avvikelse@localhost"
    # Links in e-mail point here; set it to the address users open the system at.
    AVVIKELSE_BASE_URL = "http://localhost:5000"
    # Scheduled jobs (env AVVIKELSE_ANSWER_REMINDER_DAYS etc.): coordinators are reminded this
    # many days before an answer is due; the scheduler's leader renews its lease this often and
    # another scheduler takes over once the lease is this old (short values in tests only).
    ANSWER_REMINDER_DAYS = 3
    SCHEDULER_RENEW_SECONDS = 15
    SCHEDULER_LEASE_SECONDS = 45
    # Test and demo only (env AVVIKELSE_CLOCK_SHIFT_FILE): a file holding seconds to add to the
    # system clock, so a test runs this process on its frozen date (services/dates.py).
    CLOCK_SHIFT_FILE = None
    # Single sign-on (OpenID Connect), one entry per identity provider, each tied to a region;
    # the secret comes from the environment (avvikelse/sso.py, README "Single sign-on").
    OIDC_PROVIDERS: dict = {}


ENV_VARIABLES = {
    "SECRET_KEY": str,
    "AVVIKELSE_REGION": str,
    "AVVIKELSE_ENV": str,
    "MAIL_SERVER": str,
    "MAIL_PORT": int,
    "MAIL_USE_TLS": lambda v: v.lower() in ("1", "true", "yes", "on"),
    "MAIL_USERNAME": str,
    "MAIL_PASSWORD": str,
    "MAIL_DEFAULT_SENDER": str,
    "AVVIKELSE_BASE_URL": str,
}


def load_environment(config) -> None:
    """Copy the documented environment variables into the Flask config."""
    for name, convert in ENV_VARIABLES.items():
        if name in os.environ:
            config[name] = convert(os.environ[name])
    if "DATABASE_URL" in os.environ:
        config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(os.environ["DATABASE_URL"])
    # AVVIKELSE_OIDC_PROVIDERS__<key>__client_secret writes into this dict: never into the
    # class default that every app built in the process starts from.
    config["OIDC_PROVIDERS"] = copy.deepcopy(config.get("OIDC_PROVIDERS") or {})
    config.from_prefixed_env("AVVIKELSE")


def normalize_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever spelling the operator used."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def finish(config, instance_path: str) -> None:
    """Fill derived values and refuse unsafe settings."""
    env = config["AVVIKELSE_ENV"]
    if env not in ENVIRONMENTS:
        raise ConfigError(
            f"AVVIKELSE_ENV={env!r} är okänt / is unknown: "
            f"välj / choose one of {', '.join(ENVIRONMENTS)}"
        )
    if not config.get("SECRET_KEY"):
        if env in ("dev", "demo", "test"):
            config["SECRET_KEY"] = DEV_SECRET_KEY
        else:
            raise ConfigError(
                "SECRET_KEY saknas. Sätt miljövariabeln SECRET_KEY till en lång slumpmässig sträng "
                "(t.ex. python -c 'import secrets; print(secrets.token_hex(32))'). / "
                "SECRET_KEY is missing: set the SECRET_KEY environment variable."
            )
    elif config["SECRET_KEY"] == DEV_SECRET_KEY and env == "production":
        raise ConfigError("SECRET_KEY är utvecklingsnyckeln och får inte användas i drift.")
    _check_job_settings(config)
    proxies = config["PROXY_FIX"]
    if not isinstance(proxies, int) or isinstance(proxies, bool) or proxies < 0:
        raise ConfigError(
            f"PROXY_FIX={proxies!r}: ange antalet proxyservrar framför appen som ett heltal, "
            "0 eller fler. / Give the number of proxies in front of the app, 0 or more."
        )
    if config.get("CLOCK_SHIFT_FILE") and env not in ("test", "demo"):
        raise ConfigError(
            "CLOCK_SHIFT_FILE flyttar klockan och får bara användas i test och demo. / "
            "CLOCK_SHIFT_FILE moves the clock and is for the test and demo environments only."
        )
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(
            instance_path, "avvikelse.sqlite"
        )
    config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(config["SQLALCHEMY_DATABASE_URI"])
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.setdefault("connect_args", {}).setdefault("timeout", 15)
        config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _check_job_settings(config) -> None:
    days = config["ANSWER_REMINDER_DAYS"]
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        raise ConfigError(
            f"ANSWER_REMINDER_DAYS={days!r}: ange ett heltal, 0 eller fler dagar "
            "före sista svarsdag."
        )
    renew, lease = config["SCHEDULER_RENEW_SECONDS"], config["SCHEDULER_LEASE_SECONDS"]
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (renew, lease))
    if not numbers or not 0 < renew < lease:
        raise ConfigError(
            f"SCHEDULER_RENEW_SECONDS={renew!r} och SCHEDULER_LEASE_SECONDS={lease!r}: "
            "ange sekunder där förnyelsen är kortare än lånetiden (standard 15 och 45)."
        )


def apply_overrides(config, overrides: Mapping | None) -> None:
    if overrides:
        config.update(overrides)
