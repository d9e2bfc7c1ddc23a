"""The reporter's side of DESIGN §3: what the report form offers, sending it with a warnings
step, drafts, and the reporter's own list (Mina rapporter).

Numbering, routing and notifications stay in `deviations.submit_deviation`; this module adds only
what the reporter's form needs around it. Nothing here commits.
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, raiseload

from ..db import db
from ..models import (
    Category,
    Deviation,
    DeviationDraft,
    Organization,
    OrganizationKind,
    Process,
    Unit,
    User,
)
from ..permissions import visible_deviations
from .deviations import (
    Report,
    delete_draft,
    find_by_token,
    save_draft,
    submit_deviation,
)
from .errors import WorkflowError
from .personal_data import PersonalDataError, check_fields, message

# The free-text fields of a report, named alike in Report, in the form and in a draft's data.
TEXT_FIELDS = ("title", "description", "immediate_action", "proposal", "agreement")

MY_REPORTS_PAGE_SIZE = 25


class PersonalDataWarning(WorkflowError):
    """A phone number or e-mail address: only the writer can tell a unit's from a private
    person's, so the report waits until the writer has looked once more."""

    def __init__(self, warnings: dict):
        self.warnings = warnings
        super().__init__(
            _(
                "Texten innehåller telefonnummer eller e-postadresser. "
                "Titta på dem innan du skickar."
            )
        )

    def field_messages(self) -> dict[str, list[str]]:
        return {name: [message(f) for f in findings] for name, findings in self.warnings.items()}


@dataclass
class ReportOptions:
    """The rows the report form offers; `categories` is (top category, its subcategories).

    `account_unit_id` is the reporter's own unit: submit_deviation falls back to it when no unit
    is chosen, so "no unit" is only offered when the account has no unit that can be chosen.
    """

    organizations: list[Organization]
    categories: list[tuple[Category, list[Category]]]
    processes: list[Process]
    units: list[Unit]
    account_unit_id: int | None


def report_options(user: User) -> ReportOptions:
    """Active organizations, categories and processes of the user's region, and the active units
    of the user's own organization.

    Retired categories, and the subcategories of a retired one, are not offered; old reports
    keep theirs. Organizations come in the order of OrganizationKind, so the form can group them.
    """
    region_id = user.organization.region_id
    organizations = db.session.scalars(
        select(Organization).where(Organization.region_id == region_id, Organization.active)
    ).all()
    kinds = list(OrganizationKind)
    organizations = sorted(organizations, key=lambda o: (kinds.index(o.kind), o.name))
    categories = db.session.scalars(
        select(Category)
        .where(Category.region_id == region_id, Category.retired_at.is_(None))
        .order_by(Category.position, Category.name)
    ).all()
    tops = [c for c in categories if c.parent_id is None]
    tree = [(top, [c for c in categories if c.parent_id == top.id]) for top in tops]
    processes = db.session.scalars(
        select(Process).where(Process.region_id == region_id, Process.active).order_by(Process.name)
    ).all()
    units = db.session.scalars(
        select(Unit).where(Unit.organization_id == user.organization_id, Unit.active)
    ).all()
    units = sorted(units, key=lambda u: u.path)
    return ReportOptions(list(organizations), tree, list(processes), units, user.unit_id)


def submit_report(
    report: Report,
    *,
    actor: User,
    now: datetime,
    draft: DeviationDraft | None = None,
    warnings_seen: bool = False,
) -> Deviation:
    """Send the report: refuse identity numbers, stop once for phone numbers and e-mail
    addresses, then submit and remove the draft the report was written in.

    A form sent twice (same token) gets the case the first one created, whatever it says now.
    """
    deviation = find_by_token(report.submission_token)
    if deviation is None:
        result = check_fields({name: getattr(report, name) for name in TEXT_FIELDS})
        if not result.ok:
            raise PersonalDataError(result.refusals)
        if result.warnings and not warnings_seen:
            raise PersonalDataWarning(result.warnings)
        deviation = submit_deviation(report, actor=actor, now=now)
    if draft is not None:
        delete_draft(draft, user=actor)
    return deviation


def save_report_draft(
    user: User, data: dict, *, now: datetime, draft: DeviationDraft | None = None
) -> DeviationDraft:
    """Keep the form as typed, unchecked but for identity numbers: a draft is stored too, and an
    identity number must never be (DESIGN §3). Warnings wait until the report is sent."""
    result = check_fields({name: data.get(name) for name in TEXT_FIELDS})
    if not result.ok:
        raise PersonalDataError(result.refusals)
    return save_draft(user, data, now=now, draft=draft)


def find_draft(draft_id: int, user: User) -> DeviationDraft | None:
    """Only the author's own drafts are found; anyone else's is as absent as a deleted one."""
    return db.session.scalar(
        select(DeviationDraft).where(
            DeviationDraft.id == draft_id, DeviationDraft.user_id == user.id
        )
    )


def user_drafts(user: User, *, limit: int | None = None) -> list[DeviationDraft]:
    query = (
        select(DeviationDraft)
        .where(DeviationDraft.user_id == user.id)
        .order_by(DeviationDraft.updated_at.desc(), DeviationDraft.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


@dataclass
class MyReports:
    deviations: list[Deviation]
    # (submitted_at, id) of the last case shown, when older cases remain.
    next_cursor: tuple[datetime, int] | None
    drafts: list[DeviationDraft]


def my_reports(
    user: User, *, fore: tuple[datetime, int] | None = None, size: int = MY_REPORTS_PAGE_SIZE
) -> MyReports:
    """The reporter's own cases, newest first, one page after (submitted_at, id) `fore`.

    Keyset rather than OFFSET: a page stays put while new reports arrive, and a late page costs
    no more than the first. Built on visible_deviations, so the list never shows a case that the
    case page would refuse. What the page shows is loaded here, and anything else raises rather
    than loading lazily once per row.
    """
    query = (
        visible_deviations(user)
        .where(Deviation.reporter_id == user.id)
        .options(
            joinedload(Deviation.category).joinedload(Category.parent),
            joinedload(Deviation.group),
            raiseload("*"),
        )
        .order_by(Deviation.submitted_at.desc(), Deviation.id.desc())
        .limit(size + 1)
    )
    if fore is not None:
        at, before_id = fore
        query = query.where(
            or_(
                Deviation.submitted_at < at,
                and_(Deviation.submitted_at == at, Deviation.id < before_id),
            )
        )
    deviations = list(db.session.scalars(query))
    next_cursor = None
    if len(deviations) > size:
        deviations = deviations[:size]
        last = deviations[-1]
        next_cursor = (last.submitted_at, last.id)
    return MyReports(deviations, next_cursor, user_drafts(user))
