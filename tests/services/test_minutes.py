"""Minutes: the drafted content, two different signatures, freezing, corrections, LSVO's minutes
on the council's agenda, and the follow-up of decisions (services/minutes.py)."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from avvikelse.extensions import db
from avvikelse.models import (
    Action,
    ActionStatus,
    Answer,
    Assignment,
    Attendance,
    Decision,
    DecisionOutcome,
    GroupLevel,
    Matter,
    MatterKind,
    Meeting,
    MembershipRole,
    RaisedBy,
)
from avvikelse.services import minutes as service
from avvikelse.services.errors import WorkflowError

from .. import factories

MEETING_AT = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 12, 10, 14, 0, tzinfo=UTC)
pytestmark = pytest.mark.clock(NOW)
REPORT_SENTENCE = "Blåbärsgatans korttidsboende fick aldrig läkemedelslistan i tid."
ANSWER_SENTENCE = "Vår nattsjuksköterska på avdelning Lingon missade faxet."


def _meeting(group, starts_at, **kwargs):
    meeting = Meeting(group=group, starts_at=starts_at, created_at=starts_at - timedelta(days=60))
    for name, value in kwargs.items():
        setattr(meeting, name, value)
    db.session.add(meeting)
    db.session.flush()
    return meeting


def _decision(matter, outcome, text, recorded_by, **kwargs):
    decision = Decision(
        matter=matter,
        outcome=outcome,
        text=text,
        decided_at=matter.meeting.starts_at + timedelta(minutes=30),
        recorded_by=recorded_by,
        quorum={"met": True, "principals": []},
        **kwargs,
    )
    db.session.add(decision)
    db.session.flush()
    return decision


def minutes_world():
    """case_world plus a full LSVO meeting held on MEETING_AT, the council (RÅDET) and the next
    meetings of both. The case's report and an answer carry sentences that must never be
    published; the case matter's title is the report's own title, as an agenda often has it."""
    w = factories.case_world()
    region, kommun, regionorg = w["region"], w["kommun"], w["regionorg"]
    deviation = w["deviation"]
    deviation.description = REPORT_SENTENCE
    db.session.add(
        Answer(
            deviation=deviation,
            organization_id=regionorg.id,
            author_id=w["region_coordinator"].id,
            created_at=NOW - timedelta(days=5),
            what_happened=ANSWER_SENTENCE,
        )
    )
    lsvo = w["lsvo"]
    lsvo_secretary = factories.create_user(
        regionorg, "lsvo.sek@test.example", name="Siv Sekreterare"
    )
    lsvo_region = factories.create_user(regionorg, "lsvo.region@test.example", name="Rolf Region")
    lsvo_absent = factories.create_user(kommun, "lsvo.absent@test.example", name="Anna Borta")
    factories.add_member(lsvo, lsvo_secretary, MembershipRole.SECRETARY)
    region_membership = factories.add_member(
        lsvo, lsvo_region, MembershipRole.MEMBER, represents=regionorg
    )
    region_membership.function = "Hälso- och sjukvårdsdirektör"
    factories.add_member(lsvo, lsvo_absent, MembershipRole.MEMBER, represents=kommun)
    council = factories.create_group(
        region, "Regionalt samverkansråd", level=GroupLevel.POLITICAL, short_name="RÅDET"
    )
    meeting = _meeting(
        lsvo, MEETING_AT, ends_at=MEETING_AT + timedelta(hours=2), place="Regionhuset"
    )
    for membership in lsvo.memberships:
        db.session.add(
            Attendance(
                meeting=meeting,
                membership=membership,
                present=membership.user_id != lsvo_absent.id,
            )
        )
    case_matter = Matter(
        group=lsvo,
        meeting=meeting,
        kind=MatterKind.DEVIATION,
        title=deviation.title,
        raised_by=RaisedBy.SECRETARY,
        deviation=deviation,
        registered_at=MEETING_AT - timedelta(days=20),
        position=1,
        discussion="Gruppen gick igenom rutinen för inskrivningsmeddelanden.",
    )
    info_matter = Matter(
        group=lsvo,
        meeting=meeting,
        kind=MatterKind.INFORMATION,
        title="Information om nära vård",
        raised_by=RaisedBy.CHAIR,
        registered_at=MEETING_AT - timedelta(days=20),
        position=2,
    )
    db.session.add_all([case_matter, info_matter])
    db.session.flush()
    decision = _decision(
        case_matter,
        DecisionOutcome.DECIDED,
        "Rutinen ses över av samverkansgruppen.",
        lsvo_secretary,
        follow_up_on=date(2027, 3, 1),
    )
    db.session.add(
        Action(
            decision=decision,
            description="Uppdatera rutinen",
            owner_organization=kommun,
            due_on=date(2027, 2, 1),
            status=ActionStatus.PLANNED,
            created_by_id=lsvo_secretary.id,
            created_at=MEETING_AT,
        )
    )
    db.session.add(
        Assignment(
            decision=decision,
            to_group=w["group"],
            purpose="Kartlägga informationsöverföringen",
            deliverable="En rapport",
            deadline=date(2027, 4, 1),
        )
    )
    _decision(info_matter, DecisionOutcome.NOTED, "Informationen noterades.", lsvo_secretary)
    council_meeting = _meeting(council, datetime(2027, 2, 15, 13, 0, tzinfo=UTC))
    lsvo_next = _meeting(lsvo, datetime(2027, 1, 28, 9, 0, tzinfo=UTC))
    db.session.flush()
    w.update(
        council=council,
        meeting=meeting,
        case_matter=case_matter,
        info_matter=info_matter,
        decision=decision,
        council_meeting=council_meeting,
        lsvo_next=lsvo_next,
        lsvo_secretary=lsvo_secretary,
        lsvo_region=lsvo_region,
        lsvo_absent=lsvo_absent,
    )
    return w


def approved_minutes(w, now=NOW):
    minutes = service.draft_minutes(w["meeting"], actor=w["lsvo_secretary"], now=now)
    service.set_adjuster(minutes, w["lsvo_region"], actor=w["lsvo_secretary"], now=now)
    service.approve(minutes, actor=w["lsvo_chair"], now=now)
    service.approve(minutes, actor=w["lsvo_region"], now=now + timedelta(hours=1))
    return minutes


@pytest.fixture
def w(app):
    with app.app_context():
        yield minutes_world()


def test_only_managers_draft_and_only_after_the_meeting_began(w):
    with pytest.raises(WorkflowError, match="ordförande eller sekreterare"):
        service.draft_minutes(w["meeting"], actor=w["lsvo_member"], now=NOW)
    with pytest.raises(WorkflowError, match="när mötet har börjat"):
        service.draft_minutes(
            w["meeting"], actor=w["lsvo_secretary"], now=MEETING_AT - timedelta(1)
        )
    minutes = service.draft_minutes(w["meeting"], actor=w["lsvo_secretary"], now=NOW)
    assert (minutes.version, minutes.is_approved) == (1, False)
    assert service.draft_minutes(w["meeting"], actor=w["lsvo_chair"], now=NOW) is minutes


def test_content_has_attendance_quorum_and_decisions_but_no_report_text(w):
    content = service.build_content(w["meeting"])
    assert content["group"]["name"] == "LSVO"
    assert content["meeting"] == {
        "date": "2026-12-10",
        "starts": "10:00",  # Stockholm time
        "ends": "12:00",
        "place": "Regionhuset",
    }
    by_name = {a["name"]: a for a in content["attendance"]}
    assert by_name["Lars Lsvo"]["role"] == "chair"
    assert by_name["Anna Borta"]["present"] is False
    assert by_name["Rolf Region"] == {
        "name": "Rolf Region",
        "role": "member",
        "function": "Hälso- och sjukvårdsdirektör",
        "organization": "Region Test",
        "present": True,
    }
    assert [a["role"] for a in content["attendance"]][:2] == ["chair", "secretary"]
    # Testby: 1 of 2 present is not more than half.
    assert content["quorum"]["met"] is False
    case, info = content["matters"]
    assert case["case"] == {"number": "AV-2026-0001", "category": "Informationsöverföring"}
    assert case["decision"]["outcome"] == "decided"
    assert case["decision"]["follow_up_on"] == "2027-03-01"
    assert case["decision"]["actions"] == [
        {"description": "Uppdatera rutinen", "owner": "Testby kommun", "due_on": "2027-02-01"}
    ]
    assert case["decision"]["assignments"][0]["group"] == "Samverkansgrupp Äldre"
    assert info["case"] is None
    assert info["decision"]["outcome"] == "noted"
    text = json.dumps(content, ensure_ascii=False)
    assert REPORT_SENTENCE not in text
    assert ANSWER_SENTENCE not in text


def test_adjuster_is_a_present_member_and_not_the_chair(w):
    minutes = service.draft_minutes(w["meeting"], actor=w["lsvo_secretary"], now=NOW)
    for user in (w["lsvo_chair"], w["lsvo_secretary"], w["lsvo_absent"], w["staff"]):
        with pytest.raises(WorkflowError, match="ledamot som var närvarande"):
            service.set_adjuster(minutes, user, actor=w["lsvo_secretary"], now=NOW)
    with pytest.raises(WorkflowError, match="ordförande eller sekreterare"):
        service.set_adjuster(minutes, w["lsvo_region"], actor=w["lsvo_member"], now=NOW)
    with pytest.raises(WorkflowError, match="Utse en justerare"):
        service.approve(minutes, actor=w["lsvo_chair"], now=NOW)
    service.set_adjuster(minutes, w["lsvo_region"], actor=w["lsvo_secretary"], now=NOW)
    assert minutes.adjuster_id == w["lsvo_region"].id


def test_two_different_people_approve(w):
    minutes = service.draft_minutes(w["meeting"], actor=w["lsvo_secretary"], now=NOW)
    service.set_adjuster(minutes, w["lsvo_region"], actor=w["lsvo_secretary"], now=NOW)
    for outsider in (w["lsvo_secretary"], w["lsvo_member"]):
        with pytest.raises(WorkflowError, match="Bara ordföranden och den utsedda justeraren"):
            service.approve(minutes, actor=outsider, now=NOW)
    assert service.approve(minutes, actor=w["lsvo_chair"], now=NOW) is service.Approval.WAITING
    with pytest.raises(WorkflowError, match="redan godkänt"):
        service.approve(minutes, actor=w["lsvo_chair"], now=NOW)
    assert not minutes.is_approved
    result = service.approve(minutes, actor=w["lsvo_region"], now=NOW + timedelta(hours=1))
    assert result is service.Approval.APPROVED
    assert minutes.approved_at == NOW + timedelta(hours=1)
    assert minutes.chair_approved_by_id == w["lsvo_chair"].id


def test_the_database_refuses_one_person_as_chair_and_adjuster(w):
    minutes = service.draft_minutes(w["meeting"], actor=w["lsvo_secretary"], now=NOW)
    minutes.adjuster_id = w["lsvo_chair"].id
    minutes.chair_approved_by_id = w["lsvo_chair"].id
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_approved_minutes_are_frozen(w):
    minutes = approved_minutes(w)
    frozen = json.loads(json.dumps(minutes.content))
    w["case_matter"].title = "Ny rubrik"
    w["decision"].text = "Ändrad beslutstext"
    db.session.flush()
    assert minutes.content == frozen
    assert (
        minutes.content["matters"][0]["decision"]["text"]
        == "Rutinen ses över av samverkansgruppen."
    )
    edits = [
        lambda: service.save_discussion(
            minutes, {w["case_matter"].id: "Ny text"}, actor=w["lsvo_secretary"], now=NOW
        ),
        lambda: service.set_adjuster(minutes, w["lsvo_member"], actor=w["lsvo_secretary"], now=NOW),
        lambda: service.approve(minutes, actor=w["lsvo_chair"], now=NOW),
    ]
    for edit in edits:
        with pytest.raises(WorkflowError, match="justerat och kan inte ändras"):
            edit()


def test_a_change_after_the_first_approval_withdraws_it(w):
    minutes = service.draft_minutes(w["meeting"], actor=w["lsvo_secretary"], now=NOW)
    service.set_adjuster(minutes, w["lsvo_region"], actor=w["lsvo_secretary"], now=NOW)
    service.approve(minutes, actor=w["lsvo_chair"], now=NOW)
    # The secretary's own edit withdraws the approval at once ...
    changed = service.save_discussion(
        minutes,
        {w["info_matter"].id: "Ordföranden informerade."},
        actor=w["lsvo_secretary"],
        now=NOW,
    )
    assert changed
    assert minutes.chair_approved_at is None
    service.approve(minutes, actor=w["lsvo_chair"], now=NOW)
    # ... and a change made elsewhere is caught when the second person approves.
    w["decision"].text = "Rutinen ses över av LSVO."
    db.session.flush()
    result = service.approve(minutes, actor=w["lsvo_region"], now=NOW)
    assert result is service.Approval.RESTARTED
    assert minutes.chair_approved_at is None
    assert minutes.adjuster_approved_at == NOW
    assert not minutes.is_approved
    assert service.approve(minutes, actor=w["lsvo_chair"], now=NOW) is service.Approval.APPROVED
    assert minutes.content["matters"][0]["decision"]["text"] == "Rutinen ses över av LSVO."


def test_discussion_text_is_guarded_for_personal_identity_numbers(w):
    minutes = service.draft_minutes(w["meeting"], actor=w["lsvo_secretary"], now=NOW)
    with pytest.raises(WorkflowError, match="personnummer"):
        service.save_discussion(
            minutes,
            {w["case_matter"].id: "Gäller 19121212-1212."},
            actor=w["lsvo_secretary"],
            now=NOW,
        )


def test_correction_is_a_new_version_with_a_reason(w):
    first = service.draft_minutes(w["meeting"], actor=w["lsvo_secretary"], now=NOW)
    with pytest.raises(WorkflowError, match="senaste justerade"):
        service.correct(first, reason="Fel", actor=w["lsvo_secretary"], now=NOW)
    approved_minutes(w)
    with pytest.raises(WorkflowError, match="varför"):
        service.correct(first, reason="  ", actor=w["lsvo_secretary"], now=NOW)
    with pytest.raises(WorkflowError, match="ordförande eller sekreterare"):
        service.correct(first, reason="Fel", actor=w["lsvo_member"], now=NOW)
    later = NOW + timedelta(days=2)
    second = service.correct(
        first, reason="Fel datum för uppföljningen.", actor=w["lsvo_secretary"], now=later
    )
    assert (second.version, second.is_approved) == (2, False)
    assert second.correction_reason == "Fel datum för uppföljningen."
    assert first.is_approved
    assert db.session.scalars(service.published_minutes()).all() == [first]
    with pytest.raises(WorkflowError, match="senaste justerade"):
        service.correct(first, reason="Igen", actor=w["lsvo_secretary"], now=later)
    w["decision"].follow_up_on = date(2027, 3, 15)
    service.approve(second, actor=w["lsvo_chair"], now=later)
    service.approve(second, actor=w["lsvo_region"], now=later)
    assert db.session.scalars(service.published_minutes()).all() == [second]
    assert service.superseded_by(first) is second
    assert first.content["matters"][0]["decision"]["follow_up_on"] == "2027-03-01"
    assert second.content["matters"][0]["decision"]["follow_up_on"] == "2027-03-15"


def test_lsvo_minutes_go_on_the_councils_next_agenda(w):
    minutes = approved_minutes(w)
    matters = db.session.scalars(db.select(Matter).where(Matter.group_id == w["council"].id)).all()
    assert len(matters) == 1
    matter = matters[0]
    assert matter.kind is MatterKind.SUBORDINATE_MINUTES
    assert matter.source_minutes is minutes
    assert matter.meeting is w["council_meeting"]
    assert matter.title == "Protokoll från LSVO 2026-12-10"
    assert matter.raised_by is RaisedBy.SYSTEM


def test_minutes_of_a_samverkansgrupp_stay_with_the_group(w):
    group = w["group"]
    meeting = _meeting(group, MEETING_AT)
    membership = next(m for m in group.memberships if m.role is MembershipRole.MEMBER)
    db.session.add(Attendance(meeting=meeting, membership=membership, present=True))
    db.session.flush()
    minutes = service.draft_minutes(meeting, actor=w["secretary"], now=NOW)
    service.set_adjuster(minutes, w["member"], actor=w["secretary"], now=NOW)
    service.approve(minutes, actor=w["chair"], now=NOW)
    assert service.approve(minutes, actor=w["member"], now=NOW) is service.Approval.APPROVED
    assert (
        db.session.scalar(
            db.select(db.func.count(Matter.id)).where(Matter.kind == MatterKind.SUBORDINATE_MINUTES)
        )
        == 0
    )


def test_published_minutes_filter_by_group(w):
    minutes = approved_minutes(w)
    assert db.session.scalars(service.published_minutes(w["lsvo"].id)).all() == [minutes]
    assert db.session.scalars(service.published_minutes(w["group"].id)).all() == []


# --- Follow-up of decisions -------------------------------------------------------------------


def follow_up_matters():
    return db.session.scalars(
        db.select(Matter).where(Matter.kind == MatterKind.DECISION_FOLLOW_UP)
    ).all()


def test_due_follow_ups_are_added_once(w):
    before = datetime(2027, 1, 5, 8, 0, tzinfo=UTC)
    w["decision"].follow_up_on = date(2027, 1, 5)
    assert service.add_due_follow_ups(now=before - timedelta(days=1)) == {"added": 0}
    assert service.add_due_follow_ups(now=before) == {"added": 1}
    assert service.add_due_follow_ups(now=before) == {"added": 0}
    assert service.add_due_follow_ups(now=before + timedelta(days=1)) == {"added": 0}
    (matter,) = follow_up_matters()
    assert matter.follows_up_decision is w["decision"]
    assert matter.meeting is w["lsvo_next"]
    assert matter.deviation is w["deviation"]
    assert matter.title == "Uppföljning av beslut 2026-12-10: AV-2026-0001"


def test_one_failing_follow_up_is_recorded_and_the_job_goes_on(w, monkeypatch):
    w["decision"].follow_up_on = date(2027, 1, 5)

    def broken(*args, **kwargs):
        raise RuntimeError("agenda trasig")

    monkeypatch.setattr(service, "add_system_matter", broken)
    result = service.add_due_follow_ups(now=datetime(2027, 1, 5, 8, 0, tzinfo=UTC))
    assert result["added"] == 0
    assert result["errors"] == [f"beslut {w['decision'].id}: RuntimeError: agenda trasig"]
    monkeypatch.undo()
    assert service.add_due_follow_ups(now=datetime(2027, 1, 5, 8, 0, tzinfo=UTC)) == {"added": 1}


def test_follow_up_date_is_the_stockholm_day(w):
    w["decision"].follow_up_on = date(2027, 1, 5)
    # 23:30 UTC on the 4th is already the 5th in Stockholm.
    assert service.add_due_follow_ups(now=datetime(2027, 1, 4, 23, 30, tzinfo=UTC)) == {"added": 1}


def test_done_follow_ups_are_not_added(w):
    w["decision"].follow_up_on = date(2027, 1, 5)
    with pytest.raises(WorkflowError, match="ordförande eller sekreterare"):
        service.mark_follow_up_done(w["decision"], actor=w["lsvo_member"], now=NOW)
    service.mark_follow_up_done(w["decision"], actor=w["lsvo_secretary"], now=NOW)
    with pytest.raises(WorkflowError, match="redan"):
        service.mark_follow_up_done(w["decision"], actor=w["lsvo_secretary"], now=NOW)
    assert service.add_due_follow_ups(now=datetime(2027, 2, 1, tzinfo=UTC)) == {"added": 0}
    assert follow_up_matters() == []


def test_follow_up_status(w):
    decision = w["decision"]
    assert service.follow_up_status(decision, date(2027, 3, 1)) is service.FollowUpStatus.DUE
    assert service.follow_up_status(decision, date(2027, 3, 2)) is service.FollowUpStatus.OVERDUE
    decision.follow_up_done_at = NOW
    assert service.follow_up_status(decision, date(2027, 3, 2)) is service.FollowUpStatus.DONE
    assert service.group_follow_ups(w["lsvo"]) == [decision]


def test_jobs_run_add_due_follow_ups(app, runner):
    with app.app_context():
        w = minutes_world()
        w["decision"].follow_up_on = date(2020, 1, 1)
        db.session.commit()
    result = runner.invoke(args=["jobs", "run", "add_due_follow_ups"])
    assert "'added': 1" in result.output, result.output
    result = runner.invoke(args=["jobs", "run", "add_due_follow_ups"])
    assert "'added': 0" in result.output, result.output
    with app.app_context():
        assert len(follow_up_matters()) == 1
