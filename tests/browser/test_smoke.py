"""Browser smoke test: the real `avvikelse serve --demo` driven by Debian's chromium.

Playwright never downloads a browser here; it drives /usr/bin/chromium (apt-get install chromium).
The server runs in a subprocess on a free port with its database in the test's temp folder, the
way an evaluator would start the demo.
"""

import re
import shutil
import sys
from pathlib import Path

import pytest

from avvikelse.services.demo import DEMO_PASSWORD

from .conftest import serve_demo

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} not found: browser tests need Debian's chromium (apt-get install chromium)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright not installed: pip install -e '.[test]'"
)
expect = sync_api.expect

pytestmark = pytest.mark.browser

# "  <label padded to 42>  <e-mail padded to 45>  <name>" as printed by `avvikelse serve --demo`.
LOGIN_LINE = re.compile(r"^\s+(?P<label>\S.*?)\s+(?P<email>[^\s@]+@[^\s@]+)\s+(?P<name>\S.*?)\s*$")


def avvikelse_command() -> str:
    """The console script of the interpreter running the tests (the project's venv)."""
    script = Path(sys.executable).with_name("avvikelse")
    if script.exists():
        return str(script)
    found = shutil.which("avvikelse")
    if not found:
        pytest.fail("the avvikelse console script is not installed next to the test interpreter")
    return found


def demo_logins(output: str) -> list[dict[str, str]]:
    """The log-in lines `serve --demo` prints after its 'Demo för ...' heading."""
    _, found, after = output.partition("Demo för")
    if not found:
        return []
    logins = []
    for line in after.splitlines()[1:]:
        match = LOGIN_LINE.match(line)
        if not match:
            break
        logins.append(match.groupdict())
    return logins


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    with serve_demo(tmp_path_factory.mktemp("demo-server")) as server:
        yield server


@pytest.fixture
def new_page(browser):
    """Pages in fresh contexts (own cookies), Swedish like the users' browsers."""
    contexts = []

    def make(**options):
        context = browser.new_context(locale="sv-SE", **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def test_demo_user_logs_in_and_sees_start_page(demo_server, new_page, tmp_path):
    logins = demo_logins(demo_server.output())
    assert logins, f"no demo log-ins printed:\n{demo_server.output()}"
    login = logins[0]

    page = new_page()
    page.goto(f"{demo_server.url}/")
    expect(page).to_have_url(re.compile(r"/login\b"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in")

    page.get_by_label("E-postadress").fill(login["email"])
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()

    expect(page).to_have_url(f"{demo_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(login["name"])

    screenshot = tmp_path / "start-page.png"
    page.screenshot(path=screenshot, full_page=True)
    print(f"screenshot: {screenshot}")
    assert screenshot.stat().st_size > 0


def test_login_page_fits_a_phone_and_starts_with_skip_link(demo_server, new_page, tmp_path):
    page = new_page(viewport={"width": 360, "height": 740})
    page.goto(f"{demo_server.url}/login")

    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360, f"horizontal scroll on a 360 px screen: {scroll_width}px wide"

    page.keyboard.press("Tab")
    focused = page.evaluate(
        "({text: document.activeElement.textContent.trim(),"
        " href: document.activeElement.getAttribute('href')})"
    )
    assert focused == {"text": "Hoppa till innehållet", "href": "#main"}

    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    screenshot = tmp_path / "login-360.png"
    page.screenshot(path=screenshot, full_page=True)
    print(f"screenshot: {screenshot}")
