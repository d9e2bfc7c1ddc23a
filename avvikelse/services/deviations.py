"""The deviation workflow of DESIGN §3-4: submit, triage, answers, preparation, actions, closing.

Every step checks its preconditions (WorkflowError with a message for the user), mutates,
flushes, and writes an event on the case's timeline. Nothing here commits.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update

from ..db import db
from ..models import (
    TRANSITIONS,
    Action,
    ActionStatus,
    Answer,
    CaseNumberCounter,
    Category,
    ConcernedOrganization,
    ConcernedStatus,
    Deviation,
    DeviationDraft,
    DeviationEvent,
    DeviationShare,
    DeviationState,
    EventKind,
    Group,
    GroupLevel,
    Organization,
    Process,
    TargetGroup,
    Transition,
    User,
)
from ..permissions import (
    can_comment,
    can_manage_actions,
    can_transition,
    can_triage,
    coordinator_organization_ids,
)
from .dates import local_today
from .errors import WorkflowError, check_version
from .notifications import notify_many
from .personal_data import guard_text
from .recipients import (
    coordinators_of,
    group_managers,
    strategic_group_managers,
    strategic_name,
)
from .recurrence import check_deviation


def record_event(
    deviation: Deviation,
    kind: EventKind,
    *,
    actor: User | None,
    now: datetime,
    message: str | None = None,
    from_state: DeviationState | None = None,
    to_state: DeviationState | None = None,
    data: dict | None = None,
) -> DeviationEvent:
    event = DeviationEvent(
        deviation=deviation,
        kind=kind,
        created_at=now,
        actor=actor,
        actor_organization_id=actor.organization_id if actor is not None else None,
        message=message,
        from_state=from_state.value if from_state else None,
        to_state=to_state.value if to_state else None,
        data=data,
    )
    db.session.add(event)
    return event


def _case_url(deviation: Deviation) -> str:
    return f"/avvikelser/{deviation.id}"


def _notify(users, deviation: Deviation, kind: str, subject: str, now: datetime, due: str = ""):
    body = _(
        "Ärende %(number)s (%(category)s). Logga in för att läsa ärendet.",
        number=deviation.number,
        category=deviation.category.name,
    )
    notify_many(
        users,
        kind=kind,
        subject=subject,
        body=body,
        now=now,
        deviation=deviation,
        url=_case_url(deviation),
        due=due,
    )


# --- Submission -----------------------------------------------------------------------------


@dataclass
class Report:
    """What the reporter typed, already parsed by the form."""

    submission_token: str
    concerned_organization_ids: list[int]
    target_group: TargetGroup
    category_id: int
    occurred_on: date
    discovered_on: date
    title: str
    description: str
    probability: int
    consequence: int
    occurred_at_time: time | None = None
    process_id: int | None = None
    agreement: str | None = None
    immediate_action: str | None = None
    proposal: str | None = None
    wants_feedback: bool = True
    possible_serious: bool = False
    unit_id: int | None = None
    warnings: dict = field(default_factory=dict)


def routed_group(region_id: int, target_group: TargetGroup) -> Group:
    group = db.session.scalar(
        select(Group)
        .where(
            Group.region_id == region_id,
            Group.level == GroupLevel.TACTICAL,
            Group.target_group == target_group,
            Group.active.is_(True),
        )
        .order_by(Group.id)
    )
    if group is None:
        raise WorkflowError(
            _("Det finns ingen samverkansgrupp för målgruppen %(t)s.", t=target_group.title)
        )
    return group


def next_case_number(region_id: int, year: int) -> int:
    """Gap-free per region and year: the counter row is updated in the submitting transaction,
    so a concurrent submission waits for the row lock and a rolled-back one frees its number."""
    bump = (
        update(CaseNumberCounter)
        .where(CaseNumberCounter.region_id == region_id, CaseNumberCounter.year == year)
        .values(last_number=CaseNumberCounter.last_number + 1)
        .returning(CaseNumberCounter.last_number)
    )
    number = db.session.execute(bump).scalar()
    if number is None:
        dialect = db.session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        db.session.execute(
            dialect_insert(CaseNumberCounter)
            .values(region_id=region_id, year=year, last_number=0)
            .on_conflict_do_nothing()
        )
        number = db.session.execute(bump).scalar()
    return number


def find_by_token(token: str) -> Deviation | None:
    return db.session.scalar(select(Deviation).where(Deviation.submission_token == token))


def submit_deviation(report: Report, *, actor: User, now: datetime) -> Deviation:
    """Create the case, number it, route it and notify the group and the coordinators.

    A resubmitted form (same token) returns the case it already created.
    """
    existing = find_by_token(report.submission_token)
    if existing is not None:
        return existing
    guard_text(
        title=report.title,
        description=report.description,
        immediate_action=report.immediate_action,
        proposal=report.proposal,
        agreement=report.agreement,
    )
    today = local_today(now)
    if report.occurred_on > today:
        raise WorkflowError(_("Datumet då det hände kan inte vara i framtiden."))
    if report.discovered_on < report.occurred_on:
        raise WorkflowError(_("Upptäckt kan inte vara före datumet då det hände."))
    region_id = actor.organization.region_id
    organizations = db.session.scalars(
        select(Organization).where(
            Organization.id.in_(report.concerned_organization_ids),
            Organization.region_id == region_id,
            Organization.active.is_(True),
        )
    ).all()
    if not organizations or len(organizations) != len(set(report.concerned_organization_ids)):
        raise WorkflowError(_("Välj minst en berörd organisation."))
    group = routed_group(region_id, report.target_group)
    year = today.year
    sequence = next_case_number(region_id, year)
    deviation = Deviation(
        region_id=region_id,
        year=year,
        sequence=sequence,
        number=f"AV-{year}-{sequence:04d}",
        state=DeviationState.SUBMITTED,
        submission_token=report.submission_token,
        reporter=actor,
        reporter_organization_id=actor.organization_id,
        reporter_unit_id=report.unit_id if report.unit_id is not None else actor.unit_id,
        occurred_on=report.occurred_on,
        occurred_at_time=report.occurred_at_time,
        discovered_on=report.discovered_on,
        target_group=report.target_group,
        group=group,
        category_id=report.category_id,
        process_id=report.process_id,
        agreement=report.agreement or None,
        title=report.title.strip(),
        description=report.description.strip(),
        immediate_action=report.immediate_action or None,
        proposal=report.proposal or None,
        probability=report.probability,
        consequence=report.consequence,
        risk_score=report.probability * report.consequence,
        wants_feedback=report.wants_feedback,
        possible_serious=report.possible_serious,
        submitted_at=now,
        updated_at=now,
    )
    deviation.concerned = [
        ConcernedOrganization(organization=organization) for organization in organizations
    ]
    db.session.add(deviation)
    db.session.flush()
    record_event(
        deviation,
        EventKind.SUBMITTED,
        actor=actor,
        now=now,
        to_state=DeviationState.SUBMITTED,
        message=_("Rapporterad och skickad till %(group)s.", group=group.name),
    )
    _notify(
        group_managers(group.id),
        deviation,
        "deviation_submitted",
        _("Ny avvikelse %(number)s", number=deviation.number),
        now,
    )
    coordinator_subject = (
        _("Ny avvikelse %(number)s – möjlig lex Maria/lex Sarah", number=deviation.number)
        if deviation.possible_serious
        else _("Ny avvikelse %(number)s berör er organisation", number=deviation.number)
    )
    _notify(
        coordinators_of(o.id for o in organizations),
        deviation,
        "deviation_concerns",
        coordinator_subject,
        now,
    )
    check_deviation(deviation, now=now)
    return deviation


def save_draft(user: User, data: dict, *, now: datetime, draft: DeviationDraft | None = None):
    if draft is None:
        draft = DeviationDraft(user=user, created_at=now, data={})
        db.session.add(draft)
    elif draft.user_id != user.id:
        raise WorkflowError(_("Utkastet finns inte."))
    draft.data = data
    draft.title = (data.get("title") or "")[:150] or None
    draft.updated_at = now
    db.session.flush()
    return draft


# --- Transitions ----------------------------------------------------------------------------


def _transition(deviation: Deviation, transition: Transition, *, actor: User, now: datetime):
    """Apply one row of the TRANSITIONS table; actor None means the system itself moved on."""
    if not deviation.allows(transition):
        raise WorkflowError(
            _(
                "Steget ”%(step)s” går inte när ärendet har status ”%(state)s”.",
                step=transition.title,
                state=deviation.state.title,
            )
        )
    if actor is not None and not can_transition(actor, deviation, transition):
        raise WorkflowError(
            _("Du har inte behörighet för steget ”%(step)s”.", step=transition.title)
        )
    previous, target = deviation.state, TRANSITIONS[transition][1]
    deviation.state = target
    deviation.updated_at = now
    return previous, target


def _transition_event(deviation, previous, target, *, actor, now, message=None, data=None):
    record_event(
        deviation,
        EventKind.TRANSITION,
        actor=actor,
        now=now,
        from_state=previous,
        to_state=target,
        message=message,
        data=data,
    )


def _require_triage(deviation: Deviation, actor: User) -> None:
    """Triage happens while the case is new, by the routed group's chair or secretary."""
    if deviation.state is not DeviationState.SUBMITTED:
        raise WorkflowError(
            _("Ärendet är redan triagerat (status ”%(state)s”).", state=deviation.state.title)
        )
    if not can_triage(actor, deviation):
        raise WorkflowError(_("Bara gruppens ordförande eller sekreterare kan triagera ärendet."))


