"""The kept monthly figures (services/figures.py) against counting the cases themselves.

The demo history walks some 300 cases through every step of the workflow with the flush hook
on, so its counts were kept change by change; they must equal the dashboard computed from the
cases, to the digit shown, for the whole region and for each group, and equal a rebuild.
"""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from avvikelse import create_app
from avvikelse.extensions import db
from avvikelse.models import (
    Deviation,
    FigureState,
    Group,
    MonthlyFigure,
    Organization,
    Region,
    User,
)
from avvikelse.services import annual_reports, dashboard, dates
from avvikelse.services import deviations as workflow
from avvikelse.services import figures as kept
from avvikelse.services.dashboard import Filters, days_text
from avvikelse.services.dates import install_clock
from avvikelse.services.figures import tenths
from avvikelse.services.synthetic import Plan, generate

from .. import factories
from ..clock import TEST_NOW, FrozenClock
from ..conftest import BASE_TEST_CONFIG


@pytest.fixture(scope="module")
def module_app(tmp_path_factory, demo_history):
    path = tmp_path_factory.mktemp("figures") / "demo.sqlite"
    demo_history("blekinge", path)
    app = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    install_clock(app, FrozenClock(TEST_NOW))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def demo(module_app):
    with module_app.app_context():
        region = db.session.scalar(select(Region).where(Region.key == "blekinge"))
        admin = db.session.scalar(
            select(User).where(User.is_admin.is_(True), User.organization.has(region_id=region.id))
        )
        return {"region_id": region.id, "admin_id": admin.id}


def shown(figures: dashboard.Figures):
    """Everything the dashboard shows of the figures, as text and numbers."""

    def times(t):
        return (t.label, t.count, days_text(t.median), days_text(t.percentile))

    m = figures.matrix
    return {
        "total": figures.total,
        "months": [(c.label, c.count) for c in figures.months],
        "categories": [(c.label, c.count, round(c.cumulative, 6)) for c in figures.categories],
        "target_groups": [(c.label, c.count) for c in figures.target_groups],
        "risk_levels": [(c.label, c.count) for c in figures.risk_levels],
        "matrix": (
            [o.id for o in m.rows],
            [o.id for o in m.columns],
            m.cells,
            m.row_totals,
            m.column_totals,
            m.total,
        ),
        "lead_times": [(s.label, [times(t) for t in s.steps]) for s in figures.lead_times],
        "answer_times": [times(t) for t in figures.answer_times],
        "closed": (figures.closed, figures.closed_with_feedback, figures.closed_without_wish),
    }


def periods(now):
    today = dates.local_today(now)
    yield dashboard.default_filters(now)
    yield Filters(start=dates.add_months(today, -17), end=today)
    yield Filters(
        start=dates.add_months(today, -12), end=dates.add_months(today, -6) - timedelta(1)
    )


def test_kept_figures_equal_counting_the_cases(demo, module_app):
    with module_app.app_context():
        admin = db.session.get(User, demo["admin_id"])
        groups = db.session.scalars(select(Group).where(Group.region_id == demo["region_id"]))
        group_ids = [None, *(g.id for g in groups)]
        organization_ids = [
            None,
            *db.session.scalars(
                select(Organization.id).where(Organization.region_id == demo["region_id"])
            ),
        ]
        today = dates.local_today(TEST_NOW)
        compared = 0
        for base in periods(TEST_NOW):
            for group_id in group_ids:
                for organization_id in organization_ids:
                    filters = Filters(
                        start=base.start,
                        end=base.end,
                        group_id=group_id,
                        organization_id=organization_id,
                    )
                    live = dashboard.figures(dashboard.scoped_cases(admin, filters), filters)
                    scope = dashboard.kept_scope(admin, filters, today)
                    read = dashboard.kept_figures(demo["region_id"], filters, scope)
                    assert shown(read) == shown(live), (group_id, organization_id)
                    compared += live.total
        assert compared > 1000  # the history is there, and counted


