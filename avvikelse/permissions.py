"""Who may do what: the public allowlist, the role table and the object policies (STYLE.md 2.5)."""

import enum

from flask import abort, request
from flask_login import current_user
from sqlalchemy import Select, and_, any_, exists, false, func, or_, select, union_all
from sqlalchemy.orm import aliased

from .extensions import db, login_manager
from .models import (
    AccessibilityReport,
    ApiClient,
    Category,
    Cluster,
    ConcernedOrganization,
    ConcernedStatus,
    Deviation,
    DeviationShare,
    DeviationState,
    Group,
    GroupLevel,
    Membership,
    MembershipRole,
    Organization,
    Transition,
    Unit,
    User,
)

# Endpoints reachable without logging in. Everything else needs an account (deny by default).
PUBLIC_ENDPOINTS = frozenset(
    {
        "auth.login",
        "auth.sso_callback",
        "auth.sso_start",
        "pages.accessibility",
        "pages.report_accessibility_problem",
        "pages.health",
        "public.minutes",
        "public.minutes_list",
        "public.minutes_pdf",
        "public.statistics",
        "public.statistics_index",
        "static",
    }
)


class Permission(enum.StrEnum):
    ADMIN_MANAGE = "admin:region:manage"
    GROUP_MANAGE = "group:case:manage"
    GROUP_VIEW = "group:group:view"
    IMPROVEMENT_MANAGE = "improvement:effort:manage"
    MEETING_MANAGE = "meeting:meeting:manage"
    MEETING_PARTICIPATE = "meeting:meeting:participate"


ROLE_PERMISSIONS: dict[MembershipRole, frozenset[Permission]] = {
    MembershipRole.CHAIR: frozenset(
        {
            Permission.GROUP_MANAGE,
            Permission.GROUP_VIEW,
            Permission.IMPROVEMENT_MANAGE,
            Permission.MEETING_MANAGE,
            Permission.MEETING_PARTICIPATE,
        }
    ),
    MembershipRole.SECRETARY: frozenset(
        {
            Permission.GROUP_MANAGE,
            Permission.GROUP_VIEW,
            Permission.IMPROVEMENT_MANAGE,
            Permission.MEETING_MANAGE,
            Permission.MEETING_PARTICIPATE,
        }
    ),
    MembershipRole.MEMBER: frozenset({Permission.GROUP_VIEW, Permission.MEETING_PARTICIPATE}),
    MembershipRole.CO_OPTED: frozenset({Permission.GROUP_VIEW}),
}

# The group's managers (chair and secretary): they triage, move and close its cases, and are
# the ones notified about them. Every "manager" check and recipient list starts from this.
MANAGER_ROLES = frozenset(
    role for role, permissions in ROLE_PERMISSIONS.items() if Permission.GROUP_MANAGE in permissions
)


# The JSON API's blueprint: no session log-in, its own bearer-token guard on every endpoint
# (views/api.py authenticate_client); the OpenAPI document and its reference page are public.
API_BLUEPRINT = "api"
PUBLIC_API_ENDPOINTS = frozenset({"api-docs.openapi_json", "api_reference.docs"})


def is_public_endpoint(endpoint: str | None) -> bool:
    return (
        endpoint in PUBLIC_ENDPOINTS
        or endpoint in PUBLIC_API_ENDPOINTS
        or (endpoint or "").startswith(API_BLUEPRINT + ".")
    )


def require_login_unless_public():
    """before_request hook: a new endpoint is private unless someone adds it to the allowlist."""
    if is_public_endpoint(request.endpoint):
        return None
    if request.endpoint is None:
        return None  # unknown URL: let the router answer 404
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def can_administer(user) -> bool:
    return bool(user and user.is_authenticated and user.is_admin and user.active)


def has_group_permission(user, group, permission: Permission) -> bool:
    if not (user and user.is_authenticated):
        return False
    return any(
        m.active and m.group_id == group.id and permission in ROLE_PERMISSIONS[m.role]
        for m in user.memberships
    )


def require_admin() -> None:
    """Administration pages do not exist for anyone else: 404, not 403."""
    if not can_administer(current_user):
        abort(404)


