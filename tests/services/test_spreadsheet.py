"""The streamed XLSX sheet (services/spreadsheet.py), read back by openpyxl and zipfile."""

import io
import zipfile
from datetime import date, datetime

from openpyxl import load_workbook

from avvikelse.services.spreadsheet import ROWS_PER_CHUNK, column_letters, xlsx_stream


def read(data: bytes):
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    return load_workbook(io.BytesIO(data)).active


def test_values_keep_their_types_and_text_is_never_a_formula():
    rows = [
        ["=SUM(A1:A2)", 3, 2.5, True, date(2026, 3, 29), datetime(2026, 3, 29, 14, 30)],
        ["<b>&\"'", None, "", "nul\x00 och esc\x1b", None, "+46 70"],
    ]
    sheet = read(b"".join(xlsx_stream(["A", "B", "C", "D", "E", "F"], rows, title="Ärenden")))
    assert sheet.title == "Ärenden"
    assert [c.value for c in sheet[1]] == ["A", "B", "C", "D", "E", "F"]
    assert sheet["A1"].font.b
    assert sheet["A2"].value == "=SUM(A1:A2)"
    assert sheet["A2"].data_type == "s"
    assert (sheet["B2"].value, sheet["C2"].value, sheet["D2"].value) == (3, 2.5, True)
    assert sheet["E2"].value == datetime(2026, 3, 29)
    assert sheet["E2"].number_format == "yyyy-mm-dd"
    assert sheet["F2"].value == datetime(2026, 3, 29, 14, 30)
    assert sheet["A3"].value == "<b>&\"'"
    assert (sheet["B3"].value, sheet["C3"].value) == (None, None)
    assert sheet["D3"].value == "nul och esc"
    assert sheet["F3"].value == "+46 70"


def test_bytes_leave_before_the_last_row_is_read():
    read_rows = []

    def rows():
        for number in range(3 * ROWS_PER_CHUNK):
            read_rows.append(number)
            yield [number, f"rad {number}"]

    stream = xlsx_stream(["Nummer", "Text"], rows(), title="Lång")
    sent = [next(stream), next(stream)]
    assert len(read_rows) < 3 * ROWS_PER_CHUNK
    sent.extend(stream)
    sheet = read(b"".join(sent))
    assert sheet.max_row == 3 * ROWS_PER_CHUNK + 1
    assert sheet.cell(row=3 * ROWS_PER_CHUNK + 1, column=2).value == f"rad {3 * ROWS_PER_CHUNK - 1}"


def test_column_letters_go_past_z():
    assert column_letters(28)[-3:] == ["Z", "AA", "AB"]
