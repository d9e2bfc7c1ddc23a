"""Administration of one region's configuration (DESIGN §2): accounts, organizations, units,
groups, memberships and categories.

The admin views load every object through `permissions.administrable`, so an id from another
region never reaches these functions. The cross-region checks below are still here because
the rule belongs to the data, not to one caller: the CLI and region imports will call them too.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from ..db import db
from ..models import (
    AccessibilityReport,
    Category,
    Coordinator,
    Group,
    GroupLevel,
    Membership,
    MembershipRole,
    Organization,
    OrganizationKind,
    TargetGroup,
    Unit,
    User,
)
from .accounts import (
    check_password_rules,
    create_user,
    end_sessions,
    find_user_by_email,
    normalize_email,
    set_password,
)
from .errors import WorkflowError, bump_version, changed_elsewhere, check_version
from .personal_data import guard_text


class FieldError(WorkflowError):
    """A refused change that is about one form field, so the view can show the message there."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


@dataclass
class TreeNode:
    """A unit or category with its children, built from one query so templates do no lazy loads."""

    item: object
    children: list["TreeNode"] = field(default_factory=list)


def _build_tree(items, parent_id_of, sort_key) -> list[TreeNode]:
    nodes = {item.id: TreeNode(item) for item in items}
    roots = []
    for item in sorted(items, key=sort_key):
        parent = nodes.get(parent_id_of(item))
        (parent.children if parent else roots).append(nodes[item.id])
    return roots


def flatten(nodes: list[TreeNode], depth: int = 0) -> list[tuple[object, int]]:
    """Tree order with depth: what a select list needs."""
    rows = []
    for node in nodes:
        rows.append((node.item, depth))
        rows.extend(flatten(node.children, depth + 1))
    return rows


def _subtree_ids(root_id: int, parent_of: dict[int, int | None]) -> set[int]:
    """The root and everything below it, from a child → parent map (one query, no SQL recursion).
    Moving a node under any of these would make a cycle."""
    children = defaultdict(list)
    for child, parent in parent_of.items():
        children[parent].append(child)
    found, stack = set(), [root_id]
    while stack:
        node = stack.pop()
        if node not in found:
            found.add(node)
            stack.extend(children[node])
    return found


def _name_taken(statement: Select, name: str, exclude=None) -> bool:
    """Compared case-insensitively in Python: SQLite's lower() folds only ASCII, and 'Åre'
    must clash with 'åre' on both databases."""
    wanted = name.strip().casefold()
    excluded_id = exclude.id if exclude is not None else None
    return any(
        row.id != excluded_id and row.name.strip().casefold() == wanted
        for row in db.session.scalars(statement)
    )


# Å, Ä and Ö come after Z in Swedish; neither SQLite nor a PostgreSQL with the C collation
# knows that, so short lists are sorted here.
_SWEDISH_ORDER = str.maketrans(
    {"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}", "é": "e", "ü": "y"}
)


def _sort_key(text: str) -> str:
    return text.casefold().translate(_SWEDISH_ORDER)


def by_name(item) -> tuple:
    return (_sort_key(item.name), item.id)


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


# --- Start page --------------------------------------------------------------------------------


def overview_counts(region_id: int) -> dict[str, int]:
    def count(statement) -> int:
        return db.session.scalar(select(func.count()).select_from(statement.subquery()))

    return {
        "users": count(
            select(User.id)
            .join(Organization, User.organization_id == Organization.id)
            .where(
                Organization.region_id == region_id,
                User.active.is_(True),
                User.is_service_account.is_(False),
            )
        ),
        "organizations": count(
            select(Organization.id).where(
                Organization.region_id == region_id, Organization.active.is_(True)
            )
        ),
        "groups": count(
            select(Group.id).where(Group.region_id == region_id, Group.active.is_(True))
        ),
        "categories": count(
            select(Category.id).where(
                Category.region_id == region_id, Category.retired_at.is_(None)
            )
        ),
        "accessibility_reports": count(
            select(AccessibilityReport.id).where(AccessibilityReport.handled.is_(False))
        ),
    }


