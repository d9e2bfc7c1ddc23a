"""Improvement work in a real browser against `avvikelse serve --demo` (issue 6, "Done when").

From a closed case, Samverkansgrupp Äldre's chair starts an effort, answers the four questions,
defines an indicator and an action, enters measurements before and after the change; the run
chart shows a shift and the page says the improvement is real. A staff member leaves a proposal
for a common process; LSVO, its processråd, triages it as a small adjustment and puts the
process follow-up on its agenda; the proposer sees the outcome under Mina förslag.

The closed case is made through the workflow services against the server's database before the
browser starts: the case path has its own browser test, this one begins where that one ends.
"""

import re
from datetime import timedelta

import pytest

from avvikelse import create_app
from avvikelse.extensions import db
from avvikelse.services import dates

from .conftest import serve_demo
from .test_meeting_path import Steps
from .test_smoke import sync_api

pytestmark = pytest.mark.browser
expect = sync_api.expect

REPORTER = "ida.ekberg@ronneby.example"
COORDINATOR = "sebastian.moberg@ronneby.example"
SECRETARY = "david.nyman@regionblekinge.example"  # Samverkansgrupp Äldre
CHAIR = "anna-karin.bjork@regionblekinge.example"
LSVO_CHAIR = "helena.strand@regionblekinge.example"
PROCESS = "Trygg och säker utskrivning från slutenvården"
CASE_TITLE = "Hemgång utan läkemedelslista"
PROPOSAL = "Skicka läkemedelslistan digitalt till hemsjukvården samma dag."


def close_a_case(database_url: str, clock_path) -> int:
    """A case reported by Ronneby about Region Blekinge, answered, decided and closed."""
    from avvikelse.models import Category, Organization, Process, User
    from avvikelse.services import deviations as workflow

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "browser-test-setup",
            "AVVIKELSE_ENV": "demo",
            "CLOCK_SHIFT_FILE": str(clock_path),
        }
    )
    with app.test_request_context():

        def user(email):
            return db.session.scalar(db.select(User).where(User.email == email))

        now = dates.now() - timedelta(days=40)
        region = db.session.scalar(
            db.select(Organization).where(Organization.name == "Region Blekinge")
        )
        category = db.session.scalar(db.select(Category).where(Category.name == "Läkemedel"))
        process = db.session.scalar(db.select(Process).where(Process.name == PROCESS))
        from avvikelse.models import TargetGroup

        report = workflow.Report(
            submission_token="browser-improvement-path",
            concerned_organization_ids=[region.id],
            target_group=TargetGroup.ELDERLY,
            category_id=category.id,
            process_id=process.id,
            occurred_on=now.date(),
            discovered_on=now.date(),
            title=CASE_TITLE,
            description="Patienten kom hem från medicinkliniken utan aktuell läkemedelslista.",
            probability=3,
            consequence=3,
        )
        chair, coordinator = user(CHAIR), user("ebba.granlund@regionblekinge.example")
        deviation = workflow.submit_deviation(report, actor=user(REPORTER), now=now)
        workflow.request_answers(
            deviation, due_on=now.date() + timedelta(days=14), actor=chair, now=now
        )
        workflow.submit_answer(
            deviation,
            region.id,
            what_happened="Listan skickades inte med.",
            cause=None,
            measures=None,
            actor=coordinator,
            now=now,
        )
        if deviation.state.value == "awaiting_answers":
            workflow.start_preparation(deviation, actor=chair, now=now)
        workflow.decide(
            deviation, decision="Rutinen för läkemedelslistan ses över.", actor=chair, now=now
        )
        action = workflow.add_action(
            deviation,
            description="Se över rutinen",
            due_on=now.date() + timedelta(days=7),
            owner_organization=region,
            owner_group=None,
            actor=chair,
            now=now,
        )
        db.session.flush()  # the action's default status is set on insert
        workflow.set_action_status(action, workflow.ActionStatus.DONE, actor=chair, now=now)
        workflow.start_follow_up(deviation, actor=chair, now=now)
        workflow.close(
            deviation,
            evaluation="Rutinen är ändrad men behöver följas upp över tid.",
            summary="Rutinen är ändrad.",
            actor=chair,
            now=now,
        )
        db.session.commit()
        case_id = deviation.id
        db.session.remove()
        db.engine.dispose()
    return case_id


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_database):
    folder = tmp_path_factory.mktemp("improvement-path")
    with serve_demo(folder, start_from=demo_database) as running:
        running.case_id = close_a_case(f"sqlite:///{folder / 'demo.sqlite'}", running.clock.path)
        yield running


