"""Read-only case lists: Ärenden, the two inboxes, "Väntar på dig" on the start page, Notiser.

Every list starts from permissions.visible_deviations(user), so no list, count or inbox can show
a case that the case page would refuse. A row loads what the row shows in a fixed number of
statements (many-to-one joined, collections select-in) and anything else raises (raiseload), so
a template that reaches further fails in the tests instead of querying once per row.

Long lists are keyset pages on (submitted_at, id), newest first: a late page costs what the first
one does, and a page does not shift while new cases arrive (PERFORMANCE.md §1.5). There is no
exact total on a list that can span a whole region; the count stops at COUNT_CAP (§1.6).
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, case, exists, func, or_, select, true, tuple_
from sqlalchemy.orm import contains_eager, joinedload, lazyload, raiseload, selectinload

from ..db import MAX_ID, db
from ..models import (
    Action,
    ActionStatus,
    Answer,
    AuditEntry,
    Category,
    ConcernedOrganization,
    ConcernedStatus,
    Deviation,
    DeviationShare,
    DeviationState,
    Group,
    GroupLevel,
    Membership,
    Notification,
    Organization,
    RiskLevel,
    User,
)
from ..permissions import (
    MANAGER_ROLES,
    coordinator_organization_ids,
    deviation_id_in,
    handed_over_in,
    manages_group,
    organization_terms,
    visible_deviations,
)
from .admin import by_name, category_tree, flatten, organization_options
from .dates import STOCKHOLM, as_utc, local_today
from .notifications import unread_count

PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
# Counting stops here: an exact count of a region's whole history would cost a scan per page.
COUNT_CAP = 500
# An inbox section shows this many cases, those that have waited longest; the rest are one
# click away in the filtered list. Five sections of 25 are a screenful each on a phone and keep
# the group's inbox to about 125 rows to write out (issue 15).
SECTION_LIMIT = 25
# "Väntar på dig" names the first few cases and counts the rest.
WAITING_PREVIEW = 3
RECENT_ANSWERS = 10

OPEN_ACTION = tuple(status for status in ActionStatus if status.is_open)


def page_size(requested: int | None) -> int:
    """`per_page` from the URL, kept between 1 and MAX_PAGE_SIZE so nobody asks for everything."""
    if requested is None:
        return PAGE_SIZE
    return max(1, min(requested, MAX_PAGE_SIZE))


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: the (time, id) of the last row shown, as `?fore=<iso>,<id>`."""

    at: datetime
    id: int

    def encode(self) -> str:
        return f"{self.at.isoformat()},{self.id}"

    @classmethod
    def decode(cls, value: str | None) -> "Cursor | None":
        """A damaged link starts again from the newest row rather than failing."""
        if not value:
            return None
        moment, _sep, row_id = value.rpartition(",")
        try:
            at, number = as_utc(datetime.fromisoformat(moment)), int(row_id)
        except (ValueError, OverflowError):
            return None
        return cls(at, number) if 1 <= number <= MAX_ID else None


@dataclass
class Page:
    rows: list
    next_cursor: Cursor | None


def keyset_page(
    statement: Select, time_column, id_column, fore: Cursor | None, size: int, at, options=()
):
    """Newest first after `fore`; one row more than the page tells whether there is a next page.

    The row-value comparison `(time, id) < (:t, :i)` is what both SQLite (3.15+) and PostgreSQL
    match to the (time, id) index; the id breaks ties between rows stored in the same instant.
    With loader options the page's ids are found first and only those rows loaded with what
    they show: a database that must sort the candidates (gathered from indexes) then sorts
    narrow rows instead of joining every candidate to its organization, group and category.
    """
    statement = statement.order_by(time_column.desc(), id_column.desc()).limit(size + 1)
    if fore is not None:
        statement = statement.where(tuple_(time_column, id_column) < tuple_(fore.at, fore.id))
    if options:
        ids = list(db.session.scalars(statement.with_only_columns(id_column)))
        entity = statement.column_descriptions[0]["entity"]
        loaded = db.session.scalars(select(entity).where(id_column.in_(ids)).options(*options))
        by_id = {row.id: row for row in loaded}
        rows = [by_id[row_id] for row_id in ids]
    else:
        rows = list(db.session.scalars(statement))
    if len(rows) <= size:
        return Page(rows, None)
    rows = rows[:size]
    last = rows[-1]
    return Page(rows, Cursor(at(last), last.id))


