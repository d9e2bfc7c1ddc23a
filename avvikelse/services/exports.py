"""The filtered case list as CSV and XLSX, streamed (issue 13 point 3).

Rows come from case_lists.filtered_cases, so an export holds exactly the cases the list shows
(permissions.visible_deviations). They are read in keyset batches of plain columns, newest
first, and written out batch by batch: memory stays bounded however many rows there are.

Free text (the title, what happened, what was done, the proposal, the decision and the closing
summary) is exported for every row because every row is one its reader may open: the case
page loads through the same visibility rule and shows that text to everyone who gets it. The
reporter's name is never exported: the list is read across organizations and the case page
shows the name only to the reporting organization (permissions.can_see_reporter).
"""

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from openpyxl.cell import WriteOnlyCell
from sqlalchemy import tuple_
from sqlalchemy.orm import aliased

from ..db import db
from ..models import (
    Category,
    ConcernedOrganization,
    Deviation,
    DeviationState,
    Group,
    Organization,
    RiskLevel,
    TargetGroup,
    Unit,
    User,
)
from .case_lists import CaseFilters, filtered_cases
from .dates import local
from .spreadsheet import ILLEGAL_XML, xlsx_stream

BATCH_SIZE = 2000
# Rows per chunk handed to the web server: large enough that a chunk is not a syscall per row.
CSV_CHUNK_ROWS = 500

HEADERS = (
    _l("Ärendenummer"),
    _l("Inkommen"),
    _l("Inträffade"),
    _l("Status"),
    _l("Risknivå"),
    _l("Riskpoäng"),
    _l("Huvudkategori"),
    _l("Kategori"),
    _l("Målgrupp"),
    _l("Samverkansgrupp"),
    _l("Rapporterande organisation"),
    _l("Rapporterande enhet"),
    _l("Berörda organisationer"),
    _l("Svar senast"),
    _l("Överlämnad"),
    _l("Avslutad"),
    _l("Rubrik"),
    _l("Vad hände?"),
    _l("Vad gjordes direkt?"),
    _l("Rapportörens förslag"),
    _l("Beslut"),
    _l("Sammanfattning vid avslut"),
)

# A cell starting with one of these is run as a formula by spreadsheet programs (OWASP "CSV
# injection"); reporters type free text, so such a cell is written with a leading apostrophe.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _columns():
    parent = aliased(Category)
    return parent, (
        Deviation.id,
        Deviation.submitted_at,
        Deviation.number,
        Deviation.occurred_on,
        Deviation.state,
        Deviation.risk_score,
        parent.name,
        Category.name,
        Deviation.target_group,
        Group.short_name,
        Group.name,
        Organization.name,
        Unit.name,
        Deviation.answer_due_on,
        Deviation.escalated_at,
        Deviation.closed_at,
        Deviation.title,
        Deviation.description,
        Deviation.immediate_action,
        Deviation.proposal,
        Deviation.decision,
        Deviation.closing_summary,
    )


def _concerned_names(ids: list[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = defaultdict(list)
    rows = db.session.execute(
        db.select(ConcernedOrganization.deviation_id, Organization.name)
        .join(Organization, Organization.id == ConcernedOrganization.organization_id)
        .where(ConcernedOrganization.deviation_id.in_(ids))
        .order_by(ConcernedOrganization.deviation_id, ConcernedOrganization.id)
    )
    for deviation_id, name in rows:
        names[deviation_id].append(name)
    return names


def case_rows(user: User, filters: CaseFilters, *, batch: int = BATCH_SIZE) -> Iterator[list]:
    """One list of cell values per visible case, newest first, read `batch` rows at a time.

    The query and the labels are settled here, before the first row is asked for: a streamed
    response reads the rows after the view has returned and its session has closed.
    """
    parent, columns = _columns()
    statement = (
        filtered_cases(user, filters)
        .with_only_columns(*columns)
        .join(Category, Category.id == Deviation.category_id)
        .outerjoin(parent, parent.id == Category.parent_id)
        .join(Group, Group.id == Deviation.group_id)
        .join(Organization, Organization.id == Deviation.reporter_organization_id)
        .outerjoin(Unit, Unit.id == Deviation.reporter_unit_id)
        .order_by(Deviation.submitted_at.desc(), Deviation.id.desc())
        .limit(batch)
    )
    labels = {
        kind: {member: str(member.title) for member in kind}
        for kind in (DeviationState, RiskLevel, TargetGroup)
    }
    return _rows(statement, labels)


def _rows(statement, labels: dict) -> Iterator[list]:
    """Each batch is its own keyset query on (submitted_at, id), so the database never holds a
    cursor over the whole result and a case submitted during the export is simply not in it."""
    last = None
    while True:
        page = statement
        if last is not None:
            page = page.where(tuple_(Deviation.submitted_at, Deviation.id) < tuple_(*last))
        rows = db.session.execute(page).all()
        if not rows:
            return
        concerned = _concerned_names([row[0] for row in rows])
        for row in rows:
            (
                row_id, submitted_at, number, occurred_on, state, score, main_category, category,
                target, group_short, group_name, organization, unit, answer_due_on, escalated_at,
                closed_at, *texts,
            ) = row  # fmt: skip
            yield [
                number,
                local(submitted_at).replace(tzinfo=None, second=0, microsecond=0),
                occurred_on,
                labels[DeviationState][state],
                labels[RiskLevel][RiskLevel.from_score(score)],
                score,
                main_category or category,
                category if main_category else "",
                labels[TargetGroup][target],
                group_short or group_name,
                organization,
                unit or "",
                ", ".join(concerned.get(row_id, ())),
                answer_due_on if state is DeviationState.AWAITING_ANSWERS else None,
                local(escalated_at).date() if escalated_at else None,
                local(closed_at).date() if closed_at else None,
                *(text or "" for text in texts),
            ]
        last = (rows[-1][1], rows[-1][0])


def _text(value) -> str:
    """A field as CSV text; a float with a Swedish decimal comma, as Excel there reads it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.2f}".replace(".", ",")
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_chunks(rows: Iterable[list], headers=HEADERS) -> Iterator[str]:
    """UTF-8 with a byte-order mark and `;` between fields: what Excel set to Swedish opens
    directly (a `,` is the Swedish decimal separator, so Excel there expects `;`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([str(header) for header in headers])
    yield "\ufeff" + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for count, row in enumerate(rows, start=1):
        writer.writerow([_text(value) for value in row])
        if count % CSV_CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_cell(sheet, value):
    """Text stays text: openpyxl would store "=..." typed by a reporter as a formula. An empty
    text is no cell at all, which openpyxl skips (it spends most of an export per cell)."""
    if isinstance(value, str):
        if not value:
            return None
        value = ILLEGAL_XML.sub("", value)
        if value.startswith("="):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            return cell
    return value


def xlsx_chunks(rows: Iterable[list], *, sheet_title: str) -> Iterator[bytes]:
    """The rows as one streamed sheet (services/spreadsheet.py): the first bytes leave before
    the last row is read, memory holds one batch."""
    return xlsx_stream([str(header) for header in HEADERS], rows, title=sheet_title)