def test_effort_from_a_closed_case_and_a_triaged_proposal(browser, server, tmp_path):
    steps = Steps(browser, server, tmp_path)
    today = server.clock.today()
    change_on = dates.add_months(today, -6)

    # 1. The chair starts an effort from the closed case.
    context, page = steps.login(CHAIR)
    page.goto(f"{server.url}/avvikelser/{server.case_id}")
    expect(page.locator(".case-state")).to_contain_text("Avslutad")
    page.click("a:has-text('Starta förbättringsarbete')")
    expect(page.locator("main")).to_contain_text("Utgår från avvikelsen")
    page.fill("input[name='effort-title']", "Läkemedelslistan följer med hem")
    page.click("button:has-text('Starta arbetet')")
    expect(page.locator(".flash").first).to_contain_text("Förbättringsarbetet är startat")
    effort_url = page.url.split("#")[0]

    # 2. The four questions.
    page.fill("textarea[name='questions-current_state']", "Listan följer med i hälften av fallen.")
    page.fill("textarea[name='questions-possible_improvements']", "Digital överföring.")
    page.fill("textarea[name='questions-measurement']", "Räkna hemgångar utan lista per månad.")
    page.fill("textarea[name='questions-required_changes']", "Ny rutin och utbildning.")
    page.click("button:has-text('Spara svaren')")
    expect(page.locator(".flash").first).to_contain_text("fyra frågorna är sparade")

    # 3. An indicator (answer 3) and an action (answer 4).
    page.fill("input[name='indicator-name']", "Hemgångar utan läkemedelslista")
    page.fill("input[name='indicator-unit']", "antal")
    page.check("input[name='indicator-direction'][value='lower_is_better']")
    page.fill("input[name='indicator-target']", "4")
    page.click("button:has-text('Lägg till indikatorn')")
    expect(page.locator(".flash").first).to_contain_text("Indikatorn")
    page.fill("textarea[name='action-description']", "Inför digital läkemedelslista")
    page.select_option("select[name='action-owner']", label="Region Blekinge")
    page.fill("input[name='action-due_on']", (today + timedelta(days=30)).isoformat())
    page.click("button:has-text('Lägg till åtgärden')")
    expect(page.locator(".flash").first).to_contain_text("Åtgärden är tillagd")

    # 4. The change date, then twelve months: six before the change, six after.
    page.goto(effort_url + "#plan")
    page.fill("input[name='plan-change_on']", change_on.isoformat())
    page.click("button:has-text('Spara planen')")
    expect(page.locator(".flash").first).to_contain_text("Planen är sparad")
    before = [12, 10, 13, 11, 12, 13]
    after = [6, 5, 7, 6, 5, 4]
    values = enumerate(before + after)
    lines = [f"{dates.add_months(today, k - 12):%Y-%m} {value}" for k, value in values]
    page.locator("summary:has-text('För in mätvärden')").click()
    page.fill("textarea[name$='-values']", "\n".join(lines))
    page.click("button:has-text('Spara mätvärdena')")
    expect(page.locator(".flash").first).to_contain_text("12 mätvärden är sparade")
    verdict = page.locator(".run-chart-verdict").first
    expect(verdict).to_contain_text("Förbättringen är verklig")
    expect(verdict).to_contain_text("6 mätpunkter i rad under medianen")
    expect(page.locator("svg.run-chart-svg title").first).to_contain_text("Seriediagram")
    expect(page.locator("svg.run-chart-svg rect.rc-signal")).to_have_count(6)

    # 5. Ongoing, then evaluating: the rules are met.
    for target in ("ongoing", "evaluating"):
        page.select_option("select[name='status-target']", target)
        page.click("#status button:has-text('Ändra status')")
        expect(page.locator(".flash").first).to_contain_text("har nu status")
    expect(page.locator("#status")).to_contain_text("Utvärderas")
    steps.shot(page, "effort")
    context.close()

    # 6. A staff member leaves a proposal for the process.
    context, page = steps.login(REPORTER)
    page.click("nav.main-nav a:has-text('Förbättring')")
    page.get_by_role("link", name=PROCESS).click()
    page.fill("textarea[name='proposal-text']", PROPOSAL)
    page.click("button:has-text('Skicka förslaget')")
    expect(page.locator(".flash").first).to_contain_text("Förslaget är skickat")
    context.close()

    # 7. LSVO's chair triages it as a small adjustment and raises the process follow-up.
    context, page = steps.login(LSVO_CHAIR)
    page.goto(f"{server.url}/forbattring/")
    page.get_by_role("link", name=PROCESS).click()
    page.click("a:has-text('Till processrådets sida')")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Processråd")
    expect(page.locator("#goal .run-chart-verdict").first).to_be_visible()
    item = page.locator("li.proposal", has_text=PROPOSAL)
    item.locator("summary:has-text('Bedöm förslaget')").click()
    item.locator("input[value='small_adjustment']").check()
    item.locator("textarea[name$='-note']").fill("Rutinen är ändrad: listan skickas digitalt.")
    item.locator("button:has-text('Spara bedömningen')").click()
    expect(page.locator(".flash").first).to_contain_text("Förslagsställaren har fått besked")
    page.click("button:has-text('Sätt upp Processuppföljning på nästa möte')")
    expect(page.locator(".flash").first).to_contain_text("Processuppföljningen")
    expect(page.locator("#linked svg")).to_be_visible()
    steps.shot(page, "processrad")
    context.close()

    # 8. The proposer sees the outcome.
    context, page = steps.login(REPORTER)
    page.goto(f"{server.url}/forbattring/mina-forslag")
    outcome = page.locator("li.proposal-item", has_text=PROPOSAL)
    expect(outcome).to_contain_text("Genomfört som liten justering")
    expect(outcome).to_contain_text("listan skickas digitalt")
    steps.shot(page, "mina-forslag")
    assert re.search(r"/forbattring/\d+$", effort_url)
    context.close()
