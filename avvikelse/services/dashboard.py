"""The follow-up dashboard (DESIGN §8, LEDNINGSSYSTEM §6.2 Uppföljning): what a user decides from.

Every figure counts exactly the cases `visible_deviations(user)` shows that user — a coordinator
their organizations' cases, a group its cases, LSVO the handed-over ones, an administrator the
region — narrowed by the filters. The figures come from one of three places, all equal to the
digit shown (tests/services/test_figures.py): the monthly counts kept by the transaction
(`kept_scope`, `kept_figures`: an administrator, a group's members, a coordinator of one
organization, whole months), each visible case's kept keys (`case_key_figures`: every other
view once the region's figures are built), or counting the cases themselves (`figures`: the
reference, and a region whose figures are not built yet). Nothing here commits.
"""

import gc
import math
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased

from ..db import db
from ..models import (
    Answer,
    CaseFigure,
    Category,
    Cluster,
    ClusterState,
    ConcernedOrganization,
    ConcernedStatus,
    Decision,
    Deviation,
    DeviationShare,
    DeviationState,
    Group,
    GroupLevel,
    Matter,
    MonthlyFigure,
    MonthlyOrganizationFigure,
    Notification,
    Organization,
    RiskLevel,
    TargetGroup,
)
from ..permissions import visible_clusters, visible_deviations
from . import figures as kept
from .dates import add_months, local_midnight, local_today, month_index, month_label
from .figures import STEPS, days_between, moments_query, step_days
from .run_chart import Point, analyse, geometry, sentence

# The periods a user may pick: long enough for an annual comparison, short enough that the
# month columns of one query stay few.
MAX_MONTHS = 36
DEFAULT_MONTHS = 12
# The lead-time percentile shown beside the median: "four cases in five took at most".
PERCENTILE = 80


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    group_id: int | None = None
    category_id: int | None = None
    organization_id: int | None = None


def default_filters(now: datetime) -> Filters:
    """The last twelve months including this one, in Stockholm dates."""
    today = local_today(now)
    return Filters(start=add_months(today, 1 - DEFAULT_MONTHS), end=today)


def period_error(start: date, end: date) -> str | None:
    """The filter form's rule for a period, in one place."""
    if end < start:
        return _("Till-datumet kan inte vara före från-datumet.")
    if month_index(end) - month_index(start) + 1 > MAX_MONTHS:
        return _("Välj en period på högst %(months)d månader.", months=MAX_MONTHS)
    return None


@dataclass
class Count:
    label: str
    count: int
    share: float = 0.0
    cumulative: float = 0.0


@dataclass
class Matrix:
    """Reporting organization (rows) × concerned organization (columns); a case concerning
    two organizations counts once in each column."""

    rows: list[Organization]
    columns: list[Organization]
    cells: dict[tuple[int, int], int]
    row_totals: dict[int, int]
    column_totals: dict[int, int]
    total: int

    def cell(self, row_id: int, column_id: int) -> int:
        return self.cells.get((row_id, column_id), 0)


@dataclass
class LeadTime:
    label: str
    count: int
    median: float | None
    percentile: float | None


@dataclass
class StepTimes:
    """Lead times in days for each step of one set of cases (all, or one group's)."""

    label: str
    steps: list[LeadTime]


@dataclass
class MonthChart:
    """Counts per month drawn as a run chart: the same drawing as an improvement effort's."""

    chart: object
    geometry: object
    sentence: str
    indicator: object


@dataclass
class Bar:
    rank: int
    x: float
    y: float
    width: float
    height: float
    count: Count


@dataclass
class Pareto:
    """Bars by rank (the table names them), the cumulative share as a line against 0-100 %."""

    width: int
    height: int
    left: int
    bottom: int
    top_count: int
    bars: list[Bar]
    path: str