# --- Accounts ----------------------------------------------------------------------------------


def user_list(
    region_id: int,
    *,
    search: str | None = None,
    organization_id: int | None = None,
    active: bool | None = None,
) -> Select:
    """A statement, not a list: the view paginates it. People only: API clients' service
    accounts are listed as clients (views/admin_api.py)."""
    statement = (
        select(User)
        .join(Organization, User.organization_id == Organization.id)
        .where(Organization.region_id == region_id, User.is_service_account.is_(False))
        .options(selectinload(User.organization), selectinload(User.unit))
        .order_by(User.name, User.id)
    )
    if search and search.strip():
        term = search.strip()
        statement = statement.where(
            or_(
                User.name.icontains(term, autoescape=True),
                User.email.icontains(term, autoescape=True),
            )
        )
    if organization_id is not None:
        statement = statement.where(User.organization_id == organization_id)
    if active is not None:
        statement = statement.where(User.active.is_(active))
    return statement


def _check_account(
    *, email: str, organization: Organization, unit: Unit | None, password: str | None, user=None
) -> None:
    existing = find_user_by_email(email)
    if existing is not None and existing is not user:
        raise FieldError(
            _("Det finns redan ett konto med e-postadressen %(email)s.", email=email.strip()),
            "email",
        )
    if unit is not None and unit.organization_id != organization.id:
        raise FieldError(_("Enheten hör inte till den valda organisationen."), "unit_id")
    if password:
        try:
            check_password_rules(password)
        except WorkflowError as error:
            raise FieldError(str(error), "password") from error


def create_account(
    *,
    name: str,
    email: str,
    organization: Organization,
    unit: Unit | None,
    title: str | None,
    locale: str,
    is_admin: bool,
    password: str,
) -> User:
    _check_account(email=email, organization=organization, unit=unit, password=password)
    return create_user(
        name=name,
        email=email,
        organization=organization,
        unit=unit,
        title=_clean(title),
        locale=locale,
        is_admin=is_admin,
        password=password,
    )


def update_account(
    user: User,
    *,
    name: str,
    email: str,
    organization: Organization,
    unit: Unit | None,
    title: str | None,
    locale: str,
    is_admin: bool,
    password: str | None,
    actor: User,
    version: int | str | None = None,
) -> None:
    """An empty password leaves the old one. An administrator cannot take away their own
    administrator rights: nobody else might be left to give them back."""
    check_version(user, version, changed_elsewhere())
    _check_account(email=email, organization=organization, unit=unit, password=password, user=user)
    if user.id == actor.id and not is_admin:
        raise FieldError(_("Du kan inte ta bort din egen administratörsbehörighet."), "is_admin")
    user.name = name.strip()
    user.email = normalize_email(email)
    user.organization = organization
    user.unit = unit
    user.title = _clean(title)
    user.locale = locale
    user.is_admin = is_admin
    if password:
        set_password(user, password)
    bump_version(user)
    db.session.flush()


def set_account_active(user: User, active: bool, *, actor: User) -> None:
    """Deactivated accounts cannot log in; they stay on everything they did. Their sessions
    end for good: activating the account again does not bring an old cookie back to life."""
    if user.id == actor.id and not active:
        raise WorkflowError(_("Du kan inte inaktivera ditt eget konto."))
    if user.active and not active:
        end_sessions(user)
    user.active = active
    db.session.flush()


def organization_options(
    region_id: int, *, keep: int | None = None, include_inactive: bool = False
) -> list[Organization]:
    """Active organizations by name, plus the one already chosen even if it has been
    deactivated, so that saving an old record does not silently change it. Filters list the
    inactive ones too."""
    statement = select(Organization).where(Organization.region_id == region_id)
    if not include_inactive:
        statement = statement.where(or_(Organization.active.is_(True), Organization.id == keep))
    return sorted(db.session.scalars(statement), key=by_name)


