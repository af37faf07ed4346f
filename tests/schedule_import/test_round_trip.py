"""Round trip: an event's schedule exported by this site's frab exporter (XML and JSON),
imported into a fresh event and exported again, validates against the published c3voc schemas
and keeps every session, room, time, speaker and guid."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import jsonschema
import pytest
from lxml import etree
from sqlalchemy import select, update

from organizer.enums import PlenaryKind, SlotKind
from organizer.extensions import db
from organizer.models import Slot, Track
from organizer.services import feeds
from organizer.services.imports import schedule as importer
from organizer.services.imports.schedule_formats import read_schedule
from organizer.services.scheduling import releases
from tests.factories import (
    NOW,
    lisbon,
    make_event,
    make_room,
    make_schedule_event,
    make_slot,
    make_talk,
    make_user,
)
from tests.feeds.test_frab import REFERENCE, check_json, check_xml

TRICKY = 'Mapas, redes; e "aspas"\nsegunda linha 地図と網 Ελληνικά العربية'


@pytest.fixture(scope="module")
def xsd():
    return etree.XMLSchema(etree.parse(str(REFERENCE / "schedule.xml.xsd")))


@pytest.fixture(scope="module")
def validator():
    schema = json.loads((REFERENCE / "schedule.json.schema").read_text())
    return jsonschema.Draft6Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.fixture(autouse=True)
def _fresh_caches():
    feeds.clear_cache()
    yield
    feeds.clear_cache()


@pytest.fixture
def source(app):
    organizer = make_user(name="Olga Organizer")
    event = make_schedule_event(organizer, slug="lisbon-source", name="Lisbon Workshop")
    aula = make_room(event, "Aula Magna", position=0)
    sala = make_room(event, "Σάλα Τέζο", position=1)
    methods, applications = (
        db.session.query(Track).filter_by(event_id=event.id).order_by(Track.position).all()
    )
    ana, bo, li = make_user(name="Ana Lima"), make_user(name="Bo Chen"), make_user(name="李娜")
    make_talk(event, ana, title="Saturday talk", track=methods, room=aula, starts_at=lisbon(27, 10))
    make_talk(
        event,
        bo,
        title=TRICKY,
        track=applications,
        room=sala,
        starts_at=lisbon(28, 10),
        co_speakers=(li,),
    )
    make_talk(event, li, title="Late", type_name="Tutorial", room=sala, starts_at=lisbon(27, 16))
    make_slot(
        event,
        kind=SlotKind.PLENARY,
        title="Lunch",
        plenary_kind=PlenaryKind.LUNCH,
        all_rooms=True,
        room=aula,
        starts_at=lisbon(27, 13),
        duration_minutes=60,
    )
    db.session.commit()
    releases.release(event=event, actor=organizer, now=NOW, comment="")
    db.session.commit()
    return event


def sessions_of_json(data: bytes) -> dict[str, dict]:
    conference = json.loads(data)["schedule"]["conference"]
    return {
        e["guid"]: {
            "title": e["title"],
            "room": e["room"],
            "start": dt.datetime.fromisoformat(e["date"]).astimezone(dt.UTC),
            "duration": e["duration"],
            "speakers": [p["public_name"] for p in e["persons"]],
        }
        for day in conference["days"]
        for room in day["rooms"].values()
        for e in room
    }


def sessions_of_xml(data: bytes, xsd_) -> dict[str, dict]:
    document = check_xml(xsd_, data)
    return {
        e.get("guid"): {
            "title": e.findtext("title"),
            "room": e.findtext("room"),
            "start": dt.datetime.fromisoformat(e.findtext("date")).astimezone(dt.UTC),
            "duration": e.findtext("duration"),
            "speakers": [p.text for p in e.iter("person")],
        }
        for e in document.iter("event")
    }


def as_if_from_another_instance(event) -> None:
    """The exported event lives elsewhere: its slots' public ids are not taken here."""
    for slot_id in db.session.scalars(select(Slot.id).filter_by(event_id=event.id)):
        db.session.execute(
            update(Slot).where(Slot.id == slot_id).values(public_id=str(uuid.uuid4()))
        )
    db.session.commit()


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_round_trip_keeps_every_session_room_time_speaker_and_guid(
    client,
    source,
    fmt,
    xsd,
    validator,
):
    original_xml = client.get(f"/{source.slug}/schedule.xml").data
    original_json = client.get(f"/{source.slug}/schedule.json").data
    check_json(validator, original_json)
    before = sessions_of_xml(original_xml, xsd)
    assert before == sessions_of_json(original_json) and len(before) == 4
    as_if_from_another_instance(source)
    organizer = make_user()
    target = make_event(organizer=organizer, slug="berlin-target", timezone="Europe/Berlin")
    data = original_xml if fmt == "xml" else original_json
    result = importer.import_schedule(
        parsed=read_schedule(data), event=target, actor=organizer, now=NOW, release=True
    )
    db.session.commit()
    assert result.released == 1 and not result.preview.skipped
    feeds.clear_cache()
    again_xml = client.get(f"/{target.slug}/schedule.xml").data
    again_json = client.get(f"/{target.slug}/schedule.json").data
    check_json(validator, again_json)
    assert sessions_of_xml(again_xml, xsd) == before  # guids, titles, rooms, instants, speakers
    assert sessions_of_json(again_json) == before
    rooms = [r["name"] for r in json.loads(again_json)["schedule"]["conference"]["rooms"]]
    assert rooms == ["All rooms", "Aula Magna", "Σάλα Τέζο"]
    # Shown in the new event's zone: the same instant, Berlin's offset.
    assert b"2027-03-27T11:00:00+01:00" in again_xml
    # Importing the export back changes nothing.
    second = importer.preview_schedule(
        parsed=read_schedule(again_xml), event=target, actor=organizer
    )
    assert {line.action for line in second.lines} == {"keep"}


def test_on_the_same_site_guids_taken_by_the_source_are_replaced_stably(client, source):
    exported = client.get(f"/{source.slug}/schedule.json").data
    organizer = make_user()
    target = make_event(organizer=organizer, slug="copy-here")
    preview = importer.preview_schedule(
        parsed=read_schedule(exported), event=target, actor=organizer
    )
    assert all("another event" in line.detail for line in preview.lines if line.kind == "session")
    importer.import_schedule(parsed=read_schedule(exported), event=target, actor=organizer, now=NOW)
    db.session.commit()
    guids = set(db.session.scalars(select(Slot.public_id).filter_by(event_id=target.id)))
    assert guids == {importer.local_guid(target, g) for g in sessions_of_json(exported)}
    importer.import_schedule(parsed=read_schedule(exported), event=target, actor=organizer, now=NOW)
    db.session.commit()
    assert set(db.session.scalars(select(Slot.public_id).filter_by(event_id=target.id))) == guids
