"""Every case route × every role: who may not see a case gets 404, never the case.

The route list comes from the app's URL map, so a new case route cannot be forgotten.
"""

from datetime import date

import pytest

from avvikelse.extensions import db
from avvikelse.models import Action, AuditEntry

from .. import factories

VISIBLE = {
    "staff",  # the reporter
    "kommun_coordinator",  # coordinator of the reporting organization
    "region_coordinator",  # coordinator of the concerned organization
    "chair",
    "secretary",
    "member",  # members of the routed group
    "admin",  # administrators see everything, logged
}
HIDDEN = {"lsvo_member", "lsvo_chair", "outsider", "outsider_coordinator"}


@pytest.fixture
def case(app):
    with app.app_context():
        w = factories.case_world()
        outsider = factories.create_user(w["other"], "outsider@annanby.example")
        outsider_coordinator = factories.create_user(w["other"], "samordnare@annanby.example")
        factories.make_coordinator(outsider_coordinator, w["other"])
        action = Action(
            deviation=w["deviation"],
            description="Åtgärd",
            owner_organization=w["regionorg"],
            due_on=date(2027, 1, 1),
            created_by=w["chair"],
            created_at=w["deviation"].submitted_at,
        )
        db.session.add(action)
        db.session.commit()
        users = {
            name: w[name].email
            for name in VISIBLE | (HIDDEN - {"outsider", "outsider_coordinator"})
        }
        users["outsider"] = outsider.email
        users["outsider_coordinator"] = outsider_coordinator.email
        ids = {
            "deviation_id": w["deviation"].id,
            "organization_id": w["regionorg"].id,
            "action_id": action.id,
        }
    return users, ids


def case_routes(app, ids):
    """The web's case routes. The JSON API's (blueprint `api`) take a bearer token, not a
    session: tests/api/test_api.py walks them with another organization's client."""
    routes = []
    for rule in app.url_map.iter_rules():
        if "deviation_id" not in rule.arguments or rule.endpoint.startswith("api."):
            continue
        url = rule.build({name: ids[name] for name in rule.arguments}, append_unknown=False)[1]
        for method in sorted(rule.methods & {"GET", "POST"}):
            routes.append((rule.endpoint, method, url))
    return routes


def test_case_routes_exist(app, case):
    endpoints = {endpoint for endpoint, _, _ in case_routes(app, case[1])}
    assert {
        "deviations.detail",
        "deviations.answer",
        "deviations.close",
        "report.receipt",
    } <= endpoints


@pytest.mark.parametrize("role", sorted(VISIBLE | HIDDEN))
def test_every_case_route_for_every_role(app, client, auth, case, role):
    users, ids = case
    auth.login(users[role])
    for endpoint, method, url in case_routes(app, ids):
        response = client.open(url, method=method, data={})
        where = f"{role} {method} {endpoint}"
        if role in HIDDEN:
            assert response.status_code == 404, where
            assert "AV-" not in response.get_data(as_text=True), where
        elif method == "GET":
            assert response.status_code == 200, where
        else:
            assert response.status_code in (302, 403, 409, 422), where


def test_anonymous_is_sent_to_login_everywhere(app, client, case):
    _, ids = case
    for endpoint, method, url in case_routes(app, ids):
        response = client.open(url, method=method)
        assert response.status_code == 302, endpoint
        assert response.headers["Location"].startswith("/login"), endpoint


def test_reads_are_audited_and_admin_reads_flagged(app, client, auth, case):
    users, ids = case
    auth.login(users["admin"])
    client.get(f"/avvikelser/{ids['deviation_id']}")
    auth.logout()
    auth.login(users["chair"])
    client.get(f"/avvikelser/{ids['deviation_id']}")
    with app.app_context():
        entries = db.session.scalars(
            db.select(AuditEntry).where(AuditEntry.deviation_id == ids["deviation_id"])
        ).all()
        flags = [(e.action, e.as_administrator) for e in entries]
    assert ("view", True) in flags
    assert ("view", False) in flags