def administrable(model, user) -> Select:
    """The rows an administrator may see and change: those of their own organization's region.

    Every admin view loads its objects through this, so an id from another region answers 404
    the same way an id that does not exist does. Accessibility reports are about the service,
    which all regions share, so they have no region.
    """
    region_id = user.organization.region_id
    statement = select(model)
    if model is AccessibilityReport:
        return statement
    if model in (User, Unit, ApiClient):
        statement = statement.join(Organization, model.organization_id == Organization.id).where(
            Organization.region_id == region_id
        )
        if model is User:
            # API clients' service accounts are managed as clients (views/admin_api.py): no
            # one gives them a password, a role or an organization as if they were people.
            statement = statement.where(User.is_service_account.is_(False))
        return statement
    if model is Membership:
        return statement.join(Group, Membership.group_id == Group.id).where(
            Group.region_id == region_id
        )
    if model in (Organization, Group, Category):
        return statement.where(model.region_id == region_id)
    raise TypeError(f"{model.__name__} is not administered per region")


def require(allowed: bool) -> None:
    if not allowed:
        abort(403)


# --- Deviations (DESIGN §1, issue "reporting and the case workflow" point 10) -----------------


def coordinator_organization_ids(user) -> set[int]:
    """The organizations the user answers for; an API client answers for its own."""
    if user.is_service_account:
        client = user.api_client
        return {client.organization_id} if client is not None and client.active else set()
    return {role.organization_id for role in user.coordinator_roles}


def active_group_ids(user, roles=None) -> set[int]:
    return {m.group_id for m in user.memberships if m.active and (roles is None or m.role in roles)}


def visible_deviations(user) -> Select:
    """The one visibility rule, used by lists, search, counts and the detail page alike.

    Reporter: own reports. Coordinator: cases concerning or reported by their organizations.
    Group members: cases routed or shared to their groups. LSVO (strategic groups): cases handed
    over. Administrators: every case of their own region (their reads are logged as such);
    another region's cases do not exist for them, as for everyone else.

    The query asks only for the ways the user has, in the shape that lets the database start
    from the fewest rows (issue 15). A coordinator's organization (up to every case of the
    region, for the region itself) or a samverkansgrupp (a fifth) gives many cases: the query
    stays within the region and tests each case with EXISTS as the database walks the region
    newest first, or the range a page's own filter selects, and stops when the page is full.
    A reporter's own reports and an LSVO member's handed-over cases are few: their ids are
    gathered from the indexes first (a UNION), and only those cases are read.
    """

    query = select(Deviation)
    if not (user and user.is_authenticated and user.active):
        return query.where(false())
    if user.is_service_account:
        return visible_to_client(user.api_client)
    region_id = user.organization.region_id
    if user.is_admin:
        return query.where(Deviation.region_id == region_id)
    organization_ids = sorted(coordinator_organization_ids(user))
    memberships = [m for m in user.memberships if m.active]
    group_ids = sorted({m.group_id for m in memberships})
    strategic = sorted(
        {m.group.region_id for m in memberships if m.group.level is GroupLevel.STRATEGIC}
    )
    if _tests_region(user):
        return query.where(
            Deviation.region_id == region_id,
            or_(
                Deviation.reporter_id == user.id,
                *_many_terms(organization_ids, group_ids, strategic),
            ),
        )
    if not (group_ids or strategic):
        return query.where(Deviation.reporter_id == user.id)
    seen = aliased(Deviation)
    ids = [
        select(seen.id).where(seen.reporter_id == user.id),
        select(seen.id).where(seen.group_id.in_(group_ids)),
        select(DeviationShare.deviation_id).where(DeviationShare.group_id.in_(group_ids)),
    ]
    if strategic:
        ids.append(
            select(seen.id).where(seen.region_id.in_(strategic), seen.escalated_at.is_not(None))
        )
    return query.where(Deviation.id.in_(union_all(*ids)))


def _tests_region(user) -> bool:
    """Whether visible_deviations tests the cases of the user's region one by one (an
    administrator, a coordinator, a samverkansgrupp's member) rather than gathering few ids."""
    return bool(
        user.is_admin
        or coordinator_organization_ids(user)
        or any(m.active and m.group.level is GroupLevel.TACTICAL for m in user.memberships)
    )


