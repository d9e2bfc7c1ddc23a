"""Improvement work (DESIGN §7): efforts through the four questions, indicators and their run
charts, common processes with continuous improvement, maintenance and application checks.

Every function checks its rule (WorkflowError with a message for the user), mutates and flushes.
Nothing here commits; the clock and the actor come from the caller.
"""

from dataclasses import dataclass
from datetime import date, datetime

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..db import db
from ..models import (
    EFFORT_TRANSITIONS,
    Action,
    ActionStatus,
    ApplicationCheck,
    CheckMethod,
    ConcernedOrganization,
    Deviation,
    Direction,
    EffortEvent,
    EffortKind,
    EffortStatus,
    FourQuestions,
    Frequency,
    Group,
    ImprovementEffort,
    ImprovementProposal,
    Indicator,
    IndicatorSource,
    MaintenanceEntry,
    Matter,
    MatterKind,
    Measurement,
    MembershipRole,
    Organization,
    Process,
    ProcessGoal,
    ProposalSource,
    ProposalStatus,
    RaisedBy,
    User,
)
from ..permissions import can_manage_effort, can_manage_process, effort_groups
from . import run_chart as charts
from .agenda import add_system_matter
from .clusters import cluster_cases
from .dates import STOCKHOLM, add_months, local_today, month_start
from .errors import (
    StaleEditError,
    WorkflowError,
    bump_version,
    changed_elsewhere,
    check_version,
)
from .notifications import notify
from .personal_data import guard_text

