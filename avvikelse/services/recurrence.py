"""Detection of recurring and general deviations (DESIGN §5): rules, suggestions, the sweep.

Rules, with the region's thresholds (Region.recurrence_min_count N, recurrence_months M,
general_min_municipalities K):

* recurring: ≥ N deviations with the same category touching the same pair of organizations,
  or with the same common process, whose dates lie within M months;
* general: one case whose concerned organizations (the reporter's own left out) include ≥ K
  municipalities, or municipalities and a region together; or a case the group marks general.

A case is checked when it is created or changed (check_deviation): its keys are rewritten and
each key is looked up through the (region, key, date) index with a LIMIT, so the cost depends on
how many cases share the key in the window, never on the size of the table. The nightly sweep
(detection.sweep_recurrence) re-evaluates every key seen in the window with sweep_region.

Detection only suggests. A suggestion that is open takes in new cases of its key; one that was
confirmed or dismissed is not made again for cases it already covered, only when new cases come.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from itertools import combinations

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, func, insert, select, true, union_all
from sqlalchemy.orm import aliased

from ..db import db
from ..models import (
    Category,
    Deviation,
    DeviationState,
    Group,
    Organization,
    OrganizationKind,
    Process,
    RecurrenceKey,
    Region,
    Suggestion,
    SuggestionCase,
    SuggestionKind,
    SuggestionState,
    User,
)
from ..permissions import (
    can_administer,
    can_decide_suggestion,
    can_triage,
    managed_suggestion_filter,
    visible_deviations,
)
from .case_lists import Cursor, keyset_page
from .dates import local_today, month_index, months_after, months_before
from .errors import WorkflowError
from .personal_data import guard_text

# How many cases of one key a check reads at most: enough to show, bounded for the cost.
CASE_CAP = 500


def pair_key(a: int, b: int) -> str:
    low, high = sorted((a, b))
    return f"{low}:{high}"


def counts_for_detection(deviation: Deviation) -> bool:
    """Not-collaboration cases and duplicates are not deviations that recur."""
    return deviation.state is not DeviationState.NOT_COLLABORATION and (
        deviation.duplicate_of_id is None
    )


def touched_organizations(deviation: Deviation) -> list[int]:
    return sorted(
        {deviation.reporter_organization_id, *(c.organization_id for c in deviation.concerned)}
    )


def deviation_key_values(category_id: int, process_id: int | None, organization_ids) -> list[str]:
    """Category, every organization pair, category + pair, and the process if any."""
    organizations = sorted(set(organization_ids))
    pairs = [pair_key(a, b) for a, b in combinations(organizations, 2)]
    keys = [f"c:{category_id}"]
    keys += [f"o:{pair}" for pair in pairs]
    keys += [f"cp:{category_id}:{pair}" for pair in pairs]
    if process_id is not None:
        keys.append(f"pr:{process_id}")
    return keys


def deviation_keys(deviation: Deviation) -> list[str]:
    return deviation_key_values(
        deviation.category_id, deviation.process_id, touched_organizations(deviation)
    )


def refresh_keys(deviation: Deviation) -> list[str]:
    """Rewrite the case's rows in recurrence_keys; returns the keys it now has."""
    db.session.flush()
    db.session.execute(delete(RecurrenceKey).where(RecurrenceKey.deviation_id == deviation.id))
    if not counts_for_detection(deviation):
        return []
    keys = deviation_keys(deviation)
    db.session.execute(
        insert(RecurrenceKey),
        [
            {
                "deviation_id": deviation.id,
                "region_id": deviation.region_id,
                "key": key,
                "occurred_on": deviation.occurred_on,
                "month": month_index(deviation.occurred_on),
            }
            for key in keys
        ],
    )
    return keys