def confirm_group(deviation: Deviation, *, actor: User, now: datetime, version=None) -> None:
    check_version(deviation, version)
    _require_triage(deviation, actor)
    deviation.updated_at = now
    record_event(
        deviation,
        EventKind.ROUTED,
        actor=actor,
        now=now,
        message=_("Gruppen %(group)s bekräftad.", group=deviation.group.name),
    )


def reroute(
    deviation: Deviation, group: Group, *, reason: str, actor: User, now: datetime, version=None
) -> None:
    """Send the case to another samverkansgrupp; the old group no longer sees it."""
    check_version(deviation, version)
    _require_triage(deviation, actor)
    if group.region_id != deviation.region_id or group.level is not GroupLevel.TACTICAL:
        raise WorkflowError(_("Välj en samverkansgrupp i samma region."))
    if group.id == deviation.group_id:
        raise WorkflowError(_("Ärendet ligger redan hos %(group)s.", group=group.name))
    if not reason or not reason.strip():
        raise WorkflowError(_("Skriv varför ärendet styrs om."))
    guard_text(reason=reason)
    old = deviation.group
    deviation.group = group
    deviation.target_group = group.target_group or deviation.target_group
    deviation.updated_at = now
    record_event(
        deviation,
        EventKind.ROUTED,
        actor=actor,
        now=now,
        message=reason.strip(),
        data={"from_group": old.name, "to_group": group.name},
    )
    _notify(
        group_managers(group.id),
        deviation,
        "deviation_rerouted",
        _("Avvikelse %(number)s har styrts om till er grupp", number=deviation.number),
        now,
    )


