"""frab XML and JSON: valid against the published c3voc schemas, on awkward text and on the
demo workshop, with stable ids and guids."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from lxml import etree

from organizer.services.demo import load_demo, read_fixture
from organizer.services.exports.frab import acronym_of
from tests.factories import NOW
from tests.feeds.conftest import TRICKY

REFERENCE = Path(__file__).resolve().parents[1] / "reference"  # tests/reference, see its README


@pytest.fixture(scope="module")
def xsd():
    return etree.XMLSchema(etree.parse(str(REFERENCE / "schedule.xml.xsd")))


@pytest.fixture(scope="module")
def validator():
    schema = json.loads((REFERENCE / "schedule.json.schema").read_text())
    return jsonschema.Draft6Validator(schema, format_checker=jsonschema.FormatChecker())


def check_xml(xsd, data: bytes):
    document = etree.fromstring(data)
    assert xsd.validate(document), xsd.error_log
    return document


def check_json(validator, data: bytes):
    document = json.loads(data)
    errors = sorted(validator.iter_errors(document), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    return document


def test_xml_is_valid_and_says_everything(client, world, xsd):
    response = client.get(f"/{world['event'].slug}/schedule.xml")
    assert response.status_code == 200
    assert response.content_type == "application/xml; charset=utf-8"
    document = check_xml(xsd, response.data)
    assert document.findtext("conference/acronym") == "lisbon_feeds"
    assert document.findtext("conference/time_zone_name") == "Europe/Lisbon"
    events = {e.findtext("title"): e for e in document.iter("event")}
    assert set(events) == {"Saturday talk", TRICKY, "Lunch"}
    saturday = events["Saturday talk"]
    talk = world["talks"][0]
    assert saturday.get("guid") == talk.public_id and saturday.get("id") == str(talk.id)
    assert saturday.get("code") == talk.code
    assert saturday.findtext("date") == "2027-03-27T10:00:00+00:00"
    assert events[TRICKY].findtext("date") == "2027-03-28T10:00:00+01:00"  # summer time
    assert saturday.findtext("start") == "10:00" and saturday.findtext("duration") == "00:20"
    assert saturday.findtext("room") == "Aula Magna" and saturday.findtext("track") == "Methods"
    assert [p.text for p in saturday.iter("person")] == ["Ana Lima"]
    assert events["Lunch"].findtext("room") == "All rooms"
    # What frab and pretalx fill, and apps read (pyfahrplan, Giggity, EventFahrplan).
    assert document.findtext("conference/base_url") == "http://organizer.test/"
    (person,) = saturday.iter("person")
    assert int(person.get("id")) > 0 and person.get("guid")
    other = next(events[TRICKY].iter("person"))
    assert other.get("id") != person.get("id")
    assert saturday.findtext("recording/license") == ""
    assert saturday.findtext("recording/optout") == "false"
    assert saturday.find("links") is not None and saturday.find("attachments") is not None


def test_json_is_valid_and_says_everything(client, world, validator):
    response = client.get(f"/{world['event'].slug}/schedule.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    document = check_json(validator, response.data)
    conference = document["schedule"]["conference"]
    assert conference["acronym"] == "lisbon_feeds" and conference["daysCount"] == 2
    events = {
        e["title"]: e for day in conference["days"] for room in day["rooms"].values() for e in room
    }
    assert events[TRICKY]["title"] == TRICKY  # quotes, newline, emoji, CJK and Greek intact
    assert TRICKY.encode() in response.data.replace(b"\\n", b"\n").replace(b'\\"', b'"')
    assert events["Saturday talk"]["persons"][0]["name"] == "Ana Lima"
    assert events["Saturday talk"]["guid"] == world["talks"][0].public_id
    # What frab and pretalx fill, and apps read: pyfahrplan shows `public_name`.
    assert document["schedule"]["base_url"] == "http://organizer.test/"
    rooms = conference["rooms"]
    assert [r["name"] for r in rooms] == ["All rooms", "Aula Magna", "Sala Tejo"]
    aula = world["rooms"][0]
    assert rooms[1] == {
        "name": "Aula Magna",
        "guid": aula.public_id,
        "slug": aula.slug,
        "capacity": aula.capacity,
    }
    used = {e["room"] for e in events.values()}
    assert used <= {r["name"] for r in rooms}
    (person,) = events["Saturday talk"]["persons"]
    assert person["public_name"] == "Ana Lima"
    assert "biography" in person and person["guid"] and person["code"]
    assert "id" not in person  # pretalx's person: the schema takes frab's (id) or pretalx's (name)
    for event in events.values():
        assert event["links"] == [] and event["attachments"] == []
        assert event["do_not_record"] is False and event["recording_license"] == ""


def test_the_demo_exports_are_valid(client, app, xsd, validator):
    load_demo(data=read_fixture(), now=NOW)
    for slug in ("mangrove-2027", "mangrove-2026"):
        xml = client.get(f"/{slug}/schedule.xml")
        document = check_xml(xsd, xml.data)
        assert len(list(document.iter("event"))) >= 10
        data = check_json(validator, client.get(f"/{slug}/schedule.json").data)
        guids = [
            e["guid"]
            for day in data["schedule"]["conference"]["days"]
            for room in day["rooms"].values()
            for e in room
        ]
        assert len(guids) == len(set(guids)) == len(list(document.iter("event")))


@pytest.mark.parametrize(
    ("slug", "acronym"), [("mangrove-2027", "mangrove_2027"), ("ab", "ab__"), ("A.B c", "a_b_c")]
)
def test_acronyms_fit_both_schemas(slug, acronym):
    assert acronym_of(slug) == acronym
