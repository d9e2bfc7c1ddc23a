"""Issue 5: the full-text index, detection rules, suggestions, trends and clusters."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text

from avvikelse.extensions import db
from avvikelse.models import (
    ClusterState,
    DecisionOutcome,
    DeviationState,
    MatterKind,
    OrganizationKind,
    RecurrenceKey,
    Suggestion,
    SuggestionKind,
    SuggestionState,
)
from avvikelse.services import clusters, detection, digest, recurrence, search, trends
from avvikelse.services.deviations import (
    request_answers,
    reroute,
    submit_answer,
    submit_deviation,
    update_classification,
)
from avvikelse.services.errors import WorkflowError

from .. import factories

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.clock(NOW)


@pytest.fixture
def world(app):
    with app.app_context():
        data = factories.case_world()
        db.session.commit()
        yield data


def _report(world, day=date(2026, 11, 20), concerned=None, **overrides):
    return submit_deviation(
        factories.report(
            concerned or [world["regionorg"]],
            world["category"],
            occurred_on=day,
            discovered_on=day,
            **overrides,
        ),
        actor=world["staff"],
        now=NOW,
    )


def _suggestions(kind=SuggestionKind.RECURRING):
    return db.session.scalars(select(Suggestion).where(Suggestion.kind == kind)).all()


# --- Full-text index -------------------------------------------------------------------------


def test_index_follows_insert_update_answer_and_delete(world):
    deviation = _report(world, title="Läkemedelslistan saknades vid utskrivningen")
    db.session.flush()
    staff = world["staff"]
    assert [h.deviation.id for h in search.search(staff, "läkemedel").hits] == [deviation.id]
    deviation.title = "Hjälpmedel levererades inte"
    db.session.flush()
    assert search.search(staff, "läkemedelslistan").hits == []
    assert search.search(staff, "hjälpmedel").hits[0].deviation.id == deviation.id
    request_answers(
        world["deviation"], due_on=date(2026, 12, 20), actor=world["secretary"], now=NOW
    )
    submit_answer(
        world["deviation"],
        world["regionorg"].id,
        what_happened="Avdelningen glömde inskrivningsmeddelandet i Cosmic.",
        cause=None,
        measures=None,
        actor=world["region_coordinator"],
        now=NOW,
    )
    db.session.flush()
    hits = search.search(world["admin"], "inskrivningsmeddelandet cosmic").hits
    assert [h.deviation.id for h in hits] == [world["deviation"].id]
    assert "<mark>" in str(hits[0].answers)
    db.session.execute(text("DELETE FROM recurrence_keys"))
    db.session.execute(
        text("DELETE FROM deviation_events WHERE deviation_id = :i"), {"i": deviation.id}
    )
    db.session.execute(
        text("DELETE FROM notifications WHERE deviation_id = :i"), {"i": deviation.id}
    )
    db.session.execute(
        text("DELETE FROM concerned_organizations WHERE deviation_id = :i"), {"i": deviation.id}
    )
    db.session.execute(text("DELETE FROM deviations WHERE id = :i"), {"i": deviation.id})
    assert search.search(world["admin"], "hjälpmedel").hits == []


def test_search_shows_only_visible_cases_and_escapes_text(world):
    _report(world, title="Utskrivning <script>alert(1)</script> utan besked")
    db.session.flush()
    outsider = factories.create_user(world["other"], "outsider@test.example")
    assert search.search(outsider, "utskrivning").hits == []
    hits = search.search(world["staff"], "utskrivning").hits
    assert hits
    assert all("<script>" not in str(h.title) for h in hits)
    assert any("&lt;script&gt;" in str(h.title) for h in hits)


def test_own_case_is_found_behind_more_matches_than_a_page_holds_elsewhere(world):
    """Ranking is joined with what the user may see before the limit: matches the user cannot
    open, however many and however well ranked, do not push the user's own case out."""
    for _ in range(search.HIT_CAP + 5):
        submit_deviation(
            factories.report(
                [world["regionorg"]],
                world["category"],
                title="Läkemedelslista läkemedelslista läkemedelslista",
            ),
            actor=world["member"],
            now=NOW,
        )
    own = _report(world, title="Saknad läkemedelslista vid hemgång")
    db.session.flush()
    hits = search.search(world["staff"], "läkemedelslista").hits
    assert [h.deviation.id for h in hits] == [own.id]


# --- Detection -------------------------------------------------------------------------------