def share_with_group(
    deviation: Deviation, group: Group, *, reason: str, actor: User, now: datetime, version=None
) -> None:
    """Several target groups concerned: the case is shared, the routed group keeps it (§6.3)."""
    check_version(deviation, version)
    if not (deviation.state.is_open and can_triage(actor, deviation)):
        raise WorkflowError(_("Bara gruppens ordförande eller sekreterare kan dela ärendet."))
    if group.region_id != deviation.region_id or group.id == deviation.group_id:
        raise WorkflowError(_("Välj en annan grupp i samma region."))
    if any(s.group_id == group.id for s in deviation.shares):
        raise WorkflowError(_("Ärendet är redan delat med %(group)s.", group=group.name))
    guard_text(reason=reason)
    deviation.shares.append(
        DeviationShare(group=group, shared_at=now, shared_by_id=actor.id, reason=reason or None)
    )
    deviation.updated_at = now
    record_event(
        deviation,
        EventKind.SHARED,
        actor=actor,
        now=now,
        message=reason or None,
        data={"group": group.name},
    )
    _notify(
        group_managers(group.id),
        deviation,
        "deviation_shared",
        _("Avvikelse %(number)s har delats med er grupp", number=deviation.number),
        now,
    )


def request_answers(
    deviation: Deviation, *, due_on: date | None, actor: User, now: datetime, version=None
) -> None:
    check_version(deviation, version)
    today = local_today(now)
    due_on = due_on or today + timedelta(days=deviation.region.answer_deadline_days)
    if due_on <= today:
        raise WorkflowError(_("Sista svarsdag måste vara efter i dag."))
    previous, target = _transition(deviation, Transition.REQUEST_ANSWERS, actor=actor, now=now)
    deviation.answer_due_on = due_on
    for concerned in deviation.concerned:
        if concerned.status is ConcernedStatus.PENDING:
            concerned.requested_at = now
            concerned.answer_due_on = due_on
    _transition_event(
        deviation,
        previous,
        target,
        actor=actor,
        now=now,
        message=_("Svar begärt senast %(date)s.", date=due_on.isoformat()),
    )
    _notify(
        coordinators_of(
            c.organization_id for c in deviation.concerned if c.status is ConcernedStatus.PENDING
        ),
        deviation,
        "answer_requested",
        _("Svar begärs på %(number)s senast %(date)s", number=deviation.number, date=due_on),
        now,
    )


