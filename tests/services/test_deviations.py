from datetime import UTC, date, datetime, timedelta

import pytest

from avvikelse.extensions import db
from avvikelse.models import (
    TRANSITIONS,
    ActionStatus,
    ConcernedOrganization,
    ConcernedStatus,
    Deviation,
    DeviationState,
    EventKind,
    Notification,
    Transition,
)
from avvikelse.permissions import can_see_reporter, can_transition, visible_deviations
from avvikelse.services import deviations as workflow
from avvikelse.services.errors import StaleEditError, WorkflowError
from avvikelse.services.personal_data import PersonalDataError

from .. import factories

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.clock(NOW)


@pytest.fixture
def w(app):
    with app.app_context():
        yield factories.case_world()


def notified(user):
    return db.session.scalars(db.select(Notification).where(Notification.user_id == user.id)).all()


def test_submission_numbers_routes_and_notifies(w):
    deviation = w["deviation"]
    assert deviation.number == "AV-2026-0001"
    assert deviation.state is DeviationState.SUBMITTED
    assert deviation.group_id == w["group"].id
    assert deviation.risk_score == 9
    assert {n.kind for n in notified(w["chair"])} == {"deviation_submitted"}
    assert {n.kind for n in notified(w["region_coordinator"])} == {"deviation_concerns"}
    assert notified(w["kommun_coordinator"]) == []
    assert [e.kind for e in deviation.events] == [EventKind.SUBMITTED]


def test_numbers_are_sequential_per_region_and_year(w):
    second = workflow.submit_deviation(
        factories.report([w["kommun"]], w["category"]), actor=w["staff"], now=NOW
    )
    next_year = workflow.submit_deviation(
        factories.report(
            [w["kommun"]],
            w["category"],
            occurred_on=date(2026, 12, 30),
            discovered_on=date(2026, 12, 30),
        ),
        actor=w["staff"],
        now=datetime(2027, 1, 2, 12, tzinfo=UTC),
    )
    assert second.number == "AV-2026-0002"
    assert next_year.number == "AV-2027-0001"


def test_the_year_follows_stockholm_time(w):
    new_year_in_sweden = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 January
    deviation = workflow.submit_deviation(
        factories.report([w["kommun"]], w["category"]), actor=w["staff"], now=new_year_in_sweden
    )
    assert deviation.number == "AV-2027-0001"


def test_resubmitting_the_same_form_returns_the_same_case(w):
    token = w["deviation"].submission_token
    again = workflow.submit_deviation(
        factories.report([w["kommun"]], w["category"], token=token), actor=w["staff"], now=NOW
    )
    assert again.id == w["deviation"].id
    assert db.session.scalar(db.select(db.func.count(Deviation.id))) == 1


def test_personal_identity_number_refuses_submission(w):
    with pytest.raises(PersonalDataError) as error:
        workflow.submit_deviation(
            factories.report(
                [w["kommun"]], w["category"], description="Gäller 19121212-1212 som skrevs ut."
            ),
            actor=w["staff"],
            now=NOW,
        )
    assert "description" in error.value.field_messages()
    assert db.session.scalar(db.select(db.func.count(Deviation.id))) == 1


def test_future_date_is_refused(w):
    with pytest.raises(WorkflowError, match="framtiden"):
        workflow.submit_deviation(
            factories.report(
                [w["kommun"]],
                w["category"],
                occurred_on=date(2026, 12, 1),
                discovered_on=date(2026, 12, 1),
            ),
            actor=w["staff"],
            now=NOW,
        )


ALL_STATES = list(DeviationState)


@pytest.mark.parametrize("transition", list(Transition))
@pytest.mark.parametrize("state", ALL_STATES)
def test_state_machine_table(w, state, transition):
    deviation = w["deviation"]
    sources, _target = TRANSITIONS[transition]
    manager = w["lsvo_chair"] if transition is Transition.LSVO_DECIDE else w["secretary"]
    with db.session.no_autoflush:  # the state alone would break the state CHECK constraints
        deviation.state = state
        assert can_transition(manager, deviation, transition) == (state in sources)
        for outsider in (w["staff"], w["member"], w["kommun_coordinator"], w["admin"]):
            assert not can_transition(outsider, deviation, transition)
        db.session.rollback()


def test_forbidden_transition_is_refused_with_a_clear_message(w):
    with pytest.raises(WorkflowError, match="Steget ”Avsluta” går inte"):
        workflow.close(w["deviation"], evaluation="x", summary="y", actor=w["secretary"], now=NOW)
    with pytest.raises(WorkflowError, match="behörighet"):
        workflow.request_answers(w["deviation"], due_on=None, actor=w["member"], now=NOW)


def walk_to_preparation(w):
    deviation = w["deviation"]
    workflow.request_answers(deviation, due_on=None, actor=w["secretary"], now=NOW)
    workflow.submit_answer(
        deviation,
        w["regionorg"].id,
        what_happened="Meddelandet skickades inte.",
        cause="Ny rutin",
        measures="Utbildning",
        actor=w["region_coordinator"],
        now=NOW,
    )
    return deviation


