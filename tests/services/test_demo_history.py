"""Demo history: built once per region for this module (it walks 18 months of workflow), then
read by every test. It follows the session's clock, so it runs at every AVVIKELSE_TEST_NOW."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from avvikelse import create_app
from avvikelse.extensions import db
from avvikelse.models import (
    Cluster,
    ClusterState,
    Decision,
    Deviation,
    DeviationState,
    EffortStatus,
    ImprovementEffort,
    ImprovementProposal,
    Meeting,
    Minutes,
    Notification,
    Organization,
    ProposalStatus,
    Region,
)
from avvikelse.services.dates import add_months, install_clock, local_today
from avvikelse.services.demo import DEMO_PASSWORD, load_demo
from avvikelse.services.demo_history import build_demo_history

from ..clock import TEST_NOW, FrozenClock
from ..conftest import BASE_TEST_CONFIG


@pytest.fixture(scope="module", params=["blekinge", "jamtland-harjedalen"])
def demo(request, tmp_path_factory, demo_history):
    region = request.param
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    logins, summary = demo_history(region, path)
    app = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    install_clock(app, FrozenClock(TEST_NOW))
    yield app, region, logins, summary
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def ctx(demo):
    app = demo[0]
    with app.app_context():
        yield
        db.session.rollback()


def count(statement) -> int:
    return db.session.scalar(statement)


def test_every_state_has_cases(demo, ctx):
    summary = demo[3]
    assert 280 <= summary.cases <= 340
    for state in DeviationState:
        assert summary.states.get(state.value, 0) > 0, state
    assert summary.duplicates > 0
    overdue = count(
        select(func.count(Deviation.id)).where(
            Deviation.state == DeviationState.AWAITING_ANSWERS,
            Deviation.answer_due_on < local_today(TEST_NOW),
        )
    )
    assert overdue > 0
    closed_with_feedback = count(
        select(func.count(Notification.id)).where(Notification.kind == "feedback")
    )
    assert closed_with_feedback > 100


def test_meetings_were_held_decided_and_published(demo, ctx):
    summary = demo[3]
    assert summary.meetings > 60
    assert summary.decisions > 200
    assert summary.minutes_approved > 40
    held = count(select(func.count(Meeting.id)).where(Meeting.starts_at < TEST_NOW))
    assert held == summary.meetings
    assert count(select(func.count(Minutes.id)).where(Minutes.approved_at.is_not(None))) == (
        summary.minutes_approved
    )
    assert count(select(func.count(Meeting.id)).where(Meeting.starts_at > TEST_NOW)) > 0


def test_the_cluster_went_to_the_strategic_group_and_its_decision_reached_the_reporters(demo, ctx):
    cluster = db.session.scalar(select(Cluster))
    assert cluster.state is ClusterState.DECIDED
    assert cluster.decision
    cases = db.session.scalars(
        select(Deviation).where(
            Deviation.escalated_at.is_not(None), Deviation.decision.is_not(None)
        )
    ).all()
    reporters = {d.reporter_id for d in cases if cluster.decision == d.decision}
    assert len(reporters) >= 1
    told = count(
        select(func.count(Notification.id)).where(
            Notification.kind == "lsvo_decide_feedback",
            Notification.user_id.in_(reporters),
        )
    )
    assert told >= 1
    assert count(select(func.count(Decision.id)).where(Decision.text == cluster.decision)) == 1


def test_the_improvement_effort_measures_a_shift(demo, ctx):
    effort = db.session.scalar(
        select(ImprovementEffort).where(ImprovementEffort.cluster_id.is_not(None))
    )
    assert effort.status is EffortStatus.ONGOING
    assert effort.change_on is not None
    [indicator] = effort.indicators
    before = [m.value for m in indicator.measurements if m.period_start < effort.change_on]
    after = [m.value for m in indicator.measurements if m.period_start >= effort.change_on]
    assert len(before) >= 6
    assert len(after) >= 2
    assert min(after) > max(before)


def test_staff_proposals_were_triaged(demo, ctx):
    statuses = db.session.scalars(select(ImprovementProposal.status)).all()
    assert ProposalStatus.SMALL_ADJUSTMENT in statuses
    assert sum(s is not ProposalStatus.OPEN for s in statuses) >= 10


def test_digest_and_reminders_were_sent(demo, ctx):
    kinds = set(db.session.scalars(select(Notification.kind).distinct()))
    assert "weekly_digest" in kinds
    assert kinds & {"answer_reminder", "answer_overdue", "answer_due_soon"}, kinds


def test_the_history_follows_the_clock(demo, ctx):
    first, last = db.session.execute(
        select(func.min(Deviation.submitted_at), func.max(Deviation.submitted_at))
    ).one()
    today = local_today(TEST_NOW)
    assert local_today(first) >= add_months(today, -18)
    assert local_today(first) <= add_months(today, -17)
    assert last <= TEST_NOW
    assert last >= TEST_NOW - timedelta(days=7)


def test_a_second_build_adds_nothing(demo, ctx):
    region = demo[1]
    cases = count(select(func.count(Deviation.id)))
    meetings = count(select(func.count(Meeting.id)))
    load_demo(region, now=TEST_NOW)

    assert build_demo_history(region, now=TEST_NOW) is None
    assert count(select(func.count(Deviation.id))) == cases
    assert count(select(func.count(Meeting.id))) == meetings


def test_every_demo_login_has_work_on_the_start_page(demo):
    app, _region, logins, _summary = demo
    client = app.test_client()
    for label, email in logins:
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, label
        page = client.get("/").get_data(as_text=True)
        assert "Inget väntar på dig just nu." not in page, label
        assert 'class="waiting-item' in page, label
        client.post("/logout")


def test_jamtland_has_logins_for_each_role(demo, ctx):
    labels = [label for label, _email in demo[2]]
    if demo[1] != "jamtland-harjedalen":
        pytest.skip("Jämtland's log-ins")
    assert any(label.startswith("Rapportör") for label in labels)
    assert any(label.startswith("Avvikelsesamordnare") for label in labels)
    assert "Sekreterare Samverkansgrupp Äldre" in labels
    municipalities = db.session.scalars(
        select(Organization)
        .join(Region)
        .where(Region.key == "jamtland-harjedalen", Organization.kind == "municipality")
    ).all()
    assert len(municipalities) == 8
    assert all(o.units for o in municipalities)
