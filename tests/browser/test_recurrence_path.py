"""Issue 5, "Done when", in a real browser against `avvikelse serve --demo` (Blekinge):

Five reports from Ronneby kommun about failed discharge information from Region Blekinge; the
form's hint counts the earlier ones without showing them. The group triages them and the region
answers; a recurring suggestion waits for the group; the chair confirms it as a cluster and hands
it over with the prefilled föredragning; the matter is on LSVO's next open agenda. The LSVO
secretary moves that meeting forward to tomorrow (a reason is required), and the server's clock
then moves on to its start; LSVO records attendance with quorum and decides; the reporter sees
the decision on every report in Mina rapporter.
"""

import re
import sqlite3
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from .conftest import serve_demo
from .test_meeting_path import Steps
from .test_smoke import sync_api

pytestmark = pytest.mark.browser
expect = sync_api.expect

STOCKHOLM = ZoneInfo("Europe/Stockholm")
REPORTER = "ida.ekberg@ronneby.example"
REGION_COORDINATOR = "ebba.granlund@regionblekinge.example"
SECRETARY = "david.nyman@regionblekinge.example"
CHAIR = "anna-karin.bjork@regionblekinge.example"
LSVO_SECRETARY = "jonas.berglund@regionblekinge.example"
LSVO = "LSVO – Ledningssamverkan vård och omsorg"
CATEGORY = "Utskrivning från slutenvård, allmänt"
DECISION = "LSVO ger Samverkansgrupp Äldre i uppdrag att ta fram en gemensam utskrivningsrutin."


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_database):
    folder = tmp_path_factory.mktemp("recurrence-path")
    with serve_demo(folder, start_from=demo_database) as running:
        yield running, folder / "demo.sqlite"


def _fast_forward(server, database, meeting_id: int) -> None:
    """The meeting's day has come: the server's clock moves on to ten minutes into it."""
    with sqlite3.connect(database) as connection:
        (stored,) = connection.execute(
            "SELECT starts_at FROM meetings WHERE id = ?", (meeting_id,)
        ).fetchone()
    starts_at = datetime.fromisoformat(stored).replace(tzinfo=UTC)  # SQLite keeps naive UTC
    server.clock.advance(starts_at + timedelta(minutes=10) - server.clock.now())


