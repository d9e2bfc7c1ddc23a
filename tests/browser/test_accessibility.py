"""axe-core over every page kind of `avvikelse serve --demo`, as several roles, at desktop width
and at 320 CSS px (WCAG 1.4.10 reflow), failing on serious or critical violations (issue 12).

Page kinds are the app's GET routes (app.url_map). Routes with ids get theirs from the demo's
own pages: each role starts from the routes without arguments and follows the links, data
attributes and form actions it is shown, so a role checks the objects it may see. A GET route
that no role reaches fails the test until a page links to it, or NOT_PAGES says why it is no
page, or NOT_IN_DEMO why the demo has nothing for it. Every page at 320 px must also fit without
horizontal scrolling. `pytest -s` prints the figures and the path of a JSON report.

axe-core comes from the npm registry at test time, pinned and checked against its integrity, into
a cache folder; never from a CDN and never at the app's run time. Without npm or the registry the
module skips and says why. It is injected with bypass_csp: the app's CSP forbids inline script.
"""

import base64
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import tarfile
from collections import Counter
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from werkzeug.exceptions import HTTPException

from avvikelse import create_app
from avvikelse.services.demo import DEMO_PASSWORD

from .conftest import serve_demo
from .test_smoke import sync_api  # noqa: F401 - skips the module without chromium

pytestmark = pytest.mark.browser

AXE_VERSION = "4.10.3"
AXE_INTEGRITY = (
    "sha512-Xm7bpRXnDSX2YE2YFfBk2FnF0ep6tmG7xPh8iHee8MIcrgq762"
    "Nkce856dYtJYLkuIoYZvGfTs/PbZhideTcEg=="
)
AXE_CACHE = Path(
    os.environ.get("AVVIKELSE_AXE_CACHE") or Path.home() / ".cache" / "avvikelse" / "axe-core"
)

# Reporter, group chair, administrator (Blekinge's demo log-ins), and no log-in at all.
ROLES = {
    "anonym": None,
    "rapportör": "ida.ekberg@ronneby.example",
    "ordförande": "anna-karin.bjork@regionblekinge.example",
    "administratör": "viktor.engberg@regionblekinge.example",
}
WIDTHS = {"desktop": (1280, 900), "320px": (320, 640)}
# Rules left out at a width. Colour contrast is the same at every width and takes most of axe's
# time, so it is checked at desktop width only.
SKIPPED_RULES = {"desktop": (), "320px": ("color-contrast",)}
FAILING_IMPACTS = ("serious", "critical")

# GET routes that are not HTML pages, with the reason they are left out.
NOT_PAGES = {
    "static": "files (CSS, script, fonts)",
    "pages.health": "JSON for the load balancer",
    "meetings.notice_pdf": "PDF",
    "minutes.pdf": "PDF",
    "public.minutes_pdf": "PDF",
    "inbox.open_notification": "marks the notification read and redirects to its page",
    "inbox.export": "a download (CSV or XLSX)",
    "dashboard.workbook": "a download (XLSX)",
    "dashboard.table_csv": "a download (CSV)",
    "annual_reports.pdf": "PDF",
    "annual_reports.xlsx": "a download (XLSX)",
    "auth.sso_start": "redirects to the identity provider (the demo configures none)",
    "auth.sso_callback": "the identity provider's return: signs in and redirects",
    "api-docs.openapi_json": "the OpenAPI document (JSON); its page is api_reference.docs",
    "api.list_cases": "the JSON API (bearer token, no session)",
    "api.read_case": "the JSON API",
    "api.list_categories": "the JSON API",
    "api.list_organizations": "the JSON API",
    "api.list_groups": "the JSON API",
}


def _integrity(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


@pytest.fixture(scope="module")
def axe_source() -> str:
    """axe.min.js of the pinned axe-core, packed by npm into the cache folder on first use."""
    tarball = AXE_CACHE / f"axe-core-{AXE_VERSION}.tgz"
    if not tarball.exists() or _integrity(tarball) != AXE_INTEGRITY:
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm not found: the axe-core check needs npm (apt-get install npm)")
        AXE_CACHE.mkdir(parents=True, exist_ok=True)
        try:
            packed = subprocess.run(  # noqa: S603 - npm with fixed arguments
                [npm, "pack", f"axe-core@{AXE_VERSION}", "--pack-destination", str(AXE_CACHE)],
                capture_output=True,
                text=True,
                timeout=180,
                check=False,
            )
        except subprocess.TimeoutExpired:
            pytest.skip("the npm registry did not answer in 180 s: axe-core could not be fetched")
        if packed.returncode != 0:
            pytest.skip(
                f"npm pack axe-core@{AXE_VERSION} failed (registry unreachable?): "
                f"{packed.stderr.strip()[-500:]}"
            )
        found = _integrity(tarball)
        assert found == AXE_INTEGRITY, f"axe-core {AXE_VERSION} tarball has integrity {found}"
    with tarfile.open(tarball) as archive:
        member = archive.extractfile("package/axe.min.js")
        assert member is not None
        return member.read().decode()


@pytest.fixture(scope="module")
def routes():
    """endpoint -> rule of every GET route, and a matcher from a path to its route."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "SECRET_KEY": "route-list",
            "AVVIKELSE_ENV": "demo",
        }
    )
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    adapter = app.url_map.bind("localhost")

    def match(path: str) -> tuple[str | None, dict, bool]:
        """(endpoint, arguments, whether it answers GET) of a path, a form's action too."""
        for method in ("GET", "POST"):
            try:
                endpoint, arguments = adapter.match(path, method=method)
            except HTTPException:
                continue
            return endpoint, arguments, method == "GET"
        return None, {}, False

    return rules, match


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_database):
    with serve_demo(tmp_path_factory.mktemp("accessibility"), start_from=demo_database) as running:
        yield running


