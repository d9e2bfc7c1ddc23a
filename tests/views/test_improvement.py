"""Improvement views: per-role access (404 for what a user may not see, 403 for readers who may
not act), bad input (422, Swedish message, input kept) and the happy paths."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from avvikelse.extensions import db
from avvikelse.models import (
    Decision,
    DecisionOutcome,
    Deviation,
    Direction,
    EffortKind,
    ImprovementEffort,
    ImprovementProposal,
    MatterKind,
    Meeting,
    Process,
    ProcessGoal,
    ProposalStatus,
    RaisedBy,
    User,
)
from avvikelse.services import clusters, meetings
from avvikelse.services import improvement as service
from avvikelse.services.dates import local_today

from .. import factories

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.clock(NOW)


@pytest.fixture
def w(app):
    """case_world plus a county-wide process owned by LSVO with a goal, and one effort."""
    with app.test_request_context():
        world = factories.case_world()
        lsvo_secretary = factories.create_user(world["regionorg"], "lsvo.sekr@test.example")
        factories.add_member(world["lsvo"], lsvo_secretary, factories.MembershipRole.SECRETARY)
        other_region = factories.create_region("annan", "Annan region")
        stranger_org = factories.create_organization(other_region, "Annan kommun")
        stranger = factories.create_user(stranger_org, "stranger@annan.example")
        process = Process(
            region_id=world["region"].id, name="Trygg utskrivning", owner_group=world["lsvo"]
        )
        foreign = Process(region_id=other_region.id, name="Främmande process")
        db.session.add_all([process, foreign])
        db.session.flush()
        goal = ProcessGoal(process=process, text="Alla kommer hem med läkemedelslista.")
        db.session.add(goal)
        db.session.flush()
        effort = service.start_effort(
            title="Läkemedelslistan följer med",
            kind=EffortKind.SMALL_ADJUSTMENT,
            owner_group=world["group"],
            deviation=world["deviation"],
            actor=world["chair"],
            now=NOW,
        )
        db.session.commit()
        users = {
            name: world[name].email
            for name in (
                "staff",
                "chair",
                "secretary",
                "member",
                "admin",
                "lsvo_chair",
                "lsvo_member",
                "kommun_coordinator",
            )
        }
        users.update(lsvo_secretary=lsvo_secretary.email, stranger=stranger.email)
        return {
            "users": users,
            "effort": effort.id,
            "process": process.id,
            "foreign": foreign.id,
            "goal": goal.id,
            "deviation": world["deviation"].id,
        }


def login(auth, w, role):
    auth.logout()
    auth.login(w["users"][role])


# --- Efforts -----------------------------------------------------------------------------------

EFFORT_READERS = {"chair": 200, "secretary": 200, "member": 200, "admin": 200}
EFFORT_HIDDEN = ("staff", "lsvo_member", "kommun_coordinator", "stranger")


@pytest.mark.parametrize("role", sorted(EFFORT_READERS))
def test_effort_page_for_group_members_and_admin(client, auth, w, role):
    login(auth, w, role)
    response = client.get(f"/forbattring/{w['effort']}")
    assert response.status_code == 200
    assert "Läkemedelslistan följer med" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", EFFORT_HIDDEN)
def test_effort_is_404_for_outsiders_on_every_route(client, auth, w, role):
    login(auth, w, role)
    e = w["effort"]
    assert client.get(f"/forbattring/{e}").status_code == 404
    for path in ("plan", "fyra-fragor", "indikatorer", "atgarder", "status"):
        assert client.post(f"/forbattring/{e}/{path}", data={}).status_code == 404, path


def test_member_reads_but_may_not_act(client, auth, w):
    login(auth, w, "member")
    page = client.get(f"/forbattring/{w['effort']}").get_data(as_text=True)
    assert "Spara svaren" not in page
    response = client.post(
        f"/forbattring/{w['effort']}/fyra-fragor", data={"questions-current_state": "x"}
    )
    assert response.status_code == 403


def test_four_questions_bad_input_is_kept_with_a_swedish_error(client, auth, w):
    login(auth, w, "chair")
    response = client.post(
        f"/forbattring/{w['effort']}/fyra-fragor",
        data={
            "questions-current_state": "Patienten 19121212-1212 fick ingen lista.",
            "questions-version": "0",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "personnummer" in page
    assert "Patienten 19121212-1212 fick ingen lista." in page
    empty = client.post(f"/forbattring/{w['effort']}/fyra-fragor", data={"questions-version": "0"})
    assert empty.status_code == 422
    assert "Besvara minst en av de fyra frågorna." in empty.get_data(as_text=True)


def test_measurements_with_a_bad_line_are_refused_and_kept(client, auth, w, app):
    login(auth, w, "chair")
    response = client.post(
        f"/forbattring/{w['effort']}/indikatorer",
        data={
            "indicator-name": "Utskrivningar utan lista",
            "indicator-unit": "antal",
            "indicator-direction": "lower_is_better",
            "indicator-baseline": "tolv",
            "indicator-frequency": "monthly",
            "indicator-source": "manual",
        },
    )
    assert response.status_code == 422
    assert "Skriv ett tal, t.ex. 12 eller 12,5." in response.get_data(as_text=True)
    assert 'value="tolv"' in response.get_data(as_text=True)
    response = client.post(
        f"/forbattring/{w['effort']}/indikatorer",
        data={
            "indicator-name": "Utskrivningar utan lista",
            "indicator-unit": "antal",
            "indicator-direction": "lower_is_better",
            "indicator-baseline": "12,5",
            "indicator-frequency": "monthly",
            "indicator-source": "manual",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        indicator = db.session.get(ImprovementEffort, w["effort"]).indicators[0]
        assert indicator.baseline == 12.5
        indicator_id = indicator.id
    url = f"/forbattring/{w['effort']}/indikatorer/{indicator_id}/matvarden"
    typed = "2026-01 12\n2026-02 tolv"
    response = client.post(url, data={f"measure-{indicator_id}-values": typed})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Rad 2: skriv period och värde" in page
    assert "2026-02 tolv" in page
    response = client.post(url, data={f"measure-{indicator_id}-values": "2026-01 12\n2026-02 9,5"})
    assert response.status_code == 302
    page = client.get(f"/forbattring/{w['effort']}").get_data(as_text=True)
    assert "<svg" in page
    assert "För få mätpunkter" in page


def test_status_rule_is_explained(client, auth, w):
    login(auth, w, "chair")
    client.post(f"/forbattring/{w['effort']}/status", data={"status-target": "ongoing"})
    response = client.post(
        f"/forbattring/{w['effort']}/status", data={"status-target": "evaluating"}
    )
    assert response.status_code == 422
    assert "Lägg till minst en indikator" in response.get_data(as_text=True)


def test_starting_an_effort_from_a_case(client, auth, w):
    login(auth, w, "chair")
    form = client.get(f"/forbattring/nytt?avvikelse={w['deviation']}")
    assert form.status_code == 200
    assert "Utgår från avvikelsen" in form.get_data(as_text=True)
    bad = client.post(
        "/forbattring/nytt",
        data={
            "effort-title": "Checklista",
            "effort-kind": "development_effort",
            "effort-deviation": str(w["deviation"]),
        },
    )
    assert bad.status_code == 422
    assert "Välj grupp." in bad.get_data(as_text=True)
    assert 'value="Checklista"' in bad.get_data(as_text=True)


@pytest.mark.parametrize("role", ["member", "staff"])
def test_new_effort_is_hidden_from_those_who_manage_no_group(client, auth, w, role):
    login(auth, w, role)
    assert client.get("/forbattring/nytt").status_code == 404


def test_case_questions_page(client, auth, w):
    url = f"/forbattring/avvikelse/{w['deviation']}/fyra-fragor"
    login(auth, w, "staff")  # the reporter reads, may not write
    assert client.get(url).status_code == 200
    assert client.post(url, data={"current_state": "x"}).status_code == 403
    login(auth, w, "lsvo_member")  # cannot see the case
    assert client.get(url).status_code == 404
    login(auth, w, "secretary")
    response = client.post(
        url, data={"measurement": "Räkna utskrivningar utan lista.", "version": "0"}
    )
    assert response.status_code == 302
    page = client.get(f"/avvikelser/{w['deviation']}").get_data(as_text=True)
    assert "De fyra frågorna: 1 av 4 besvarade." in page
    assert "Läkemedelslistan följer med" in page


# --- Processes and the processråd -------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "member", "lsvo_member", "kommun_coordinator"])
def test_every_account_of_the_region_reads_a_process_and_may_propose(client, auth, w, role, app):
    login(auth, w, role)
    page = client.get(f"/processer/{w['process']}")
    assert page.status_code == 200
    assert "Lämna förbättringsförslag" in page.get_data(as_text=True)
    response = client.post(
        f"/processer/{w['process']}/forslag", data={"proposal-text": f"Förslag från {role}"}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(
            db.select(ImprovementProposal).where(ImprovementProposal.text == f"Förslag från {role}")
        )


def test_a_process_of_another_region_does_not_exist(client, auth, w):
    login(auth, w, "staff")
    assert client.get(f"/processer/{w['foreign']}").status_code == 404
    login(auth, w, "stranger")
    assert client.get(f"/processer/{w['process']}").status_code == 404
    assert client.get(f"/processer/{w['process']}/processrad").status_code == 404


def test_empty_proposal_is_refused_in_swedish(client, auth, w):
    login(auth, w, "staff")
    response = client.post(f"/processer/{w['process']}/forslag", data={"proposal-text": "  "})
    assert response.status_code == 422
    assert "Skriv ditt förslag." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("lsvo_chair", 200),
        ("lsvo_secretary", 200),
        ("lsvo_member", 200),
        ("admin", 200),
        ("chair", 404),  # chair of a samverkansgrupp, not of the process's forum
        ("staff", 404),
        ("kommun_coordinator", 404),
    ],
)
def test_council_page_per_role(client, auth, w, role, status):
    login(auth, w, role)
    assert client.get(f"/processer/{w['process']}/processrad").status_code == status


@pytest.mark.parametrize("role", ["lsvo_member", "admin"])
def test_council_readers_may_not_act(client, auth, w, role):
    login(auth, w, role)
    base = f"/processer/{w['process']}/processrad"
    for path in ("mal", "underhall", "kontroller", "uppfoljning"):
        assert client.post(f"{base}/{path}", data={}).status_code == 403, path


def test_triage_small_adjustment_and_the_proposer_sees_it(client, auth, w, app):
    login(auth, w, "staff")
    client.post(f"/processer/{w['process']}/forslag", data={"proposal-text": "Digital lista."})
    with app.app_context():
        proposal_id = db.session.scalar(db.select(ImprovementProposal.id))
    login(auth, w, "lsvo_chair")
    url = f"/processer/{w['process']}/processrad/forslag/proposal:{proposal_id}"
    prefix = f"triage-proposal_{proposal_id}"
    bad = client.post(url, data={f"{prefix}-item": "x", f"{prefix}-outcome": "small_adjustment"})
    assert bad.status_code == 422
    assert "Skriv vad som justerades." in bad.get_data(as_text=True)
    ok = client.post(
        url,
        data={
            f"{prefix}-item": "x",
            f"{prefix}-outcome": "small_adjustment",
            f"{prefix}-note": "Listan skickas nu digitalt.",
        },
    )
    assert ok.status_code == 302
    with app.app_context():
        assert db.session.get(ImprovementProposal, proposal_id).status is (
            ProposalStatus.SMALL_ADJUSTMENT
        )
    login(auth, w, "staff")
    page = client.get("/forbattring/mina-forslag").get_data(as_text=True)
    assert "Genomfört som liten justering" in page
    assert "Listan skickas nu digitalt." in page
    login(auth, w, "lsvo_member")
    assert client.post(url, data={}).status_code == 403


def test_council_steps_with_bad_input(client, auth, w):
    login(auth, w, "lsvo_secretary")
    base = f"/processer/{w['process']}/processrad"
    response = client.post(
        f"{base}/kontroller",
        data={"check-checked_on": "2026-11-01", "check-method": "survey", "check-result": ""},
    )
    assert response.status_code == 422
    assert "Skriv resultatet av kontrollen." in response.get_data(as_text=True)
    assert 'value="2026-11-01"' in response.get_data(as_text=True)
    future = (local_today(NOW) + timedelta(days=30)).isoformat()
    response = client.post(
        f"{base}/underhall",
        data={"maintenance-done_on": future, "maintenance-description": "Ny roll"},
    )
    assert response.status_code == 422
    assert "framtiden" in response.get_data(as_text=True)
    assert "Ny roll" in response.get_data(as_text=True)


def test_goal_indicator_and_follow_up_matter(client, auth, w, app):
    with app.app_context():
        lsvo = db.session.get(Process, w["process"]).owner_group
        db.session.add(
            Meeting(
                group=lsvo,
                starts_at=NOW + timedelta(days=60),
                created_at=NOW,
            )
        )
        db.session.commit()
    login(auth, w, "lsvo_chair")
    base = f"/processer/{w['process']}/processrad"
    response = client.post(
        f"{base}/mal/{w['goal']}/indikatorer",
        data={
            f"indicator-{w['goal']}-name": "Andel med läkemedelslista",
            f"indicator-{w['goal']}-unit": "procent",
            f"indicator-{w['goal']}-direction": Direction.HIGHER_IS_BETTER.value,
            f"indicator-{w['goal']}-frequency": "monthly",
            f"indicator-{w['goal']}-source": "manual",
        },
    )
    assert response.status_code == 302
    response = client.post(f"{base}/uppfoljning", data={})
    assert response.status_code == 302
    page = client.get(base).get_data(as_text=True)
    assert "står på dagordningen för mötet" in page
    assert "Processuppföljningen står redan på dagordningen" in page
    assert "Andel med läkemedelslista" in page


def test_starting_an_effort_from_a_cluster_links_its_cases_and_answers(client, auth, w, app):
    with app.app_context():
        chair = db.session.scalar(db.select(User).where(User.email == w["users"]["chair"]))
        deviation = db.session.get(Deviation, w["deviation"])
        cluster = clusters.create_cluster(
            deviation.group,
            name="Läkemedelslistor saknas",
            description=None,
            deviations=[deviation],
            reason="Samma brist",
            actor=chair,
            now=NOW,
        )
        service.save_four_questions(
            cluster=cluster,
            answers={"current_state": "Listan skrivs ut för sent."},
            actor=chair,
            now=NOW,
        )
        db.session.commit()
        cluster_id = cluster.id
    login(auth, w, "chair")
    form = client.get(f"/forbattring/nytt?kluster={cluster_id}").get_data(as_text=True)
    assert "Utgår från klustret" in form
    assert 'value="Läkemedelslistor saknas"' in form
    group_id = None
    with app.app_context():
        group_id = db.session.get(Deviation, w["deviation"]).group_id
    done = client.post(
        "/forbattring/nytt",
        data={
            "effort-title": "Läkemedelslistor i tid",
            "effort-kind": "small_adjustment",
            "effort-owner_group": str(group_id),
            "effort-cluster": str(cluster_id),
        },
    )
    assert done.status_code == 302
    with app.app_context():
        effort = db.session.scalar(
            db.select(ImprovementEffort).where(ImprovementEffort.cluster_id == cluster_id)
        )
        assert [d.id for d in effort.deviations] == [w["deviation"]]
        assert effort.questions.current_state == "Listan skrivs ut för sent."
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Läkemedelslistor saknas" in page
    login(auth, w, "member")
    assert client.get(f"/forbattring/nytt?kluster={cluster_id}").status_code == 404
    login(auth, w, "secretary")
    assert client.get("/forbattring/nytt?kluster=99999").status_code == 404


def test_starting_an_effort_from_a_groups_decision(client, auth, w, app):
    with app.app_context():
        deviation = db.session.get(Deviation, w["deviation"])
        secretary = db.session.scalar(db.select(User).where(User.email == w["users"]["secretary"]))
        meeting = meetings.plan_meeting(
            deviation.group,
            day=date(2026, 12, 17),
            starts=time(13),
            ends=None,
            place=None,
            link=None,
            actor=secretary,
            now=NOW,
        )
        matter = meetings.raise_matter(
            meeting,
            kind=MatterKind.DEVIATION,
            raised_by=RaisedBy.SECRETARY,
            presentation=meetings.Presentation(title="Läkemedelslistan"),
            actor=secretary,
            now=NOW,
            deviation=deviation,
        )
        decision = Decision(
            matter=matter,
            outcome=DecisionOutcome.DECIDED,
            text="Ny rutin för listan.",
            decided_at=NOW,
            recorded_by=secretary,
            quorum={"met": True, "principals": []},
        )
        db.session.add(decision)
        db.session.commit()
        decision_id, group_id = decision.id, deviation.group_id
    login(auth, w, "chair")
    form = client.get(f"/forbattring/nytt?beslut={decision_id}").get_data(as_text=True)
    assert "Utgår från beslutet" in form
    assert "Ny rutin för listan." in form
    done = client.post(
        "/forbattring/nytt",
        data={
            "effort-title": "Rutin för läkemedelslistan",
            "effort-kind": "small_adjustment",
            "effort-owner_group": str(group_id),
            "effort-decision": str(decision_id),
        },
    )
    assert done.status_code == 302
    with app.app_context():
        effort = db.session.scalar(
            db.select(ImprovementEffort).where(ImprovementEffort.decision_id == decision_id)
        )
        assert [d.id for d in effort.deviations] == [w["deviation"]]
    login(auth, w, "member")
    assert client.get(f"/forbattring/nytt?beslut={decision_id}").status_code == 404
    login(auth, w, "lsvo_secretary")
    assert client.get(f"/forbattring/nytt?beslut={decision_id}").status_code == 404


def test_the_plan_changes_the_responsible_person_within_the_owner_group(client, auth, w, app):
    with app.app_context():
        effort = db.session.get(ImprovementEffort, w["effort"])
        member = db.session.scalar(db.select(User).where(User.email == w["users"]["member"]))
        outsider = db.session.scalar(db.select(User).where(User.email == w["users"]["staff"]))
        member_id, outsider_id = member.id, outsider.id
        assert effort.responsible.email == w["users"]["chair"]
    login(auth, w, "chair")
    url = f"/forbattring/{w['effort']}/plan"
    refused = client.post(
        url, data={"plan-title": "Läkemedelslistan följer med", "plan-responsible": outsider_id}
    )
    assert refused.status_code == 422
    assert 'value="Läkemedelslistan följer med"' in refused.get_data(as_text=True)
    done = client.post(
        url, data={"plan-title": "Läkemedelslistan följer med", "plan-responsible": member_id}
    )
    assert done.status_code == 302
    with app.app_context():
        effort = db.session.get(ImprovementEffort, w["effort"])
        assert effort.responsible_id == member_id
        assert "Ny ansvarig" in effort.events[-1].message


# --- Absurd measurement values ------------------------------------------------------------------


def _manual_indicator(app, w) -> int:
    with app.test_request_context():
        effort = db.session.get(ImprovementEffort, w["effort"])
        indicator = service.add_indicator(
            service.IndicatorSpec(name="Dagar", unit="dagar", direction=Direction.LOWER_IS_BETTER),
            effort=effort,
            actor=db.session.scalar(db.select(User).filter_by(email=w["users"]["chair"])),
            now=NOW,
        )
        db.session.commit()
        return indicator.id


def test_an_absurd_measurement_is_refused_and_kept(client, auth, w, app):
    indicator_id = _manual_indicator(app, w)
    login(auth, w, "chair")
    url = f"/forbattring/{w['effort']}/indikatorer/{indicator_id}/matvarden"
    typed = "2026-01 12\n2026-02 100000000000000000000000000"
    response = client.post(url, data={f"measure-{indicator_id}-values": typed})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Rad 2: värdet är orimligt stort." in page
    assert "2026-02 100000000000000000000000000" in page
    with app.app_context():
        assert db.session.get(ImprovementEffort, w["effort"]).indicators[0].measurements == []
    response = client.post(
        f"/forbattring/{w['effort']}/indikatorer",
        data={
            "indicator-name": "Väntetid",
            "indicator-unit": "dagar",
            "indicator-direction": "lower_is_better",
            "indicator-target": "-2 000 000 000",
            "indicator-frequency": "monthly",
            "indicator-source": "manual",
        },
    )
    assert response.status_code == 422
    assert "Talet är orimligt stort." in response.get_data(as_text=True)
    assert 'value="-2 000 000 000"' in response.get_data(as_text=True)


def test_the_service_refuses_an_absurd_value_too(app, w):
    indicator_id = _manual_indicator(app, w)
    with app.test_request_context():
        indicator = db.session.get(service.Indicator, indicator_id)
        chair = db.session.scalar(db.select(User).filter_by(email=w["users"]["chair"]))
        with pytest.raises(service.WorkflowError, match="orimligt stort"):
            service.record_measurements(indicator, [(date(2026, 1, 1), 1e26)], actor=chair, now=NOW)


def test_a_stored_huge_value_still_draws_the_effort_page(client, auth, w, app):
    """A value stored before the bound: the page answers with a bounded axis, not a hang."""
    indicator_id = _manual_indicator(app, w)
    with app.app_context():
        db.session.add_all(
            service.Measurement(
                indicator_id=indicator_id, period_start=date(2026, m, 1), value=v, recorded_at=NOW
            )
            for m, v in ((1, 3.0), (2, 1e26))
        )
        db.session.commit()
    login(auth, w, "chair")
    response = client.get(f"/forbattring/{w['effort']}")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count('class="rc-grid"') <= 8
