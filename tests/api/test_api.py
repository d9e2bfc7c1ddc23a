"""The JSON API v1 (issue 16, "Done when"): report with an idempotency key, read back, answer
as the concerned organization, see it on the web; other organizations 404, revoked 401."""

from datetime import timedelta

from sqlalchemy import func, select

from avvikelse.extensions import db
from avvikelse.models import ApiClient, AuditEntry, Deviation, User
from avvikelse.services import dates
from avvikelse.services.api_clients import revoke_client
from avvikelse.services.deviations import confirm_group, request_answers

from .conftest import bearer


def request_answers_for(app, deviation_id: int) -> None:
    with app.app_context():
        deviation = db.session.get(Deviation, deviation_id)
        chair = db.session.scalar(select(User).where(User.email == "chair@test.example"))
        confirm_group(deviation, actor=chair, now=dates.now())
        request_answers(deviation, due_on=None, actor=chair, now=dates.now())
        db.session.commit()


def report_body(ids, **overrides) -> dict:
    today = ids["today"]
    body = {
        "title": "Utskriven utan besked till hemtjänsten",
        "description": "Hemtjänsten fick inget inskrivningsmeddelande före hemgång.",
        "occurred_on": (today - timedelta(days=2)).isoformat(),
        "discovered_on": (today - timedelta(days=1)).isoformat(),
        "concerned_organization_ids": [ids["regionorg"]],
        "target_group": "elderly",
        "category_id": ids["category_id"],
        "probability": 3,
        "consequence": 2,
    }
    body.update(overrides)
    return body


def test_done_when(app, client, auth, api_world):
    tokens, ids = api_world["tokens"], api_world["ids"]
    kommun = bearer(tokens["kommun"], **{"Idempotency-Key": "synergi-4711"})

    first = client.post("/api/v1/deviations", json=report_body(ids), headers=kommun)
    assert first.status_code == 201, first.get_json()
    again = client.post("/api/v1/deviations", json=report_body(ids), headers=kommun)
    assert again.status_code == 200
    case = first.get_json()
    assert again.get_json()["id"] == case["id"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Deviation.id))) == 2  # the world's and ours

    read = client.get(f"/api/v1/deviations/{case['id']}", headers=bearer(tokens["kommun"]))
    assert read.status_code == 200
    assert read.get_json()["title"] == "Utskriven utan besked till hemtjänsten"
    assert read.get_json()["timeline"][0]["kind"] == "submitted"

    # The group asks for answers; the region's system answers through the API.
    request_answers_for(app, case["id"])
    answer = client.post(
        f"/api/v1/deviations/{case['id']}/answers",
        json={"what_happened": "Meddelandet fastnade i vår integration.", "measures": "Larm."},
        headers=bearer(tokens["region"]),
    )
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["answers"][0]["what_happened"].startswith("Meddelandet fastnade")
    auth.login(api_world["emails"]["chair"])
    page = client.get(f"/avvikelser/{case['id']}")
    assert "Meddelandet fastnade i vår integration." in page.get_data(as_text=True)

    foreign = client.get(f"/api/v1/deviations/{case['id']}", headers=bearer(tokens["other"]))
    assert foreign.status_code == 404
    assert foreign.mimetype == "application/problem+json"
    assert foreign.get_json()["status"] == 404

    with app.app_context():
        revoke_client(
            db.session.scalar(select(ApiClient).where(ApiClient.name == "System kommun")),
            now=dates.now(),
        )
        db.session.commit()
    revoked = client.get(f"/api/v1/deviations/{case['id']}", headers=bearer(tokens["kommun"]))
    assert revoked.status_code == 401
    assert revoked.headers["WWW-Authenticate"].startswith("Bearer")


def test_reads_and_writes_are_audited_as_the_client(app, client, api_world):
    tokens, ids = api_world["tokens"], api_world["ids"]
    client.get(f"/api/v1/deviations/{ids['deviation_id']}", headers=bearer(tokens["region"]))
    client.get("/api/v1/categories", headers=bearer(tokens["region"]))
    with app.app_context():
        account = db.session.scalar(select(ApiClient).where(ApiClient.name == "System region")).user
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.user_id == account.id)
        ).all()
    assert actions == ["view", "api_reference"]


