"""Facts about one case that the case page used to work out in its template (issue 11)."""

from datetime import date

import pytest

from avvikelse.models import (
    Action,
    ActionStatus,
    Cluster,
    ClusterState,
    ConcernedOrganization,
    ConcernedStatus,
    Deviation,
    DeviationState,
)

DUE = date(2027, 3, 10)


@pytest.mark.parametrize(
    ("statuses", "allowed"),
    [
        ([], False),
        ([ActionStatus.DONE, ActionStatus.CANCELLED], True),
        ([ActionStatus.DONE, ActionStatus.ONGOING], False),
        ([ActionStatus.PLANNED], False),
    ],
)
def test_follow_up_starts_once_every_action_is_done_or_cancelled(statuses, allowed):
    deviation = Deviation(state=DeviationState.ACTIONS)
    deviation.actions = [Action(status=s) for s in statuses]
    assert deviation.may_start_follow_up() is allowed
    assert len(deviation.open_actions) == sum(s.is_open for s in statuses)


def concerned(state, status=ConcernedStatus.PENDING, own_due=None, case_due=DUE):
    deviation = Deviation(state=state, answer_due_on=case_due)
    return ConcernedOrganization(deviation=deviation, status=status, answer_due_on=own_due)


@pytest.mark.parametrize(
    ("state", "status", "today", "overdue"),
    [
        (DeviationState.AWAITING_ANSWERS, ConcernedStatus.PENDING, date(2027, 3, 10), False),
        (DeviationState.AWAITING_ANSWERS, ConcernedStatus.PENDING, date(2027, 3, 11), True),
        (DeviationState.AWAITING_ANSWERS, ConcernedStatus.ANSWERED, date(2027, 3, 11), False),
        (DeviationState.AWAITING_ANSWERS, ConcernedStatus.PASSED_ON, date(2027, 3, 11), False),
        (DeviationState.IN_PREPARATION, ConcernedStatus.PENDING, date(2027, 3, 11), False),
    ],
)
def test_an_answer_is_overdue_only_while_it_is_awaited(state, status, today, overdue):
    assert concerned(state, status).is_answer_overdue(today) is overdue


def test_a_passed_on_organization_has_its_own_deadline():
    c = concerned(DeviationState.AWAITING_ANSWERS, own_due=date(2027, 3, 20))
    assert c.answer_due == date(2027, 3, 20)
    assert not c.is_answer_overdue(date(2027, 3, 15))
    assert concerned(DeviationState.AWAITING_ANSWERS).answer_due == DUE
    assert concerned(DeviationState.SUBMITTED, case_due=None).answer_due is None


def test_an_answer_awaits_its_request_until_answers_are_requested():
    assert concerned(DeviationState.SUBMITTED, case_due=None).awaits_request
    assert not concerned(DeviationState.AWAITING_ANSWERS).awaits_request
    assert concerned(DeviationState.AWAITING_ANSWERS).awaits_answer
    assert not concerned(DeviationState.SUBMITTED, case_due=None).awaits_answer


@pytest.mark.parametrize(
    ("state", "is_open"),
    [(ClusterState.OPEN, True), (ClusterState.HANDED_OVER, False), (ClusterState.DECIDED, False)],
)
def test_a_cluster_changes_only_while_open(state, is_open):
    assert Cluster(state=state).is_open is is_open