def cases_in_window(region_id: int, key: str, start: date, end: date) -> list[tuple[date, int]]:
    """(date, case id) with the key in [start, end], oldest first: one index range, capped."""
    rows = db.session.execute(
        select(RecurrenceKey.occurred_on, RecurrenceKey.deviation_id)
        .where(
            RecurrenceKey.region_id == region_id,
            RecurrenceKey.key == key,
            RecurrenceKey.occurred_on >= start,
            RecurrenceKey.occurred_on <= end,
        )
        .order_by(RecurrenceKey.occurred_on, RecurrenceKey.deviation_id)
        .limit(CASE_CAP)
    ).all()
    return [(day, case_id) for day, case_id in rows]


def busiest_window(rows: list[tuple[date, int]], day: date, months: int) -> list[tuple[date, int]]:
    """Of the M-month windows that contain `day`, the one with the most cases (rows sorted).

    A case reported late (its date before others already in) can complete a run either side.
    """
    best: list[tuple[date, int]] = []
    left = 0
    for right, (last, _id) in enumerate(rows):
        while rows[left][0] < months_before(last, months):
            left += 1
        window = rows[left : right + 1]
        if window[0][0] <= day <= last and len(window) > len(best):
            best = window
    return best


# --- Reasons ---------------------------------------------------------------------------------


def _names(model, ids) -> dict[int, str]:
    ids = list(ids)
    if not ids:
        return {}
    return dict(db.session.execute(select(model.id, model.name).where(model.id.in_(ids))).all())


def key_reason(region: Region, key: str, case_ids: list[int], start: date, end: date) -> dict:
    """What a key means in words-to-be (names, not ids), stored with the suggestion."""
    parts = key.split(":")
    reason: dict = {
        "count": len(case_ids),
        "months": region.recurrence_months,
        "threshold": region.recurrence_min_count,
        "first": start.isoformat(),
        "last": end.isoformat(),
    }
    if parts[0] == "cp":
        category_id, a, b = (int(p) for p in parts[1:])
        reason["category"] = _names(Category, [category_id]).get(category_id, "?")
        organizations = _names(Organization, [a, b])
        reason["organizations"] = [organizations.get(a, "?"), organizations.get(b, "?")]
    elif parts[0] == "pr":
        process_id = int(parts[1])
        reason["process"] = _names(Process, [process_id]).get(process_id, "?")
    return reason


def describe(suggestion: Suggestion) -> str:
    """The reason in Swedish, from the stored data (the page and the notice say the same)."""
    r = suggestion.reason or {}
    kind = suggestion.kind
    if kind is SuggestionKind.RECURRING:
        return _(
            "%(count)d avvikelser om %(category)s mellan %(a)s och %(b)s inom %(months)d "
            "månader (%(first)s – %(last)s). Gränsen är %(threshold)d.",
            count=r.get("count", 0),
            category=r.get("category", ""),
            a=(r.get("organizations") or ["", ""])[0],
            b=(r.get("organizations") or ["", ""])[1],
            months=r.get("months", 0),
            first=r.get("first", ""),
            last=r.get("last", ""),
            threshold=r.get("threshold", 0),
        )
    if kind is SuggestionKind.RECURRING_PROCESS:
        return _(
            "%(count)d avvikelser i den gemensamma processen %(process)s inom %(months)d "
            "månader (%(first)s – %(last)s). Gränsen är %(threshold)d.",
            count=r.get("count", 0),
            process=r.get("process", ""),
            months=r.get("months", 0),
            first=r.get("first", ""),
            last=r.get("last", ""),
            threshold=r.get("threshold", 0),
        )
    if kind is SuggestionKind.GENERAL:
        if r.get("rule") == "municipalities":
            return _(
                "Avvikelsen berör %(n)d kommuner: %(names)s. Gränsen är %(threshold)d.",
                n=len(r.get("municipalities", [])),
                names=", ".join(r.get("municipalities", [])),
                threshold=r.get("threshold", 0),
            )
        return _(
            "Avvikelsen berör både kommun och region: %(names)s.",
            names=", ".join(r.get("organizations", [])),
        )
    if kind is SuggestionKind.GENERAL_MARKED:
        return _(
            "Markerad som generell av %(group)s: %(note)s",
            group=r.get("group", ""),
            note=r.get("note", ""),
        )
    return _(
        "Ökande trend för %(subject)s: %(signal)s (medel %(mean).1f, övre styrgräns %(ucl).1f).",
        subject=r.get("subject", ""),
        signal=r.get("signal", ""),
        mean=r.get("mean", 0.0),
        ucl=r.get("ucl", 0.0),
    )