def test_personal_identity_number_is_refused_as_on_the_form(client, api_world):
    tokens, ids = api_world["tokens"], api_world["ids"]
    body = report_body(ids, description="Patienten 19121212-1212 kom hem utan besked.")
    response = client.post("/api/v1/deviations", json=body, headers=bearer(tokens["kommun"]))
    assert response.status_code == 422
    assert "description" in response.get_json()["errors"]


def test_phone_numbers_wait_for_acknowledgement(client, api_world):
    tokens, ids = api_world["tokens"], api_world["ids"]
    body = report_body(ids, description="Ring avdelningen på 0455-123456 om det händer igen.")
    held = client.post("/api/v1/deviations", json=body, headers=bearer(tokens["kommun"]))
    assert held.status_code == 422
    assert "description" in held.get_json()["warnings"]
    sent = client.post(
        "/api/v1/deviations",
        json={**body, "acknowledge_warnings": True},
        headers=bearer(tokens["kommun"]),
    )
    assert sent.status_code == 201


def test_form_rules_apply(client, api_world):
    tokens, ids = api_world["tokens"], api_world["ids"]
    future = (api_world["ids"]["today"] + timedelta(days=3)).isoformat()
    body = report_body(ids, occurred_on=future, discovered_on=future, title="")
    response = client.post("/api/v1/deviations", json=body, headers=bearer(tokens["kommun"]))
    assert response.status_code == 422
    assert {"occurred_on", "title"} <= set(response.get_json()["errors"])


def test_errors_speak_english_when_asked(client, api_world):
    response = client.get("/api/v1/deviations", headers={"Accept-Language": "en"})
    assert response.status_code == 401
    assert response.get_json()["title"] == "Missing or invalid API key"
    assert response.headers["Content-Language"] == "en"
    swedish = client.get("/api/v1/deviations")
    assert swedish.get_json()["title"] == "Ogiltig eller saknad API-nyckel"


def test_malformed_bodies_are_refused_field_by_field_in_the_asked_language(client, api_world):
    tokens, ids = api_world["tokens"], api_world["ids"]
    body = {
        **report_body(ids),
        "probability": 9,
        "occurred_on": "2026-13-01",
        "concerned_organization_ids": [ids["regionorg"], "a"],
        "okänt": 1,
    }
    del body["description"]
    swedish = client.post("/api/v1/deviations", json=body, headers=bearer(tokens["kommun"]))
    assert swedish.status_code == 422
    assert swedish.get_json()["errors"] == {
        "json.description": ["Uppgiften saknas."],
        "json.probability": ["Ska vara från 1 till 4."],
        "json.occurred_on": ["Ska vara ett datum, ÅÅÅÅ-MM-DD."],
        "json.concerned_organization_ids.1": ["Ska vara ett heltal."],
        "json.okänt": ["Okänt fält."],
    }
    english = client.post(
        "/api/v1/deviations",
        json=body,
        headers={**bearer(tokens["kommun"]), "Accept-Language": "en"},
    )
    assert english.get_json()["errors"]["json.description"] == ["Missing data for required field."]
    assert english.get_json()["errors"]["json.probability"] == ["Must be from 1 to 4."]


def test_list_is_keyset_paginated_with_changed_since(app, client, clock, api_world):
    tokens, ids = api_world["tokens"], api_world["ids"]
    headers = bearer(tokens["kommun"])
    for n in range(3):
        body = report_body(ids, title=f"Rapport {n}")
        assert client.post("/api/v1/deviations", json=body, headers=headers).status_code == 201
    seen, cursor = [], None
    while True:
        query = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/v1/deviations", query_string=query, headers=headers).get_json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 4  # the world's case (reported by the kommun) + 3
    later = (clock.at + timedelta(minutes=1)).isoformat()
    page = client.get(
        "/api/v1/deviations", query_string={"changed_since": later}, headers=headers
    ).get_json()
    assert page == {"items": [], "next_cursor": None}
    assert (
        client.get(
            "/api/v1/deviations", query_string={"cursor": "nonsense"}, headers=headers
        ).status_code
        == 400
    )


