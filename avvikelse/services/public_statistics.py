"""Public statistics per region (issue 13 point 4): counts without free text or case numbers.

Only finished or handed-over cases count: closed cases (not duplicates, which are counted
through their original) and cases handed over to the strategic level. Open cases are still
being judged and may turn out not to be collaboration deviations.

Small counts could point out a person, so every count is protected in two steps:

1. Primary suppression: a count of 1-4 is shown as "<5". Zero is shown: it tells nothing about
   anyone.
2. Secondary suppression: each table's total is shown, so a single hidden count in a line
   could be recovered by subtracting the others from the total. While some line (a row, a
   column, with its total) holds exactly one hidden count, the smallest non-zero count still
   shown in that line is hidden as well ("dold"). A line then hides at least two counts and
   only their sum is known; repeating until no line has a lone hidden count covers hidden
   totals and the lines a second hiding opens.

The rules are pure functions (suppress) so they are tested on their own; the queries only count.
"""

import enum
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from ..db import db
from ..models import (
    Category,
    ConcernedOrganization,
    ConcernedStatus,
    Deviation,
    DeviationState,
    Organization,
    Region,
)
from .case_lists import local_day_start
from .dates import local

SMALL = 5


class Mark(enum.StrEnum):
    SMALL = "small"
    SECONDARY = "secondary"


def suppress(
    counts: Mapping[Hashable, int],
    lines: Iterable[Sequence[Hashable]],
    totals: Iterable[Hashable] = (),
) -> dict[Hashable, Mark]:
    """Which cells to hide: counts of 1..SMALL-1, then a second cell in every line that would
    otherwise hide only one. A line lists the keys of its cells and of its total.

    The second cell is the line's smallest non-zero count still shown, an inner cell before a
    total, so that totals stay shown where they can. One always exists: if the
    lone hidden cell is an inner one, the total is at least as large and non-zero; if it is the
    total (1-4), every non-zero inner cell is below 5 and already hidden.
    """
    totals = set(totals)
    lines = [list(line) for line in lines]
    marks = {key: Mark.SMALL for key, count in counts.items() if 0 < count < SMALL}
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(1 for key in line if key in marks) != 1:
                continue
            candidates = [key for key in line if key not in marks and counts[key] > 0]
            chosen = min(candidates, key=lambda key: (key in totals, counts[key]))
            marks[chosen] = Mark.SECONDARY
            changed = True
    return marks


@dataclass(frozen=True)
class Cell:
    """What the page may show: the count, or None and why it is hidden. A hidden count is not
    kept here, so no template can print it by mistake."""

    value: int | None
    mark: Mark | None = None


@dataclass(frozen=True)
class Row:
    label: str
    cell: Cell


@dataclass(frozen=True)
class Table:
    rows: list[Row]
    total: Cell


def table(labelled: Sequence[tuple[str, int]]) -> Table:
    """A one-way table with its total, suppressed as one line."""
    counts = {index: count for index, (_label, count) in enumerate(labelled)}
    counts["total"] = sum(counts.values())
    marks = suppress(counts, [list(counts)], totals={"total"})

    def cell(key) -> Cell:
        mark = marks.get(key)
        return Cell(None, mark) if mark else Cell(counts[key])

    return Table(
        rows=[Row(label, cell(index)) for index, (label, _count) in enumerate(labelled)],
        total=cell("total"),
    )


# --- The counts -------------------------------------------------------------------------------


def counted(region_id: int):
    """Closed (not as a duplicate) or handed over to the strategic level, in the region."""
    return and_(
        Deviation.region_id == region_id,
        or_(
            and_(Deviation.state == DeviationState.CLOSED, Deviation.duplicate_of_id.is_(None)),
            Deviation.escalated_at.is_not(None),
        ),
    )


def _in_year(year: int):
    return and_(
        Deviation.submitted_at >= local_day_start(date(year, 1, 1)),
        Deviation.submitted_at < local_day_start(date(year + 1, 1, 1)),
    )


def years(region_id: int) -> list[int]:
    """The years (of submission, in Stockholm) that have counted cases, newest first."""
    first, last = db.session.execute(
        select(func.min(Deviation.submitted_at), func.max(Deviation.submitted_at)).where(
            counted(region_id)
        )
    ).one()
    if first is None:
        return []
    return list(range(local(last).year, local(first).year - 1, -1))


