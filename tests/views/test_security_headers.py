"""Security headers on every kind of response, HTTPS behind a proxy, and templates the
Content-Security-Policy can serve unchanged (issue 12, point 4; avvikelse/security.py)."""

import re
from pathlib import Path

import pytest

from avvikelse import create_app
from avvikelse.config import ConfigError

from ..conftest import BASE_TEST_CONFIG
from .test_documents import approve, dw  # noqa: F401 - dw is a fixture used below

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def assert_secured(response) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, name
    header = response.headers["Content-Security-Policy"]
    policy = dict(part.strip().split(" ", 1) for part in header.split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in header


def test_every_kind_of_response_carries_the_headers(app, client, auth, dw):  # noqa: F811
    minutes_id = approve(app, dw)
    kinds = {
        "public page": ("/tillganglighet", 200, "text/html"),
        "log-in page": ("/login", 200, "text/html"),
        "redirect to log-in": ("/konto/", 302, None),
        "public PDF": (f"/protokoll/{minutes_id}.pdf", 200, "application/pdf"),
        "404 page": ("/finns-inte", 404, "text/html"),
        "static file": ("/static/avvikelse.css", 200, "text/css"),
        "JSON health": ("/health", 200, "application/json"),
    }
    seen = {}

    def fetch(kind, path, status, mimetype):
        response = client.get(path)
        response.close()  # the static file's handle; the headers are all that is read
        seen[kind] = (path, status, mimetype, response)

    for kind, (path, status, mimetype) in kinds.items():
        fetch(kind, path, status, mimetype)
    auth.login("lsvo.sek@test.example")
    logged_in = {
        "HTML page": (f"/moten/{dw['meeting']}", 200, "text/html"),
        "PDF": (f"/moten/{dw['meeting']}/kallelse.pdf", 200, "application/pdf"),
        "fragment": (f"/moten/{dw['meeting']}/beslutsforhet", 200, "text/html"),
        "404 for a case one may not see": ("/avvikelser/999999", 404, "text/html"),
    }
    for kind, (path, status, mimetype) in logged_in.items():
        fetch(kind, path, status, mimetype)
    seen["POST refused"] = ("/login", 422, "text/html", client.post("/login", data={}))
    for kind, (path, status, mimetype, response) in seen.items():
        assert response.status_code == status, (kind, path)
        if mimetype:
            assert response.mimetype == mimetype, (kind, path)
        assert_secured(response)
        assert "Strict-Transport-Security" not in response.headers, kind  # plain HTTP


@pytest.mark.parametrize("app", [{"PROPAGATE_EXCEPTIONS": False}], indirect=True)
def test_a_server_error_page_carries_them_too(app, client, world, auth):
    @app.get("/test-fel")
    def broken():
        raise RuntimeError("a bug")

    auth.login("staff@test.example")
    response = client.get("/test-fel")
    assert response.status_code == 500
    assert_secured(response)


def test_plain_http_gets_no_hsts_and_no_secure_cookie(client, world, auth):
    response = auth.login("staff@test.example")
    assert "Strict-Transport-Security" not in response.headers
    assert "Secure" not in response.headers["Set-Cookie"]


def test_https_gets_hsts_and_a_secure_cookie(client, world):
    response = client.post(
        "/login",
        data={"email": "staff@test.example", "password": "ett-langt-losenord"},
        base_url="https://avvikelse.example",
    )
    assert response.status_code == 302
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "; Secure" in response.headers["Set-Cookie"]


def test_forwarded_proto_is_ignored_without_a_trusted_proxy(client, world):
    response = client.post(
        "/login",
        data={"email": "staff@test.example", "password": "ett-langt-losenord"},
        headers={"X-Forwarded-Proto": "https"},
    )
    assert "Strict-Transport-Security" not in response.headers
    assert "Secure" not in response.headers["Set-Cookie"]


@pytest.mark.parametrize("app", [{"PROXY_FIX": 1}], indirect=True)
def test_behind_a_trusted_proxy_https_is_known_from_its_header(client, world):
    response = client.post(
        "/login",
        data={"email": "staff@test.example", "password": "ett-langt-losenord"},
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"},
    )
    assert response.status_code == 302
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "; Secure" in response.headers["Set-Cookie"]
    plain = client.get("/health", headers={"X-Forwarded-Proto": "http"})
    assert "Strict-Transport-Security" not in plain.headers


@pytest.mark.parametrize("value", [-1, "1", True, 1.5])
def test_proxy_fix_must_be_a_count(value, tmp_path):
    config = {**BASE_TEST_CONFIG, "PROXY_FIX": value}
    config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'x.sqlite'}"
    with pytest.raises(ConfigError, match="PROXY_FIX"):
        create_app(config)


def _served_templates():
    """Everything but e-mail, whose HTML is read by mail clients, not served under the policy."""
    for path in sorted(TEMPLATES.rglob("*.html")):
        if path.relative_to(TEMPLATES).parts[0] != "email":
            yield path


def test_templates_have_no_inline_script_handler_or_style():
    """The policy allows no inline script or style: one would be silently dropped by the
    browser, so it is refused here."""
    problems = []
    for path in _served_templates():
        text = path.read_text(encoding="utf-8")
        for pattern, what in (
            (r"<script(?![^>]*\bsrc=)[^>]*>", "inline <script>"),
            (r"<style\b", "<style> element"),
            (r"\son[a-z]+\s*=", "event handler attribute"),
            (r"\sstyle\s*=", "style attribute"),
            (r"javascript:", "javascript: URL"),
        ):
            if re.search(pattern, text, re.IGNORECASE):
                problems.append(f"{path.relative_to(TEMPLATES)}: {what}")
    assert problems == []
    assert sum(1 for _ in _served_templates()) > 50
