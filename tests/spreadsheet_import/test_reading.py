"""Reading the corpus of awkward files: encodings, separators, formulas, empty rows, limits."""

from __future__ import annotations

import datetime as dt

import pytest

from organizer.errors import ValidationFailed
from organizer.services.imports import spreadsheet_read
from organizer.services.imports.spreadsheet_fields import proposal_fields, suggest
from organizer.services.imports.spreadsheet_read import read_sheet
from tests.spreadsheet_import.helpers import GOOGLE_HEADERS, csv_bytes, xlsx_bytes


def test_utf8_with_bom_reads_without_a_note(app):
    data = b"\xef\xbb\xbf" + csv_bytes([["Name", "Title"], ["Zoë", "Über"]])
    sheet = read_sheet(data, "form.csv")
    assert sheet.headers == ("Name", "Title")
    assert sheet.rows[0].cells == ("Zoë", "Über")
    assert sheet.notes == ()


def test_windows_1252_falls_back_with_a_clear_note(app):
    data = csv_bytes([["Name", "Title"], ["José", "Café \u2013 bar"]], encoding="cp1252")
    sheet = read_sheet(data, "form.csv")
    assert sheet.rows[0].cells == ("José", "Café \u2013 bar")
    assert any("not UTF-8" in note and "Windows-1252" in note for note in sheet.notes)


@pytest.mark.parametrize(("delimiter", "word"), [(";", "semicolons"), ("\t", "tabs")])
def test_semicolons_and_tabs_are_detected(app, delimiter, word):
    data = csv_bytes([["Name", "Title, with comma"], ["Ana", "A, b"]], delimiter=delimiter)
    sheet = read_sheet(data, "form.csv")
    assert sheet.headers == ("Name", "Title, with comma")
    assert sheet.rows[0].cells == ("Ana", "A, b")
    assert any(word in note for note in sheet.notes)


def test_formulas_in_a_csv_stay_text_and_are_counted(app):
    data = csv_bytes([["Name", "Title"], ['=HYPERLINK("http://x")', "@SUM(A1)"], ["-3", "+x"]])
    sheet = read_sheet(data, "form.csv")
    assert sheet.rows[0].cells == ('=HYPERLINK("http://x")', "@SUM(A1)")
    assert any(note.startswith("3 cells start with") for note in sheet.notes)


def test_xlsx_formulas_are_never_evaluated(app):
    # openpyxl writes the formula without a cached value: read with data_only it is empty,
    # never calculated by us.
    data = xlsx_bytes([["Name", "Total"], ["Ana", "=1+1"], ["Bo", dt.datetime(2026, 11, 2, 9, 30)]])
    sheet = read_sheet(data, "form.xlsx")
    assert sheet.rows[0].cells == ("Ana",)
    assert sheet.rows[1].cells == ("Bo", "2026-11-02 09:30:00")


def test_empty_rows_are_kept_as_empty_for_counting(app):
    sheet = read_sheet(csv_bytes([["Name"], [""], ["Ana"], [" ", ""]]), "f.csv")
    assert [r.is_empty for r in sheet.rows] == [True, False, True]
    assert [r.number for r in sheet.rows] == [2, 3, 4]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "f.csv", "empty"),
        (b"\n\n", "f.csv", "no header row"),
        (b"PK\x03\x04 not really", "f.xlsx", "cannot be read"),
        (b"\xd0\xcf\x11\xe0 old excel", "f.xls", "not an XLSX file"),
    ],
)
def test_unreadable_files_have_a_clear_message(app, data, name, message):
    with pytest.raises(ValidationFailed) as refused:
        read_sheet(data, name)
    assert message in refused.value.errors["file"]


def test_size_and_row_limits(app, monkeypatch):
    monkeypatch.setattr(spreadsheet_read, "MAX_BYTES", 100)
    with pytest.raises(ValidationFailed) as refused:
        read_sheet(b"x" * 101, "f.csv")
    assert "the limit is" in refused.value.errors["file"]
    monkeypatch.undo()
    rows = [["Name"]] + [[f"P{n}"] for n in range(spreadsheet_read.MAX_ROWS + 1)]
    with pytest.raises(ValidationFailed) as refused:
        read_sheet(csv_bytes(rows), "f.csv")
    assert "more than 10,000 rows" in refused.value.errors["file"]


def test_suggestions_from_google_forms_headers(app):
    fields = proposal_fields([object(), object()], [object()], [])  # type: ignore[list-item]
    mapping = suggest([*GOOGLE_HEADERS, "Anything else we should know?"], fields)
    assert mapping == {
        "submitted_at": 0,
        "email": 1,
        "name": 2,
        "title": 3,
        "abstract": 4,
        "session_type": 5,
        "track": 6,
    }


def test_suggestions_from_microsoft_forms_headers(app):
    fields = proposal_fields([], [], [])
    headers = ["ID", "Start time", "Completion time", "Email", "Name", "Talk title"]
    mapping = suggest(headers, fields)
    assert mapping["email"] == 3 and mapping["name"] == 4 and mapping["title"] == 5
    assert mapping["submitted_at"] in (1, 2)
    assert 0 not in mapping.values()


def test_line_breaks_inside_quoted_cells_do_not_confuse_the_separator(app):
    rows = [["Name", "Abstract", "Title"]] + [
        [f"P{n}", "First line, with a comma.\nSecond line; with a semicolon.", f"T{n}"]
        for n in range(30)
    ]
    sheet = read_sheet(csv_bytes(rows, delimiter=";"), "f.csv")
    assert sheet.headers == ("Name", "Abstract", "Title")
    assert len(sheet.rows) == 30
    assert sheet.rows[0].cells[1] == "First line, with a comma.\nSecond line; with a semicolon."
