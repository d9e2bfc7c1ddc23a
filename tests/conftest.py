"""Fixtures: a fresh app per test; SQLite copied from a schema built once from the models,
PostgreSQL migrated once and rolled back.

Set TEST_DATABASE_URL=postgresql://... to run the suite on PostgreSQL (STYLE.md 2.9).

Every app a test builds runs on one frozen clock: the real time when the session started, or
AVVIKELSE_TEST_NOW (ISO 8601 with offset, e.g. 2028-02-29T12:00+01:00). `.ci/run` runs the suite
again at a daylight-saving change day, New Year's Eve and a leap day that way, so no test may
depend on the date it runs. Processes a test starts (the demo server, schedulers) get the same
date through a clock shift file (services/dates.py, ShiftedClock).
"""

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from avvikelse import create_app
from avvikelse.config import normalize_database_url
from avvikelse.extensions import db
from avvikelse.services.dates import install_clock

from . import factories
from .clock import TEST_NOW, FrozenClock, ProcessClock

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")


@pytest.fixture
def clock(request) -> FrozenClock:
    """At TEST_NOW, or at the instant a module or test states with `pytest.mark.clock(at)`
    when its rules are checked against literal dates (a deadline, a number's year, DST)."""
    marker = request.node.get_closest_marker("clock")
    return FrozenClock(marker.args[0] if marker else TEST_NOW)


@pytest.fixture(scope="session")
def clock_shift_file(tmp_path_factory) -> Path:
    """For processes a test starts: they run forward from TEST_NOW (AVVIKELSE_CLOCK_SHIFT_FILE)."""
    return ProcessClock(tmp_path_factory.mktemp("clock") / "shift").path


BASE_TEST_CONFIG = {
    "TESTING": True,
    "AVVIKELSE_ENV": "test",
    "SECRET_KEY": "test-secret-key",
    "WTF_CSRF_ENABLED": False,
    # Production uses 600,000 iterations (tests/test_accounts checks the default); tests need speed.
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
}


def reset_postgres_schema(url: str) -> None:
    engine = create_engine(normalize_database_url(url))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_migrated():
    """Migrate the PostgreSQL test database once per session (Warehouse's way)."""
    if not POSTGRES_URL:
        return None
    from flask_migrate import upgrade

    reset_postgres_schema(POSTGRES_URL)
    app = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": POSTGRES_URL})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return POSTGRES_URL


@pytest.fixture(scope="session")
def sqlite_schema(tmp_path_factory, postgres_migrated) -> Path | None:
    """An empty SQLite database made from the models once per session; each test starts from a
    copy. Building the schema per test (about 60 tables, the search index and its triggers) cost
    more than most tests themselves, and the suite runs four times in CI."""
    if postgres_migrated:
        return None
    path = tmp_path_factory.mktemp("schema") / "schema.sqlite"
    application = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with application.app_context():
        db.create_all()
        db.session.remove()
        # Disposing checkpoints the write-ahead log into the file, so the file alone is complete.
        db.engine.dispose()
    return path


@pytest.fixture(scope="session")
def demo_history(tmp_path_factory):
    """`copy(region, path)`: write the region's demo database to `path` (SQLite: the region,
    its demo people and about 18 months of history through the workflow at TEST_NOW) and return
    the log-ins and the history's summary. Built once per region per session; four modules
    start from it, and each build took 15-30 s."""
    from avvikelse.services.demo import load_demo
    from avvikelse.services.demo_history import build_demo_history
    from avvikelse.services.regions import load_region

    built = {}

    def copy(region: str, path: Path):
        if region not in built:
            source = tmp_path_factory.mktemp("demo-history") / f"{region}.sqlite"
            application = create_app(
                {**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{source}"}
            )
            install_clock(application, FrozenClock(TEST_NOW))
            with application.app_context():
                db.create_all()
                load_region(region)
                logins = [(label, user.email) for label, user in load_demo(region, now=TEST_NOW)]
                summary = build_demo_history(region, now=TEST_NOW)
                db.session.commit()
                db.session.remove()
                db.engine.dispose()
            built[region] = (source, logins, summary)
        source, logins, summary = built[region]
        shutil.copyfile(source, path)
        return logins, summary

    return copy


@pytest.fixture
def app_config() -> dict:
    """Settings a module adds to every app it builds; override it in the module when they are
    only known at run time (the address of a server a fixture starts)."""
    return {}


@pytest.fixture
def app(tmp_path, postgres_migrated, sqlite_schema, request, clock, app_config):
    config = dict(BASE_TEST_CONFIG)
    config.update(app_config)
    config.update(getattr(request, "param", {}) or {})
    if postgres_migrated:
        config["SQLALCHEMY_DATABASE_URI"] = postgres_migrated
        application = create_app(config)
        install_clock(application, clock)
        with application.app_context():
            engine = db.engine
            connection = engine.connect()
            outer = connection.begin()
            # Flask-SQLAlchemy's get_bind ignores Session(bind=...); point its engine map at the
            # one connection and let each commit become a savepoint release instead.
            db.engines[None] = connection
            db.session.remove()
            db.session.configure(join_transaction_mode="create_savepoint")
        yield application
        with application.app_context():
            db.session.remove()
        outer.rollback()
        connection.close()
        engine.dispose()
    else:
        database = tmp_path / "test.sqlite"
        shutil.copyfile(sqlite_schema, database)
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{database}"
        application = create_app(config)
        install_clock(application, clock)
        yield application
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def world(app):
    """A small region: two organizations, a samverkansgrupp with chair, secretary and members."""
    with app.app_context():
        data = factories.small_world()
        db.session.commit()
        ids = {name: obj.id for name, obj in data.items()}
    return ids


class LoginActions:
    def __init__(self, client):
        self.client = client

    def login(self, email, password=factories.PASSWORD):
        return self.client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return LoginActions(client)
