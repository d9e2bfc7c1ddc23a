import re
from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.security import check_password_hash

from avvikelse import create_app
from avvikelse.config import Defaults
from avvikelse.extensions import db
from avvikelse.models import LoginThrottle, User
from avvikelse.services.accounts import authenticate, hash_password
from avvikelse.services.errors import WorkflowError

from . import factories


def test_login_page_is_public_and_swedish(client):
    response = client.get("/login")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="sv">' in page
    assert 'for="email"' in page
    assert 'id="email"' in page


def test_everything_else_needs_login(client, world):
    for path in ("/", "/konto/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def test_public_pages_need_no_login(client):
    assert client.get("/tillganglighet").status_code == 200
    assert client.get("/health").json == {"status": "ok"}


def test_login_and_logout(client, world, auth):
    response = auth.login("staff@test.example")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Stina Personal" in client.get("/").get_data(as_text=True)
    assert auth.logout().status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_keeps_the_email_and_says_why(client, world, auth):
    response = auth.login("staff@test.example", "fel-losenord-123")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Fel e-postadress eller lösenord." in page
    assert 'value="staff@test.example"' in page
    assert "Formuläret behöver rättas" in page


def test_unknown_email_gives_the_same_message(client, world, auth):
    page = auth.login("nobody@test.example").get_data(as_text=True)
    assert "Fel e-postadress eller lösenord." in page


def test_empty_form_lists_errors_linked_to_fields(client):
    page = client.post("/login", data={}).get_data(as_text=True)
    assert 'href="#email"' in page
    assert 'href="#password"' in page


def test_inactive_user_cannot_log_in(client, world, auth, app):
    with app.app_context():
        db.session.get(User, world["staff"]).active = False
        db.session.commit()
    page = auth.login("staff@test.example").get_data(as_text=True)
    assert "inaktiverat" in page


def test_repeated_failures_lock_the_account_in_the_database(app, world):
    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    with app.app_context():
        for _ in range(app.config["LOGIN_MAX_FAILURES"]):
            with pytest.raises(WorkflowError, match="Fel e-postadress"):
                authenticate("staff@test.example", "wrong-password-x", now=now)
        db.session.commit()
    # A second app (another worker process) sees the same lock.
    with app.app_context():
        with pytest.raises(WorkflowError, match="För många"):
            authenticate("staff@test.example", factories.PASSWORD, now=now + timedelta(minutes=1))
        later = now + timedelta(minutes=app.config["LOGIN_LOCK_MINUTES"], seconds=1)
        assert authenticate("staff@test.example", factories.PASSWORD, now=later).email == (
            "staff@test.example"
        )


def test_login_renews_the_session(client, world, auth):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    auth.login("staff@test.example")
    with client.session_transaction() as session:
        assert "planted" not in session


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/konto/", "/konto/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_only_local_next_redirects(client, world, next_url, expected):
    response = client.post(
        "/login",
        data={"email": "staff@test.example", "password": factories.PASSWORD, "next": next_url},
    )
    assert response.headers["Location"] == expected


def test_session_cookie_flags(client, world, auth):
    response = auth.login("staff@test.example")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_default_password_hash_meets_asvs_level_2():
    assert Defaults.PASSWORD_HASH_METHOD == "pbkdf2:sha256:600000"
    app = create_app(
        {"AVVIKELSE_ENV": "test", "PASSWORD_HASH_METHOD": Defaults.PASSWORD_HASH_METHOD}
    )
    with app.app_context():
        assert hash_password("ett-langt-losenord").startswith("pbkdf2:sha256:600000$")


@pytest.mark.parametrize("app", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_post_without_csrf_token_is_rejected_and_input_shown(client, world):
    response = client.post(
        "/tillganglighet/rapportera", data={"description": "Knappen syns inte i mobilen"}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Sessionen har gått ut" in page
    assert "Knappen syns inte i mobilen" in page


@pytest.mark.parametrize("app", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_login_with_csrf_token_works(client, world):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login",
        data={"email": "staff@test.example", "password": factories.PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302


@pytest.mark.parametrize("app", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_logout_without_csrf_token_is_rejected(client, world):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/login",
        data={"email": "staff@test.example", "password": factories.PASSWORD, "csrf_token": token},
    )
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200


# --- Account enumeration (issue 12, point 9) ---------------------------------------------------


def _fail_until_locked(auth, app, email):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        auth.login(email, "fel-losenord-123")
    return auth.login(email, "fel-losenord-123")


def _answer(response, email):
    """All the log-in page tells: its status and the whole page, less the typed address it
    shows back."""
    return response.status_code, response.get_data(as_text=True).replace(email, "E-POST")


def test_an_unknown_address_is_locked_out_like_a_known_one(app, client, world, auth):
    known = _answer(_fail_until_locked(auth, app, "staff@test.example"), "staff@test.example")
    unknown_email = "finns.inte@test.example"
    unknown = _answer(_fail_until_locked(auth, app, unknown_email), unknown_email)
    assert known[0] == 422
    assert "För många misslyckade inloggningar" in known[1]
    assert unknown == known
    # The address is counted however it is typed.
    again = auth.login(" Finns.Inte@TEST.example", "fel-losenord-123").get_data(as_text=True)
    assert "För många misslyckade inloggningar" in again


def test_throttles_keep_no_typed_address(app, client, world, auth):
    auth.login("finns.inte@test.example", "fel-losenord-123")
    with app.app_context():
        [throttle] = db.session.scalars(db.select(LoginThrottle)).all()
        assert "finns" not in throttle.email_digest
        assert throttle.failed_logins == 1


def test_every_log_in_attempt_checks_one_password_hash(app, world, monkeypatch):
    """Equal work, so equal time: an unknown address, an account without a password and a
    locked account each run the same hash check as a wrong password does."""
    from avvikelse.services import accounts

    checks = []

    def counting(password_hash, password):
        checks.append(password_hash)
        return check_password_hash(password_hash, password)

    monkeypatch.setattr(accounts, "check_password_hash", counting)
    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    with app.app_context():
        db.session.get(User, world["member"]).password_hash = None
        db.session.get(User, world["chair"]).locked_until = now + timedelta(minutes=5)
        db.session.flush()
        for email in (
            "staff@test.example",
            "finns.inte@test.example",
            "member@test.example",
            "chair@test.example",
        ):
            before = len(checks)
            with pytest.raises(WorkflowError):
                authenticate(email, "fel-losenord-123", now=now)
            assert len(checks) == before + 1, email
            assert checks[-1].startswith(app.config["PASSWORD_HASH_METHOD"] + "$")
        db.session.rollback()
