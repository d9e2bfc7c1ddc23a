"""Meeting pages over HTTP: who sees and manages them, forms that keep their input (422) and the
quorum refusal shown where the secretary records the decision."""

from datetime import UTC, date, datetime, time

import pytest

from avvikelse.extensions import db
from avvikelse.models import Deviation, Group, Matter, Meeting, RaisedBy, User
from avvikelse.services import deviations as workflow
from avvikelse.services import meetings

from .. import factories
from .test_inbox import statements_for

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
MEETING_DAY = datetime(2026, 12, 17, 12, 0, tzinfo=UTC)
EMAILS = {
    "chair": "chair@test.example",
    "secretary": "secretary@test.example",
    "member": "member@test.example",
    "staff": "staff@test.example",
    "lsvo_member": "lsvo.member@test.example",
}


pytestmark = pytest.mark.clock(NOW)


@pytest.fixture
def mw(app, clock):
    with app.app_context():
        w = factories.case_world()
        region_member = factories.create_user(w["regionorg"], "region.member@test.example")
        factories.add_member(w["group"], region_member, represents=w["regionorg"])
        meeting = meetings.plan_meeting(
            w["group"],
            day=date(2026, 12, 17),
            starts=time(13),
            ends=None,
            place="Wämö",
            link=None,
            actor=w["secretary"],
            now=NOW,
        )
        matter = meetings.raise_matter(
            meeting,
            kind=meetings.MatterKind.INFORMATION,
            raised_by=meetings.RaisedBy.MEMBER,
            presentation=meetings.Presentation(title="Hjälpmedel vid utskrivning"),
            actor=w["member"],
            now=NOW,
        )
        db.session.commit()
        return {
            "group": w["group"].id,
            "meeting": meeting.id,
            "matter": matter.id,
            "deviation": w["deviation"].id,
            "member_membership": next(
                m.id for m in w["group"].memberships if m.user_id == w["member"].id
            ),
        }


def login(auth, role):
    auth.logout()
    assert auth.login(EMAILS[role]).status_code == 302


@pytest.mark.parametrize("role", ["staff", "lsvo_member"])
def test_a_groups_meetings_do_not_exist_for_non_members(client, auth, mw, role):
    login(auth, role)
    assert client.get(f"/moten/grupp/{mw['group']}").status_code == 404
    assert client.get(f"/moten/{mw['meeting']}").status_code == 404
    assert client.post(f"/moten/{mw['meeting']}/skicka-kallelse").status_code == 404
    if role == "staff":  # LSVO's member has meetings of her own in the menu
        assert ">Möten</a>" not in client.get("/").get_data(as_text=True)


def test_members_read_but_only_chair_and_secretary_manage(client, auth, mw):
    login(auth, "member")
    page = client.get(f"/moten/grupp/{mw['group']}").get_data(as_text=True)
    assert "Sista anmälan" in page
    assert "Planera ett möte" not in page
    meeting_page = client.get(f"/moten/{mw['meeting']}").get_data(as_text=True)
    assert "Hjälpmedel vid utskrivning" in meeting_page
    assert "Skicka kallelse" not in meeting_page
    assert client.post(f"/moten/grupp/{mw['group']}/planera").status_code == 403
    assert client.post(f"/moten/{mw['meeting']}/skicka-kallelse").status_code == 403
    assert client.post(f"/moten/arenden/{mw['matter']}/beslut").status_code == 403
    login(auth, "secretary")
    assert "Planera ett möte" in client.get(f"/moten/grupp/{mw['group']}").get_data(as_text=True)


