"""What "valid" means for each output, shared by the property and the corpus tests."""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from pathlib import Path

import icalendar
import jsonschema
from lxml import etree
from pypdf import PdfReader

from organizer.services.exports.cells import FORMULA_STARTS

REFERENCE = Path(__file__).resolve().parents[1] / "reference"  # tests/reference, see its README

NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?")

# Every property a VEVENT of ours may have: an injected line (SUMMARY:evil, BEGIN:VEVENT)
# would show up as another property or component.
VEVENT_PROPERTIES = {
    "UID",
    "DTSTAMP",
    "DTSTART",
    "DTEND",
    "SEQUENCE",
    "SUMMARY",
    "LAST-MODIFIED",
    "LOCATION",
    "DESCRIPTION",
    "CATEGORIES",
    "STATUS",
    "URL",
}


@functools.cache
def xsd() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(REFERENCE / "schedule.xml.xsd")))


@functools.cache
def json_validator() -> jsonschema.Draft6Validator:
    schema = json.loads((REFERENCE / "schedule.json.schema").read_text())
    return jsonschema.Draft6Validator(schema, format_checker=jsonschema.FormatChecker())


def check_xml(data: bytes) -> etree._Element:
    """Well-formed (lxml raises otherwise) and valid against the c3voc XSD."""
    document = etree.fromstring(data)
    schema = xsd()
    assert schema.validate(document), schema.error_log
    return document


def check_json(data: bytes) -> dict:
    document = json.loads(data)
    errors = sorted(json_validator().iter_errors(document), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    return document


def check_ical(data: bytes, *, events: int) -> list[icalendar.Event]:
    """Parses, holds exactly `events` VEVENTs and nothing but our properties in them."""
    assert b"\r\n" in data and not data.replace(b"\r\n", b"").count(b"\n")  # CRLF lines only
    calendar = icalendar.Calendar.from_ical(data)
    found = list(calendar.walk("VEVENT"))
    assert len(found) == events, [e.get("SUMMARY") for e in found]
    assert [c.name for c in calendar.subcomponents].count("VEVENT") == events
    for vevent in found:
        assert set(vevent) <= VEVENT_PROPERTIES, set(vevent) - VEVENT_PROPERTIES
        assert not vevent.subcomponents
        assert not vevent.errors, vevent.errors
    return found


def check_csv(data: str) -> list[list[str]]:
    """Parses, and no cell would run as a formula in a spreadsheet."""
    rows = list(csv.reader(io.StringIO(data, newline="")))
    for row in rows:
        for cell in row:
            if NUMBER.fullmatch(cell):
                continue  # a number the app computed (a negative score) is not a formula
            assert not cell.startswith(FORMULA_STARTS), cell
            assert not cell.lstrip().startswith(FORMULA_STARTS), cell
    return rows


def pdf_text(data: bytes) -> str:
    """The PDF opens and its text can be read. A line holding a character no installed font
    has (drawn as a box) comes out of pypdf with NULs between its letters: they are dropped."""
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages).replace("\x00", "")
