"""A session ends on the server: a copied session cookie stops working after log-out, a new
password or deactivation (issue 12, point 3). The cookie is signed, not stored, so the account's
session generation is what makes an old one refer to no one."""

from avvikelse.extensions import db
from avvikelse.models import User

from . import factories

MEMBER = "member@test.example"
ADMIN = "admin@test.example"


def login(app, email, password=factories.PASSWORD):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302
    return client


def copy_of(app, client):
    """Another browser holding the same session cookie, as a thief would."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    assert thief.get("/konto/").status_code == 200
    return thief


def sent_to_login(client) -> bool:
    response = client.get("/konto/")
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def member_form(world, **overrides):
    data = {
        "name": "Mats Medlem",
        "email": MEMBER,
        "organization_id": world["kommun"],
        "unit_id": world["unit"],
        "title": "",
        "locale": "sv",
        "password": "",
        "version": "1",  # the account as the edit page showed it (a stale save is refused)
    }
    return data | overrides


def test_a_copied_cookie_stops_working_after_log_out(app, world):
    member = login(app, MEMBER)
    thief = copy_of(app, member)
    assert member.post("/logout").status_code == 302
    assert sent_to_login(member)
    assert sent_to_login(thief)
    assert login(app, MEMBER).get("/konto/").status_code == 200  # logging in again works


def test_a_new_password_ends_every_session(app, world):
    member = login(app, MEMBER)
    thief = copy_of(app, member)
    admin = login(app, ADMIN)
    response = admin.post(
        f"/admin/anvandare/{world['member']}",
        data=member_form(world, password="ett-helt-nytt-losenord"),
    )
    assert response.status_code == 302
    assert sent_to_login(member)
    assert sent_to_login(thief)
    assert login(app, MEMBER, "ett-helt-nytt-losenord").get("/konto/").status_code == 200


def test_saving_an_account_without_a_new_password_keeps_its_sessions(app, world):
    member = login(app, MEMBER)
    admin = login(app, ADMIN)
    admin.post(f"/admin/anvandare/{world['member']}", data=member_form(world, title="Ny titel"))
    assert member.get("/konto/").status_code == 200


def test_an_administrators_own_new_password_keeps_the_session_they_changed_it_in(app, world):
    admin = login(app, ADMIN)
    elsewhere = copy_of(app, admin)
    response = admin.post(
        f"/admin/anvandare/{world['admin']}",
        data=member_form(
            world,
            name="Ada Admin",
            email=ADMIN,
            organization_id=world["regionorg"],
            unit_id="",
            is_admin="y",
            password="ett-helt-nytt-losenord",
        ),
    )
    assert response.status_code == 302
    assert admin.get("/konto/").status_code == 200
    assert sent_to_login(elsewhere)


def test_deactivation_ends_every_session_for_good(app, world):
    member = login(app, MEMBER)
    thief = copy_of(app, member)
    admin = login(app, ADMIN)
    assert admin.post(f"/admin/anvandare/{world['member']}/aktiv").status_code == 302
    assert sent_to_login(thief)
    # Active again: the account may log in anew, but no cookie from before comes back to life.
    assert admin.post(f"/admin/anvandare/{world['member']}/aktiv").status_code == 302
    with app.app_context():
        assert db.session.get(User, world["member"]).active
    assert sent_to_login(member)
    assert sent_to_login(thief)
    assert login(app, MEMBER).get("/konto/").status_code == 200


def test_a_session_naming_no_generation_is_no_one(app, world):
    """A cookie from before the session generation existed carries a bare id."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(world["member"])
        session["_fresh"] = True
    assert sent_to_login(client)
