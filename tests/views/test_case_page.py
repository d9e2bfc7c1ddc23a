"""The case page and its step endpoints over HTTP: who sees what, each step's round trip,
errors that keep the input, stale edits, the audit log and a query count that does not grow."""

from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, select, update

from avvikelse.extensions import db
from avvikelse.models import (
    Action,
    ActionStatus,
    AuditEntry,
    Category,
    ConcernedOrganization,
    ConcernedStatus,
    Deviation,
    DeviationState,
    EventKind,
    Organization,
    Region,
    TargetGroup,
    User,
)
from avvikelse.services import dates
from avvikelse.services import deviations as workflow

from .. import factories

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
STALE_MESSAGE = "Ärendet har ändrats av någon annan sedan du öppnade sidan"
PERSONAL_IDENTITY_NUMBER = "19121212-1212"


pytestmark = pytest.mark.clock(NOW + timedelta(minutes=1))


@pytest.fixture
def clock(clock):
    """Just after the case was reported, ticking a second per reading: a step that stores the
    very same updated_at as before is no change to PostgreSQL, and then the version stays put."""
    clock.tick = timedelta(seconds=1)
    return clock


@pytest.fixture
def cw(app, clock):
    """case_world, a second samverkansgrupp to re-route to, a user of a third organization."""
    with app.app_context():
        data = factories.case_world()
        data["adults"] = factories.create_group(
            data["region"],
            "Samverkansgrupp Vuxna",
            target_group=TargetGroup.ADULTS,
            escalation_parent=data["lsvo"],
        )
        data["outsider"] = factories.create_user(
            data["other"], "outsider@annanby.example", name="Olle Utanför"
        )
        db.session.commit()
        return {name: obj.id for name, obj in data.items()}


EMAILS = {
    "staff": "staff@test.example",
    "kommun_coordinator": "coord.kommun@test.example",
    "region_coordinator": "coord.region@test.example",
    "chair": "chair@test.example",
    "secretary": "secretary@test.example",
    "member": "member@test.example",
    "admin": "admin@test.example",
    "lsvo_chair": "lsvo.chair@test.example",
    "lsvo_member": "lsvo.member@test.example",
    "outsider": "outsider@annanby.example",
}


def login(auth, role):
    auth.logout()
    response = auth.login(EMAILS[role])
    assert response.status_code == 302


def url(ids, suffix=""):
    return f"/avvikelser/{ids['deviation']}{suffix}"


def case(app, ids):
    """A snapshot of the case, read in its own app context (never around a request)."""
    with app.app_context():
        deviation = db.session.get(Deviation, ids["deviation"])
        return {
            "state": deviation.state,
            "version": deviation.version,
            "group_id": deviation.group_id,
            "probability": deviation.probability,
            "decision": deviation.decision,
            "duplicate_of_id": deviation.duplicate_of_id,
            "events": [e.kind for e in deviation.events],
            "concerned": {c.organization_id: c for c in deviation.concerned},
            "shares": [s.group_id for s in deviation.shares],
            "actions": [(a.id, a.status, a.description) for a in deviation.actions],
        }


def run_service(app, ids, step, *args, actor, **kwargs):
    """Move the case with the workflow service itself, as another user would have done."""
    with app.app_context():
        deviation = db.session.get(Deviation, ids["deviation"])
        user = db.session.get(User, ids[actor])
        result = step(deviation, *args, actor=user, now=dates.now(), **kwargs)
        db.session.commit()
        return getattr(result, "id", None)


def to_awaiting_answers(app, ids, due_on=None):
    run_service(app, ids, workflow.request_answers, due_on=due_on, actor="secretary")


def to_preparation(app, ids):
    to_awaiting_answers(app, ids)
    with app.app_context():
        deviation = db.session.get(Deviation, ids["deviation"])
        workflow.submit_answer(
            deviation,
            ids["regionorg"],
            what_happened="Inskrivningsmeddelandet skickades aldrig.",
            cause="Ny journalrutin.",
            measures="Rutinen är uppdaterad.",
            actor=db.session.get(User, ids["region_coordinator"]),
            now=dates.now(),
        )
        db.session.commit()


