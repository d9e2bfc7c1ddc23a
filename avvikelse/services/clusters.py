"""Clusters of related deviations and their hand-over to LSVO (DESIGN §5, GLOSSARY `Cluster`).

A cluster is made from a confirmed suggestion or by hand, and cases join and leave it with a
reason. Handing it over prepares one föredragning (LEDNINGSSYSTEM §7.1) from the data — the
linked cases with numbers and dates, the organizations, counts over time, the answers by
organization, the four questions so far, a proposal — puts it on LSVO's next open agenda as a
cluster matter, and hands every linked case over (services.deviations.hand_over). LSVO's
decision on that matter comes back here (apply_lsvo_decision, called by services.meetings) and
is carried to every linked case, which tells each reporter and the group.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..db import db
from ..models import (
    Answer,
    Cluster,
    ClusterCase,
    ClusterState,
    ConcernedOrganization,
    DecisionOutcome,
    Deviation,
    DeviationState,
    EventKind,
    FourQuestions,
    Group,
    Matter,
    MatterKind,
    RaisedBy,
    Suggestion,
    SuggestionState,
    Transition,
    User,
)
from ..permissions import (
    can_decide_suggestion,
    can_manage_cluster,
    can_triage,
    visible_clusters,
    visible_deviations,
)
from .agenda import add_system_matter
from .dates import local_today, month_index, month_label
from .deviations import decide, hand_over
from .errors import WorkflowError
from .notifications import notify_many
from .personal_data import guard_text
from .recipients import group_managers, strategic_group, strategic_name
from .recurrence import describe

QUESTION_TITLES = (
    ("current_state", "Hur fungerar processen/verksamheten i dagsläget?"),
    ("possible_improvements", "Vilka förbättringar är möjliga?"),
    ("measurement", "Hur kan vi säkerställa att det sker en förbättring (mätning/uppföljning)?"),
    ("required_changes", "Vilka förändringar krävs?"),
)


def _clean(value: str | None) -> str:
    return (value or "").strip()


def _require_manager(cluster: Cluster, actor: User) -> None:
    if not can_manage_cluster(actor, cluster):
        raise WorkflowError(_("Bara gruppens ordförande eller sekreterare kan ändra klustret."))


def _require_open(cluster: Cluster) -> None:
    if cluster.state is not ClusterState.OPEN:
        raise WorkflowError(_("Klustret är överlämnat och kan inte ändras."))


def _join(cluster: Cluster, deviation: Deviation, *, reason: str, actor: User, now: datetime):
    if deviation.region_id != cluster.region_id:
        raise WorkflowError(_("Ärendet hör till en annan region."))
    if any(m.deviation_id == deviation.id for m in cluster.active_memberships):
        raise WorkflowError(_("%(number)s finns redan i klustret.", number=deviation.number))
    membership = ClusterCase(
        deviation=deviation, added_at=now, added_by=actor, reason=reason.strip()
    )
    cluster.memberships.append(membership)
    return membership


def confirm_suggestion(suggestion: Suggestion, *, name: str, actor: User, now: datetime) -> Cluster:
    """A person agrees with detection: the suggestion's cases the person can see become a
    cluster. Detection counts across groups; a chair cannot vouch for, or hand over, cases of
    another group that they have never seen (the suggestion's text keeps the full count)."""
    if not can_decide_suggestion(actor, suggestion):
        raise WorkflowError(_("Bara gruppens ordförande eller sekreterare kan bekräfta förslaget."))
    if suggestion.state is not SuggestionState.OPEN:
        raise WorkflowError(_("Förslaget är redan bedömt."))
    name = _clean(name) or describe(suggestion)[:200]
    guard_text(name=name)
    cluster = Cluster(
        region_id=suggestion.region_id,
        group_id=suggestion.group_id,
        name=name[:200],
        description=describe(suggestion),
        suggestion=suggestion,
        created_at=now,
        created_by=actor,
    )
    db.session.add(cluster)
    reason = _("Från förslaget: %(kind)s", kind=suggestion.kind.title)
    cases = db.session.scalars(
        visible_deviations(actor)
        .where(Deviation.id.in_(suggestion.deviation_ids))
        .order_by(Deviation.id)
    ).all()
    if not cases:
        raise WorkflowError(_("Du kan inte se något av förslagets ärenden."))
    for deviation in cases:
        _join(cluster, deviation, reason=reason, actor=actor, now=now)
    suggestion.state = SuggestionState.CONFIRMED
    suggestion.decided_at = now
    suggestion.decided_by = actor
    suggestion.updated_at = now
    db.session.flush()
    return cluster


def create_cluster(
    group: Group,
    *,
    name: str,
    description: str | None,
    deviations: list[Deviation],
    reason: str,
    actor: User,
    now: datetime,
) -> Cluster:
    """A cluster by hand, from cases the managers already know belong together."""
    cluster = Cluster(
        region_id=group.region_id, group_id=group.id, name="", created_at=now, created_by=actor
    )
    _require_manager(cluster, actor)
    if not _clean(name):
        raise WorkflowError(_("Ge klustret ett namn."))
    if not deviations:
        raise WorkflowError(_("Ange minst ett ärende."))
    if not _clean(reason):
        raise WorkflowError(_("Skriv varför ärendena hör ihop."))
    guard_text(name=name, description=description, reason=reason)
    cluster.name = _clean(name)[:200]
    cluster.description = _clean(description) or None
    db.session.add(cluster)
    for deviation in deviations:
        _join(cluster, deviation, reason=reason, actor=actor, now=now)
    db.session.flush()
    return cluster


def add_case(cluster: Cluster, deviation: Deviation, *, reason: str, actor: User, now: datetime):
    _require_manager(cluster, actor)
    _require_open(cluster)
    if not _clean(reason):
        raise WorkflowError(_("Skriv varför ärendet hör till klustret."))
    guard_text(reason=reason)
    membership = _join(cluster, deviation, reason=reason, actor=actor, now=now)
    db.session.flush()
    return membership


def remove_case(
    cluster: Cluster, deviation_id: int, *, reason: str, actor: User, now: datetime
) -> None:
    _require_manager(cluster, actor)
    _require_open(cluster)
    if not _clean(reason):
        raise WorkflowError(_("Skriv varför ärendet tas bort ur klustret."))
    guard_text(reason=reason)
    membership = next(
        (m for m in cluster.active_memberships if m.deviation_id == deviation_id), None
    )
    if membership is None:
        raise WorkflowError(_("Ärendet finns inte i klustret."))
    membership.removed_at = now
    membership.removed_by = actor
    membership.removed_reason = reason.strip()
    db.session.flush()


# --- Reading ---------------------------------------------------------------------------------


def cluster_cases(cluster: Cluster) -> list[Deviation]:
    """The cluster's current cases with what the page and the föredragning show, in one go."""
    ids = [m.deviation_id for m in cluster.active_memberships]
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Deviation)
            .where(Deviation.id.in_(ids))
            .options(
                joinedload(Deviation.category),
                joinedload(Deviation.reporter_organization),
                selectinload(Deviation.concerned).joinedload(ConcernedOrganization.organization),
                selectinload(Deviation.answers).joinedload(Answer.organization),
            )
            .order_by(Deviation.occurred_on, Deviation.id)
        )
    )


