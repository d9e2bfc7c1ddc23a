"""Synthetic deviations with planted recurring patterns and noise, to measure detection.

The truth is known: each planted pattern is a set of 3-6 cases with one key (a category between
one municipality and its region, or one common process) inside a few months. Noise is spread
evenly over every category, pair and day of several years, so it only recurs by chance — which
is exactly what precision measures. Rows are written with Core executemany (PERFORMANCE.md 6.1).
The full-text index is dropped for the load and built again at the end in one statement: its
triggers re-indexed a case at every answer, one row at a time (on PostgreSQL a PL/pgSQL call and
to_tsvector per row): a fifth of the load's time at 2 × 10^4 cases on PostgreSQL.

Only for bench and demo databases: it creates its own regions (keys `synt-1`, ...).
"""

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import bindparam, insert, select, update

from ..db import db
from ..models import (
    Answer,
    Category,
    ConcernedOrganization,
    Deviation,
    DeviationEvent,
    Group,
    GroupLevel,
    Organization,
    OrganizationKind,
    Process,
    RecurrenceKey,
    Region,
    TargetGroup,
    User,
)
from ..models.search import create_search_index, drop_search_index
from .dates import month_index
from .figures import rebuild
from .maintenance import refresh_planner_statistics
from .recurrence import deviation_key_values

WORDS = (
    "utskrivning inskrivningsmeddelande läkemedelslista hemsjukvård hemtjänst vårdplanering "
    "SIP samordnad individuell plan hjälpmedel överrapportering informationsöverföring "
    "kontaktväg telefontid boende korttidsboende rehabilitering demens primärvård "
    "vårdcentral akutmottagning ambulans nattpatrull delegering signering"
).split()


@dataclass
class Plan:
    rows: int = 10_000
    patterns: int = 500
    regions: int = 21
    municipalities: int = 14
    categories: int = 30
    processes: int = 8
    years: int = 5
    process_noise: float = 0.003
    # About this many reports per member of staff over the years: a reporter's own list is a
    # person's, not an organization's, whatever the number of rows.
    reports_per_reporter: int = 40
    seed: int = 42
    end: date = date(2026, 11, 1)


@dataclass
class Truth:
    """Planted patterns: key → case ids, per region."""

    patterns: list[tuple[int, str, list[int]]] = field(default_factory=list)
    rows: int = 0


@dataclass
class _Region:
    region: Region
    municipalities: list[int]
    region_org: int
    categories: list[int]
    processes: list[int]
    groups: list[int]
    reporters: dict[int, list[int]]


def _setup_region(index: int, plan: Plan) -> _Region:
    key = f"synt-{index}"
    region = db.session.scalar(select(Region).where(Region.key == key))
    if region is None:
        region = Region(key=key, name=f"Syntetisk region {index}")
        db.session.add(region)
        db.session.flush()
    organizations = [
        Organization(region=region, name=f"Kommun {index}-{m}", kind=OrganizationKind.MUNICIPALITY)
        for m in range(plan.municipalities)
    ]
    region_org = Organization(region=region, name=f"Region {index}", kind=OrganizationKind.REGION)
    db.session.add_all([*organizations, region_org])
    categories = [
        Category(region=region, name=f"Kategori {c}", position=c) for c in range(plan.categories)
    ]
    processes = [Process(region_id=region.id, name=f"Process {p}") for p in range(plan.processes)]
    lsvo = Group(region=region, name=f"LSVO {index}", level=GroupLevel.STRATEGIC)
    groups = [
        Group(
            region=region,
            name=f"Samverkansgrupp {t.value} {index}",
            level=GroupLevel.TACTICAL,
            target_group=t,
            escalation_parent=lsvo,
        )
        for t in TargetGroup
    ]
    db.session.add_all([*categories, *processes, lsvo, *groups])
    db.session.flush()
    organizations_all = [*organizations, region_org]
    per_organization = max(
        1, round(plan.rows / plan.regions / len(organizations_all) / plan.reports_per_reporter)
    )
    rows = [
        {
            "name": f"Rapportör {organization.name} {n + 1}",
            "email": f"rapportor.{index}.{organization.id}.{n + 1}@synt.example",
            "organization_id": organization.id,
        }
        for organization in organizations_all
        for n in range(per_organization)
    ]
    ids = db.session.scalars(
        insert(User).returning(User.id, sort_by_parameter_order=True), rows
    ).all()
    reporters = {
        organization.id: list(ids[i * per_organization : (i + 1) * per_organization])
        for i, organization in enumerate(organizations_all)
    }
    return _Region(
        region=region,
        municipalities=[o.id for o in organizations],
        region_org=region_org.id,
        categories=[c.id for c in categories],
        processes=[p.id for p in processes],
        groups=[g.id for g in groups],
        reporters=reporters,
    )


