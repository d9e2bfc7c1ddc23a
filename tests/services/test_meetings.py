"""Meetings (DESIGN §6): deadlines decide where a matter lands, the notice locks the agenda,
decisions need quorum per principal and move the linked case through the case workflow."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from avvikelse.extensions import db
from avvikelse.models import (
    DecisionOutcome,
    DeviationState,
    Matter,
    MatterKind,
    MembershipRole,
    Notification,
    RaisedBy,
)
from avvikelse.services import deviations as workflow
from avvikelse.services import meetings
from avvikelse.services.errors import WorkflowError
from avvikelse.services.personal_data import PersonalDataError
from avvikelse.services.quorum import meeting_quorum

from .. import factories

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.clock(NOW)
FIRST = date(2026, 12, 17)  # registration closes 2026-12-03, notice due 2026-12-10
SECOND = date(2027, 1, 21)


@pytest.fixture
def w(app):
    with app.app_context():
        world = factories.case_world()
        world["region_member"] = factories.create_user(
            world["regionorg"], "region.member@test.example", name="Rita Region"
        )
        factories.add_member(world["group"], world["region_member"], represents=world["regionorg"])
        world["first"] = plan(world, FIRST)
        world["second"] = plan(world, SECOND)
        yield world


def plan(w, day, group=None, actor=None):
    return meetings.plan_meeting(
        group or w["group"],
        day=day,
        starts=time(13, 0),
        ends=time(15, 0),
        place="Wämö center",
        link=None,
        actor=actor or w["secretary"],
        now=NOW,
    )


def raise_(w, meeting, *, actor=None, now=NOW, title="Hjälpmedel vid utskrivning"):
    return meetings.raise_matter(
        meeting,
        kind=MatterKind.INFORMATION,
        raised_by=RaisedBy.MEMBER,
        presentation=meetings.Presentation(title=title, background="Bakgrund"),
        actor=actor or w["member"],
        now=now,
    )


def to_preparation(w):
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
    assert deviation.state is DeviationState.IN_PREPARATION
    return deviation


def meeting_day(day, hour=14):
    return datetime.combine(day, time(hour), tzinfo=UTC)


def attend(w, meeting, *users):
    ids = [m.id for m in meeting.group.memberships if m.user in users]
    return meetings.record_attendance(
        meeting, ids, actor=w["secretary"], now=meeting_day(FIRST, 12)
    )


def test_deadlines_and_plan_year(w):
    assert meetings.first_weekdays(2027, 2)[:2] == [date(2027, 1, 6), date(2027, 2, 3)]
    assert len(meetings.first_weekdays(2027, 2)) == 11  # no meeting in July
    planned = meetings.plan_year(
        w["group"],
        days=[date(2027, 2, 4), date(2027, 3, 4), SECOND, date(2026, 1, 1)],
        starts=time(9, 0),
        ends=None,
        place=None,
        link=None,
        actor=w["chair"],
        now=NOW,
    )
    assert [meetings.deadlines_for(m.starts_at).meeting_day for m in planned] == [
        date(2027, 2, 4),
        date(2027, 3, 4),
    ]  # SECOND already has a meeting, 2026-01-01 has passed
    with pytest.raises(WorkflowError, match="ordförande eller sekreterare"):
        plan(w, date(2027, 5, 6), actor=w["member"])


def test_on_time_matter_stays_and_late_matter_waits_for_the_chair(w):
    on_time = raise_(w, w["first"])
    late_now = datetime(2026, 12, 5, 9, tzinfo=UTC)
    late = raise_(w, w["first"], now=late_now, title="Sent ärende")
    accepted = raise_(w, w["first"], now=late_now, title="Också sent")
    assert not on_time.late
    assert late.late
    assert late.meeting is w["first"]
    with pytest.raises(WorkflowError, match="ordföranden"):
        meetings.accept_late_matter(accepted, actor=w["secretary"], now=late_now)
    meetings.accept_late_matter(accepted, actor=w["chair"], now=late_now)
    result = meetings.send_notice(w["first"], actor=w["secretary"], now=late_now)
    assert result.moved == [late]
    assert late.meeting is w["second"]
    assert not late.late
    assert accepted.meeting is w["first"]
    assert accepted.late_accepted_by_id == w["chair"].id


def test_chairs_own_late_matter_counts_as_accepted(w):
    late = raise_(w, w["first"], actor=w["chair"], now=datetime(2026, 12, 5, tzinfo=UTC))
    assert late.late
    assert late.late_accepted_by_id == w["chair"].id


def test_notice_once_locks_the_agenda_and_notifies_every_member(w):
    first, second = raise_(w, w["first"]), raise_(w, w["first"], title="Andra")
    meetings.move_matter(second, -1, actor=w["secretary"], now=NOW)
    assert [m.id for m in w["first"].matters] == [second.id, first.id]
    result = meetings.send_notice(w["first"], actor=w["secretary"], now=NOW)
    assert not result.overdue
    assert result.recipients == 4
    note = db.session.scalar(db.select(Notification).where(Notification.user_id == w["member"].id))
    assert note.kind == "meeting_notice"
    assert "2 ärenden" in note.body
    assert "Bakgrund" not in note.body
    with pytest.raises(WorkflowError, match="redan skickad"):
        meetings.send_notice(w["first"], actor=w["secretary"], now=NOW)
    with pytest.raises(WorkflowError, match="låst"):
        meetings.move_matter(first, -1, actor=w["secretary"], now=NOW)
    added = raise_(w, w["first"], actor=w["chair"], title="Tillägg")
    assert added.added_after_notice
    assert added.meeting is w["first"]


def test_late_notice_is_sent_but_reported(w):
    result = meetings.send_notice(
        w["first"], actor=w["secretary"], now=datetime(2026, 12, 12, tzinfo=UTC)
    )
    assert result.overdue


def test_personal_identity_number_is_refused_in_a_presentation(w):
    with pytest.raises(PersonalDataError):
        meetings.raise_matter(
            w["first"],
            kind=MatterKind.INFORMATION,
            raised_by=RaisedBy.MEMBER,
            presentation=meetings.Presentation(title="x", background="Gäller 19121212-1212"),
            actor=w["member"],
            now=NOW,
        )


def test_decision_needs_quorum_of_each_principal_except_noted(w):
    matter = raise_(w, w["first"])
    attend(w, w["first"], w["member"], w["chair"], w["secretary"])  # region member absent
    status = meeting_quorum(w["first"])
    assert not status.met
    with pytest.raises(WorkflowError, match="Region Test: 0 av 1 närvarande"):
        meetings.record_decision(
            matter,
            outcome=DecisionOutcome.DECIDED,
            text="Vi gör så.",
            actor=w["secretary"],
            now=meeting_day(FIRST),
        )
    noted = meetings.record_decision(
        matter, outcome=DecisionOutcome.NOTED, text="", actor=w["secretary"], now=meeting_day(FIRST)
    )
    assert noted.quorum["met"] is False
    assert noted.text == "Noterat för information"


def test_decision_with_quorum_is_stored_with_its_snapshot_and_action(w):
    matter = raise_(w, w["first"])
    attend(w, w["first"], w["member"], w["region_member"])
    decision = meetings.record_decision(
        matter,
        outcome=DecisionOutcome.DECIDED,
        text="Rutinen revideras.",
        actor=w["chair"],
        now=meeting_day(FIRST),
        follow_up_on=date(2027, 3, 1),
        action=meetings.ActionDraft("Revidera rutinen", date(2027, 2, 1), w["kommun"]),
        assignment=meetings.AssignmentDraft(
            to_group=w["lsvo"], purpose="Ta fram länsrutin", deliverable="Rutin", deadline=SECOND
        ),
    )
    assert decision.quorum["met"] is True
    assert [a.description for a in decision.actions] == ["Revidera rutinen"]
    assert decision.assignments[0].to_group is w["lsvo"]
    assert (
        db.session.scalar(
            db.select(Matter).where(Matter.group_id == w["lsvo"].id, Matter.kind == "assignment")
        )
        is not None
    )  # the receiving group gets it as a matter (no LSVO meeting yet: it waits)
    with pytest.raises(WorkflowError, match="redan avgjort"):
        meetings.record_decision(
            matter, outcome=DecisionOutcome.NOTED, text="", actor=w["chair"], now=meeting_day(FIRST)
        )


def test_no_decision_before_the_meeting_starts(w):
    matter = raise_(w, w["first"])
    with pytest.raises(WorkflowError, match="mötet har börjat"):
        meetings.record_decision(
            matter, outcome=DecisionOutcome.NOTED, text="", actor=w["chair"], now=NOW
        )


def test_case_goes_on_the_next_meeting_prefilled_and_decided_moves_it_to_actions(w):
    deviation = to_preparation(w)
    matter = meetings.put_case_on_agenda(deviation, actor=w["secretary"], now=NOW)
    assert matter.meeting is w["first"]
    assert matter.kind is MatterKind.DEVIATION
    assert matter.raised_by is RaisedBy.SECRETARY
    assert "Meddelandet skickades inte." in matter.background
    assert "Svar från Region Test" in matter.background
    assert matter.proposal is None
    with pytest.raises(WorkflowError, match="redan uppsatt"):
        meetings.put_case_on_agenda(deviation, actor=w["secretary"], now=NOW)
    attend(w, w["first"], w["member"], w["region_member"])
    meetings.record_decision(
        matter,
        outcome=DecisionOutcome.DECIDED,
        text="Gemensam checklista.",
        actor=w["secretary"],
        now=meeting_day(FIRST),
        action=meetings.ActionDraft("Checklista", date(2027, 2, 1), w["regionorg"]),
    )
    assert deviation.state is DeviationState.ACTIONS
    assert deviation.decision == "Gemensam checklista."
    assert deviation.actions[0].decision_id == matter.decision.id


def test_referred_to_lsvo_hands_the_case_over_onto_lsvos_next_agenda(w):
    deviation = to_preparation(w)
    lsvo_meeting = plan(w, date(2027, 1, 14), group=w["lsvo"], actor=w["lsvo_chair"])
    matter = meetings.put_case_on_agenda(deviation, actor=w["secretary"], now=NOW)
    attend(w, w["first"], w["member"], w["region_member"])
    meetings.record_decision(
        matter,
        outcome=DecisionOutcome.REFERRED_TO_LSVO,
        text="Återkommande i hela länet.",
        actor=w["secretary"],
        now=meeting_day(FIRST),
    )
    assert deviation.state is DeviationState.ESCALATED
    lsvo_matter = lsvo_meeting.matters[0]
    assert lsvo_matter.deviation is deviation
    assert lsvo_matter.raised_by is RaisedBy.OTHER_PARTY
    assert lsvo_matter.raised_by_group is matter.group
    assert lsvo_matter.background.startswith("Från Samverkansgrupp Äldre")
    # LSVO decides it at its own meeting: the case moves on to actions.
    lsvo_members = [m for m in w["lsvo"].memberships if m.role is MembershipRole.MEMBER]
    meetings.record_attendance(
        lsvo_meeting,
        [m.id for m in lsvo_members],
        actor=w["lsvo_chair"],
        now=meeting_day(date(2027, 1, 14)),
    )
    assert DecisionOutcome.REFERRED_TO_LSVO not in meetings.allowed_outcomes(w["lsvo"])
    meetings.record_decision(
        lsvo_matter,
        outcome=DecisionOutcome.DECIDED,
        text="Länsgemensam rutin.",
        actor=w["lsvo_chair"],
        now=meeting_day(date(2027, 1, 14)),
    )
    assert deviation.state is DeviationState.ACTIONS


def test_postponed_matter_goes_onto_the_next_draft_agenda(w):
    matter = raise_(w, w["first"])
    attend(w, w["first"], w["member"], w["region_member"])
    meetings.record_decision(
        matter,
        outcome=DecisionOutcome.POSTPONED,
        text="",
        actor=w["secretary"],
        now=meeting_day(FIRST),
    )
    assert matter.meeting is w["first"]
    copy = w["second"].matters[-1]
    assert copy.title == matter.title
    assert copy.background == matter.background
    assert copy.decision is None


def test_matter_can_move_on_without_a_decision(w):
    matter = raise_(w, w["first"])
    target = meetings.move_to_following_meeting(matter, actor=w["secretary"], now=NOW)
    assert target is w["second"]
    assert matter.meeting is w["second"]


def test_written_view_before_the_meeting_is_shown_with_the_matter(w):
    matter = raise_(w, w["first"], actor=w["secretary"])
    meetings.add_written_view(matter, "Jag stöder förslaget.", actor=w["member"], now=NOW)
    assert [v.text for v in matter.written_views] == ["Jag stöder förslaget."]
    with pytest.raises(WorkflowError, match="före mötet"):
        meetings.add_written_view(
            matter, "För sent", actor=w["member"], now=meeting_day(FIRST) + timedelta(hours=2)
        )
    with pytest.raises(WorkflowError, match="före mötet"):
        meetings.add_written_view(matter, "Utomstående", actor=w["staff"], now=NOW)


def test_cancel_moves_matters_on(w):
    matter = raise_(w, w["first"])
    meetings.cancel_meeting(w["first"], reason="Sjukdom", actor=w["chair"], now=NOW)
    assert w["first"].cancelled
    assert matter.meeting is w["second"]