def test_third_case_in_the_window_makes_a_recurring_suggestion(world):
    # case_world already submitted one case (2026-11-20) between the same organizations.
    _report(world, day=date(2026, 3, 1))
    assert _suggestions() == []
    third = _report(world, day=date(2026, 6, 1))
    (suggestion,) = _suggestions()
    assert suggestion.state is SuggestionState.OPEN
    assert third.id in suggestion.deviation_ids
    assert len(suggestion.deviation_ids) == 3
    assert "Informationsöverföring" in recurrence.describe(suggestion)
    assert "Testby kommun" in recurrence.describe(suggestion)


def test_open_suggestions_reach_the_weekly_digest_without_report_text(world):
    _report(world, day=date(2026, 3, 1), title="Hemlig rubrik ett")
    _report(world, day=date(2026, 6, 1), title="Hemlig rubrik två")
    (suggestion,) = _suggestions()
    section = digest.open_suggestions(world["group"], now=NOW, today=NOW.date())
    (item,) = section.items
    assert "Informationsöverföring" in item["text"]
    assert item["url"] == f"/aterkommande/#forslag-{suggestion.id}"
    assert "Hemlig" not in item["text"]
    suggestion.state = SuggestionState.DISMISSED
    assert digest.open_suggestions(world["group"], now=NOW, today=NOW.date()) is None


def test_an_extended_suggestion_moves_to_the_group_of_its_latest_case(world):
    """The group now receiving the pattern's cases must see the suggestion they extend."""
    _report(world, day=date(2026, 10, 1))
    _report(world, day=date(2026, 10, 2))
    (suggestion,) = _suggestions()
    assert suggestion.group_id == world["group"].id
    latest = _report(world, day=date(2026, 11, 22))
    latest.group = factories.create_group(world["region"], "Samverkansgrupp Barn")
    db.session.flush()
    _report(world, day=date(2026, 11, 1))
    assert len(suggestion.deviation_ids) == 5
    assert suggestion.group_id == latest.group_id


def test_cases_outside_the_window_do_not_count(world):
    _report(world, day=date(2025, 3, 1))
    _report(world, day=date(2025, 6, 1))
    assert _suggestions() == []


def test_dismissed_suggestion_does_not_come_back_for_the_same_cases(world):
    _report(world, day=date(2026, 3, 1))
    _report(world, day=date(2026, 6, 1))
    (suggestion,) = _suggestions()
    recurrence.dismiss_suggestion(suggestion, note="Olika orsaker.", actor=world["chair"], now=NOW)
    detection.sweep_recurrence(now=NOW + timedelta(days=1))
    assert [s.state for s in _suggestions()] == [SuggestionState.DISMISSED]
    _report(world, day=date(2026, 11, 21))
    states = sorted(s.state for s in _suggestions())
    assert states == [SuggestionState.DISMISSED, SuggestionState.OPEN]


def test_reclassifying_moves_a_case_between_keys(world):
    other = factories.create_category(world["region"], "Läkemedel", 2)
    case = _report(world, day=date(2026, 6, 1))
    update_classification(
        case, changes={"category_id": other.id}, actor=world["secretary"], now=NOW
    )
    keys = set(
        db.session.scalars(select(RecurrenceKey.key).where(RecurrenceKey.deviation_id == case.id))
    )
    assert f"c:{other.id}" in keys
    assert f"c:{world['category'].id}" not in keys


def test_process_rule(world):
    from avvikelse.models import Process

    process = Process(region_id=world["region"].id, name="Utskrivningsprocessen")
    db.session.add(process)
    db.session.flush()
    other = factories.create_category(world["region"], "SIP", 3)
    third_org = factories.create_organization(world["region"], "Tredje kommun")
    for category, org in ((world["category"], world["other"]), (other, third_org)):
        submit_deviation(
            factories.report([org], category, process_id=process.id), actor=world["staff"], now=NOW
        )
    assert _suggestions(SuggestionKind.RECURRING_PROCESS) == []
    submit_deviation(
        factories.report([world["regionorg"]], other, process_id=process.id),
        actor=world["staff"],
        now=NOW,
    )
    (suggestion,) = _suggestions(SuggestionKind.RECURRING_PROCESS)
    assert "Utskrivningsprocessen" in recurrence.describe(suggestion)


def test_general_rules(world):
    municipalities = [
        factories.create_organization(world["region"], f"Kommun {i}") for i in range(3)
    ]
    reporter_region = factories.create_user(world["regionorg"], "nurse@test.example")
    submit_deviation(
        factories.report(municipalities, world["category"]), actor=reporter_region, now=NOW
    )
    (general,) = _suggestions(SuggestionKind.GENERAL)
    assert "3 kommuner" in recurrence.describe(general)
    private = factories.create_organization(
        world["region"], "Privat vård AB", kind=OrganizationKind.PRIVATE_PROVIDER
    )
    provider = factories.create_user(private, "provider@test.example")
    submit_deviation(
        factories.report([world["kommun"], world["regionorg"]], world["category"]),
        actor=provider,
        now=NOW,
    )
    assert len(_suggestions(SuggestionKind.GENERAL)) == 2


