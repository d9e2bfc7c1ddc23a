"""Administration pages: hidden from everyone but administrators, scoped to their region, and
every form keeps what was typed when it is refused."""

from datetime import UTC, datetime

import pytest
from flask import url_for

from avvikelse.extensions import db
from avvikelse.models import (
    AccessibilityReport,
    Category,
    EmailStatus,
    Group,
    GroupLevel,
    Membership,
    MembershipRole,
    Notification,
    Organization,
    OrganizationKind,
    Unit,
    User,
)

from .. import factories


def failed_email(user_id: int) -> int:
    """A notification whose e-mail gave up, for the jobs page's "send again" button."""
    note = Notification(
        key=f"test:-:-:{user_id}",
        user_id=user_id,
        kind="test",
        subject="Test",
        body="Test",
        created_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
        email_status=EmailStatus.FAILED,
        email_attempts=5,
    )
    db.session.add(note)
    db.session.flush()
    return note.id


ADMIN = "admin@test.example"
NON_ADMINS = [
    "staff@test.example",
    "member@test.example",
    "chair@test.example",
    "secretary@test.example",
]


@pytest.fixture
def ids(app, world):
    """Every id an admin URL can take, from the world fixture."""
    with app.app_context():
        membership = db.session.scalar(
            db.select(Membership).where(Membership.user_id == world["member"])
        )
        report = AccessibilityReport(
            created_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC), description="Fokus syns inte"
        )
        db.session.add(report)
        coordinator = factories.make_coordinator(
            db.session.get(User, world["member"]), db.session.get(Organization, world["kommun"])
        )
        notification_id = failed_email(world["member"])
        db.session.commit()
        return {
            "coordinator_id": coordinator.id,
            "user_id": world["member"],
            "organization_id": world["kommun"],
            "unit_id": world["unit"],
            "group_id": world["group"],
            "membership_id": membership.id,
            "category_id": db.session.scalar(db.select(Category.id)),
            "report_id": report.id,
            "notification_id": notification_id,
            "direction": "ned",
        }


@pytest.fixture
def foreign_ids(app, world):
    """The same kinds of rows in another region of the same database."""
    with app.app_context():
        region = factories.create_region("annan", "Annan region")
        organization = factories.create_organization(region, "Annan kommun")
        unit = factories.create_unit(organization, "Annan hemtjänst")
        user = factories.create_user(organization, "annan@annan.example")
        group = factories.create_group(region, "Annan samverkansgrupp")
        membership = factories.add_member(group, user, represents=organization)
        category = factories.create_category(region, "Annan kategori")
        coordinator = factories.make_coordinator(user, organization)
        notification_id = failed_email(user.id)
        db.session.commit()
        return {
            "coordinator_id": coordinator.id,
            "user_id": user.id,
            "organization_id": organization.id,
            "unit_id": unit.id,
            "group_id": group.id,
            "membership_id": membership.id,
            "category_id": category.id,
            "notification_id": notification_id,
            "direction": "ned",
        }


