"""The dashboard's figures against a data set whose answers are known by construction
(factories.follow_up_world): the expected numbers are written out here, not queried."""

from datetime import timedelta

import pytest

from avvikelse.extensions import db
from avvikelse.models import DeviationState, OrganizationKind, TargetGroup
from avvikelse.services import dashboard, dates, deviations
from avvikelse.services.dashboard import Filters, percentile

from .. import factories


@pytest.fixture
def w(app):
    with app.app_context():
        world = factories.follow_up_world()
        db.session.commit()
        yield world


def board(user, **filters):
    now = dates.now()
    base = dashboard.default_filters(now)
    return dashboard.build(user, Filters(start=base.start, end=base.end, **filters), now=now)


def test_chair_sees_the_groups_cases_counted(w):
    b = board(w["chair"])
    assert b.total == 5
    assert [(c.label, c.count) for c in b.categories] == [
        ("Informationsöverföring", 3),
        ("Läkemedel", 2),
    ]
    assert b.categories[0].cumulative == pytest.approx(0.6)
    assert b.categories[-1].cumulative == pytest.approx(1.0)
    assert sum(c.count for c in b.months) == 5
    assert sum(c.count for c in b.risk_levels) == 5


def test_matrix_counts_each_concerned_organization(w):
    m = board(w["chair"]).matrix
    kommun, region, other = (w[k].id for k in ("kommun", "regionorg", "other"))
    assert m.cell(kommun, region) == 3
    assert m.cell(kommun, other) == 1
    assert m.cell(region, kommun) == 1
    assert m.cell(region, other) == 1
    assert m.row_totals == {kommun: 4, region: 2}
    assert m.column_totals == {region: 3, other: 2, kommun: 1}
    assert m.total == 6


def test_lead_times_median_and_80th_percentile(w):
    overall = board(w["chair"]).lead_times[0]
    steps = {s.label: s for s in overall.steps}
    to_closed = steps["Rapporterad → avslutad"]
    assert (to_closed.count, to_closed.median, to_closed.percentile) == (2, 10.0, 20.0)
    triage = steps["Rapporterad → bedömd"]
    # cases 2 and 4 after one day, case 3 after half a day
    assert (triage.count, triage.median, triage.percentile) == (3, 1.0, 1.0)
    answered = steps["Bedömd → besvarad"]
    assert (answered.count, answered.median) == (2, 2.0)


def test_answer_times_overdue_and_feedback(w):
    b = board(w["chair"])
    assert [(t.label, t.count, t.median) for t in b.answer_times] == [
        ("Region Test", 1, 2.0),
        ("Testby kommun", 1, 2.0),
    ]
    assert sorted((c.label, c.count, c.share) for c in b.overdue_answers) == [
        ("Annanby kommun", 1, 0.5),
        ("Region Test", 1, 0.5),
    ]
    assert (b.closed, b.closed_with_feedback, b.closed_without_wish) == (2, 1, 1)


def test_filters_narrow_every_figure(w):
    b = board(w["chair"], category_id=w["category_b"].id)
    assert b.total == 2
    assert b.matrix.total == 3
    b = board(w["chair"], organization_id=w["other"].id)
    assert b.total == 2  # case 3 concerns Annanby, case 5 too
    b = board(w["chair"], group_id=w["lsvo"].id)
    assert b.total == 0


def test_coordinator_counts_only_their_organizations_cases(w):
    b = board(w["kommun_coordinator"])
    assert b.total == 4  # not case 5: reported by the region, concerning Annanby
    assert b.matrix.cell(w["regionorg"].id, w["other"].id) == 0


def test_period_outside_the_cases_counts_nothing(w):
    today = dates.local_today(dates.now())
    old = Filters(start=today - timedelta(days=400), end=today - timedelta(days=200))
    assert dashboard.build(w["chair"], old, now=dates.now()).total == 0


def test_period_rules():
    today = dates.local_today(dates.now())
    assert dashboard.period_error(today, today - timedelta(days=1))
    assert dashboard.period_error(today - timedelta(days=365 * 4), today)
    assert dashboard.period_error(today - timedelta(days=300), today) is None


def test_percentile_is_a_value_some_case_had():
    assert percentile([], 50) is None
    assert percentile([5.0], 80) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 80) == 4.0
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.0


def test_another_regions_overdue_answers_are_not_looked_up(w, monkeypatch):
    """The overdue answers are those of the user's region before the visibility check: another
    region's would not be counted anyway, but asking about every region's cases cost 50 ms at
    10^6 (issue 15)."""
    other = factories.create_region("annan", "Annan region")
    municipality = factories.create_organization(other, "Annan kommun")
    counterpart = factories.create_organization(other, "Annan region", kind=OrganizationKind.REGION)
    category = factories.create_category(other, "Utskrivning")
    factories.create_group(other, "Samverkansgrupp Äldre", target_group=TargetGroup.ELDERLY)
    reporter = factories.create_user(municipality, "annan@test.example")
    now = dates.now()
    foreign = deviations.submit_deviation(
        factories.report([counterpart], category), actor=reporter, now=now
    )
    foreign.state = DeviationState.AWAITING_ANSWERS
    foreign.concerned[0].answer_due_on = dates.local_today(now) - timedelta(days=10)
    db.session.commit()
    asked = []
    visible_among = dashboard._visible_among

    def recorded(base, ids):
        asked.extend(ids)
        return visible_among(base, ids)

    monkeypatch.setattr(dashboard, "_visible_among", recorded)
    b = board(w["chair"])
    assert sorted((c.label, c.count) for c in b.overdue_answers) == [
        ("Annanby kommun", 1),
        ("Region Test", 1),
    ]
    assert asked
    assert foreign.id not in asked
