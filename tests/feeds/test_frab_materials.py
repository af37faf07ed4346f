"""A talk's slides and recordings in the frab XML and JSON: links and attachments with their
titles, absolute addresses and types, valid against the c3voc schemas, and there as soon as
they are added (no new release: the ETag changes, the stored exports are written again)."""

from __future__ import annotations

import io

from organizer.extensions import db
from organizer.services import materials
from tests.factories import NOW
from tests.feeds.test_frab import check_json, check_xml, validator, xsd  # noqa: F401
from tests.materials.conftest import PDF


def add_materials(world):
    talk = world["talks"][0]
    speaker = world["speakers"][0]
    added = [
        materials.add_material(
            actor=speaker,
            proposal=talk.proposal,
            data=materials.MaterialInput(
                kind="recording", title="Video & <notes>", url="https://media.example.org/v?a=1&b=2"
            ),
            now=NOW,
        ),
        materials.add_material(
            actor=world["organizer"],
            proposal=talk.proposal,
            data=materials.MaterialInput(
                kind="slides",
                title="Slides (PDF)",
                file=materials.FileInput(io.BytesIO(PDF), "slides.pdf"),
            ),
            now=NOW,
        ),
    ]
    db.session.commit()
    return talk, added


def events_of(document):
    conference = document["schedule"]["conference"]
    return {
        e["title"]: e for day in conference["days"] for room in day["rooms"].values() for e in room
    }


def test_json_has_links_and_attachments_without_a_new_release(client, world, validator):  # noqa: F811
    url = f"/{world['event'].slug}/schedule.json"
    first = client.get(url)
    assert events_of(check_json(validator, first.data))["Saturday talk"]["links"] == []
    talk, (_video, slides) = add_materials(world)
    second = client.get(url)
    assert second.headers["ETag"] != first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 200
    saturday = events_of(check_json(validator, second.data))["Saturday talk"]
    assert saturday["links"] == [
        {"title": "Video & <notes>", "url": "https://media.example.org/v?a=1&b=2", "type": "media"}
    ]
    assert saturday["attachments"] == [
        {
            "title": "Slides (PDF)",
            "url": f"http://organizer.test/{world['event'].slug}/talk/{talk.code}/materials/"
            f"{slides.public_id}/slides.pdf",
            "type": "slides",
        }
    ]
    with client.get(saturday["attachments"][0]["url"]) as served:
        assert served.status_code == 200 and served.data == PDF


def test_xml_has_links_and_attachments(client, world, xsd):  # noqa: F811
    talk, (_video, slides) = add_materials(world)
    document = check_xml(xsd, client.get(f"/{world['event'].slug}/schedule.xml").data)
    saturday = next(e for e in document.iter("event") if e.findtext("title") == "Saturday talk")
    (link,) = saturday.findall("links/link")
    assert link.get("href") == "https://media.example.org/v?a=1&b=2"
    assert link.text == "Video & <notes>" and link.get("type") == "media"
    (attachment,) = saturday.findall("attachments/attachment")
    assert attachment.text == "Slides (PDF)"
    assert attachment.get("href").endswith(
        f"/talk/{talk.code}/materials/{slides.public_id}/slides.pdf"
    )
    assert attachment.get("href").startswith("http://organizer.test/")
    others = [e for e in document.iter("event") if e.findtext("title") != "Saturday talk"]
    assert all(not e.findall("links/link") and not e.findall("attachments/*") for e in others)


def test_a_release_writes_them_into_its_stored_exports(world):
    from organizer.services.public_schedule import stamp_of
    from tests.feeds.conftest import release

    talk, _added = add_materials(world)
    talk.proposal.title = "Saturday talk, revised"  # a release needs a change of its own
    db.session.commit()
    made = release(world["event"], world["organizer"], now=world["later"])
    assert stamp_of(world["event"]).release_id == made.id
    assert "Slides (PDF)" in made.frab_json and "Video &amp; &lt;notes&gt;" in made.frab_xml