def visible_cluster_cases(cluster: Cluster, viewer: User) -> tuple[list[Deviation], int]:
    """The cluster's cases this viewer may open, and how many others there are.

    A cluster is read by its group, LSVO and the region's administrators, but each case in it
    still follows visible_deviations: of the others the page and the prefilled föredragning
    give only the count, never a number, title or answer.
    """
    cases = cluster_cases(cluster)
    visible = set(
        db.session.scalars(
            visible_deviations(viewer)
            .where(Deviation.id.in_([d.id for d in cases]))
            .with_only_columns(Deviation.id)
        )
    )
    shown = [d for d in cases if d.id in visible]
    return shown, len(cases) - len(shown)


def four_questions(cluster: Cluster | None, cases: list[Deviation]) -> dict:
    """The four questions answered so far: the cluster's own (issue 6's FourQuestions row
    with cluster_id), else what the linked cases' rows say, per question."""
    rows = []
    if cluster is not None and cluster.id is not None:
        rows += db.session.scalars(
            select(FourQuestions).where(FourQuestions.cluster_id == cluster.id)
        ).all()
    ids = [d.id for d in cases]
    if ids:
        rows += db.session.scalars(
            select(FourQuestions).where(FourQuestions.deviation_id.in_(ids))
        ).all()
    answers = {}
    for field_name, question in QUESTION_TITLES:
        texts = [getattr(row, field_name) for row in rows if getattr(row, field_name)]
        answers[field_name] = {"question": question, "answers": texts}
    return answers


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    text: str