def visible_id_bound(user) -> Select | None:
    """Ids of a superset of visible_deviations(user) that indexes alone give, no case row read:
    the visible ids themselves for a user who sees few (a union of index ranges); None where the
    rule tests the region's cases one by one, which the user's region bounds. Search filters the
    full-text matches with it before reading a case row, then applies the rule to what is left
    (issue 15)."""
    if user and user.is_authenticated and user.active and not user.is_service_account:
        if _tests_region(user):
            return None
    return visible_deviations(user).with_only_columns(Deviation.id)


def _many_terms(organization_ids, group_ids, strategic) -> list:
    terms = []
    if organization_ids:
        terms += [
            Deviation.reporter_organization_id.in_(organization_ids),
            exists().where(
                ConcernedOrganization.deviation_id == Deviation.id,
                ConcernedOrganization.organization_id.in_(organization_ids),
            ),
        ]
    if group_ids:
        terms += [
            Deviation.group_id.in_(group_ids),
            exists().where(
                DeviationShare.deviation_id == Deviation.id,
                DeviationShare.group_id.in_(group_ids),
            ),
        ]
    if strategic:
        terms.append(handed_over_in(strategic))
    return terms


def deviation_id_in(ids: Select):
    """Deviation.id among the ids the subquery gives, as a term an index can drive: IN on
    SQLite, `= ANY(ARRAY(...))` on PostgreSQL, where a plain IN-subquery is a filter that can
    only be tested row by row and so cannot join the other terms' bitmap."""
    if db.session.get_bind().dialect.name == "postgresql":
        return Deviation.id == any_(func.array(ids.scalar_subquery()))
    return Deviation.id.in_(ids)


def handed_over_in(region_ids):
    """Handed over to LSVO in these regions (ix_deviations_region_escalated)."""
    return and_(Deviation.region_id.in_(region_ids), Deviation.escalated_at.is_not(None))


def organization_terms(organization_ids) -> list:
    """Reported by one of the organizations, or concerning one of them."""
    return [
        Deviation.reporter_organization_id.in_(organization_ids),
        deviation_id_in(
            select(ConcernedOrganization.deviation_id).where(
                ConcernedOrganization.organization_id.in_(organization_ids)
            )
        ),
    ]


def visible_to_client(client) -> Select:
    """An API client sees what its organization's coordinator sees of the organization: the
    cases reported from it and those that concern it (the coordinator branch above). Group
    memberships are a person's, never a client's; a revoked client sees nothing."""
    query = select(Deviation)
    if client is None or not client.active:
        return query.where(false())
    return query.where(or_(*organization_terms([client.organization_id])))


def can_view(user, deviation) -> bool:

    query = visible_deviations(user).where(Deviation.id == deviation.id)
    return bool(db.session.scalar(select(exists(query.with_only_columns(Deviation.id)))))


def strategic_region_ids(user, roles=None) -> set[int]:
    """The regions whose strategic group (LSVO) the user is an active member of."""
    return {
        m.group.region_id
        for m in user.memberships
        if m.active and m.group.level is GroupLevel.STRATEGIC and (roles is None or m.role in roles)
    }


def manages_group(user, group_id: int | None) -> bool:
    """Chair or secretary of the group: they triage, move and close its cases."""
    return group_id is not None and group_id in active_group_ids(user, roles=MANAGER_ROLES)


def can_triage(user, deviation) -> bool:
    return manages_group(user, deviation.group_id)


def lsvo_manages(user, deviation) -> bool:
    """The chair or secretary of the region's strategic group (LSVO) decides escalated cases."""
    return manages_lsvo_of(user, deviation.region_id)


def can_transition(user, deviation, transition) -> bool:
    """Who may take which step of the state machine (the table lives in models/deviation.py)."""

    if not deviation.allows(transition):
        return False
    if transition is Transition.LSVO_DECIDE:
        return lsvo_manages(user, deviation)
    return can_triage(user, deviation)


def answerable_organizations(user, deviation) -> list:
    """The concerned organizations this user may answer for (coordinator of, answer pending)."""

    if deviation.state is not DeviationState.AWAITING_ANSWERS:
        return []
    mine = coordinator_organization_ids(user)
    return [
        c
        for c in deviation.concerned
        if c.organization_id in mine and c.status is ConcernedStatus.PENDING
    ]