def test_recurring_reports_to_lsvo_decision(browser, demo, tmp_path):
    server, database = demo
    steps = Steps(browser, server, tmp_path)
    today = server.clock.today()

    # 1. Five reports; from the second on, the form tells how many came before.
    context, page = steps.login(REPORTER)
    cases = []
    earlier = None  # reports of the pair in the demo's history, before these five
    for index in range(5):
        page.goto(f"{server.url}/rapportera")
        page.fill("input[name=title]", f"Utskrivning utan information till hemsjukvården {index}")
        page.fill(
            "textarea[name=description]",
            "Patienten skrevs ut från sjukhuset utan att hemsjukvården fick "
            "inskrivningsmeddelande eller information om läkemedel.",
        )
        page.get_by_label("Region Blekinge", exact=True).check()
        page.get_by_label("Äldre", exact=True).check()
        page.select_option("select[name=category_id]", label=CATEGORY)
        hint = page.locator(".similar-hint")
        if index >= 2:
            # The demo's history may hold earlier such reports: count from the first hint on.
            pattern = (
                r"(\d+) liknande avvikelser om Utskrivning från slutenvård mellan "
                "Ronneby kommun och Region Blekinge"
            )
            expect(hint).to_contain_text(re.compile(pattern))
            shown = int(re.search(pattern, hint.inner_text()).group(1))
            if earlier is None:
                earlier = shown - index
            assert shown == earlier + index
            assert "Utskrivning utan information" not in hint.inner_text()
            if index == 4:
                steps.shot(page, "report-hint")
        page.check("input[name=probability][value='3']", force=True)
        page.check("input[name=consequence][value='3']", force=True)
        page.click("button:has-text('Skicka rapporten')")
        page.wait_for_url(re.compile(r"/rapportera/kvitto/\d+"))
        number = re.search(r"AV-\d{4}-\d{4}", page.content()).group(0)
        url = page.locator("a[href^='/avvikelser/']").first.get_attribute("href")
        cases.append((number, url))
    context.close()

    # 2. The group triages and requests answers; the region answers each one.
    context, page = steps.login(SECRETARY)
    for _number, url in cases:
        page.goto(server.url + url)
        page.click("button:has-text('Bekräfta gruppen')")
        page.fill("input[name='request_answers-due_on']", (today + timedelta(days=14)).isoformat())
        page.click("button:has-text('Begär svar')")
        expect(page.locator("body")).to_contain_text("Inväntar svar")
    page.goto(server.url + cases[-1][1])
    expect(page.locator("#liknande")).to_contain_text("samma organisationspar")
    steps.shot(page, "case-similar")
    context.close()
    context, page = steps.login(REGION_COORDINATOR)
    for _number, url in cases:
        page.goto(server.url + url)
        page.locator("textarea[name$='-what_happened']").first.fill(
            "Inskrivningsmeddelandet skickades inte från avdelningen."
        )
        page.locator("button:has-text('Skicka svaret')").first.click()
        expect(page.locator(".flash").first).to_be_visible()
    context.close()

    # 3. The chair finds the suggestion, confirms it as a cluster and hands it over.
    context, page = steps.login(CHAIR)
    page.goto(f"{server.url}/aterkommande/")
    suggestion = page.locator("li.suggestion", has_text="Ronneby kommun").filter(
        has_text="Utskrivning från slutenvård"
    )
    expect(suggestion).to_contain_text("Återkommande avvikelse")
    steps.shot(page, "suggestions")
    suggestion.locator("input[name=name]").fill("Utskrivning utan information, Ronneby")
    suggestion.locator("button:has-text('Bekräfta som kluster')").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Utskrivning utan information")
    for number, _url in cases:
        expect(page.locator("main")).to_contain_text(number)
    # Earlier reports of the pair in the demo's history are closed: they cannot be handed over.
    ours = {number for number, _url in cases}
    listed = page.get_by_role("table", name="Ärenden i klustret").inner_text()
    for number in sorted(set(re.findall(r"AV-\d{4}-\d{4}", listed)) - ours):
        page.get_by_label(f"Varför tas {number} bort?").fill("Redan avslutat, lämnas inte över.")
        with page.expect_navigation():
            page.locator("tr", has_text=number).locator("button:has-text('Ta bort')").click()
        expect(page.locator("main")).not_to_contain_text(f"Varför tas {number} bort?")
    background = page.locator("textarea[name=background]").input_value()
    assert all(number in background for number, _url in cases)
    assert "Region Blekinge" in background
    assert "Hur fungerar processen" in page.locator("textarea[name=done_so_far]").input_value()
    steps.shot(page, "cluster")
    page.click("button:has-text('Överlämna klustret till LSVO')")
    expect(page.locator(".flash").first).to_contain_text("uppsatt på mötet")
    day = re.search(r"\d{4}-\d{2}-\d{2}", page.locator(".flash").first.inner_text()).group(0)
    context.close()

    # 4. The matter is on LSVO's next open agenda with the prefilled föredragning.
    context, page = steps.login(LSVO_SECRETARY)
    steps.group_page(page, LSVO)
    page.locator("table.meeting-table a", has_text=day).first.click()
    lsvo_url = re.search(r"/moten/\d+", page.url).group(0)
    item = steps.matter(page, "Kluster: Utskrivning utan information")
    expect(item).to_contain_text("Kluster av avvikelser")
    expect(page.locator("main")).to_contain_text(cases[0][0])
    steps.shot(page, "lsvo-agenda")

    # 5. The secretary moves the meeting forward to tomorrow morning; a reason is required.
    tomorrow = (today + timedelta(days=1)).isoformat()
    move = page.locator("#flytta")
    move.locator("summary").click()
    move.locator("input[name$='day']").fill(tomorrow)
    move.locator("input[name$='starts']").fill("08:00")
    move.locator("button:has-text('Flytta mötet')").click()
    expect(page.locator("#flytta")).to_contain_text("Skriv varför mötet flyttas.")
    assert page.locator("#flytta input[name$='day']").input_value() == tomorrow
    steps.shot(page, "lsvo-move-refused")
    page.locator("#flytta textarea[name$='reason']").fill(
        "Klustret behöver beslut före nästa ordinarie möte."
    )
    page.locator("#flytta button:has-text('Flytta mötet')").click()
    # Moved to tomorrow, the notice is already late: the secretary is told to send it now.
    expect(page.locator(".flash").first).to_contain_text("Skicka den nu")
    expect(page.locator("main")).to_contain_text(
        "Mötet är flyttat. Skäl: Klustret behöver beslut före nästa ordinarie möte."
    )
    expect(page.locator("main")).to_contain_text("kl. 08:00")
    steps.shot(page, "lsvo-moved")
    context.close()

    # 6. The meeting day comes; LSVO is quorate and decides.
    meeting_id = int(lsvo_url.rsplit("/", 1)[1])
    _fast_forward(server, database, meeting_id)
    context, page = steps.login(LSVO_SECRETARY)
    page.goto(server.url + lsvo_url)
    steps.record_attendance(page, absent=[])
    expect(page.locator(".quorum-summary")).to_contain_text("Gruppen är beslutsför")
    steps.decide(
        page, steps.matter(page, "Kluster: Utskrivning utan information"), "decided", DECISION
    )
    expect(page.locator(".flash").first).to_contain_text("Beslutat")
    steps.shot(page, "lsvo-decided")
    context.close()

    # 7. Every reporter's feedback shows LSVO's decision.
    context, page = steps.login(REPORTER)
    page.goto(f"{server.url}/mina-rapporter")
    for number, _url in cases:
        report = page.locator("li.report-item", has_text=number)
        expect(report).to_contain_text(DECISION)
    steps.shot(page, "mina-rapporter")
    context.close()
    print(f"screenshots in {tmp_path}")
