"""Every file of the corpus (imitating what pretalx and frab publish, quirks included: missing
fields, empty tracks and rooms, sessions over midnight and across a change to summer time,
markup characters and names in many scripts) imported into a new event and exported again:
both exports validate against the published c3voc schemas, and every session the import took
keeps its guid, title, room, instants and speakers."""

from __future__ import annotations

import datetime as dt
import json

import jsonschema
import pytest
from lxml import etree

from organizer.extensions import db
from organizer.services import feeds
from organizer.services.imports import schedule as importer
from tests.factories import NOW, make_user
from tests.feeds.test_frab import REFERENCE, check_json, check_xml
from tests.schedule_import.conftest import parsed

CORPUS = ("pretalx.json", "frab.xml", "frab-schedule.json")


@pytest.fixture(scope="module")
def xsd():
    return etree.XMLSchema(etree.parse(str(REFERENCE / "schedule.xml.xsd")))


@pytest.fixture(scope="module")
def validator():
    schema = json.loads((REFERENCE / "schedule.json.schema").read_text())
    return jsonschema.Draft6Validator(schema, format_checker=jsonschema.FormatChecker())


def exported(document_sessions) -> dict[str, dict]:
    return {
        guid: {"title": title, "room": room, "start": start, "end": end, "speakers": speakers}
        for guid, title, room, start, end, speakers in document_sessions
    }


def _minutes(duration: str) -> int:
    hours, minutes = duration.split(":")[:2]
    return int(hours) * 60 + int(minutes)


def sessions_in_json(document: dict) -> dict[str, dict]:
    rows = []
    for day in document["schedule"]["conference"]["days"]:
        for room in day["rooms"].values():
            for e in room:
                start = dt.datetime.fromisoformat(e["date"]).astimezone(dt.UTC)
                end = start + dt.timedelta(minutes=_minutes(e["duration"]))
                names = [p["public_name"] for p in e["persons"]]
                rows.append((e["guid"], e["title"], e["room"], start, end, names))
    return exported(rows)


def sessions_in_xml(document) -> dict[str, dict]:
    rows = []
    for e in document.iter("event"):
        start = dt.datetime.fromisoformat(e.findtext("date")).astimezone(dt.UTC)
        end = start + dt.timedelta(minutes=_minutes(e.findtext("duration")))
        names = [p.text for p in e.iter("person")]
        rows.append((e.get("guid"), e.findtext("title"), e.findtext("room"), start, end, names))
    return exported(rows)


@pytest.mark.parametrize("name", CORPUS)
def test_each_corpus_file_survives_import_and_export(client, name, xsd, validator):
    schedule = parsed(name)
    admin = make_user(site_admin=True)
    event = importer.new_event_from_schedule(
        parsed=schedule, slug=f"corpus-{name.replace('.', '-')}", actor=admin, now=NOW
    )
    event.is_public = True  # a new event starts private; its feeds are public ones
    result = importer.import_schedule(
        parsed=schedule, event=event, actor=admin, now=NOW, release=True
    )
    db.session.commit()
    assert result.released == 1, result.not_released
    feeds.clear_cache()
    from_xml = sessions_in_xml(check_xml(xsd, client.get(f"/{event.slug}/schedule.xml").data))
    from_json = sessions_in_json(
        check_json(validator, client.get(f"/{event.slug}/schedule.json").data)
    )
    assert from_xml == from_json

    taken = [s for s in schedule.sessions if s.guid]
    assert taken, "every corpus file has sessions with a guid"
    for session in taken:
        out = from_json[session.guid]
        assert out["title"] == session.title
        assert out["room"] == session.room
        assert out["start"] == session.starts_at
        assert out["end"] == session.starts_at + dt.timedelta(minutes=session.duration_minutes)
        assert out["speakers"] == [p.name for p in session.persons]
    # Sessions the file gave no guid get one, and keep it when the file is imported again.
    assert len(from_json) == len(schedule.sessions)
    again = importer.preview_schedule(parsed=schedule, event=event, actor=admin)
    assert {line.action for line in again.lines} == {"keep"}


def test_the_session_across_the_change_to_summer_time_keeps_its_real_length(client):
    schedule = parsed("frab-schedule.json")
    night = next(s for s in schedule.sessions if s.title.startswith("Nachtschicht"))
    # 01:30 CET is 00:30 UTC; two hours later it is 02:30 UTC, 04:30 CEST (not 03:30).
    assert night.starts_at == dt.datetime(2027, 3, 28, 0, 30, tzinfo=dt.UTC)
    assert night.duration_minutes == 120
    admin = make_user(site_admin=True)
    event = importer.new_event_from_schedule(parsed=schedule, slug="bln27", actor=admin, now=NOW)
    event.is_public = True
    importer.import_schedule(parsed=schedule, event=event, actor=admin, now=NOW, release=True)
    db.session.commit()
    feeds.clear_cache()
    xml = client.get(f"/{event.slug}/schedule.xml").data.decode()
    assert "2027-03-28T01:30:00+01:00" in xml  # shown in Berlin's winter offset
    assert "Eröffnung &amp; Begrüßung &lt;Willkommen&gt;" in xml  # markup escaped, not lost