def can_answer(user, deviation) -> bool:
    return bool(answerable_organizations(user, deviation))


def ivo_decidable_organizations(user, deviation) -> list:
    """Only the concerned organization's own coordinator records its lex Maria/Sarah decision."""
    if not deviation.possible_serious:
        return []
    mine = coordinator_organization_ids(user)
    return [c for c in deviation.concerned if c.organization_id in mine]


def can_see_reporter(user, deviation) -> bool:
    """The report is the reporting unit's: other organizations see the unit, not the name."""
    return (
        user.id == deviation.reporter_id
        or user.organization_id == deviation.reporter_organization_id
        or (user.is_admin and user.organization.region_id == deviation.region_id)
    )


def can_manage_actions(user, deviation) -> bool:

    return deviation.state in (DeviationState.ACTIONS, DeviationState.FOLLOW_UP) and (
        can_triage(user, deviation) or lsvo_manages(user, deviation)
    )


def can_comment(user, deviation) -> bool:
    return deviation.state.is_open and (
        can_triage(user, deviation)
        or (deviation.state is DeviationState.ESCALATED and lsvo_manages(user, deviation))
        or bool(
            coordinator_organization_ids(user) & {c.organization_id for c in deviation.concerned}
        )
    )


def get_deviation_or_404(deviation_id: int, user, *, now, action: str = "view", options=()):
    """Load a case through the visibility query and log the read (DESIGN §10).

    A case the user may not see answers 404, so its existence is not revealed either.
    """
    from .services.audit import log_access

    query = visible_deviations(user).where(Deviation.id == deviation_id)
    if options:
        query = query.options(*options)
    deviation = db.session.scalar(query)
    if deviation is None:
        abort(404)
    log_access(user, action, now=now, deviation=deviation)
    return deviation


# --- Who may post a step at all (state-free, for the views' 403) ------------------------------


def manages_case(user, deviation) -> bool:
    """Chair or secretary of the routed group, or of LSVO once the case has been handed over.

    Deliberately blind to the state: a view answers 403 to everyone else, while a manager whose
    page is merely out of date (the case moved on) gets the workflow's own explanation instead.
    """
    return can_triage(user, deviation) or (
        deviation.escalated_at is not None and lsvo_manages(user, deviation)
    )


def coordinates_case(user, deviation) -> bool:
    """Coordinator for one of the concerned organizations, whatever the state (see manages_case)."""
    concerned = {c.organization_id for c in deviation.concerned}
    return bool(coordinator_organization_ids(user) & concerned)


# --- Meetings (DESIGN §6) ---------------------------------------------------------------------


def can_view_meetings(user, group) -> bool:
    """Members of every role read the group's meetings; for anyone else they do not exist."""
    return has_group_permission(user, group, Permission.GROUP_VIEW)


def can_view_assignment(user, assignment) -> bool:
    """An uppdrag is read by the group that gave it and the group that carries it out."""
    return can_view_meetings(user, assignment.decision.matter.group) or can_view_meetings(
        user, assignment.to_group
    )


def can_manage_meetings(user, group) -> bool:
    """Chair and secretary plan meetings, send the notice, take attendance (§6.2)."""
    return has_group_permission(user, group, Permission.MEETING_MANAGE)


def can_raise_matter(user, group) -> bool:
    """§6.2 "Alla ledamöter kan anmäla ärenden"; co-opted experts take part but do not raise."""
    return has_group_permission(user, group, Permission.MEETING_PARTICIPATE)


def can_accept_late_matter(user, matter) -> bool:
    """Only the chair takes a late matter up on the meeting it was registered for."""
    return (
        matter.late
        and matter.late_accepted_by_id is None
        and matter.decision is None
        and any(
            m.active and m.group_id == matter.group_id and m.role is MembershipRole.CHAIR
            for m in user.memberships
        )
    )


def can_edit_matter(user, matter) -> bool:
    """Whoever raised the matter prepares it (§6.2 Beredning); the managers may help."""
    return matter.decision is None and (
        matter.raised_by_user_id == user.id or can_manage_meetings(user, matter.group)
    )