def _case(rng, people, setup: _Region, day: date, category: int, municipality: int, process):
    """One deviation row, reported by either side about the other; `people` picks who reported
    it from a stream of its own, so the cases are the same whatever the number of reporters."""
    if rng.random() < 0.5:
        reporter_org, concerned = municipality, setup.region_org
    else:
        reporter_org, concerned = setup.region_org, municipality
    words = rng.sample(WORDS, 6)
    group_index = rng.randrange(len(setup.groups))
    return {
        "row": {
            "region_id": setup.region.id,
            "year": day.year,
            "state": "submitted",
            "submission_token": uuid.UUID(int=rng.getrandbits(128)).hex,
            "reporter_id": people.choice(setup.reporters[reporter_org]),
            "reporter_organization_id": reporter_org,
            "occurred_on": day,
            "discovered_on": day,
            "target_group": list(TargetGroup)[group_index].value,
            "group_id": setup.groups[group_index],
            "category_id": category,
            "process_id": process,
            "title": " ".join(words[:3]).capitalize(),
            "description": " ".join(words) + ".",
            "probability": 2,
            "consequence": 2,
            "risk_score": 4,
            "wants_feedback": True,
            "possible_serious": False,
            "submitted_at": datetime.combine(day, datetime.min.time(), tzinfo=UTC),
            "updated_at": datetime.combine(day, datetime.min.time(), tzinfo=UTC),
            "version": 1,
        },
        "concerned": concerned,
        "answerer": setup.reporters[concerned][0],
    }


# The answer deadline of the synthetic regions (Region.answer_deadline_days' default): cases
# still unanswered at the plan's end are overdue by now, as some are in every real region.
ANSWER_DAYS = 28


def _lifecycle(rng, case_id: int, case: dict, end: datetime) -> dict:
    """How far a case has come by `end`: triaged within days, answered within weeks, decided
    and closed within months, so an old case is usually closed and a recent one still open.
    Only the rows the follow-up figures read: transitions, the answer and closing."""
    row = case["row"]
    concerned = {"deviation_id": case_id, "organization_id": case["concerned"], "status": "pending"}
    result = {"concerned": concerned, "events": [], "answers": [], "state": "submitted"}
    moment = row["submitted_at"]
    steps = (
        ("submitted", "awaiting_answers", rng.uniform(0.05, 4)),
        ("awaiting_answers", "in_preparation", rng.uniform(1, 25)),
        ("in_preparation", "actions", rng.uniform(5, 60)),
        ("actions", "closed", rng.uniform(7, 90)),
    )
    for from_state, to_state, days in steps:
        moment = moment + timedelta(days=days)
        if moment > end:
            break
        result["state"] = to_state
        if to_state == "awaiting_answers":
            concerned["requested_at"] = moment
            concerned["answer_due_on"] = (moment + timedelta(days=ANSWER_DAYS)).date()
        if to_state == "in_preparation":
            concerned["status"] = "answered"
            result["answers"].append(
                {
                    "deviation_id": case_id,
                    "organization_id": case["concerned"],
                    "author_id": case["answerer"],
                    "created_at": moment,
                    "what_happened": "Överrapporteringen missades.",
                }
            )
            continue
        if to_state == "actions":
            result["decided_at"] = moment
        if to_state == "closed":
            result["closed_at"] = moment
        result["events"].append(
            {
                "deviation_id": case_id,
                "created_at": moment,
                "kind": "transition",
                "from_state": from_state,
                "to_state": to_state,
            }
        )
    return result


# About one decided case in thirty was handed over to the strategic group (LSVO) first, which is
# what LSVO's members see of a region.
HANDED_OVER = 1 / 30


def _handed_over(rng, life: dict) -> datetime | None:
    """When a decided case went to LSVO: a day before its decision; the state and the events
    stay those of the tactical path, so the follow-up figures are the same either way."""
    if "decided_at" not in life or rng.random() >= HANDED_OVER:
        return None
    return life["decided_at"] - timedelta(days=1)


