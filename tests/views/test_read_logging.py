"""Issue 12 point 5: every page that shows a case's content logs a read of that case (DESIGN
§10), under a key that says where; opening a form is a read, not the step it leads to."""

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from avvikelse.extensions import db
from avvikelse.models import AuditEntry, MatterKind, Process, RaisedBy, User
from avvikelse.services import clusters, dates, meetings
from avvikelse.services import deviations as workflow

from .. import factories

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.clock(NOW)


@pytest.fixture
def rw(app):
    """case_world's case on the group's next agenda and in a cluster, and a second case whose
    report proposes a change to an LSVO-owned process."""
    with app.app_context():
        w = factories.case_world()
        case = w["deviation"]
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
            kind=MatterKind.DEVIATION,
            raised_by=RaisedBy.SECRETARY,
            presentation=meetings.Presentation(title="Utskrivningen"),
            actor=w["secretary"],
            now=NOW,
            deviation=case,
        )
        cluster = clusters.create_cluster(
            w["group"],
            name="Utskrivningar",
            description=None,
            deviations=[case],
            reason="Samma mönster",
            actor=w["chair"],
            now=NOW,
        )
        process = Process(region_id=w["region"].id, name="Trygg utskrivning", owner_group=w["lsvo"])
        db.session.add(process)
        db.session.flush()
        proposing = workflow.submit_deviation(
            factories.report(
                [w["regionorg"]], w["category"], process_id=process.id, proposal="Checklista."
            ),
            actor=w["staff"],
            now=NOW,
        )
        db.session.commit()
        return {
            "case": case.id,
            "proposing": proposing.id,
            "meeting": meeting.id,
            "matter": matter.id,
            "cluster": cluster.id,
            "process": process.id,
        }


def logged(app, email: str) -> list[tuple[str, int | None]]:
    """(action, case) of the user's entries, oldest first."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        return [
            (e.action, e.deviation_id)
            for e in db.session.scalars(
                select(AuditEntry).where(AuditEntry.user_id == user.id).order_by(AuditEntry.id)
            )
        ]


@pytest.mark.parametrize(
    ("path", "action"),
    [
        ("/moten/{meeting}", "read_meeting"),
        ("/moten/{meeting}/kallelse", "read_notice"),
        ("/moten/{meeting}/kallelse.pdf", "read_notice_pdf"),
        ("/moten/arenden/{matter}/redigera", "read_presentation"),
        ("/kluster/{cluster}", "read_cluster"),
        ("/aterkommande/arende/{case}/overlamna", "read_hand_over"),
        ("/forbattring/nytt?avvikelse={case}", "read_new_effort"),
    ],
)
def test_a_page_showing_the_case_logs_its_read(app, client, auth, rw, path, action):
    auth.login("chair@test.example")
    response = client.get(path.format(**rw))
    assert response.status_code == 200
    assert logged(app, "chair@test.example") == [(action, rw["case"])]


def test_opening_the_hand_over_is_not_the_hand_over(app, client, auth, rw):
    auth.login("chair@test.example")
    client.get(f"/aterkommande/arende/{rw['case']}/overlamna")
    actions = [action for action, _case in logged(app, "chair@test.example")]
    assert "hand_over" not in actions
    with app.app_context():
        assert str(AuditEntry(action="read_hand_over").action_title) == (
            "Öppnade överlämningen till strategisk nivå"
        )


def test_search_logs_each_case_whose_snippet_it_shows(app, client, auth, rw):
    auth.login("chair@test.example")
    page = client.post("/sok/", data={"q": "utskrivning"}).get_data(as_text=True)
    assert "<mark>" in page
    entries = logged(app, "chair@test.example")
    assert ("read_search", rw["case"]) in entries
    assert {action for action, _case in entries} == {"read_search"}
    with app.app_context():
        details = db.session.scalars(select(AuditEntry.detail)).all()
    assert "utskrivning" not in " ".join(d or "" for d in details)


def test_processrad_logs_the_reports_whose_proposal_it_shows(app, client, auth, rw):
    auth.login("lsvo.member@test.example")
    assert client.get(f"/processer/{rw['process']}/processrad").status_code == 200
    assert logged(app, "lsvo.member@test.example") == [("read_council", rw["proposing"])]


def test_a_page_showing_no_case_logs_nothing(app, client, auth, rw):
    auth.login("lsvo.chair@test.example")
    # LSVO's chair manages the cluster but may not open its case: nothing of it shown or logged.
    assert client.get(f"/kluster/{rw['cluster']}").status_code == 200
    assert client.post("/sok/", data={"q": "utskrivning"}).status_code == 200
    assert logged(app, "lsvo.chair@test.example") == []


def test_the_read_log_names_where(app, client, auth, rw):
    auth.login("member@test.example")
    client.get(f"/moten/{rw['meeting']}")
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry))
        assert entry.detail == "Samverkansgrupp Äldre 2026-12-17"
        assert str(entry.action_title) == "Läste ärendet på mötessidan"
        assert dates.now() == entry.created_at