def test_incremental_check_reads_through_the_index(world):
    plan = (
        db.session.execute(
            text(
                "EXPLAIN QUERY PLAN SELECT deviation_id FROM recurrence_keys WHERE region_id = 1 "
                "AND key = 'cp:1:1:2' AND occurred_on >= '2026-01-01' "
                "AND occurred_on <= '2026-12-31'"
            )
        ).all()
        if db.engine.dialect.name == "sqlite"
        else []
    )
    if plan:
        assert "ix_recurrence_keys_lookup" in " ".join(str(row) for row in plan)


def test_hint_counts_without_text(world):
    _report(world, day=date(2026, 6, 1))
    hint = recurrence.reporter_hint(
        world["staff"],
        category_id=world["category"].id,
        organization_ids=[world["regionorg"].id],
        now=NOW,
    )
    assert hint.count == 2
    assert hint.message.startswith("2 liknande avvikelser om Informationsöverföring mellan")


# --- Trends ----------------------------------------------------------------------------------


def test_c_chart_limits_and_signals():
    mean, ucl, lcl = trends.c_chart([4] * 24)
    assert (mean, ucl, lcl) == (4.0, 10.0, 0.0)
    chart = trends.Chart("c:1", "x", list(range(24)), [1] * 23 + [12])
    chart.mean, chart.ucl, chart.lcl = trends.c_chart(chart.counts)
    trends.special_cause(chart)
    assert chart.signal
    assert chart.signal_months == [23]
    run = trends.Chart("c:1", "x", list(range(24)), [0] * 16 + [3] * 8)
    run.mean, run.ucl, run.lcl = trends.c_chart(run.counts)
    trends.special_cause(run)
    assert run.signal_months == list(range(16, 24))
    svg = str(run.svg())
    assert 'role="img"' in svg
    assert "<title" in svg
    assert "<desc" in svg


def _spike(world):
    for month in range(1, 11):
        _report(world, day=date(2026, month, 3))
    spike = [
        _report(world, day=date(2026, 10, day + 10), concerned=[world["other"]])
        for day in range(1, 12)
    ]
    return {case.id for case in spike}


def test_rising_trend_makes_a_suggestion(world):
    _spike(world)
    for suggestion in _suggestions():
        recurrence.dismiss_suggestion(suggestion, note="Slump.", actor=world["chair"], now=NOW)
    made = trends.detect_rising_trends(world["region"], now=NOW)
    assert any(s.kind is SuggestionKind.RISING_TREND for s in made)


def test_one_spike_is_one_suggestion_not_three(world):
    """The spike's cases are already before the group as a recurring suggestion, so the trend
    and the general rule add nothing new to judge."""
    spike = _spike(world)
    open_now = db.session.scalars(
        select(Suggestion).where(Suggestion.state == SuggestionState.OPEN)
    ).all()
    assert spike <= set().union(*(s.deviation_ids for s in open_now))
    assert trends.detect_rising_trends(world["region"], now=NOW) == []
    assert db.session.scalars(select(Suggestion)).all() == open_now


# --- Clusters and LSVO ---------------------------------------------------------------------


def _prepared_cases(world, count=3):
    cases = [world["deviation"]] + [_report(world, day=date(2026, 10, d)) for d in range(1, count)]
    for case in cases:
        request_answers(case, due_on=date(2026, 12, 20), actor=world["secretary"], now=NOW)
        submit_answer(
            case,
            world["regionorg"].id,
            what_happened="Utskrivningsmeddelandet skickades inte.",
            cause="Ny rutin",
            measures=None,
            actor=world["region_coordinator"],
            now=NOW,
        )
        assert case.state is DeviationState.IN_PREPARATION
    return cases