def timeline(cluster: Cluster, events, numbers: dict[int, str]) -> list[TimelineEntry]:
    """The cluster's own steps and its visible cases' reports and state changes in one list,
    oldest first, so the page reads as one history."""
    entries = []
    for m in cluster.memberships:
        number = numbers.get(m.deviation_id)
        if number is None:
            # A case the reader may not open: that it came and went, not which or why.
            entries.append(TimelineEntry(m.added_at, _("Ett ärende som du inte kan se lades till")))
            if m.removed_at:
                entries.append(
                    TimelineEntry(m.removed_at, _("Ett ärende som du inte kan se togs bort"))
                )
            continue
        entries.append(
            TimelineEntry(
                m.added_at,
                _("%(number)s lades till: %(reason)s", number=number, reason=m.reason),
            )
        )
        if m.removed_at:
            entries.append(
                TimelineEntry(
                    m.removed_at,
                    _("%(number)s togs bort: %(reason)s", number=number, reason=m.removed_reason),
                )
            )
    for event in events:
        if event.kind is EventKind.SUBMITTED:
            what = _("rapporterad")
        else:
            what = DeviationState(event.to_state).title
        entries.append(TimelineEntry(event.created_at, f"{numbers[event.deviation_id]}: {what}"))
    strategic = strategic_name(cluster.region_id)
    if cluster.handed_over_at:
        entries.append(
            TimelineEntry(
                cluster.handed_over_at, _("Överlämnat till %(strategic)s", strategic=strategic)
            )
        )
    if cluster.decided_at:
        entries.append(
            TimelineEntry(
                cluster.decided_at,
                _("%(strategic)s beslutade: %(d)s", strategic=strategic, d=cluster.decision),
            )
        )
    return sorted(entries, key=lambda entry: entry.at)


@dataclass
class CaseSummary:
    organizations: Counter
    by_month: list[tuple[str, int]]
    answers_by_organization: dict[str, list[tuple[Deviation, Answer]]]


def summarize(cases: list[Deviation]) -> CaseSummary:
    organizations: Counter = Counter()
    months: Counter = Counter()
    answers = defaultdict(list)
    for deviation in cases:
        organizations[deviation.reporter_organization.name] += 1
        for concerned in deviation.concerned:
            if concerned.organization_id != deviation.reporter_organization_id:
                organizations[concerned.organization.name] += 1
        months[month_index(deviation.occurred_on)] += 1
        for answer in deviation.answers:
            answers[answer.organization.name].append((deviation, answer))
    by_month = []
    if months:
        for index in range(min(months), max(months) + 1):
            by_month.append((month_label(index), months.get(index, 0)))
    return CaseSummary(organizations, by_month, dict(sorted(answers.items())))


def _short(text: str | None, limit: int = 240) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class Presentation:
    title: str
    background: str
    done_so_far: str
    proposal: str


