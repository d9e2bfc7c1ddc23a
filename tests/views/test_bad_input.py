"""Bad input answered in Swedish without losing what was typed (issue 12, points 6 and 8): ids
beyond the database's range, NUL and control characters, absurd dates, an unsafe `next`, an
oversized request, and personal identity numbers in every free text."""

import re
from datetime import timedelta

import pytest
from werkzeug.routing import IntegerConverter

from avvikelse.db import MAX_ID
from avvikelse.extensions import db
from avvikelse.models import (
    AccessibilityReport,
    Category,
    Deviation,
    Group,
    Organization,
    Suggestion,
    User,
)
from avvikelse.services import clusters, dates, meetings
from avvikelse.services.detection import sweep_recurrence
from avvikelse.services.deviations import submit_deviation
from avvikelse.services.errors import WorkflowError
from avvikelse.views.params import IdConverter

from .. import factories

PNR = "19121212-1212"  # Skatteverket's test number
NUL_TEXT = "Läkemedelslistan\x00 saknades"


@pytest.fixture
def w(app):
    with app.app_context():
        data = factories.case_world()
        db.session.commit()
        return {name: getattr(obj, "id", obj) for name, obj in data.items()}


def _report_form(w, **overrides):
    today = dates.local_today(dates.now())
    data = {
        "title": "Utskrivning utan besked",
        "description": "Hemtjänsten fick inget besked.",
        "occurred_on": (today - timedelta(days=2)).isoformat(),
        "discovered_on": (today - timedelta(days=2)).isoformat(),
        "concerned_organization_ids": [w["regionorg"]],
        "target_group": "elderly",
        "category_id": w["category"],
        "probability": "2",
        "consequence": "2",
    }
    data.update(overrides)
    return data


# Point 6: ids and query parameters -------------------------------------------------------


def test_every_id_in_a_route_is_bounded_to_the_database(app):
    """One converter for every id: a new `<int:...>` route would take ids the database cannot."""
    for rule in app.url_map.iter_rules():
        for name, converter in rule._converters.items():
            if isinstance(converter, IntegerConverter):
                assert isinstance(converter, IdConverter), (rule.rule, name)
                assert (converter.min, converter.max) == (1, MAX_ID)


@pytest.mark.parametrize("value", [2**31, 2**63, 2**64, 0])
def test_an_id_no_row_can_have_is_404_even_for_the_public(client, w, value):
    assert client.get(f"/protokoll/{value}").status_code == 404
    assert client.get(f"/protokoll/{value}.pdf").status_code == 404


def test_an_out_of_range_id_is_404_for_an_administrator(client, auth, w):
    auth.login("admin@test.example")
    assert client.get(f"/avvikelser/{2**63}").status_code == 404
    assert client.get(f"/admin/anvandare/{2**63}").status_code == 404
    assert client.post(f"/kluster/{2**31}/arenden/{2**64}/ta-bort").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        f"/protokoll?sida={2**63}&grupp={2**63}",
        f"/aterkommande/liknande?category_id={2**63}&concerned_organization_ids={2**63}",
        f"/arenden?fore=2026-01-01T00:00:00%2B00:00,{2**63}",
        f"/mina-rapporter?fore=0001-01-01T00:00,{2**63}",
        f"/admin/anvandare?sida={2**63}",
        "/admin/granskningslogg?fran=0001-01-01&till=9999-12-31",
        f"/rapportera?utkast={2**63}",
    ],
)
def test_query_parameters_out_of_range_fall_back(client, auth, w, url):
    auth.login("admin@test.example")
    assert client.get(url).status_code in (200, 404)


# Point 6: NUL and control characters, dates ------------------------------------------------


def test_nul_in_a_report_is_refused_in_swedish_and_the_text_kept(client, auth, w):
    auth.login("staff@test.example")
    response = client.post("/rapportera", data=_report_form(w, description=NUL_TEXT))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "osynliga styrtecken" in page
    assert "Utskrivning utan besked" in page
    assert "saknades" in page


def test_nul_in_a_draft_is_refused_and_the_text_kept(app, client, auth, w):
    auth.login("staff@test.example")
    response = client.post(
        "/rapportera", data={"save_draft": "1", "title": NUL_TEXT, "description": "Kvar här"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Utkastet sparades inte." in page
    assert "Kvar här" in page


def test_nul_at_log_in_is_refused_and_the_address_kept(client, w):
    response = client.post("/login", data={"email": "staff@test.example\x00", "password": "x"})
    assert response.status_code == 422
    assert "osynliga styrtecken" in response.get_data(as_text=True)
    assert "staff@test.example" in response.get_data(as_text=True)


def test_nul_in_the_public_accessibility_form_is_refused_and_kept(app, client, w):
    response = client.post(
        "/tillganglighet/rapportera", data={"page": "/", "description": NUL_TEXT}
    )
    assert response.status_code == 422
    assert "saknades" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(AccessibilityReport.id))) == 0


@pytest.mark.parametrize("day", ["0001-01-01", "1900-05-01"])
def test_a_report_dated_before_2000_is_refused_and_the_text_kept(client, auth, w, day):
    auth.login("staff@test.example")
    response = client.post("/rapportera", data=_report_form(w, occurred_on=day))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Skriv ett datum mellan 2000-01-01 och 2099-12-31." in page
    assert "Hemtjänsten fick inget besked." in page


def test_a_meeting_is_planned_at_most_three_years_ahead(app, w):
    with app.app_context():
        group = db.session.get(Group, w["group"])
        secretary = db.session.get(User, w["secretary"])
        now = dates.now()
        far = dates.months_after(dates.local_today(now), 37)
        with pytest.raises(WorkflowError, match="högst 3 år framåt"):
            meetings.plan_meeting(
                group,
                day=far,
                starts=meetings.time(13),
                ends=None,
                place=None,
                link=None,
                actor=secretary,
                now=now,
            )


