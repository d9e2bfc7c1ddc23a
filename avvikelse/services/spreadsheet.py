"""One XLSX sheet streamed as it is written: the case export at 10^6 rows.

openpyxl's write-only mode builds a cell object and an element per value (about a millisecond
a row here) and can send nothing until the file is saved: 10^5 rows waited minutes for the
first byte. This writes the sheet's SpreadsheetML row by row into a ZIP whose entries carry
data descriptors, so each compressed piece is sent as soon as it exists and the directory comes
last, as the format allows; memory holds one batch of rows. Text is written as inline strings,
which a spreadsheet never runs as a formula. Only what an export needs: one sheet, text,
numbers, booleans and dates; the small workbooks (dashboard, annual report) stay with openpyxl.
"""

import re
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from xml.sax.saxutils import escape, quoteattr

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Control characters XML 1.0 cannot hold.
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Rows written before the compressed bytes so far are handed on.
ROWS_PER_CHUNK = 500
EXCEL_EPOCH = date(1899, 12, 30)
DATE_STYLE, DATETIME_STYLE = 1, 2

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"

CONTENT_TYPES = (
    f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_SHEET_TYPE}.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    f'ContentType="{_SHEET_TYPE}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_SHEET_TYPE}.styles+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    f'{_HEAD}<Relationships xmlns="{_RELS}">'
    f'<Relationship Id="rId1" Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK_RELS = (
    f'{_HEAD}<Relationships xmlns="{_RELS}">'
    f'<Relationship Id="rId1" Type="{_DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_DOC}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
STYLES = (
    f'{_HEAD}<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
HEADER_STYLE = 3


class _Sink:
    """Where the ZIP writes: no seek or tell, so zipfile streams (data descriptors)."""

    def __init__(self):
        self.parts: list[bytes] = []

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def column_letters(count: int) -> list[str]:
    letters = []
    for index in range(1, count + 1):
        name = ""
        while index:
            index, rest = divmod(index - 1, 26)
            name = chr(65 + rest) + name
        letters.append(name)
    return letters


def _cell(reference: str, value, style: int = 0) -> str:
    """One cell's XML; None and empty text are no cell at all."""
    styled = f' s="{style}"' if style else ""
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{reference}" t="b"{styled}><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{reference}"{styled}><v>{value!r}</v></c>'
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=None) - datetime(1899, 12, 30)
        serial = moment.days + moment.seconds / 86400
        return f'<c r="{reference}" s="{DATETIME_STYLE}"><v>{serial!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{reference}" s="{DATE_STYLE}"><v>{(value - EXCEL_EPOCH).days}</v></c>'
    text = ILLEGAL_XML.sub("", str(value))
    if not text:
        return ""
    return (
        f'<c r="{reference}" t="inlineStr"{styled}>'
        f'<is><t xml:space="preserve">{escape(text)}</t></is></c>'
    )


def _row(number: int, letters: list[str], values, style: int = 0) -> str:
    cells = "".join(
        _cell(f"{letter}{number}", value, style)
        for letter, value in zip(letters, values, strict=False)
    )
    return f'<row r="{number}">{cells}</row>'


def xlsx_stream(headers: list[str], rows: Iterable[list], *, title: str) -> Iterator[bytes]:
    """The workbook's bytes, chunk by chunk, as the rows are read."""
    sink = _Sink()
    letters = column_letters(len(headers))
    workbook = (
        f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_DOC}"><sheets>'
        f'<sheet name={quoteattr(ILLEGAL_XML.sub("", title)[:31])} sheetId="1" r:id="rId1"/>'
        "</sheets></workbook>"
    )
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in (
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/styles.xml", STYLES),
        ):
            archive.writestr(name, text)
        yield sink.take()
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                f'{_HEAD}<worksheet xmlns="{_MAIN}"><sheetData>'
                f"{_row(1, letters, headers, HEADER_STYLE)}".encode()
            )
            batch = []
            for number, values in enumerate(rows, start=2):
                batch.append(_row(number, letters, values))
                if len(batch) == ROWS_PER_CHUNK:
                    sheet.write("".join(batch).encode())
                    batch.clear()
                    if chunk := sink.take():
                        yield chunk
            sheet.write(("".join(batch) + "</sheetData></worksheet>").encode())
    yield sink.take()