QUESTION_FIELDS = FourQuestions.FIELDS


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def period_start(day: date, frequency: Frequency) -> date:
    """The first day of the period `day` falls in (month, quarter or year)."""
    months = frequency.months
    month = ((day.month - 1) // months) * months + 1
    return date(day.year, month, 1)


# --- The four questions -------------------------------------------------------------------------


def save_four_questions(
    *,
    deviation=None,
    effort=None,
    cluster=None,
    answers: dict,
    actor: User,
    now: datetime,
    version: int | str | None = None,
) -> FourQuestions:
    """Answers on a case, an effort or a cluster; blank answers are allowed, not all four.
    `version` is the one the form showed (0 before the first answers): a save made by someone
    else in between is refused, not overwritten."""
    questions = subject_questions(deviation=deviation, effort=effort, cluster=cluster)
    check_version(questions, version, changed_elsewhere())
    cleaned = {name: _clean(answers.get(name)) for name in QUESTION_FIELDS}
    if not any(cleaned.values()):
        raise WorkflowError(_("Besvara minst en av de fyra frågorna."))
    guard_text(**{name: value for name, value in cleaned.items() if value})
    first = questions is None
    if first:
        questions = FourQuestions(
            deviation=deviation, effort=effort, cluster_id=cluster.id if cluster else None
        )
        db.session.add(questions)
    else:
        bump_version(questions)
    for name, value in cleaned.items():
        setattr(questions, name, value)
    questions.updated_at = now
    questions.updated_by = actor
    if effort is not None:
        effort.updated_at = now
    try:
        db.session.flush()
    except IntegrityError as error:
        if not first:
            raise
        # Two first answers at the same moment: the subject's unique key kept the other one.
        raise StaleEditError(changed_elsewhere()) from error
    return questions


def subject_questions(*, deviation=None, effort=None, cluster=None) -> FourQuestions | None:
    """The answers so far on the one subject given, None before the first."""
    if effort is not None:
        return effort.questions
    if cluster is not None:
        return cluster_questions(cluster)
    return case_questions(deviation)


def questions_version(questions: FourQuestions | None) -> int:
    """The version an answer form carries: 0 before the first answers."""
    return questions.version if questions is not None else 0


def case_questions(deviation) -> FourQuestions | None:
    return db.session.scalar(
        select(FourQuestions).where(FourQuestions.deviation_id == deviation.id)
    )


def cluster_questions(cluster) -> FourQuestions | None:
    return db.session.scalar(select(FourQuestions).where(FourQuestions.cluster_id == cluster.id))


# --- Efforts ------------------------------------------------------------------------------------


@dataclass
class ProjectPlan:
    """The project plan fields of LEDNINGSSYSTEM §7.6; a small adjustment needs none of them."""

    purpose: str | None = None
    goal: str | None = None
    steering_group: str | None = None
    time_plan: str | None = None
    resources: str | None = None

    FIELDS = ("purpose", "goal", "steering_group", "time_plan", "resources")

    def cleaned(self) -> dict:
        return {name: _clean(getattr(self, name)) for name in self.FIELDS}


def _log(effort, *, actor, now, message=None, from_status=None, to_status=None) -> None:
    db.session.add(
        EffortEvent(
            effort=effort,
            created_at=now,
            actor=actor,
            message=message,
            from_status=from_status,
            to_status=to_status,
        )
    )


def _check_plan(kind: EffortKind, plan: dict) -> None:
    if kind is EffortKind.DEVELOPMENT_EFFORT and not (plan["purpose"] and plan["goal"]):
        raise WorkflowError(
            _("Ett utvecklingsarbete drivs som projekt: skriv åtminstone syfte och mål.")
        )


def start_effort(
    *,
    title: str,
    kind: EffortKind,
    owner_group: Group,
    actor: User,
    now: datetime,
    plan: ProjectPlan | None = None,
    responsible: User | None = None,
    process: Process | None = None,
    deviation: Deviation | None = None,
    decision=None,
    cluster=None,
) -> ImprovementEffort:
    """Start an effort owned by a group the actor manages, from a case, a cluster, a decision
    or a process (§7). The cases of its source are linked and their four questions come along."""
    if owner_group not in effort_groups(actor):
        raise WorkflowError(
            _(
                "Du kan bara starta förbättringsarbete för en grupp där du är ordförande "
                "eller sekreterare."
            )
        )
    title = _clean(title)
    if not title:
        raise WorkflowError(_("Ge förbättringsarbetet en rubrik."))
    fields = (plan or ProjectPlan()).cleaned()
    _check_plan(kind, fields)
    guard_text(title=title, **{k: v for k, v in fields.items() if v})
    region_id = owner_group.region_id
    if process is not None and process.region_id != region_id:
        raise WorkflowError(_("Processen hör till en annan region."))
    effort = ImprovementEffort(
        region_id=region_id,
        title=title[:200],
        kind=kind,
        status=EffortStatus.PLANNED,
        owner_group=owner_group,
        responsible=responsible or actor,
        process=process,
        decision=decision,
        cluster=cluster,
        created_at=now,
        created_by=actor,
        updated_at=now,
        **fields,
    )
    db.session.add(effort)
    if deviation is None and decision is not None:
        deviation = decision.matter.deviation
    cases = [deviation] if deviation is not None else []
    if cluster is not None:
        cases += [d for d in cluster_cases(cluster) if d not in cases]
    effort.deviations.extend(cases)
    if effort.process is None:
        effort.process = next((d.process for d in cases if d.process is not None), None)
    copied = (cluster_questions(cluster) if cluster is not None else None) or (
        case_questions(deviation) if deviation is not None else None
    )
    if copied is not None:
        db.session.add(
            FourQuestions(
                effort=effort,
                updated_at=now,
                updated_by=actor,
                **{name: getattr(copied, name) for name in QUESTION_FIELDS},
            )
        )
    _log(effort, actor=actor, now=now, to_status=EffortStatus.PLANNED.value, message=title)
    db.session.flush()
    return effort


def _require_group_member(user: User, group: Group) -> None:
    """The responsible person answers to the owner group, so sits in it."""
    if not any(m.active and m.group_id == group.id for m in user.memberships):
        raise WorkflowError(_("Den ansvariga ska vara med i den ägande gruppen."))


def _require_manager(effort: ImprovementEffort, actor: User) -> None:
    if not can_manage_effort(actor, effort):
        raise WorkflowError(_("Du kan inte ändra det här förbättringsarbetet."))


def _require_open(effort: ImprovementEffort) -> None:
    if not effort.status.is_open:
        raise WorkflowError(_("Förbättringsarbetet är avslutat och kan inte ändras."))


def update_plan(
    effort: ImprovementEffort,
    *,
    title: str,
    plan: ProjectPlan,
    change_on: date | None,
    actor: User,
    now: datetime,
    responsible: User | None = None,
) -> None:
    _require_manager(effort, actor)
    _require_open(effort)
    if responsible is not None and responsible != effort.responsible:
        _require_group_member(responsible, effort.owner_group)
        effort.responsible = responsible
        _log(
            effort,
            actor=actor,
            now=now,
            message=_("Ny ansvarig: %(name)s", name=responsible.name),
        )
    title = _clean(title)
    if not title:
        raise WorkflowError(_("Ge förbättringsarbetet en rubrik."))
    fields = plan.cleaned()
    _check_plan(effort.kind, fields)
    guard_text(title=title, **{k: v for k, v in fields.items() if v})
    if change_on is not None and change_on > local_today(now):
        raise WorkflowError(_("Förändringsdatum kan inte ligga i framtiden."))
    effort.title = title[:200]
    for name, value in fields.items():
        setattr(effort, name, value)
    effort.change_on = change_on
    effort.updated_at = now
    db.session.flush()


def add_effort_action(
    effort: ImprovementEffort,
    *,
    description: str,
    due_on: date,
    owner_organization: Organization | None,
    owner_group: Group | None,
    actor: User,
    now: datetime,
) -> Action:
    """Answer 4 becomes actions: the case workflow's actions, owned by an organization or group."""
    _require_manager(effort, actor)
    _require_open(effort)
    if (owner_organization is None) == (owner_group is None):
        raise WorkflowError(_("Välj en ägare: en organisation eller en grupp."))
    description = _clean(description)
    if not description:
        raise WorkflowError(_("Beskriv åtgärden."))
    if due_on < local_today(now):
        raise WorkflowError(_("Slutdatum kan inte vara passerat."))
    guard_text(description=description)
    action = Action(
        description=description,
        due_on=due_on,
        owner_organization=owner_organization,
        owner_group=owner_group,
        created_by=actor,
        created_at=now,
    )
    effort.actions.append(action)
    effort.updated_at = now
    _log(effort, actor=actor, now=now, message=_("Åtgärd: %(text)s", text=description))
    db.session.flush()
    return action


def set_effort_action_status(
    effort: ImprovementEffort, action: Action, status: ActionStatus, *, actor: User, now: datetime
) -> None:
    _require_manager(effort, actor)
    if action not in effort.actions:
        raise WorkflowError(_("Åtgärden hör inte till det här förbättringsarbetet."))
    action.status = status
    action.completed_at = now if status is ActionStatus.DONE else None
    effort.updated_at = now
    db.session.flush()


@dataclass
class IndicatorSpec:
    name: str
    unit: str
    direction: Direction
    frequency: Frequency = Frequency.MONTHLY
    baseline: float | None = None
    target: float | None = None
    source: IndicatorSource = IndicatorSource.MANUAL
    category_id: int | None = None
    organization_id: int | None = None
    counterpart_id: int | None = None
    count_process_id: int | None = None


def add_indicator(
    spec: IndicatorSpec, *, actor: User, now: datetime, effort=None, goal=None
) -> Indicator:
    """Answer 3 (how we will know) as an indicator of an effort, or of a process goal."""
    if effort is not None:
        _require_manager(effort, actor)
        _require_open(effort)
    elif not can_manage_process(actor, goal.process):
        raise WorkflowError(
            _("Bara processrådets ordförande och sekreterare lägger till indikatorer.")
        )
    name, unit = _clean(spec.name), _clean(spec.unit)
    if not name or not unit:
        raise WorkflowError(_("Skriv indikatorns namn och enhet."))
    if any(v is not None and abs(v) > charts.MAX_VALUE for v in (spec.baseline, spec.target)):
        raise WorkflowError(_too_large())
    guard_text(name=name, unit=unit)
    counted = spec.source is IndicatorSource.DEVIATION_COUNT
    if counted and spec.frequency is not Frequency.MONTHLY:
        raise WorkflowError(_("Avvikelser räknas per månad: välj frekvensen varje månad."))
    if (spec.organization_id is None) != (spec.counterpart_id is None):
        raise WorkflowError(_("Välj båda organisationerna i paret, eller ingen."))
    if spec.organization_id is not None and spec.organization_id == spec.counterpart_id:
        raise WorkflowError(_("Välj två olika organisationer."))
    indicator = Indicator(
        effort=effort,
        goal=goal,
        name=name[:200],
        unit=unit[:60],
        direction=spec.direction,
        frequency=spec.frequency,
        baseline=spec.baseline,
        target=spec.target,
        source=spec.source,
        category_id=spec.category_id if counted else None,
        organization_id=spec.organization_id if counted else None,
        counterpart_id=spec.counterpart_id if counted else None,
        count_process_id=spec.count_process_id if counted else None,
    )
    db.session.add(indicator)
    if effort is not None:
        effort.updated_at = now
        _log(effort, actor=actor, now=now, message=_("Indikator: %(name)s", name=name))
    db.session.flush()
    return indicator


def _may_measure(indicator: Indicator, actor: User) -> bool:
    if indicator.effort is not None:
        return can_manage_effort(actor, indicator.effort)
    return can_manage_process(actor, indicator.goal.process)


def _too_large() -> str:
    return _(
        "Värdet är orimligt stort. Mätvärden, utgångsvärden och mål ligger mellan "
        "−1 000 000 000 och 1 000 000 000."
    )


def record_measurements(
    indicator: Indicator, values: list[tuple[date, float]], *, actor: User, now: datetime
) -> int:
    """Values per period; a period already measured gets the new value. Returns the count."""
    if not _may_measure(indicator, actor):
        raise WorkflowError(_("Du kan inte föra in mätvärden för den här indikatorn."))
    if indicator.effort is not None:
        _require_open(indicator.effort)
    if indicator.source is IndicatorSource.DEVIATION_COUNT:
        raise WorkflowError(_("Indikatorn räknas från avvikelserna och tar inte emot mätvärden."))
    if not values:
        raise WorkflowError(_("Skriv minst ett mätvärde."))
    if any(abs(value) > charts.MAX_VALUE for _day, value in values):
        raise WorkflowError(_too_large())
    today = local_today(now)
    existing = {m.period_start: m for m in indicator.measurements}
    for day, value in values:
        start = period_start(day, indicator.frequency)
        if start > today:
            raise WorkflowError(
                _("Perioden %(period)s har inte börjat än.", period=start.strftime("%Y-%m"))
            )
        row = existing.get(start)
        if row is None:
            row = Measurement(indicator=indicator, period_start=start, value=value)
            db.session.add(row)
            existing[start] = row
        row.value = value
        row.recorded_by = actor
        row.recorded_at = now
    if indicator.effort is not None:
        indicator.effort.updated_at = now
    db.session.flush()
    return len(values)


def _has_measurement_after_change(effort: ImprovementEffort, today: date) -> bool:
    for indicator in effort.indicators:
        if any(p.period >= effort.change_on for p in indicator_points(indicator, today)):
            return True
    return False


def change_status(
    effort: ImprovementEffort,
    target: EffortStatus,
    *,
    actor: User,
    now: datetime,
    conclusion: str | None = None,
    note: str | None = None,
) -> None:
    """The state rules: no evaluating without an indicator and an action; no done without
    measurements after the change, a conclusion and every action finished or cancelled (a done
    effort takes no more changes, so an open action would be stranded); a discontinued effort
    says why."""
    _require_manager(effort, actor)
    if target not in EFFORT_TRANSITIONS[effort.status]:
        raise WorkflowError(
            _(
                "Förbättringsarbetet kan inte gå från ”%(source)s” till ”%(target)s”.",
                source=effort.status.title,
                target=target.title,
            )
        )
    conclusion, note = _clean(conclusion), _clean(note)
    if target is EffortStatus.EVALUATING:
        if not effort.indicators:
            raise WorkflowError(
                _("Lägg till minst en indikator (fråga 3) innan arbetet utvärderas.")
            )
        if not effort.actions:
            raise WorkflowError(_("Lägg till minst en åtgärd (fråga 4) innan arbetet utvärderas."))
    if target is EffortStatus.DONE:
        if effort.change_on is None:
            raise WorkflowError(_("Ange när förändringen infördes innan arbetet avslutas."))
        if not _has_measurement_after_change(effort, local_today(now)):
            raise WorkflowError(
                _("Det finns inga mätvärden efter förändringen. Mät innan arbetet avslutas.")
            )
        if not conclusion:
            raise WorkflowError(
                _("Skriv en slutsats: blev det en förbättring, och hur vet ni det?")
            )
        unfinished = [a.description for a in effort.actions if a.status.is_open]
        if unfinished:
            raise WorkflowError(
                _(
                    "Åtgärder som inte är klara: %(actions)s. Markera dem som klara eller "
                    "avbrutna innan arbetet avslutas.",
                    actions="; ".join(unfinished),
                )
            )
        effort.conclusion = conclusion
        if effort.kind is EffortKind.SMALL_ADJUSTMENT and effort.process is not None:
            _maintenance_entry(
                effort.process,
                _(
                    "Liten justering: %(title)s. %(conclusion)s",
                    title=effort.title,
                    conclusion=conclusion,
                ),
                done_on=effort.change_on,
                actor=actor,
                now=now,
            )
    if target is EffortStatus.DISCONTINUED and not note:
        raise WorkflowError(_("Skriv varför förbättringsarbetet avbryts."))
    guard_text(**{k: v for k, v in {"conclusion": conclusion, "note": note}.items() if v})
    previous = effort.status
    effort.status = target
    effort.updated_at = now
    _log(
        effort,
        actor=actor,
        now=now,
        from_status=previous.value,
        to_status=target.value,
        message=note or conclusion,
    )
    db.session.flush()


# --- Indicators: points and charts ------------------------------------------------------------


COUNT_MONTHS = 18


def deviation_counts(
    region_id: int,
    *,
    today: date,
    months: int = COUNT_MONTHS,
    category_id=None,
    organization_ids: tuple[int, int] | None = None,
    process_id=None,
) -> list[charts.Point]:
    """Deviations per complete month (Stockholm time), oldest first; months without any count 0."""
    first = add_months(month_start(today), -months)
    end = month_start(today)
    query = select(Deviation.submitted_at).where(
        Deviation.region_id == region_id,
        Deviation.submitted_at >= datetime.combine(first, datetime.min.time(), STOCKHOLM),
        Deviation.submitted_at < datetime.combine(end, datetime.min.time(), STOCKHOLM),
    )
    if category_id is not None:
        query = query.where(Deviation.category_id == category_id)
    if process_id is not None:
        query = query.where(Deviation.process_id == process_id)
    if organization_ids is not None:
        a, b = organization_ids
        concerned = select(ConcernedOrganization.deviation_id).where(
            ConcernedOrganization.organization_id.in_((a, b)),
            ConcernedOrganization.organization_id != Deviation.reporter_organization_id,
        )
        query = query.where(
            Deviation.reporter_organization_id.in_((a, b)), Deviation.id.in_(concerned)
        )
    counts = {add_months(first, k): 0 for k in range(months)}
    for submitted_at in db.session.scalars(query):
        month = month_start(local_today(submitted_at))
        if month in counts:
            counts[month] += 1
    return [charts.Point(month, float(count)) for month, count in counts.items()]


def indicator_points(indicator: Indicator, today: date) -> list[charts.Point]:
    if indicator.source is IndicatorSource.DEVIATION_COUNT:
        region_id = (
            indicator.effort.region_id
            if indicator.effort is not None
            else indicator.goal.process.region_id
        )
        pair = None
        if indicator.organization_id is not None:
            pair = (indicator.organization_id, indicator.counterpart_id)
        return deviation_counts(
            region_id,
            today=today,
            category_id=indicator.category_id,
            organization_ids=pair,
            process_id=indicator.count_process_id,
        )
    return [charts.Point(m.period_start, m.value) for m in indicator.measurements]


@dataclass
class Series:
    """What a chart needs to know about a series that is not an indicator (linked deviations)."""

    name: str
    unit: str
    target: float | None = None


@dataclass
class IndicatorChart:
    indicator: Indicator | Series
    chart: charts.RunChart
    sentence: str
    geometry: charts.Geometry

    @property
    def latest(self) -> charts.Point | None:
        return self.chart.points[-1] if self.chart.points else None


def indicator_chart(indicator: Indicator, today: date) -> IndicatorChart:
    change_on = indicator.effort.change_on if indicator.effort is not None else None
    chart = charts.analyse(
        indicator_points(indicator, today),
        lower_is_better=indicator.direction is Direction.LOWER_IS_BETTER,
        change_on=change_on,
    )
    return IndicatorChart(
        indicator,
        chart,
        charts.sentence(chart),
        charts.geometry(chart, target=indicator.target),
    )


# --- Common processes: proposals, triage, maintenance, checks ---------------------------------


def submit_proposal(process: Process, text: str, *, actor: User, now: datetime):
    """ "Lämna förbättringsförslag": any staff member, for a process of their region."""
    text = _clean(text)
    if not text:
        raise WorkflowError(_("Skriv ditt förslag."))
    if not process.active:
        raise WorkflowError(_("Processen är inte längre aktiv."))
    guard_text(text=text)
    proposal = ImprovementProposal(
        process=process,
        source=ProposalSource.STAFF,
        text=text,
        proposer=actor,
        created_at=now,
        status=ProposalStatus.OPEN,
    )
    db.session.add(proposal)
    db.session.flush()
    return proposal


def pending_case_proposals(process: Process) -> list[Deviation]:
    """Reports linked to the process whose proposal field the processråd has not yet triaged."""
    triaged = select(ImprovementProposal.deviation_id).where(
        ImprovementProposal.deviation_id.is_not(None)
    )
    return list(
        db.session.scalars(
            select(Deviation)
            .where(
                Deviation.process_id == process.id,
                Deviation.proposal.is_not(None),
                func.length(func.trim(Deviation.proposal)) > 0,
                Deviation.id.not_in(triaged),
            )
            .order_by(Deviation.submitted_at, Deviation.id)
        )
    )


def open_proposals(process: Process) -> list[ImprovementProposal]:
    return list(
        db.session.scalars(
            select(ImprovementProposal)
            .where(
                ImprovementProposal.process_id == process.id,
                ImprovementProposal.status == ProposalStatus.OPEN,
            )
            .order_by(ImprovementProposal.created_at, ImprovementProposal.id)
        )
    )


def triage_proposal(
    process: Process,
    *,
    outcome: ProposalStatus,
    note: str | None,
    actor: User,
    now: datetime,
    proposal: ImprovementProposal | None = None,
    deviation: Deviation | None = None,
    effort_title: str | None = None,
) -> ImprovementProposal:
    """The owner forum decides: small adjustment (with a note), a development effort, or no
    (with a reason). The proposer is told the outcome."""
    if not can_manage_process(actor, process):
        raise WorkflowError(_("Bara processrådets ordförande och sekreterare bedömer förslag."))
    if outcome is ProposalStatus.OPEN:
        raise WorkflowError(_("Välj vad som ska hända med förslaget."))
    if proposal is None:
        if (
            deviation is None
            or deviation.process_id != process.id
            or not _clean(deviation.proposal)
        ):
            raise WorkflowError(_("Förslaget finns inte för den här processen."))
        proposal = ImprovementProposal(
            process=process,
            source=ProposalSource.DEVIATION,
            deviation=deviation,
            proposer=deviation.reporter,
            created_at=deviation.submitted_at,
            status=ProposalStatus.OPEN,
        )
        db.session.add(proposal)
    elif proposal.process_id != process.id:
        raise WorkflowError(_("Förslaget finns inte för den här processen."))
    if proposal.status is not ProposalStatus.OPEN:
        raise WorkflowError(_("Förslaget är redan bedömt."))
    note = _clean(note)
    if outcome is ProposalStatus.SMALL_ADJUSTMENT and not note:
        raise WorkflowError(_("Skriv vad som justerades."))
    if outcome is ProposalStatus.REJECTED and not note:
        raise WorkflowError(_("Skriv varför förslaget avslås."))
    if note:
        guard_text(note=note)
    if outcome is ProposalStatus.DEVELOPMENT_EFFORT:
        if process.owner_group is None:
            raise WorkflowError(_("Processen har inget processråd som kan äga arbetet."))
        title = _clean(effort_title) or proposal.body[:120]
        proposal.effort = start_effort(
            title=title,
            kind=EffortKind.DEVELOPMENT_EFFORT,
            owner_group=process.owner_group,
            plan=ProjectPlan(purpose=proposal.body, goal=note or proposal.body),
            process=process,
            deviation=proposal.deviation,
            actor=actor,
            now=now,
        )
    if outcome is ProposalStatus.SMALL_ADJUSTMENT:
        _maintenance_entry(
            process,
            _("Liten justering efter förbättringsförslag: %(note)s", note=note),
            done_on=local_today(now),
            actor=actor,
            now=now,
        )
    proposal.status = outcome
    proposal.triage_note = note
    proposal.triaged_by = actor
    proposal.triaged_at = now
    db.session.flush()
    notify(
        proposal.proposer,
        kind="proposal_triaged",
        subject=_("Ditt förbättringsförslag är bedömt: %(outcome)s", outcome=outcome.title),
        body=_(
            "Processrådet för %(process)s har bedömt ditt förbättringsförslag: %(outcome)s.",
            process=process.name,
            outcome=outcome.title,
        ),
        now=now,
        deviation=proposal.deviation,
        url=url_for("improvement.my_proposals"),
        due=f"proposal-{proposal.id}",
    )
    return proposal


def my_proposals(user: User) -> list[ImprovementProposal]:
    return list(
        db.session.scalars(
            select(ImprovementProposal)
            .where(ImprovementProposal.proposer_id == user.id)
            .order_by(ImprovementProposal.created_at.desc(), ImprovementProposal.id.desc())
        )
    )


def _require_process_manager(process: Process, actor: User) -> None:
    if not can_manage_process(actor, process):
        raise WorkflowError(_("Bara processrådets ordförande och sekreterare kan göra det här."))


def add_goal(process: Process, text: str, *, actor: User, now: datetime) -> ProcessGoal:
    _require_process_manager(process, actor)
    text = _clean(text)
    if not text:
        raise WorkflowError(_("Skriv processmålet."))
    if any(g.text == text for g in process.goals):
        raise WorkflowError(_("Processen har redan det målet."))
    guard_text(text=text)
    goal = ProcessGoal(process=process, text=text[:500], position=len(process.goals) + 1)
    db.session.add(goal)
    db.session.flush()
    return goal


def add_maintenance(
    process: Process, *, done_on: date, description: str, actor: User, now: datetime
) -> MaintenanceEntry:
    _require_process_manager(process, actor)
    description = _clean(description)
    if not description:
        raise WorkflowError(_("Beskriv vad som underhölls."))
    if done_on > local_today(now):
        raise WorkflowError(_("Datumet kan inte ligga i framtiden."))
    guard_text(description=description)
    entry = _maintenance_entry(process, description, done_on=done_on, actor=actor, now=now)
    db.session.flush()
    return entry


def _maintenance_entry(
    process: Process, description: str, *, done_on: date, actor: User, now: datetime
) -> MaintenanceEntry:
    """Also written for a small adjustment, which changes the process: it belongs in the
    maintenance log (§2.4) without anyone writing it twice."""
    entry = MaintenanceEntry(
        process=process,
        done_on=done_on,
        description=description,
        recorded_by=actor,
        recorded_at=now,
    )
    db.session.add(entry)
    return entry


def add_application_check(
    process: Process,
    *,
    checked_on: date,
    method: CheckMethod,
    result: str,
    follow_up: str | None,
    actor: User,
    now: datetime,
) -> ApplicationCheck:
    _require_process_manager(process, actor)
    result, follow_up = _clean(result), _clean(follow_up)
    if not result:
        raise WorkflowError(_("Skriv resultatet av kontrollen."))
    if checked_on > local_today(now):
        raise WorkflowError(_("Datumet kan inte ligga i framtiden."))
    guard_text(result=result, **({"follow_up": follow_up} if follow_up else {}))
    check = ApplicationCheck(
        process=process,
        checked_on=checked_on,
        method=method,
        result=result,
        follow_up=follow_up,
        recorded_by=actor,
        recorded_at=now,
    )
    db.session.add(check)
    db.session.flush()
    return check


# --- The processråd -------------------------------------------------------------------------


def process_efforts(process: Process, *, open_only: bool = True) -> list[ImprovementEffort]:
    query = select(ImprovementEffort).where(ImprovementEffort.process_id == process.id)
    if open_only:
        query = query.where(ImprovementEffort.status.in_([s for s in EffortStatus if s.is_open]))
    return list(db.session.scalars(query.order_by(ImprovementEffort.created_at)))


def follow_up_title(process: Process) -> str:
    return _("Processuppföljning: %(process)s", process=process.name)


def open_follow_up(process: Process) -> Matter | None:
    """A follow-up of this process still waiting on an agenda (not yet decided)."""
    if process.owner_group is None:
        return None
    return db.session.scalar(
        select(Matter).where(
            Matter.group_id == process.owner_group_id,
            Matter.title == follow_up_title(process)[:200],
            ~Matter.decision.has(),
        )
    )


def follow_up_background(process: Process, today: date) -> str:
    """The föredragning's background: the process's figures as they stand when it is raised."""
    lines = [_("Underlag till processrådet, %(date)s.", date=today.isoformat())]
    for goal in process.goals:
        lines.append(_("Mål: %(goal)s", goal=goal.text))
        for indicator in goal.indicators:
            lines.append(f"– {indicator.name}: {indicator_chart(indicator, today).sentence}")
    lines.append(
        _(
            "Öppna förbättringsförslag: %(count)d.",
            count=len(open_proposals(process)) + len(pending_case_proposals(process)),
        )
    )
    lines.append(_("Pågående förbättringsarbeten: %(count)d.", count=len(process_efforts(process))))
    if process.application_checks:
        last = process.application_checks[0]
        lines.append(
            _(
                "Senaste tillämpningskontroll: %(date)s (%(method)s).",
                date=last.checked_on.isoformat(),
                method=last.method.title,
            )
        )
    return "\n".join(lines)


def raise_process_follow_up(process: Process, *, actor: User, now: datetime) -> Matter:
    """One click: the matter "Processuppföljning" on the owner forum's next open agenda."""
    _require_process_manager(process, actor)
    if open_follow_up(process) is not None:
        raise WorkflowError(_("Processuppföljningen står redan på processrådets dagordning."))
    group = process.owner_group
    role = next(m.role for m in actor.memberships if m.active and m.group_id == group.id)
    matter = add_system_matter(
        group,
        kind=MatterKind.INFORMATION,
        title=follow_up_title(process),
        now=now,
        raised_by=RaisedBy.CHAIR if role is MembershipRole.CHAIR else RaisedBy.SECRETARY,
        background=follow_up_background(process, local_today(now)),
    )
    matter.raised_by_user = actor
    db.session.flush()
    return matter


def linked_deviation_chart(process: Process, today: date) -> IndicatorChart:
    """Deviations linked to the process per month: an aggregate, so every council member sees it
    even where the visibility rule hides the cases themselves."""
    points = deviation_counts(process.region_id, today=today, process_id=process.id)
    chart = charts.analyse(points, lower_is_better=True)
    return IndicatorChart(
        Series(_("Avvikelser kopplade till processen"), _("antal")),
        chart,
        charts.sentence(chart),
        charts.geometry(chart),
    )
