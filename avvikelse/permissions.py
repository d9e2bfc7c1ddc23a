"""Who may do what: the public allowlist, the role table and the object policies (STYLE.md 2.5)."""

import enum

from flask import abort, request
from flask_login import current_user

from .models import MembershipRole

# Endpoints reachable without logging in. Everything else needs an account (deny by default).
PUBLIC_ENDPOINTS = frozenset(
    {
        "auth.login",
        "pages.accessibility",
        "pages.report_accessibility_problem",
        "pages.health",
        "static",
    }
)


class Permission(enum.StrEnum):
    ADMIN_MANAGE = "admin:region:manage"
    GROUP_VIEW = "group:group:view"
    MEETING_MANAGE = "meeting:meeting:manage"
    MEETING_PARTICIPATE = "meeting:meeting:participate"


ROLE_PERMISSIONS: dict[MembershipRole, frozenset[Permission]] = {
    MembershipRole.CHAIR: frozenset(
        {Permission.GROUP_VIEW, Permission.MEETING_MANAGE, Permission.MEETING_PARTICIPATE}
    ),
    MembershipRole.SECRETARY: frozenset(
        {Permission.GROUP_VIEW, Permission.MEETING_MANAGE, Permission.MEETING_PARTICIPATE}
    ),
    MembershipRole.MEMBER: frozenset({Permission.GROUP_VIEW, Permission.MEETING_PARTICIPATE}),
    MembershipRole.CO_OPTED: frozenset({Permission.GROUP_VIEW}),
}


def is_public_endpoint(endpoint: str | None) -> bool:
    return endpoint in PUBLIC_ENDPOINTS


def require_login_unless_public():
    """before_request hook: a new endpoint is private unless someone adds it to the allowlist."""
    if is_public_endpoint(request.endpoint):
        return None
    if request.endpoint is None:
        return None  # unknown URL: let the router answer 404
    if not current_user.is_authenticated:
        from .extensions import login_manager

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


def require(allowed: bool) -> None:
    if not allowed:
        abort(403)