def pareto(counts: list[Count], *, width=640, height=240) -> Pareto:
    left, right, top, bottom = 48, 48, 16, height - 32
    highest = max((c.count for c in counts), default=0) or 1
    slot = min((width - left - right) / max(len(counts), 1), 64)
    bars, points = [], []
    for rank, c in enumerate(counts, start=1):
        x = left + (rank - 1) * slot
        bar_height = c.count / highest * (bottom - top)
        bars.append(
            Bar(
                rank,
                round(x + slot * 0.1, 1),
                round(bottom - bar_height, 1),
                round(slot * 0.8, 1),
                round(bar_height, 1),
                c,
            )
        )
        points.append((round(x + slot / 2, 1), round(bottom - c.cumulative * (bottom - top), 1)))
    path = " ".join(f"{'M' if i == 0 else 'L'}{x},{y}" for i, (x, y) in enumerate(points))
    return Pareto(width, height, left, bottom, highest, bars, path)


@dataclass
class Figures:
    """What a set of cases adds up to: the dashboard's and the annual report's shared part."""

    filters: Filters
    total: int
    months: list[Count]
    month_chart: MonthChart
    categories: list[Count]
    category_chart: Pareto
    target_groups: list[Count]
    risk_levels: list[Count]
    matrix: Matrix
    lead_times: list[StepTimes]
    answer_times: list[LeadTime]
    closed: int
    closed_with_feedback: int
    closed_without_wish: int

    @property
    def feedback_share(self) -> float | None:
        return self.closed_with_feedback / self.closed if self.closed else None


@dataclass
class Dashboard(Figures):
    """The figures plus what needs doing now, for the user's own view."""

    overdue_answers: list[Count] = field(default_factory=list)
    open_clusters: list[Cluster] = field(default_factory=list)
    follow_ups_due: list[Decision] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)


def scoped_cases(user, filters: Filters):
    """The visible cases narrowed by the filters: the one base every dashboard figure and
    export starts from."""
    return narrowed(visible_deviations(user), filters)


def narrowed(query, filters: Filters):
    """Cases reported in the period, of the group and category, reported by or concerning the
    organization."""
    query = query.where(
        Deviation.submitted_at >= local_midnight(filters.start),
        Deviation.submitted_at < local_midnight(date.fromordinal(filters.end.toordinal() + 1)),
    )
    if filters.group_id is not None:
        query = query.where(Deviation.group_id == filters.group_id)
    if filters.category_id is not None:
        query = query.where(Deviation.category_id == filters.category_id)
    if filters.organization_id is not None:
        concerned = select(ConcernedOrganization.deviation_id).where(
            ConcernedOrganization.organization_id == filters.organization_id
        )
        query = query.where(
            or_(
                Deviation.reporter_organization_id == filters.organization_id,
                Deviation.id.in_(concerned),
            )
        )
    return query


def _columns(base, *columns):
    """The cases' select with other columns, still selecting from the cases for joins to add."""
    return base.with_only_columns(*columns).select_from(Deviation)


def _shares(counts: list[Count]) -> list[Count]:
    total = sum(c.count for c in counts)
    running = 0
    for c in counts:
        running += c.count
        c.share = c.count / total if total else 0.0
        c.cumulative = running / total if total else 0.0
    return counts


def _months(base, filters: Filters) -> list[Count]:
    """One row, one column per month: each month's bounds are Stockholm midnights."""
    first = month_index(filters.start)
    last = month_index(filters.end)
    columns = []
    for index in range(first, last + 1):
        month = add_months(filters.start, index - first)
        since = max(local_midnight(month), local_midnight(filters.start))
        until = local_midnight(add_months(month, 1))
        columns.append(
            func.sum(
                case(
                    (and_(Deviation.submitted_at >= since, Deviation.submitted_at < until), 1),
                    else_=0,
                )
            )
        )
    row = db.session.execute(_columns(base, *columns)).one()
    return [Count(month_label(first + offset), int(value or 0)) for offset, value in enumerate(row)]


def _month_chart(months: list[Count], filters: Filters) -> MonthChart:
    points = [
        Point(add_months(filters.start, offset), float(c.count)) for offset, c in enumerate(months)
    ]
    chart = analyse(points, lower_is_better=True)
    indicator = _Indicator(name=_("Rapporterade avvikelser per månad"), unit=_("antal"))
    return MonthChart(chart, geometry(chart), sentence(chart), indicator)


@dataclass(frozen=True)
class _Indicator:
    name: str
    unit: str
    target: float | None = None