# --- Suggestions -----------------------------------------------------------------------------


def _open_suggestion(region_id: int, key: str) -> Suggestion | None:
    return db.session.scalar(
        select(Suggestion).where(
            Suggestion.region_id == region_id,
            Suggestion.key == key,
            Suggestion.state == SuggestionState.OPEN,
        )
    )


def _covered_case_ids(region_id: int, key: str) -> set[int]:
    """Cases already judged for this key: confirmed or dismissed suggestions do not come back."""
    return set(
        db.session.scalars(
            select(SuggestionCase.deviation_id)
            .join(Suggestion, Suggestion.id == SuggestionCase.suggestion_id)
            .where(
                Suggestion.region_id == region_id,
                Suggestion.key == key,
                Suggestion.state.in_([SuggestionState.CONFIRMED, SuggestionState.DISMISSED]),
            )
        )
    )


def _open_case_ids(region_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(SuggestionCase.deviation_id)
            .join(Suggestion, Suggestion.id == SuggestionCase.suggestion_id)
            .where(Suggestion.region_id == region_id, Suggestion.state == SuggestionState.OPEN)
        )
    )


def suggest(
    *,
    region_id: int,
    group_id: int,
    kind: SuggestionKind,
    key: str,
    case_ids,
    reason: dict,
    now: datetime,
) -> Suggestion | None:
    """Make or extend the suggestion for `key`; None when every case was already judged.

    Nor is a new detected suggestion made when all its cases are already in open suggestions of
    other keys: one spike would otherwise reach the group three times (recurring, rising trend,
    general) for the same cases. The group's own marking (GENERAL_MARKED) is always recorded.
    """
    case_ids = set(case_ids)
    suggestion = _open_suggestion(region_id, key)
    if suggestion is not None:
        new = case_ids - suggestion.deviation_ids
        if new:
            every = suggestion.deviation_ids | new
            suggestion.cases.extend(SuggestionCase(deviation_id=i) for i in sorted(new))
            suggestion.reason = dict(reason, count=len(every))
            # Like the sweep: the group of the latest case holds the pattern now, and it must
            # see the suggestion its new cases extend (not a group that saw the first ones).
            suggestion.group_id = latest_group(sorted(every))
            suggestion.updated_at = now
        return suggestion
    if case_ids <= _covered_case_ids(region_id, key):
        return None
    if kind is not SuggestionKind.GENERAL_MARKED and case_ids <= _open_case_ids(region_id):
        return None
    suggestion = Suggestion(
        region_id=region_id,
        group_id=group_id,
        kind=kind,
        key=key,
        state=SuggestionState.OPEN,
        reason=reason,
        created_at=now,
        updated_at=now,
        cases=[SuggestionCase(deviation_id=i) for i in sorted(case_ids)],
    )
    db.session.add(suggestion)
    db.session.flush()
    return suggestion


def _evaluate_key(
    region: Region, key: str, day: date, *, group_id: int, now: datetime
) -> Suggestion | None:
    """Is `day` inside a window of M months with ≥ N cases of the key? Reads [day − M, day + M]."""
    months = region.recurrence_months
    rows = cases_in_window(region.id, key, months_before(day, months), months_after(day, months))
    window = busiest_window(rows, day, months)
    if len(window) < region.recurrence_min_count:
        return None
    kind = SuggestionKind.RECURRING if key.startswith("cp:") else SuggestionKind.RECURRING_PROCESS
    case_ids = [case_id for _day, case_id in window]
    return suggest(
        region_id=region.id,
        group_id=group_id,
        kind=kind,
        key=key,
        case_ids=case_ids,
        reason=key_reason(region, key, case_ids, window[0][0], window[-1][0]),
        now=now,
    )