def test_full_path_to_closed_with_feedback(w):
    deviation = w["deviation"]
    workflow.request_answers(deviation, due_on=None, actor=w["secretary"], now=NOW)
    assert deviation.state is DeviationState.AWAITING_ANSWERS
    assert deviation.answer_due_on == date(2026, 12, 21)  # 28 days, region default
    assert {n.kind for n in notified(w["region_coordinator"])} >= {"answer_requested"}
    walk_to_preparation_answer = workflow.submit_answer(
        deviation,
        w["regionorg"].id,
        what_happened="Meddelandet skickades inte.",
        cause=None,
        measures=None,
        actor=w["region_coordinator"],
        now=NOW,
    )
    assert walk_to_preparation_answer.organization_id == w["regionorg"].id
    assert deviation.state is DeviationState.IN_PREPARATION
    workflow.decide(deviation, decision="Ny rutin för meddelanden.", actor=w["chair"], now=NOW)
    assert deviation.state is DeviationState.ACTIONS
    action = workflow.add_action(
        deviation,
        description="Uppdatera rutinen",
        due_on=date(2027, 1, 31),
        owner_organization=w["regionorg"],
        owner_group=None,
        actor=w["secretary"],
        now=NOW,
    )
    with pytest.raises(WorkflowError, match="klara eller avbrutna"):
        workflow.start_follow_up(deviation, actor=w["chair"], now=NOW)
    workflow.set_action_status(action, ActionStatus.DONE, actor=w["chair"], now=NOW)
    workflow.start_follow_up(deviation, actor=w["chair"], now=NOW)
    with pytest.raises(WorkflowError, match="utvärdering"):
        workflow.close(deviation, evaluation=" ", summary="Klart", actor=w["chair"], now=NOW)
    workflow.close(
        deviation,
        evaluation="Inga nya avvikelser på tre månader.",
        summary="Rutinen är ändrad och följs.",
        actor=w["chair"],
        now=NOW,
    )
    assert deviation.state is DeviationState.CLOSED
    assert "feedback" in {n.kind for n in notified(w["staff"])}
    kinds = [e.kind for e in deviation.events]
    assert kinds.count(EventKind.TRANSITION) == 5
    assert EventKind.ANSWERED in kinds
    assert EventKind.ACTION_ADDED in kinds


def test_chair_moves_on_only_after_the_deadline(w):
    deviation = w["deviation"]
    deviation.concerned.append(ConcernedOrganization(organization=w["kommun"]))
    workflow.request_answers(deviation, due_on=date(2026, 12, 1), actor=w["secretary"], now=NOW)
    workflow.submit_answer(
        deviation,
        w["regionorg"].id,
        what_happened="Vår del",
        cause=None,
        measures=None,
        actor=w["region_coordinator"],
        now=NOW,
    )
    assert deviation.state is DeviationState.AWAITING_ANSWERS
    with pytest.raises(WorkflowError, match="svarstiden har inte gått ut"):
        workflow.start_preparation(deviation, actor=w["chair"], now=NOW)
    workflow.start_preparation(deviation, actor=w["chair"], now=NOW + timedelta(days=9))
    assert deviation.state is DeviationState.IN_PREPARATION


def test_not_ours_reroutes_to_the_named_organization(w):
    deviation = w["deviation"]
    workflow.request_answers(deviation, due_on=None, actor=w["secretary"], now=NOW)
    workflow.pass_on(
        deviation,
        w["regionorg"].id,
        to_organization=w["kommun"],
        reason="Gäller kommunens hemsjukvård.",
        actor=w["region_coordinator"],
        now=NOW,
    )
    statuses = {c.organization_id: c.status for c in deviation.concerned}
    assert statuses == {
        w["regionorg"].id: ConcernedStatus.PASSED_ON,
        w["kommun"].id: ConcernedStatus.PENDING,
    }
    assert deviation.state is DeviationState.AWAITING_ANSWERS
    assert "answer_requested" in {n.kind for n in notified(w["kommun_coordinator"])}
    event = deviation.events[-1]
    assert event.kind is EventKind.PASSED_ON
    assert event.actor_id == w["region_coordinator"].id


def test_only_the_coordinator_of_the_organization_answers(w):
    deviation = w["deviation"]
    workflow.request_answers(deviation, due_on=None, actor=w["secretary"], now=NOW)
    with pytest.raises(WorkflowError, match="samordnare"):
        workflow.submit_answer(
            deviation,
            w["regionorg"].id,
            what_happened="x",
            cause=None,
            measures=None,
            actor=w["kommun_coordinator"],
            now=NOW,
        )


def test_not_collaboration_needs_reason_and_tells_the_reporter(w):
    deviation = w["deviation"]
    with pytest.raises(WorkflowError, match="varför"):
        workflow.mark_not_collaboration(
            deviation, reason="", report_instead="x", actor=w["secretary"], now=NOW
        )
    workflow.mark_not_collaboration(
        deviation,
        reason="Händelsen gäller bara kommunens egen verksamhet.",
        report_instead="Rapportera i kommunens interna avvikelsesystem.",
        actor=w["secretary"],
        now=NOW,
    )
    assert deviation.state is DeviationState.NOT_COLLABORATION
    assert "feedback" in {n.kind for n in notified(w["staff"])}


