"""Ärenden as CSV and XLSX (issue 13 point 3): exactly the rows the user may see, with the
list's filters, free text but never the reporter's name, and every export in the audit log."""

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from avvikelse.extensions import db
from avvikelse.models import AuditEntry, User
from avvikelse.services import dates, exports
from avvikelse.services.case_lists import CaseFilters
from avvikelse.services.deviations import submit_deviation

from .. import factories

NUMBER = "Ärendenummer"
DESCRIPTION = "Vad hände?"
FORMULA = '=HYPERLINK("http://evil.example","klicka")'


@pytest.fixture
def w(app):
    """Three cases: A reported by Testby concerning the region, B reported by Annanby concerning
    the region, C reported by Annanby concerning Testby (its text starts like a formula)."""
    with app.app_context():
        world = factories.case_world()
        annan = factories.create_user(world["other"], "annan@test.example", name="Anna Annan")
        now = dates.now()
        cases = {"A": world["deviation"]}
        for key, concerned, description in (
            ("B", world["regionorg"], "Ärende B: ingen information om läkemedel."),
            ("C", world["kommun"], FORMULA),
        ):
            cases[key] = submit_deviation(
                factories.report([concerned], world["category"], description=description),
                actor=annan,
                now=now - timedelta(hours=len(cases)),
            )
        db.session.commit()
        ids = {name: obj.id for name, obj in world.items()}
        ids.update({key: d.number for key, d in cases.items()})
        ids["descriptions"] = {d.number: d.description for d in cases.values()}
    return ids


def read_csv(response) -> list[dict]:
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def read_xlsx(response) -> list[dict]:
    sheet = load_workbook(io.BytesIO(response.get_data()), read_only=True).active
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    # A row ends at its last non-empty cell: empty texts are not written.
    return [dict(zip(header, row + [None] * (len(header) - len(row)), strict=True)) for row in rows]


def numbers(rows) -> set[str]:
    return {row[NUMBER] for row in rows}


@pytest.mark.parametrize(("kind", "read"), [("csv", read_csv), ("xlsx", read_xlsx)])
def test_coordinator_exports_only_their_organizations_cases(client, auth, w, kind, read):
    auth.login("coord.kommun@test.example")
    response = client.get(f"/arenden.{kind}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = read(response)
    assert numbers(rows) == {w["A"], w["C"]}
    for row in rows:
        assert row[DESCRIPTION] == w["descriptions"][row[NUMBER]] or (
            row[DESCRIPTION] == "'" + FORMULA
        )
    body = response.get_data()
    assert b"Stina Personal" not in body
    assert b"Anna Annan" not in body


def test_export_keeps_the_lists_filters(client, auth, w):
    auth.login("coord.region@test.example")
    assert numbers(read_csv(client.get("/arenden.csv"))) == {w["A"], w["B"]}
    filtered = client.get(f"/arenden.csv?organisation={w['other']}")
    assert numbers(read_csv(filtered)) == {w["B"]}


def test_formula_text_is_not_a_formula(client, auth, w):
    auth.login("coord.kommun@test.example")
    row = next(r for r in read_xlsx(client.get("/arenden.xlsx")) if r[NUMBER] == w["C"])
    assert row[DESCRIPTION] == FORMULA
    sheet = load_workbook(io.BytesIO(client.get("/arenden.xlsx").get_data())).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    row = next(r for r in read_csv(client.get("/arenden.csv")) if r[NUMBER] == w["C"])
    assert row[DESCRIPTION] == "'" + FORMULA


def test_every_export_is_in_the_audit_log(app, client, auth, w):
    auth.login("coord.kommun@test.example")
    client.get(f"/arenden.xlsx?status=open&organisation={w['kommun']}").get_data()
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))
        assert entry.user_id == w["kommun_coordinator"]
        assert entry.action == "export_cases"
        assert entry.detail == f"xlsx status=open organisation={w['kommun']}"
        assert entry.action_title == "Laddade ner ärendelistan"


def test_list_links_the_exports_with_its_filters(client, auth, w):
    auth.login("coord.kommun@test.example")
    page = client.get("/arenden?status=open&per_page=10").get_data(as_text=True)
    assert 'href="/arenden.xlsx?status=open"' in page
    assert 'href="/arenden.csv?status=open"' in page


def test_bad_filter_is_refused_and_nothing_logged(app, client, auth, w):
    auth.login("coord.kommun@test.example")
    response = client.get("/arenden.csv?fran=2026-13-40")
    assert response.status_code == 422
    assert client.get("/arenden.pdf").status_code == 404
    with app.app_context():
        assert not db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "export_cases")
        ).all()


def test_someone_who_sees_nothing_gets_an_empty_file(client, auth, w):
    auth.login("staff@test.example")
    assert numbers(read_csv(client.get("/arenden.csv"))) == {w["A"]}
    auth.logout()
    assert client.get("/arenden.csv").status_code in (302, 401)


def test_batches_neither_skip_nor_repeat(app, w):
    """Keyset batches of one and two rows give what a single batch gives, newest first."""
    with app.app_context():
        admin = db.session.get(User, w["admin"])
        everything = [row[0] for row in exports.case_rows(admin, CaseFilters())]
        for size in (1, 2):
            assert [row[0] for row in exports.case_rows(admin, CaseFilters(), batch=size)] == (
                everything
            )
        assert everything == [w["A"], w["B"], w["C"]]
