"""Årshjul entries: a meeting brings its registration and notice deadlines, a meeting early in
January puts its deadlines in December, reports due and follow-ups are placed by their dates."""

from datetime import UTC, date, datetime, time

import pytest

from avvikelse.extensions import db
from avvikelse.models import Decision, DecisionOutcome, GroupLevel, Matter, MatterKind, RaisedBy
from avvikelse.services import meetings
from avvikelse.services.annual_cycle import EntryKind, annual_cycle

from .. import factories

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.clock(NOW)


@pytest.fixture
def w(app):
    with app.app_context():
        world = factories.small_world()
        yield world


def kinds(cycle, group, month):
    return [(e.kind, e.day) for e in cycle.entries(group, month)]


def test_meeting_deadlines_reports_and_follow_ups(w):
    group, chair = w["group"], w["chair"]
    june = meetings.plan_meeting(
        group,
        day=date(2026, 6, 10),
        starts=time(13),
        ends=None,
        place="Rum 1",
        link=None,
        actor=chair,
        now=NOW,
    )
    meetings.plan_meeting(
        group,
        day=date(2027, 1, 8),
        starts=time(13),
        ends=None,
        place="Rum 1",
        link=None,
        actor=chair,
        now=NOW,
    )
    matter = Matter(
        group=group,
        meeting=june,
        kind=MatterKind.INFORMATION,
        title="Rutin",
        raised_by=RaisedBy.CHAIR,
        registered_at=NOW,
        position=1,
    )
    db.session.add(matter)
    db.session.add(
        Decision(
            matter=matter,
            outcome=DecisionOutcome.DECIDED,
            text="Ny rutin",
            decided_at=NOW,
            recorded_by=chair,
            follow_up_on=date(2026, 9, 15),
        )
    )
    db.session.flush()
    preparation = factories.create_group(
        w["region"], "Beredningsgrupp", level=GroupLevel.PREPARATION
    )
    cycle = annual_cycle([group, w["lsvo"], preparation], 2026)
    assert cycle.entries(preparation, 1) == []  # a beredningsgrupp gives no annual report
    assert kinds(cycle, group, 5) == [(EntryKind.REGISTRATION, date(2026, 5, 27))]
    assert kinds(cycle, group, 6) == [
        (EntryKind.NOTICE, date(2026, 6, 3)),
        (EntryKind.MEETING, date(2026, 6, 10)),
    ]
    assert kinds(cycle, group, 9) == [(EntryKind.FOLLOW_UP, date(2026, 9, 15))]
    # the 8 January meeting's registration closes on 25 December; its notice is next year's
    assert kinds(cycle, group, 12) == [(EntryKind.REGISTRATION, date(2026, 12, 25))]
    # the 2025 reports: the group's by 31 January to LSVO, LSVO's by 31 March
    assert kinds(cycle, group, 1) == [(EntryKind.REPORT_DUE, date(2026, 1, 31))]
    assert kinds(cycle, w["lsvo"], 3) == [(EntryKind.REPORT_DUE, date(2026, 3, 31))]
    assert cycle.count(group) == 1
