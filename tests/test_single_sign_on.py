"""Single sign-on against a real OpenID Connect provider on localhost (issue 16, point 3).

Two providers run in threads (tests/oidc_provider.py): this region's and another region's. The
app's Authlib client does discovery, the code exchange with PKCE and the id_token checks over
HTTP; the person at the provider's log-in page is played by `requests`, the browser by the Flask
test client. Nothing of the client side is mocked.
"""

import json
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests
from sqlalchemy import select

from avvikelse import create_app
from avvikelse.config import ConfigError, Defaults
from avvikelse.extensions import db
from avvikelse.models import AuditEntry, LinkedIdentity, User
from avvikelse.sso import provider as configured_provider

from .conftest import BASE_TEST_CONFIG
from .live_server import free_port
from .oidc_provider import CLIENT_ID, CLIENT_SECRET, running_provider

MEMBER = "member@test.example"


@pytest.fixture(scope="module")
def home_idp():
    with running_provider() as provider:
        yield provider


@pytest.fixture(scope="module")
def other_idp():
    with running_provider() as provider:
        yield provider


@pytest.fixture(autouse=True)
def fresh_providers(home_idp, other_idp):
    for provider, key in ((home_idp, "hemma"), (other_idp, "annan")):
        provider.reset()
        provider.client.redirect_uris = [f"http://localhost/login/sso/{key}/callback"]


def settings(issuer: str, region: str, label: str) -> dict:
    return {
        "region": region,
        "label": label,
        "issuer": issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }


@pytest.fixture
def app_config(home_idp, other_idp):
    return {
        "OIDC_PROVIDERS": {
            "hemma": settings(home_idp.issuer, "testregion", "Testregionens inloggning"),
            "annan": settings(other_idp.issuer, "annanregion", "Annanregionens inloggning"),
            "nere": settings(f"http://127.0.0.1:{free_port()}", "testregion", "Trasig"),
        }
    }


def person(sub="idp-mats", email=MEMBER, verified=True, **claims) -> dict:
    found = {"sub": sub, "email": email, "name": "Mats Medlem", **claims}
    if verified is not None:
        found["email_verified"] = verified
    return found


def sign_in(client, idp, key="hemma", username="mats", tamper=None):
    """Press "Logga in med …", log in at the provider, follow it back; the app's last answer."""
    start = client.get(f"/login/sso/{key}?next=/konto/")
    assert start.status_code == 302, start.get_data(as_text=True)
    authorize = start.headers["Location"]
    assert authorize.startswith(f"{idp.issuer}/authorize?")
    sent = dict(parse_qsl(urlsplit(authorize).query))
    assert sent["code_challenge_method"] == "S256"
    assert sent["nonce"]
    assert sent["state"]
    at_provider = requests.post(
        authorize, data={"username": username}, allow_redirects=False, timeout=10
    )
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["Location"])
    query = dict(parse_qsl(back.query))
    if tamper:
        query.update(tamper)
    return client.get(f"{back.path}?{urlencode(query)}")


def logged_in(client) -> bool:
    return client.get("/konto/").status_code == 200


def audit(app, action):
    with app.app_context():
        return db.session.scalars(
            select(AuditEntry.detail).where(AuditEntry.action == action)
        ).all()


