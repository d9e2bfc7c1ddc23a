"""Every model module is imported here so Alembic autogenerate sees the whole schema."""

from .category import Category
from .feedback import AccessibilityReport
from .group import Group, GroupLevel, Membership, MembershipRole, TargetGroup
from .organization import Organization, OrganizationKind, Unit
from .process import Process
from .region import Region
from .user import User

__all__ = [
    "AccessibilityReport",
    "Category",
    "Group",
    "GroupLevel",
    "Membership",
    "MembershipRole",
    "Organization",
    "OrganizationKind",
    "Process",
    "Region",
    "TargetGroup",
    "Unit",
    "User",
]
