"""Every model module is imported here so Alembic autogenerate sees the whole schema."""

from .action import Action, ActionStatus
from .annual_report import AnnualReport
from .answer import Answer
from .api_client import ApiClient, ApiRateWindow, ApiScope
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
from .figures import CaseFigure, FigureState, MonthlyFigure, MonthlyOrganizationFigure
from .group import Group, GroupLevel, Membership, MembershipRole, TargetGroup
from .improvement import (
    EFFORT_TRANSITIONS,
    Direction,
    EffortEvent,
    EffortKind,
    EffortStatus,
    FourQuestions,
    Frequency,
    ImprovementEffort,
    ImprovementProposal,
    Indicator,
    IndicatorSource,
    Measurement,
    ProposalSource,
    ProposalStatus,
)
from .job import JobRun, SchedulerLease
from .meeting import Attendance, Matter, MatterKind, Meeting, RaisedBy, WrittenView
from .notification import EmailDelivery, EmailPreference, EmailStatus, Notification
from .organization import Coordinator, Organization, OrganizationKind, Unit
from .process import ApplicationCheck, CheckMethod, MaintenanceEntry, Process, ProcessGoal
from .recurrence import (
    Cluster,
    ClusterCase,
    ClusterState,
    RecurrenceKey,
    Suggestion,
    SuggestionCase,
    SuggestionKind,
    SuggestionState,
)
from .region import Region
from .search import create_search_index, drop_search_index
from .user import LinkedIdentity, LoginThrottle, User

__all__ = [
    "ApiClient",
    "ApiRateWindow",
    "ApiScope",
    "AnnualReport",
    "CaseFigure",
    "FigureState",
    "MonthlyFigure",
    "MonthlyOrganizationFigure",
    "Cluster",
    "ClusterCase",
    "ClusterState",
    "RecurrenceKey",
    "Suggestion",
    "SuggestionCase",
    "SuggestionKind",
    "SuggestionState",
    "create_search_index",
    "drop_search_index",
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
    "EmailDelivery",
    "EmailPreference",
    "EmailStatus",
    "JobRun",
    "LinkedIdentity",
    "LoginThrottle",
    "SchedulerLease",
    "EventKind",
    "Group",
    "GroupLevel",
    "Membership",
    "MembershipRole",
    "Notification",
    "Organization",
    "OrganizationKind",
    "Process",
    "ApplicationCheck",
    "CheckMethod",
    "Direction",
    "EFFORT_TRANSITIONS",
    "EffortEvent",
    "EffortKind",
    "EffortStatus",
    "FourQuestions",
    "Frequency",
    "ImprovementEffort",
    "ImprovementProposal",
    "Indicator",
    "IndicatorSource",
    "MaintenanceEntry",
    "Measurement",
    "ProcessGoal",
    "ProposalSource",
    "ProposalStatus",
    "Region",
    "RiskLevel",
    "TargetGroup",
    "Transition",
    "Unit",
    "User",
]
