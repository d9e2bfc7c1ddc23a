"""Uppföljning over HTTP: who reaches it, that filters narrow it, that bad filters keep what was
typed and say why in Swedish."""

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from avvikelse.extensions import db
from avvikelse.models import AuditEntry

from .. import factories


@pytest.fixture
def w(app):
    with app.app_context():
        world = factories.follow_up_world()
        db.session.commit()
        return {
            "category_b": world["category_b"].id,
            "chair": world["chair"].email,
            "coordinator": world["kommun_coordinator"].email,
            "staff": world["staff"].email,
            "admin": world["admin"].email,
        }


def summary_count(html: str) -> int:
    return int(re.search(r"<li>(\d+) avvikelser rapporterade", html).group(1))


def test_chair_sees_the_dashboard_and_filters_it(client, auth, w):
    auth.login(w["chair"])
    response = client.get("/uppfoljning")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert summary_count(html) == 5
    for heading in ("Organisationsmatris", "Ledtider", "Per kategori", "Försenade svar"):
        assert heading in html
    assert 'href="/uppfoljning"' in html  # the menu item
    filtered = client.get(f"/uppfoljning?kategori={w['category_b']}").get_data(as_text=True)
    assert summary_count(filtered) == 2
    assert "1 filter valt" in filtered
    empty = client.get("/uppfoljning?fran=&till=&grupp=")
    assert empty.status_code == 200
    assert summary_count(empty.get_data(as_text=True)) == 5


def test_coordinator_counts_their_organizations_cases(client, auth, w):
    auth.login(w["coordinator"])
    assert summary_count(client.get("/uppfoljning").get_data(as_text=True)) == 4


@pytest.mark.parametrize("role", ["staff"])
def test_reporter_without_duties_gets_404(client, auth, w, role):
    auth.login(w[role])
    assert client.get("/uppfoljning").status_code == 404
    assert 'href="/uppfoljning"' not in client.get("/").get_data(as_text=True)


def test_anonymous_is_sent_to_log_in(client, w):
    response = client.get("/uppfoljning")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("fran=2026-05-01&till=2026-04-01", "Till-datumet kan inte vara före från-datumet."),
        ("fran=2020-01-01&till=2026-04-01", "Välj en period på högst 36 månader."),
        ("fran=igår", "Inte ett giltigt datum"),
        ("grupp=abc", "Samverkansgrupp: "),
    ],
)
def test_bad_filters_say_why_and_keep_what_was_typed(client, auth, w, query, message):
    auth.login(w["chair"])
    response = client.get(f"/uppfoljning?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Rätta filtret" in html
    assert "Organisationsmatris" not in html
    assert message in html
    if query.startswith("fran"):
        typed = query.split("&")[0].split("=")[1]
        assert f'value="{typed}"' in html


def test_the_tables_download_as_xlsx_and_the_export_is_logged(client, auth, w, app):
    auth.login(w["chair"])
    response = client.get(f"/uppfoljning.xlsx?kategori={w['category_b']}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    months = list(book["Per månad"].iter_rows(values_only=True))
    assert sum(row[1] for row in months[1:]) == 2
    matrix = list(book["Organisationsmatris"].iter_rows(values_only=True))
    assert matrix[-1][0] == "Totalt"
    assert matrix[-1][-1] == 3
    with app.app_context():
        entry = db.session.scalar(
            db.select(AuditEntry).where(AuditEntry.action == "export_dashboard")
        )
        assert entry.detail == f"kategori={w['category_b']}"
    bad = client.get("/uppfoljning.xlsx?fran=igår")
    assert bad.status_code == 302
    assert client.get(bad.headers["Location"]).status_code == 422


def test_each_table_downloads_as_csv_for_swedish_excel(client, auth, w, app):
    auth.login(w["chair"])
    response = client.get(f"/uppfoljning/matris.csv?kategori={w['category_b']}")
    assert response.status_code == 200
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[-1][0] == "Totalt"
    assert rows[-1][-1] == "3"
    shares = list(
        csv.reader(
            io.StringIO(
                client.get("/uppfoljning/kategori.csv").data.decode("utf-8").lstrip("\ufeff")
            ),
            delimiter=";",
        )
    )
    assert shares[1][2] == "0,60"  # Informationsöverföring: 3 of 5, with a decimal comma
    assert client.get("/uppfoljning/hemligt.csv").status_code == 404
    with app.app_context():
        details = db.session.scalars(
            db.select(AuditEntry.detail).where(AuditEntry.action == "export_dashboard")
        ).all()
        assert f"matris.csv kategori={w['category_b']}" in details
