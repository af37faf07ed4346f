"""Random Unicode that passes the input filter, in every exported field, keeps every output
valid: frab XML (well-formed, the c3voc XSD), frab JSON (its schema), iCal (parses, no
injected component or property), CSV (no formula), PDF (opens, its text reads)."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields

from flask import render_template
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from lxml import etree

from organizer.services import text
from organizer.services.exports import frab, ical
from organizer.services.exports.cells import safe_cell, write_rows
from organizer.services.print import booklet, signs
from organizer.services.print.pdf import pdf_of
from tests.hygiene.checks import check_csv, check_ical, check_json, check_xml, pdf_text
from tests.hygiene.public_schedule import Texts, entries_of, public_schedule_of

MULTILINE = {"abstract", "description", "bio", "event_description", "conduct"}
NASTY = [
    "]]>",
    "</text>",
    "<script>alert(1)</script>",
    "&amp; &#0; &#x1;",
    "X\r\nBEGIN:VEVENT\r\nSUMMARY:evil",
    "X\nBEGIN:VEVENT\nSUMMARY:evil\nEND:VEVENT",
    '=HYPERLINK("http://x","y")',
    "\\N\\n\\;\\,",
    "👩🏽‍🔬🏳️‍🌈🇵🇹",
    "مرحبا بالعالم",
    "\ufeff\u200f\u200e\u061c",
    "\U0001f600" * 50,
]

# Whatever the filter lets through: no controls but tab and line feed (multi-line), no lone
# surrogates (category Cs), no bidi controls, no noncharacters (filtered out after drawing).
_chars = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"))


def allowed(multiline: bool) -> st.SearchStrategy[str]:
    alphabet = st.one_of(_chars, st.sampled_from("\t\n\r")) if multiline else _chars
    drawn = st.one_of(st.sampled_from(NASTY), st.text(alphabet, max_size=60))
    return drawn.map(text.normalise_lines).filter(
        lambda value: text.problem(value, multiline=multiline) is None
    )


def texts() -> st.SearchStrategy[Texts]:
    return st.builds(
        Texts,
        **{
            f.name: allowed(f.name in MULTILINE)
            for f in fields(Texts)
            if f.name != "extra" and f.name != "session_type"
        },
    )


BASE = "https://organizer.test/"


def url(code: str) -> str:
    return f"https://organizer.test/hygiene-2027/sessions/{code}"


FAST = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
SLOW = settings(  # WeasyPrint takes a second a page: few examples, and no shrinking
    max_examples=4,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@FAST
@given(texts())
def test_frab_xml_stays_valid(app, sample):
    document = check_xml(frab.xml(public_schedule_of(sample), url=url, base_url=BASE))
    assert document.findtext("conference/title") == text.printable(sample.event_name)
    talk = document.find(".//event[@code='ABC123']")
    assert talk.findtext("abstract") == sample.abstract
    assert [p.text or "" for p in talk.iter("person")] == [sample.speaker]


@FAST
@given(texts())
def test_frab_json_stays_valid(app, sample):
    document = check_json(frab.json(public_schedule_of(sample), url=url, base_url=BASE))
    assert document["schedule"]["conference"]["title"] == sample.event_name


@FAST
@given(texts())
def test_ical_parses_and_nothing_is_injected(app, sample):
    data = ical.calendar(
        entries_of(sample),
        event=public_schedule_of(sample).event,
        host="organizer.test",
        stamp=dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
    )
    talk, cancelled = check_ical(data, events=2)
    assert str(talk["UID"]).startswith(entries_of(sample)[0]["uid"])
    title = sample.title.strip().replace("\ufeff", "")  # icalendar drops a byte order mark
    if title and "\\N" not in title:  # icalendar reads a typed "\N" as a line break
        assert str(talk["SUMMARY"]).replace("\ufeff", "") == title
    assert str(cancelled["STATUS"]) == "CANCELLED"


@FAST
@given(
    st.lists(
        st.one_of(allowed(True), st.integers(), st.floats(allow_nan=False, allow_infinity=False)),
        max_size=8,
    )
)
def test_csv_cells_never_run_as_formulas(app, row):
    row = [v for v in row if not isinstance(v, float) or abs(v) != float("inf")]  # app numbers
    rows = check_csv(write_rows([row, [str(value) for value in row]]))
    for value, cell, as_text in zip(row, rows[0], rows[1], strict=True):
        assert cell == safe_cell(value)
        assert cell.removeprefix("'") == str(value) or cell == str(value)  # nothing else lost
        assert as_text == safe_cell(str(value))  # typed text that looks like a number: guarded


@SLOW
@given(texts())
def test_room_signs_pdf_opens_and_reads(app, sample):
    sample.title = f"MARKER {sample.title}"
    schedule = public_schedule_of(sample)
    pdf, _pages = pdf_of(signs.render_html(schedule, "a4"))
    assert "MARKER" in pdf_text(pdf)


@settings(SLOW, max_examples=2)  # the booklet: 3 seconds each
@given(texts())
def test_booklet_pdf_opens_and_reads(app, sample):
    sample.speaker = f"MARKER {sample.speaker}"
    schedule = public_schedule_of(sample)
    options = booklet.Options(paper="a4", sections=tuple(booklet.SECTIONS), notes_pages=0)
    html = render_template(
        "print/booklet.html",
        now=dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
        **booklet._context(schedule.event, schedule, options, "standard"),
    )
    pdf, _pages = pdf_of(html)
    assert "MARKER" in pdf_text(pdf)


@FAST
@given(
    st.text(
        st.one_of(st.characters(), st.sampled_from("\ud800\udfff\ufffe\x00\x85\u202e")), max_size=40
    ),
    st.booleans(),
)
def test_what_the_filter_accepts_is_storable_and_valid_xml_text(app, value, multiline):
    """Over all of Unicode, lone surrogates included: whatever passes encodes as UTF-8, is an
    XML 1.0 character, holds no bidi control, and single-line text holds no line break."""
    if text.problem(value, multiline=multiline) is not None:
        return
    value.encode("utf-8")  # a lone surrogate would raise here
    element = etree.Element("t")
    element.text = value  # lxml refuses characters XML 1.0 does not allow
    assert not set(value) & set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    if not multiline:
        assert not set(value) & set("\t\n\r\u2028\u2029")