def can_send_written_view(user, matter, *, now) -> bool:
    """An absent member sends views before the meeting (§6.2 Frånvaro)."""
    meeting = matter.meeting
    if meeting is None or meeting.cancelled or matter.decision is not None:
        return False
    starts_at = meeting.starts_at
    return now < starts_at and has_group_permission(
        user, matter.group, Permission.MEETING_PARTICIPATE
    )


def can_record_decision(user, meeting) -> bool:
    return not meeting.cancelled and can_manage_meetings(user, meeting.group)


def can_put_on_agenda(user, deviation) -> bool:
    """The case page's "Sätt upp på nästa möte": a case in preparation, by its group's managers."""
    return deviation.state is DeviationState.IN_PREPARATION and manages_group(
        user, deviation.group_id
    )


# --- Minutes and follow-up of decisions (DESIGN §6) -----------------------------------------


def can_read_minutes(user, group) -> bool:
    """Every member reads the group's draft and approved minutes; for others they do not exist."""
    return has_group_permission(user, group, Permission.GROUP_VIEW)


def can_edit_minutes(user, group) -> bool:
    """The secretary writes the minutes; the chair may too. They also mark follow-ups done."""
    return has_group_permission(user, group, Permission.MEETING_MANAGE)


def is_group_chair(user, group) -> bool:
    return bool(user and user.is_authenticated) and any(
        m.active and m.group_id == group.id and m.role is MembershipRole.CHAIR
        for m in user.memberships
    )


def signs_minutes(user, minutes) -> bool:
    """Minutes are signed by the chair and checked by the appointed adjuster (RÅDET: "undertecknas
    av tjänstgörande ordförande och justeras av en utsedd ledamot"). Blind to the state, for the
    views' 403; the service explains an approval that comes too late or twice."""
    return is_group_chair(user, minutes.meeting.group) or (
        minutes.adjuster_id is not None and user.id == minutes.adjuster_id
    )


# --- Improvement work and common processes (DESIGN §7) --------------------------------------
# Every account reads its region's processes and may leave a proposal ("varje medarbetare ska …
# ge förslag till förbättringar", §6.2). The owner forum's members read the processråd page; its
# chair and secretary manage it. An effort is read by its owner group, the forum of its process
# and the person responsible, and managed by the group's chair/secretary and the responsible.


def _region_id(user) -> int | None:
    return user.organization.region_id if user and user.is_authenticated else None


def visible_processes(user) -> Select:
    from .models import Process

    query = select(Process).where(Process.region_id == _region_id(user))
    if not can_administer(user):
        query = query.where(Process.active.is_(True))
    return query.order_by(Process.name)


def can_view_process(user, process) -> bool:
    return bool(user and user.is_authenticated and user.active) and (
        process.region_id == _region_id(user) and (process.active or can_administer(user))
    )


def can_view_council(user, process) -> bool:
    """The processråd page: the owner forum's members; administrators of the region read it."""
    if not can_view_process(user, process):
        return False
    if can_administer(user):
        return True
    group = process.owner_group
    return group is not None and has_group_permission(user, group, Permission.GROUP_VIEW)


def can_manage_process(user, process) -> bool:
    """Triage proposals, log maintenance and checks, put the follow-up on the agenda."""
    group = process.owner_group
    return (
        can_view_process(user, process)
        and group is not None
        and has_group_permission(user, group, Permission.IMPROVEMENT_MANAGE)
    )


def effort_groups(user) -> list:
    """The groups whose chair or secretary may start an effort (they become its owner)."""
    return [
        m.group
        for m in user.memberships
        if m.active and Permission.IMPROVEMENT_MANAGE in ROLE_PERMISSIONS[m.role]
    ]


def visible_efforts(user) -> Select:
    from .models import ImprovementEffort, Process

    query = select(ImprovementEffort)
    if not (user and user.is_authenticated and user.active):
        return query.where(false())
    if can_administer(user):
        return query.where(ImprovementEffort.region_id == _region_id(user))
    my_groups = select(Membership.group_id).where(
        Membership.user_id == user.id, Membership.active.is_(True)
    )
    forum_processes = select(Process.id).where(Process.owner_group_id.in_(my_groups))
    return query.where(
        or_(
            ImprovementEffort.owner_group_id.in_(my_groups),
            ImprovementEffort.process_id.in_(forum_processes),
            ImprovementEffort.responsible_id == user.id,
        )
    )