def _feedback_to_reporter(
    deviation: Deviation, now: datetime, kind: str = "feedback", subject: str | None = None
) -> None:
    """The closed loop: the reporter hears of every step that decides something (DESIGN §4).

    Each step has its own kind, so a decision and the later closing are both sent.
    """
    if deviation.wants_feedback:
        _notify(
            [deviation.reporter],
            deviation,
            kind,
            subject or _("Återkoppling på din rapport %(number)s", number=deviation.number),
            now,
        )


def mark_not_collaboration(
    deviation: Deviation,
    *,
    reason: str,
    report_instead: str,
    actor: User,
    now: datetime,
    version=None,
) -> None:
    """Not a collaboration deviation: the reporter is told why and where to report instead."""
    check_version(deviation, version)
    if not (reason or "").strip():
        raise WorkflowError(_("Skriv varför det inte är en avvikelse i samverkan."))
    if not (report_instead or "").strip():
        raise WorkflowError(_("Skriv var rapportören ska rapportera i stället."))
    guard_text(reason=reason, report_instead=report_instead)
    previous, target = _transition(deviation, Transition.NOT_COLLABORATION, actor=actor, now=now)
    deviation.not_collaboration_reason = reason.strip()
    deviation.closing_summary = report_instead.strip()
    deviation.closed_at = now
    _transition_event(deviation, previous, target, actor=actor, now=now, message=reason.strip())
    _feedback_to_reporter(deviation, now)
    check_deviation(deviation, now=now)