def unit_options(region_id: int, *, keep: int | None = None) -> list[Unit]:
    """Active units of the region in tree order per organization (organizations by name)."""
    units = db.session.scalars(
        select(Unit)
        .join(Organization, Unit.organization_id == Organization.id)
        .where(Organization.region_id == region_id)
        .options(selectinload(Unit.organization))
    ).all()
    by_organization = defaultdict(list)
    for unit in units:
        by_organization[unit.organization].append(unit)
    rows = []
    for organization in sorted(by_organization, key=by_name):
        tree = _build_tree(by_organization[organization], _unit_parent, by_name)
        rows.extend(unit for unit, _depth in flatten(tree) if unit.active or unit.id == keep)
    return rows


def user_options(region_id: int, *, exclude_group: Group | None = None) -> list[User]:
    """Active accounts of the region by name; for a membership, leave out the group's members.
    Service accounts are no one's choice for a role."""
    statement = (
        select(User)
        .join(Organization, User.organization_id == Organization.id)
        .where(
            Organization.region_id == region_id,
            User.active.is_(True),
            User.is_service_account.is_(False),
        )
        .options(selectinload(User.organization))
    )
    if exclude_group is not None:
        members = select(Membership.user_id).where(
            Membership.group_id == exclude_group.id, Membership.active.is_(True)
        )
        statement = statement.where(User.id.not_in(members))
    return sorted(db.session.scalars(statement), key=by_name)


# --- Organizations -----------------------------------------------------------------------------


def organization_list(region_id: int) -> list[tuple[Organization, int, int]]:
    """Each organization with its number of active accounts and units."""
    users = (
        select(func.count(User.id))
        .where(User.organization_id == Organization.id, User.active.is_(True))
        .scalar_subquery()
    )
    units = (
        select(func.count(Unit.id))
        .where(Unit.organization_id == Organization.id, Unit.active.is_(True))
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Organization, users, units).where(Organization.region_id == region_id)
    )
    return sorted((tuple(row) for row in rows), key=lambda row: by_name(row[0]))


def _check_organization_name(region_id: int, name: str, organization=None) -> None:
    guard_text(name=name)
    same_region = select(Organization).where(Organization.region_id == region_id)
    if _name_taken(same_region, name, exclude=organization):
        raise FieldError(
            _("Det finns redan en organisation som heter %(name)s.", name=name.strip()), "name"
        )


def create_organization(
    region_id: int, *, name: str, kind: OrganizationKind, is_party: bool
) -> Organization:
    _check_organization_name(region_id, name)
    organization = Organization(
        region_id=region_id, name=name.strip(), kind=kind, is_party=is_party
    )
    db.session.add(organization)
    db.session.flush()
    return organization


def update_organization(
    organization: Organization,
    *,
    name: str,
    kind: OrganizationKind,
    is_party: bool,
    version: int | str | None = None,
) -> None:
    check_version(organization, version, changed_elsewhere())
    _check_organization_name(organization.region_id, name, organization)
    organization.name = name.strip()
    organization.kind = kind
    organization.is_party = is_party
    bump_version(organization)
    db.session.flush()


def set_organization_active(organization: Organization, active: bool) -> None:
    """Deactivated organizations leave the choice lists; accounts and old cases keep them."""
    organization.active = active
    db.session.flush()


# --- Units -------------------------------------------------------------------------------------


def _unit_parent(unit: Unit) -> int | None:
    return unit.parent_id


def _units_of(organization: Organization) -> list[Unit]:
    return list(db.session.scalars(select(Unit).where(Unit.organization_id == organization.id)))


def unit_tree(organization: Organization) -> list[TreeNode]:
    return _build_tree(_units_of(organization), _unit_parent, by_name)