def prefill_presentation(
    *,
    title: str,
    intro: str,
    cases: list[Deviation],
    cluster: Cluster | None,
    group_name: str,
    strategic: str,
    hidden: int = 0,
) -> Presentation:
    """The föredragning from the data (LEDNINGSSYSTEM §7.1); the group edits it before it goes.

    `cases` are those the writer may see; `hidden` counts the others, which are named nowhere.
    """
    summary = summarize(cases)
    lines = [intro, "", _("Länkade avvikelser (%(n)d):", n=len(cases) + hidden)]
    if hidden:
        lines.append(
            _(
                "- %(n)d av dem kan du inte se; de är inte med i underlaget nedan.",
                n=hidden,
            )
        )
    for d in cases:
        lines.append(
            f"- {d.number}, {d.occurred_on.isoformat()}: {d.title} ({d.category.name}; "
            f"{d.state.title})"
        )
    lines += ["", _("Berörda organisationer:")]
    lines += [
        _("- %(org)s: %(n)d ärenden", org=name, n=count)
        for name, count in summary.organizations.most_common()
    ]
    lines += ["", _("Antal per månad (händelsedatum):")]
    lines.append(", ".join(f"{label}: {count}" for label, count in summary.by_month))
    analysis = [_("Svar från organisationerna:")]
    if not summary.answers_by_organization:
        analysis.append(_("- Inga svar har kommit in ännu."))
    for organization, items in summary.answers_by_organization.items():
        analysis.append(_("%(org)s (%(n)d svar):", org=organization, n=len(items)))
        for deviation, answer in items:
            parts = [_short(answer.what_happened)]
            if answer.cause:
                parts.append(_("Orsak: %(t)s", t=_short(answer.cause, 160)))
            if answer.measures:
                parts.append(_("Åtgärder: %(t)s", t=_short(answer.measures, 160)))
            analysis.append(f"- {deviation.number}: " + " ".join(parts))
    analysis += ["", _("Analys enligt de fyra frågorna:")]
    for number, item in enumerate(four_questions(cluster, cases).values(), start=1):
        analysis.append(f"{number}. {item['question']}")
        if item["answers"]:
            analysis += [f"   {_short(text, 400)}" for text in item["answers"]]
        else:
            analysis.append("   " + _("Inte besvarad ännu."))
    categories = sorted({d.category.name for d in cases})
    organizations = [name for name, _count in summary.organizations.most_common()]
    proposal = _(
        "%(strategic)s föreslås besluta att ge %(group)s i uppdrag att tillsammans med %(orgs)s "
        "ta fram en gemensam åtgärd för %(categories)s, och att återrapportera till "
        "%(strategic)s inom sex månader.",
        strategic=strategic,
        group=group_name,
        orgs=", ".join(organizations),
        categories=", ".join(categories),
    )
    return Presentation(
        title=title[:200],
        background="\n".join(lines),
        done_so_far="\n".join(analysis),
        proposal=proposal,
    )


def cluster_presentation(cluster: Cluster, *, viewer: User) -> Presentation:
    """Prefilled for the manager who opens the page: from the cases they may see (LSVO's chair
    may manage a cluster whose cases are still the group's own)."""
    cases, hidden = visible_cluster_cases(cluster, viewer)
    strategic = strategic_name(cluster.region_id)
    intro = _(
        "%(group)s överlämnar klustret ”%(name)s” till %(strategic)s. %(description)s",
        group=cluster.group.name,
        strategic=strategic,
        name=cluster.name,
        description=cluster.description or "",
    ).strip()
    return prefill_presentation(
        title=_("Kluster: %(name)s", name=cluster.name),
        intro=intro,
        cases=cases,
        cluster=cluster,
        group_name=cluster.group.name,
        strategic=strategic,
        hidden=hidden,
    )


def case_presentation(deviation: Deviation) -> Presentation:
    strategic = strategic_name(deviation.region_id)
    intro = _(
        "%(group)s överlämnar avvikelse %(number)s till %(strategic)s.",
        group=deviation.group.name,
        strategic=strategic,
        number=deviation.number,
    )
    return prefill_presentation(
        title=_("%(number)s: %(title)s", number=deviation.number, title=deviation.title),
        intro=intro,
        cases=[deviation],
        cluster=None,
        group_name=deviation.group.name,
        strategic=strategic,
    )


# --- Hand-over and LSVO's decision -----------------------------------------------------------


def _checked(presentation: Presentation) -> Presentation:
    if not _clean(presentation.title):
        raise WorkflowError(_("Skriv en rubrik för ärendet."))
    if not _clean(presentation.proposal):
        raise WorkflowError(_("Skriv förslag till beslut."))
    guard_text(
        title=presentation.title,
        background=presentation.background,
        done_so_far=presentation.done_so_far,
        proposal=presentation.proposal,
    )
    return presentation


def _lsvo_matter(region_id, presentation, *, kind, by, now, deviation=None) -> Matter:
    matter = add_system_matter(
        strategic_group(region_id),
        kind=kind,
        title=_clean(presentation.title),
        now=now,
        raised_by=RaisedBy.OTHER_PARTY,
        raised_by_group=by,
        deviation=deviation,
        background=_clean(presentation.background) or None,
        proposal=_clean(presentation.proposal),
    )
    matter.done_so_far = _clean(presentation.done_so_far) or None
    return matter