def to_actions(app, ids):
    to_preparation(app, ids)
    run_service(app, ids, workflow.decide, decision="Gemensam checklista.", actor="chair")


def add_action(app, ids, description="Ta fram checklista"):
    with app.app_context():
        deviation = db.session.get(Deviation, ids["deviation"])
        action = workflow.add_action(
            deviation,
            description=description,
            due_on=date(2027, 1, 31),
            owner_organization=db.session.get(Organization, ids["regionorg"]),
            owner_group=None,
            actor=db.session.get(User, ids["secretary"]),
            now=dates.now(),
        )
        db.session.commit()
        return action.id


def audit_actions(app, ids):
    with app.app_context():
        return db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.deviation_id == ids["deviation"])
            .order_by(AuditEntry.id)
        ).all()


# --- Who sees the page ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    ["staff", "kommun_coordinator", "region_coordinator", "chair", "secretary", "member", "admin"],
)
def test_everyone_involved_sees_the_case(client, auth, cw, role):
    login(auth, role)
    response = client.get(url(cw))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "AV-2026-0001" in page
    assert "Patienten kom hem utan att hemsjukvården fått information." in page
    assert "Hemtjänst, Testby kommun" in page  # the reporting unit is always shown


@pytest.mark.parametrize("role", ["lsvo_member", "outsider"])
def test_the_case_does_not_exist_for_others(client, auth, cw, role):
    login(auth, role)
    assert client.get(url(cw)).status_code == 404
    assert client.post(url(cw, "/kommentarer"), data={}).status_code == 404


def test_lsvo_sees_the_case_once_handed_over(app, client, auth, cw):
    to_preparation(app, cw)
    run_service(app, cw, workflow.hand_over, reason="Återkommande i länet.", actor="chair")
    login(auth, "lsvo_member")
    assert client.get(url(cw)).status_code == 200


@pytest.mark.parametrize(
    ("role", "sees_name"),
    [
        ("staff", True),
        ("kommun_coordinator", True),
        ("region_coordinator", False),
        ("chair", False),
    ],
)
def test_the_reporters_name_stays_in_the_reporting_organization(client, auth, cw, role, sees_name):
    login(auth, role)
    page = client.get(url(cw)).get_data(as_text=True)
    assert ("Stina Personal" in page) is sees_name
    if not sees_name:
        assert "Rapportören, Testby kommun" in page  # the timeline names the organization


def test_steps_are_shown_only_to_whom_the_policy_allows(client, auth, cw):
    login(auth, "secretary")
    page = client.get(url(cw)).get_data(as_text=True)
    assert f'action="{url(cw, "/begar-svar")}"' in page
    assert 'href="#steg-sortera"' in page  # the main next step is linked on top
    login(auth, "member")
    page = client.get(url(cw)).get_data(as_text=True)
    assert "begar-svar" not in page
    assert "Hantera ärendet" not in page


# --- Triage -----------------------------------------------------------------------------------


def test_confirm_group(app, client, auth, cw):
    login(auth, "secretary")
    response = client.post(url(cw, "/bekrafta-grupp"), data={"triage_confirm-version": "1"})
    assert response.status_code == 302
    assert response.headers["Location"] == url(cw)
    assert case(app, cw)["events"][-1] is EventKind.ROUTED
    page = client.get(url(cw)).get_data(as_text=True)
    assert "Gruppen är bekräftad." in page
    assert "Gruppen bekräftades 2026-11-23." in page