def unit_parent_options(organization: Organization, unit: Unit | None = None) -> list[Unit]:
    """Possible parents in tree order: the organization's active units, without the unit itself
    and the units below it (choosing one of those would make a cycle)."""
    units = _units_of(organization)
    excluded = set()
    if unit is not None:
        excluded = _subtree_ids(unit.id, {u.id: u.parent_id for u in units})
    keep = unit.parent_id if unit is not None else None
    tree = _build_tree(units, _unit_parent, by_name)
    return [u for u, _depth in flatten(tree) if u.id not in excluded and (u.active or u.id == keep)]


def _check_unit(organization: Organization, name: str, parent: Unit | None, unit=None) -> None:
    guard_text(name=name)
    if parent is not None:
        if parent.organization_id != organization.id:
            raise FieldError(
                _("Den överordnade enheten hör till en annan organisation."), "parent_id"
            )
        if unit is not None:
            parent_of = {u.id: u.parent_id for u in _units_of(organization)}
            if parent.id in _subtree_ids(unit.id, parent_of):
                raise FieldError(
                    _(
                        "En enhet kan inte flyttas in under sig själv eller under en av sina "
                        "underenheter."
                    ),
                    "parent_id",
                )
    siblings = select(Unit).where(
        Unit.organization_id == organization.id,
        Unit.parent_id.is_(None) if parent is None else Unit.parent_id == parent.id,
    )
    if _name_taken(siblings, name, exclude=unit):
        raise FieldError(
            _("Det finns redan en enhet som heter %(name)s på samma plats.", name=name.strip()),
            "name",
        )


def create_unit(organization: Organization, *, name: str, parent: Unit | None) -> Unit:
    _check_unit(organization, name, parent)
    unit = Unit(organization=organization, name=name.strip(), parent=parent)
    db.session.add(unit)
    db.session.flush()
    return unit


def update_unit(
    unit: Unit, *, name: str, parent: Unit | None, version: int | str | None = None
) -> None:
    check_version(unit, version, changed_elsewhere())
    _check_unit(unit.organization, name, parent, unit)
    unit.name = name.strip()
    unit.parent = parent
    bump_version(unit)
    db.session.flush()


def set_unit_active(unit: Unit, active: bool) -> None:
    """An active unit never hangs under an inactive one: a report could otherwise name a place
    that the tree says is gone."""
    if not active and any(child.active for child in unit.children):
        raise WorkflowError(
            _("%(name)s har aktiva underenheter. Inaktivera dem först.", name=unit.name)
        )
    if active and unit.parent is not None and not unit.parent.active:
        raise WorkflowError(
            _(
                "Den överordnade enheten %(name)s är inaktiv. Aktivera den först.",
                name=unit.parent.name,
            )
        )
    unit.active = active
    db.session.flush()


# --- Groups ------------------------------------------------------------------------------------


def group_list(region_id: int) -> list[tuple[Group, int]]:
    """Each group with its number of active memberships, from the political level down, so the
    list reads like the collaboration structure."""
    members = (
        select(func.count(Membership.id))
        .where(Membership.group_id == Group.id, Membership.active.is_(True))
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Group, members)
        .where(Group.region_id == region_id)
        .options(selectinload(Group.escalation_parent))
    )
    levels = list(GroupLevel)
    return sorted(
        (tuple(row) for row in rows),
        key=lambda row: (levels.index(row[0].level), by_name(row[0])),
    )


def _escalation_map(region_id: int) -> dict[int, int | None]:
    return dict(
        db.session.execute(
            select(Group.id, Group.escalation_parent_id).where(Group.region_id == region_id)
        ).all()
    )


def escalation_parent_options(region_id: int, group: Group | None = None) -> list[Group]:
    """Active groups of the region by name, without the group itself and the groups that
    already escalate to it (directly or further down)."""
    excluded = set()
    keep = None
    if group is not None:
        excluded = _subtree_ids(group.id, _escalation_map(region_id))
        keep = group.escalation_parent_id
    groups = db.session.scalars(
        select(Group).where(
            Group.region_id == region_id, or_(Group.active.is_(True), Group.id == keep)
        )
    )
    return sorted((g for g in groups if g.id not in excluded), key=by_name)