def _run_axe(page, axe_source: str, skipped_rules) -> list[dict]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    return page.evaluate(
        """async skipped => {
            const rules = Object.fromEntries(skipped.map(id => [id, {enabled: false}]));
            const result = await axe.run(document, {resultTypes: ["violations"], rules});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.length,
                targets: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
            }));
        }""",
        list(skipped_rules),
    )


PAGE_PATHS = """() => Array.from(document.querySelectorAll("*")).flatMap(element =>
    Array.from(element.attributes)
        .filter(a => /^(href|action|data-.*)$/.test(a.name) && a.value.startsWith("/"))
        .map(a => a.value.split("#")[0]))"""
# Tries per page kind before giving up on it for a role (403 and 404 on what others may see).
TRIES = 5
# Page kinds the demo's history has nothing for, with the reason; the test fails once the demo
# does, so that the exception goes.
NOT_IN_DEMO = {
    "meetings.assignment": "the demo history gives no group an assignment (uppdrag)",
    "public.statistics_index": "with one region's statistics it redirects to that region's page",
}
# Pages fetched without axe, only for their links, while a kind of the same blueprint is
# unreached (a föredragning is linked from an upcoming meeting, not from the first one checked).
DISCOVERY = 20
LOCAL_PATH = re.compile(r"""(?:href|action|data-[a-z-]+)="(/[^"#]*)""")


class RoleSweep:
    """One role's browser context. It checks with axe, at every width, the first page of each
    kind that it reaches by the links, form actions and data attributes of the pages it checked;
    then kinds it saw no link to with the ids it saw in any of them (a receipt with a case's id,
    the quorum box with a meeting's, a föredragning with the id in a matter's buttons)."""

    def __init__(self, browser, server, axe_source, routes, role, email):
        self.rules, self.match = routes
        self.server, self.axe_source, self.role = server, axe_source, role
        self.context = browser.new_context(
            locale="sv-SE", viewport=self.size("desktop"), bypass_csp=True
        )
        self.context.set_default_timeout(30_000)
        self.page = self.context.new_page()
        if email:
            self.page.goto(f"{server.url}/login")
            self.page.fill("input[name=email]", email)
            self.page.fill("input[name=password]", DEMO_PASSWORD)
            self.page.click("button[type=submit]:has-text('Logga in')")
            self.page.wait_for_url(f"{server.url}/")
        self.links: dict[str, str] = {}
        self.ids: dict[str, list[int]] = {}
        self.visited: set[str] = set()
        self.tries: Counter = Counter()
        self.discovered: Counter = Counter()
        self.checked: set[str] = set()
        self.checks: list[dict] = []

    @staticmethod
    def size(width: str) -> dict[str, int]:
        return dict(zip(("width", "height"), WIDTHS[width], strict=True))

    def wanted(self, endpoint: str) -> bool:
        return (
            endpoint not in NOT_PAGES
            and endpoint not in self.checked
            and self.tries[endpoint] < TRIES
        )

    def harvest(self, paths) -> None:
        for path in paths:
            endpoint, arguments, is_get = self.match(urlsplit(path).path)
            if endpoint is None:
                continue
            for name, value in arguments.items():
                if isinstance(value, int) and value not in self.ids.setdefault(name, []):
                    self.ids[name].append(value)
            if is_get and endpoint not in NOT_PAGES and path not in self.links:
                self.links[path] = endpoint

    def derive(self) -> None:
        """Paths of the kinds not reached yet, with the ids seen under the same name."""
        for endpoint, rule in self.rules.items():
            if len(rule.arguments) == 1 and self.wanted(endpoint):
                (name,) = rule.arguments
                for value in self.ids.get(name, [])[:TRIES]:
                    path = re.sub(rf"<(?:[^:>]+:)?{name}>", str(value), rule.rule)
                    self.links.setdefault(path, endpoint)

    def next_path(self) -> str | None:
        for path, endpoint in self.links.items():
            if path not in self.visited and self.wanted(endpoint):
                return path
        return None

    def next_discovery(self) -> str | None:
        """An unvisited page of a blueprint that has a kind not reached yet."""
        blueprints = {endpoint.split(".")[0] for endpoint in self.rules if self.wanted(endpoint)}
        candidates = [
            path
            for path, endpoint in self.links.items()
            if path not in self.visited and endpoint.split(".")[0] in blueprints
        ]
        return min(candidates, key=lambda path: self.discovered[self.links[path]], default=None)

    def run(self) -> None:
        self.harvest(rule.rule for rule in self.rules.values() if not rule.arguments)
        discovery_left = DISCOVERY
        while True:
            path = self.next_path()
            if path is None:
                self.derive()
                path = self.next_path()
            if path is not None:
                self.visited.add(path)
                self.tries[self.links[path]] += 1
                self.check(path)
                continue
            path = self.next_discovery() if discovery_left else None
            if path is None:
                break
            discovery_left -= 1
            self.visited.add(path)
            self.discovered[self.links[path]] += 1
            self.discover(path)
        self.context.close()

    def discover(self, path: str) -> None:
        response = self.context.request.get(urljoin(self.server.url, path), max_redirects=0)
        if response.status == 200 and "text/html" in response.headers.get("content-type", ""):
            self.harvest(html.unescape(found) for found in LOCAL_PATH.findall(response.text()))

    def check(self, path: str) -> None:
        self.page.set_viewport_size(self.size("desktop"))
        response = self.page.goto(urljoin(self.server.url, path))
        if response is not None and response.request.redirected_from is not None:
            # Where a link redirects to is a page of its own kind (one region's statistics).
            self.harvest([urlsplit(response.url).path])
        if (
            response is None
            or response.status != 200
            or response.request.redirected_from is not None
            or "text/html" not in response.headers.get("content-type", "")
        ):
            return
        self.harvest(self.page.evaluate(PAGE_PATHS))
        for width in WIDTHS:
            self.page.set_viewport_size(self.size(width))
            self.page.evaluate("() => new Promise(done => requestAnimationFrame(() => done()))")
            self.checks.append(
                {
                    "role": self.role,
                    "endpoint": self.links[path],
                    "path": path,
                    "width": width,
                    "violations": _run_axe(self.page, self.axe_source, SKIPPED_RULES[width]),
                    "scroll_width": self.page.evaluate("document.documentElement.scrollWidth"),
                    "viewport": WIDTHS[width][0],
                }
            )
        self.checked.add(self.links[path])