def _categories(base) -> list[Count]:
    rows = db.session.execute(
        _columns(base, Category.name, func.count(Deviation.id))
        .join(Category, Category.id == Deviation.category_id)
        .group_by(Category.id, Category.name)
    ).all()
    counts = sorted((Count(name, n) for name, n in rows), key=lambda c: (-c.count, c.label))
    return _shares(counts)


def _target_groups(base) -> list[Count]:
    rows = dict(
        db.session.execute(
            _columns(base, Deviation.target_group, func.count(Deviation.id)).group_by(
                Deviation.target_group
            )
        ).all()
    )
    return _shares([Count(str(t.title), rows.get(t, 0)) for t in TargetGroup if rows.get(t)])


def _risk_levels(base) -> list[Count]:
    by_level: dict[RiskLevel, int] = defaultdict(int)
    for score, n in db.session.execute(
        _columns(base, Deviation.risk_score, func.count(Deviation.id)).group_by(
            Deviation.risk_score
        )
    ):
        by_level[RiskLevel.from_score(score)] += n
    return _shares([Count(str(level.title), by_level[level]) for level in RiskLevel])


def _matrix(base) -> Matrix:
    concerned = aliased(ConcernedOrganization)  # the visibility rule's EXISTS has its own
    rows = db.session.execute(
        _columns(
            base,
            Deviation.reporter_organization_id,
            concerned.organization_id,
            func.count(Deviation.id),
        )
        .join(concerned, concerned.deviation_id == Deviation.id)
        .group_by(Deviation.reporter_organization_id, concerned.organization_id)
    ).all()
    return _matrix_of({(r, c): n for r, c, n in rows})


def _matrix_of(cells: dict[tuple[int, int], int]) -> Matrix:
    row_totals: dict[int, int] = defaultdict(int)
    column_totals: dict[int, int] = defaultdict(int)
    for (r, c), n in cells.items():
        row_totals[r] += n
        column_totals[c] += n
    ids = set(row_totals) | set(column_totals)
    organizations = {
        o.id: o for o in db.session.scalars(select(Organization).where(Organization.id.in_(ids)))
    }

    def ordered(keys):
        return sorted((organizations[k] for k in keys), key=lambda o: o.name)

    return Matrix(
        rows=ordered(row_totals),
        columns=ordered(column_totals),
        cells=cells,
        row_totals=dict(row_totals),
        column_totals=dict(column_totals),
        total=sum(cells.values()),
    )


def percentile(values, share: int) -> float | None:
    """Nearest-rank percentile: a value some case actually had, not an interpolation.

    `values` is a list or a histogram (value → how many cases had it)."""
    histogram = values if isinstance(values, Counter) else Counter(values)
    total = sum(histogram.values())
    if not total:
        return None
    rank = max(1, math.ceil(share / 100 * total))
    for value in sorted(histogram):
        rank -= histogram[value]
        if rank <= 0:
            return value
    raise AssertionError("unreachable: the ranks add up to the total")


def lead_time(label: str, values) -> LeadTime:
    count = sum(values.values()) if isinstance(values, Counter) else len(values)
    return LeadTime(label, count, percentile(values, 50), percentile(values, PERCENTILE))


def _step_label(since: str, until: str) -> str:
    names = {
        "submitted": _("rapporterad"),
        "triaged": _("bedömd"),
        "answered": _("besvarad"),
        "decided": _("beslutad"),
        "closed": _("avslutad"),
    }
    return f"{names[since].capitalize()} → {names[until]}"


def _step_times(samples, group_names: dict[int, str]) -> list[StepTimes]:
    """All cases first, then each group by name; `samples[group][step]` holds lead times
    (a list, or a histogram of lead times in days)."""
    order = [None, *sorted((k for k in samples if k is not None), key=lambda k: group_names[k])]
    return [
        StepTimes(
            _("Alla ärenden") if key is None else group_names[key],
            [
                lead_time(_step_label(*step), samples[key][index])
                for index, step in enumerate(STEPS)
            ],
        )
        for key in order
    ]


