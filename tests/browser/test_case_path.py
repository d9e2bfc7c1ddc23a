"""The whole path in a real browser against `avvikelse serve --demo` (Blekinge demo people):

a nurse reports on a phone → the group's secretary triages and requests answers → two
coordinators answer → the chair records the decision and an action, follows up and closes →
the nurse reads the feedback on "Mina rapporter".
"""

import re
from datetime import timedelta

import pytest

from avvikelse.services.demo import DEMO_PASSWORD

from .conftest import serve_demo
from .test_smoke import sync_api

pytestmark = pytest.mark.browser
expect = sync_api.expect

REPORTER = "ida.ekberg@ronneby.example"  # sjuksköterska, Ronneby kommun
SECRETARY = "david.nyman@regionblekinge.example"  # sekreterare, Samverkansgrupp Äldre
CHAIR = "anna-karin.bjork@regionblekinge.example"  # ordförande, Samverkansgrupp Äldre
COORDINATORS = ["ebba.granlund@regionblekinge.example", "sebastian.moberg@ronneby.example"]


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_database):
    with serve_demo(tmp_path_factory.mktemp("case-path"), start_from=demo_database) as running:
        yield running


def session(browser, server, email, *, phone=False):
    viewport = {"width": 360, "height": 740} if phone else {"width": 1280, "height": 900}
    context = browser.new_context(viewport=viewport, locale="sv-SE", is_mobile=phone)
    page = context.new_page()
    page.goto(f"{server.url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]:has-text('Logga in')")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hej")
    return context, page


def test_report_to_feedback(browser, server, tmp_path):
    shots = tmp_path

    # 1. The nurse reports on her phone; a personal identity number is refused first.
    context, page = session(browser, server, REPORTER, phone=True)
    page.goto(f"{server.url}/rapportera")
    page.fill("input[name=title]", "Hemgång utan inskrivningsmeddelande")
    page.fill("textarea[name=description]", "Patient 19121212-1212 kom hem utan besked.")
    page.get_by_label("Region Blekinge", exact=True).check()
    page.get_by_label("Ronneby kommun", exact=True).check()
    page.get_by_label("Äldre", exact=True).check()
    page.select_option("select[name=category_id]", index=1)
    page.check("input[name=probability][value='3']", force=True)
    page.check("input[name=consequence][value='2']", force=True)
    page.click("button:has-text('Skicka rapporten')")
    expect(page.locator(".error-summary")).to_be_visible()
    assert page.input_value("input[name=title]") == "Hemgång utan inskrivningsmeddelande"
    assert "19121212-1212" in page.input_value("textarea[name=description]")
    page.screenshot(path=str(shots / "1-refused.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.fill(
        "textarea[name=description]",
        "Patienten kom hem från medicinkliniken utan att hemsjukvården fått besked.",
    )
    page.click("button:has-text('Skicka rapporten')")
    number = re.search(r"AV-\d{4}-\d{4}", page.content()).group(0)
    page.screenshot(path=str(shots / "2-receipt.png"), full_page=True)
    case_url = page.locator("a[href^='/avvikelser/']").first.get_attribute("href")
    context.close()

    # 2. The secretary triages: confirms the group and requests answers.
    context, page = session(browser, server, SECRETARY)
    page.goto(server.url + case_url)
    expect(page.locator("main")).to_contain_text(number)
    page.click("button:has-text('Bekräfta gruppen')")
    due = (server.clock.today() + timedelta(days=14)).isoformat()
    page.fill("input[name='request_answers-due_on']", due)
    page.click("button:has-text('Begär svar')")
    expect(page.locator("body")).to_contain_text("Inväntar svar")
    context.close()

    # 3. Both coordinators answer for their own organization.
    for email in COORDINATORS:
        context, page = session(browser, server, email)
        page.goto(server.url + case_url)
        page.locator("textarea[name$='-what_happened']").first.fill(
            "Meddelandet skickades inte eftersom rutinen inte var känd."
        )
        page.locator("button:has-text('Skicka svaret')").first.click()
        expect(page.locator(".flash")).to_be_visible()
        context.close()

    # 4. The chair records the group's decision and an action, follows up and closes.
    context, page = session(browser, server, CHAIR)
    page.goto(server.url + case_url)
    expect(page.locator("body")).to_contain_text("Under beredning")
    page.fill("textarea[name='decide-decision']", "Rutinen för inskrivningsmeddelande förtydligas.")
    page.click("button:has-text('Spara beslutet')")
    page.fill("textarea[name='add_action-description']", "Utbilda vårdavdelningarna i rutinen")
    page.select_option("select[name='add_action-owner']", index=1)
    due = server.clock.today() + timedelta(days=30)
    page.fill("input[name='add_action-due_on']", due.isoformat())
    page.click("button:has-text('Lägg till åtgärden')")
    page.locator("form.action-status select").first.select_option("done")
    page.locator("form.action-status button").first.click()
    page.click("button:has-text('Till uppföljning')")
    page.fill("textarea[name='close-evaluation']", "Inga nya avvikelser efter utbildningen.")
    page.fill(
        "textarea[name='close-summary']",
        "Tack för din rapport. Rutinen är förtydligad och personalen utbildad.",
    )
    page.click("button:has-text('Avsluta ärendet')")
    expect(page.locator("body")).to_contain_text("Avslutad")
    page.screenshot(path=str(shots / "3-closed.png"), full_page=True)
    context.close()

    # 5. The nurse reads the feedback.
    context, page = session(browser, server, REPORTER, phone=True)
    page.goto(f"{server.url}/mina-rapporter")
    expect(page.locator("body")).to_contain_text(number)
    expect(page.locator("body")).to_contain_text("Rutinen är förtydligad")
    page.screenshot(path=str(shots / "4-feedback.png"), full_page=True)
    print(f"screenshots in {shots}")
    context.close()
