"""Reading a spreadsheet as Google Forms and Microsoft Forms export it: CSV (any of the usual
encodings and separators) or XLSX. The result is plain text, cell by cell: nothing in a cell is
ever calculated or run, and a cell that looks like a formula stays the text it is.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from flask_babel import gettext as _

from organizer.errors import ValidationFailed
from organizer.services.exports.cells import FORMULA_STARTS

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 10_000  # answers, not counting the header row
MAX_COLUMNS = 200
MAX_CELL = 20_000  # characters; the longest field (a description) takes 10,000
SNIFF_BYTES = 64 * 1024
DELIMITERS = ",;\t"
XLSX_MAGIC = b"PK\x03\x04"


@dataclasses.dataclass(frozen=True)
class Row:
    number: int  # the row number a spreadsheet program shows (the header is row 1)
    cells: tuple[str, ...]

    def cell(self, index: int | None) -> str:
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index]

    @property
    def is_empty(self) -> bool:
        return not any(c.strip() for c in self.cells)


@dataclasses.dataclass(frozen=True)
class Sheet:
    headers: tuple[str, ...]
    rows: tuple[Row, ...]
    notes: tuple[str, ...] = ()  # what was noticed while reading, for the organizer


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed({"file": message})


def read_sheet(data: bytes, filename: str) -> Sheet:
    """The header row and the answers of a CSV or XLSX file, or ValidationFailed with a
    message for the file field."""
    if not data:
        raise _refuse(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise _refuse(
            _(
                "The file is %(size)s MB; the limit is %(limit)s MB. Split it into smaller files.",
                size=round(len(data) / 1024 / 1024, 1),
                limit=MAX_BYTES // 1024 // 1024,
            )
        )
    name = filename.lower()
    if data.startswith(XLSX_MAGIC):
        return _read_xlsx(data)
    if name.endswith((".xls", ".xlsx", ".ods", ".numbers")):
        raise _refuse(
            _("This is not an XLSX file that can be read. Save it as .xlsx or .csv and try again.")
        )
    return _read_csv(data)


# CSV -------------------------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, list[str]]:
    """The text and a note when it was not UTF-8 (Excel on Windows saves CSV as cp1252)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), [_("The file was read as UTF-16.")]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
        encoding = "Windows-1252"
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        encoding = "Latin-1"
    note = _(
        "The file is not UTF-8, so it was read as %(encoding)s. Check that accented letters "
        "look right below; if they do not, save the file as “CSV UTF-8” and upload it again.",
        encoding=encoding,
    )
    return text, [note]


def _columns_with(sample: str, delimiter: str, *, cut: bool) -> int:
    """How many columns the first records have when split at `delimiter`: the header's count
    when the other records agree with it, else 0 (csv.Sniffer alone is fooled by commas
    inside the text of a semicolon-separated file). Quoted line breaks stay inside their
    cell; `cut` says the sample may end in the middle of a record, which is then left out."""
    rows: list[list[str]] = []
    try:
        for record in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter):
            if record:
                rows.append(record)
            if len(rows) > 21:
                cut = True
                break
    except csv.Error:
        return 0
    if cut and len(rows) > 1:
        rows = rows[:-1]
    if not rows or len(rows[0]) < 2:
        return 0
    width = len(rows[0])
    return width if all(len(r) == width for r in rows[1:]) else 0


def _dialect(text: str) -> tuple[str, list[str]]:
    """Comma, semicolon (Excel where the decimal mark is a comma) or tab."""
    sample = text[:SNIFF_BYTES]
    cut = len(text) > len(sample)
    widths = {d: _columns_with(sample, d, cut=cut) for d in DELIMITERS}
    best = max(widths.values())
    if best:
        # On a tie, tabs and semicolons win: commas turn up inside text far more often.
        delimiter = next(d for d in ("\t", ";", ",") if widths[d] == best)
    else:
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
        except csv.Error:
            delimiter = ","
    names = {",": _("commas"), ";": _("semicolons"), "\t": _("tabs")}
    notes = (
        [] if delimiter == "," else [_("Columns are separated by %(sep)s.", sep=names[delimiter])]
    )
    return delimiter, notes


def _read_csv(data: bytes) -> Sheet:
    if b"\x00" in data[:SNIFF_BYTES] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _refuse(_("This does not look like a CSV or XLSX file."))
    text, notes = _decode(data)
    delimiter, more = _dialect(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _sheet(reader, notes + more)
    except csv.Error as error:
        raise _refuse(_("The CSV file cannot be read: %(error)s", error=str(error))) from error


# XLSX ------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A cell's value as text: dates as ISO 8601, whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(data: bytes) -> Sheet:
    # openpyxl is imported here: only XLSX uploads need it.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # data_only: a formula cell gives the value the spreadsheet program saved with it;
        # nothing is calculated here. read_only streams the rows.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise _refuse(
            _("This XLSX file cannot be read. Save it again from your spreadsheet program.")
        ) from error
    try:
        worksheet = workbook.worksheets[0] if workbook.worksheets else None
        if worksheet is None:
            raise _refuse(_("The workbook has no sheet."))
        notes = []
        if len(workbook.worksheets) > 1:
            notes.append(
                _(
                    "The workbook has several sheets; only the first, “%(name)s”, is read.",
                    name=worksheet.title,
                )
            )
        rows = ([_text(v) for v in row] for row in worksheet.iter_rows(values_only=True))
        return _sheet(rows, notes)
    finally:
        workbook.close()


# Both ------------------------------------------------------------------------------------------


def _trimmed(cells: list[str]) -> tuple[str, ...]:
    while cells and not cells[-1].strip():
        cells = cells[:-1]
    return tuple(c.replace("\r\n", "\n").strip() for c in cells)


def _sheet(rows: Iterable[list[str]], notes: list[str]) -> Sheet:
    iterator: Iterator[list[str]] = iter(rows)
    headers: tuple[str, ...] = ()
    header_number = 0
    for number, cells in enumerate(iterator, start=1):
        headers = _trimmed(cells)
        if headers:
            header_number = number
            break
    if not headers:
        raise _refuse(_("The file has no header row: the first row should name the columns."))
    if len(headers) > MAX_COLUMNS:
        raise _refuse(
            _(
                "The file has %(n)s columns; at most %(limit)s can be read.",
                n=len(headers),
                limit=MAX_COLUMNS,
            )
        )
    found: list[Row] = []
    formulas = 0
    for number, cells in enumerate(iterator, start=header_number + 1):
        if len(found) >= MAX_ROWS:
            raise _refuse(
                _(
                    "The file has more than %(limit)s rows of answers. Split it into files "
                    "of at most %(limit)s rows.",
                    limit=f"{MAX_ROWS:,}",
                )
            )
        row = _trimmed(list(cells))
        if any(len(c) > MAX_CELL for c in row):
            raise _refuse(
                _(
                    "A cell in row %(row)s has more than %(n)s characters.",
                    row=number,
                    n=f"{MAX_CELL:,}",
                )
            )
        formulas += sum(1 for c in row if c.startswith(FORMULA_STARTS) and not _is_number(c))
        found.append(Row(number, row))
    if formulas:
        notes.append(
            _(
                "%(n)s cells start with =, +, - or @. They are kept as plain text and never "
                "calculated; exports from this site guard them again.",
                n=formulas,
            )
        )
    return Sheet(headers=headers, rows=tuple(found), notes=tuple(notes))


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True