@pytest.fixture(scope="module")
def sweep(axe_source, browser, server, routes, tmp_path_factory):  # no server without axe
    checks, reached = [], {}
    for role, email in ROLES.items():
        role_sweep = RoleSweep(browser, server, axe_source, routes, role, email)
        role_sweep.run()
        checks += role_sweep.checks
        reached[role] = role_sweep.checked
    impacts = Counter(v["impact"] for c in checks for v in c["violations"])
    rules = Counter(f"{v['id']} ({v['impact']})" for c in checks for v in c["violations"])
    report = tmp_path_factory.mktemp("axe") / "axe-report.json"
    report.write_text(json.dumps(checks, ensure_ascii=False, indent=1), encoding="utf-8")
    print(
        f"axe-core {AXE_VERSION}: {len({c['endpoint'] for c in checks})} page kinds, "
        + ", ".join(f"{role} {len(pages)}" for role, pages in reached.items())
        + f"; {len(checks)} checks over {len(WIDTHS)} widths; violations by impact: "
        + (", ".join(f"{k} {n}" for k, n in sorted(impacts.items())) or "none")
        + f" [{', '.join(f'{rule} {n}' for rule, n in rules.most_common())}]"
        + f"; report: {report}"
    )
    return checks, reached


def test_no_serious_or_critical_axe_violations(sweep):
    checks, _ = sweep
    failures = [
        f"{c['role']} {c['width']} {c['path']}: {v['impact']} {v['id']} ({v['help']}) "
        f"x{v['nodes']} at {', '.join(v['targets'])}"
        for c in checks
        for v in c["violations"]
        if v["impact"] in FAILING_IMPACTS
    ]
    assert not failures, f"{len(failures)} serious or critical:\n" + "\n".join(failures)


def test_every_page_reflows_at_320_css_px(sweep):
    checks, _ = sweep
    too_wide = [
        f"{c['role']} {c['path']}: {c['scroll_width']} px wide"
        for c in checks
        if c["width"] == "320px" and c["scroll_width"] > c["viewport"]
    ]
    assert not too_wide, "horizontal scrolling at 320 CSS px:\n" + "\n".join(too_wide)


def test_every_get_route_is_checked_by_some_role(sweep, routes):
    _, reached = sweep
    rules, _ = routes
    checked = set().union(*reached.values())
    missing = sorted(
        rules[endpoint].rule
        for endpoint in rules
        if endpoint not in checked | set(NOT_PAGES) | set(NOT_IN_DEMO)
    )
    assert not missing, (
        "GET routes no role reached from the demo's pages (link them or list them in "
        f"NOT_PAGES): {missing}"
    )
    assert not checked & set(NOT_IN_DEMO), "the demo has these now: drop them from NOT_IN_DEMO"
