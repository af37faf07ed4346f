"""Reading frab XML and schedule JSON as conferences publish them: names in any script,
missing fields, durations written several ways, sessions over midnight, skipped items with
their reasons, and XML that tries to expand entities or reach the network."""

from __future__ import annotations

import datetime as dt

import pytest

from organizer.services.imports.schedule_formats import (
    UnreadableSchedule,
    parse_duration,
    read_schedule,
)
from tests.schedule_import.conftest import parsed

UTC = dt.UTC


def test_pretalx_json_reads_everything_it_says(app):
    schedule = parsed("pretalx.json")
    assert schedule.format == "json" and schedule.timezone == "Europe/Athens"
    assert schedule.title == "Σεμινάριο Αθήνας 2026"
    assert [r.name for r in schedule.rooms] == ["Αίθουσα Γ", "قاعة ب"]
    assert schedule.rooms[0].capacity == 120 and schedule.rooms[1].capacity is None
    assert [(t.name, t.colour) for t in schedule.tracks][:2] == [
        ("Data", "#dbeafe"),
        ("Κοινότητα", "#1f2937"),
    ]
    by_title = {s.title: s for s in schedule.sessions}
    maps = by_title["Χάρτες και δίκτυα"]
    assert maps.guid == "0b0a8b34-7d1c-5c5a-b3b6-1a6e7f000001" and maps.code == "RQ7UVW"
    assert maps.starts_at == dt.datetime(2026, 5, 14, 7, 0, tzinfo=UTC)  # +03:00
    assert [p.name for p in maps.persons] == ["Ελένη Παπαδοπούλου", "李小龍"]
    assert maps.persons[0].biography == "Ερευνήτρια." and maps.persons[1].biography == ""
    assert [(link.kind, link.url) for link in maps.links] == [
        ("slides", "https://files.example.org/maps.pdf"),
        ("recording", "https://media.example.org/v/maps"),
    ]
    night = by_title["Midnight hacking"]
    assert night.duration_minutes == 90 and night.track == "" and night.abstract == ""
    assert night.ends_at == dt.datetime(2026, 5, 14, 22, 0, tzinfo=UTC)  # 01:00 next day, Athens
    assert night.persons[0].name == "Ana Lima"  # only a public_name
    arabic = by_title["الخرائط المفتوحة"]
    assert arabic.persons[0].name == "ليلى حسن"  # only a name
    assert arabic.links[0].kind == "other"  # an attachment, type "related"


def test_what_cannot_be_read_is_skipped_with_its_reason(app):
    skipped = parsed("pretalx.json").skipped
    reasons = {s.where: s.reason for s in skipped}
    assert reasons["day 1, room Αίθουσα Γ, «No duration»"] == (
        "its duration “soon” could not be read"
    )
    assert reasons["day 1, room Αίθουσα Γ"] == "it has no title"
    assert reasons["day 2, room قاعة ب, «A guid seen before»"] == (
        "its guid appears more than once in the file"
    )
    assert len(skipped) == 3


def test_frab_xml_with_its_quirks(app):
    schedule = parsed("frab.xml")
    assert schedule.format == "xml" and schedule.timezone == "Asia/Tokyo"
    assert schedule.version == "Hanoi v2"
    by_title = {s.title: s for s in schedule.sessions}
    keynote = by_title["Opening keynote: 地図と網"]
    assert keynote.starts_at == dt.datetime(2026, 9, 3, 0, 30, tzinfo=UTC)
    assert keynote.duration_minutes == 90 and keynote.language == "ja"
    assert [p.name for p in keynote.persons] == ["山田 花子"] and keynote.persons[0].id == "11"
    # Only the day's date and a start before the day's own start: the next morning.
    late = by_title["Late night session"]
    assert late.starts_at == dt.datetime(2026, 9, 3, 16, 0, tzinfo=UTC)  # 01:00 on the 4th, Tokyo
    # No guid in the file: one made from the acronym and the id, the same on every read.
    assert late.guid == parsed("frab.xml").sessions[1].guid
    lunch = by_title["Lunch"]
    assert lunch.room == "大ホール" and lunch.starts_at.hour == 3  # room and date from its day
    assert [s.reason for s in schedule.skipped] == ["its start time could not be read"]
    assert [r.name for r in schedule.rooms] == ["大ホール", "Room 2"]


@pytest.mark.parametrize(
    ("value", "minutes"),
    [
        ("01:30", 90),
        ("1:30", 90),
        ("0:20", 20),
        ("00:30:00", 30),
        (45, 45),
        ("45", 45),
        ("", None),
        ("soon", None),
        ("00:00", None),
        ("1:75", None),
        (None, None),
    ],
)
def test_durations(value, minutes):
    assert parse_duration(value) == minutes


def test_xml_entities_are_not_expanded_and_nothing_is_fetched(app, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    document = f"""<?xml version="1.0"?>
<!DOCTYPE schedule [<!ENTITY leak SYSTEM "file://{secret}"><!ENTITY a "aaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<schedule><conference><title>&leak;&b;</title></conference>
<day index="1" date="2026-01-01"><room name="R"><event guid="7c0d2a55-3f61-4e0c-8d2e-0000000000c1">
<date>2026-01-01T10:00:00+00:00</date><duration>00:30</duration><title>T &b;</title>
</event></room></day></schedule>""".encode()
    schedule = read_schedule(document)
    assert "TOP SECRET" not in schedule.title and "aaaa" not in schedule.title
    assert "aaaa" not in schedule.sessions[0].title


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"title,start\n",
        b"<html><body>Not found</body></html>",
        b'{"schedule": []}',
        b"{broken",
        b"<schedule><day>",
    ],
)
def test_files_that_are_no_schedule_are_refused_with_a_message(app, data):
    with pytest.raises(UnreadableSchedule) as caught:
        read_schedule(data)
    assert caught.value.errors["file"]
