"""Meetings as secretaries run them (issue 14): moved and cancelled with a reason, extra meetings
by the chair's decision, and attendance and decisions recorded from the start of the meeting
until the minutes are approved."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from avvikelse.extensions import db
from avvikelse.models import AuditEntry, DecisionOutcome, MatterKind, Notification, RaisedBy
from avvikelse.services import documents, meetings
from avvikelse.services import minutes as minutes_service
from avvikelse.services.errors import WorkflowError
from avvikelse.services.meeting_deadlines import meeting_deadlines

from .. import factories

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.clock(NOW)
FIRST = date(2026, 12, 17)  # 13:00 Stockholm = 12:00 UTC
SECOND = date(2027, 1, 21)
STARTED = datetime(2026, 12, 17, 12, 0, tzinfo=UTC)


@pytest.fixture
def w(app):
    with app.app_context():
        world = factories.case_world()
        world["first"] = plan(world, FIRST)
        world["second"] = plan(world, SECOND)
        yield world


def plan(w, day):
    return meetings.plan_meeting(
        w["group"],
        day=day,
        starts=time(13),
        ends=time(15),
        place="Wämö center",
        link=None,
        actor=w["secretary"],
        now=NOW,
    )


def raise_(w, meeting):
    return meetings.raise_matter(
        meeting,
        kind=MatterKind.INFORMATION,
        raised_by=RaisedBy.MEMBER,
        presentation=meetings.Presentation(title="Hjälpmedel vid utskrivning"),
        actor=w["member"],
        now=NOW,
    )


def move(w, meeting, day, *, reason="Lokalen är upptagen", now=NOW, actor=None):
    return meetings.move_meeting(
        meeting,
        day=day,
        starts=time(9, 30),
        ends=None,
        place="Länshuset",
        reason=reason,
        actor=actor or w["secretary"],
        now=now,
    )


def notes(kind):
    return db.session.scalars(select(Notification).where(Notification.kind == kind)).all()


def audit(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def test_moving_recomputes_the_deadlines_and_tells_those_given_notice(w):
    meeting = w["first"]
    meetings.send_notice(meeting, actor=w["secretary"], now=NOW)
    given = {n.user_id for n in notes("meeting_notice")}
    # Joins after the notice: was never given notice, so is not told of the move.
    late_joiner = factories.create_user(w["kommun"], "late@test.example", name="Nils Ny")
    factories.add_member(w["group"], late_joiner, represents=w["kommun"])
    told = move(w, meeting, date(2026, 12, 10))
    deadlines = meeting_deadlines(meeting)
    assert deadlines.meeting_day == date(2026, 12, 10)
    assert deadlines.notice_due == date(2026, 12, 3)
    assert deadlines.registration_closes == date(2026, 11, 26)
    moved = notes("meeting_moved")
    assert told == len(moved) == len(given)
    assert {n.user_id for n in moved} == given
    assert "Lokalen är upptagen" in moved[0].body
    assert "2026-12-10 09:30" in moved[0].subject
    assert meeting.place == "Länshuset"
    assert "Mötet är flyttat. Skäl: Lokalen är upptagen" in documents.notice_statements(meeting)
    [entry] = audit("meeting_moved")
    assert entry.user_id == w["secretary"].id
    assert "Lokalen är upptagen" in entry.detail


def test_moving_before_the_notice_tells_no_one(w):
    assert move(w, w["first"], date(2027, 1, 7)) == 0
    assert notes("meeting_moved") == []


@pytest.mark.parametrize(
    ("reason", "day", "now", "message"),
    [
        ("  ", date(2026, 12, 10), NOW, "varför mötet flyttas"),
        ("Sjukdom", date(2026, 11, 22), NOW, "passerat"),
        ("Sjukdom", date(2026, 12, 24), STARTED, "har redan börjat"),
    ],
)
def test_moving_is_refused_without_reason_into_the_past_or_after_start(
    w, reason, day, now, message
):
    with pytest.raises(WorkflowError, match=message):
        move(w, w["first"], day, reason=reason, now=now)


def test_only_chair_and_secretary_move_a_meeting(w):
    with pytest.raises(WorkflowError, match="ordförande eller sekreterare"):
        move(w, w["first"], date(2026, 12, 10), actor=w["member"])


def test_cancelling_needs_a_reason_tells_those_given_notice_and_moves_the_matters(w):
    matter = raise_(w, w["first"])
    with pytest.raises(WorkflowError, match="varför mötet ställs in"):
        meetings.cancel_meeting(w["first"], reason="", actor=w["secretary"], now=NOW)
    meetings.send_notice(w["first"], actor=w["secretary"], now=NOW)
    target = meetings.cancel_meeting(
        w["first"], reason="Ordföranden är sjuk", actor=w["secretary"], now=NOW
    )
    assert target is w["second"]
    assert matter.meeting is w["second"]
    assert w["first"].cancelled
    assert w["first"].cancel_reason == "Ordföranden är sjuk"
    cancelled = notes("meeting_cancelled")
    assert {n.user_id for n in cancelled} == {n.user_id for n in notes("meeting_notice")}
    assert "Ordföranden är sjuk" in cancelled[0].body
    assert audit("meeting_cancelled")
    with pytest.raises(WorkflowError, match="redan inställt"):
        meetings.cancel_meeting(w["first"], reason="Igen", actor=w["secretary"], now=NOW)


def test_cancelling_the_last_meeting_leaves_its_matters_waiting(w):
    matter = raise_(w, w["second"])
    assert meetings.cancel_meeting(w["second"], reason="Budget", actor=w["chair"], now=NOW) is None
    assert matter.meeting is None
    assert notes("meeting_cancelled") == []  # no notice had gone out
    with pytest.raises(WorkflowError, match="har redan börjat"):
        meetings.cancel_meeting(w["first"], reason="Sent", actor=w["chair"], now=STARTED)


def extra(w, *, actor, chair_decided=False, day=date(2026, 11, 27), notice_days=2):
    return meetings.call_extra_meeting(
        w["group"],
        day=day,
        starts=time(10),
        ends=None,
        place="Digitalt",
        link=None,
        notice_days=notice_days,
        reason="Brådskande läkemedelsfråga",
        chair_decided=chair_decided,
        actor=actor,
        now=NOW,
    )


def test_the_chair_calls_an_extra_meeting_with_a_shorter_notice_stated_in_the_notice(w):
    meeting = extra(w, actor=w["chair"])
    assert meeting.is_extra
    assert meeting.extra_decided_by is w["chair"]
    deadlines = meeting_deadlines(meeting)
    assert deadlines.notice_due == deadlines.registration_closes == date(2026, 11, 25)
    [statement] = documents.notice_statements(meeting)
    assert "Extra sammanträde" in statement
    assert "2 dagar i stället för 7" in statement
    assert "Cecilia Chair" in statement
    assert "Brådskande läkemedelsfråga" in statement
    assert documents.notice_pdf(meeting).startswith(b"%PDF")
    meetings.send_notice(meeting, actor=w["secretary"], now=NOW)
    assert "2 dagar i stället för 7" in notes("meeting_notice")[0].body
    assert audit("extra_meeting_called")


def test_the_secretary_calls_an_extra_meeting_only_on_the_chairs_recorded_decision(w):
    with pytest.raises(WorkflowError, match="ordförandens beslut"):
        extra(w, actor=w["secretary"])
    meeting = extra(w, actor=w["secretary"], chair_decided=True)
    assert meeting.extra_decided_by is w["chair"]
    [told] = notes("extra_meeting_called")
    assert told.user_id == w["chair"].id


@pytest.mark.parametrize(
    ("day", "notice_days", "message"),
    [(date(2026, 11, 27), 7, "0–6 dagar"), (date(2026, 11, 24), 2, "minst 2 dagar")],
)
def test_an_extra_meeting_keeps_a_notice_that_can_be_sent(w, day, notice_days, message):
    with pytest.raises(WorkflowError, match=message):
        extra(w, actor=w["chair"], day=day, notice_days=notice_days)
    with pytest.raises(WorkflowError, match="ordförande eller sekreterare"):
        extra(w, actor=w["member"], chair_decided=True)


def members_present(w, meeting):
    return [m.id for m in meeting.group.memberships if m.active]


def test_attendance_and_decisions_after_the_meeting_day_until_the_minutes_are_approved(w):
    meeting = w["first"]
    matter = raise_(w, meeting)
    with pytest.raises(WorkflowError, match="först när mötet har börjat"):
        meetings.record_attendance(
            meeting, [], actor=w["secretary"], now=STARTED - timedelta(minutes=1)
        )
    week_later = STARTED + timedelta(days=7)
    quorum = meetings.record_attendance(
        meeting, members_present(w, meeting), actor=w["secretary"], now=week_later
    )
    assert quorum.met
    meetings.record_decision(
        matter, outcome=DecisionOutcome.NOTED, text="", actor=w["secretary"], now=week_later
    )
    minutes = minutes_service.draft_minutes(meeting, actor=w["secretary"], now=week_later)
    minutes_service.set_adjuster(minutes, w["member"], actor=w["secretary"], now=week_later)
    minutes_service.approve(minutes, actor=w["chair"], now=week_later)
    minutes_service.approve(minutes, actor=w["member"], now=week_later)
    assert meeting.minutes_approved
    with pytest.raises(WorkflowError, match="Protokollet är justerat"):
        meetings.record_attendance(meeting, [], actor=w["secretary"], now=week_later)
    late = raise_(w, w["second"])
    late.meeting = meeting
    with pytest.raises(WorkflowError, match="Protokollet är justerat"):
        meetings.record_decision(
            late, outcome=DecisionOutcome.NOTED, text="", actor=w["secretary"], now=week_later
        )
