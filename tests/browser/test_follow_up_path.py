"""Uppföljning and Årsrapport in a real browser against `avvikelse serve --demo`.

The expected figures are counted here in Python from the demo's cases (the visibility rule, then
plain loops), not by the dashboard's aggregate queries: a chair filters to one category and
sees the count, the matrix total and the number of closed cases the data hold, downloads the
tables as XLSX and one as CSV, writes and approves the group's annual report and downloads its
PDF; anyone sees the public statistics with small counts hidden; a coordinator's dashboard
counts only what concerns their organization.
"""

import csv
import io
from collections import Counter
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from avvikelse import create_app
from avvikelse.extensions import db
from avvikelse.models import Category, User
from avvikelse.permissions import visible_deviations
from avvikelse.services import dates
from avvikelse.services.demo import DEMO_PASSWORD

from ..views.test_documents import pdf_text
from .conftest import serve_demo
from .test_smoke import sync_api

pytestmark = pytest.mark.browser
expect = sync_api.expect

CHAIR = "anna-karin.bjork@regionblekinge.example"  # ordförande, Samverkansgrupp Äldre
COORDINATOR = "ebba.granlund@regionblekinge.example"  # samordnare, Region Blekinge


def expected_figures(database_url: str, clock_path, start, end) -> dict:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "browser-test-setup",
            "AVVIKELSE_ENV": "demo",
            "CLOCK_SHIFT_FILE": str(clock_path),
        }
    )
    with app.test_request_context():

        def cases_of(email):
            user = db.session.scalar(db.select(User).where(User.email == email))
            return [
                d
                for d in db.session.scalars(visible_deviations(user))
                if start <= dates.local_today(d.submitted_at) <= end
            ]

        chairs = cases_of(CHAIR)
        category_id, _count = Counter(d.category_id for d in chairs).most_common(1)[0]
        in_category = [d for d in chairs if d.category_id == category_id]
        figures = {
            "category": db.session.get(Category, category_id).name,
            "count": len(in_category),
            "pairs": sum(len(d.concerned) for d in in_category),
            "closed": sum(1 for d in in_category if d.closed_at is not None),
            "coordinator_count": len(cases_of(COORDINATOR)),
        }
        db.session.remove()
        db.engine.dispose()
    return figures


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_database):
    folder = tmp_path_factory.mktemp("follow-up-path")
    with serve_demo(folder, start_from=demo_database) as running:
        running.database_url = f"sqlite:///{folder / 'demo.sqlite'}"
        yield running


def log_in(browser, server, email):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    page = context.new_page()
    page.goto(f"{server.url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]:has-text('Logga in')")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hej")
    return context, page


def test_dashboard_and_annual_report(browser, server, tmp_path):
    today = server.clock.today()
    start = today - timedelta(days=330)
    figures = expected_figures(server.database_url, server.clock.path, start, today)

    context, page = log_in(browser, server, CHAIR)
    page.click("nav >> text=Uppföljning")
    page.click("summary:has-text('Filtrera')")
    page.fill("#fran", start.isoformat())
    page.fill("#till", today.isoformat())
    page.select_option("#kategori", label=figures["category"])
    page.click("button:has-text('Visa')")
    expect(page.locator(".dashboard-summary")).to_contain_text(
        f"{figures['count']} avvikelser rapporterade"
    )
    expect(page.locator("#matrix-table tfoot td").last).to_have_text(str(figures["pairs"]))
    closed_row = page.locator("table.lead-times").first.locator(
        "tr", has_text="Rapporterad → avslutad"
    )
    expect(closed_row.locator("td").first).to_have_text(str(figures["closed"]))
    page.screenshot(path=tmp_path / "dashboard.png", full_page=True)

    with page.expect_download() as download:
        page.click("text=Ladda ner tabellerna (XLSX)")
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()), read_only=True)
    months = list(book["Per månad"].iter_rows(values_only=True))[1:]
    assert sum(count for _month, count in months) == figures["count"]
    with page.expect_download() as download:
        page.click(".export-links >> text=Per kategori")
    text = download.value.path().read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[1][:2] == [figures["category"], str(figures["count"])]

    # The group's annual report for this year: written, approved, downloaded as PDF.
    page.goto(f"{server.url}/arsrapporter/")
    page.click(f"tr:has-text('Samverkansgrupp Äldre'):has-text('{today.year}') a")
    page.fill("#analysis", "Utskrivningarna står för de flesta avvikelserna.")
    page.fill("#priorities", "Inskrivningsmeddelanden inom 24 timmar.")
    page.click("button:has-text('Spara utkast')")
    expect(page.locator(".flash")).to_contain_text("Utkastet är sparat")
    page.click("button:has-text('Godkänn årsrapporten')")
    expect(page.locator("#report-status")).to_contain_text("Godkänd")
    with page.expect_download() as download:
        page.click("text=Ladda ner PDF")
    text = pdf_text(download.value.path().read_bytes())
    assert "Årsrapport" in text
    assert "Inskrivningsmeddelanden inom 24 timmar." in text
    context.close()

    # Anyone, without logging in, sees the public statistics with small counts hidden.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    page = context.new_page()
    page.goto(f"{server.url}/protokoll")
    page.click("text=Statistik över avvikelser i samverkan")
    expect(page.locator("main")).to_contain_text("<5")
    expect(page.locator("main")).not_to_contain_text("AV-")  # no case numbers
    page.screenshot(path=tmp_path / "public-statistics.png", full_page=True)
    context.close()

    context, page = log_in(browser, server, COORDINATOR)
    page.goto(f"{server.url}/uppfoljning?fran={start.isoformat()}&till={today.isoformat()}")
    expect(page.locator(".dashboard-summary")).to_contain_text(
        f"{figures['coordinator_count']} avvikelser rapporterade"
    )
    context.close()