def test_cluster_from_suggestion_to_lsvo_decision(world):
    from avvikelse.services import meetings

    cases = _prepared_cases(world)
    (suggestion,) = _suggestions()
    cluster = clusters.confirm_suggestion(suggestion, name="", actor=world["chair"], now=NOW)
    assert suggestion.state is SuggestionState.CONFIRMED
    assert {m.deviation_id for m in cluster.active_memberships} == {c.id for c in cases}
    lsvo_meeting = meetings.plan_meeting(
        world["lsvo"],
        day=date(2027, 1, 20),
        starts=datetime(2027, 1, 20, 9).time(),
        ends=None,
        place="Rum",
        link=None,
        actor=world["lsvo_chair"],
        now=NOW,
    )
    presentation = clusters.cluster_presentation(cluster, viewer=world["chair"])
    for case in cases:
        assert case.number in presentation.background
    assert "Hur fungerar processen" in presentation.done_so_far
    assert "Utskrivningsmeddelandet skickades inte." in presentation.done_so_far
    matter = clusters.hand_over_cluster(cluster, presentation, actor=world["chair"], now=NOW)
    assert matter.kind is MatterKind.CLUSTER
    assert matter.meeting is lsvo_meeting
    assert matter.raised_by_group is cluster.group
    assert all(c.state is DeviationState.ESCALATED for c in cases)
    decided_at = datetime(2027, 1, 20, 9, 30, tzinfo=UTC)
    meetings.record_attendance(
        lsvo_meeting,
        [m.id for m in world["lsvo"].memberships],
        actor=world["lsvo_chair"],
        now=decided_at,
    )
    meetings.record_decision(
        matter,
        outcome=DecisionOutcome.DECIDED,
        text="Gemensam rutin tas fram.",
        actor=world["lsvo_chair"],
        now=decided_at,
    )
    assert cluster.state is ClusterState.DECIDED
    assert all(c.state is DeviationState.ACTIONS for c in cases)
    assert all(c.decision == "Gemensam rutin tas fram." for c in cases)


def test_a_chair_confirms_only_the_cases_they_can_see(world):
    """Detection counts across groups; the cluster holds what the confirming chair may see."""
    elsewhere = _report(world, day=date(2026, 9, 1))
    reroute(
        elsewhere,
        factories.create_group(world["region"], "Samverkansgrupp Barn"),
        reason="Gäller barn",
        actor=world["secretary"],
        now=NOW,
    )
    _report(world, day=date(2026, 10, 1))
    (suggestion,) = _suggestions()
    assert elsewhere.id in suggestion.deviation_ids
    cluster = clusters.confirm_suggestion(suggestion, name="", actor=world["chair"], now=NOW)
    members = {m.deviation_id for m in cluster.active_memberships}
    assert elsewhere.id not in members
    assert len(members) == len(suggestion.deviation_ids) - 1


def test_hand_over_refused_while_cases_wait_for_answers(world):
    _report(world, day=date(2026, 3, 1))
    _report(world, day=date(2026, 6, 1))
    (suggestion,) = _suggestions()
    cluster = clusters.confirm_suggestion(
        suggestion, name="Utskrivning", actor=world["chair"], now=NOW
    )
    with pytest.raises(WorkflowError, match="under beredning"):
        clusters.hand_over_cluster(
            cluster,
            clusters.cluster_presentation(cluster, viewer=world["chair"]),
            actor=world["chair"],
            now=NOW,
        )


def test_cases_join_and_leave_with_a_reason(world):
    case = _report(world, day=date(2026, 6, 1))
    cluster = clusters.create_cluster(
        world["group"],
        name="Utskrivning",
        description=None,
        deviations=[world["deviation"]],
        reason="Samma mönster",
        actor=world["secretary"],
        now=NOW,
    )
    clusters.add_case(cluster, case, reason="Också utskrivning", actor=world["secretary"], now=NOW)
    with pytest.raises(WorkflowError):
        clusters.remove_case(cluster, case.id, reason=" ", actor=world["secretary"], now=NOW)
    clusters.remove_case(cluster, case.id, reason="Annan orsak", actor=world["secretary"], now=NOW)
    assert [m.deviation_id for m in cluster.active_memberships] == [world["deviation"].id]
    assert cluster.memberships[-1].removed_reason == "Annan orsak"
    with pytest.raises(WorkflowError):
        clusters.add_case(cluster, case, reason="x", actor=world["staff"], now=NOW)


def test_cluster_timeline_is_one_history_in_time_order(world):
    earlier = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    first = submit_deviation(
        factories.report(
            [world["regionorg"]],
            world["category"],
            occurred_on=date(2026, 5, 30),
            discovered_on=date(2026, 5, 30),
        ),
        actor=world["staff"],
        now=earlier,
    )
    cluster = clusters.create_cluster(
        world["group"],
        name="Utskrivning",
        description=None,
        deviations=[first],
        reason="Samma mönster",
        actor=world["secretary"],
        now=NOW,
    )
    db.session.flush()
    entries = clusters.timeline(cluster, first.events, {first.id: first.number})
    assert [e.text for e in entries] == [
        f"{first.number}: rapporterad",
        f"{first.number} lades till: Samma mönster",
    ]
