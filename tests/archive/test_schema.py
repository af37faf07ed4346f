"""The archive's JSON Schema: committed, versioned, and what every exported document obeys."""

from __future__ import annotations

import io
import json
import zipfile

import jsonschema
import pytest
from sqlalchemy import select, text

from organizer.extensions import db
from organizer.models import Event
from organizer.services.archive import content, package
from organizer.services.demo import load_demo, read_fixture
from tests.factories import NOW


def test_the_committed_schema_is_the_one_the_models_give():
    """A model change that changes a document fails here: regenerate the schema and, when a
    document's shape changed, bump content.VERSION (docs/import-export-archive.md)."""
    committed = json.loads(package.SCHEMA_PATH.read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(content.build_schema()))
    jsonschema.Draft202012Validator.check_schema(committed)
    assert committed["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert package.SCHEMA_PATH.name == f"event-archive-{content.VERSION}.schema.json"


@pytest.fixture
def demo_archive(app) -> tuple[Event, zipfile.ZipFile]:
    load_demo(data=read_fixture(), now=NOW)
    event = db.session.scalar(select(Event).where(Event.slug == "mangrove-2027"))
    return event, zipfile.ZipFile(io.BytesIO(package.archive_of(event, now=NOW)))


def test_every_document_of_the_demo_validates(demo_archive):
    _, zf = demo_archive
    names = [n for n in zf.namelist() if n.endswith(".json")]
    assert set(names) == package.DOCUMENT_NAMES
    for name in names:
        document = json.loads(zf.read(name))
        errors = list(package.validator_for(package.definition_of(name)).iter_errors(document))
        assert errors == [], (name, errors[:1])
    manifest = json.loads(zf.read("manifest.json"))
    assert manifest["event"] == "mangrove-2027"
    assert manifest["currency"] == "EUR"
    assert manifest["exported_at"].endswith("Z")


def test_money_is_integer_minor_units_and_times_are_utc(demo_archive):
    _, zf = demo_archive
    grants = json.loads(zf.read("grants.json"))["tables"]
    assert grants["grant_award"] and all(isinstance(a["total"], int) for a in grants["grant_award"])
    assert all(isinstance(p["amount"], int) for p in grants["payout"])
    slots = json.loads(zf.read("schedule.json"))["tables"]["slot"]
    placed = [s for s in slots if s["starts_at"]]
    assert placed and all(s["starts_at"].endswith("Z") for s in placed)
    assert all(s["public_id"] for s in slots)


def test_no_survey_response_leaves_the_instance(demo_archive):
    event, zf = demo_archive
    # Read straight from the table: tests reach survey models only through the service.
    responses = db.session.scalars(
        text("SELECT public_id FROM survey_response WHERE event_id = :event"), {"event": event.id}
    ).all()
    assert responses, "the demo has survey responses to keep out"
    everything = b"".join(zf.read(n) for n in zf.namelist() if n.endswith(".json"))
    for table in ("survey_response", "survey_answer", "survey_link"):
        assert table.encode() not in everything
    for public_id in responses:
        assert public_id.encode() not in everything
    representation = json.loads(zf.read("representation.json"))
    assert representation["questions"]
    for question in representation["questions"]:
        for row in question["rows"]:
            for cell in row["cells"]:
                assert (cell["count"] is None) == (cell["status"] != "published"), cell
            assert row["status"] == "published" or not row["cells"]


def test_only_people_referred_to_are_in_people_json(demo_archive):
    _, zf = demo_archive
    people = json.loads(zf.read("people.json"))["people"]
    keys = {p["key"] for p in people}
    referred = set()
    for name in package.DOCUMENT_NAMES - {"manifest.json", "representation.json"}:
        referred |= {f"p{i}" for i in content.person_ids(json.loads(zf.read(name)))}
    assert keys == referred
    assert set(people[0]) == {"key", "display_name", "email", "pronouns"}
    assert b"password" not in zf.read("people.json")