def test_the_log_in_page_offers_each_provider(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/login/sso/hemma"' in page
    assert "Logga in med Testregionens inloggning" in page
    assert "Logga in med Annanregionens inloggning" in page
    assert 'name="password"' in page  # the password form stays


def test_first_sign_in_links_the_account_by_verified_email(app, client, world, home_idp):
    home_idp.users["mats"] = person(email="Member@Test.Example")
    response = sign_in(client, home_idp)
    assert response.status_code == 302
    assert response.headers["Location"] == "/konto/"
    account = client.get("/konto/")
    assert account.status_code == 200
    page = account.get_data(as_text=True)
    assert "Välkommen, Mats Medlem!" in page
    assert "<dt>Kopplad inloggning</dt><dd>Testregionens inloggning, kopplad 20" in page
    with app.app_context():
        link = db.session.scalar(select(LinkedIdentity))
        assert (link.user_id, link.provider) == (world["member"], "hemma")
        assert (link.issuer, link.subject) == (home_idp.issuer, "idp-mats")
        assert db.session.get(User, world["member"]).last_login_at is not None
    assert audit(app, "sso_login") == ["Testregionens inloggning"]


def test_an_email_sent_only_from_the_userinfo_endpoint_is_used(app, client, world, home_idp):
    home_idp.users["mats"] = person()
    home_idp.userinfo_only = {"email", "email_verified"}
    assert sign_in(client, home_idp).status_code == 302
    assert logged_in(client)


def test_a_linked_identity_signs_in_by_subject_whatever_its_email_says_later(app, world, home_idp):
    home_idp.users["mats"] = person()
    assert sign_in(app.test_client(), home_idp).status_code == 302
    home_idp.users["mats"] = person(email="mats.ny@annat.example", verified=False)
    later = app.test_client()
    assert sign_in(later, home_idp).status_code == 302
    assert logged_in(later)
    with app.app_context():
        assert db.session.scalar(select(db.func.count(LinkedIdentity.id))) == 1


@pytest.mark.parametrize("verified", [False, None, "true"])
def test_an_unverified_email_is_refused(app, client, world, home_idp, verified):
    home_idp.users["mats"] = person(verified=verified)
    response = sign_in(client, home_idp)
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "Du är inte inloggad" in page
    assert "har inte bekräftat att e-postadressen member@test.example är din" in page
    assert not logged_in(client)
    with app.app_context():
        assert db.session.scalar(select(LinkedIdentity)) is None


def test_an_unknown_email_is_refused_and_no_account_is_made(app, client, world, home_idp):
    home_idp.users["ny"] = person(sub="idp-ny", email="ny.person@test.example")
    response = sign_in(client, home_idp, username="ny")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "Det finns inget konto med e-postadressen ny.person@test.example" in page
    assert "skapar inga konton" in page
    assert not logged_in(client)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "ny.person@test.example")) is None


def test_a_deactivated_account_is_refused_linked_or_not(app, world, home_idp):
    home_idp.users["mats"] = person()
    assert sign_in(app.test_client(), home_idp).status_code == 302
    with app.app_context():
        db.session.get(User, world["member"]).active = False
        db.session.commit()
    client = app.test_client()
    response = sign_in(client, home_idp)
    assert response.status_code == 403
    assert "Kontot är inaktiverat" in response.get_data(as_text=True)
    assert not logged_in(client)
    home_idp.users["stina"] = person(sub="idp-stina", email="staff@test.example")
    with app.app_context():
        db.session.scalar(select(User).where(User.email == "staff@test.example")).active = False
        db.session.commit()
    assert sign_in(client, home_idp, username="stina").status_code == 403
    assert audit(app, "sso_refused") == ["Testregionens inloggning: inactive"] * 2


def test_another_regions_provider_cannot_sign_into_this_regions_account(
    app, client, world, other_idp
):
    """The other region's provider vouches for the same, verified address: still no."""
    other_idp.users["mats"] = person()
    response = sign_in(client, other_idp, key="annan")
    assert response.status_code == 403
    assert "hör till en annan region" in response.get_data(as_text=True)
    assert not logged_in(client)
    assert audit(app, "sso_refused") == ["Annanregionens inloggning: other_region"]
    with app.app_context():
        assert db.session.scalar(select(LinkedIdentity)) is None


@pytest.mark.parametrize("state", ["", "not-the-state-we-sent"])
def test_a_wrong_state_is_refused_before_the_code_is_redeemed(client, world, home_idp, state):
    home_idp.users["mats"] = person()
    response = sign_in(client, home_idp, tamper={"state": state})
    assert response.status_code == 400
    assert "kunde inte slutföras" in response.get_data(as_text=True)
    assert not logged_in(client)
    assert home_idp.tokens_issued == 0


def test_a_callback_in_another_browser_is_refused(app, world, home_idp):
    """The state lives in the session of the browser that started: a link with a valid code and
    state, opened elsewhere (login CSRF), signs no one in."""
    home_idp.users["mats"] = person()
    starter = app.test_client()
    start = starter.get("/login/sso/hemma")
    at_provider = requests.post(
        start.headers["Location"], data={"username": "mats"}, allow_redirects=False, timeout=10
    )
    back = urlsplit(at_provider.headers["Location"])
    victim = app.test_client()
    assert victim.get(f"{back.path}?{back.query}").status_code == 400
    assert not logged_in(victim)