def generate(plan: Plan, *, batch: int = 5000) -> Truth:
    """Write plan.rows deviations (planted patterns included), their detection keys and how
    far each has come through the workflow; then count the regions' follow-up figures and
    refresh the planner's statistics, as a bulk load should."""
    rng = random.Random(plan.seed)  # noqa: S311 - synthetic data, not security
    steps = random.Random(plan.seed + 1)  # noqa: S311 - its own stream: the cases stay the same
    people = random.Random(plan.seed + 2)  # noqa: S311 - likewise
    handed = random.Random(plan.seed + 3)  # noqa: S311 - likewise
    end = datetime.combine(plan.end, datetime.min.time(), tzinfo=UTC)
    setups = [_setup_region(i + 1, plan) for i in range(plan.regions)]
    start = plan.end - timedelta(days=365 * plan.years)
    span = (plan.end - start).days
    truth = Truth()
    cases: list[tuple[dict, int | None]] = []  # (case, pattern index)
    used_keys = set()
    for pattern_index in range(plan.patterns):
        setup = rng.choice(setups)
        size = rng.randint(3, 6)
        first = start + timedelta(days=rng.randrange(span - 180))
        free_processes = [p for p in setup.processes if (setup.region.id, p) not in used_keys]
        by_process = bool(free_processes) and rng.random() < 0.2
        while True:
            category = rng.choice(setup.categories)
            municipality = rng.choice(setup.municipalities)
            process = rng.choice(free_processes) if by_process else None
            key = (setup.region.id, process) if by_process else (category, municipality)
            if key not in used_keys:
                used_keys.add(key)
                break
        for _ in range(size):
            day = first + timedelta(days=rng.randrange(150))
            if by_process:
                category = rng.choice(setup.categories)
                municipality = rng.choice(setup.municipalities)
            case = _case(rng, people, setup, day, category, municipality, process)
            cases.append((case, pattern_index))
        pair = f"{min(municipality, setup.region_org)}:{max(municipality, setup.region_org)}"
        truth_key = f"pr:{process}" if by_process else f"cp:{category}:{pair}"
        truth.patterns.append((setup.region.id, truth_key, []))
    for _ in range(max(plan.rows - len(cases), 0)):
        setup = rng.choice(setups)
        day = start + timedelta(days=rng.randrange(span))
        process = rng.choice(setup.processes) if rng.random() < plan.process_noise else None
        cases.append(
            (
                _case(
                    rng,
                    people,
                    setup,
                    day,
                    rng.choice(setup.categories),
                    rng.choice(setup.municipalities),
                    process,
                ),
                None,
            )
        )
    rng.shuffle(cases)
    cases.sort(key=lambda item: item[0]["row"]["occurred_on"])
    sequence: dict[tuple[int, int], int] = {}
    drop_search_index(db.session.connection())
    for offset in range(0, len(cases), batch):
        chunk = cases[offset : offset + batch]
        rows = []
        for case, _pattern in chunk:
            row = case["row"]
            number_key = (row["region_id"], row["year"])
            sequence[number_key] = sequence.get(number_key, 0) + 1
            row["sequence"] = sequence[number_key]
            row["number"] = f"SY-{row['year']}-{sequence[number_key]:06d}"
            rows.append(row)
        ids = db.session.scalars(
            insert(Deviation).returning(Deviation.id, sort_by_parameter_order=True), rows
        ).all()
        concerned_rows, key_rows, event_rows, answer_rows, moved = [], [], [], [], []
        for case_id, (case, pattern) in zip(ids, chunk, strict=True):
            row = case["row"]
            life = _lifecycle(steps, case_id, case, end)
            concerned_rows.append(life["concerned"])
            event_rows.extend(life["events"])
            answer_rows.extend(life["answers"])
            if life["state"] != "submitted":
                moved.append(
                    {
                        "case": case_id,
                        "to": life["state"],
                        "closed": life.get("closed_at"),
                        "escalated": _handed_over(handed, life),
                        "summary": "Åtgärdat och återkopplat." if "closed_at" in life else None,
                    }
                )
            for key in deviation_key_values(
                row["category_id"],
                row["process_id"],
                [row["reporter_organization_id"], case["concerned"]],
            ):
                key_rows.append(
                    {
                        "deviation_id": case_id,
                        "region_id": row["region_id"],
                        "key": key,
                        "occurred_on": row["occurred_on"],
                        "month": month_index(row["occurred_on"]),
                    }
                )
            if pattern is not None:
                truth.patterns[pattern][2].append(case_id)
        for with_request in (True, False):
            rows_alike = [c for c in concerned_rows if ("requested_at" in c) is with_request]
            if rows_alike:
                db.session.execute(insert(ConcernedOrganization), rows_alike)
        db.session.execute(insert(RecurrenceKey), key_rows)
        if event_rows:
            db.session.execute(insert(DeviationEvent), event_rows)
        if answer_rows:
            db.session.execute(insert(Answer), answer_rows)
        if moved:
            table = Deviation.__table__
            db.session.connection().execute(
                update(table)
                .where(table.c.id == bindparam("case"))
                .values(
                    state=bindparam("to"),
                    closed_at=bindparam("closed"),
                    escalated_at=bindparam("escalated"),
                    closing_summary=bindparam("summary"),
                ),
                moved,
            )
    create_search_index(db.session.connection())
    truth.rows = len(cases)
    for setup in setups:
        rebuild(setup.region.id, now=end)
    refresh_planner_statistics()
    return truth