def test_reroute_moves_the_case_out_of_sight(app, client, auth, cw):
    login(auth, "secretary")
    response = client.post(
        url(cw, "/styr-om"),
        data={
            "reroute-version": "1",
            "reroute-group": str(cw["adults"]),
            "reroute-reason": "Gäller en vuxen.",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"  # no longer the secretary's group's case
    assert case(app, cw)["group_id"] == cw["adults"]
    login(auth, "admin")
    page = client.get(url(cw)).get_data(as_text=True)
    assert "Styrd om från Samverkansgrupp Äldre till Samverkansgrupp Vuxna" in page
    assert "Gäller en vuxen." in page


def test_share(app, client, auth, cw):
    login(auth, "chair")
    response = client.post(
        url(cw, "/dela"),
        data={"share-version": "1", "share-group": str(cw["adults"]), "share-reason": "Båda."},
    )
    assert response.status_code == 302
    assert case(app, cw)["shares"] == [cw["adults"]]


def test_not_collaboration(app, client, auth, cw):
    login(auth, "secretary")
    response = client.post(
        url(cw, "/ej-samverkan"),
        data={
            "not_collaboration-version": "1",
            "not_collaboration-reason": "Gäller bara kommunens egen verksamhet.",
            "not_collaboration-report_instead": "Kommunens interna avvikelsesystem.",
        },
    )
    assert response.status_code == 302
    assert case(app, cw)["state"] is DeviationState.NOT_COLLABORATION
    page = client.get(url(cw)).get_data(as_text=True)
    assert "Kommunens interna avvikelsesystem." in page


def test_duplicate_of_a_visible_case(app, client, auth, cw):
    with app.app_context():
        original = workflow.submit_deviation(
            factories.report(
                [db.session.get(Organization, cw["regionorg"])],
                db.session.get(Category, cw["category"]),
            ),
            actor=db.session.get(User, cw["staff"]),
            now=dates.now(),
        )
        db.session.commit()
        original_id = original.id
    login(auth, "secretary")
    response = client.post(
        url(cw, "/dubblett"), data={"duplicate-version": "1", "duplicate-number": "av-2026-0002"}
    )
    assert response.status_code == 302
    snapshot = case(app, cw)
    assert snapshot["state"] is DeviationState.CLOSED
    assert snapshot["duplicate_of_id"] == original_id


def test_duplicate_of_an_unknown_number_is_a_field_error(app, client, auth, cw):
    login(auth, "secretary")
    response = client.post(
        url(cw, "/dubblett"), data={"duplicate-version": "1", "duplicate-number": "AV-2026-0099"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Det finns inget ärende AV-2026-0099 som du kan se." in page
    assert 'value="AV-2026-0099"' in page
    assert '<details class="step" id="steg-dubblett" open>' in page
    assert case(app, cw)["state"] is DeviationState.SUBMITTED


def test_request_answers(app, client, auth, cw):
    login(auth, "secretary")
    page = client.get(url(cw)).get_data(as_text=True)
    assert 'value="2026-12-21"' in page  # today + the region's 28 days
    response = client.post(
        url(cw, "/begar-svar"),
        data={"request_answers-version": "1", "request_answers-due_on": "2026-12-14"},
    )
    assert response.status_code == 302
    with app.app_context():
        deviation = db.session.get(Deviation, cw["deviation"])
        assert deviation.state is DeviationState.AWAITING_ANSWERS
        assert deviation.answer_due_on == date(2026, 12, 14)


def test_reclassify_shows_old_and_new_on_the_timeline(app, client, auth, cw):
    with app.app_context():
        region = db.session.get(Region, cw["region"])
        other_id = factories.create_category(region, "Läkemedel", 2).id
        db.session.commit()
    login(auth, "secretary")
    response = client.post(
        url(cw, "/klassning"),
        data={
            "reclassify-version": "1",
            "reclassify-category_id": str(other_id),
            "reclassify-process_id": "",
            "reclassify-probability": "4",
            "reclassify-consequence": "3",
        },
    )
    assert response.status_code == 302
    assert case(app, cw)["probability"] == 4
    page = client.get(url(cw)).get_data(as_text=True)
    assert "Kategori: Informationsöverföring → Läkemedel" in page
    assert "Sannolikhet: 3 → 4" in page


# --- Answers ----------------------------------------------------------------------------------


def answer_data(org_id, version, what="Meddelandet skickades inte."):
    prefix = f"answer-{org_id}"
    return {
        f"{prefix}-version": str(version),
        f"{prefix}-what_happened": what,
        f"{prefix}-cause": "Ny rutin",
        f"{prefix}-measures": "Utbildning",
    }


def test_answer_moves_the_case_to_preparation(app, client, auth, cw):
    to_awaiting_answers(app, cw)
    login(auth, "region_coordinator")
    page = client.get(url(cw)).get_data(as_text=True)
    assert f'action="{url(cw, "/svar/")}{cw["regionorg"]}"' in page
    version = case(app, cw)["version"]
    response = client.post(
        url(cw, f"/svar/{cw['regionorg']}"), data=answer_data(cw["regionorg"], version)
    )
    assert response.status_code == 302
    assert case(app, cw)["state"] is DeviationState.IN_PREPARATION
    page = client.get(url(cw)).get_data(as_text=True)
    assert "Meddelandet skickades inte." in page
    assert "Har svarat" in page


def test_answer_with_a_personal_identity_number_is_refused_on_the_field(app, client, auth, cw):
    to_awaiting_answers(app, cw)
    login(auth, "region_coordinator")
    version = case(app, cw)["version"]
    typed = f"Gäller patienten {PERSONAL_IDENTITY_NUMBER} som skrevs ut."
    response = client.post(
        url(cw, f"/svar/{cw['regionorg']}"), data=answer_data(cw["regionorg"], version, typed)
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    field_error = page.split(f'id="answer-{cw["regionorg"]}-what_happened-error"')[1]
    assert "ser ut som ett personnummer" in field_error.split("</p>")[0]
    assert typed in page  # kept, so the user can remove just the number
    assert "Ny rutin" in page
    assert case(app, cw)["state"] is DeviationState.AWAITING_ANSWERS


def test_answer_for_another_organization_is_forbidden(app, client, auth, cw):
    to_awaiting_answers(app, cw)
    login(auth, "kommun_coordinator")
    response = client.post(
        url(cw, f"/svar/{cw['regionorg']}"), data=answer_data(cw["regionorg"], 2)
    )
    assert response.status_code == 403


def test_pass_on(app, client, auth, cw):
    to_awaiting_answers(app, cw)
    login(auth, "region_coordinator")
    prefix = f"pass_on-{cw['regionorg']}"
    response = client.post(
        url(cw, f"/skicka-vidare/{cw['regionorg']}"),
        data={
            f"{prefix}-version": str(case(app, cw)["version"]),
            f"{prefix}-organization": str(cw["kommun"]),
            f"{prefix}-reason": "Gäller kommunens hemsjukvård.",
        },
    )
    assert response.status_code == 302
    concerned = case(app, cw)["concerned"]
    assert concerned[cw["regionorg"]].status is ConcernedStatus.PASSED_ON
    assert concerned[cw["kommun"]].status is ConcernedStatus.PENDING
    page = client.get(url(cw)).get_data(as_text=True)
    assert "Skickat vidare till Testby kommun av Rut Samordnare." in page
    assert "Gäller kommunens hemsjukvård." in page


def test_ivo_decision_is_highlighted_for_the_coordinator_and_recorded(app, client, auth, cw):
    with app.app_context():
        db.session.get(Deviation, cw["deviation"]).possible_serious = True
        db.session.commit()
    login(auth, "region_coordinator")
    page = client.get(url(cw)).get_data(as_text=True)
    assert "Anmälan till IVO för Region Test" in page
    assert f'href="#steg-ivo-{cw["regionorg"]}"' in page
    prefix = f"ivo_decision-{cw['regionorg']}"
    response = client.post(
        url(cw, f"/ivo/{cw['regionorg']}"),
        data={
            f"{prefix}-version": str(case(app, cw)["version"]),
            f"{prefix}-reported": "no",
            f"{prefix}-reason": "Ingen vårdskada uppstod.",
        },
    )
    assert response.status_code == 302
    concerned = case(app, cw)["concerned"][cw["regionorg"]]
    assert concerned.ivo_reported is False
    page = client.get(url(cw)).get_data(as_text=True)
    assert "Anmäls inte till IVO." in page
    assert "Anmälan till IVO för Region Test" not in page  # decided: no form any more


# --- Preparation, decision, hand-over, actions, closing --------------------------------------


def test_start_preparation_after_the_deadline(app, client, auth, cw, clock):
    with app.app_context():
        deviation = db.session.get(Deviation, cw["deviation"])
        deviation.concerned.append(
            ConcernedOrganization(organization=db.session.get(Organization, cw["kommun"]))
        )
        db.session.commit()
    to_awaiting_answers(app, cw, due_on=date(2026, 12, 1))
    login(auth, "chair")
    assert "Väntar på svar" in client.get(url(cw)).get_data(as_text=True)
    clock.set(NOW + timedelta(days=9))
    page = client.get(url(cw)).get_data(as_text=True)
    assert "Försenat" in page
    assert "Svarstiden gick ut 2026-12-01. 0 av 2 organisationer har svarat." in page
    response = client.post(
        url(cw, "/beredning"), data={"start_preparation-version": str(case(app, cw)["version"])}
    )
    assert response.status_code == 302
    assert case(app, cw)["state"] is DeviationState.IN_PREPARATION


def test_decide(app, client, auth, cw):
    to_preparation(app, cw)
    login(auth, "chair")
    response = client.post(
        url(cw, "/beslut"),
        data={"decide-version": str(case(app, cw)["version"]), "decide-decision": "Checklista."},
    )
    assert response.status_code == 302
    snapshot = case(app, cw)
    assert snapshot["state"] is DeviationState.ACTIONS
    assert snapshot["decision"] == "Checklista."


def test_hand_over_and_lsvo_decision(app, client, auth, cw):
    to_preparation(app, cw)
    login(auth, "secretary")
    response = client.post(
        url(cw, "/overlamna"),
        data={"hand_over-version": str(case(app, cw)["version"]), "hand_over-reason": "Generell."},
    )
    assert response.status_code == 302
    assert case(app, cw)["state"] is DeviationState.ESCALATED
    assert "Hos LSVO" in client.get(url(cw)).get_data(as_text=True)
    login(auth, "lsvo_chair")
    page = client.get(url(cw)).get_data(as_text=True)
    assert "LSVO:s beslut" in page
    response = client.post(
        url(cw, "/beslut"),
        data={"decide-version": str(case(app, cw)["version"]), "decide-decision": "Länsrutin."},
    )
    assert response.status_code == 302
    assert case(app, cw)["state"] is DeviationState.ACTIONS


def test_hand_over_with_a_presentation_validates_in_swedish_keeping_the_input(
    app, client, auth, cw
):
    to_preparation(app, cw)
    login(auth, "secretary")
    path = f"/aterkommande/arende/{cw['deviation']}/overlamna"
    assert "novalidate" in client.get(path).get_data(as_text=True)
    response = client.post(
        path, data={"title": "x" * 201, "background": "Tre kommuner berörs.", "proposal": ""}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Högst 200 tecken." in page
    assert "Skriv förslag till beslut." in page
    assert "Tre kommuner berörs." in page
    assert case(app, cw)["state"] is DeviationState.IN_PREPARATION


def test_add_action_change_status_follow_up_and_close(app, client, auth, cw):
    to_actions(app, cw)
    login(auth, "secretary")
    response = client.post(
        url(cw, "/atgarder"),
        data={
            "add_action-version": str(case(app, cw)["version"]),
            "add_action-description": "Ta fram checklista",
            "add_action-owner": f"group:{cw['group']}",
            "add_action-due_on": "2027-01-31",
        },
    )
    assert response.status_code == 302
    [(action_id, status, description)] = case(app, cw)["actions"]
    assert (status, description) == (ActionStatus.PLANNED, "Ta fram checklista")
    with app.app_context():
        assert db.session.get(Action, action_id).owner_group_id == cw["group"]

    prefix = f"action_status-{action_id}"
    response = client.post(
        url(cw, f"/atgarder/{action_id}/status"),
        data={f"{prefix}-version": str(case(app, cw)["version"]), f"{prefix}-status": "done"},
    )
    assert response.status_code == 302
    assert case(app, cw)["actions"][0][1] is ActionStatus.DONE

    response = client.post(
        url(cw, "/uppfoljning"), data={"start_follow_up-version": str(case(app, cw)["version"])}
    )
    assert response.status_code == 302
    assert case(app, cw)["state"] is DeviationState.FOLLOW_UP

    response = client.post(
        url(cw, "/avsluta"),
        data={
            "close-version": str(case(app, cw)["version"]),
            "close-evaluation": "Inga nya avvikelser.",
            "close-summary": "Checklistan används nu av alla.",
        },
    )
    assert response.status_code == 302
    assert case(app, cw)["state"] is DeviationState.CLOSED
    page = client.get(url(cw)).get_data(as_text=True)
    assert "Checklistan används nu av alla." in page
    assert "Avsluta: Uppföljning → Avslutad" in page


def test_action_of_another_case_is_not_found(app, client, auth, cw):
    to_actions(app, cw)
    login(auth, "secretary")
    response = client.post(url(cw, "/atgarder/999/status"), data={})
    assert response.status_code == 404


def test_follow_up_with_open_actions_is_refused_with_the_reason(app, client, auth, cw):
    to_actions(app, cw)
    add_action(app, cw)
    login(auth, "chair")
    response = client.post(
        url(cw, "/uppfoljning"), data={"start_follow_up-version": str(case(app, cw)["version"])}
    )
    assert response.status_code == 422
    assert "Alla åtgärder måste vara klara eller avbrutna" in response.get_data(as_text=True)
    assert case(app, cw)["state"] is DeviationState.ACTIONS


def test_comment(app, client, auth, cw):
    login(auth, "region_coordinator")
    response = client.post(
        url(cw, "/kommentarer"),
        data={"comment-version": "1", "comment-comment": "Vi tittar på det."},
    )
    assert response.status_code == 302
    assert case(app, cw)["events"][-1] is EventKind.COMMENT
    page = client.get(url(cw)).get_data(as_text=True)
    assert "Vi tittar på det." in page
    assert "Rut Samordnare, Region Test" in page


# --- Refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "path", "data"),
    [
        ("member", "/begar-svar", {"request_answers-version": "1"}),
        ("region_coordinator", "/ej-samverkan", {"not_collaboration-version": "1"}),
        ("staff", "/kommentarer", {"comment-version": "1", "comment-comment": "Hej"}),
        ("admin", "/bekrafta-grupp", {"triage_confirm-version": "1"}),
        ("kommun_coordinator", "/beslut", {"decide-version": "1", "decide-decision": "x"}),
    ],
)
def test_a_step_the_user_may_not_take_is_forbidden(app, client, auth, cw, role, path, data):
    login(auth, role)
    assert client.post(url(cw, path), data=data).status_code == 403
    assert case(app, cw)["state"] is DeviationState.SUBMITTED


def test_a_step_in_the_wrong_state_is_refused_with_the_reason(app, client, auth, cw):
    login(auth, "chair")
    response = client.post(
        url(cw, "/avsluta"),
        data={"close-version": "1", "close-evaluation": "Bra.", "close-summary": "Klart."},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Steget ”Avsluta” går inte när ärendet har status ”Inkommen”." in page
    assert "Det du skrev sparades inte" in page  # the step is not on the page: the text is kept
    assert "Klart." in page


def test_form_errors_keep_what_was_typed(app, client, auth, cw):
    login(auth, "secretary")
    response = client.post(
        url(cw, "/ej-samverkan"),
        data={
            "not_collaboration-version": "1",
            "not_collaboration-reason": "Gäller bara kommunen internt.",
            "not_collaboration-report_instead": "",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Formuläret behöver rättas" in page
    assert "Skriv var rapportören ska rapportera i stället." in page
    assert "Gäller bara kommunen internt." in page
    assert '<details class="step" id="steg-ej-samverkan" open>' in page
    assert case(app, cw)["state"] is DeviationState.SUBMITTED


def test_a_stale_edit_is_refused_and_keeps_the_input(app, client, auth, cw):
    login(auth, "secretary")
    client.get(url(cw))  # the page shows version 1
    run_service(app, cw, workflow.confirm_group, actor="chair")  # meanwhile: version 2
    response = client.post(
        url(cw, "/ej-samverkan"),
        data={
            "not_collaboration-version": "1",
            "not_collaboration-reason": "Intern händelse i kommunen.",
            "not_collaboration-report_instead": "Kommunens eget system.",
        },
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert STALE_MESSAGE in page
    assert "Intern händelse i kommunen." in page
    assert 'name="not_collaboration-version" type="hidden" value="2"' in page
    assert "Gruppen bekräftades" in page  # the current case is shown
    snapshot = case(app, cw)
    assert snapshot["state"] is DeviationState.SUBMITTED
    assert snapshot["version"] == 2


def test_a_concurrent_write_at_flush_is_a_stale_edit_too(app, client, auth, cw, monkeypatch):
    """Two requests that both read version 1: the loser's UPDATE finds no row (StaleDataError)."""
    original = workflow.add_comment

    def racing(deviation, *args, **kwargs):
        db.session.execute(update(Deviation).where(Deviation.id == deviation.id).values(version=99))
        return original(deviation, *args, **kwargs)

    monkeypatch.setattr(workflow, "add_comment", racing)
    login(auth, "secretary")
    response = client.post(
        url(cw, "/kommentarer"), data={"comment-version": "1", "comment-comment": "Samtidigt."}
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert STALE_MESSAGE in page
    assert "Samtidigt." in page
    assert EventKind.COMMENT not in case(app, cw)["events"]


def test_a_stale_answer_after_the_case_moved_on_keeps_the_text(app, client, auth, cw, clock):
    with app.app_context():
        deviation = db.session.get(Deviation, cw["deviation"])
        deviation.concerned.append(
            ConcernedOrganization(organization=db.session.get(Organization, cw["kommun"]))
        )
        db.session.commit()
    to_awaiting_answers(app, cw, due_on=date(2026, 12, 1))
    clock.set(NOW + timedelta(days=9))
    login(auth, "region_coordinator")
    version = case(app, cw)["version"]
    with app.app_context():  # meanwhile the chair moves on without the missing answers
        deviation = db.session.get(Deviation, cw["deviation"])
        chair = db.session.get(User, cw["chair"])
        workflow.start_preparation(deviation, actor=chair, now=clock())
        db.session.commit()
    response = client.post(
        url(cw, f"/svar/{cw['regionorg']}"),
        data=answer_data(cw["regionorg"], version, "Vårt långa svar."),
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert STALE_MESSAGE in page
    assert "Det du skrev sparades inte" in page
    assert "Vårt långa svar." in page
    assert case(app, cw)["state"] is DeviationState.IN_PREPARATION


# --- Audit log and query count ----------------------------------------------------------------


def test_every_read_and_change_is_logged(app, client, auth, cw):
    login(auth, "secretary")
    client.get(url(cw))
    client.post(url(cw, "/bekrafta-grupp"), data={"triage_confirm-version": "1"})
    client.get(url(cw))
    client.post(
        url(cw, "/begar-svar"),
        data={"request_answers-version": "2", "request_answers-due_on": "2026-12-21"},
    )
    client.post(url(cw, "/kommentarer"), data={"comment-version": "3", "comment-comment": ""})
    assert audit_actions(app, cw) == ["view", "triage_confirm", "view", "request_answers", "view"]
    login(auth, "admin")
    client.get(url(cw))
    with app.app_context():
        last = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (last.action, last.user_id, last.as_administrator) == ("view", cw["admin"], True)


@contextmanager
def count_statements(app):
    with app.app_context():
        target = db.engines[None]
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(target, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(target, "before_cursor_execute", count)


def test_the_page_costs_the_same_queries_for_a_long_case(app, client, auth, cw):
    """3 events against 40+, with new people, organizations and owners: nothing lazy-loads."""
    to_actions(app, cw)
    add_action(app, cw)
    run_service(app, cw, workflow.add_comment, "Första kommentaren", actor="secretary")
    login(auth, "secretary")
    with count_statements(app) as short:
        assert client.get(url(cw)).status_code == 200

    with app.app_context():
        deviation = db.session.get(Deviation, cw["deviation"])
        region = db.session.get(Region, cw["region"])
        regionorg = db.session.get(Organization, cw["regionorg"])
        for number in range(9):
            organization = factories.create_organization(region, f"Kommun {number}")
            person = factories.create_user(organization, f"person{number}@test.example")
            factories.make_coordinator(person, regionorg)
            workflow.add_action(
                deviation,
                description=f"Åtgärd {number}",
                due_on=date(2026, 11, 30),
                owner_organization=organization,
                owner_group=None,
                actor=db.session.get(User, cw["secretary"]),
                now=dates.now(),
            )
            for comment in range(3):
                workflow.add_comment(
                    deviation, f"Kommentar {comment}", actor=person, now=dates.now()
                )
        db.session.commit()
        assert len(deviation.events) > 40
    with count_statements(app) as long:
        page = client.get(url(cw)).get_data(as_text=True)
    assert "Person8, Kommun 8" in page
    assert len(long) == len(short), "\n".join(long)


def test_region_groups_are_offered_as_action_owners(app, client, auth, cw):
    to_actions(app, cw)
    login(auth, "secretary")
    page = client.get(url(cw)).get_data(as_text=True)
    assert f'value="group:{cw["adults"]}"' in page
    assert f'value="organization:{cw["kommun"]}"' in page


def walk(app, ids, state):
    """Bring the case to `state` with the services, the way the people involved would."""
    with app.app_context():
        db.session.get(Deviation, ids["deviation"]).possible_serious = True
        db.session.commit()
    if state == "not_collaboration":
        run_service(
            app,
            ids,
            workflow.mark_not_collaboration,
            reason="Intern.",
            report_instead="Eget system.",
            actor="secretary",
        )
        return
    if state == "submitted":
        return
    if state == "awaiting_answers":
        to_awaiting_answers(app, ids)
        return
    to_preparation(app, ids)
    if state == "in_preparation":
        return
    if state == "escalated":
        run_service(app, ids, workflow.hand_over, reason="Generell.", actor="chair")
        return
    run_service(app, ids, workflow.decide, decision="Checklista.", actor="chair")
    action_id = add_action(app, ids)
    if state == "actions":
        return
    with app.app_context():
        action = db.session.get(Action, action_id)
        workflow.set_action_status(
            action, ActionStatus.DONE, actor=db.session.get(User, ids["chair"]), now=dates.now()
        )
        db.session.commit()
    run_service(app, ids, workflow.start_follow_up, actor="chair")
    if state == "follow_up":
        return
    run_service(app, ids, workflow.close, evaluation="Bra.", summary="Klart.", actor="chair")


@pytest.mark.parametrize("state", [s.value for s in DeviationState])
def test_the_page_renders_for_every_role_in_every_state(app, client, auth, cw, state):
    walk(app, cw, state)
    assert case(app, cw)["state"].value == state
    handed_over = state == "escalated"  # the other states are reached without LSVO here
    for role in EMAILS:
        login(auth, role)
        status = client.get(url(cw)).status_code
        if role == "outsider" or (role.startswith("lsvo") and not handed_over):
            assert status == 404, role
        else:
            assert status == 200, role