def test_every_user_read_from_kept_figures_sees_what_counting_shows(demo, module_app):
    """Members of samverkansgrupper read kept figures of their groups, coordinators of one
    organization those of it; LSVO members and the rest count their cases. Either way the
    figures are the same."""
    with module_app.app_context():
        users = db.session.scalars(
            select(User).where(User.organization.has(region_id=demo["region_id"]))
        ).all()
        today = dates.local_today(TEST_NOW)
        kept_users = counted_users = coordinators = 0
        for user in users:
            filters = dashboard.default_filters(TEST_NOW)
            scope = dashboard.kept_scope(user, filters, today)
            if scope is None:
                counted_users += 1
                continue
            kept_users += 1
            coordinators += scope.organization_id is not None
            live = dashboard.figures(dashboard.scoped_cases(user, filters), filters)
            read = dashboard.kept_figures(demo["region_id"], filters, scope)
            assert shown(read) == shown(live), user.email
        assert kept_users >= 5
        assert coordinators >= 2
        assert counted_users >= 2


def test_figures_summed_from_each_cases_keys_equal_counting(demo, module_app):
    """The views the monthly counts cannot answer (a category, LSVO, a period cutting a
    month) sum each visible case's keys: the same figures again, for every demo user."""
    with module_app.app_context():
        users = db.session.scalars(
            select(User).where(User.organization.has(region_id=demo["region_id"]))
        ).all()
        today = dates.local_today(TEST_NOW)
        category_id = db.session.scalar(
            select(Deviation.category_id).where(Deviation.region_id == demo["region_id"])
        )
        views = [
            dashboard.default_filters(TEST_NOW),
            Filters(start=today - timedelta(days=200), end=today - timedelta(days=9)),
            Filters(start=dates.add_months(today, -17), end=today, category_id=category_id),
        ]
        counted = 0
        for user in users:
            for filters in views:
                base = dashboard.scoped_cases(user, filters)
                live = dashboard.figures(base, filters)
                assert shown(dashboard.case_key_figures(base, filters)) == shown(live), user.email
                counted += live.total
        assert counted > 1000


def test_a_member_who_reported_in_another_group_counts_the_cases(demo, module_app):
    with module_app.app_context():
        member = db.session.scalar(
            select(User).where(
                User.memberships.any(active=True),
                ~User.coordinator_roles.any(),
                User.organization.has(region_id=demo["region_id"]),
            )
        )
        filters = dashboard.default_filters(TEST_NOW)
        today = dates.local_today(TEST_NOW)
        scope = dashboard.kept_scope(member, filters, today)
        assert scope.groups
        case = db.session.scalar(
            select(Deviation).where(
                Deviation.region_id == demo["region_id"],
                Deviation.group_id.not_in(scope.groups),
                Deviation.submitted_at >= dates.local_midnight(filters.start),
            )
        )
        case.reporter_id = member.id
        db.session.flush()
        assert dashboard.kept_scope(member, filters, today) is None
        db.session.rollback()


def test_the_demo_region_is_counted_from_its_first_case(demo, module_app):
    with module_app.app_context():
        assert db.session.get(FigureState, demo["region_id"]).rebuilt_at is None
        admin = db.session.get(User, demo["admin_id"])
        filters = dashboard.default_filters(TEST_NOW)
        assert dashboard.kept_scope(admin, filters, dates.local_today(TEST_NOW))


def counts(region_id):
    return {
        (r.month, r.group_id, r.kind, r.key): r.count
        for r in db.session.scalars(
            select(MonthlyFigure).where(
                MonthlyFigure.region_id == region_id, MonthlyFigure.count != 0
            )
        )
    }


def test_rebuild_gives_the_counts_kept_change_by_change(demo, module_app):
    with module_app.app_context():
        before = counts(demo["region_id"])
        cases = db.session.scalar(
            select(func.count(Deviation.id)).where(Deviation.region_id == demo["region_id"])
        )
        assert kept.rebuild(demo["region_id"], now=TEST_NOW) == cases
        assert counts(demo["region_id"]) == before
        assert db.session.get(FigureState, demo["region_id"]).rebuilt_at == TEST_NOW
        db.session.rollback()