def _group_names(ids) -> dict[int, str]:
    ids = [i for i in ids if i is not None]
    return {g.id: g.name for g in db.session.scalars(select(Group).where(Group.id.in_(ids)))}


def _lead_times(base) -> list[StepTimes]:
    rows = db.session.execute(moments_query(_columns(base, Deviation.group_id))).all()
    samples: dict[int | None, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for group_id, *moments in rows:
        for index, days in enumerate(step_days(moments)):
            if days is not None:
                samples[None][index].append(days)
                samples[group_id][index].append(days)
    return _step_times(samples, _group_names(samples))


def _answer_times(base) -> list[LeadTime]:
    """Per concerned organization: from the request for an answer to its answer."""
    ids = _columns(base, Deviation.id)
    rows = db.session.execute(
        select(Organization.name, ConcernedOrganization.requested_at, Answer.created_at)
        .join(Organization, Organization.id == ConcernedOrganization.organization_id)
        .join(
            Answer,
            and_(
                Answer.deviation_id == ConcernedOrganization.deviation_id,
                Answer.organization_id == ConcernedOrganization.organization_id,
            ),
        )
        .where(ConcernedOrganization.deviation_id.in_(ids))
    ).all()
    samples: dict[str, list[float]] = defaultdict(list)
    for name, requested_at, answered_at in rows:
        days = days_between(requested_at, answered_at)
        if days is not None:
            samples[name].append(days)
    return [lead_time(name, samples[name]) for name in sorted(samples)]


def _visible_among(base, ids) -> set[int]:
    """Which of a few case ids `base` selects: looked up by id, so the few are checked
    instead of reading every case of the period."""
    if not ids:
        return set()
    return set(db.session.scalars(_columns(base, Deviation.id).where(Deviation.id.in_(ids))))


def _overdue_answers(base, today: date, region_id: int) -> list[Count]:
    """Answers still pending after their due date, per concerned organization, now. Those of
    the user's region only (as `base`) before the visibility check, which would otherwise be
    asked about every region's (7,000 ids at 10^6 cases in 20 regions, issue 15). The names
    come after: joined in, they made PostgreSQL match every organization against every row."""
    rows = db.session.execute(
        select(ConcernedOrganization.deviation_id, ConcernedOrganization.organization_id)
        .join(Deviation, Deviation.id == ConcernedOrganization.deviation_id)
        .where(
            Deviation.region_id == region_id,
            Deviation.state == DeviationState.AWAITING_ANSWERS,
            ConcernedOrganization.status == ConcernedStatus.PENDING,
            ConcernedOrganization.answer_due_on < today,
        )
    ).all()
    visible = _visible_among(base, sorted({case_id for case_id, _ in rows}))
    counts = Counter(organization_id for case_id, organization_id in rows if case_id in visible)
    if not counts:
        return []
    names = dict(
        db.session.execute(
            select(Organization.id, Organization.name).where(Organization.id.in_(sorted(counts)))
        ).all()
    )
    return _shares(
        sorted(
            (Count(names[organization_id], n) for organization_id, n in counts.items()),
            key=lambda c: (-c.count, c.label),
        )
    )


def _open_clusters(user, filters: Filters) -> list[Cluster]:
    query = visible_clusters(user).where(
        Cluster.state.in_((ClusterState.OPEN, ClusterState.HANDED_OVER))
    )
    if filters.group_id is not None:
        query = query.where(Cluster.group_id == filters.group_id)
    return list(db.session.scalars(query.order_by(Cluster.created_at)))


def _follow_ups_due(base, region_id: int) -> list[Decision]:
    """Decisions on the visible cases whose follow-up date is set and not yet done (of the
    user's region first, as in _overdue_answers)."""
    due = db.session.execute(
        select(Decision, Matter.deviation_id)
        .join(Matter, Matter.id == Decision.matter_id)
        .join(Deviation, Deviation.id == Matter.deviation_id)
        .where(
            Deviation.region_id == region_id,
            Decision.follow_up_on.is_not(None),
            Decision.follow_up_done_at.is_(None),
        )
        .order_by(Decision.follow_up_on, Decision.id)
    ).all()
    visible = _visible_among(base, sorted({case_id for _, case_id in due}))
    return [decision for decision, case_id in due if case_id in visible]


def _feedback(base) -> tuple[int, int, int]:
    """Closed cases; of them, whose reporter was sent the closing feedback; who declined it."""
    closed = base.where(Deviation.state == DeviationState.CLOSED)
    sent = exists().where(
        Notification.deviation_id == Deviation.id,
        Notification.kind == kept.FEEDBACK_KIND,
        Notification.user_id == Deviation.reporter_id,
    )
    total, with_feedback, declined = db.session.execute(
        _columns(
            closed,
            func.count(Deviation.id),
            func.sum(case((sent, 1), else_=0)),
            func.sum(case((Deviation.wants_feedback.is_(False), 1), else_=0)),
        )
    ).one()
    return int(total or 0), int(with_feedback or 0), int(declined or 0)


def figures(base, filters: Filters) -> Figures:
    """The figures of the cases `base` selects (already narrowed to the period)."""
    months = _months(base, filters)
    categories = _categories(base)
    closed, with_feedback, declined = _feedback(base)
    return Figures(
        filters=filters,
        total=sum(c.count for c in months),
        months=months,
        month_chart=_month_chart(months, filters),
        categories=categories,
        category_chart=pareto(categories),
        target_groups=_target_groups(base),
        risk_levels=_risk_levels(base),
        matrix=_matrix(base),
        lead_times=_lead_times(base),
        answer_times=_answer_times(base),
        closed=closed,
        closed_with_feedback=with_feedback,
        closed_without_wish=declined,
    )


@dataclass(frozen=True)
class KeptScope:
    """Whole groups, and perhaps one organization involved, of one region."""

    groups: frozenset[int]
    organization_id: int | None = None


def kept_scope(user, filters: Filters, today: date) -> KeptScope | None:
    """The kept monthly figures that are exactly the cases this user sees in the filtered
    period, or None when the cases must be counted.

    Figures are kept per region, month and group, and per organization involved (reporting or
    concerned); every case has one group, so they answer any set of whole groups for whole
    months, for all organizations or one. That is an administrator's region (any group and
    organization filter), a samverkansgrupp member's own groups and a coordinator's one
    organization — when the other ways they see cases (own reports, cases shared to the group)
    add none from outside in the period. Coordinators of several organizations, LSVO members,
    members who also coordinate, a category filter and periods that cut a month count the
    cases themselves (services/figures.py).
    """
    whole_months = filters.start.day == 1 and (
        filters.end >= today or add_months(filters.end, 1) - filters.end == timedelta(1)
    )
    region_id = user.organization.region_id
    if not whole_months or filters.category_id is not None or not kept.trusted(region_id):
        return None
    memberships = [m for m in user.memberships if m.active]
    organization_id = filters.organization_id
    if user.is_admin:
        groups = frozenset(db.session.scalars(select(Group.id).where(Group.region_id == region_id)))
    elif memberships and not user.coordinator_roles and organization_id is None:
        if any(m.group.level is GroupLevel.STRATEGIC for m in memberships):
            return None
        groups = frozenset(m.group_id for m in memberships)
    elif len(user.coordinator_roles) == 1 and not memberships:
        coordinated = user.coordinator_roles[0].organization_id
        if organization_id not in (None, coordinated):
            return None
        organization_id = coordinated
        groups = frozenset(db.session.scalars(select(Group.id).where(Group.region_id == region_id)))
    else:
        return None
    if filters.group_id is not None:
        if filters.group_id not in groups:
            return None
        groups = frozenset({filters.group_id})
    scope = KeptScope(groups, organization_id)
    if not groups or (not user.is_admin and _seen_outside(user, scope, filters)):
        return None
    return scope


def _involving(organization_id: int):
    concerned = select(ConcernedOrganization.deviation_id).where(
        ConcernedOrganization.organization_id == organization_id
    )
    return or_(Deviation.reporter_organization_id == organization_id, Deviation.id.in_(concerned))


def _seen_outside(user, scope: KeptScope, filters: Filters) -> bool:
    """Whether the user sees, in the period, a case outside the scope: one they reported, or
    one shared to their group. Two questions, each answered through its own index (the
    reporter's cases, the group's shares), not one that reads the period's cases."""
    inside = Deviation.group_id.in_(scope.groups)
    if scope.organization_id is not None:
        inside = and_(inside, _involving(scope.organization_id))
    outside = narrowed(select(Deviation.id), filters).where(~inside)
    questions = [outside.where(Deviation.reporter_id == user.id)]
    if scope.organization_id is None:
        questions.append(
            outside.join(DeviationShare, DeviationShare.deviation_id == Deviation.id).where(
                DeviationShare.group_id.in_(scope.groups)
            )
        )
    return any(db.session.scalar(select(exists(question))) for question in questions)


def kept_figures(region_id: int, filters: Filters, scope: KeptScope | None = None) -> Figures:
    """The same figures as `figures`, read from the monthly counts (services/figures.py), of
    the region's cases in the scope's groups involving its organization (without a scope: the
    region, narrowed by the filters' group and organization)."""
    organization_id = scope.organization_id if scope else filters.organization_id
    table = MonthlyFigure if organization_id is None else MonthlyOrganizationFigure
    where = [
        table.region_id == region_id,
        table.month >= filters.start,
        table.month <= filters.end,
    ]
    if organization_id is not None:
        where.append(table.organization_id == organization_id)
    if scope is not None:
        where.append(table.group_id.in_(sorted(scope.groups)))
    if filters.group_id is not None:
        where.append(table.group_id == filters.group_id)
    per_month = dict(
        db.session.execute(
            select(table.month, func.sum(table.count))
            .where(*where, table.kind == kept.CATEGORY)
            .group_by(table.month)
        ).all()
    )
    lead_group = case((table.kind == kept.LEAD, table.group_id))
    rows = db.session.execute(
        select(lead_group, table.kind, table.key, func.sum(table.count))
        .where(*where)
        .group_by(lead_group, table.kind, table.key)
    ).all()
    return _summed(filters, per_month, rows)


@contextmanager
def _without_cycle_collection():
    """Thousands of short-lived rows and key lists: meanwhile the cyclic garbage collector would
    walk the app's whole heap again and again and free nothing (reference counting frees them),
    which made the p95 of 5,440 cases three times the median (205-227 against 74 ms)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def case_key_figures(base, filters: Filters) -> Figures:
    """The same figures as `figures`, summed from the keys each selected case contributes
    (services/figures.py): one narrow row per case instead of a lookup per case and step, for
    the views the monthly counts cannot answer (a category, LSVO, several organizations)."""
    per_month: Counter = Counter()
    per_group: dict[int, Counter] = defaultdict(Counter)
    with _without_cycle_collection():
        for month, group_id, keys in db.session.execute(
            _columns(base, CaseFigure.month, CaseFigure.group_id, CaseFigure.keys).join(
                CaseFigure, CaseFigure.deviation_id == Deviation.id
            )
        ):
            per_month[month] += 1
            per_group[group_id].update(keys)
    rows = []
    for group_id, counts in per_group.items():
        for key, n in counts.items():
            kind, _, rest = key.partition(":")
            rows.append((group_id if kind == kept.LEAD else None, kind, rest, n))
    return _summed(filters, per_month, rows)


def figures_of(base, filters: Filters, region_id: int) -> Figures:
    """`figures`, summed from the cases' kept keys once the region's are built."""
    if kept.trusted(region_id):
        return case_key_figures(base, filters)
    return figures(base, filters)


def _summed(filters: Filters, per_month: dict, rows) -> Figures:
    """Figures from counts per month and per (group for lead times, kind, key)."""
    counts: dict[str, Counter] = defaultdict(Counter)
    leads: dict[int | None, dict[int, Counter]] = defaultdict(lambda: defaultdict(Counter))
    answers: dict[int, Counter] = defaultdict(Counter)
    for group_id, kind, key, n in rows:
        if not n:
            continue
        if kind == kept.LEAD:
            step, value = (int(part) for part in key.split(":"))
            leads[None][step][value / 10] += n
            leads[group_id][step][value / 10] += n
        elif kind == kept.ANSWER:
            organization_id, value = (int(part) for part in key.split(":"))
            answers[organization_id][value / 10] += n
        else:
            counts[kind][key] += n

    first = month_index(filters.start)
    months = [
        Count(month_label(index), int(per_month.get(add_months(filters.start, index - first), 0)))
        for index in range(first, month_index(filters.end) + 1)
    ]
    names = dict(
        db.session.execute(
            select(Category.id, Category.name).where(
                Category.id.in_([int(k) for k in counts[kept.CATEGORY]])
            )
        ).all()
    )
    categories = _shares(
        sorted(
            (Count(names[int(k)], n) for k, n in counts[kept.CATEGORY].items()),
            key=lambda c: (-c.count, c.label),
        )
    )
    targets = counts[kept.TARGET_GROUP]
    risks = counts[kept.RISK]
    pairs = {tuple(int(part) for part in key.split(":")): n for key, n in counts[kept.PAIR].items()}
    organizations = dict(
        db.session.execute(
            select(Organization.id, Organization.name).where(Organization.id.in_(list(answers)))
        ).all()
    )
    closed = counts[kept.CLOSED]
    return Figures(
        filters=filters,
        total=sum(c.count for c in months),
        months=months,
        month_chart=_month_chart(months, filters),
        categories=categories,
        category_chart=pareto(categories),
        target_groups=_shares(
            [Count(str(t.title), targets[t.value]) for t in TargetGroup if targets[t.value]]
        ),
        risk_levels=_shares([Count(str(level.title), risks[level.value]) for level in RiskLevel]),
        matrix=_matrix_of(pairs),
        lead_times=_step_times(leads, _group_names(leads)),
        answer_times=sorted(
            (lead_time(organizations[o], answers[o]) for o in answers), key=lambda t: t.label
        ),
        closed=closed["all"],
        closed_with_feedback=closed["feedback"],
        closed_without_wish=closed["declined"],
    )


def build(user, filters: Filters, *, now: datetime) -> Dashboard:
    base = scoped_cases(user, filters)
    scope = kept_scope(user, filters, local_today(now))
    if scope is not None:
        shared = kept_figures(user.organization.region_id, filters, scope)
    else:
        shared = figures_of(base, filters, user.organization.region_id)
    board = Dashboard(
        **vars(shared),
        overdue_answers=_overdue_answers(base, local_today(now), user.organization.region_id),
        open_clusters=_open_clusters(user, filters),
        follow_ups_due=_follow_ups_due(base, user.organization.region_id),
    )
    board.summary = summary(board, overdue=sum(c.count for c in board.overdue_answers))
    return board


def summary(board: Figures, *, overdue: int = 0) -> list[str]:
    """The dashboard in sentences, for screen readers and for those who read before they look."""
    lines = [
        _(
            "%(count)d avvikelser rapporterade %(start)s–%(end)s.",
            count=board.total,
            start=board.filters.start.isoformat(),
            end=board.filters.end.isoformat(),
        )
    ]
    if board.categories:
        top = board.categories[0]
        lines.append(
            _(
                "Vanligast var %(category)s (%(count)d, %(share)d %%).",
                category=top.label,
                count=top.count,
                share=round(top.share * 100),
            )
        )
    overall = board.lead_times[0].steps[-1] if board.lead_times else None
    if overall and overall.median is not None:
        lines.append(
            _(
                "Från rapport till avslut tog det i median %(median)s dagar (%(count)d ärenden).",
                median=days_text(overall.median),
                count=overall.count,
            )
        )
    if overdue:
        lines.append(_("%(count)d svar är försenade just nu.", count=overdue))
    if board.feedback_share is not None:
        lines.append(
            _(
                "Rapportören fick återkoppling i %(with)d av %(closed)d avslutade ärenden.",
                **{"with": board.closed_with_feedback, "closed": board.closed},
            )
        )
    return lines


def days_text(days: float | None) -> str:
    """Days with one decimal under ten, whole days from ten: precision people can use (the
    kept figures round lead times the same way, services/figures.tenths)."""
    if days is None:
        return "–"
    value = kept.tenths(days)
    if value < 100:
        return f"{value // 10},{value % 10}"
    return str(value // 10)