@pytest.mark.parametrize(
    ("day", "reason"),
    [("9999-12-31", "Skriv ett datum mellan 2000-01-01"), ("2090-06-01", "högst 3 år framåt")],
)
def test_a_meeting_years_ahead_is_refused_on_the_page(client, auth, w, day, reason):
    auth.login("secretary@test.example")
    response = client.post(
        f"/moten/grupp/{w['group']}/planera",
        data={"meeting-day": day, "meeting-starts": "13:00", "meeting-place": "Wämö"},
    )
    assert response.status_code == 422
    assert "Wämö" in response.get_data(as_text=True)
    assert reason in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "target", ["/\r\n//evil.example", "/\t/evil.example", "/\r//evil.example", "//evil.example"]
)
def test_log_in_never_redirects_through_control_characters(client, w, target):
    """next=/%0D%0A//evil.example arrives decoded; a browser would drop CR LF and go off-site."""
    response = client.post(
        "/login",
        data={"email": "staff@test.example", "password": factories.PASSWORD, "next": target},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_an_oversized_request_is_refused_with_a_swedish_page(client, w):
    response = client.post(
        "/tillganglighet/rapportera", data={"description": "x" * (2 * 1024 * 1024)}
    )
    assert response.status_code == 413
    assert "större än tjänsten tar emot" in response.get_data(as_text=True)


# Point 8: the personal-data guard everywhere -------------------------------------------------


def test_public_accessibility_report_refuses_a_personnummer_and_keeps_the_text(app, client, w):
    text = f"Skärmläsaren läser upp {PNR} fel."
    response = client.post("/tillganglighet/rapportera", data={"page": "/", "description": text})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert text in page
    assert "personnummer" in page
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(AccessibilityReport.id))) == 0


@pytest.mark.parametrize(
    ("url", "data", "model"),
    [
        (
            "/admin/organisationer/ny",
            {"name": f"Kommun {PNR}", "kind": "municipality"},
            Organization,
        ),
        ("/admin/kategorier/ny", {"name": f"Kategori {PNR}"}, Category),
        ("/admin/kategorier/ny", {"name": "Läkemedel", "description": f"Se {PNR}"}, Category),
    ],
)
def test_admin_names_and_descriptions_refuse_a_personnummer(app, client, auth, w, url, data, model):
    auth.login("admin@test.example")
    with app.app_context():
        before = db.session.scalar(db.select(db.func.count(model.id)))
    response = client.post(url, data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert PNR in page  # kept in the field
    assert "ser ut som ett personnummer" in page
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(model.id))) == before


def test_updating_an_organization_name_refuses_a_personnummer(app, client, auth, w):
    auth.login("admin@test.example")
    response = client.post(
        f"/admin/organisationer/{w['kommun']}",
        data={"name": f"Testby {PNR}", "kind": "municipality", "is_party": "y"},
    )
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(Organization, w["kommun"]).name == "Testby kommun"


@pytest.fixture
def suggestion(app, w):
    """Four like cases to the same organization: detection suggests them to the group."""
    with app.app_context():
        staff = db.session.get(User, w["staff"])
        category = db.session.get(Category, w["category"])
        regionorg = db.session.get(Organization, w["regionorg"])
        now = dates.now()
        for day in (4, 5, 6):
            when = dates.local_today(now) - timedelta(days=day)
            submit_deviation(
                factories.report([regionorg], category, occurred_on=when, discovered_on=when),
                actor=staff,
                now=now,
            )
        sweep_recurrence(now=now, full=True)
        db.session.commit()
        found = db.session.scalar(db.select(Suggestion))
        assert found is not None
        return found.id


def test_dismiss_note_with_a_personnummer_is_refused_and_kept(client, auth, w, suggestion):
    auth.login("chair@test.example")
    note = f"Gäller bara patient {PNR}."
    response = client.post(f"/aterkommande/forslag/{suggestion}/avfarda", data={"note": note})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert note in page
    assert "ser ut som ett personnummer" in page


def test_cluster_name_with_a_personnummer_is_refused_and_kept(client, auth, w, suggestion):
    auth.login("chair@test.example")
    name = f"Utskrivningar {PNR}"
    response = client.post(f"/aterkommande/forslag/{suggestion}/bekrafta", data={"name": name})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'value="{name}"' in page
    assert "ser ut som ett personnummer" in page


def test_remove_case_reason_with_a_personnummer_is_refused_and_kept(app, client, auth, w):
    with app.app_context():
        cluster = clusters.create_cluster(
            db.session.get(Group, w["group"]),
            name="Utskrivningar",
            description=None,
            deviations=[db.session.get(Deviation, w["deviation"])],
            reason="Samma brist",
            actor=db.session.get(User, w["chair"]),
            now=dates.now(),
        )
        db.session.commit()
        url = f"/kluster/{cluster.id}/arenden/{w['deviation']}/ta-bort"
    auth.login("chair@test.example")
    reason = f"Fel patient, {PNR}"
    response = client.post(url, data={"reason": reason})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'value="{reason}"' in page
    assert "ser ut som ett personnummer" in page


def test_search_is_posted_so_no_log_line_holds_what_was_typed(client, auth, w):
    """The query travels in the body: werkzeug's (and gunicorn's, a proxy's) request line has
    only the path."""
    auth.login("chair@test.example")
    response = client.post("/sok/", data={"q": f"Utskrivning {PNR}"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'method="post"' in page
    assert not re.search(r'href="[^"]*q=', page)  # no pager link carries the query
    assert client.get(f"/sok/?q={PNR}").status_code == 200
    assert PNR not in client.get(f"/sok/?q={PNR}").get_data(as_text=True)