@pytest.mark.parametrize("fault", ["wrong_nonce", "foreign_key"])
def test_an_id_token_with_a_wrong_nonce_or_signature_is_refused(client, world, home_idp, fault):
    home_idp.users["mats"] = person()
    setattr(home_idp, fault, True)
    response = sign_in(client, home_idp)
    assert response.status_code == 400
    assert not logged_in(client)


def test_a_code_is_redeemed_once(app, world, home_idp):
    home_idp.users["mats"] = person()
    client = app.test_client()
    start = client.get("/login/sso/hemma")
    at_provider = requests.post(
        start.headers["Location"], data={"username": "mats"}, allow_redirects=False, timeout=10
    )
    callback = urlsplit(at_provider.headers["Location"])
    assert client.get(f"{callback.path}?{callback.query}").status_code == 302
    replay = app.test_client()
    assert replay.get(f"{callback.path}?{callback.query}").status_code == 400


def test_cancelling_at_the_provider_is_a_clear_refusal(client, world):
    response = client.get("/login/sso/hemma/callback?error=access_denied&state=x")
    assert response.status_code == 403
    assert "avbröts eller nekades" in response.get_data(as_text=True)


def test_a_provider_that_does_not_answer_is_a_clear_refusal(client):
    response = client.get("/login/sso/nere")
    assert response.status_code == 503
    assert "Inloggningstjänsten Trasig svarar inte just nu" in response.get_data(as_text=True)


def test_a_discovery_document_without_endpoints_is_a_clear_refusal(app, home_idp):
    home_idp.broken_discovery = True
    response = app.test_client().get("/login/sso/hemma")
    assert response.status_code == 503
    assert "svarar inte just nu" in response.get_data(as_text=True)


def test_an_unknown_provider_is_not_found(client):
    assert client.get("/login/sso/okand").status_code == 404
    assert client.get("/login/sso/okand/callback?code=x&state=y").status_code == 404


def test_log_out_ends_the_local_session_everywhere(app, client, world, home_idp):
    home_idp.users["mats"] = person()
    assert sign_in(client, home_idp).status_code == 302
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    assert logged_in(copy)
    assert client.post("/logout").status_code == 302
    assert not logged_in(client)
    assert not logged_in(copy)


def test_an_unsafe_next_goes_to_the_start_page(client, world, home_idp):
    home_idp.users["mats"] = person()
    client.get("/login/sso/hemma?next=//evil.example/")
    start = client.get("/login/sso/hemma?next=https://evil.example/")
    at_provider = requests.post(
        start.headers["Location"], data={"username": "mats"}, allow_redirects=False, timeout=10
    )
    back = urlsplit(at_provider.headers["Location"])
    assert client.get(f"{back.path}?{back.query}").headers["Location"] == "/"


# --- configuration -----------------------------------------------------------------------------


def build(providers: dict, **extra):
    return create_app({**BASE_TEST_CONFIG, "OIDC_PROVIDERS": providers, **extra})


GOOD = settings("https://idp.example.se", "blekinge", "SITHS")


@pytest.mark.parametrize(
    "bad",
    [
        {"x": {**GOOD, "client_secret": ""}},
        {"x": {k: v for k, v in GOOD.items() if k != "client_secret"}},
        {"x": {**GOOD, "issuer": "http://idp.example.se"}},
        {"x": {**GOOD, "isuer": "https://idp.example.se"}},
        {"x": {**GOOD, "client_secret": 123456}},
        {"x": {**GOOD, "organization_claim": "hsa"}},
        {"x": {**GOOD, "scope": "email"}},
        {"X Y": GOOD},
        {"x": GOOD, "y": GOOD},
    ],
)
def test_bad_provider_settings_stop_the_app_at_start(bad):
    with pytest.raises(ConfigError, match="OIDC_PROVIDERS"):
        build(bad)


def test_the_secret_comes_from_the_environment(monkeypatch, tmp_path):
    public = {k: v for k, v in GOOD.items() if k != "client_secret"}
    monkeypatch.setenv("AVVIKELSE_OIDC_PROVIDERS", json.dumps({"siths": public}))
    monkeypatch.setenv("AVVIKELSE_OIDC_PROVIDERS__siths__client_secret", "fran-miljon")
    app = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x"})
    with app.app_context():
        assert configured_provider("siths").client_secret == "fran-miljon"
    assert Defaults.OIDC_PROVIDERS == {}
