"""Annual reports (årsrapport, LEDNINGSSYSTEM §6.2 Uppföljning): each samverkansgrupp reports its
year to LSVO "enligt beslutat årshjul", and LSVO reports to the regionchefsgrupp.

The deviation part is generated from the cases; the group writes two free-text sections
(analysis, priorities for next year), saves them as a draft and the chair approves. Approval
freezes the report as the PDF made at that moment. Nothing here commits.

What a report covers: a samverkansgrupp its own cases (routed to it); LSVO the whole region's,
since its report is the county's account. The Blekinge årshjul template (LEDNINGSSYSTEM 7.5)
is not in the source, so the due dates are ours: the groups by the end of January, so that
LSVO can take their reports into its own, due by the end of March.
"""

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import or_, select

from ..db import db
from ..models import (
    AnnualReport,
    Cluster,
    Decision,
    Deviation,
    Group,
    GroupLevel,
    ImprovementEffort,
    Matter,
    MatterKind,
    Meeting,
    MembershipRole,
    RaisedBy,
)
from ..permissions import MANAGER_ROLES, active_group_ids
from . import dashboard
from .agenda import add_system_matter
from .dates import local_midnight, local_today
from .documents import annual_report_pdf
from .errors import WorkflowError, check_version
from .improvement import indicator_chart
from .personal_data import guard_text
from .workbooks import figure_sheets
from .workbooks import workbook as make_workbook

# (month, day) of the year after the report's year.
DUE = {GroupLevel.TACTICAL: (1, 31), GroupLevel.STRATEGIC: (3, 31)}
TEXT_LIMIT = 20_000


def gives_report(group: Group) -> bool:
    return group.level in DUE


def due_on(group: Group, year: int) -> date:
    month, day = DUE[group.level]
    return date(year + 1, month, day)


def receiver_name(group: Group) -> str:
    """The forum the report goes to: the group's LSVO, or the regionchefsgrupp above LSVO."""
    if group.level is GroupLevel.STRATEGIC or group.escalation_parent is None:
        return _("regionchefsgruppen")
    return group.escalation_parent.name


def reportable_groups(user) -> list[Group]:
    """The groups whose annual reports the user may read: the samverkansgrupper and LSVO they
    are an active member of (a beredningsgrupp reports through its group, not on its own)."""
    ids = active_group_ids(user)
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Group).where(Group.id.in_(ids), Group.level.in_(tuple(DUE))).order_by(Group.name)
        )
    )


def may_write(user, group: Group) -> bool:
    return group.id in active_group_ids(user, roles=MANAGER_ROLES)


def find(group: Group, year: int) -> AnnualReport | None:
    return db.session.scalar(
        select(AnnualReport).where(AnnualReport.group_id == group.id, AnnualReport.year == year)
    )


def cases_of(group: Group):
    if group.level is GroupLevel.STRATEGIC:
        return select(Deviation).where(Deviation.region_id == group.region_id)
    return select(Deviation).where(Deviation.group_id == group.id)


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    return local_midnight(date(year, 1, 1)), local_midnight(date(year + 1, 1, 1))


@dataclass
class EffortLine:
    effort: ImprovementEffort
    verdicts: list[tuple[str, str]]


@dataclass
class Contents:
    """The generated part of the report for one group and year."""

    group: Group
    year: int
    due_on: date
    receiver: str
    figures: dashboard.Figures
    summary: list[str]
    clusters: list[Cluster]
    decisions: list[Decision]
    efforts: list[EffortLine]


def contents(group: Group, year: int, *, now: datetime) -> Contents:
    filters = dashboard.Filters(start=date(year, 1, 1), end=date(year, 12, 31))
    figures = dashboard.figures_of(
        dashboard.narrowed(cases_of(group), filters), filters, group.region_id
    )
    since, until = _year_bounds(year)
    scope = (
        Cluster.region_id == group.region_id
        if group.level is GroupLevel.STRATEGIC
        else Cluster.group_id == group.id
    )
    clusters = list(
        db.session.scalars(
            select(Cluster)
            .where(
                scope,
                or_(
                    Cluster.created_at.between(since, until),
                    Cluster.decided_at.between(since, until),
                ),
            )
            .order_by(Cluster.created_at)
        )
    )
    decisions = list(
        db.session.scalars(
            select(Decision)
            .join(Matter, Matter.id == Decision.matter_id)
            .join(Meeting, Meeting.id == Matter.meeting_id)
            .where(
                Meeting.group_id == group.id,
                Decision.follow_up_on.is_not(None),
                Decision.decided_at >= since,
                Decision.decided_at < until,
            )
            .order_by(Decision.decided_at)
        )
    )
    # The verdict as at the year's end, or today for the running year.
    as_of = min(local_today(now), date(year, 12, 31))
    efforts = [
        EffortLine(
            effort,
            [
                (indicator.name, indicator_chart(indicator, as_of).chart.verdict.title)
                for indicator in effort.indicators
            ],
        )
        for effort in db.session.scalars(
            select(ImprovementEffort)
            .where(
                ImprovementEffort.owner_group_id == group.id,
                ImprovementEffort.created_at < until,
            )
            .order_by(ImprovementEffort.created_at)
        )
    ]
    return Contents(
        group=group,
        year=year,
        due_on=due_on(group, year),
        receiver=receiver_name(group),
        figures=figures,
        summary=dashboard.summary(figures),
        clusters=clusters,
        decisions=decisions,
        efforts=efforts,
    )