def local_day_start(day: date) -> datetime:
    """Midnight in Stockholm as a UTC instant: periods are picked as local dates (DESIGN §10)."""
    return datetime.combine(day, time(0), STOCKHOLM).astimezone(UTC)


# --- What a case row shows ----------------------------------------------------------------------

# The row: number, dates, title, category (with its main category), reporting organization and
# unit (never the reporter's name), concerned organizations, group, status, risk, answer due.
# Anything else on the case raises. A wildcard raiseload also reaches every object loaded along
# with the case, including ones the request already holds (the user's own organization, the
# author of an answer who may be the user), so those shared objects get ordinary lazy loading
# back explicitly: only the case and its own rows raise.
ROW_OPTIONS = (
    joinedload(Deviation.category).options(
        joinedload(Category.parent).lazyload("*"), lazyload("*")
    ),
    joinedload(Deviation.group).lazyload("*"),
    joinedload(Deviation.reporter_organization).lazyload("*"),
    joinedload(Deviation.reporter_unit).lazyload("*"),
    selectinload(Deviation.concerned).options(
        joinedload(ConcernedOrganization.organization).lazyload("*"), raiseload("*")
    ),
    raiseload("*"),
)


def _in_organization(organization_id: int):
    """Reported by the organization or concerning it."""
    return or_(*organization_terms([organization_id]))


# --- Ärenden: the filtered case list ------------------------------------------------------------


@dataclass(frozen=True)
class CaseFilters:
    states: frozenset[DeviationState] | None = None
    group_id: int | None = None
    category_id: int | None = None
    organization_id: int | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None
    risk_level: RiskLevel | None = None


def filtered_cases(user: User, filters: CaseFilters) -> Select:
    statement = visible_deviations(user)
    if filters.states:
        statement = statement.where(Deviation.state.in_(sorted(filters.states)))
    if filters.group_id is not None:
        statement = statement.where(Deviation.group_id == filters.group_id)
    if filters.category_id is not None:
        # A main category stands for its subcategories too.
        statement = statement.where(
            Deviation.category_id.in_(
                select(Category.id).where(
                    or_(
                        Category.id == filters.category_id,
                        Category.parent_id == filters.category_id,
                    )
                )
            )
        )
    if filters.organization_id is not None:
        statement = statement.where(_in_organization(filters.organization_id))
    if filters.submitted_from is not None:
        statement = statement.where(
            Deviation.submitted_at >= local_day_start(filters.submitted_from)
        )
    if filters.submitted_to is not None:
        statement = statement.where(
            Deviation.submitted_at < local_day_start(filters.submitted_to + timedelta(days=1))
        )
    if filters.risk_level is not None:
        low, high = filters.risk_level.score_range
        statement = statement.where(Deviation.risk_score.between(low, high))
    return statement


def case_page(
    user: User, filters: CaseFilters, *, fore: Cursor | None = None, size: int = PAGE_SIZE
) -> Page:
    return keyset_page(
        filtered_cases(user, filters),
        Deviation.submitted_at,
        Deviation.id,
        fore,
        size,
        lambda d: d.submitted_at,
        options=ROW_OPTIONS,
    )


def count_cases(user: User, filters: CaseFilters, *, cap: int = COUNT_CAP) -> int:
    """The number of matching cases, but at most cap + 1 ("fler än cap").

    Counted in the list's own order, so the database walks the index the page walks and stops
    at cap + 1; unordered, PostgreSQL chose to collect the whole region's ids in a bitmap
    first (24 against 11 ms for the region's coordinator at 10^6 cases, issue 15)."""
    limited = (
        filtered_cases(user, filters)
        .with_only_columns(Deviation.id)
        .order_by(Deviation.submitted_at.desc(), Deviation.id.desc())
        .limit(cap + 1)
    )
    return db.session.scalar(select(func.count()).select_from(limited.subquery()))