def _check_group(region_id: int, name: str, escalation_parent: Group | None, group=None) -> None:
    guard_text(name=name)
    if _name_taken(select(Group).where(Group.region_id == region_id), name, exclude=group):
        raise FieldError(
            _("Det finns redan en grupp som heter %(name)s.", name=name.strip()), "name"
        )
    if escalation_parent is None:
        return
    if escalation_parent.region_id != region_id:
        raise FieldError(
            _("Gruppen att överlämna till måste höra till samma region."), "escalation_parent_id"
        )
    if group is not None and escalation_parent.id in _subtree_ids(
        group.id, _escalation_map(region_id)
    ):
        raise FieldError(
            _(
                "En grupp kan inte överlämna till sig själv eller till en grupp som "
                "överlämnar till den."
            ),
            "escalation_parent_id",
        )


def create_group(
    region_id: int,
    *,
    name: str,
    short_name: str | None,
    level: GroupLevel,
    target_group: TargetGroup | None,
    escalation_parent: Group | None,
) -> Group:
    _check_group(region_id, name, escalation_parent)
    group = Group(
        region_id=region_id,
        name=name.strip(),
        short_name=_clean(short_name),
        level=level,
        target_group=target_group,
        escalation_parent=escalation_parent,
    )
    db.session.add(group)
    db.session.flush()
    return group


def update_group(
    group: Group,
    *,
    name: str,
    short_name: str | None,
    level: GroupLevel,
    target_group: TargetGroup | None,
    escalation_parent: Group | None,
    version: int | str | None = None,
) -> None:
    check_version(group, version, changed_elsewhere())
    _check_group(group.region_id, name, escalation_parent, group)
    group.name = name.strip()
    group.short_name = _clean(short_name)
    group.level = level
    group.target_group = target_group
    group.escalation_parent = escalation_parent
    bump_version(group)
    db.session.flush()


def set_group_active(group: Group, active: bool) -> None:
    group.active = active
    db.session.flush()


# --- Memberships -------------------------------------------------------------------------------

ROLE_ORDER = {
    MembershipRole.CHAIR: 0,
    MembershipRole.SECRETARY: 1,
    MembershipRole.MEMBER: 2,
    MembershipRole.CO_OPTED: 3,
}


def may_count_for_quorum(role: MembershipRole, represented_organization) -> bool:
    """Only a member (ledamot) who represents a principal counts for quorum. "Ordförande har
    inget beslutsmandat" (LEDNINGSSYSTEM §6.2, §6.4); secretaries and co-opted experts do not
    decide either. The CHECK constraint only_members_count_for_quorum says the same in the
    database."""
    return role is MembershipRole.MEMBER and represented_organization is not None


def group_memberships(group: Group) -> list[Membership]:
    """Active memberships, chair and secretary first, then by name."""
    memberships = db.session.scalars(
        select(Membership)
        .where(Membership.group_id == group.id, Membership.active.is_(True))
        .options(
            selectinload(Membership.user).selectinload(User.organization),
            selectinload(Membership.represented_organization),
        )
    ).all()
    return sorted(memberships, key=lambda m: (ROLE_ORDER[m.role], by_name(m.user)))


def _check_membership(
    group: Group,
    *,
    role: MembershipRole,
    represented_organization: Organization | None,
    counts_for_quorum: bool,
) -> None:
    if (
        represented_organization is not None
        and represented_organization.region_id != group.region_id
    ):
        raise FieldError(
            _("Organisationen hör inte till gruppens region."), "represented_organization_id"
        )
    if counts_for_quorum and not may_count_for_quorum(role, represented_organization):
        raise FieldError(
            _(
                "Bara en ledamot som företräder en organisation räknas för beslutsförheten. "
                "Ordförande, sekreterare och adjungerade har inget beslutsmandat."
            ),
            "counts_for_quorum",
        )


