"""Reminder jobs with a frozen clock around every deadline boundary: the day before, on and
after, in Stockholm time, including the days daylight saving starts (2027-03-28) and ends
(2026-10-25), when a local day begins at another UTC hour than the day before."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from avvikelse.extensions import db
from avvikelse.models import Action, ConcernedStatus, EffortKind, Meeting, Notification
from avvikelse.services import improvement, reminders
from avvikelse.services.deviations import request_answers, submit_deviation

from .. import factories
from .conftest import at


@pytest.fixture
def w(app):
    with app.app_context():
        world = factories.case_world()
        db.session.commit()
        yield world


def keys(kind: str) -> list[tuple[str, str]]:
    """(recipient e-mail, due) of the notifications of one kind."""
    rows = db.session.scalars(select(Notification).where(Notification.kind == kind)).all()
    return sorted((n.user.email, n.key.split(":")[2]) for n in rows)


def asked(w, due: date, *, requested: datetime):
    category = w["category"]
    deviation = submit_deviation(
        factories.report([w["regionorg"]], category, occurred_on=date(2026, 1, 5)),
        actor=w["staff"],
        now=requested,
    )
    request_answers(deviation, due_on=due, actor=w["secretary"], now=requested)
    db.session.flush()
    return deviation


def test_local_midnight_moves_with_daylight_saving():
    """The instants the boundaries below use: midnight is 23:00 UTC in winter, 22:00 in summer."""
    assert at(date(2026, 10, 25)) == datetime(2026, 10, 24, 22, 0, tzinfo=UTC)
    assert at(date(2026, 10, 26)) == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)
    assert at(date(2027, 3, 28)) == datetime(2027, 3, 27, 23, 0, tzinfo=UTC)
    assert at(date(2027, 3, 29)) == datetime(2027, 3, 28, 22, 0, tzinfo=UTC)


COORDINATOR = "coord.region@test.example"
GROUP = ["chair@test.example", "secretary@test.example"]


@pytest.mark.parametrize("due", [date(2026, 10, 25), date(2027, 3, 28), date(2027, 3, 31)])
def test_answer_reminder_and_overdue_notice_around_the_deadline(w, due):
    deviation = asked(w, due, requested=at(due - timedelta(days=20), 10))
    opens = due - timedelta(days=3)

    def run(now):
        return reminders.send_answer_reminders(now=now)

    assert run(at(opens - timedelta(days=1), 23, 59)) == {"reminders": 0, "overdue": 0}
    assert run(at(opens)) == {"reminders": 1, "overdue": 0}
    assert keys("answer_reminder") == [(COORDINATOR, due.isoformat())]
    # On the deadline day itself: nothing new, the reminder is not repeated.
    assert run(at(due, 23, 59)) == {"reminders": 0, "overdue": 0}
    assert run(at(due + timedelta(days=1))) == {"reminders": 0, "overdue": 3}
    assert keys("answer_overdue") == sorted(
        [(COORDINATOR, due.isoformat())] + [(email, due.isoformat()) for email in GROUP]
    )
    assert run(at(due + timedelta(days=2), 12)) == {"reminders": 0, "overdue": 0}
    assert db.session.scalar(select(func.count()).where(Notification.deviation_id == deviation.id))


def test_answered_organizations_and_moved_cases_get_nothing(w):
    due = date(2026, 12, 20)
    deviation = asked(w, due, requested=at(date(2026, 12, 1), 10))
    deviation.concerned[0].status = ConcernedStatus.ANSWERED
    assert reminders.send_answer_reminders(now=at(due + timedelta(days=1))) == {
        "reminders": 0,
        "overdue": 0,
    }


def test_no_reminder_when_asked_inside_the_window_but_overdue_still_comes(w):
    due = date(2026, 12, 20)
    asked(w, due, requested=at(due - timedelta(days=2), 10))
    assert reminders.send_answer_reminders(now=at(due - timedelta(days=1)))["reminders"] == 0
    assert reminders.send_answer_reminders(now=at(due + timedelta(days=1)))["overdue"] == 3


@pytest.mark.parametrize("app", [{"ANSWER_REMINDER_DAYS": 7}], indirect=True)
def test_reminder_days_is_a_setting(w):
    due = date(2026, 12, 20)
    asked(w, due, requested=at(date(2026, 12, 1), 10))
    assert reminders.send_answer_reminders(now=at(date(2026, 12, 12), 23, 59))["reminders"] == 0
    assert reminders.send_answer_reminders(now=at(date(2026, 12, 13)))["reminders"] == 1


# --- Meetings: 2026-11-08 → notice due 11-01, registration closes 10-25 (DST ends that night) --

MEETING_DAY = date(2026, 11, 8)
MEMBERS = sorted(["chair@test.example", "secretary@test.example", "member@test.example"])


@pytest.fixture
def meeting(w):
    meeting = Meeting(
        group=w["group"], starts_at=at(MEETING_DAY, 13), created_at=at(date(2026, 9, 1))
    )
    db.session.add(meeting)
    db.session.flush()
    return meeting


def test_meeting_deadlines_day_by_day(w, meeting):
    def run(day, hour=0, minute=0):
        result = reminders.send_meeting_reminders(now=at(day, hour, minute))
        return result["registration_closes"], result["notice_due"], result["notice_overdue"]

    assert run(date(2026, 10, 21), 23, 59) == (0, 0, 0)
    assert run(date(2026, 10, 22)) == (3, 0, 0)
    assert keys("registration_closes") == [(email, "2026-10-25") for email in MEMBERS]
    assert run(date(2026, 10, 25), 23, 59) == (0, 0, 0)  # closes today: already told
    assert run(date(2026, 10, 26)) == (0, 1, 0)
    assert keys("notice_due") == [("secretary@test.example", "2026-11-01")]
    assert run(date(2026, 11, 1), 23, 59) == (0, 0, 0)
    assert run(date(2026, 11, 2)) == (0, 0, 2)
    assert keys("notice_overdue") == [
        ("chair@test.example", "2026-11-01"),
        ("secretary@test.example", "2026-11-01"),
    ]
    assert run(date(2026, 11, 7)) == (0, 0, 0)
    assert run(MEETING_DAY, 14) == (0, 0, 0)  # the meeting has started


def test_a_sent_or_cancelled_notice_stops_the_reminders(w, meeting):
    meeting.notice_sent_at = at(date(2026, 10, 30))
    assert reminders.send_meeting_reminders(now=at(date(2026, 11, 2)))["notice_overdue"] == 0
    meeting.notice_sent_at = None
    meeting.cancelled = True
    assert reminders.send_meeting_reminders(now=at(date(2026, 11, 2)))["notice_overdue"] == 0


def test_meeting_and_case_keys_do_not_collide(w, meeting):
    """A meeting and a case with the same id are different objects in the notification key."""
    reminders.send_meeting_reminders(now=at(date(2026, 10, 26)))
    note = db.session.scalar(select(Notification).where(Notification.kind == "notice_due"))
    assert note.key == f"notice_due:meeting-{meeting.id}:2026-11-01:{w['secretary'].id}"


# --- Actions --------------------------------------------------------------------------------


@pytest.mark.parametrize("due", [date(2026, 10, 25), date(2027, 3, 28)])
def test_action_past_due_goes_to_owner_and_group(w, due):
    action = Action(
        deviation=w["deviation"],
        description="Ta fram en gemensam rutin",
        owner_organization=w["kommun"],
        due_on=due,
        created_by=w["secretary"],
        created_at=at(date(2026, 9, 1)),
    )
    db.session.add(action)
    db.session.flush()
    assert reminders.send_action_reminders(now=at(due, 23, 59)) == {"overdue": 0}
    assert reminders.send_action_reminders(now=at(due + timedelta(days=1))) == {"overdue": 3}
    assert keys("action_overdue") == sorted(
        (email, due.isoformat())
        for email in ["coord.kommun@test.example", "chair@test.example", "secretary@test.example"]
    )
    assert reminders.send_action_reminders(now=at(due + timedelta(days=3))) == {"overdue": 0}


def test_an_overdue_effort_action_goes_to_owner_and_the_effort_group(w):
    """An improvement effort's action has neither a case nor a meeting decision."""
    effort = improvement.start_effort(
        title="Läkemedelslistan följer med",
        kind=EffortKind.SMALL_ADJUSTMENT,
        owner_group=w["group"],
        actor=w["chair"],
        now=at(date(2026, 9, 1)),
    )
    action = improvement.add_effort_action(
        effort,
        description="Ny rutin för läkemedelslistan",
        due_on=date(2026, 10, 25),
        owner_organization=w["kommun"],
        owner_group=None,
        actor=w["chair"],
        now=at(date(2026, 9, 1)),
    )
    assert action.effort is effort
    assert reminders.send_action_reminders(now=at(date(2026, 10, 26))) == {"overdue": 3}
    assert keys("action_overdue") == sorted(
        (email, "2026-10-25")
        for email in ["coord.kommun@test.example", "chair@test.example", "secretary@test.example"]
    )
    note = db.session.scalar(select(Notification).where(Notification.kind == "action_overdue"))
    assert note.url == f"/forbattring/{effort.id}"


def test_a_failing_object_is_logged_and_the_rest_go_out(w, monkeypatch, caplog):
    first = asked(w, date(2026, 12, 20), requested=at(date(2026, 12, 1)))
    second = asked(w, date(2026, 12, 20), requested=at(date(2026, 12, 1)))
    real = reminders.group_managers

    def broken(group_id):
        broken.calls += 1
        if broken.calls == 1:
            raise RuntimeError("trasig rad")
        return real(group_id)

    broken.calls = 0
    monkeypatch.setattr(reminders, "group_managers", broken)
    result = reminders.send_answer_reminders(now=at(date(2026, 12, 21)))
    assert result["overdue"] == 3
    assert len(result["errors"]) == 1
    assert "trasig rad" in result["errors"][0]
    assert first.number in result["errors"][0]
    assert "misslyckades" in caplog.text
    overdue = {
        n.deviation_id
        for n in db.session.scalars(select(Notification))
        if n.kind == "answer_overdue"
    }
    assert overdue == {second.id}
