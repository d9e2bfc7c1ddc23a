"""Retention (gallring, DESIGN §10): closed cases lose their free text after the region's
`retention_years`, and the audit log is pruned after the region's `audit_retention_years`.

What goes is the text people typed about the events, where personal data ends up however the
form warns: the report (its title too: reporters write "Anna, 84, ..." there), the answers, the
comments and every other timeline note, the reasons for passing on, sharing, IVO and "not
collaboration", the evaluation and the feedback to the reporter, the four questions of the case,
why it sits in a cluster, and its föredragningar (background, what has been done, proposal,
discussion) with the written views on them.

What stays is what the statistics, the dashboard, the public statistics and the annual reports
count (number, dates, states, category, process, organizations, target group, risk, who
reported from where, the timeline's steps) and the records the principals must keep under the
archives act: the case's decision and its decided actions, meeting decisions and approved
minutes (their frozen text is the record), clusters and improvement efforts.

A case is purged the day after the anniversary of its closing: closed on Stockholm day D, it
keeps its text through D + N years. The audit log is counted the same way, by the day of each
entry. Everything is scoped to one region: a case by its own region, an audit entry by its case
or, if it has none, by its user's organization.
"""

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from sqlalchemy import and_, case, delete, func, or_, select, update

from ..db import db, savepoint
from ..models import (
    Answer,
    AuditEntry,
    ClusterCase,
    ConcernedOrganization,
    Deviation,
    DeviationEvent,
    DeviationShare,
    DeviationState,
    FourQuestions,
    Matter,
    Organization,
    Region,
    User,
    WrittenView,
)
from .audit import log_access
from .dates import local_midnight, local_today, months_before

logger = logging.getLogger(__name__)

# Stored in place of the title, so that lists still have a link text; the case page says what
# happened in the reader's language.
PURGED_TITLE = "(gallrad)"
CLOSED_STATES = (DeviationState.CLOSED, DeviationState.NOT_COLLABORATION)
# Cases per UPDATE ... WHERE id IN (...): well below SQLite's bound-parameter limit.
BATCH = 500


def limit(now: datetime, years: int) -> datetime:
    """The instant before which something is older than `years` whole years: the start of the
    Stockholm day `years` before today (29 February counts back to 28 February)."""
    return local_midnight(months_before(local_today(now), 12 * years))


@dataclass
class RegionPlan:
    """What one run would do in one region."""

    region: Region
    cases_closed_before: datetime
    audit_before: datetime
    cases: list[Deviation] = field(default_factory=list)
    audit_entries: int = 0


def _due_cases(region: Region, before: datetime):
    return (
        select(Deviation)
        .where(
            Deviation.region_id == region.id,
            Deviation.state.in_(CLOSED_STATES),
            Deviation.closed_at < before,
            Deviation.purged_at.is_(None),
        )
        .order_by(Deviation.closed_at, Deviation.id)
    )


def _region_audit(region: Region, before: datetime):
    """The region's audit entries older than `before`: of its cases, or of its users when they
    name no case."""
    cases = select(Deviation.id).where(Deviation.region_id == region.id)
    users = (
        select(User.id)
        .join(Organization, User.organization_id == Organization.id)
        .where(Organization.region_id == region.id)
    )
    return and_(
        AuditEntry.created_at < before,
        or_(
            AuditEntry.deviation_id.in_(cases),
            and_(AuditEntry.deviation_id.is_(None), AuditEntry.user_id.in_(users)),
        ),
    )


def _count(condition) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(condition)) or 0


def plan_retention(*, now: datetime, region: Region | None = None) -> list[RegionPlan]:
    """Every region's (or one region's) due cases and prunable audit entries; changes nothing.
    The dry run prints this, and the sweep acts on it."""
    regions = (
        [region]
        if region is not None
        else list(db.session.scalars(select(Region).order_by(Region.id)))
    )
    plans = []
    for each in regions:
        plan = RegionPlan(
            each, limit(now, each.retention_years), limit(now, each.audit_retention_years)
        )
        plan.cases = list(db.session.scalars(_due_cases(each, plan.cases_closed_before)))
        plan.audit_entries = _count(_region_audit(each, plan.audit_before))
        plans.append(plan)
    return plans


@dataclass
class CaseText:
    """How much text a purge would remove from one case, for the dry run."""

    answers: int
    notes: int
    presentations: int


def case_text(case_ids: list[int]) -> dict[int, CaseText]:
    """Answers, timeline notes and föredragningar per case, three grouped queries a batch."""
    result = {}
    for batch in _batches(case_ids):

        def counted(column, *where):
            rows = db.session.execute(select(column, func.count()).where(*where).group_by(column))
            return {key: count for key, count in rows}

        answers = counted(Answer.deviation_id, Answer.deviation_id.in_(batch))
        notes = counted(
            DeviationEvent.deviation_id,
            DeviationEvent.deviation_id.in_(batch),
            DeviationEvent.message.is_not(None),
        )
        presentations = counted(Matter.deviation_id, Matter.deviation_id.in_(batch))
        for case_id in batch:
            result[case_id] = CaseText(
                answers.get(case_id, 0), notes.get(case_id, 0), presentations.get(case_id, 0)
            )
    return result


