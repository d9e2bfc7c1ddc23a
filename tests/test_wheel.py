"""The wheel works without the repository: templates, migrations and regions travel inside it.

STYLE.md 2.1: templates/ and migrations/ live at the repository top and are force-included into
the wheel; create_app finds the package copy. This test builds the wheel, installs it into a fresh
virtual environment (no system site packages, no editable checkout), and from a directory outside
the repository runs `avvikelse db upgrade`, `avvikelse serve` and gunicorn with the production
settings the README gives.

Dependencies come from pip's configured index (the local mirror here) and its cache.
"""

import fnmatch
import sqlite3
import sys
import zipfile
from pathlib import Path

import pytest

from .live_server import clean_env, http_get, live_server, run

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    outdir = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--wheel", "--outdir", outdir, ROOT], timeout=180)
    (built,) = outdir.glob("avvikelse-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed; returns its bin/ directory."""
    venv = tmp_path_factory.mktemp("wheel-venv") / "venv"
    run([sys.executable, "-m", "venv", venv], timeout=120)
    bin_dir = venv / "bin"
    run(
        [bin_dir / "python", "-m", "pip", "install", "--disable-pip-version-check", wheel],
        timeout=300,
        env=clean_env({}),
    )
    return bin_dir


def test_wheel_contains_templates_migrations_and_regions(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())

    assert "avvikelse/templates/base.html" in names
    assert "avvikelse/migrations/env.py" in names
    assert "avvikelse/migrations/alembic.ini" in names
    assert "avvikelse/migrations/script.py.mako" in names
    assert fnmatch.filter(names, "avvikelse/migrations/versions/*.py")
    assert fnmatch.filter(names, "avvikelse/regions/*.toml")
    assert fnmatch.filter(names, "avvikelse/static/*")
    # The PDFs' font travels with its license (services/documents.py).
    for font_file in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "LICENSE-DejaVu.txt"):
        assert f"avvikelse/static/fonts/{font_file}" in names
    # Every file of the repository's history, region and template folders is shipped.
    for folder, pattern, target in (
        ("migrations/versions", "*.py", "avvikelse/migrations/versions"),
        ("avvikelse/regions", "*.toml", "avvikelse/regions"),
        ("templates", "**/*.html", "avvikelse/templates"),
    ):
        for path in (ROOT / folder).glob(pattern):
            assert f"{target}/{path.relative_to(ROOT / folder).as_posix()}" in names
    assert not [name for name in names if name.startswith(("tests/", "instance/", "bench/"))]


def test_installed_wheel_upgrades_and_serves(installed, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    database = tmp_path / "w.sqlite"
    env = {"DATABASE_URL": f"sqlite:///{database}", "AVVIKELSE_ENV": "dev"}

    location = run(
        [installed / "python", "-c", "import avvikelse; print(avvikelse.__file__)"],
        timeout=60,
        cwd=outside,
        env=clean_env(env),
    ).stdout.strip()
    assert Path(location).is_relative_to(installed.parent), location

    # The PDF documents find their font inside the installed package, not on this machine.
    font_dir = run(
        [
            installed / "python",
            "-c",
            "from avvikelse.services import documents as d; print(d.FONT_DIR)",
        ],
        timeout=60,
        cwd=outside,
        env=clean_env(env),
    ).stdout.strip()
    assert Path(font_dir).is_relative_to(installed.parent), font_dir
    assert (Path(font_dir) / "DejaVuSans.ttf").is_file()

    run([installed / "avvikelse", "db", "upgrade"], timeout=120, cwd=outside, env=clean_env(env))
    with sqlite3.connect(database) as connection:
        (version,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    connection.close()
    assert version

    with live_server(
        [installed / "avvikelse", "serve"],
        env=env,
        cwd=outside,
        log_path=tmp_path / "serve.log",
    ) as server:
        status, body, _ = http_get(f"{server.url}/login")
        assert status == 200, server.output()
        assert '<html lang="sv">' in body
        assert "<h1>Logga in</h1>" in body
        assert 'name="password"' in body

        status, css, headers = http_get(f"{server.url}/static/avvikelse.css")
        assert status == 200
        assert headers["Content-Type"].startswith("text/css")
        assert css.strip()

        status, _, headers = http_get(f"{server.url}/")
        assert status == 302
        assert "/login" in headers["Location"]


def test_installed_wheel_serves_under_gunicorn_with_the_packaged_settings(installed, tmp_path):
    """README "Production": the settings are a module of the package, not a file of the
    repository, so the documented command works from a plain install."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'g.sqlite'}",
        "SECRET_KEY": "a-production-key-for-this-test-only",
        "WEB_CONCURRENCY": "2",
    }
    run([installed / "avvikelse", "db", "upgrade"], timeout=120, cwd=outside, env=clean_env(env))
    command = [
        installed / "gunicorn",
        "-c",
        "python:avvikelse.gunicorn_conf",
        "avvikelse:create_app()",
    ]
    with live_server(
        command, env=env, cwd=outside, log_path=tmp_path / "gunicorn.log", port_option="--bind"
    ) as server:
        status, body, _ = http_get(f"{server.url}/login?next=/arenden")
        assert status == 200, server.output()
        assert "<h1>Logga in</h1>" in body
    log = server.output()  # once stopped: a request is logged after its response is sent
    assert "Using worker: sync" in log
    assert '"GET /login HTTP/1.1" 200' in log  # the access log, without the query string
