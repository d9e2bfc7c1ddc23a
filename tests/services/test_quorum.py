"""The quorum rule with the real Blekinge LSVO membership (LEDNINGSSYSTEM §6.2)."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from avvikelse.extensions import db
from avvikelse.models import Group, MembershipRole
from avvikelse.services.meeting_deadlines import deadlines_for
from avvikelse.services.quorum import quorum_status
from avvikelse.services.regions import load_region


@pytest.fixture
def lsvo(app):
    with app.app_context():
        load_region("blekinge")
        group = db.session.scalar(select(Group).where(Group.short_name == "LSVO"))
        yield group


def by_org(group):
    result = {}
    for m in group.memberships:
        if m.counts_for_quorum:
            result.setdefault(m.represented_organization.name, []).append(m.id)
    return result


def present_all_but(group, short: dict[str, int]):
    """Everyone counting is present except `short[org]` members of that organization."""
    present = []
    for org, ids in by_org(group).items():
        present += ids[: len(ids) - short.get(org, 0)]
    return present


def test_lsvo_counts_per_principal(lsvo):
    sizes = {org: len(ids) for org, ids in by_org(lsvo).items()}
    assert sizes == {
        "Karlshamns kommun": 3,
        "Karlskrona kommun": 4,
        "Ronneby kommun": 3,
        "Sölvesborgs kommun": 3,
        "Olofströms kommun": 2,
        "Region Blekinge": 8,
    }


def test_everyone_present_is_quorate(lsvo):
    status = quorum_status(lsvo.memberships, present_all_but(lsvo, {}))
    assert status.met


@pytest.mark.parametrize(
    ("short", "met"),
    [
        ({"Karlskrona kommun": 2}, False),  # 2 of 4: exactly half is not enough
        ({"Karlskrona kommun": 1}, True),  # 3 of 4
        ({"Olofströms kommun": 1}, False),  # 1 of 2
        ({"Karlshamns kommun": 1}, True),  # 2 of 3
        ({"Ronneby kommun": 2}, False),  # 1 of 3
        ({"Region Blekinge": 4}, False),  # 4 of 8
        ({"Region Blekinge": 3}, True),  # 5 of 8
        ({"Region Blekinge": 3, "Sölvesborgs kommun": 2}, False),  # one principal short blocks
    ],
)
def test_more_than_half_of_each_principal(lsvo, short, met):
    status = quorum_status(lsvo.memberships, present_all_but(lsvo, short))
    assert status.met is met
    if not met:
        assert "inte beslutsför" in status.explanation()


def test_chair_secretary_and_co_opted_do_not_count(lsvo):
    non_counting = [
        m.id
        for m in lsvo.memberships
        if m.role in (MembershipRole.CHAIR, MembershipRole.SECRETARY, MembershipRole.CO_OPTED)
    ]
    assert non_counting
    status = quorum_status(lsvo.memberships, non_counting)
    assert not status.met
    assert all(p.present == 0 for p in status.principals)


def test_nobody_counting_means_no_quorum():
    assert not quorum_status([], []).met


@pytest.mark.parametrize(
    ("starts_at", "notice_due", "registration_closes"),
    [
        (datetime(2026, 12, 10, 9, 0, tzinfo=UTC), date(2026, 12, 3), date(2026, 11, 26)),
        # 23:30 UTC is already the next day in Stockholm.
        (datetime(2026, 12, 9, 23, 30, tzinfo=UTC), date(2026, 12, 3), date(2026, 11, 26)),
        # Across the change to summer time (29 March 2026).
        (datetime(2026, 4, 2, 8, 0, tzinfo=UTC), date(2026, 3, 26), date(2026, 3, 19)),
    ],
)
def test_deadlines(starts_at, notice_due, registration_closes):
    deadlines = deadlines_for(starts_at)
    assert deadlines.notice_due == notice_due
    assert deadlines.registration_closes == registration_closes


def test_registration_window_edges():
    deadlines = deadlines_for(datetime(2026, 12, 10, 9, 0, tzinfo=UTC))
    assert deadlines.registration_open(datetime(2026, 11, 26, 22, 59, tzinfo=UTC))  # 23:59 local
    assert not deadlines.registration_open(datetime(2026, 11, 26, 23, 0, tzinfo=UTC))
    assert not deadlines.notice_overdue(datetime(2026, 12, 3, 12, 0, tzinfo=UTC))
    assert deadlines.notice_overdue(datetime(2026, 12, 4, 12, 0, tzinfo=UTC))
