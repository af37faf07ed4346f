"""The archive's pages: organizers export (the worker makes the zip, the page offers it), site
admins upload one to import, and the command line does both."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select

from organizer.enums import EventRoleName
from organizer.extensions import db
from organizer.models import Event, EventRole
from organizer.services.archive import package
from tests.factories import (
    NOW,
    grant_role,
    login_as,
    make_cfp,
    make_event,
    make_proposal,
    make_user,
)


def _event() -> Event:
    event = make_event(slug="pages-2027")
    make_cfp(event)
    make_proposal(event)
    return event


def test_organizers_make_and_download_the_archive(client):
    event = _event()
    organizer = make_user()
    grant_role(organizer, event, EventRoleName.ORGANIZER)
    login_as(client, organizer)
    page = client.get("/manage/pages-2027/")
    assert b"/manage/pages-2027/export/" in page.data
    first = client.get("/manage/pages-2027/export/")
    assert first.status_code == 200 and b"No archive has been made yet" in first.data
    assert client.get("/manage/pages-2027/export/archive.zip").status_code == 302
    made = client.post("/manage/pages-2027/export/", follow_redirects=True)
    assert made.status_code == 200 and b"Download the archive" in made.data
    download = client.get("/manage/pages-2027/export/archive.zip")
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/zip"
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["Cache-Control"] == "private, no-store"
    names = zipfile.ZipFile(io.BytesIO(download.data)).namelist()
    assert "manifest.json" in names and "proposals.json" in names


def test_reviewers_and_strangers_cannot_export(client):
    event = _event()
    reviewer = make_user()
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    login_as(client, reviewer)
    assert client.get("/manage/pages-2027/export/").status_code == 403
    assert client.post("/manage/pages-2027/export/").status_code == 403
    assert client.get("/manage/pages-2027/export/archive.zip").status_code == 403


def test_a_site_admin_imports_an_archive_into_a_new_event(client):
    event = _event()
    archive = package.archive_of(event, now=NOW)
    admin = make_user(site_admin=True)
    login_as(client, admin)
    assert b"/manage/import-event/" in client.get("/manage/").data
    assert client.get("/manage/import-event/").status_code == 200
    response = client.post(
        "/manage/import-event/",
        data={"archive": (io.BytesIO(archive), "pages.zip"), "slug": "pages-copy"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    status = client.get(response.headers["Location"])
    assert status.status_code == 200
    assert b"/manage/pages-copy/" in status.data
    copy = db.session.scalar(select(Event).where(Event.slug == "pages-copy"))
    assert copy is not None
    assert db.session.scalar(
        select(EventRole).where(EventRole.event_id == copy.id, EventRole.user_id == admin.id)
    )
    # the status page belongs to whoever uploaded
    other = make_user(site_admin=True)
    login_as(client, other)
    assert client.get(response.headers["Location"]).status_code == 404


def test_a_refused_archive_says_why(client):
    login_as(client, make_user(site_admin=True))
    response = client.post(
        "/manage/import-event/",
        data={"archive": (io.BytesIO(b"not a zip"), "x.zip"), "slug": ""},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert b"was not imported" in response.data and b"not a zip" in response.data


def test_no_file_is_an_error_on_the_field(client):
    login_as(client, make_user(site_admin=True))
    response = client.post("/manage/import-event/", data={"slug": "x-2027"})
    assert response.status_code == 400
    assert b"Choose an archive to upload" in response.data


def test_organizers_who_are_not_site_admins_cannot_import(client):
    event = _event()
    organizer = make_user()
    grant_role(organizer, event, EventRoleName.ORGANIZER)
    login_as(client, organizer)
    assert client.get("/manage/import-event/").status_code == 403
    assert b"/manage/import-event/" not in client.get("/manage/").data


def test_the_command_line_exports_and_imports(app, tmp_path):
    event = _event()
    db.session.commit()
    out = tmp_path / "pages.zip"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["export-event", "pages-2027", str(out)])
    assert result.exit_code == 0, result.output
    assert zipfile.is_zipfile(out)
    organizer = make_user(email="cli@example.org")
    db.session.commit()
    result = runner.invoke(
        args=["import-event", str(out), "--slug", "pages-cli", "--organizer", "cli@example.org"]
    )
    assert result.exit_code == 0, result.output
    copy = db.session.scalar(select(Event).where(Event.slug == "pages-cli"))
    assert copy is not None and copy.name == event.name
    assert {r.user_id for r in copy.roles if r.role is EventRoleName.ORGANIZER} >= {organizer.id}
    again = runner.invoke(args=["import-event", str(out), "--slug", "pages-cli"])
    assert again.exit_code != 0 and "already uses" in again.output
    missing = runner.invoke(args=["export-event", "nowhere", str(out)])
    assert missing.exit_code != 0 and "No event" in missing.output


def test_an_unexpected_failure_is_reported_not_left_waiting(app, monkeypatch):
    from organizer.services.archive import jobs

    admin = make_user(site_admin=True)
    token = jobs.keep_archive_for_import(data=b"PK whatever", actor=admin)

    def broken(**_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(package, "import_event", broken)
    with pytest.raises(RuntimeError):  # the error reaches the queue too
        jobs.run_archive_import(token, "", admin.id, now=NOW)
    state = jobs.import_state(token=token, actor=admin)
    assert state["state"] == "refused" and "unexpectedly" in state["message"]