def general_reason(deviation: Deviation, threshold: int) -> dict | None:
    """The per-case general rule, on the concerned organizations other than the reporter's."""
    others = [c.organization for c in deviation.concerned]
    others = [o for o in others if o.id != deviation.reporter_organization_id]
    municipalities = sorted(o.name for o in others if o.kind is OrganizationKind.MUNICIPALITY)
    regions = sorted(o.name for o in others if o.kind is OrganizationKind.REGION)
    if len(municipalities) >= threshold:
        return {"rule": "municipalities", "municipalities": municipalities, "threshold": threshold}
    if municipalities and regions:
        return {"rule": "municipalities_and_region", "organizations": municipalities + regions}
    return None


def check_deviation(deviation: Deviation, *, now: datetime) -> list[Suggestion]:
    """The incremental check after a case is created or changed (its date, category,
    organizations or state). Returns the suggestions it made or extended."""
    keys = refresh_keys(deviation)
    if not keys:
        return []
    region = deviation.region or db.session.get(Region, deviation.region_id)
    made = []
    end = deviation.occurred_on
    for key in keys:
        if key.startswith(("cp:", "pr:")):
            suggestion = _evaluate_key(region, key, end, group_id=deviation.group_id, now=now)
            if suggestion is not None:
                made.append(suggestion)
    reason = general_reason(deviation, region.general_min_municipalities)
    if reason is not None:
        suggestion = suggest(
            region_id=region.id,
            group_id=deviation.group_id,
            kind=SuggestionKind.GENERAL,
            key=f"g:{deviation.id}",
            case_ids=[deviation.id],
            reason=reason,
            now=now,
        )
        if suggestion is not None:
            made.append(suggestion)
    return made


def mark_general(deviation: Deviation, *, note: str, actor: User, now: datetime) -> Suggestion:
    """The group's own judgement that a case is general (DESIGN §5)."""
    if not can_triage(actor, deviation):
        raise WorkflowError(_("Bara gruppens ordförande eller sekreterare kan markera ärendet."))
    if not (note or "").strip():
        raise WorkflowError(_("Skriv varför avvikelsen är generell."))
    guard_text(note=note)
    suggestion = suggest(
        region_id=deviation.region_id,
        group_id=deviation.group_id,
        kind=SuggestionKind.GENERAL_MARKED,
        key=f"gm:{deviation.id}",
        case_ids=[deviation.id],
        reason={"group": deviation.group.name, "note": note.strip()},
        now=now,
    )
    if suggestion is None:
        raise WorkflowError(_("Ärendet har redan bedömts som generellt."))
    return suggestion


# --- The sweep -------------------------------------------------------------------------------


def latest_group(case_ids: list[int]) -> int:
    return db.session.scalar(
        select(Deviation.group_id)
        .where(Deviation.id.in_(case_ids))
        .order_by(Deviation.occurred_on.desc(), Deviation.id.desc())
        .limit(1)
    )


def sweep_region(region: Region, *, now: datetime, since: date | None) -> int:
    """Evaluate every recurring key; `since` None walks the whole history window by window."""
    today = local_today(now)
    n, months = region.recurrence_min_count, region.recurrence_months
    start = since or date(1900, 1, 1)
    candidates = db.session.execute(
        select(RecurrenceKey.key, RecurrenceKey.occurred_on, RecurrenceKey.deviation_id)
        .where(
            RecurrenceKey.region_id == region.id,
            RecurrenceKey.occurred_on >= start,
            RecurrenceKey.occurred_on <= today,
            RecurrenceKey.key.like("cp:%") | RecurrenceKey.key.like("pr:%"),
        )
        .order_by(RecurrenceKey.key, RecurrenceKey.occurred_on)
    ).all()
    by_key: dict[str, list[tuple[date, int]]] = defaultdict(list)
    for key, day, deviation_id in candidates:
        by_key[key].append((day, deviation_id))
    made = 0
    for key, rows in by_key.items():
        if len(rows) < n:
            continue
        # Each window end that closes a run of ≥ N cases within M months.
        left = 0
        for right, (day, _id) in enumerate(rows):
            while rows[left][0] < months_before(day, months):
                left += 1
            if right - left + 1 >= n and (right + 1 == len(rows) or rows[right + 1][0] != day):
                ids = [i for _d, i in rows[left : right + 1]]
                if _evaluate_key(region, key, day, group_id=latest_group(ids), now=now):
                    made += 1
    return made