@dataclass
class FilterOptions:
    groups: list[Group]
    categories: list[tuple[Category, int]]
    organizations: list[Organization]


def filter_options(user: User) -> FilterOptions:
    """The user's region's groups, categories and organizations, retired and inactive ones too:
    old cases keep them and must stay findable."""
    region_id = user.organization.region_id
    return FilterOptions(
        # Names only: the administration's group list also counts members and loads parents.
        groups=sorted(
            db.session.scalars(
                select(Group).where(
                    Group.region_id == region_id, Group.level == GroupLevel.TACTICAL
                )
            ),
            key=by_name,
        ),
        categories=flatten(category_tree(region_id)),
        organizations=organization_options(region_id, include_inactive=True),
    )


# --- The coordinator's inbox --------------------------------------------------------------------


def _owed_by(organization_ids) -> tuple:
    """The case's concerned rows for the user's organizations that still owe an answer."""
    return (
        ConcernedOrganization.deviation_id == Deviation.id,
        ConcernedOrganization.organization_id.in_(organization_ids),
        ConcernedOrganization.status == ConcernedStatus.PENDING,
    )


def _mine_pending(organization_ids, *extra):
    return select(ConcernedOrganization.id).where(*_owed_by(organization_ids), *extra).exists()


def _my_due(organization_ids):
    """The earliest answer date among the user's organizations that still owe an answer
    (passed-on cases give the new organization its own, later date)."""
    return (
        select(func.min(ConcernedOrganization.answer_due_on))
        .where(*_owed_by(organization_ids))
        .scalar_subquery()
    )


def _awaiting_my_answer(user: User, organization_ids) -> Select:
    """Started from the answers the organizations owe (ix_concerned_organization_status), a few
    rows even for the region's own organization, which is concerned in every case."""
    owed = select(ConcernedOrganization.deviation_id).where(
        ConcernedOrganization.organization_id.in_(organization_ids),
        ConcernedOrganization.status == ConcernedStatus.PENDING,
    )
    return visible_deviations(user).where(
        deviation_id_in(owed), Deviation.state == DeviationState.AWAITING_ANSWERS
    )


def _possibly_serious():
    """Written as ix_deviations_region_serious's condition, so the planner can use it."""
    return Deviation.possible_serious == true()


def _serious_undecided(organization_ids):
    """Possible lex Maria/lex Sarah without the organization's own IVO decision, whatever the
    case's state: the decision stays due after the collaboration case has moved on."""
    return (
        select(ConcernedOrganization.id)
        .where(
            ConcernedOrganization.deviation_id == Deviation.id,
            ConcernedOrganization.organization_id.in_(organization_ids),
            ConcernedOrganization.ivo_reported.is_(None),
        )
        .exists()
    )


@dataclass
class AwaitingAnswer:
    deviation: Deviation
    due_on: date | None
    overdue: bool


@dataclass
class CoordinatorInbox:
    organizations: list[Organization]
    awaiting: list[AwaitingAnswer] = field(default_factory=list)
    awaiting_more: bool = False
    serious: list[Deviation] = field(default_factory=list)
    serious_more: bool = False
    recent: list[tuple[Deviation, Answer]] = field(default_factory=list)


def coordinator_organizations(user: User) -> list[Organization]:
    ids = coordinator_organization_ids(user)
    if not ids:
        return []
    rows = db.session.scalars(select(Organization).where(Organization.id.in_(sorted(ids))))
    return sorted(rows, key=lambda o: o.name.casefold())


def awaiting_answers(
    user: User, organization_ids, *, today: date, limit: int
) -> tuple[list[AwaitingAnswer], bool]:
    """Cases waiting for one of the user's organizations to answer, overdue first: sorting by
    the earliest due date puts every overdue case before every case still in time."""
    due = _my_due(organization_ids)
    statement = (
        _awaiting_my_answer(user, organization_ids)
        .add_columns(due.label("due_on"))
        .options(*ROW_OPTIONS)
        .order_by(due.asc().nulls_last(), Deviation.submitted_at, Deviation.id)
        .limit(limit + 1)
    )
    rows = db.session.execute(statement).all()
    items = [
        AwaitingAnswer(deviation, due_on, due_on is not None and due_on < today)
        for deviation, due_on in rows[:limit]
    ]
    return items, len(rows) > limit