def quarter_counts(region_id: int, year: int) -> list[int]:
    starts = [local_day_start(date(year, month, 1)) for month in (4, 7, 10)]
    quarter = case(
        (Deviation.submitted_at < starts[0], 1),
        (Deviation.submitted_at < starts[1], 2),
        (Deviation.submitted_at < starts[2], 3),
        else_=4,
    )
    rows = db.session.execute(
        select(quarter, func.count()).where(counted(region_id), _in_year(year)).group_by(quarter)
    )
    counts = dict(rows.all())
    return [counts.get(q, 0) for q in (1, 2, 3, 4)]


def category_counts(region_id: int, year: int) -> list[tuple[str, int]]:
    """Per main category: a subcategory counts for its main category (fewer, larger cells)."""
    main_id = func.coalesce(Category.parent_id, Category.id)
    main = aliased(Category)
    per_main = (
        select(main_id.label("main_id"), func.count().label("n"))
        .select_from(Deviation)
        .join(Category, Category.id == Deviation.category_id)
        .where(counted(region_id), _in_year(year))
        .group_by(main_id)
        .subquery()
    )
    rows = db.session.execute(
        select(main.name, per_main.c.n)
        .join(per_main, per_main.c.main_id == main.id)
        .order_by(per_main.c.n.desc(), main.position, main.name)
    )
    return [(name, n) for name, n in rows]


def pair_counts(region_id: int, year: int) -> list[tuple[str, str, int]]:
    """Reporting organization → concerned organization, one count per case and pair. An
    organization that passed the case on ("inte vårt ärende") is not counted as concerned."""
    reporting = aliased(Organization)
    concerned = aliased(Organization)
    n = func.count(ConcernedOrganization.id)
    rows = db.session.execute(
        select(reporting.name, concerned.name, n)
        .select_from(Deviation)
        .join(ConcernedOrganization, ConcernedOrganization.deviation_id == Deviation.id)
        .join(reporting, reporting.id == Deviation.reporter_organization_id)
        .join(concerned, concerned.id == ConcernedOrganization.organization_id)
        .where(
            counted(region_id),
            _in_year(year),
            ConcernedOrganization.status != ConcernedStatus.PASSED_ON,
        )
        .group_by(reporting.name, concerned.name)
        .order_by(n.desc(), reporting.name, concerned.name)
    )
    return [(source, target, count) for source, target, count in rows]


@dataclass(frozen=True)
class RegionStatistics:
    """Plain values only, so that a copy can be kept between requests."""

    region_key: str
    region_name: str
    year: int
    years: list[int]
    quarters: Table
    categories: Table
    pairs: Table


def region_statistics(region: Region, year: int, *, quarter_label) -> RegionStatistics:
    pairs = [(f"{source} → {target}", n) for source, target, n in pair_counts(region.id, year)]
    return RegionStatistics(
        region_key=region.key,
        region_name=region.name,
        year=year,
        years=years(region.id),
        quarters=table(
            [(quarter_label(q), n) for q, n in enumerate(quarter_counts(region.id, year), 1)]
        ),
        categories=table(category_counts(region.id, year)),
        pairs=table(pairs),
    )


def public_regions() -> list[Region]:
    return list(db.session.scalars(select(Region).order_by(Region.name)))


# --- The bar chart ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    text: str


def bars(rows: Sequence[Row], *, width=480, height=220, bottom=28, top=24) -> list[Bar]:
    """One bar per row with a shown count; a hidden count gets no bar, only its mark, so the
    picture cannot tell more than the table does."""
    slot = width / max(len(rows), 1)
    largest = max((row.cell.value for row in rows if row.cell.value), default=0)
    scale = (height - bottom - top) / largest if largest else 0
    result = []
    for index, row in enumerate(rows):
        value = row.cell.value
        bar_height = value * scale if value else 0
        result.append(
            Bar(
                x=index * slot + slot * 0.2,
                y=height - bottom - bar_height,
                width=slot * 0.6,
                height=bar_height,
                label=row.label,
                text=str(value) if value is not None else "",
            )
        )
    return result