def admin_urls(app, values, *, only_with_ids=False):
    """(endpoint, method, url) for every admin route, GETs first so that the POSTs (which
    deactivate and remove things) cannot hide a page from the admin."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("admin."):
                continue
            if only_with_ids and not rule.arguments & values.keys():
                continue
            method = "GET" if "GET" in rule.methods else "POST"
            arguments = {name: values[name] for name in rule.arguments}
            urls.append((rule.endpoint, method, url_for(rule.endpoint, **arguments)))
    return sorted(urls, key=lambda entry: entry[1])


def test_the_url_list_covers_every_admin_endpoint(app, ids):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    covered = {endpoint for endpoint, _method, _url in admin_urls(app, ids)}
    assert covered == {endpoint for endpoint in endpoints if endpoint.startswith("admin.")}
    assert len(covered) > 25


@pytest.mark.parametrize("email", NON_ADMINS)
def test_admin_pages_do_not_exist_for_anyone_else(app, client, auth, ids, email):
    auth.login(email)
    for endpoint, method, url in admin_urls(app, ids):
        response = client.open(url, method=method)
        assert response.status_code == 404, (endpoint, url)


def test_anonymous_visitors_are_sent_to_log_in(app, client, ids):
    for endpoint, method, url in admin_urls(app, ids):
        response = client.open(url, method=method)
        assert response.status_code == 302, (endpoint, url)
        assert response.headers["Location"].startswith("/login?next="), endpoint


def test_admin_reaches_every_page_and_button(app, client, auth, ids):
    auth.login(ADMIN)
    for endpoint, method, url in admin_urls(app, ids):
        response = client.open(url, method=method)
        assert response.status_code == (200 if method == "GET" else 302), (endpoint, url)


def test_ids_from_another_region_are_not_found(app, client, auth, foreign_ids):
    auth.login(ADMIN)
    urls = admin_urls(app, foreign_ids, only_with_ids=True)
    assert len(urls) > 15
    for endpoint, method, url in urls:
        response = client.open(url, method=method)
        assert response.status_code == 404, (endpoint, url)
    with app.app_context():
        assert db.session.get(User, foreign_ids["user_id"]).active
        assert db.session.get(Membership, foreign_ids["membership_id"]).active


def test_lists_show_only_the_own_region(client, auth, foreign_ids):
    auth.login(ADMIN)
    for path, foreign in [
        ("/admin/anvandare", "annan@annan.example"),
        ("/admin/organisationer", "Annan kommun"),
        ("/admin/grupper", "Annan samverkansgrupp"),
        ("/admin/kategorier", "Annan kategori"),
    ]:
        assert foreign not in client.get(path).get_data(as_text=True)


def test_start_page_links_every_area_with_counts(client, auth, world):
    auth.login(ADMIN)
    page = client.get("/admin/").get_data(as_text=True)
    for href in (
        "/admin/anvandare",
        "/admin/organisationer",
        "/admin/grupper",
        "/admin/kategorier",
    ):
        assert f'href="{href}"' in page
    assert "5 aktiva konton" in page
    assert "2 aktiva grupper" in page


def get(app, model, **where):
    with app.app_context():
        row = db.session.scalar(db.select(model).filter_by(**where))
        if row is not None:
            db.session.expunge(row)
        return row


# --- Accounts ----------------------------------------------------------------------------------


def user_form(world, **overrides):
    data = {
        "name": "Nora Ny",
        "email": "nora.ny@test.example",
        "organization_id": world["kommun"],
        "unit_id": world["unit"],
        "title": "Undersköterska",
        "locale": "sv",
        "password": "ett-bra-startlosenord",
    }
    return data | overrides


def test_create_account_then_log_in_with_it(app, client, auth, world):
    auth.login(ADMIN)
    response = client.post("/admin/anvandare/ny", data=user_form(world, is_admin="y"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/anvandare"
    assert "Kontot för Nora Ny är skapat." in client.get("/admin/anvandare").get_data(as_text=True)
    user = get(app, User, email="nora.ny@test.example")
    assert user.unit_id == world["unit"]
    assert user.is_admin
    auth.logout()
    assert auth.login("nora.ny@test.example", "ett-bra-startlosenord").status_code == 302


def test_refused_account_form_keeps_what_was_typed(app, client, auth, world):
    auth.login(ADMIN)
    response = client.post(
        "/admin/anvandare/ny", data=user_form(world, email="member@test.example", password="kort")
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="Nora Ny"' in page
    assert 'value="member@test.example"' in page
    assert 'value="Undersköterska"' in page
    assert f'<option selected value="{world["unit"]}">' in page
    assert "Formuläret behöver rättas" in page
    assert "Det finns redan ett konto med e-postadressen member@test.example." in page
    assert get(app, User, name="Nora Ny") is None


def test_password_rule_is_the_accounts_rule(client, auth, world):
    auth.login(ADMIN)
    response = client.post("/admin/anvandare/ny", data=user_form(world, password="elva-tecken"))
    assert response.status_code == 422
    assert "Lösenordet måste ha minst 12 tecken." in response.get_data(as_text=True)


def test_unit_must_belong_to_the_organization(client, auth, world):
    auth.login(ADMIN)
    response = client.post(
        "/admin/anvandare/ny", data=user_form(world, organization_id=world["regionorg"])
    )
    assert response.status_code == 422
    assert "Enheten hör inte till den valda organisationen." in response.get_data(as_text=True)


def test_organization_from_another_region_is_not_a_choice(client, auth, world, foreign_ids):
    auth.login(ADMIN)
    response = client.post(
        "/admin/anvandare/ny",
        data=user_form(world, organization_id=foreign_ids["organization_id"], unit_id=""),
    )
    assert response.status_code == 422


def test_edit_account_without_password_keeps_it(app, client, auth, world):
    auth.login(ADMIN)
    before = get(app, User, id=world["member"]).password_hash
    page = client.get(f"/admin/anvandare/{world['member']}").get_data(as_text=True)
    assert 'value="member@test.example"' in page
    response = client.post(
        f"/admin/anvandare/{world['member']}",
        data=user_form(
            world, name="Mats Ändrad", email="member@test.example", password="", version="1"
        ),
    )
    assert response.status_code == 302
    member = get(app, User, id=world["member"])
    assert member.name == "Mats Ändrad"
    assert member.title == "Undersköterska"
    assert member.password_hash == before


def test_deactivate_and_reactivate_an_account(app, client, auth, world):
    auth.login(ADMIN)
    response = client.post(f"/admin/anvandare/{world['member']}/aktiv?q=Mats&sida=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/anvandare?q=Mats&sida=1"
    assert not get(app, User, id=world["member"]).active
    assert "Mats Medlem är inaktiverad" in client.get("/admin/anvandare").get_data(as_text=True)
    client.post(f"/admin/anvandare/{world['member']}/aktiv")
    assert get(app, User, id=world["member"]).active


def test_administrator_cannot_deactivate_themselves(app, client, auth, world):
    auth.login(ADMIN)
    response = client.post(f"/admin/anvandare/{world['admin']}/aktiv")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Du kan inte inaktivera ditt eget konto." in page
    assert get(app, User, id=world["admin"]).active


def test_administrator_cannot_remove_their_own_admin_flag(app, client, auth, world):
    auth.login(ADMIN)
    response = client.post(
        f"/admin/anvandare/{world['admin']}",
        data=user_form(
            world,
            name="Ada Admin",
            email=ADMIN,
            organization_id=world["regionorg"],
            unit_id="",
            password="",
            version="1",
        ),
    )
    assert response.status_code == 422
    assert "Du kan inte ta bort din egen administratörsbehörighet." in response.get_data(
        as_text=True
    )
    assert get(app, User, id=world["admin"]).is_admin


def test_account_list_searches_and_filters(client, auth, world):
    auth.login(ADMIN)
    page = client.get("/admin/anvandare?q=MATS").get_data(as_text=True)
    assert "Mats Medlem" in page
    assert "Stina Personal" not in page
    assert 'value="MATS"' in page
    page = client.get(f"/admin/anvandare?organization={world['regionorg']}").get_data(as_text=True)
    assert "Cecilia Chair" in page
    assert "Mats Medlem" not in page
    client.post(f"/admin/anvandare/{world['staff']}/aktiv")
    page = client.get("/admin/anvandare?status=inactive").get_data(as_text=True)
    assert "Stina Personal" in page
    assert "Mats Medlem" not in page


# --- Organizations and units -------------------------------------------------------------------


def test_create_edit_and_deactivate_an_organization(app, client, auth, world):
    auth.login(ADMIN)
    data = {"name": "Nyby kommun", "kind": "municipality", "is_party": "y"}
    assert client.post("/admin/organisationer/ny", data=data).status_code == 302
    organization = get(app, Organization, name="Nyby kommun")
    assert organization.kind is OrganizationKind.MUNICIPALITY
    response = client.post(
        f"/admin/organisationer/{organization.id}",
        data={"name": "Nyby kommun", "kind": "private_provider", "version": "1"},
    )
    assert response.status_code == 302
    changed = get(app, Organization, id=organization.id)
    assert changed.kind is OrganizationKind.PRIVATE_PROVIDER
    assert not changed.is_party
    client.post(f"/admin/organisationer/{organization.id}/aktiv", follow_redirects=True)
    assert not get(app, Organization, id=organization.id).active
    page = client.get("/admin/anvandare/ny").get_data(as_text=True)
    assert "Nyby kommun" not in page


def test_organization_name_is_unique_in_the_region(client, auth, world):
    auth.login(ADMIN)
    response = client.post(
        "/admin/organisationer/ny", data={"name": "TESTBY kommun", "kind": "municipality"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Det finns redan en organisation som heter TESTBY kommun." in page
    assert 'value="TESTBY kommun"' in page


def test_units_are_a_tree_and_refuse_a_cycle(app, client, auth, world):
    auth.login(ADMIN)
    base = f"/admin/organisationer/{world['kommun']}/enheter"
    response = client.post(
        f"{base}/ny", data={"name": "Hemtjänst Norr", "parent_id": world["unit"]}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == base
    child = get(app, Unit, name="Hemtjänst Norr")
    assert child.parent_id == world["unit"]
    assert "Hemtjänst Norr är tillagd." in client.get(base).get_data(as_text=True)
    page = client.get(base).get_data(as_text=True)
    assert page.index("Hemtjänst</span>") < page.index("Hemtjänst Norr")
    response = client.post(
        f"/admin/enheter/{world['unit']}",
        data={"name": "Hemtjänsten", "parent_id": child.id, "version": "1"},
    )
    assert response.status_code == 422
    assert 'value="Hemtjänsten"' in response.get_data(as_text=True)
    assert get(app, Unit, id=world["unit"]).parent_id is None
    response = client.post(
        f"/admin/enheter/{child.id}", data={"name": "Norr", "parent_id": "", "version": "1"}
    )
    assert response.status_code == 302
    assert get(app, Unit, id=child.id).parent_id is None


def test_unit_with_active_children_is_not_deactivated(app, client, auth, world):
    auth.login(ADMIN)
    base = f"/admin/organisationer/{world['kommun']}/enheter"
    client.post(f"{base}/ny", data={"name": "Hemtjänst Norr", "parent_id": world["unit"]})
    response = client.post(f"/admin/enheter/{world['unit']}/aktiv", follow_redirects=True)
    assert "Hemtjänst har aktiva underenheter. Inaktivera dem först." in response.get_data(
        as_text=True
    )
    assert get(app, Unit, id=world["unit"]).active
    child = get(app, Unit, name="Hemtjänst Norr")
    client.post(f"/admin/enheter/{child.id}/aktiv")
    client.post(f"/admin/enheter/{world['unit']}/aktiv")
    assert not get(app, Unit, id=world["unit"]).active


# --- Groups and memberships --------------------------------------------------------------------


def test_create_and_edit_a_group(app, client, auth, world):
    auth.login(ADMIN)
    data = {
        "name": "Samverkansgrupp Vuxna",
        "short_name": "SVG Vuxna",
        "level": "tactical",
        "target_group": "adults",
        "escalation_parent_id": world["lsvo"],
    }
    response = client.post("/admin/grupper/ny", data=data)
    assert response.status_code == 302
    group = get(app, Group, name="Samverkansgrupp Vuxna")
    assert response.headers["Location"] == f"/admin/grupper/{group.id}"
    assert group.escalation_parent_id == world["lsvo"]
    page = client.get("/admin/grupper").get_data(as_text=True)
    assert "Samverkansgrupp Vuxna" in page
    assert "Taktisk nivå" in page
    response = client.post(
        f"/admin/grupper/{group.id}/andra",
        data=data | {"target_group": "", "escalation_parent_id": "", "version": "1"},
    )
    assert response.status_code == 302
    changed = get(app, Group, id=group.id)
    assert changed.target_group is None
    assert changed.escalation_parent_id is None
    client.post(f"/admin/grupper/{group.id}/aktiv")
    assert not get(app, Group, id=group.id).active


def test_group_escalation_cycle_is_refused(app, client, auth, world):
    auth.login(ADMIN)
    form_page = client.get(f"/admin/grupper/{world['lsvo']}/andra").get_data(as_text=True)
    assert f'<option value="{world["group"]}">' not in form_page
    data = {
        "name": "LSVO ändrad",
        "level": "strategic",
        "escalation_parent_id": world["group"],
        "version": "1",
    }
    response = client.post(f"/admin/grupper/{world['lsvo']}/andra", data=data)
    assert response.status_code == 422
    assert 'value="LSVO ändrad"' in response.get_data(as_text=True)
    lsvo = get(app, Group, id=world["lsvo"])
    assert lsvo.escalation_parent_id is None
    assert lsvo.name == "LSVO"
    data["escalation_parent_id"] = world["lsvo"]
    assert client.post(f"/admin/grupper/{world['lsvo']}/andra", data=data).status_code == 422


def test_group_page_lists_memberships(client, auth, world):
    auth.login(ADMIN)
    page = client.get(f"/admin/grupper/{world['group']}").get_data(as_text=True)
    for text in ("Cecilia Chair", "Ordförande", "Sara Sekreterare", "Mats Medlem", "Ledamot"):
        assert text in page
    assert page.index("Cecilia Chair") < page.index("Mats Medlem")


def test_add_edit_and_remove_a_membership(app, client, auth, world):
    auth.login(ADMIN)
    base = f"/admin/grupper/{world['group']}"
    data = {
        "user_id": world["staff"],
        "role": "member",
        "function": "Enhetschef hemtjänst",
        "represented_organization_id": world["kommun"],
        "counts_for_quorum": "y",
    }
    response = client.post(f"{base}/medlemmar/ny", data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == base
    membership = get(app, Membership, user_id=world["staff"], group_id=world["group"])
    assert membership.counts_for_quorum
    assert membership.function == "Enhetschef hemtjänst"
    response = client.post(
        f"/admin/medlemskap/{membership.id}",
        data={
            "role": "co_opted",
            "function": "Sakkunnig",
            "represented_organization_id": "",
            "version": "1",
        },
    )
    assert response.status_code == 302
    changed = get(app, Membership, id=membership.id)
    assert changed.role is MembershipRole.CO_OPTED
    assert not changed.counts_for_quorum
    client.post(f"/admin/medlemskap/{membership.id}/ta-bort")
    assert not get(app, Membership, id=membership.id).active
    page = client.get(base).get_data(as_text=True)
    assert "Stina Personal är borttagen ur Samverkansgrupp Äldre." in page
    assert f'href="/admin/medlemskap/{membership.id}"' not in page
    assert client.get(f"/admin/medlemskap/{membership.id}").status_code == 404


def test_chair_counting_for_quorum_is_refused(app, client, auth, world):
    auth.login(ADMIN)
    data = {
        "user_id": world["staff"],
        "role": "chair",
        "function": "Ordförande i gruppen",
        "represented_organization_id": world["kommun"],
        "counts_for_quorum": "y",
    }
    response = client.post(f"/admin/grupper/{world['group']}/medlemmar/ny", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Ordförande, sekreterare och adjungerade har inget beslutsmandat." in page
    assert 'value="Ordförande i gruppen"' in page
    assert '<option selected value="chair">' in page
    assert get(app, Membership, user_id=world["staff"], group_id=world["group"]) is None


def test_existing_chair_cannot_be_made_to_count(app, client, auth, world):
    auth.login(ADMIN)
    chair = get(app, Membership, user_id=world["chair"], group_id=world["group"])
    response = client.post(
        f"/admin/medlemskap/{chair.id}",
        data={
            "role": "chair",
            "represented_organization_id": world["regionorg"],
            "counts_for_quorum": "y",
            "version": "1",
        },
    )
    assert response.status_code == 422
    assert not get(app, Membership, id=chair.id).counts_for_quorum


# --- Categories --------------------------------------------------------------------------------


def test_categories_create_move_retire_and_reactivate(app, client, auth, world):
    auth.login(ADMIN)
    for name in ("Läkemedel", "Hjälpmedel"):
        data = {"name": name, "description": "", "parent_id": ""}
        assert client.post("/admin/kategorier/ny", data=data).status_code == 302
    hjalpmedel = get(app, Category, name="Hjälpmedel")
    response = client.post(
        "/admin/kategorier/ny", data={"name": "Rullstolar", "parent_id": hjalpmedel.id}
    )
    assert response.status_code == 302
    page = client.get("/admin/kategorier").get_data(as_text=True)
    assert page.index("Läkemedel") < page.index("Hjälpmedel") < page.index("Rullstolar")
    client.post(f"/admin/kategorier/{hjalpmedel.id}/flytta/upp")
    page = client.get("/admin/kategorier").get_data(as_text=True)
    assert page.index("Hjälpmedel") < page.index("Läkemedel")
    client.post(f"/admin/kategorier/{hjalpmedel.id}/avveckla")
    retired = get(app, Category, id=hjalpmedel.id)
    assert retired.is_retired
    assert "Avvecklad" in client.get("/admin/kategorier").get_data(as_text=True)
    client.post(f"/admin/kategorier/{hjalpmedel.id}/avveckla")
    assert not get(app, Category, id=hjalpmedel.id).is_retired


def test_category_edit_errors_keep_input(app, client, auth, world):
    auth.login(ADMIN)
    client.post("/admin/kategorier/ny", data={"name": "Läkemedel"})
    category = get(app, Category, name="Läkemedel")
    response = client.post(
        f"/admin/kategorier/{category.id}",
        data={
            "name": "informationsöverföring",
            "description": "Om läkemedelslistor",
            "version": "1",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Det finns redan en kategori som heter informationsöverföring" in page
    assert "Om läkemedelslistor</textarea>" in page


def test_empty_required_fields_are_listed_in_swedish(client, auth, world):
    auth.login(ADMIN)
    for path, message in [
        ("/admin/anvandare/ny", "Fyll i namnet."),
        ("/admin/organisationer/ny", "Välj typ av organisation."),
        (f"/admin/organisationer/{world['kommun']}/enheter/ny", "Fyll i enhetens namn."),
        ("/admin/grupper/ny", "Välj gruppens nivå."),
        (f"/admin/grupper/{world['group']}/medlemmar/ny", "Välj person."),
        ("/admin/kategorier/ny", "Fyll i kategorins namn."),
    ]:
        response = client.post(path, data={})
        assert response.status_code == 422, path
        page = response.get_data(as_text=True)
        assert message in page, path
        assert 'class="error-summary"' in page


# --- Accessibility reports ---------------------------------------------------------------------


def test_accessibility_reports_can_be_marked_handled(app, client, auth, ids):
    auth.login(ADMIN)
    page = client.get("/admin/tillganglighet").get_data(as_text=True)
    assert "Fokus syns inte" in page
    assert "Markera som hanterad" in page
    response = client.post(f"/admin/tillganglighet/{ids['report_id']}/hanterad")
    assert response.status_code == 302
    assert get(app, AccessibilityReport, id=ids["report_id"]).handled
    assert "Markera som hanterad" not in client.get("/admin/tillganglighet").get_data(as_text=True)


def test_tables_scroll_and_have_column_headers(client, auth, world):
    auth.login(ADMIN)
    for path in ("/admin/anvandare", "/admin/organisationer", "/admin/grupper"):
        page = client.get(path).get_data(as_text=True)
        assert '<div class="table-wrap" tabindex="0" role="region"' in page
        assert '<th scope="col">' in page


def test_group_level_choices_follow_the_hierarchy(client, auth, world):
    auth.login(ADMIN)
    page = client.get("/admin/grupper/ny").get_data(as_text=True)
    titles = [level.title for level in GroupLevel]
    positions = [page.index(f">{title}<") for title in map(str, titles)]
    assert positions == sorted(positions)