def add_membership(
    group: Group,
    *,
    user: User,
    role: MembershipRole,
    function: str | None,
    represented_organization: Organization | None,
    counts_for_quorum: bool,
) -> Membership:
    """One membership per user and group: a removed one is brought back rather than doubled."""
    if user.organization.region_id != group.region_id:
        raise FieldError(_("Personen hör inte till gruppens region."), "user_id")
    _check_membership(
        group,
        role=role,
        represented_organization=represented_organization,
        counts_for_quorum=counts_for_quorum,
    )
    membership = db.session.scalar(
        select(Membership).where(Membership.group_id == group.id, Membership.user_id == user.id)
    )
    if membership is not None and membership.active:
        raise FieldError(_("%(name)s är redan med i gruppen.", name=user.name), "user_id")
    if membership is None:
        membership = Membership(group=group, user=user)
        db.session.add(membership)
    membership.role = role
    membership.function = _clean(function)
    membership.represented_organization = represented_organization
    membership.counts_for_quorum = counts_for_quorum
    membership.active = True
    db.session.flush()
    return membership


def update_membership(
    membership: Membership,
    *,
    role: MembershipRole,
    function: str | None,
    represented_organization: Organization | None,
    counts_for_quorum: bool,
    version: int | str | None = None,
) -> None:
    check_version(membership, version, changed_elsewhere())
    _check_membership(
        membership.group,
        role=role,
        represented_organization=represented_organization,
        counts_for_quorum=counts_for_quorum,
    )
    membership.role = role
    membership.function = _clean(function)
    membership.represented_organization = represented_organization
    membership.counts_for_quorum = counts_for_quorum
    bump_version(membership)
    db.session.flush()


def remove_membership(membership: Membership) -> None:
    """Deactivated, not deleted: old meetings still show who was a member then."""
    membership.active = False
    db.session.flush()


# --- Categories --------------------------------------------------------------------------------


def _category_parent(category: Category) -> int | None:
    return category.parent_id


def _by_position(category: Category) -> tuple:
    return (category.position, category.id)


def category_tree(region_id: int) -> list[TreeNode]:
    categories = db.session.scalars(select(Category).where(Category.region_id == region_id)).all()
    return _build_tree(categories, _category_parent, _by_position)


def category_parent_options(region_id: int, category: Category | None = None) -> list[Category]:
    """Top-level categories in list order: categories have one level of subcategories, so a
    category that has subcategories cannot itself move under another."""
    if category is not None and category.children:
        return []
    keep = category.parent_id if category is not None else None
    return [
        c
        for c in db.session.scalars(
            select(Category)
            .where(Category.region_id == region_id, Category.parent_id.is_(None))
            .order_by(Category.position, Category.id)
        )
        if (category is None or c.id != category.id) and (not c.is_retired or c.id == keep)
    ]


def _siblings(region_id: int, parent: Category | None) -> list[Category]:
    return list(
        db.session.scalars(
            select(Category)
            .where(
                Category.region_id == region_id,
                Category.parent_id.is_(None) if parent is None else Category.parent_id == parent.id,
            )
            .order_by(Category.position, Category.id)
        )
    )


def _check_category(region_id: int, name: str, parent: Category | None, category=None) -> None:
    if parent is not None:
        if parent.region_id != region_id:
            raise FieldError(_("Huvudkategorin hör till en annan region."), "parent_id")
        if category is not None and parent.id == category.id:
            raise FieldError(_("En kategori kan inte ligga under sig själv."), "parent_id")
        if parent.parent_id is not None:
            raise FieldError(
                _("Välj en huvudkategori: underkategorier kan inte ha egna underkategorier."),
                "parent_id",
            )
        if category is not None and category.children:
            raise FieldError(
                _("Kategorin har egna underkategorier och kan därför inte läggas under en annan."),
                "parent_id",
            )
    if any(
        c.name.casefold() == name.strip().casefold() and c is not category
        for c in _siblings(region_id, parent)
    ):
        raise FieldError(
            _("Det finns redan en kategori som heter %(name)s på samma plats.", name=name.strip()),
            "name",
        )


def _next_position(region_id: int, parent: Category | None) -> int:
    siblings = _siblings(region_id, parent)
    return max((c.position for c in siblings), default=0) + 1


