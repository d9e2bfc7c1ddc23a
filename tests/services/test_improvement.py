"""Improvement efforts' state rules, proposals and their triage, the processråd follow-up."""

from datetime import UTC, date, datetime, timedelta

import pytest

from avvikelse.extensions import db
from avvikelse.models import (
    ActionStatus,
    Direction,
    EffortKind,
    EffortStatus,
    Matter,
    MatterKind,
    Notification,
    Process,
    ProposalStatus,
)
from avvikelse.services import improvement as service
from avvikelse.services.errors import WorkflowError

from .. import factories

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.clock(NOW)


@pytest.fixture
def w(app):
    with app.test_request_context():
        world = factories.case_world()
        world["process"] = Process(
            region_id=world["region"].id,
            name="Trygg och säker utskrivning",
            owner_group=world["lsvo"],
        )
        db.session.add(world["process"])
        db.session.flush()
        yield world


def effort_of(w, **kwargs):
    return service.start_effort(
        title="Läkemedelslistan följer med",
        kind=EffortKind.SMALL_ADJUSTMENT,
        owner_group=w["group"],
        actor=w["chair"],
        now=NOW,
        **kwargs,
    )


def indicator_of(effort, w):
    return service.add_indicator(
        service.IndicatorSpec("Utskrivningar utan lista", "antal", Direction.LOWER_IS_BETTER),
        effort=effort,
        actor=w["chair"],
        now=NOW,
    )


def action_of(effort, w):
    return service.add_effort_action(
        effort,
        description="Ny rutin för läkemedelslistan",
        due_on=date(2026, 12, 31),
        owner_organization=w["regionorg"],
        owner_group=None,
        actor=w["chair"],
        now=NOW,
    )


def test_only_a_group_manager_starts_an_effort(w):
    with pytest.raises(WorkflowError, match="ordförande eller sekreterare"):
        service.start_effort(
            title="X",
            kind=EffortKind.SMALL_ADJUSTMENT,
            owner_group=w["group"],
            actor=w["member"],
            now=NOW,
        )


def test_development_effort_needs_purpose_and_goal(w):
    with pytest.raises(WorkflowError, match="syfte och mål"):
        service.start_effort(
            title="Projekt",
            kind=EffortKind.DEVELOPMENT_EFFORT,
            owner_group=w["group"],
            actor=w["chair"],
            now=NOW,
        )


def test_effort_from_a_case_takes_its_four_questions(w):
    service.save_four_questions(
        deviation=w["deviation"],
        answers={"current_state": "Listan saknas ofta."},
        actor=w["chair"],
        now=NOW,
    )
    effort = effort_of(w, deviation=w["deviation"])
    assert effort.deviations == [w["deviation"]]
    assert effort.questions.current_state == "Listan saknas ofta."
    assert effort.status is EffortStatus.PLANNED


def test_four_questions_refuse_all_blank_and_personal_numbers(w):
    effort = effort_of(w)
    with pytest.raises(WorkflowError, match="minst en"):
        service.save_four_questions(effort=effort, answers={}, actor=w["chair"], now=NOW)
    with pytest.raises(WorkflowError, match="personnummer"):
        service.save_four_questions(
            effort=effort,
            answers={"current_state": "Patient 19121212-1212"},
            actor=w["chair"],
            now=NOW,
        )


def test_no_evaluating_without_an_indicator_and_an_action(w):
    effort = effort_of(w)
    with pytest.raises(WorkflowError, match="kan inte gå från"):
        service.change_status(effort, EffortStatus.EVALUATING, actor=w["chair"], now=NOW)
    service.change_status(effort, EffortStatus.ONGOING, actor=w["chair"], now=NOW)
    with pytest.raises(WorkflowError, match="minst en indikator"):
        service.change_status(effort, EffortStatus.EVALUATING, actor=w["chair"], now=NOW)
    indicator_of(effort, w)
    with pytest.raises(WorkflowError, match="minst en åtgärd"):
        service.change_status(effort, EffortStatus.EVALUATING, actor=w["chair"], now=NOW)
    action_of(effort, w)
    service.change_status(effort, EffortStatus.EVALUATING, actor=w["chair"], now=NOW)
    assert effort.status is EffortStatus.EVALUATING
    assert [e.to_status for e in effort.events] == [None] * 0 + [e.to_status for e in effort.events]
    assert effort.events[-1].from_status == "ongoing"


def _evaluating(w, **kwargs):
    effort = effort_of(w, **kwargs)
    service.change_status(effort, EffortStatus.ONGOING, actor=w["chair"], now=NOW)
    indicator = indicator_of(effort, w)
    action_of(effort, w)
    service.change_status(effort, EffortStatus.EVALUATING, actor=w["chair"], now=NOW)
    return effort, indicator


