"""The import pages: upload a file (type and size checked), see the preview (nothing written),
confirm as a draft or released; give an address, which the worker fetches (a private one is
refused with the reason); only organizers reach them, and another event's import is not found."""

from __future__ import annotations

import io
from html import unescape

import pytest
from sqlalchemy import func, select

from organizer.enums import EventRoleName
from organizer.extensions import db
from organizer.models import ScheduleImport, ScheduleRelease, Slot
from organizer.services.imports import schedule_uploads
from tests.factories import NOW, grant_role, login_as, make_event, make_user
from tests.schedule_import.conftest import corpus


def page(event, suffix: str = "") -> str:
    return f"/manage/{event.slug}/import/schedule/{suffix}"


def upload(client, event, data: bytes, name: str = "schedule.json"):
    return client.post(
        page(event),
        data={"upload-file": (io.BytesIO(data), name), "upload-upload": "Upload and preview"},
        content_type="multipart/form-data",
    )


def slots(event) -> int:
    return db.session.scalar(select(func.count()).select_from(Slot).filter_by(event_id=event.id))


def test_upload_preview_then_confirm_as_released(client, target, organizer):
    login_as(client, organizer)
    dashboard = client.get(f"/manage/{target.slug}/")
    assert page(target).encode() in dashboard.data
    form = client.get(page(target))
    assert form.status_code == 200 and b'name="upload-file"' in form.data
    response = upload(client, target, corpus("frab.xml"), "schedule.xml")
    assert response.status_code == 302
    record = db.session.scalar(select(ScheduleImport))
    assert record.state == "ready" and response.location.endswith(
        page(target, f"{record.public_id}/")
    )
    preview = client.get(response.location)
    text = unescape(preview.get_data(as_text=True))
    assert preview.status_code == 200 and slots(target) == 0  # nothing written yet
    assert "day 1, room 大ホール, «Broken start»</strong>: its start time could not be read" in text
    assert "Opening keynote: 地図と網" in text and 'name="mode"' in text
    done = client.post(response.location, data={"mode": "release", "confirm": "Import"})
    assert done.status_code == 302
    assert "Imported and released as version 1." in unescape(
        client.get(done.location).get_data(as_text=True)
    )
    assert slots(target) == 4
    assert db.session.scalar(select(func.count()).select_from(ScheduleRelease)) == 1
    record = db.session.scalar(select(ScheduleImport))
    assert record.state == "applied" and record.content is None
    # Confirming twice does not import twice.
    again = client.post(response.location, data={"mode": "draft", "confirm": "Import"})
    assert again.status_code == 409 and slots(target) == 4


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"title,start\nA,10:00\n", "talks.csv", "Choose a schedule.xml or schedule.json file."),
        (b"<html></html>", "schedule.xml", "The XML has no &lt;schedule&gt; root"),
        (b"{not json", "schedule.json", "The file is not valid JSON"),
    ],
)
def test_files_that_are_no_schedule_are_refused_next_to_the_field(
    client, target, organizer, data, name, message
):
    login_as(client, organizer)
    response = upload(client, target, data, name)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert 'id="upload-file-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ScheduleImport)) == 0


def test_a_file_over_the_limit_is_refused(client, target, organizer, monkeypatch):
    monkeypatch.setattr(schedule_uploads, "MAX_BYTES", 100)
    login_as(client, organizer)
    response = upload(client, target, corpus("pretalx.json"))
    assert response.status_code == 400 and "larger than" in response.get_data(as_text=True)


def test_an_address_inside_the_network_is_fetched_by_the_worker_and_refused(
    client, target, organizer
):
    login_as(client, organizer)
    response = client.post(
        page(target),
        data={"address-url": "http://127.0.0.1:9/schedule.json", "address-fetch": "Fetch"},
    )
    assert response.status_code == 302  # the worker (immediate in tests) has run
    record = db.session.scalar(select(ScheduleImport))
    assert record.state == "failed" and "private network (127.0.0.1)" in record.error
    shown = client.get(response.location)
    assert "private network (127.0.0.1)" in shown.get_data(as_text=True)
    assert 'http-equiv="refresh"' not in shown.get_data(as_text=True)
    refused = client.post(
        page(target), data={"address-url": "file:///etc/passwd", "address-fetch": "Fetch"}
    )
    assert refused.status_code == 400
    assert "Only http:// and https://" in unescape(refused.get_data(as_text=True))


def test_a_fetched_file_gets_its_preview(app, target, organizer, monkeypatch):
    record = schedule_uploads.start_from_url(
        event=target, actor=organizer, url="https://pretalx.example.org/s.json", now=NOW
    )
    db.session.commit()
    monkeypatch.setattr(
        schedule_uploads.fetch, "fetch_limited", lambda url, **kw: corpus("pretalx.json")
    )
    state = schedule_uploads.fetch_and_preview(public_id=record.public_id, now=lambda: NOW)
    assert state == "ready"
    record = db.session.scalar(select(ScheduleImport))
    assert record.preview["timezone"] == "Europe/Lisbon" and len(record.preview["skipped"]) == 4
    assert slots(target) == 0


@pytest.mark.parametrize("role", [None, EventRoleName.REVIEWER])
def test_only_organizers(client, target, role):
    someone = make_user()
    if role is not None:
        grant_role(someone, target, role)
    login_as(client, someone)
    assert client.get(page(target)).status_code == 403
    assert upload(client, target, corpus("frab.xml")).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(ScheduleImport)) == 0


def test_another_events_import_is_not_found(client, target, organizer):
    record = schedule_uploads.start_from_file(
        event=target, actor=organizer, filename="s.xml", data=corpus("frab.xml"), now=NOW
    )
    db.session.commit()
    other = make_event(organizer=organizer)
    login_as(client, organizer)
    assert client.get(page(other, f"{record.public_id}/")).status_code == 404
    assert (
        client.post(page(other, f"{record.public_id}/"), data={"mode": "draft"}).status_code == 404
    )
    assert client.get(page(target, f"{record.public_id}/")).status_code == 200
