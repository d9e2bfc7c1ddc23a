"""The tables behind the dashboard and the annual report: one XLSX sheet per table
(openpyxl, write-only), or one table as CSV (services/exports.py writes both kinds of cell,
so text typed by users never becomes a formula)."""

import io

from flask_babel import gettext as _
from openpyxl import Workbook

from .dashboard import Dashboard, Figures
from .exports import xlsx_cell

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet_title(title: str) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet name."""
    for character in "[]:*?/\\":
        title = title.replace(character, " ")
    return title[:31]


def workbook(sheets: list[tuple[str, list[str], list[list]]]) -> bytes:
    book = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = book.create_sheet(_sheet_title(title))
        sheet.append(header)
        for row in rows:
            sheet.append([xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def figure_sheets(f: Figures) -> list[tuple[str, list[str], list[list]]]:
    """The dashboard's tables as sheets: numbers as numbers, shares as fractions."""
    m = f.matrix
    lead_rows = [
        [block.label, s.label, s.count, s.median, s.percentile]
        for block in f.lead_times
        for s in block.steps
    ]
    return [
        (_("Per månad"), [_("Månad"), _("Antal")], [[c.label, c.count] for c in f.months]),
        (
            _("Per kategori"),
            [_("Kategori"), _("Antal"), _("Andel"), _("Ackumulerat")],
            [[c.label, c.count, c.share, c.cumulative] for c in f.categories],
        ),
        (
            _("Per målgrupp"),
            [_("Målgrupp"), _("Antal"), _("Andel")],
            [[c.label, c.count, c.share] for c in f.target_groups],
        ),
        (
            _("Per risknivå"),
            [_("Risknivå"), _("Antal"), _("Andel")],
            [[c.label, c.count, c.share] for c in f.risk_levels],
        ),
        (
            _("Organisationsmatris"),
            [_("Rapporterande ↓ / berörd →"), *(o.name for o in m.columns), _("Totalt")],
            [[r.name, *(m.cell(r.id, o.id) for o in m.columns), m.row_totals[r.id]] for r in m.rows]
            + [[_("Totalt"), *(m.column_totals[o.id] for o in m.columns), m.total]],
        ),
        (
            _("Ledtider"),
            [_("Ärenden"), _("Steg"), _("Antal"), _("Median, dagar"), _("80:e percentilen, dagar")],
            lead_rows,
        ),
        (
            _("Svarstider"),
            [_("Organisation"), _("Svar"), _("Median, dagar"), _("80:e percentilen, dagar")],
            [[s.label, s.count, s.median, s.percentile] for s in f.answer_times],
        ),
    ]


def dashboard_sheets(board: Dashboard) -> list[tuple[str, list[str], list[list]]]:
    return [
        *figure_sheets(board),
        (
            _("Försenade svar"),
            [_("Organisation"), _("Antal")],
            [[c.label, c.count] for c in board.overdue_answers],
        ),
    ]


# The dashboard's tables by the name in their CSV link, in the order of dashboard_sheets.
TABLE_NAMES = (
    "manad",
    "kategori",
    "malgrupp",
    "risk",
    "matris",
    "ledtider",
    "svarstider",
    "forsenade",
)


def dashboard_table(board: Dashboard, name: str) -> tuple[str, list[str], list[list]]:
    return dict(zip(TABLE_NAMES, dashboard_sheets(board), strict=True))[name]