def test_no_done_without_measurements_after_the_change_and_a_conclusion(w):
    effort, indicator = _evaluating(w)
    with pytest.raises(WorkflowError, match="när förändringen infördes"):
        service.change_status(
            effort, EffortStatus.DONE, conclusion="Bra", actor=w["chair"], now=NOW
        )
    effort.change_on = date(2026, 9, 1)
    service.record_measurements(
        indicator, [(date(2026, m, 1), 10.0) for m in range(3, 9)], actor=w["chair"], now=NOW
    )
    with pytest.raises(WorkflowError, match="inga mätvärden efter förändringen"):
        service.change_status(
            effort, EffortStatus.DONE, conclusion="Bra", actor=w["chair"], now=NOW
        )
    service.record_measurements(indicator, [(date(2026, 9, 1), 4.0)], actor=w["chair"], now=NOW)
    with pytest.raises(WorkflowError, match="Skriv en slutsats"):
        service.change_status(effort, EffortStatus.DONE, conclusion=" ", actor=w["chair"], now=NOW)
    with pytest.raises(WorkflowError, match="Åtgärder som inte är klara: "):
        service.change_status(
            effort, EffortStatus.DONE, conclusion="Bra", actor=w["chair"], now=NOW
        )
    assert effort.status is EffortStatus.EVALUATING
    for action in effort.actions:
        service.set_effort_action_status(
            effort, action, ActionStatus.DONE, actor=w["chair"], now=NOW
        )
    service.change_status(
        effort, EffortStatus.DONE, conclusion="Färre utan lista.", actor=w["chair"], now=NOW
    )
    assert effort.status is EffortStatus.DONE
    with pytest.raises(WorkflowError, match="avslutat"):
        action_of(effort, w)


def test_discontinuing_needs_a_reason(w):
    effort = effort_of(w)
    with pytest.raises(WorkflowError, match="varför"):
        service.change_status(effort, EffortStatus.DISCONTINUED, actor=w["chair"], now=NOW)
    service.change_status(
        effort,
        EffortStatus.DISCONTINUED,
        note="Ersatt av regionalt projekt",
        actor=w["chair"],
        now=NOW,
    )
    assert effort.status is EffortStatus.DISCONTINUED


def test_member_may_not_change_an_effort(w):
    effort = effort_of(w)
    with pytest.raises(WorkflowError, match="kan inte ändra"):
        service.change_status(effort, EffortStatus.ONGOING, actor=w["member"], now=NOW)


def test_measurements_replace_the_period_and_refuse_the_future(w):
    effort = effort_of(w)
    indicator = indicator_of(effort, w)
    service.record_measurements(indicator, [(date(2026, 3, 1), 5.0)], actor=w["chair"], now=NOW)
    service.record_measurements(indicator, [(date(2026, 3, 1), 7.0)], actor=w["chair"], now=NOW)
    assert [(m.period_start, m.value) for m in indicator.measurements] == [(date(2026, 3, 1), 7.0)]
    with pytest.raises(WorkflowError, match="har inte börjat"):
        service.record_measurements(indicator, [(date(2027, 1, 1), 1.0)], actor=w["chair"], now=NOW)


def test_deviation_count_indicator_counts_per_month(w):
    effort = effort_of(w)
    indicator = service.add_indicator(
        service.IndicatorSpec(
            "Avvikelser om informationsöverföring",
            "antal",
            Direction.LOWER_IS_BETTER,
            source=service.IndicatorSource.DEVIATION_COUNT,
            category_id=w["category"].id,
            organization_id=w["kommun"].id,
            counterpart_id=w["regionorg"].id,
        ),
        effort=effort,
        actor=w["chair"],
        now=NOW,
    )
    points = service.indicator_points(indicator, date(2026, 12, 5))
    assert len(points) == service.COUNT_MONTHS
    assert points[-1].period == date(2026, 11, 1)
    assert points[-1].value == 1  # the case world's report, kommun → region, in November
    assert sum(p.value for p in points) == 1
    with pytest.raises(WorkflowError, match="tar inte emot"):
        service.record_measurements(indicator, [(date(2026, 3, 1), 1.0)], actor=w["chair"], now=NOW)


def test_a_small_adjustment_done_on_a_process_is_in_its_maintenance_log(w):
    effort, indicator = _evaluating(w, process=w["process"])
    effort.change_on = date(2026, 9, 1)
    service.record_measurements(indicator, [(date(2026, 9, 1), 4.0)], actor=w["chair"], now=NOW)
    for action in effort.actions:
        service.set_effort_action_status(
            effort, action, ActionStatus.DONE, actor=w["chair"], now=NOW
        )
    assert w["process"].maintenance == []
    service.change_status(
        effort, EffortStatus.DONE, conclusion="Listan följer med.", actor=w["chair"], now=NOW
    )
    db.session.refresh(w["process"])
    [entry] = w["process"].maintenance
    assert entry.done_on == date(2026, 9, 1)
    assert entry.description == ("Liten justering: Läkemedelslistan följer med. Listan följer med.")