def _require_writer(actor, group: Group) -> None:
    if not may_write(actor, group):
        raise WorkflowError(_("Bara gruppens ordförande och sekreterare skriver årsrapporten."))


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    if len(text) > TEXT_LIMIT:
        raise WorkflowError(_("Högst %(count)d tecken per avsnitt.", count=TEXT_LIMIT))
    return text or None


def save_draft(
    group: Group,
    year: int,
    *,
    analysis: str | None,
    priorities: str | None,
    actor,
    now: datetime,
    version=None,
) -> AnnualReport:
    """Create or update the draft; a second writer with an older version is refused."""
    _require_writer(actor, group)
    if year > local_today(now).year:
        raise WorkflowError(_("Årsrapporten kan skrivas först när året har börjat."))
    analysis, priorities = _clean(analysis), _clean(priorities)
    guard_text(analysis=analysis, priorities=priorities)
    report = find(group, year)
    if report is None:
        report = AnnualReport(group=group, year=year, created_at=now)
        db.session.add(report)
    else:
        check_version(report, version)
        if report.is_approved:
            raise WorkflowError(_("Årsrapporten är godkänd och kan inte ändras."))
    report.analysis = analysis
    report.priorities = priorities
    report.updated_at = now
    report.updated_by = actor
    db.session.flush()
    return report


def approve(report: AnnualReport, *, actor, now: datetime, version=None) -> None:
    """The chair approves; the PDF of that moment is what the report is from then on."""
    check_version(report, version)
    chair = report.group_id in active_group_ids(actor, roles={MembershipRole.CHAIR})
    if not chair:
        raise WorkflowError(_("Bara gruppens ordförande godkänner årsrapporten."))
    if report.is_approved:
        raise WorkflowError(_("Årsrapporten är redan godkänd."))
    if not (report.analysis and report.priorities):
        raise WorkflowError(
            _("Skriv både analysen och prioriteringarna för nästa år innan du godkänner.")
        )
    generated = contents(report.group, report.year, now=now)
    # The PDF shows the approval, which must not reach the database before the PDF does.
    with db.session.no_autoflush:
        report.approved_at = now
        report.approved_by = actor
        report.document = annual_report_pdf(generated, report)
    db.session.flush()


def put_on_agenda(report: AnnualReport, *, actor, now: datetime) -> Matter:
    """One click: the approved report becomes a matter for information on the receiving
    group's next open agenda (LSVO's); LSVO's own report goes outside the system."""
    _require_writer(actor, report.group)
    if not report.is_approved:
        raise WorkflowError(_("Godkänn årsrapporten innan den sätts upp på dagordningen."))
    if report.matter_id is not None:
        raise WorkflowError(_("Årsrapporten står redan på dagordningen."))
    receiver = report.group.escalation_parent
    if report.group.level is GroupLevel.STRATEGIC or receiver is None:
        raise WorkflowError(
            _(
                "Årsrapporten lämnas till %(receiver)s utanför systemet: ladda ner PDF:en.",
                receiver=receiver_name(report.group),
            )
        )
    matter = add_system_matter(
        receiver,
        kind=MatterKind.INFORMATION,
        title=_("Årsrapport %(year)d från %(group)s", year=report.year, group=report.group.name),
        now=now,
        raised_by=RaisedBy.OTHER_PARTY,
        raised_by_group=report.group,
    )
    report.matter = matter
    db.session.flush()
    return matter


def workbook(c: Contents) -> bytes:
    """The report's tables in XLSX: the figures, then clusters, decisions and efforts."""
    return make_workbook(
        [
            *figure_sheets(c.figures),
            (
                _("Kluster"),
                [_("Kluster"), _("Läge"), _("Beslut")],
                [[x.name, str(x.state.title), x.decision or ""] for x in c.clusters],
            ),
            (
                _("Beslut"),
                [_("Ärende"), _("Beslutat"), _("Följs upp"), _("Uppföljt")],
                [
                    [
                        d.matter.title,
                        local_today(d.decided_at).isoformat(),
                        d.follow_up_on.isoformat(),
                        local_today(d.follow_up_done_at).isoformat() if d.follow_up_done_at else "",
                    ]
                    for d in c.decisions
                ],
            ),
            (
                _("Förbättringsarbeten"),
                [_("Förbättringsarbete"), _("Status"), _("Indikator"), _("Bedömning")],
                [
                    [line.effort.title, str(line.effort.status.title), name, str(verdict)]
                    for line in c.efforts
                    for name, verdict in (line.verdicts or [("", "")])
                ],
            ),
        ]
    )