def hand_over_cluster(
    cluster: Cluster, presentation: Presentation, *, actor: User, now: datetime
) -> Matter:
    """One matter on LSVO's next open agenda; every linked case escalated with it.

    Every case must have been prepared (its answers are in): LSVO decides on the pattern with
    the organizations' answers at hand, and a case that is still new would skip its triage.
    """
    _require_manager(cluster, actor)
    _require_open(cluster)
    presentation = _checked(presentation)
    cases = cluster_cases(cluster)
    if not cases:
        raise WorkflowError(_("Klustret har inga ärenden."))
    waiting = [
        d.number
        for d in cases
        if not (d.allows(Transition.HAND_OVER) or d.allows(Transition.LSVO_DECIDE))
    ]
    if waiting:
        raise WorkflowError(
            _(
                "Alla ärenden måste vara under beredning innan klustret överlämnas. "
                "Inte klara: %(numbers)s. Vänta in svaren eller ta bort ärendena ur klustret.",
                numbers=", ".join(waiting),
            )
        )
    others = [
        d.number for d in cases if d.allows(Transition.HAND_OVER) and not can_triage(actor, d)
    ]
    if others:
        raise WorkflowError(
            _(
                "Ärendena %(numbers)s hör till en annan grupp; deras grupp överlämnar dem.",
                numbers=", ".join(others),
            )
        )
    matter = _lsvo_matter(
        cluster.region_id, presentation, kind=MatterKind.CLUSTER, by=cluster.group, now=now
    )
    reason = _(
        "Ingår i klustret ”%(name)s” som överlämnas till %(strategic)s.",
        name=cluster.name,
        strategic=strategic_name(cluster.region_id),
    )
    for deviation in cases:
        if deviation.allows(Transition.HAND_OVER):
            hand_over(deviation, reason=reason, actor=actor, now=now)
    cluster.matter = matter
    cluster.state = ClusterState.HANDED_OVER
    cluster.handed_over_at = now
    db.session.flush()
    return matter


def hand_over_case(
    deviation: Deviation, presentation: Presentation, *, actor: User, now: datetime
) -> Matter:
    """A single case to LSVO with its föredragning on LSVO's next agenda."""
    presentation = _checked(presentation)
    hand_over(deviation, reason=_clean(presentation.proposal), actor=actor, now=now)
    matter = _lsvo_matter(
        deviation.region_id,
        presentation,
        kind=MatterKind.DEVIATION,
        by=deviation.group,
        now=now,
        deviation=deviation,
    )
    db.session.flush()
    return matter


def cluster_of_matter(matter: Matter) -> Cluster | None:
    return db.session.scalar(select(Cluster).where(Cluster.matter_id == matter.id))


def apply_lsvo_decision(matter: Matter, decision, *, actor: User, now: datetime) -> None:
    """LSVO's decision on a cluster matter goes to every linked case (each reporter's feedback,
    services.deviations.decide) and to the group that handed it over."""
    cluster = cluster_of_matter(matter)
    if cluster is None:
        return
    outcome = decision.outcome
    if outcome not in (DecisionOutcome.DECIDED, DecisionOutcome.REFERRED_TO_PARTIES):
        return
    if outcome is DecisionOutcome.DECIDED:
        for deviation in cluster_cases(cluster):
            if deviation.allows(Transition.LSVO_DECIDE):
                decide(deviation, decision=decision.text, actor=actor, now=now)
    cluster.state = ClusterState.DECIDED
    cluster.decision = decision.text
    cluster.decided_at = now
    notify_many(
        group_managers(cluster.group_id),
        kind="cluster_decided",
        subject=_(
            "%(strategic)s har beslutat om klustret %(name)s",
            strategic=strategic_name(cluster.region_id),
            name=cluster.name,
        ),
        body=_("%(outcome)s: %(text)s", outcome=outcome.title, text=decision.text),
        now=now,
        url=f"/kluster/{cluster.id}",
        due=f"cluster-{cluster.id}-{local_today(now).isoformat()}",
    )
    db.session.flush()


def carry_over(matter: Matter, copy: Matter) -> None:
    """A postponed cluster matter: the cluster follows its copy to the next meeting."""
    cluster = cluster_of_matter(matter)
    if cluster is not None:
        cluster.matter = copy
        db.session.flush()


def clusters_for(user: User) -> list[Cluster]:
    query = (
        visible_clusters(user)
        .options(joinedload(Cluster.group))
        .order_by(Cluster.created_at.desc())
        .limit(200)
    )
    return list(db.session.scalars(query))