def coordinator_inbox(user: User, *, today: date) -> CoordinatorInbox:
    organizations = coordinator_organizations(user)
    inbox = CoordinatorInbox(organizations)
    if not organizations:
        return inbox
    ids = [o.id for o in organizations]
    inbox.awaiting, inbox.awaiting_more = awaiting_answers(
        user, ids, today=today, limit=SECTION_LIMIT
    )
    serious = list(
        db.session.scalars(
            visible_deviations(user)
            .where(_possibly_serious(), _serious_undecided(ids))
            .options(*ROW_OPTIONS)
            .order_by(Deviation.submitted_at, Deviation.id)
            .limit(SECTION_LIMIT + 1)
        )
    )
    inbox.serious, inbox.serious_more = serious[:SECTION_LIMIT], len(serious) > SECTION_LIMIT
    inbox.recent = [
        tuple(row)
        for row in db.session.execute(
            visible_deviations(user)
            .join(Answer, Answer.deviation_id == Deviation.id)
            .where(Answer.organization_id.in_(ids))  # ix_answers_organization_created
            .add_columns(Answer)
            .options(
                *ROW_OPTIONS,
                joinedload(Answer.organization).lazyload("*"),
                joinedload(Answer.author).lazyload("*"),
                raiseload(Answer.deviation),
            )
            .order_by(Answer.created_at.desc(), Answer.id.desc())
            .limit(RECENT_ANSWERS)
        )
    ]
    return inbox


# --- The group's inbox --------------------------------------------------------------------------


def inbox_groups(user: User) -> list[Group]:
    """The groups the user is an active member of, those they manage first."""
    memberships = [m for m in user.memberships if m.active]
    if not memberships:
        return []
    manages = {m.group_id for m in memberships if m.role in MANAGER_ROLES}
    groups = db.session.scalars(
        select(Group).where(Group.id.in_(sorted({m.group_id for m in memberships})))
    )
    return sorted(groups, key=lambda g: (g.id not in manages, g.name.casefold()))


def in_group(group: Group):
    """Routed to the group, shared with it, or (for LSVO, a strategic group) handed over to it.

    The few shared ids are read first and given as a list: with the share subquery in the term,
    PostgreSQL read the group's cases through a bitmap and ANDed the region's 50,000-entry one
    into it (6.9 against 0.6 ms per inbox section at 10^6 cases, issue 15)."""
    shared = db.session.scalars(
        select(DeviationShare.deviation_id).where(DeviationShare.group_id == group.id)
    ).all()
    terms = [Deviation.group_id == group.id]
    if shared:
        terms.append(Deviation.id.in_(sorted(shared)))
    if group.level is GroupLevel.STRATEGIC:
        terms.append(handed_over_in([group.region_id]))
    return or_(*terms)


def _overdue_action(today: date):
    return exists().where(
        Action.deviation_id == Deviation.id,
        Action.status.in_(OPEN_ACTION),
        Action.due_on < today,
    )


@dataclass
class Section:
    cases: list[Deviation]
    more: bool


@dataclass
class GroupInbox:
    group: Group
    manages: bool
    new: Section
    awaiting: Section
    preparation: Section
    escalated: Section
    actions: Section
    shared: set[int] = field(default_factory=set)
    # Cases whose answers or open actions are past their date (marked in the list).
    late: set[int] = field(default_factory=set)
    # Per case in `actions`: its open actions, and how many of them are late.
    action_counts: dict[int, tuple[int, int]] = field(default_factory=dict)


def _section(statement: Select, *order, options=()) -> Section:
    rows = list(
        db.session.scalars(
            statement.options(*ROW_OPTIONS, *options)
            .order_by(*order, Deviation.submitted_at, Deviation.id)
            .limit(SECTION_LIMIT + 1)
        )
    )
    return Section(rows[:SECTION_LIMIT], len(rows) > SECTION_LIMIT)