def mark_duplicate(
    deviation: Deviation, original: Deviation, *, actor: User, now: datetime, version=None
) -> None:
    check_version(deviation, version)
    if original.id == deviation.id or original.region_id != deviation.region_id:
        raise WorkflowError(_("Välj ett annat ärende i samma region."))
    if original.duplicate_of_id is not None:
        raise WorkflowError(_("%(number)s är själv en dubblett.", number=original.number))
    previous, target = _transition(deviation, Transition.MARK_DUPLICATE, actor=actor, now=now)
    deviation.duplicate_of = original
    deviation.closing_summary = _(
        "Samma händelse som %(number)s. Den hanteras i det ärendet, och du får återkoppling där.",
        number=original.number,
    )
    deviation.closed_at = now
    _transition_event(
        deviation, previous, target, actor=actor, now=now, message=deviation.closing_summary
    )
    _feedback_to_reporter(deviation, now)
    check_deviation(deviation, now=now)


def all_answers_in(deviation: Deviation) -> bool:
    return all(c.status is not ConcernedStatus.PENDING for c in deviation.concerned)


def start_preparation(deviation: Deviation, *, actor: User | None, now: datetime, version=None):
    """All answers in, or the chair moves on after the deadline (DESIGN §4)."""
    check_version(deviation, version)
    if not all_answers_in(deviation) and not deviation.is_answer_overdue(local_today(now)):
        raise WorkflowError(_("Alla svar har inte kommit in och svarstiden har inte gått ut ännu."))
    previous, target = _transition(deviation, Transition.START_PREPARATION, actor=actor, now=now)
    message = (
        _("Alla svar har kommit in.")
        if all_answers_in(deviation)
        else _("Svarstiden har gått ut; gruppen går vidare utan alla svar.")
    )
    _transition_event(deviation, previous, target, actor=actor, now=now, message=message)
    _notify(
        group_managers(deviation.group_id),
        deviation,
        "ready_for_preparation",
        _("Avvikelse %(number)s är klar för beredning", number=deviation.number),
        now,
    )


def decide(deviation: Deviation, *, decision: str, actor: User, now: datetime, version=None):
    """The group decides a solution; actions follow."""
    check_version(deviation, version)
    if not (decision or "").strip():
        raise WorkflowError(_("Skriv gruppens beslut."))
    guard_text(decision=decision)
    transition = (
        Transition.LSVO_DECIDE if deviation.state is DeviationState.ESCALATED else Transition.DECIDE
    )
    previous, target = _transition(deviation, transition, actor=actor, now=now)
    deviation.decision = decision.strip()
    _transition_event(deviation, previous, target, actor=actor, now=now, message=decision.strip())
    _feedback_to_reporter(
        deviation,
        now,
        kind=f"{transition.value}_feedback",
        subject=_("Beslut om din rapport %(number)s", number=deviation.number),
    )
    if transition is Transition.LSVO_DECIDE:
        _notify(
            group_managers(deviation.group_id),
            deviation,
            "lsvo_decided",
            _(
                "%(strategic)s har beslutat om avvikelse %(number)s",
                strategic=strategic_name(deviation.region_id),
                number=deviation.number,
            ),
            now,
        )


def hand_over(deviation: Deviation, *, reason: str, actor: User, now: datetime, version=None):
    """Recurring, general, needs resources or the group cannot agree: the strategic group
    (LSVO in Blekinge) decides (§6.4)."""
    check_version(deviation, version)
    strategic = strategic_name(deviation.region_id)
    if not (reason or "").strip():
        raise WorkflowError(
            _("Skriv varför ärendet överlämnas till %(strategic)s.", strategic=strategic)
        )
    guard_text(reason=reason)
    previous, target = _transition(deviation, Transition.HAND_OVER, actor=actor, now=now)
    deviation.escalated_at = now
    _transition_event(deviation, previous, target, actor=actor, now=now, message=reason.strip())
    _feedback_to_reporter(
        deviation,
        now,
        kind="handed_over_feedback",
        subject=_(
            "Din rapport %(number)s har lyfts till %(strategic)s",
            number=deviation.number,
            strategic=strategic,
        ),
    )
    _notify(
        strategic_group_managers(deviation.region_id),
        deviation,
        "handed_over",
        _(
            "Avvikelse %(number)s har överlämnats till %(strategic)s",
            number=deviation.number,
            strategic=strategic,
        ),
        now,
    )


