import pytest

from avvikelse import create_app
from avvikelse.config import DEV_SECRET_KEY, ConfigError


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in ("SECRET_KEY", "AVVIKELSE_ENV", "DATABASE_URL", "AVVIKELSE_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'c.sqlite'}")


@pytest.mark.usefixtures("clean_env")
def test_production_refuses_to_start_without_secret_key():
    with pytest.raises(ConfigError, match="SECRET_KEY saknas"):
        create_app()


@pytest.mark.usefixtures("clean_env")
def test_production_refuses_the_development_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", DEV_SECRET_KEY)
    with pytest.raises(ConfigError, match="utvecklingsnyckeln"):
        create_app()


@pytest.mark.usefixtures("clean_env")
def test_production_starts_with_a_secret_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a" * 64)
    app = create_app()
    assert app.config["SECRET_KEY"] == "a" * 64


@pytest.mark.usefixtures("clean_env")
@pytest.mark.parametrize("env", ["dev", "demo"])
def test_dev_and_demo_fall_back_to_a_development_key(monkeypatch, env):
    monkeypatch.setenv("AVVIKELSE_ENV", env)
    assert create_app().config["SECRET_KEY"] == DEV_SECRET_KEY


@pytest.mark.usefixtures("clean_env")
def test_unknown_environment_is_refused(monkeypatch):
    monkeypatch.setenv("AVVIKELSE_ENV", "staging")
    with pytest.raises(ConfigError, match="staging"):
        create_app()


def test_database_defaults_to_sqlite_in_the_instance_folder(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"AVVIKELSE_ENV": "test"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        "sqlite:///" + app.instance_path + "/avvikelse.sqlite"
    )


def test_postgres_urls_use_psycopg3(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    app = create_app({"AVVIKELSE_ENV": "test"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_mail_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("MAIL_SERVER", "smtp.example")
    monkeypatch.setenv("MAIL_PORT", "2525")
    monkeypatch.setenv("MAIL_USE_TLS", "true")
    app = create_app({"AVVIKELSE_ENV": "test"})
    assert (app.config["MAIL_SERVER"], app.config["MAIL_PORT"], app.config["MAIL_USE_TLS"]) == (
        "smtp.example",
        2525,
        True,
    )


def test_sqlite_runs_with_foreign_keys_wal_busy_timeout_and_page_cache(app):
    from sqlalchemy import text

    from avvikelse.extensions import db

    if db_is_postgres(app):
        pytest.skip("SQLite pragmas do not apply to PostgreSQL")
    with app.app_context():
        connection = db.session.connection()
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 15000
        # In KiB when negative: 32 MiB, not SQLite's 2 MiB (avvikelse/db.py).
        assert connection.execute(text("PRAGMA cache_size")).scalar() == -32 * 1024


def db_is_postgres(app):
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