def test_a_change_counts_at_commit_and_a_rollback_leaves_the_counts(demo, module_app):
    with module_app.app_context():
        before = counts(demo["region_id"])
        case = db.session.scalar(
            select(Deviation).where(
                Deviation.region_id == demo["region_id"], Deviation.state == "submitted"
            )
        )
        own_group = case.group_id
        other = db.session.scalar(
            select(Group.id).where(Group.region_id == demo["region_id"], Group.id != own_group)
        )
        case.group_id = other
        db.session.flush()
        db.session.rollback()
        assert counts(demo["region_id"]) == before
        case.group_id = other
        db.session.commit()
        moved = counts(demo["region_id"])
        month = dates.month_start(dates.local_today(case.submitted_at))
        there = (month, other, "category", str(case.category_id))
        here = (month, own_group, "category", str(case.category_id))
        assert moved.get(there, 0) == before.get(there, 0) + 1
        assert moved.get(here, 0) == before.get(here, 0) - 1
        case.group_id = own_group
        db.session.commit()
        assert counts(demo["region_id"]) == before


def test_a_step_moves_the_case_between_keys(app):
    with app.app_context():
        w = factories.case_world()
        db.session.commit()
        case = w["deviation"]
        region_id = case.region_id
        kept.rebuild(region_id, now=dates.now())
        db.session.commit()
        filters = dashboard.default_filters(dates.now())
        live = dashboard.figures(dashboard.scoped_cases(w["admin"], filters), filters)
        assert shown(dashboard.kept_figures(region_id, filters)) == shown(live)
        workflow.request_answers(case, due_on=None, actor=w["secretary"], now=dates.now())
        db.session.commit()
        live = dashboard.figures(dashboard.scoped_cases(w["admin"], filters), filters)
        triage = live.lead_times[0].steps[0]
        assert triage.count == 1
        assert shown(dashboard.kept_figures(region_id, filters)) == shown(live)


@pytest.mark.parametrize(
    ("days", "expected"),
    [(0.04, 0), (3.44, 34), (9.94, 99), (9.96, 100), (10.4, 100), (10.6, 110), (123.4, 1230)],
)
def test_lead_times_are_kept_as_shown(days, expected):
    assert tenths(days) == expected
    assert days_text(days) == days_text(expected / 10)


def test_synthetic_data_is_counted_after_its_bulk_load(app):
    with app.app_context():
        generate(Plan(rows=800, patterns=20, regions=2, years=3))
        db.session.commit()
        regions = db.session.scalars(select(Region).where(Region.key.like("synt-%"))).all()
        today = Plan.end
        filters = Filters(start=dates.add_months(today, -35), end=today)
        closed = 0
        for region in regions:
            assert db.session.get(FigureState, region.id).rebuilt_at is not None
            cases = select(Deviation).where(Deviation.region_id == region.id)
            live = dashboard.figures(dashboard.narrowed(cases, filters), filters)
            assert shown(dashboard.kept_figures(region.id, filters)) == shown(live)
            closed += live.closed
        assert closed > 100  # the older cases have come through the workflow


def test_annual_reports_read_the_same_figures_from_the_case_keys(demo, module_app):
    with module_app.app_context():
        year = TEST_NOW.year - 1
        filters = Filters(start=date(year, 1, 1), end=date(year, 12, 31))
        groups = db.session.scalars(select(Group).where(Group.region_id == demo["region_id"]))
        counted = 0
        for group in groups:
            base = dashboard.narrowed(annual_reports.cases_of(group), filters)
            live = dashboard.figures(base, filters)
            assert shown(dashboard.figures_of(base, filters, group.region_id)) == shown(live)
            counted += live.total
        assert counted > 50
