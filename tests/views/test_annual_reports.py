"""Årsrapporter over HTTP: the generated part, the draft kept through a refusal, the chair's
approval freezing the PDF, the one-click agenda matter, the downloads opened as files."""

import io
import re
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from avvikelse.extensions import db
from avvikelse.models import AnnualReport, GroupLevel, Matter
from avvikelse.services import dates

from .. import factories
from .test_documents import pdf_text

PNR = "19121212-1212"
# The report counts one calendar year: the world's cases (the last 40 days) must fall in it.
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.clock(NOW)


@pytest.fixture
def w(app):
    with app.app_context():
        world = factories.follow_up_world()
        preparation = factories.create_group(
            world["region"], "Beredningsgrupp", level=GroupLevel.PREPARATION
        )
        factories.add_member(preparation, world["chair"])
        db.session.commit()
        return {
            "group": world["group"].id,
            "lsvo": world["lsvo"].id,
            "chair": world["chair"].email,
            "secretary": world["secretary"].email,
            "member": world["member"].email,
            "staff": world["staff"].email,
            "year": dates.local_today(dates.now()).year,
        }


def url(w, tail=""):
    return f"/arsrapporter/{w['group']}/{w['year']}{tail}"


def csrf(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def version(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'id="version" name="version" type="hidden" value="(\d*)"', html).group(1)


def test_the_year_in_figures_and_the_groups_text(client, auth, w, app):
    auth.login(w["secretary"])
    html = client.get(url(w)).get_data(as_text=True)
    assert "5 avvikelser rapporterade" in html  # the group's cases of the year, not a user's
    assert "Organisationsmatris" in html
    token = csrf(client, url(w))
    response = client.post(
        url(w),
        data={
            "csrf_token": token,
            "version": "",
            "analysis": "Fler utskrivningar.",
            "priorities": "",
        },
    )
    assert response.status_code == 302
    # A personal identity number is refused and what was typed stays in the form.
    typed = f"Patient {PNR} skrevs ut."
    response = client.post(
        url(w),
        data={
            "csrf_token": token,
            "version": version(client, url(w)),
            "analysis": typed,
            "priorities": "Rutin",
        },
    )
    assert response.status_code == 422
    assert typed in response.get_data(as_text=True)
    with app.app_context():
        report = db.session.scalar(db.select(AnnualReport))
        assert report.analysis == "Fler utskrivningar."


def test_second_writer_is_refused_with_their_text_kept(client, auth, w):
    auth.login(w["secretary"])
    token = csrf(client, url(w))
    client.post(
        url(w), data={"csrf_token": token, "version": "", "analysis": "A", "priorities": "B"}
    )
    seen = version(client, url(w))
    client.post(
        url(w), data={"csrf_token": token, "version": seen, "analysis": "A2", "priorities": "B"}
    )
    response = client.post(
        url(w),
        data={"csrf_token": token, "version": seen, "analysis": "Min text", "priorities": "B"},
    )
    assert response.status_code == 409
    assert "Min text" in response.get_data(as_text=True)


def test_chair_approves_the_pdf_is_frozen_and_goes_on_lsvos_agenda(client, auth, w, app):
    auth.login(w["chair"])
    token = csrf(client, url(w))
    client.post(
        url(w),
        data={"csrf_token": token, "version": "", "analysis": "Analysen", "priorities": "Rutiner"},
    )
    client.post(url(w, "/godkann"), data={"csrf_token": token, "version": version(client, url(w))})
    html = client.get(url(w)).get_data(as_text=True)
    assert "Godkänd" in html
    assert 'name="analysis"' not in html  # frozen
    pdf = client.get(url(w, "/arsrapport.pdf"))
    assert pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.data)
    for words in ("Årsrapport", "Analysen", "Godkänd"):
        assert words in text
    client.post(url(w, "/dagordning"), data={"csrf_token": token})
    with app.app_context():
        matter = db.session.scalar(db.select(Matter).where(Matter.title.like("Årsrapport%")))
        assert matter.group_id == w["lsvo"]
        assert matter.raised_by_group_id == w["group"]


def test_secretary_may_not_approve(client, auth, w):
    auth.login(w["secretary"])
    token = csrf(client, url(w))
    client.post(
        url(w), data={"csrf_token": token, "version": "", "analysis": "A", "priorities": "B"}
    )
    response = client.post(
        url(w, "/godkann"), data={"csrf_token": token, "version": version(client, url(w))}
    )
    assert response.status_code == 302
    html = client.get(url(w)).get_data(as_text=True)
    assert "Bara gruppens ordförande godkänner" in html
    assert "Utkast" in html


def test_xlsx_holds_the_tables(client, auth, w):
    auth.login(w["member"])
    response = client.get(url(w, "/arsrapport.xlsx"))
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    assert "Organisationsmatris" in book.sheetnames
    months = list(book["Per månad"].iter_rows(values_only=True))
    assert months[0] == ("Månad", "Antal")
    assert sum(row[1] for row in months[1:]) == 5


def test_a_member_reads_but_does_not_write(client, auth, w):
    auth.login(w["member"])
    html = client.get(url(w)).get_data(as_text=True)
    assert 'name="analysis"' not in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post(url(w), data={"csrf_token": token, "analysis": "x"}).status_code == 403


@pytest.mark.parametrize("path", ["", "/arsrapport.pdf", "/arsrapport.xlsx"])
def test_others_get_404(client, auth, w, path):
    auth.login(w["staff"])
    assert client.get(url(w, path)).status_code == 404
    assert client.get(f"/arsrapporter/{w['group']}/1999{path}").status_code == 404


def test_future_year_and_unknown_group_are_404(client, auth, w):
    auth.login(w["chair"])
    assert client.get(f"/arsrapporter/{w['group']}/{w['year'] + 1}").status_code == 404
    assert client.get(f"/arsrapporter/999999/{w['year']}").status_code == 404
    listing = client.get("/arsrapporter/").get_data(as_text=True)
    assert "Samverkansgrupp Äldre" in listing
    assert "Beredningsgrupp" not in listing  # it reports through its group
    assert client.get("/moten/arshjul").status_code == 200