def _unattributed_audit(now: datetime):
    """Entries naming neither a case nor a user belong to no region: they are kept as long as
    the most careful region keeps its own."""
    years = db.session.scalar(select(func.max(Region.audit_retention_years)))
    if years is None:
        return None
    return and_(
        AuditEntry.created_at < limit(now, years),
        AuditEntry.deviation_id.is_(None),
        AuditEntry.user_id.is_(None),
    )


def unattributed_audit_entries(*, now: datetime) -> int:
    condition = _unattributed_audit(now)
    return _count(condition) if condition is not None else 0


def _batches(items: list, size: int = BATCH) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _blank(column, empty=None):
    """NULL, or an empty string where a NOT NULL column or a CHECK constraint needs text."""
    return case((column.is_(None), None), else_=empty)


def purge_cases(cases: list[Deviation], *, now: datetime) -> None:
    """Remove the free text of these cases and of what hangs on them (the module docstring says
    what goes and what stays). Set-based, a batch at a time; the search index follows through
    its triggers on `deviations` and `answers` (models/search.py)."""
    for batch in _batches(cases):
        ids = [d.id for d in batch]
        matters = select(Matter.id).where(Matter.deviation_id.in_(ids))
        statements = [
            update(Answer)
            .where(Answer.deviation_id.in_(ids))
            .values(what_happened="", cause=None, measures=None),
            update(DeviationEvent).where(DeviationEvent.deviation_id.in_(ids)).values(message=None),
            update(ConcernedOrganization)
            .where(ConcernedOrganization.deviation_id.in_(ids))
            .values(passed_reason=_blank(ConcernedOrganization.passed_reason, ""), ivo_reason=None),
            update(DeviationShare).where(DeviationShare.deviation_id.in_(ids)).values(reason=None),
            update(FourQuestions)
            .where(FourQuestions.deviation_id.in_(ids))
            .values(
                current_state=None,
                possible_improvements=None,
                measurement=None,
                required_changes=None,
                version=FourQuestions.version + 1,
            ),
            update(ClusterCase)
            .where(ClusterCase.deviation_id.in_(ids))
            .values(reason="", removed_reason=_blank(ClusterCase.removed_reason, "")),
            update(WrittenView).where(WrittenView.matter_id.in_(matters)).values(text=""),
            update(Matter)
            .where(Matter.deviation_id.in_(ids))
            .values(
                title=select(Deviation.number + " " + PURGED_TITLE)
                .where(Deviation.id == Matter.deviation_id)
                .scalar_subquery(),
                background=None,
                done_so_far=None,
                proposal=None,
                discussion=None,
                version=Matter.version + 1,
            ),
            update(Deviation)
            .where(Deviation.id.in_(ids))
            .values(
                title=PURGED_TITLE,
                description="",
                immediate_action=None,
                proposal=None,
                agreement=None,
                not_collaboration_reason=_blank(Deviation.not_collaboration_reason, ""),
                evaluation=None,
                closing_summary=_blank(Deviation.closing_summary, ""),
                purged_at=now,
                updated_at=now,
                version=Deviation.version + 1,
            ),
        ]
        for statement in statements:
            db.session.execute(statement.execution_options(synchronize_session=False))
        for deviation in batch:
            log_access(None, "retention_purge", now=now, deviation=deviation)
    db.session.flush()
    for deviation in cases:
        db.session.expire(deviation)


def prune_audit(condition) -> int:
    result = db.session.execute(
        delete(AuditEntry).where(condition).execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def sweep_retention(*, now: datetime) -> dict:
    """The nightly job: in every region, purge the free text of cases closed longer ago than
    its retention_years and prune its audit log older than its audit_retention_years. Purged
    cases are left out of the next run, so running twice changes nothing more. Each region is
    one savepoint: a region that fails is rolled back and reported, and the others go on."""
    summary = {"regions": 0, "purged": 0, "audit_pruned": 0}
    errors = []
    for plan in plan_retention(now=now):
        summary["regions"] += 1
        try:
            with savepoint():
                pruned = prune_audit(_region_audit(plan.region, plan.audit_before))
                purge_cases(plan.cases, now=now)
        except Exception as error:  # one region must not stop the others
            logger.exception("Gallringen i %s misslyckades", plan.region.key)
            errors.append(f"{plan.region.key}: {type(error).__name__}: {error}"[:500])
            continue
        summary["audit_pruned"] += pruned
        summary["purged"] += len(plan.cases)
    unattributed = _unattributed_audit(now)
    if unattributed is not None:
        summary["audit_pruned"] += prune_audit(unattributed)
    if errors:
        summary["errors"] = errors
    return summary