def start_follow_up(deviation: Deviation, *, actor: User, now: datetime, version=None):
    check_version(deviation, version)
    if not deviation.actions:
        raise WorkflowError(_("Lägg till minst en åtgärd innan uppföljningen."))
    if any(a.status.is_open for a in deviation.actions):
        raise WorkflowError(_("Alla åtgärder måste vara klara eller avbrutna före uppföljningen."))
    previous, target = _transition(deviation, Transition.START_FOLLOW_UP, actor=actor, now=now)
    _transition_event(deviation, previous, target, actor=actor, now=now)


def close(
    deviation: Deviation, *, evaluation: str, summary: str, actor: User, now: datetime, version=None
):
    """Closed only with an evaluation of the actions and a summary: the reporter's feedback."""
    check_version(deviation, version)
    if not (evaluation or "").strip():
        raise WorkflowError(_("Skriv en utvärdering av om åtgärderna fungerade."))
    if not (summary or "").strip():
        raise WorkflowError(_("Skriv en sammanfattning till rapportören."))
    guard_text(evaluation=evaluation, summary=summary)
    previous, target = _transition(deviation, Transition.CLOSE, actor=actor, now=now)
    deviation.evaluation = evaluation.strip()
    deviation.closing_summary = summary.strip()
    deviation.closed_at = now
    _transition_event(deviation, previous, target, actor=actor, now=now, message=summary.strip())
    _feedback_to_reporter(deviation, now)


# --- Answers --------------------------------------------------------------------------------


def _pending_for(deviation: Deviation, organization_id: int, actor: User) -> ConcernedOrganization:
    if deviation.state is not DeviationState.AWAITING_ANSWERS:
        raise WorkflowError(_("Ärendet väntar inte på svar."))
    if organization_id not in coordinator_organization_ids(actor):
        raise WorkflowError(_("Du är inte avvikelsesamordnare för den organisationen."))
    for concerned in deviation.concerned:
        if concerned.organization_id == organization_id:
            if concerned.status is ConcernedStatus.PASSED_ON:
                raise WorkflowError(_("Organisationen har redan skickat ärendet vidare."))
            if concerned.status is not ConcernedStatus.PENDING:
                raise WorkflowError(_("Organisationen har redan svarat."))
            return concerned
    raise WorkflowError(_("Organisationen berörs inte av ärendet."))


def submit_answer(
    deviation: Deviation,
    organization_id: int,
    *,
    what_happened: str,
    cause: str | None,
    measures: str | None,
    actor: User,
    now: datetime,
    version=None,
) -> Answer:
    check_version(deviation, version)
    concerned = _pending_for(deviation, organization_id, actor)
    if not (what_happened or "").strip():
        raise WorkflowError(_("Beskriv vad som hände hos er."))
    guard_text(what_happened=what_happened, cause=cause, measures=measures)
    answer = Answer(
        deviation=deviation,
        organization_id=organization_id,
        author=actor,
        created_at=now,
        what_happened=what_happened.strip(),
        cause=(cause or "").strip() or None,
        measures=(measures or "").strip() or None,
    )
    db.session.add(answer)
    concerned.status = ConcernedStatus.ANSWERED
    deviation.updated_at = now
    record_event(
        deviation,
        EventKind.ANSWERED,
        actor=actor,
        now=now,
        message=_("%(org)s har svarat.", org=concerned.organization.name),
    )
    db.session.flush()
    if all_answers_in(deviation):
        start_preparation(deviation, actor=None, now=now)
    return answer