def create_category(
    region_id: int, *, name: str, description: str | None, parent: Category | None
) -> Category:
    """New categories go last among their siblings."""
    guard_text(name=name, description=description)
    _check_category(region_id, name, parent)
    category = Category(
        region_id=region_id,
        name=name.strip(),
        description=_clean(description),
        parent=parent,
        position=_next_position(region_id, parent),
    )
    db.session.add(category)
    db.session.flush()
    return category


def update_category(
    category: Category,
    *,
    name: str,
    description: str | None,
    parent: Category | None,
    version: int | str | None = None,
) -> None:
    check_version(category, version, changed_elsewhere())
    guard_text(name=name, description=description)
    _check_category(category.region_id, name, parent, category)
    if parent is not category.parent:
        category.position = _next_position(category.region_id, parent)
    category.name = name.strip()
    category.description = _clean(description)
    category.parent = parent
    bump_version(category)
    db.session.flush()


def move_category(category: Category, *, up: bool) -> None:
    """Swap with the neighbour among the siblings. Positions are renumbered 1..n first, so
    equal or missing positions from an import cannot make a move do nothing."""
    siblings = _siblings(category.region_id, category.parent)
    index = siblings.index(category)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(siblings):
        raise WorkflowError(
            _("%(name)s står redan först.", name=category.name)
            if up
            else _("%(name)s står redan sist.", name=category.name)
        )
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings, start=1):
        sibling.position = position
    db.session.flush()


def set_category_retired(category: Category, retired: bool, *, now: datetime) -> None:
    """Retired, never deleted: deviations already filed keep their category, new ones cannot
    choose it."""
    category.retired_at = now if retired else None
    db.session.flush()


# --- Coordinators ------------------------------------------------------------------------------


def coordinators(region_id: int) -> Select:
    """Coordinator roles for the region's organizations; the views load one by id through this,
    so a role in another region answers 404."""
    return (
        select(Coordinator)
        .join(Organization, Coordinator.organization_id == Organization.id)
        .where(Organization.region_id == region_id)
    )


def coordinator_list(region_id: int) -> list[tuple[Organization, list[Coordinator]]]:
    """Every active organization with its coordinators, so one without any stands out: its
    deviations would get no answer. An inactive organization is listed while it still has one."""
    roles = db.session.scalars(
        coordinators(region_id).options(
            selectinload(Coordinator.user).selectinload(User.organization)
        )
    ).all()
    by_organization = defaultdict(list)
    for role in roles:
        by_organization[role.organization_id].append(role)
    organizations = db.session.scalars(
        select(Organization).where(Organization.region_id == region_id)
    )
    return [
        (organization, sorted(by_organization[organization.id], key=lambda r: by_name(r.user)))
        for organization in sorted(organizations, key=by_name)
        if organization.active or by_organization[organization.id]
    ]


def assign_coordinator(user: User, organization: Organization) -> Coordinator:
    """A user may coordinate several organizations, each of their own region once."""
    if user.organization.region_id != organization.region_id:
        raise FieldError(_("Personen hör till en annan region."), "user_id")
    if not user.active:
        raise FieldError(_("Kontot är inaktiverat."), "user_id")
    if not organization.active:
        raise FieldError(_("Organisationen är inaktiverad."), "organization_id")
    taken = db.session.scalar(
        select(Coordinator).where(
            Coordinator.user_id == user.id, Coordinator.organization_id == organization.id
        )
    )
    if taken is not None:
        raise FieldError(
            _(
                "%(name)s är redan samordnare för %(organization)s.",
                name=user.name,
                organization=organization.name,
            ),
            "user_id",
        )
    role = Coordinator(user=user, organization=organization)
    db.session.add(role)
    db.session.flush()
    return role


def remove_coordinator(role: Coordinator) -> None:
    """The role goes; the answers the person wrote stay, signed with their name."""
    db.session.delete(role)
    db.session.flush()
