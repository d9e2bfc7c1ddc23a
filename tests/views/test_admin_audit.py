"""Administration: the audit log (DESIGN §10) and the coordinator roles; both hidden (404) from
everyone but administrators and scoped to the administrator's region."""

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from avvikelse.extensions import db
from avvikelse.models import Coordinator, Deviation, Organization, User
from avvikelse.models.audit import ACTION_TITLES
from avvikelse.services.audit import log_access
from avvikelse.services.dates import local_today

from .. import factories
from ..clock import TEST_NOW

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "admin@test.example"
NON_ADMINS = ["staff@test.example", "chair@test.example", "coord.region@test.example"]


@pytest.fixture
def w(app):
    with app.app_context():
        world = factories.case_world()
        db.session.commit()
        ids = {name: obj.id for name, obj in world.items()}
        ids["number"] = world["deviation"].number
    return ids


def now() -> datetime:
    return TEST_NOW


@pytest.fixture
def logged(app, w):
    """Three reads and a step, as get_deviation_or_404 writes them, over three days."""
    with app.app_context():
        case = db.session.get(Deviation, w["deviation"])
        admin, chair, coordinator = (
            db.session.get(User, w[name]) for name in ("admin", "chair", "region_coordinator")
        )
        log_access(admin, "view", now=now() - timedelta(days=2), deviation=case)
        log_access(chair, "view", now=now() - timedelta(days=1), deviation=case)
        log_access(coordinator, "answer", now=now() - timedelta(minutes=1), deviation=case)
        db.session.commit()


def rows(page: str) -> list[str]:
    body = page.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in page else ""
    return re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)


def keys_written_in_the_code() -> set[str]:
    """Every audit key the code writes: log_access(actor, "key", ...), log_reads(actor, "key",
    ...), log_agenda_read("key", ...), the action= of get_deviation_or_404 and the case page's
    step keys (views/deviations.py _take_step)."""
    from avvikelse.views.deviations import STEP_FORMS

    keys = {"view", *STEP_FORMS}
    patterns = (
        r'log_(?:access|reads)\(\s*\w+,\s*"(\w+)"',
        r'log_agenda_read\(\s*"(\w+)"',
        r'\baction="(\w+)"',
    )
    for path in (ROOT / "avvikelse").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for pattern in patterns:
            keys.update(re.findall(pattern, text))
    return keys


def test_every_audit_key_in_the_code_has_a_swedish_title():
    keys = keys_written_in_the_code()
    assert {"meeting_moved", "add_action", "four_questions", "read_search", "read_notice"} <= keys
    assert not keys - ACTION_TITLES.keys()


def test_audit_log_filters_by_swedish_event_names(client, w, auth, logged):
    auth.login(ADMIN)
    page = client.get("/admin/granskningslogg").get_data(as_text=True)
    assert '<option value="meeting_moved">Flyttade ett möte</option>' in page


@pytest.mark.parametrize("email", NON_ADMINS)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/admin/granskningslogg"),
        ("get", "/admin/samordnare"),
        ("post", "/admin/samordnare"),
        ("post", "/admin/samordnare/1/ta-bort"),
    ],
)
def test_hidden_from_non_admins(client, w, auth, email, method, path):
    auth.login(email)
    assert getattr(client, method)(path).status_code == 404


def test_admin_start_page_links_the_new_pages(client, w, auth):
    auth.login(ADMIN)
    page = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/granskningslogg"' in page
    assert 'href="/admin/samordnare"' in page


def test_audit_log_newest_first_with_administrator_column(client, w, auth, logged):
    auth.login(ADMIN)
    page = client.get("/admin/granskningslogg").get_data(as_text=True)
    found = rows(page)
    assert len(found) == 3
    assert "Rut Samordnare" in found[0]
    assert "Svarade" in found[0]
    assert "<code>" not in found[0]
    assert "Cecilia Chair" in found[1]
    assert "Läste ärendet" in found[1]
    assert "Ada Admin" in found[2]
    assert '<span class="badge admin-access">Ja</span>' in found[2]
    assert "admin-access" not in found[1]
    assert f'<a href="/avvikelser/{w["deviation"]}">{w["number"]}</a>' in found[0]
    assert "Som administratör" in page


def test_audit_log_filters(client, w, auth, logged):
    auth.login(ADMIN)

    def names(query: str) -> list[str]:
        page = client.get(f"/admin/granskningslogg?{query}").get_data(as_text=True)
        return [
            re.search(r"(Ada Admin|Cecilia Chair|Rut Samordnare)", r).group(1) for r in rows(page)
        ]

    assert names("administratorer=y") == ["Ada Admin"]
    assert names("anvandare=chair%40") == ["Cecilia Chair"]
    assert names("handelse=answer") == ["Rut Samordnare"]
    assert names(f"arende={w['number'].lower()}") == [
        "Rut Samordnare",
        "Cecilia Chair",
        "Ada Admin",
    ]
    assert names("arende=AV-1999-0001") == []
    today = local_today(now())
    yesterday = today - timedelta(days=1)
    assert names(f"fran={yesterday.isoformat()}&till={yesterday.isoformat()}") == ["Cecilia Chair"]
    page = client.get("/admin/granskningslogg?administratorer=y&anvandare=ada").get_data(
        as_text=True
    )
    assert 'id="administratorer" name="administratorer" type="checkbox" value="y"' in page
    assert 'value="ada"' in page
    page = client.get("/admin/granskningslogg?fran=2026-12-01&till=2026-01-01")
    assert "Till-datumet kan inte vara före från-datumet." in page.get_data(as_text=True)