def group_inbox(user: User, group: Group, *, manages: bool, today: date) -> GroupInbox:
    """The group's cases by what they wait for, the longest-waiting first in each section."""
    base = visible_deviations(user).where(in_group(group))

    def state(*states):
        return base.where(Deviation.state.in_(states))

    inbox = GroupInbox(
        group=group,
        manages=manages,
        new=_section(state(DeviationState.SUBMITTED)),
        # Overdue first: the earliest due dates are the overdue ones.
        awaiting=_section(
            state(DeviationState.AWAITING_ANSWERS), Deviation.answer_due_on.asc().nulls_last()
        ),
        preparation=_section(state(DeviationState.IN_PREPARATION)),
        escalated=_section(state(DeviationState.ESCALATED)),
        actions=_section(
            state(DeviationState.ACTIONS, DeviationState.FOLLOW_UP),
            case((_overdue_action(today), 0), else_=1),
            options=(selectinload(Deviation.actions).raiseload("*"),),
        ),
    )
    # Shared with the group (§6.3) but routed to another group, which triages it; a case handed
    # over to LSVO is LSVO's whichever group it came from.
    inbox.shared = {
        d.id
        for section in (inbox.new, inbox.awaiting, inbox.preparation, inbox.actions)
        for d in section.cases
        if d.group_id != group.id and d.escalated_at is None
    }
    inbox.late = {d.id for d in inbox.awaiting.cases if d.is_answer_overdue(today)}
    for d in inbox.actions.cases:
        open_actions = [a for a in d.actions if a.status.is_open]
        late = sum(1 for a in open_actions if a.is_overdue(today))
        inbox.action_counts[d.id] = (len(open_actions), late)
        if late:
            inbox.late.add(d.id)
    return inbox


# --- Väntar på dig ------------------------------------------------------------------------------


@dataclass
class Waiting:
    """One line of "Väntar på dig": what waits, how many, where to go (the template links)."""

    kind: str  # "answers", "serious", "triage" or "preparation"
    count: int
    overdue: int = 0
    group: Group | None = None
    first: list[AwaitingAnswer] = field(default_factory=list)


def waiting_for(user: User, *, today: date) -> list[Waiting]:
    """Coordinators: answers their organizations owe (overdue first) and undecided possible lex
    Maria/lex Sarah cases. Chairs and secretaries: their groups' new cases and those ready for
    preparation. Counts are exact: each is scoped to one user's organizations or groups."""
    waiting = []
    ids = sorted(coordinator_organization_ids(user))
    if ids:
        awaiting = _awaiting_my_answer(user, ids)
        count, overdue = db.session.execute(
            awaiting.with_only_columns(
                func.count(Deviation.id),
                func.count(
                    case((_mine_pending(ids, ConcernedOrganization.answer_due_on < today), 1))
                ),
            )
        ).one()
        if count:
            first, _more = awaiting_answers(user, ids, today=today, limit=WAITING_PREVIEW)
            waiting.append(Waiting("answers", count, overdue, first=first))
        serious = db.session.scalar(
            visible_deviations(user)
            .where(_possibly_serious(), _serious_undecided(ids))
            .with_only_columns(func.count(Deviation.id))
        )
        if serious:
            waiting.append(Waiting("serious", serious))
    for group in inbox_groups(user):
        if not manages_group(user, group.id):
            continue
        counts = dict(
            db.session.execute(
                visible_deviations(user)
                .where(
                    in_group(group),
                    Deviation.state.in_([DeviationState.SUBMITTED, DeviationState.IN_PREPARATION]),
                )
                .with_only_columns(Deviation.state, func.count(Deviation.id))
                .group_by(Deviation.state)
            ).all()
        )
        if counts.get(DeviationState.SUBMITTED):
            waiting.append(Waiting("triage", counts[DeviationState.SUBMITTED], group=group))
        if counts.get(DeviationState.IN_PREPARATION):
            waiting.append(
                Waiting("preparation", counts[DeviationState.IN_PREPARATION], group=group)
            )
    return waiting


# --- Notiser ------------------------------------------------------------------------------------


def notification_page(user: User, *, fore: Cursor | None = None, size: int = PAGE_SIZE) -> Page:
    return keyset_page(
        select(Notification).where(Notification.user_id == user.id).options(raiseload("*")),
        Notification.created_at,
        Notification.id,
        fore,
        size,
        lambda n: n.created_at,
    )


