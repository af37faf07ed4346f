"""The calendar renderer: the wire format (CRLF, folded lines, UTF-8), what a parser reads back
(UIDs, time zones across the summer time change, escaping), and deterministic bytes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from organizer.services.exports import ical
from tests.factories import lisbon, make_event

STAMP = dt.datetime(2027, 2, 1, 12, 0, tzinfo=dt.UTC)
HOST = "organizer.test"
TRICKY = (
    "Commas, semicolons; back\\slash\nand a new line: “Ação” 日本語 — a long title that must be "
    "folded"
)


def entry(uid: str, start: dt.datetime, minutes: int = 20, **fields) -> dict:
    values = {
        "uid": uid,
        "slot_id": 1,
        "kind": "talk",
        "title": f"Talk {uid}",
        "plenary_kind": None,
        "container_kind": None,
        "all_rooms": False,
        "room_id": 1,
        "room": "Aula Magna",
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(minutes=minutes)).isoformat(),
        "duration": minutes,
        "proposal": f"p-{uid}",
        "abstract": "We study things.",
        "track": "Methods",
        "session_type": "Talk",
        "language": "en",
        "speakers": [{"id": 1, "name": "Ana Lima"}, {"id": 2, "name": "Bo Chen"}],
        "parent": None,
        "children": [],
        "position": 0,
        "stream_url": "",
        "sequence": 0,
    }
    return {**values, **fields}


@pytest.fixture
def event():
    return make_event(name="Lisbon Workshop", venue="Casa das Ideias, Lisbon")


@pytest.fixture
def entries():
    return [
        entry("saturday", lisbon(27, 10)),
        entry("sunday", lisbon(28, 10), title=TRICKY, sequence=3),
        entry(
            "lunch",
            lisbon(28, 12, 30),
            60,
            kind="plenary",
            title="Lunch",
            plenary_kind="lunch",
            all_rooms=True,
            room_id=None,
            room="",
            proposal=None,
            abstract="",
            track=None,
            speakers=[],
        ),
    ]


def render(entries, event, **kwargs) -> bytes:
    return ical.calendar(entries, event=event, host=HOST, stamp=STAMP, **kwargs)


def test_wire_format_crlf_folded_utf8(event, entries):
    data = render(entries, event)
    text = data.decode("utf-8")  # valid UTF-8, or this raises
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")  # every line ends in CRLF
    lines = data.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # the long title was folded


def test_a_parser_reads_it_back_without_errors(event, entries):
    calendar = Calendar.from_ical(render(entries, event, name="Programme", method="PUBLISH"))
    assert all(not component.errors for component in calendar.walk())
    assert calendar.get_missing_tzids() == set()
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//organizer//schedule//EN"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["X-WR-CALNAME"]) == "Programme"
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Lisbon"
    assert [tz.tz_name for tz in calendar.walk("VTIMEZONE")] == ["Europe/Lisbon"]
    events = calendar.walk("VEVENT")
    uids = [str(e["UID"]) for e in events]
    assert uids == [f"saturday@{HOST}", f"sunday@{HOST}", f"lunch@{HOST}"]
    assert len(set(uids)) == len(uids)
    for vevent in events:
        stamp = vevent.decoded("DTSTAMP")
        assert stamp == STAMP and stamp.utcoffset() == dt.timedelta(0)
        assert vevent.decoded("DTEND") > vevent.decoded("DTSTART")
        assert vevent["DTSTART"].params["TZID"] == "Europe/Lisbon"
        assert str(vevent["STATUS"]) == "CONFIRMED"
        assert "URL" not in vevent


def test_times_cross_the_summer_time_change(event, entries):
    events = Calendar.from_ical(render(entries, event)).walk("VEVENT")
    by_uid = {str(e["UID"]).split("@")[0]: e for e in events}
    saturday = by_uid["saturday"].decoded("DTSTART")
    sunday = by_uid["sunday"].decoded("DTSTART")
    # 27 March 2027 is winter time in Lisbon (UTC+0); the clocks go forward on the 28th.
    assert saturday.astimezone(dt.UTC) == dt.datetime(2027, 3, 27, 10, 0, tzinfo=dt.UTC)
    assert sunday.astimezone(dt.UTC) == dt.datetime(2027, 3, 28, 9, 0, tzinfo=dt.UTC)
    assert sunday.astimezone(ZoneInfo("Europe/Lisbon")).hour == 10
    assert "DAYLIGHT" in render(entries, event).decode()


def test_values_are_escaped_and_read_back_exactly(event, entries):
    data = render(entries, event)
    assert b"Commas\\, semicolons\\; back\\\\slash\\nand" in data.replace(b"\r\n ", b"")
    sunday = Calendar.from_ical(data).walk("VEVENT")[1]
    assert str(sunday["SUMMARY"]) == TRICKY
    assert int(sunday["SEQUENCE"]) == 3
    assert str(sunday["LOCATION"]) == "Aula Magna, Casa das Ideias, Lisbon"
    assert sunday["CATEGORIES"].cats == ["Methods"]
    description = str(sunday["DESCRIPTION"])
    assert "We study things." in description and "Ana Lima, Bo Chen" in description
    lunch = Calendar.from_ical(data).walk("VEVENT")[2]
    assert str(lunch["LOCATION"]) == "Casa das Ideias, Lisbon"  # all rooms: the venue
    assert "CATEGORIES" not in lunch and "DESCRIPTION" not in lunch


def test_same_input_same_bytes(event, entries):
    assert render(entries, event) == render([dict(e) for e in entries], event)
    assert render(entries, event) != render(entries, event, name="Another name")


def test_cancelled_entries_and_urls(event, entries):
    cancelled = {**entries[0], "status": "cancelled", "sequence": 1}
    data = render([cancelled], event, url=lambda e: f"https://{HOST}/s/{e['uid']}")
    vevent = Calendar.from_ical(data).walk("VEVENT")[0]
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert int(vevent["SEQUENCE"]) == 1
    assert str(vevent["URL"]) == f"https://{HOST}/s/saturday"


def test_a_block_lists_its_talks(event):
    start = lisbon(27, 15)
    block = entry(
        "block",
        start,
        45,
        kind="container",
        title="Lightning talks",
        container_kind="lightning",
        proposal=None,
        abstract="",
        track=None,
        speakers=[],
        children=["one", "two"],
    )
    talks = [
        entry("one", start, 45, title="First lightning", parent="block"),
        entry("two", start, 45, title="Second lightning", parent="block", position=1),
    ]
    events = Calendar.from_ical(render([block, *talks], event)).walk("VEVENT")
    assert "- First lightning\n- Second lightning" in str(events[0]["DESCRIPTION"])
    assert "Part of: Lightning talks" in str(events[1]["DESCRIPTION"])


def test_stamp_must_be_aware(event, entries):
    with pytest.raises(ValueError, match="aware"):
        ical.calendar(entries, event=event, host=HOST, stamp=dt.datetime(2027, 1, 1))
