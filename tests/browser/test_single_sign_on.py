"""Signing in through a local OpenID Connect provider in the browser (issue 16, point 3).

The demo server is configured, through its environment as an operator would, with one provider
for Blekinge: the provider of tests/oidc_provider.py, running in this test process. Chromium
presses "Logga in med …", types a user name on the provider's own page and comes back signed in.
"""

import json
import re

import pytest

from ..oidc_provider import CLIENT_ID, CLIENT_SECRET, running_provider
from .conftest import serve_demo
from .test_accessibility import (
    FAILING_IMPACTS,
    SKIPPED_RULES,
    WIDTHS,
    _run_axe,
    axe_source,  # noqa: F401 - the fixture, used by name
)
from .test_smoke import demo_logins, expect

pytestmark = pytest.mark.browser

KEY = "testinloggning"


@pytest.fixture(scope="module")
def idp():
    with running_provider() as provider:
        yield provider


@pytest.fixture(scope="module")
def sso_server(tmp_path_factory, idp, demo_database):
    public = {
        KEY: {
            "region": "blekinge",
            "label": "Testinloggning",
            "issuer": idp.issuer,
            "client_id": CLIENT_ID,
        }
    }
    env = {
        "AVVIKELSE_OIDC_PROVIDERS": json.dumps(public),
        f"AVVIKELSE_OIDC_PROVIDERS__{KEY}__client_secret": CLIENT_SECRET,
    }
    with serve_demo(
        tmp_path_factory.mktemp("sso-demo"), env=env, start_from=demo_database
    ) as server:
        idp.client.redirect_uris = [f"{server.url}/login/sso/{KEY}/callback"]
        yield server


def new_context(browser, **options):
    context = browser.new_context(locale="sv-SE", **options)
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def page(browser):
    context = new_context(browser)
    yield context.new_page()
    context.close()


@pytest.fixture
def axe_page(browser):
    """axe is injected as inline script, which the app's CSP forbids: this context bypasses it,
    as the accessibility sweep's do."""
    context = new_context(browser, bypass_csp=True)
    yield context.new_page()
    context.close()


def sign_in_at_provider(page, server, username):
    page.goto(f"{server.url}/login")
    page.get_by_role("link", name="Logga in med Testinloggning").click()
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_role("button", name="Logga in hos testleverantören").click()


def test_a_demo_user_signs_in_through_the_provider_and_logs_out(sso_server, idp, page, tmp_path):
    login = demo_logins(sso_server.output())[0]
    idp.users["demo"] = {"sub": "demo-1", "email": login["email"], "email_verified": True}

    sign_in_at_provider(page, sso_server, "demo")

    expect(page).to_have_url(f"{sso_server.url}/")
    expect(page.get_by_text(f"Välkommen, {login['name']}!")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(login["name"])
    page.screenshot(path=tmp_path / "signed-in.png", full_page=True)

    page.get_by_role("button", name="Logga ut").click()
    expect(page).to_have_url(re.compile(r"/login\b"))
    expect(page.get_by_text("Du är utloggad.")).to_be_visible()
    page.goto(f"{sso_server.url}/konto/")
    expect(page).to_have_url(re.compile(r"/login\b"))


def test_an_address_without_an_account_is_refused_in_swedish(sso_server, idp, page, tmp_path):
    idp.users["okand"] = {
        "sub": "okand-1",
        "email": "ingen.alls@example.se",
        "email_verified": True,
    }

    sign_in_at_provider(page, sso_server, "okand")

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Du är inte inloggad")
    expect(alert).to_contain_text("Det finns inget konto med e-postadressen ingen.alls@example.se")
    expect(page.get_by_label("E-postadress")).to_be_visible()  # the password form is still there
    page.screenshot(path=tmp_path / "refused.png", full_page=True)


def assert_accessible(page, axe_script, name):
    for width, (x, y) in WIDTHS.items():
        page.set_viewport_size({"width": x, "height": y})
        found = _run_axe(page, axe_script, SKIPPED_RULES[width])
        assert [v for v in found if v["impact"] in FAILING_IMPACTS] == [], (name, width, found)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= x, f"{name} at {width}: {scroll}px wide"


def test_the_sign_in_choices_and_a_refusal_pass_axe_and_reflow(
    sso_server,
    idp,
    axe_page,
    axe_source,  # noqa: F811 - the fixture imported above
):
    """The accessibility sweep sees the log-in page of a demo without providers; these are the
    two states it cannot reach: with the provider's button, and with a refusal on top."""
    page = axe_page
    idp.users["okand"] = {"sub": "okand-2", "email": "ingen@example.se", "email_verified": True}
    sign_in_at_provider(page, sso_server, "okand")
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page, axe_source, "refusal")
    page.goto(f"{sso_server.url}/login")
    expect(page.get_by_role("link", name="Logga in med Testinloggning")).to_be_visible()
    assert_accessible(page, axe_source, "log-in page with a provider")