def test_audit_log_pages_by_keyset(app, client, w, auth):
    with app.app_context():
        chair = db.session.get(User, w["chair"])
        case = db.session.get(Deviation, w["deviation"])
        moment = now() - timedelta(hours=1)
        for i in range(55):
            log_access(chair, "view", now=moment - timedelta(seconds=i // 2), deviation=case)
        db.session.commit()
    auth.login(ADMIN)
    first = client.get("/admin/granskningslogg").get_data(as_text=True)
    assert len(rows(first)) == 50
    older = re.search(r'href="([^"]+)">Äldre', first).group(1).replace("&amp;", "&")
    second = client.get(older).get_data(as_text=True)
    assert len(rows(second)) == 5
    assert "Första sidan" in second
    assert "Äldre" not in second.split('class="pager"')[1]


def test_admin_reads_are_logged_as_administrator(app, client, w, auth):
    """get_deviation_or_404 logs the read; the column shows it was an administrator."""
    auth.login(ADMIN)
    client.get(f"/avvikelser/{w['deviation']}")
    page = client.get("/admin/granskningslogg?administratorer=y").get_data(as_text=True)
    [row] = rows(page)
    assert "Ada Admin" in row
    assert '<span class="badge admin-access">Ja</span>' in row


# --- Coordinators -------------------------------------------------------------------------------


def coordinator_rows(app) -> set[tuple[int, int]]:
    with app.app_context():
        return {(c.user_id, c.organization_id) for c in db.session.scalars(select(Coordinator))}


def test_coordinator_page_lists_roles_and_gaps(client, w, auth):
    auth.login(ADMIN)
    page = client.get("/admin/samordnare").get_data(as_text=True)
    assert "Kim Samordnare" in page
    assert "Rut Samordnare" in page
    # Annanby kommun has none: its deviations would get no answer.
    table = page.split("<tbody>")[1]
    annanby = table.split("Annanby kommun")[1].split("</tr>")[0]
    assert "Ingen samordnare" in annanby
    assert '<label for="user_id">Person</label>' in page


def test_assign_and_remove_a_coordinator(app, client, w, auth):
    auth.login(ADMIN)
    before = coordinator_rows(app)
    # Kim coordinates Testby kommun already; now also Annanby kommun (several are allowed).
    response = client.post(
        "/admin/samordnare",
        data={"user_id": w["kommun_coordinator"], "organization_id": w["other"]},
    )
    assert response.status_code == 302
    assert coordinator_rows(app) == before | {(w["kommun_coordinator"], w["other"])}
    page = client.get("/admin/samordnare").get_data(as_text=True)
    assert "Kim Samordnare är samordnare för Annanby kommun." in page

    again = client.post(
        "/admin/samordnare",
        data={"user_id": w["kommun_coordinator"], "organization_id": w["other"]},
    )
    assert again.status_code == 422
    assert "Kim Samordnare är redan samordnare för Annanby kommun." in again.get_data(as_text=True)

    with app.app_context():
        role_id = db.session.scalar(
            select(Coordinator.id).where(
                Coordinator.user_id == w["kommun_coordinator"],
                Coordinator.organization_id == w["other"],
            )
        )
    assert client.post(f"/admin/samordnare/{role_id}/ta-bort").status_code == 302
    assert coordinator_rows(app) == before


def test_coordinators_only_within_the_admins_region(app, client, w, auth):
    with app.app_context():
        region = factories.create_region("annan", "Annan region")
        foreign = factories.create_organization(region, "Annan kommun")
        stranger = factories.create_user(foreign, "annan@annan.example")
        foreign_role = factories.make_coordinator(stranger, foreign)
        db.session.commit()
        foreign_id, stranger_id, foreign_role_id = foreign.id, stranger.id, foreign_role.id
    auth.login(ADMIN)
    page = client.get("/admin/samordnare").get_data(as_text=True)
    assert "Annan kommun" not in page
    before = coordinator_rows(app)
    refused = client.post(
        "/admin/samordnare", data={"user_id": w["staff"], "organization_id": foreign_id}
    )
    assert refused.status_code == 422  # not among the choices
    refused = client.post(
        "/admin/samordnare", data={"user_id": stranger_id, "organization_id": w["kommun"]}
    )
    assert refused.status_code == 422
    assert client.post(f"/admin/samordnare/{foreign_role_id}/ta-bort").status_code == 404
    assert coordinator_rows(app) == before
    with app.app_context():
        assert db.session.get(Organization, foreign_id).active