# --- The reporter's hint ---------------------------------------------------------------------


@dataclass
class Hint:
    count: int
    category: str
    organizations: tuple[str, str]
    months: int

    @property
    def message(self) -> str:
        return ngettext(
            "%(num)d liknande avvikelse om %(category)s mellan %(a)s och %(b)s de senaste "
            "%(months)d månaderna.",
            "%(num)d liknande avvikelser om %(category)s mellan %(a)s och %(b)s de senaste "
            "%(months)d månaderna.",
            self.count,
            category=self.category,
            a=self.organizations[0],
            b=self.organizations[1],
            months=self.months,
        )

    def as_dict(self) -> dict:
        """Counts and names of the region's own configuration only, never any case's text."""
        return {
            "count": self.count,
            "category": self.category,
            "organizations": list(self.organizations),
            "months": self.months,
            "message": self.message,
        }


def reporter_hint(
    user: User, *, category_id: int | None, organization_ids, now: datetime
) -> Hint | None:
    """How many deviations of the chosen category touched the reporter's organization and a
    chosen counterpart in the last M months: the largest such count, or None."""
    region = user.organization.region
    category = db.session.get(Category, category_id) if category_id else None
    if category is None or category.region_id != region.id:
        return None
    own = user.organization_id
    counterparts = [
        o
        for o in db.session.scalars(
            select(Organization).where(
                Organization.id.in_(list(organization_ids)[:20]),
                Organization.region_id == region.id,
            )
        )
        if o.id != own
    ]
    today = local_today(now)
    start = months_before(today, region.recurrence_months)
    best = None
    for counterpart in counterparts:
        count = db.session.scalar(
            select(func.count())
            .select_from(RecurrenceKey)
            .where(
                RecurrenceKey.region_id == region.id,
                RecurrenceKey.key == f"cp:{category.id}:{pair_key(own, counterpart.id)}",
                RecurrenceKey.occurred_on >= start,
                RecurrenceKey.occurred_on <= today,
            )
        )
        if count and (best is None or count > best.count):
            names = (user.organization.name, counterpart.name)
            best = Hint(count, category.name, names, region.recurrence_months)
    return best


# --- Deciding on suggestions ------------------------------------------------------------------


# Suggestions judged per page: each carries its latest cases and two forms, and a sweep over a
# large region's years leaves hundreds open (issue 15).
SUGGESTION_PAGE = 20


def open_suggestions_for(user: User, *, fore: Cursor | None = None, size: int = SUGGESTION_PAGE):
    """The suggestions a chair or secretary is asked to judge, the latest changed first: their
    groups', and the whole region's for LSVO's managers. A Page; `fore` continues after one."""
    return keyset_page(
        select(Suggestion).where(
            Suggestion.state == SuggestionState.OPEN, managed_suggestion_filter(user)
        ),
        Suggestion.updated_at,
        Suggestion.id,
        fore,
        size,
        lambda s: s.updated_at,
    )


def dismiss_suggestion(suggestion: Suggestion, *, note: str, actor: User, now: datetime) -> None:
    if not can_decide_suggestion(actor, suggestion):
        raise WorkflowError(_("Bara gruppens ordförande eller sekreterare kan avfärda förslaget."))
    if suggestion.state is not SuggestionState.OPEN:
        raise WorkflowError(_("Förslaget är redan bedömt."))
    if not (note or "").strip():
        raise WorkflowError(_("Skriv varför förslaget avfärdas."))
    guard_text(note=note)
    suggestion.state = SuggestionState.DISMISSED
    suggestion.decided_at = now
    suggestion.decided_by = actor
    suggestion.decision_note = note.strip()
    suggestion.updated_at = now
    db.session.flush()