def test_staff_proposal_triaged_as_small_adjustment_notifies_the_proposer(w):
    proposal = service.submit_proposal(
        w["process"], "Skicka läkemedelslistan digitalt.", actor=w["staff"], now=NOW
    )
    with pytest.raises(WorkflowError, match="ordförande och sekreterare"):
        service.triage_proposal(
            w["process"],
            proposal=proposal,
            outcome=ProposalStatus.SMALL_ADJUSTMENT,
            note="x",
            actor=w["chair"],
            now=NOW,  # chair of the samverkansgrupp, not of LSVO
        )
    with pytest.raises(WorkflowError, match="vad som justerades"):
        service.triage_proposal(
            w["process"],
            proposal=proposal,
            outcome=ProposalStatus.SMALL_ADJUSTMENT,
            note="",
            actor=w["lsvo_chair"],
            now=NOW,
        )
    service.triage_proposal(
        w["process"],
        proposal=proposal,
        outcome=ProposalStatus.SMALL_ADJUSTMENT,
        note="Rutinen är ändrad.",
        actor=w["lsvo_chair"],
        now=NOW,
    )
    assert proposal.status is ProposalStatus.SMALL_ADJUSTMENT
    note = db.session.scalar(
        db.select(Notification).where(
            Notification.user_id == w["staff"].id, Notification.kind == "proposal_triaged"
        )
    )
    assert note is not None
    assert "liten justering" in note.subject
    assert service.my_proposals(w["staff"]) == [proposal]
    db.session.refresh(w["process"])
    assert [e.description for e in w["process"].maintenance] == [
        "Liten justering efter förbättringsförslag: Rutinen är ändrad."
    ]
    with pytest.raises(WorkflowError, match="redan bedömt"):
        service.triage_proposal(
            w["process"],
            proposal=proposal,
            outcome=ProposalStatus.REJECTED,
            note="Nej",
            actor=w["lsvo_chair"],
            now=NOW,
        )


def test_report_proposal_becomes_a_development_effort(w):
    deviation = w["deviation"]
    deviation.process = w["process"]
    deviation.proposal = "Gemensam checklista vid utskrivning."
    assert service.pending_case_proposals(w["process"]) == [deviation]
    proposal = service.triage_proposal(
        w["process"],
        deviation=deviation,
        outcome=ProposalStatus.DEVELOPMENT_EFFORT,
        note="Projekt under våren.",
        effort_title="Checklista vid utskrivning",
        actor=w["lsvo_chair"],
        now=NOW,
    )
    assert service.pending_case_proposals(w["process"]) == []
    assert proposal.proposer == w["staff"]
    assert proposal.effort.kind is EffortKind.DEVELOPMENT_EFFORT
    assert proposal.effort.owner_group == w["lsvo"]
    assert proposal.effort.deviations == [deviation]
    assert service.process_efforts(w["process"]) == [proposal.effort]


def test_rejection_needs_a_reason(w):
    proposal = service.submit_proposal(w["process"], "Ta bort SIP.", actor=w["staff"], now=NOW)
    with pytest.raises(WorkflowError, match="varför förslaget avslås"):
        service.triage_proposal(
            w["process"],
            proposal=proposal,
            outcome=ProposalStatus.REJECTED,
            note=None,
            actor=w["lsvo_chair"],
            now=NOW,
        )


def test_process_follow_up_goes_on_the_next_open_agenda_once(w):
    from avvikelse.models import Meeting

    meeting = Meeting(group=w["lsvo"], starts_at=NOW + timedelta(days=40), created_at=NOW)
    db.session.add(meeting)
    db.session.flush()
    matter = service.raise_process_follow_up(w["process"], actor=w["lsvo_chair"], now=NOW)
    assert matter.meeting == meeting
    assert matter.kind is MatterKind.INFORMATION
    assert matter.title == "Processuppföljning: Trygg och säker utskrivning"
    assert "Öppna förbättringsförslag: 0." in matter.background
    with pytest.raises(WorkflowError, match="redan"):
        service.raise_process_follow_up(w["process"], actor=w["lsvo_chair"], now=NOW)
    assert db.session.scalar(db.select(db.func.count(Matter.id))) == 1


def test_maintenance_and_application_checks(w):
    service.add_maintenance(
        w["process"],
        done_on=date(2026, 10, 1),
        description="Ny kontaktlista.",
        actor=w["lsvo_chair"],
        now=NOW,
    )
    check = service.add_application_check(
        w["process"],
        checked_on=date(2026, 11, 1),
        method=service.CheckMethod.INTERVIEW,
        result="Rutinen följs på 4 av 5 enheter.",
        follow_up="Utbildning i Olofström.",
        actor=w["lsvo_chair"],
        now=NOW,
    )
    assert w["process"].application_checks == [check]
    with pytest.raises(WorkflowError, match="framtiden"):
        service.add_maintenance(
            w["process"],
            done_on=date(2027, 1, 1),
            description="x",
            actor=w["lsvo_chair"],
            now=NOW,
        )
    with pytest.raises(WorkflowError, match="ordförande och sekreterare"):
        service.add_maintenance(
            w["process"],
            done_on=date(2026, 10, 1),
            description="x",
            actor=w["lsvo_member"],
            now=NOW,
        )