def test_other_organization_sees_none_of_it(client, api_world):
    tokens, ids = api_world["tokens"], api_world["ids"]
    headers = bearer(tokens["other"])
    case = ids["deviation_id"]
    assert client.get("/api/v1/deviations", headers=headers).get_json()["items"] == []
    for method, path, body in (
        ("GET", f"/api/v1/deviations/{case}", None),
        ("POST", f"/api/v1/deviations/{case}/answers", {"what_happened": "x"}),
        ("POST", f"/api/v1/deviations/{case}/comments", {"text": "x"}),
        ("POST", f"/api/v1/deviations/{case}/pass-on", {"to_organization_id": 1, "reason": "x"}),
    ):
        response = client.open(path, method=method, json=body, headers=headers)
        assert response.status_code in (404, 422), (method, path)
        assert response.status_code == 404 or "to_organization_id" in response.get_json()["errors"]


def test_scopes_are_enforced(app, client, api_world):
    with app.app_context():
        client_row = db.session.scalar(select(ApiClient).where(ApiClient.name == "System region"))
        client_row.scopes = "read"
        db.session.commit()
    response = client.post(
        "/api/v1/deviations",
        json=report_body(api_world["ids"]),
        headers=bearer(api_world["tokens"]["region"]),
    )
    assert response.status_code == 403


def test_comment_and_not_ours(app, client, api_world):
    tokens, ids = api_world["tokens"], api_world["ids"]
    case = ids["deviation_id"]
    commented = client.post(
        f"/api/v1/deviations/{case}/comments",
        json={"text": "Vi tittar på det."},
        headers=bearer(tokens["region"]),
    )
    assert commented.status_code == 201, commented.get_json()
    assert commented.get_json()["timeline"][-1]["message"] == "Vi tittar på det."
    request_answers_for(app, case)
    passed = client.post(
        f"/api/v1/deviations/{case}/pass-on",
        json={"to_organization_id": ids["other"], "reason": "Gäller Annanby."},
        headers=bearer(tokens["region"]),
    )
    assert passed.status_code == 201, passed.get_json()
    statuses = {c["organization_id"]: c["status"] for c in passed.get_json()["concerned"]}
    assert statuses[ids["regionorg"]] == "passed_on"
    # Now Annanby is concerned, and its client sees the case.
    other = client.get(f"/api/v1/deviations/{case}", headers=bearer(tokens["other"]))
    assert other.status_code == 200


def test_reference_lists(client, api_world):
    headers = bearer(api_world["tokens"]["kommun"])
    names = {o["name"] for o in client.get("/api/v1/organizations", headers=headers).get_json()}
    assert {"Testby kommun", "Region Test", "Annanby kommun"} <= names
    assert client.get("/api/v1/categories", headers=headers).get_json()[0]["name"]
    levels = {g["level"] for g in client.get("/api/v1/groups", headers=headers).get_json()}
    assert {"tactical", "strategic"} <= levels


def test_rate_limit_per_client(app, client, api_world):
    app.config["API_RATE_LIMIT_PER_MINUTE"] = 3
    headers = bearer(api_world["tokens"]["kommun"])
    statuses = [client.get("/api/v1/groups", headers=headers).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/v1/groups", headers=headers)
    assert limited.mimetype == "application/problem+json"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    other = client.get("/api/v1/groups", headers=bearer(api_world["tokens"]["region"]))
    assert other.status_code == 200


def test_session_cookie_does_not_reach_the_api(client, auth, api_world):
    auth.login(api_world["emails"]["admin"])
    assert client.get("/api/v1/deviations").status_code == 401


def test_openapi_document_and_reference_page(client):
    document = client.get("/api/v1/openapi.json")
    assert document.status_code == 200
    spec = document.get_json()
    assert spec["openapi"] == "3.1.0"
    assert {"/api/v1/deviations", "/api/v1/deviations/{deviation_id}/answers"} <= set(spec["paths"])
    page = client.get("/api/v1/docs", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "/api/v1/deviations/{deviation_id}/pass-on" in text
    assert '<html lang="sv"' in text  # a page of the site, in its language, as the others
