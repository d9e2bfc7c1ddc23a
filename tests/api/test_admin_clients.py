"""Administering API clients: register (the token shown once), rotate, revoke; 404 for others;
CSRF guards the admin's forms and leaves the token-authenticated API alone."""

import re

import pytest
from sqlalchemy import select

from avvikelse.extensions import db
from avvikelse.models import ApiClient, User

from .conftest import bearer

TOKEN = re.compile(r'<code id="api-token">(avv_[^<]+)</code>')


def register(client, organization_id, scopes=("read",)) -> str:
    response = client.post(
        "/admin/api-klienter/",
        data={"name": "Synergi", "organization_id": organization_id, "scopes": list(scopes)},
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return TOKEN.search(response.get_data(as_text=True)).group(1)


def test_register_rotate_revoke(app, client, auth, api_world):
    auth.login(api_world["emails"]["admin"])
    token = register(client, api_world["ids"]["kommun"])
    assert client.get("/api/v1/groups", headers=bearer(token)).status_code == 200
    listing = client.get("/admin/api-klienter/").get_data(as_text=True)
    assert "Synergi" in listing
    assert token not in listing  # shown once, on the registration's answer only
    with app.app_context():
        row = db.session.scalar(select(ApiClient).where(ApiClient.name == "Synergi"))
        assert row.token_hash != token
        assert token not in row.token_hint + row.token_hash
        client_id = row.id
        account = db.session.get(User, row.user_id)
        assert account.is_service_account
        assert account.password_hash is None

    rotated = client.post(f"/admin/api-klienter/{client_id}/nytt-token")
    new_token = TOKEN.search(rotated.get_data(as_text=True)).group(1)
    assert client.get("/api/v1/groups", headers=bearer(token)).status_code == 401
    assert client.get("/api/v1/groups", headers=bearer(new_token)).status_code == 200

    assert client.post(f"/admin/api-klienter/{client_id}/aterkalla").status_code == 302
    assert client.get("/api/v1/groups", headers=bearer(new_token)).status_code == 401


def test_form_errors_keep_the_input(client, auth, api_world):
    auth.login(api_world["emails"]["admin"])
    response = client.post("/admin/api-klienter/", data={"name": "Synergi", "organization_id": ""})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'value="Synergi"' in body
    assert "Välj minst en behörighet." in body


def test_hidden_from_everyone_but_administrators(client, auth, api_world):
    auth.login(api_world["emails"]["chair"])
    assert client.get("/admin/api-klienter/").status_code == 404


@pytest.mark.parametrize("app", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_csrf_guards_the_web_not_the_api(client, auth, api_world):
    headers = bearer(api_world["tokens"]["region"])
    case = api_world["ids"]["deviation_id"]
    response = client.post(
        f"/api/v1/deviations/{case}/comments", json={"text": "Vi tittar på det."}, headers=headers
    )
    assert response.status_code == 201
    # The web still refuses a form without its token.
    page = client.post("/login", data={"email": "admin@test.example", "password": "x"})
    assert page.status_code == 400


def test_service_accounts_are_not_people(app, client, auth, api_world):
    """They are administered as clients: not in the account list, not editable as a person."""
    auth.login(api_world["emails"]["admin"])
    assert "System kommun" not in client.get("/admin/anvandare").get_data(as_text=True)
    with app.app_context():
        account_id = db.session.scalar(
            select(ApiClient.user_id).where(ApiClient.name == "System kommun")
        )
    assert client.get(f"/admin/anvandare/{account_id}").status_code == 404
