"""The production gunicorn settings load as gunicorn reads them and say what the README says;
bench.wsgi adds its bare route without opening any other page to anonymous users."""

import importlib
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from sqlalchemy import text

from avvikelse.extensions import db
from bench.wsgi import BARE_PATH, create
from tests.conftest import BASE_TEST_CONFIG


def load(monkeypatch, **env) -> Config:
    """The module as `gunicorn -c python:avvikelse.gunicorn_conf` applies it: every setting
    through gunicorn's own validators."""
    for name in ("WEB_CONCURRENCY", "AVVIKELSE_BIND"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    module = importlib.reload(importlib.import_module("avvikelse.gunicorn_conf"))
    config = Config()
    for name, value in vars(module).items():
        if name in config.settings:
            config.set(name, value)
    return config


def test_sync_workers_preloaded_with_bounded_requests(monkeypatch):
    config = load(monkeypatch)
    assert config.worker_class_str == "sync"
    assert config.workers >= 3  # 2 × cores + 1
    assert config.preload_app
    assert config.timeout >= 60  # a region's export streams for tens of seconds
    assert 0 < config.graceful_timeout <= config.timeout
    assert 0 < config.max_requests_jitter < config.max_requests
    assert config.address == [("127.0.0.1", 8000)]
    assert config.secure_scheme_headers == {}  # the app's ProxyFix decides what is HTTPS


def test_bind_and_workers_come_from_the_environment(monkeypatch):
    config = load(monkeypatch, AVVIKELSE_BIND="10.0.0.5:9000", WEB_CONCURRENCY="2")
    assert config.address == [("10.0.0.5", 9000)]
    assert config.workers == 2


def test_the_access_log_leaves_out_query_strings(monkeypatch):
    log_format = load(monkeypatch).access_log_format
    assert "%(U)s" in log_format
    assert "%(r)s" not in log_format
    assert "%(q)s" not in log_format


@pytest.fixture
def bench_app(tmp_path):
    app = create({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/b.db"})
    yield app
    with app.app_context():
        db.engine.dispose()


def test_a_worker_does_not_reuse_the_masters_database_connections(bench_app):
    """SQLite here whatever TEST_DATABASE_URL says: the PostgreSQL fixture binds the session to
    one connection instead of an engine."""
    module = importlib.reload(importlib.import_module("avvikelse.gunicorn_conf"))
    with bench_app.app_context():
        db.session.execute(text("SELECT 1"))
        db.session.remove()
        pool = db.engine.pool
        assert pool.checkedin() == 1
        server = SimpleNamespace(cfg=SimpleNamespace(preload_app=True))
        worker = SimpleNamespace(app=SimpleNamespace(wsgi=lambda: bench_app))
        module.post_fork(server, worker)
        assert db.engine.pool is not pool
        assert db.engine.pool.checkedin() == 0


def test_the_bench_app_serves_the_bare_route_to_anyone(bench_app):
    answer = bench_app.test_client().get(BARE_PATH)
    assert answer.status_code == 200
    assert answer.text == "Hej"
    assert "Content-Security-Policy" in answer.headers  # the app's after_request hooks ran


def test_the_bench_app_keeps_every_other_page_behind_the_log_in(bench_app):
    answer = bench_app.test_client().get("/arenden")
    assert answer.status_code == 302
    assert "/login" in answer.headers["Location"]