def pass_on(
    deviation: Deviation,
    organization_id: int,
    *,
    to_organization: Organization,
    reason: str,
    actor: User,
    now: datetime,
    version=None,
) -> None:
    """ "Not ours": the case is re-routed to the right organization, not lost."""
    check_version(deviation, version)
    concerned = _pending_for(deviation, organization_id, actor)
    if to_organization.region_id != deviation.region_id or to_organization.id == organization_id:
        raise WorkflowError(_("Välj en annan organisation i samma region."))
    if not (reason or "").strip():
        raise WorkflowError(_("Skriv varför ärendet inte gäller er."))
    guard_text(reason=reason)
    concerned.status = ConcernedStatus.PASSED_ON
    concerned.passed_to = to_organization
    concerned.passed_reason = reason.strip()
    concerned.passed_by = actor
    target = next((c for c in deviation.concerned if c.organization_id == to_organization.id), None)
    due_on = local_today(now) + timedelta(days=deviation.region.answer_deadline_days)
    if target is None:
        target = ConcernedOrganization(organization=to_organization)
        deviation.concerned.append(target)
    if target.status is not ConcernedStatus.ANSWERED:
        target.status = ConcernedStatus.PENDING
        target.requested_at = now
        target.answer_due_on = due_on
        deviation.answer_due_on = max(deviation.answer_due_on or due_on, due_on)
    deviation.updated_at = now
    record_event(
        deviation,
        EventKind.PASSED_ON,
        actor=actor,
        now=now,
        message=reason.strip(),
        data={"from": concerned.organization.name, "to": to_organization.name},
    )
    db.session.flush()
    check_deviation(deviation, now=now)
    _notify(
        coordinators_of([to_organization.id]),
        deviation,
        "answer_requested",
        _("Avvikelse %(number)s har skickats vidare till er", number=deviation.number),
        now,
    )
    _notify(
        group_managers(deviation.group_id),
        deviation,
        "passed_on",
        _("Avvikelse %(number)s har skickats vidare", number=deviation.number),
        now,
    )
    if all_answers_in(deviation):
        start_preparation(deviation, actor=None, now=now)


def record_ivo_decision(
    deviation: Deviation,
    organization_id: int,
    *,
    reported: bool,
    reason: str,
    actor: User,
    now: datetime,
    version=None,
) -> None:
    """Each organization decides on its own lex Maria / lex Sarah report to IVO."""
    check_version(deviation, version)
    if not deviation.possible_serious:
        raise WorkflowError(_("Rapporten är inte markerad som möjlig allvarlig händelse."))
    if organization_id not in coordinator_organization_ids(actor):
        raise WorkflowError(_("Bara organisationens egen samordnare kan registrera beslutet."))
    concerned = next((c for c in deviation.concerned if c.organization_id == organization_id), None)
    if concerned is None:
        raise WorkflowError(_("Organisationen berörs inte av ärendet."))
    if not (reason or "").strip():
        raise WorkflowError(_("Skriv en motivering."))
    guard_text(reason=reason)
    concerned.ivo_reported = reported
    concerned.ivo_reason = reason.strip()
    concerned.ivo_decided_by = actor
    concerned.ivo_decided_at = now
    deviation.updated_at = now
    record_event(
        deviation,
        EventKind.IVO_DECISION,
        actor=actor,
        now=now,
        message=reason.strip(),
        data={"organization": concerned.organization.name, "reported": reported},
    )


# --- Actions, comments, classification ------------------------------------------------------


def add_action(
    deviation: Deviation,
    *,
    description: str,
    due_on: date,
    owner_organization: Organization | None,
    owner_group: Group | None,
    actor: User,
    now: datetime,
    version=None,
) -> Action:
    check_version(deviation, version)
    if not can_manage_actions(actor, deviation):
        raise WorkflowError(_("Åtgärder kan bara läggas till när gruppen har beslutat."))
    if (owner_organization is None) == (owner_group is None):
        raise WorkflowError(_("Välj en ägare: en organisation eller en grupp."))
    if not (description or "").strip():
        raise WorkflowError(_("Beskriv åtgärden."))
    if due_on < local_today(now):
        raise WorkflowError(_("Slutdatum kan inte vara passerat."))
    guard_text(description=description)
    action = Action(
        deviation=deviation,
        description=description.strip(),
        due_on=due_on,
        status=ActionStatus.PLANNED,
        owner_organization=owner_organization,
        owner_group=owner_group,
        created_by=actor,
        created_at=now,
    )
    db.session.add(action)
    deviation.updated_at = now
    record_event(
        deviation,
        EventKind.ACTION_ADDED,
        actor=actor,
        now=now,
        message=action.description,
        data={"owner": action.owner_name, "due_on": due_on.isoformat()},
    )
    return action