# How many of a suggestion's cases the page lists, the latest reported first. A sweep over years
# grows a suggestion to hundreds of cases: a page of thousands of links neither loads fast nor
# helps the group judge, and counting which of them a user may see would read every one.
LISTED_CASES = 10


@dataclass
class SuggestionCases:
    """What the suggestion page says of one suggestion's cases for one user."""

    listed: list  # rows with id, number, occurred_on and title, the latest reported first
    total: int
    more: bool  # more cases than listed that the user may see

    @property
    def hidden(self) -> int | None:
        """How many the user may not see, known when every case was looked at."""
        return None if self.more else self.total - len(self.listed)


def suggestion_cases_for(
    user: User, suggestions, *, limit: int = LISTED_CASES
) -> dict[int, SuggestionCases]:
    """Per suggestion, the latest cases this user may open and how many cases it has: two
    statements for the whole page, and each suggestion read only until `limit` are found."""
    ids = [s.id for s in suggestions]
    if not ids:
        return {}
    totals = dict(
        db.session.execute(
            select(SuggestionCase.suggestion_id, func.count())
            .where(SuggestionCase.suggestion_id.in_(ids))
            .group_by(SuggestionCase.suggestion_id)
        ).all()
    )
    listed = aliased(SuggestionCase)
    # Case by case through the one visibility rule, by id: read as a join, SQLite without
    # statistics would walk all the region's cases by index instead.
    visible = visible_deviations(user).where(Deviation.id == listed.deviation_id).exists()

    def latest_of(suggestion_id):
        return (
            select(listed.id)
            .where(listed.suggestion_id == suggestion_id, visible)
            .order_by(listed.deviation_id.desc())
            .limit(limit + 1)
        )

    if db.session.get_bind().dialect.name == "postgresql":
        # One subquery run per suggestion; a union of one per suggestion costs PostgreSQL
        # more to plan than to run.
        part = latest_of(Suggestion.id).lateral()
        latest = select(part.c.id).join_from(Suggestion, part, true()).where(Suggestion.id.in_(ids))
    else:
        # SQLite has no LATERAL: one index range per suggestion, within its limit of 500
        # terms to a compound select (the page asks for at most a hundred suggestions).
        latest = union_all(*(select(latest_of(i).subquery().c.id) for i in ids))
    case = aliased(Deviation)
    rows = defaultdict(list)
    for row in db.session.execute(
        select(SuggestionCase.suggestion_id, case.id, case.number, case.occurred_on, case.title)
        .join(case, case.id == SuggestionCase.deviation_id)
        .where(SuggestionCase.id.in_(latest))
        .order_by(SuggestionCase.suggestion_id, SuggestionCase.deviation_id.desc())
    ):
        rows[row.suggestion_id].append(row)
    return {
        i: SuggestionCases(rows[i][:limit], totals.get(i, 0), len(rows[i]) > limit) for i in ids
    }


def suggestion_groups(suggestions) -> dict[int, Group]:
    ids = {s.group_id for s in suggestions}
    if not ids:
        return {}
    return {g.id: g for g in db.session.scalars(select(Group).where(Group.id.in_(ids)))}


def update_thresholds(
    region: Region, *, min_count: int, months: int, min_municipalities: int, actor: User
) -> None:
    """The region's detection thresholds (DESIGN §5: configurable per region)."""
    if not can_administer(actor) or actor.organization.region_id != region.id:
        raise WorkflowError(_("Bara regionens administratörer ändrar gränserna."))
    if min_count < 2 or months < 1 or min_municipalities < 2:
        raise WorkflowError(_("Gränserna är för låga."))
    region.recurrence_min_count = min_count
    region.recurrence_months = months
    region.general_min_municipalities = min_municipalities
    db.session.flush()
