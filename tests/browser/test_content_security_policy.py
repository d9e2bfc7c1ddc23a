"""The Content-Security-Policy (avvikelse/security.py) in a real browser: pages across the app
load without a single violation, and the scripts that fetch fragments still work under it."""

import re
from urllib.parse import urlsplit

import pytest

from avvikelse.services.demo import DEMO_PASSWORD

from .conftest import serve_demo
from .test_smoke import sync_api

pytestmark = pytest.mark.browser
expect = sync_api.expect

SECRETARY = "david.nyman@regionblekinge.example"  # sekreterare, Samverkansgrupp Äldre
PAGES_TO_VISIT = 40
SKIP = re.compile(r"(\.pdf|\.csv|\.xlsx|/logout|/static/)(\?|$)")


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_database):
    with serve_demo(tmp_path_factory.mktemp("csp"), start_from=demo_database) as running:
        yield running


def watched_page(browser):
    """A page whose policy violations and uncaught script errors are collected: Chromium reports
    each blocked script, style, frame or fetch on the console ("Refused to ... because it
    violates the following Content Security Policy directive")."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.problems = []
    page.on(
        "console",
        lambda message: (
            page.problems.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: page.problems.append(f"{page.url}: {error}"))
    return context, page


def test_pages_load_without_violations_and_the_scripts_work(browser, server):
    context, page = watched_page(browser)
    page.goto(f"{server.url}/login")
    response = page.request.get(f"{server.url}/login")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.fill("input[name=email]", SECRETARY)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]:has-text('Logga in')")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hej")

    # The report form: the similar-cases hint is fetched, a matrix cell chooses both scales.
    page.goto(f"{server.url}/rapportera")
    with page.expect_response(re.compile(r"/aterkommande/")) as hint:
        page.select_option("select[name=category_id]", index=1)
    assert hint.value.ok
    page.locator("td[data-probability='3'][data-consequence='2']").click()
    expect(page.locator("input[name=probability][value='3']")).to_be_checked()
    expect(page.locator(".risk-result")).not_to_be_empty()

    # Pages across the app, following links from the start page, as the secretary sees them.
    origin = urlsplit(server.url).netloc
    queue, seen = [f"{server.url}/"], set()
    while queue and len(seen) < PAGES_TO_VISIT:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        page.goto(url)
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            target = href.split("#")[0]
            if urlsplit(target).netloc == origin and not SKIP.search(target):
                queue.append(target)
        live = page.locator("form[data-live-quorum] input[type=checkbox]")
        if live.count():
            with page.expect_response(re.compile(r"/beslutsforhet")) as quorum:
                live.first.click()
            assert quorum.value.ok
    assert len(seen) == PAGES_TO_VISIT, seen
    assert page.problems == [], "\n".join(page.problems)
    context.close()
