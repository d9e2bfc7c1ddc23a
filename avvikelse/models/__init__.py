"""Every model module is imported here so Alembic autogenerate sees the whole schema."""

from .action import Action, ActionStatus
from .answer import Answer
from .audit import AuditEntry
from .category import Category
from .decision import Assignment, Decision, DecisionOutcome, Minutes
from .deviation import (
    TRANSITIONS,
    CaseNumberCounter,
    ConcernedOrganization,
    ConcernedStatus,
    Deviation,
    DeviationDraft,
    DeviationEvent,
    DeviationShare,
    DeviationState,
    EventKind,
    RiskLevel,
    Transition,
)
from .feedback import AccessibilityReport
from .group import Group, GroupLevel, Membership, MembershipRole, TargetGroup
from .meeting import Attendance, Matter, MatterKind, Meeting, RaisedBy, WrittenView
from .notification import EmailStatus, Notification
from .organization import Coordinator, Organization, OrganizationKind, Unit
from .process import Process
from .region import Region
from .user import User

__all__ = [
    "Assignment",
    "Attendance",
    "Decision",
    "DecisionOutcome",
    "Matter",
    "MatterKind",
    "Meeting",
    "Minutes",
    "RaisedBy",
    "WrittenView",
    "TRANSITIONS",
    "AccessibilityReport",
    "Action",
    "ActionStatus",
    "Answer",
    "AuditEntry",
    "CaseNumberCounter",
    "Category",
    "ConcernedOrganization",
    "ConcernedStatus",
    "Coordinator",
    "Deviation",
    "DeviationDraft",
    "DeviationEvent",
    "DeviationShare",
    "DeviationState",
    "EmailStatus",
    "EventKind",
    "Group",
    "GroupLevel",
    "Membership",
    "MembershipRole",
    "Notification",
    "Organization",
    "OrganizationKind",
    "Process",
    "Region",
    "RiskLevel",
    "TargetGroup",
    "Transition",
    "Unit",
    "User",
]