def test_duplicate_closes_with_a_pointer_to_the_original(w):
    original = workflow.submit_deviation(
        factories.report([w["kommun"]], w["category"]), actor=w["member"], now=NOW
    )
    workflow.mark_duplicate(w["deviation"], original, actor=w["secretary"], now=NOW)
    assert w["deviation"].state is DeviationState.CLOSED
    assert original.number in w["deviation"].closing_summary


def test_hand_over_and_lsvo_decision(w):
    deviation = walk_to_preparation(w)
    workflow.hand_over(deviation, reason="Återkommande i hela länet.", actor=w["chair"], now=NOW)
    assert deviation.state is DeviationState.ESCALATED
    assert deviation.escalated_at is not None
    assert deviation in db.session.scalars(visible_deviations(w["lsvo_member"])).all()
    with pytest.raises(WorkflowError):
        workflow.decide(deviation, decision="x", actor=w["chair"], now=NOW)
    workflow.decide(
        deviation, decision="Länsgemensam rutin tas fram.", actor=w["lsvo_chair"], now=NOW
    )
    assert deviation.state is DeviationState.ACTIONS


def test_the_reporter_hears_of_the_hand_over_the_decision_and_the_closing(w):
    deviation = walk_to_preparation(w)
    workflow.hand_over(deviation, reason="Återkommande i hela länet.", actor=w["chair"], now=NOW)
    workflow.decide(deviation, decision="Länsgemensam rutin.", actor=w["lsvo_chair"], now=NOW)
    subjects = [n.subject for n in notified(w["staff"]) if n.kind.endswith("feedback")]
    assert subjects == [
        f"Din rapport {deviation.number} har lyfts till LSVO",
        f"Beslut om din rapport {deviation.number}",
    ]
    assert all("Återkommande" not in n.body for n in notified(w["staff"]))


def test_no_feedback_notices_when_the_reporter_declined_them(w):
    deviation = walk_to_preparation(w)
    deviation.wants_feedback = False
    workflow.decide(deviation, decision="Ny rutin.", actor=w["chair"], now=NOW)
    assert not [n for n in notified(w["staff"]) if n.kind.endswith("feedback")]


def test_stale_edit_is_refused(w):
    deviation = w["deviation"]
    old_version = deviation.version
    later = NOW + timedelta(minutes=5)
    workflow.confirm_group(deviation, actor=w["secretary"], now=later, version=old_version)
    db.session.flush()
    assert deviation.version == old_version + 1
    with pytest.raises(StaleEditError):
        workflow.request_answers(
            deviation, due_on=None, actor=w["chair"], now=NOW, version=old_version
        )


def test_reclassification_is_a_timeline_event(w):
    deviation = w["deviation"]
    workflow.update_classification(
        deviation, changes={"probability": 4, "consequence": 4}, actor=w["secretary"], now=NOW
    )
    assert deviation.risk_score == 16
    assert deviation.events[-1].kind is EventKind.FIELD_CHANGED
    assert deviation.events[-1].data == {"probability": [3, 4], "consequence": [3, 4]}


def test_lex_maria_decision_only_by_the_organizations_own_coordinator(w):
    deviation = w["deviation"]
    deviation.possible_serious = True
    with pytest.raises(WorkflowError, match="egen samordnare"):
        workflow.record_ivo_decision(
            deviation,
            w["regionorg"].id,
            reported=True,
            reason="x",
            actor=w["kommun_coordinator"],
            now=NOW,
        )
    workflow.record_ivo_decision(
        deviation,
        w["regionorg"].id,
        reported=False,
        reason="Ingen vårdskada uppstod.",
        actor=w["region_coordinator"],
        now=NOW,
    )
    assert deviation.concerned[0].ivo_reported is False


def test_visibility_per_role(w):
    deviation = w["deviation"]

    def sees(user):
        return deviation in db.session.scalars(visible_deviations(user)).all()

    assert sees(w["staff"])  # reporter
    assert sees(w["region_coordinator"])  # concerned organization
    assert sees(w["kommun_coordinator"])  # reporting organization
    assert sees(w["chair"])
    assert sees(w["member"])
    assert sees(w["admin"])
    assert not sees(w["lsvo_member"])  # not handed over
    outsider = factories.create_user(w["other"], "x@annanby.example")
    assert not sees(outsider)
    factories.make_coordinator(outsider, w["other"])
    assert not sees(outsider)


def test_other_organizations_see_the_unit_not_the_reporter(w):
    deviation = w["deviation"]
    assert can_see_reporter(w["staff"], deviation)
    assert can_see_reporter(w["kommun_coordinator"], deviation)
    assert not can_see_reporter(w["region_coordinator"], deviation)
    assert not can_see_reporter(w["chair"], deviation)