def test_planning_with_a_missing_date_keeps_the_input(client, auth, mw):
    login(auth, "secretary")
    response = client.post(
        f"/moten/grupp/{mw['group']}/planera",
        data={"meeting-starts": "13:00", "meeting-place": "Länshuset, sal 3"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Välj datum." in page
    assert 'value="Länshuset, sal 3"' in page


def test_personal_identity_number_in_a_matter_is_refused_and_the_text_kept(client, auth, mw):
    login(auth, "member")
    response = client.post(
        f"/moten/grupp/{mw['group']}/nytt-arende",
        data={
            "meeting": mw["meeting"],
            "kind": "information",
            "raised_by": "member",
            "title": "Läkemedelslistor",
            "background": "Gäller 19121212-1212 på avdelning 5",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Gäller 19121212-1212 på avdelning 5" in page
    assert "personnummer" in page


def test_a_decision_without_quorum_is_refused_with_the_explanation(client, auth, mw, clock):
    clock.set(MEETING_DAY)
    login(auth, "secretary")
    response = client.post(
        f"/moten/{mw['meeting']}/narvaro", data={"attendance-present": [mw["member_membership"]]}
    )
    assert response.status_code == 302
    prefix = f"decision-{mw['matter']}"
    response = client.post(
        f"/moten/arenden/{mw['matter']}/beslut",
        data={f"{prefix}-outcome": "decided", f"{prefix}-text": "Ny gemensam rutin."},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Gruppen är inte beslutsför" in page
    assert "Region Test: 0 av 1 närvarande" in page
    assert "Ny gemensam rutin." in page
    response = client.post(
        f"/moten/arenden/{mw['matter']}/beslut",
        data={f"{prefix}-outcome": "noted", f"{prefix}-text": ""},
    )
    assert response.status_code == 302


def test_a_personal_identity_number_in_a_decision_is_refused_under_its_field(
    client, auth, mw, clock
):
    clock.set(MEETING_DAY)
    login(auth, "secretary")
    prefix = f"decision-{mw['matter']}"
    response = client.post(
        f"/moten/arenden/{mw['matter']}/beslut",
        data={f"{prefix}-outcome": "noted", f"{prefix}-text": "Gäller 19121212-1212."},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    under_field = page.split(f'id="{prefix}-text-error">')[1].split("</p>")[0]
    assert "ser ut som ett personnummer" in under_field
    assert "personnummer sparas aldrig här." in under_field
    assert "en avvikelse i samverkan" not in page


def test_notice_is_sent_once_and_shows_the_agenda(client, auth, mw):
    login(auth, "secretary")
    response = client.post(f"/moten/{mw['meeting']}/skicka-kallelse")
    assert response.headers["Location"].endswith(f"/moten/{mw['meeting']}/kallelse")
    page = client.get(f"/moten/{mw['meeting']}/kallelse").get_data(as_text=True)
    assert "Hjälpmedel vid utskrivning" in page
    client.post(f"/moten/{mw['meeting']}/skicka-kallelse")
    assert "Kallelsen är redan skickad." in client.get(f"/moten/{mw['meeting']}").get_data(
        as_text=True
    )


def test_case_page_puts_a_case_in_preparation_on_the_next_meeting(app, client, auth, mw):
    with app.app_context():
        deviation = db.session.get(Deviation, mw["deviation"])
        secretary = db.session.scalar(db.select(User).where(User.email == EMAILS["secretary"]))
        workflow.request_answers(deviation, due_on=None, actor=secretary, now=NOW)
        coordinator = db.session.scalar(
            db.select(User).where(User.email == "coord.region@test.example")
        )
        workflow.submit_answer(
            deviation,
            deviation.concerned[0].organization_id,
            what_happened="Meddelandet skickades aldrig.",
            cause=None,
            measures=None,
            actor=coordinator,
            now=NOW,
        )
        db.session.commit()
        version = deviation.version
    login(auth, "secretary")
    assert "Sätt upp på nästa möte" in client.get(f"/avvikelser/{mw['deviation']}").get_data(
        as_text=True
    )
    response = client.post(
        f"/avvikelser/{mw['deviation']}/dagordning", data={"put_on_agenda-version": version}
    )
    assert response.status_code == 302
    assert "På dagordningen" in client.get(f"/avvikelser/{mw['deviation']}").get_data(as_text=True)
    with app.app_context():
        matter = db.session.scalar(db.select(Matter).where(Matter.deviation_id == mw["deviation"]))
        assert matter.meeting_id == mw["meeting"]
        assert "Meddelandet skickades aldrig." in matter.background
        assert db.session.get(Meeting, mw["meeting"]).matters[-1].id == matter.id


def _memberships(app, group_id):
    with app.app_context():
        group = db.session.get(meetings.Group, group_id)
        return {m.user.email: m.id for m in group.memberships if m.counts_for_quorum}


def test_quorum_follows_the_ticked_boxes_before_saving(app, client, auth, mw):
    ids = _memberships(app, mw["group"])
    login(auth, "secretary")
    url = f"/moten/{mw['meeting']}/beslutsforhet"
    one = client.get(url, query_string={"narvarande": [mw["member_membership"], "x"]})
    assert one.status_code == 200
    assert "Region Test: 0 av 1 närvarande" in one.get_data(as_text=True)
    everyone = client.get(url, query_string={"narvarande": list(ids.values())})
    assert "Gruppen är beslutsför." in everyone.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Meeting, mw["meeting"]).attendance == []
    login(auth, "member")
    assert client.get(url).status_code == 403
    login(auth, "staff")
    assert client.get(url).status_code == 404


def test_quorum_box_comes_as_a_document_with_language_and_title(client, auth, mw):
    """Opened by itself it is a page (axe document-title, html-has-lang); the meeting page's
    script takes the box out of its body."""
    login(auth, "secretary")
    body = client.get(f"/moten/{mw['meeting']}/beslutsforhet").get_data(as_text=True)
    assert body.startswith("<!doctype html>")
    assert '<html lang="sv">' in body
    assert "<title>Beslutsförhet – Avvikelse i samverkan</title>" in body
    assert 'id="beslutsforhet"' in body


def test_before_attendance_the_page_says_what_quorum_needs_not_that_it_failed(client, auth, mw):
    login(auth, "member")
    page = client.get(f"/moten/{mw['meeting']}").get_data(as_text=True)
    assert "Närvaron är inte registrerad än" in page
    assert "Gruppen är inte beslutsför" not in page


def _decide_with_assignment(app, mw):
    with app.app_context():
        meeting = db.session.get(Meeting, mw["meeting"])
        secretary = db.session.scalar(db.select(User).where(User.email == EMAILS["secretary"]))
        lsvo = db.session.scalar(
            db.select(meetings.Group).where(meetings.Group.name != meeting.group.name)
        )
        present = _memberships(app, mw["group"]).values()
        meetings.record_attendance(meeting, present, actor=secretary, now=MEETING_DAY)
        decision = meetings.record_decision(
            db.session.get(Matter, mw["matter"]),
            outcome=meetings.DecisionOutcome.DECIDED,
            text="Gruppen ger uppdraget.",
            actor=secretary,
            now=MEETING_DAY,
            assignment=meetings.AssignmentDraft(
                to_group=lsvo,
                purpose="Kartlägga hjälpmedel vid utskrivning",
                deliverable="En rapport",
                deadline=date(2027, 3, 1),
            ),
        )
        db.session.commit()
        return decision.assignments[0].id, lsvo.name


def test_the_assignment_is_a_printable_page_for_both_groups_only(app, client, auth, mw, clock):
    clock.set(MEETING_DAY)
    assignment_id, receiver = _decide_with_assignment(app, mw)
    login(auth, "lsvo_member")
    page = client.get(f"/moten/uppdrag/{assignment_id}").get_data(as_text=True)
    assert f'href="/moten/{mw["meeting"]}' not in page  # LSVO does not see the group's meetings
    for role in ("member", "lsvo_member"):
        login(auth, role)
        page = client.get(f"/moten/uppdrag/{assignment_id}").get_data(as_text=True)
        assert "Uppdragsbeskrivning" in page
        assert "Kartlägga hjälpmedel" in page
        assert "2027-03-01" in page
    login(auth, "member")
    assert "Kartlägga hjälpmedel" in client.get(f"/moten/grupp/{mw['group']}").get_data(
        as_text=True
    )
    login(auth, "staff")
    assert client.get(f"/moten/uppdrag/{assignment_id}").status_code == 404
    assert client.get("/moten/uppdrag/99999").status_code == 404


def test_annual_cycle_shows_the_years_meetings_of_ones_own_groups(client, auth, mw):
    login(auth, "member")
    page = client.get("/moten/arshjul", query_string={"ar": 2026}).get_data(as_text=True)
    assert "Årshjul 2026" in page
    assert "17 dec." in page
    assert "Antal möten" in page
    assert "17 dec." not in client.get("/moten/arshjul?ar=2027").get_data(as_text=True)
    assert client.get("/moten/arshjul?ar=1900").status_code == 404
    login(auth, "staff")
    assert "Du är inte med i någon grupp." in client.get("/moten/arshjul").get_data(as_text=True)


def test_a_matter_handed_over_by_a_group_names_the_group(app, client, auth, mw):
    with app.app_context():
        matter = db.session.get(Matter, mw["matter"])
        matter.raised_by, matter.raised_by_user = RaisedBy.OTHER_PARTY, None
        matter.raised_by_group = db.session.get(Group, mw["group"])
        name = matter.raised_by_group.name
        db.session.commit()
    login(auth, "secretary")
    page = client.get(f"/moten/{mw['meeting']}").get_data(as_text=True)
    assert f"<dd>Annan part ({name})</dd>" in page


# --- Statements: the page costs the same whatever the agenda's size ---------------------------


def _meeting_with_cases(app, mw, day: date, cases: int) -> int:
    """Another meeting of the group with `cases` case matters, each with a written view."""
    with app.app_context():
        group = db.session.get(Group, mw["group"])
        secretary, member, staff = (
            db.session.scalar(db.select(User).where(User.email == EMAILS[role]))
            for role in ("secretary", "member", "staff")
        )
        category = db.session.get(Deviation, mw["deviation"]).category
        meeting = meetings.plan_meeting(
            group,
            day=day,
            starts=time(13),
            ends=None,
            place="Wämö",
            link=None,
            actor=secretary,
            now=NOW,
        )
        for n in range(cases):
            concerned = [group.memberships[0].user.organization]
            deviation = workflow.submit_deviation(
                factories.report(concerned, category, title=f"Avvikelse {n}"), actor=staff, now=NOW
            )
            matter = meetings.raise_matter(
                meeting,
                kind=meetings.MatterKind.DEVIATION,
                raised_by=RaisedBy.MEMBER,
                presentation=meetings.Presentation(title=f"Ärende {n}", proposal="Förslag"),
                actor=member,
                now=NOW,
                deviation=deviation,
            )
            meetings.add_written_view(matter, f"Synpunkt {n}", actor=member, now=NOW)
        db.session.commit()
        return meeting.id


def _decide_every_other(app, mw, meeting_id: int, now: datetime) -> None:
    """Attendance, then a decision with an action and an uppdrag on every other matter."""
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        secretary = db.session.scalar(db.select(User).where(User.email == EMAILS["secretary"]))
        lsvo = db.session.scalar(db.select(Group).where(Group.id != meeting.group_id))
        present = [m.id for m in meeting.group.memberships if m.active]
        meetings.record_attendance(meeting, present, actor=secretary, now=now)
        for matter in meeting.matters[::2]:
            meetings.record_decision(
                matter,
                outcome=meetings.DecisionOutcome.DECIDED,
                text="Gruppen beslutar.",
                actor=secretary,
                now=now,
                action=meetings.ActionDraft(
                    description="Rutin ses över", due_on=date(2027, 2, 1), owner_group=lsvo
                ),
                assignment=meetings.AssignmentDraft(
                    to_group=lsvo,
                    purpose="Kartlägga",
                    deliverable="En rapport",
                    deadline=date(2027, 3, 1),
                ),
            )
        db.session.commit()


@pytest.mark.parametrize("started", [False, True], ids=["before", "during"])
def test_the_meeting_page_costs_the_same_statements_for_few_and_many_matters(
    app, client, auth, mw, clock, started
):
    few = _meeting_with_cases(app, mw, date(2026, 12, 18), 2)
    many = _meeting_with_cases(app, mw, date(2026, 12, 21), 9)
    if started:
        clock.set(datetime(2026, 12, 21, 13, 0, tzinfo=UTC))
        for meeting_id in (few, many):
            _decide_every_other(app, mw, meeting_id, clock.at)
    for role in ("chair", "member"):
        login(auth, role)
        client.get(f"/moten/{few}")  # warm up
        small = statements_for(client, f"/moten/{few}")
        large = statements_for(client, f"/moten/{many}")
        assert len(small) == len(large), role
        page = client.get(f"/moten/{many}").get_data(as_text=True)
        assert "Ärende 8" in page
        assert "Synpunkt 8" in page
        for document in ("kallelse", "kallelse.pdf"):
            small = statements_for(client, f"/moten/{few}/{document}")
            large = statements_for(client, f"/moten/{many}/{document}")
            assert len(small) == len(large), (role, document)