def can_manage_effort(user, effort) -> bool:
    return bool(user and user.is_authenticated and user.active) and (
        effort.responsible_id == user.id
        or has_group_permission(user, effort.owner_group, Permission.IMPROVEMENT_MANAGE)
    )


def get_effort_or_404(effort_id: int, user):
    from .models import ImprovementEffort

    effort = db.session.scalar(visible_efforts(user).where(ImprovementEffort.id == effort_id))
    if effort is None:
        abort(404)
    return effort


def can_answer_case_questions(user, deviation) -> bool:
    """The four questions on a case are the managers' preparation (see manages_case)."""
    return manages_case(user, deviation)


# --- Recurring deviations, suggestions and clusters (DESIGN §5, issue 5) --------------------


def manages_lsvo_of(user, region_id: int) -> bool:
    """Chair or secretary of the region's strategic group (LSVO)."""
    return bool(user and user.is_authenticated) and region_id in strategic_region_ids(
        user, roles=MANAGER_ROLES
    )


def can_view_recurrence(user) -> bool:
    """Suggestions, trends and clusters are for the chairs and secretaries who judge them."""
    if not (user and user.is_authenticated):
        return False
    return can_administer(user) or bool(active_group_ids(user, roles=MANAGER_ROLES))


def can_follow_up(user) -> bool:
    """The dashboard is for those who answer for cases: coordinators, group members, the
    region's administrators. A reporter has their own list; a dashboard of it says nothing."""
    if not (user and user.is_authenticated and user.active):
        return False
    return can_administer(user) or bool(user.coordinator_roles) or bool(active_group_ids(user))


def managed_suggestion_filter(user):
    """SQL condition for the suggestions the user judges: their groups', all of the region's
    for LSVO's managers, every one for an administrator."""
    from .models import Suggestion

    if can_administer(user):
        return Suggestion.region_id == user.organization.region_id
    managed = active_group_ids(user, roles=MANAGER_ROLES)
    lsvo_regions = strategic_region_ids(user, roles=MANAGER_ROLES)
    return or_(Suggestion.group_id.in_(managed), Suggestion.region_id.in_(lsvo_regions))


def can_decide_suggestion(user, suggestion) -> bool:
    return manages_group(user, suggestion.group_id) or manages_lsvo_of(user, suggestion.region_id)


def visible_clusters(user) -> Select:
    """The one cluster visibility rule, for the list and the cluster page alike: the group's
    members, LSVO's members and the region's administrators. Cases in a cluster still follow
    visible_deviations, case by case."""
    query = select(Cluster)
    if not (user and user.is_authenticated):
        return query.where(false())
    condition = or_(
        Cluster.group_id.in_(active_group_ids(user)),
        Cluster.region_id.in_(strategic_region_ids(user)),
    )
    if can_administer(user):
        condition = or_(condition, Cluster.region_id == user.organization.region_id)
    return query.where(condition)


def can_view_cluster(user, cluster) -> bool:
    query = visible_clusters(user).where(Cluster.id == cluster.id)
    return bool(db.session.scalar(select(exists(query.with_only_columns(Cluster.id)))))


def get_cluster_or_404(cluster_id: int, user):
    """A cluster the user may not read answers 404, as an unknown id does."""
    cluster = db.session.scalar(visible_clusters(user).where(Cluster.id == cluster_id))
    if cluster is None:
        abort(404)
    return cluster


def can_manage_cluster(user, cluster) -> bool:
    """The group's chair and secretary shape the cluster and hand it over; LSVO's may help."""
    return manages_group(user, cluster.group_id) or manages_lsvo_of(user, cluster.region_id)


def can_hand_over_with_presentation(user, deviation) -> bool:
    """A single case goes to LSVO with a föredragning from the case page's similar panel."""
    return deviation.state is DeviationState.IN_PREPARATION and can_triage(user, deviation)