def unread_notification_ids(user: User) -> Select:
    return select(Notification.id).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )


def own_notification(user: User, notification_id: int) -> Notification | None:
    """Someone else's notification is as absent as one that does not exist."""
    return db.session.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.user_id == user.id
        )
    )


# --- The audit log (administrators) -------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    email: str | None = None
    case_number: str | None = None
    action: str | None = None
    logged_from: date | None = None
    logged_to: date | None = None
    administrators_only: bool = False


def audit_page(
    region_id: int, filters: AuditFilters, *, fore: Cursor | None = None, size: int = PAGE_SIZE
) -> Page:
    """The region's log, newest first: entries about its cases and entries by its people.

    A read of another region's case by one of ours shows here, and a read of one of our cases by
    another region's administrator shows here too.
    """
    statement = (
        select(AuditEntry)
        .outerjoin(User, AuditEntry.user_id == User.id)
        .outerjoin(Organization, User.organization_id == Organization.id)
        .outerjoin(Deviation, AuditEntry.deviation_id == Deviation.id)
        .where(or_(Deviation.region_id == region_id, Organization.region_id == region_id))
        .options(
            # Already joined for the filters: fill the relationships from the same rows. The
            # user may be the administrator reading the page, so it keeps its own loading.
            contains_eager(AuditEntry.user).lazyload("*"),
            contains_eager(AuditEntry.deviation).load_only(Deviation.number).raiseload("*"),
            raiseload("*"),
        )
    )
    if filters.email and filters.email.strip():
        statement = statement.where(User.email.icontains(filters.email.strip(), autoescape=True))
    if filters.case_number and filters.case_number.strip():
        statement = statement.where(Deviation.number == filters.case_number.strip().upper())
    if filters.action and filters.action.strip():
        statement = statement.where(AuditEntry.action == filters.action.strip())
    if filters.logged_from is not None:
        statement = statement.where(AuditEntry.created_at >= local_day_start(filters.logged_from))
    if filters.logged_to is not None:
        statement = statement.where(
            AuditEntry.created_at < local_day_start(filters.logged_to + timedelta(days=1))
        )
    if filters.administrators_only:
        statement = statement.where(AuditEntry.as_administrator.is_(True))
    return keyset_page(
        statement, AuditEntry.created_at, AuditEntry.id, fore, size, lambda e: e.created_at
    )


def more_waiting(user: User, *, today: date) -> list[Waiting]:
    """Lines of "Väntar på dig" beyond the inbox counts: cases handed over to the strategic group
    for its chair and secretary, and unread notices for everyone. Without them a reporter, a
    member or LSVO's managers saw "Inget väntar på dig" while their feedback, kallelse or
    escalated cases waited for them."""
    waiting = []
    for group in inbox_groups(user):
        if group.level is not GroupLevel.STRATEGIC or not manages_group(user, group.id):
            continue
        escalated = db.session.scalar(
            visible_deviations(user)
            .where(in_group(group), Deviation.state == DeviationState.ESCALATED)
            .with_only_columns(func.count(Deviation.id))
        )
        if escalated:
            waiting.append(Waiting("escalated", escalated, group=group))
    unread = unread_count(user)
    if unread:
        waiting.append(Waiting("notifications", unread))
    return waiting


def account_overview(user: User, *, now: datetime) -> dict:
    """What the start page and Mitt konto show: the user's groups with roles, chairs first, the
    organizations the user is coordinator for, and what waits for the user."""
    memberships = db.session.scalars(
        select(Membership)
        .where(Membership.user_id == user.id, Membership.active.is_(True))
        .options(selectinload(Membership.group), selectinload(Membership.represented_organization))
    ).all()
    order = {"chair": 0, "secretary": 1, "member": 2, "co_opted": 3}
    memberships = sorted(memberships, key=lambda m: (order[m.role.value], m.group.name))
    return {
        "user": user,
        "memberships": memberships,
        "manages_meetings": any(m.role in MANAGER_ROLES for m in memberships),
        "coordinator_for": coordinator_organizations(user),
        "waiting": waiting_for(user, today=local_today(now))
        + more_waiting(user, today=local_today(now)),
    }