def set_action_status(
    action: Action, status: ActionStatus, *, actor: User, now: datetime, version=None
):
    deviation = action.deviation
    check_version(deviation, version)
    if not can_manage_actions(actor, deviation):
        raise WorkflowError(_("Du kan inte ändra åtgärder i det här läget."))
    if action.status is status:
        return
    old = action.status
    action.status = status
    action.completed_at = now if status is ActionStatus.DONE else None
    deviation.updated_at = now
    record_event(
        deviation,
        EventKind.ACTION_CHANGED,
        actor=actor,
        now=now,
        message=action.description,
        data={"from": old.value, "to": status.value},
    )


def add_comment(
    deviation: Deviation, text: str, *, actor: User, now: datetime, version=None
) -> None:
    check_version(deviation, version)
    if not can_comment(actor, deviation):
        raise WorkflowError(_("Du kan inte kommentera det här ärendet."))
    if not (text or "").strip():
        raise WorkflowError(_("Skriv en kommentar."))
    guard_text(comment=text)
    deviation.updated_at = now
    record_event(deviation, EventKind.COMMENT, actor=actor, now=now, message=text.strip())


CLASSIFICATION_FIELDS = ("category_id", "process_id", "probability", "consequence")


def _check_classification_targets(deviation: Deviation, changes: dict) -> None:
    if changes.get("category_id") not in (None, deviation.category_id):
        category = db.session.get(Category, changes["category_id"])
        if category is None or category.region_id != deviation.region_id or category.is_retired:
            raise WorkflowError(_("Välj en kategori som används i regionen."))
    if changes.get("process_id") not in (None, deviation.process_id):
        process = db.session.get(Process, changes["process_id"])
        if process is None or process.region_id != deviation.region_id or not process.active:
            raise WorkflowError(_("Välj en process i regionen."))
    for name in ("probability", "consequence"):
        if name in changes and changes[name] not in (1, 2, 3, 4):
            raise WorkflowError(_("Sannolikhet och konsekvens anges från 1 till 4."))


def update_classification(
    deviation: Deviation, *, changes: dict, actor: User, now: datetime, version=None
) -> None:
    """Triage may correct category, process and risk; each change is a timeline event."""
    check_version(deviation, version)
    if not (deviation.state.is_open and can_triage(actor, deviation)):
        raise WorkflowError(_("Bara gruppens ordförande eller sekreterare kan ändra klassningen."))
    _check_classification_targets(deviation, changes)
    changed = {}
    for name in CLASSIFICATION_FIELDS:
        if name in changes and getattr(deviation, name) != changes[name]:
            changed[name] = [getattr(deviation, name), changes[name]]
            setattr(deviation, name, changes[name])
    if not changed:
        return
    deviation.risk_score = deviation.probability * deviation.consequence
    deviation.updated_at = now
    record_event(deviation, EventKind.FIELD_CHANGED, actor=actor, now=now, data=changed)
    check_deviation(deviation, now=now)


def delete_draft(draft: DeviationDraft, *, user: User) -> None:
    """Drafts are their author's alone: removed by hand, or when the report is sent."""
    if draft.user_id != user.id:
        raise WorkflowError(_("Utkastet finns inte."))
    db.session.delete(draft)
    db.session.flush()
