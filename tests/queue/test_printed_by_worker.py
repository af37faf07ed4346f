"""Printed matter is rendered by the worker: a first visit gets a page that says the file is
being prepared (and reloads), then the file; a release has its files rendered at once; while
a new release's file is being made, the previous one is offered. The organizers' representation
report is rendered the same way."""

from __future__ import annotations

import sqlite3
import time

import pytest
import sqlalchemy as sa

from organizer import tasks
from organizer.extensions import db
from organizer.services.print import booklet as booklets
from organizer.services.print import preparation, signs
from organizer.services.representation import survey_setup
from organizer.services.scheduling import releases
from tests.conftest import TestClient as OwnContextClient
from tests.factories import (
    NOW,
    lisbon,
    login_as,
    make_cfp,
    make_event,
    make_room,
    make_schedule_event,
    make_talk,
    make_user,
)
from tests.queue.conftest import running_worker, wait_until
from tests.representation.test_dashboard_views import fill


@pytest.fixture
def event(in_queue_app):
    organizer = make_user(name="Olga Organizer", email="olga.queue@example.org")
    event = make_schedule_event(organizer, slug="queued-print", name="Queued Print Workshop")
    room = make_room(event, "Aula Magna", position=0)
    for hour in (9, 10, 11):
        make_talk(
            event, make_user(), title=f"Talk at {hour}", room=room, starts_at=lisbon(27, hour)
        )
    db.session.flush()
    releases.release(event=event, actor=organizer, now=NOW, comment="")
    db.session.commit()
    event.organizer_for_test, event.room_for_test = organizer, room
    return event


def test_the_first_visit_is_told_the_file_is_being_prepared_then_gets_it(
    in_queue_app, event, tmp_path
):
    client = in_queue_app.test_client()
    first = client.get("/queued-print/programme.pdf")
    assert first.status_code == 202
    page = first.get_data(as_text=True)
    assert "The programme is being prepared" in page
    # Without JavaScript it reloads itself; with it, preparing.js checks in the background.
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page
    assert "js/preparing.js" in page
    assert first.headers["Retry-After"] == "5"
    assert "previous version" not in page  # there is none
    assert client.get("/queued-print/programme.pdf").status_code == 202  # still waiting
    assert client.get("/queued-print/signs.pdf").status_code == 202

    with running_worker(in_queue_app, log=tmp_path / "worker.log"):
        wait_until(
            lambda: client.get("/queued-print/programme.pdf").status_code == 200,
            what="the booklet",
            timeout=180,  # a fresh worker loads WeasyPrint and its fonts first
        )
        wait_until(
            lambda: client.get("/queued-print/signs.pdf").status_code == 200,
            what="the signs",
            timeout=180,
        )
    ready = client.get("/queued-print/programme.pdf")
    assert ready.mimetype == "application/pdf" and ready.data.startswith(b"%PDF")
    # Two visits before the worker started asked for one rendering, not two.
    log = (tmp_path / "worker.log").read_text()
    assert log.count("Executing organizer.tasks.render_print") == 2, log


def test_a_release_has_its_files_rendered_and_meanwhile_offers_the_previous_ones(
    in_queue_app, event, tmp_path
):
    client = in_queue_app.test_client()
    with running_worker(in_queue_app, log=tmp_path / "worker.log"):
        started = time.monotonic()
        preparation.ready_after_release(event)  # what the release page does after its commit
        wait_until(
            lambda: (
                all(
                    booklets.cached_booklet(event, edition=edition) for edition in booklets.EDITIONS
                )
                and signs.cached_signs(event)
            ),
            what="both booklets and the signs",
            timeout=180,
        )
        print(f"release to ready files: {time.monotonic() - started:.1f} s")
        assert client.get("/queued-print/programme.pdf?edition=large").status_code == 200

    # A second release while no worker runs: its booklet is not there yet.
    db.session.commit()  # a new request: the reads above were another one's
    make_talk(event, make_user(), title="Late", room=event.room_for_test, starts_at=lisbon(27, 14))
    db.session.flush()
    releases.release(event=event, actor=event.organizer_for_test, now=NOW, comment="one more")
    db.session.commit()
    waiting = client.get("/queued-print/programme.pdf")
    assert waiting.status_code == 202
    assert "Open the previous version now" in waiting.get_data(as_text=True)
    previous = client.get("/queued-print/programme.pdf?previous=1")
    assert previous.status_code == 200 and previous.data.startswith(b"%PDF")
    assert client.get("/queued-print/signs.pdf?previous=1").status_code == 200


def test_rendering_reads_while_another_process_holds_the_write_lock(in_queue_app, queue_app, event):
    """A render only reads: on SQLite it must not wait for (or take) the write lock, or two
    renders of a large event side by side fail with "database is locked" (found at 1,000
    sessions, where the large print's render waited 30 s for the standard one's)."""
    url = sa.make_url(queue_app.config["SQLALCHEMY_DATABASE_URI"])
    if queue_app.config["QUEUE_BACKEND"] != "sqlite" or url.get_backend_name() != "sqlite":
        pytest.skip("about SQLite's locks, on a SQLite database: once is enough")
    path = url.database
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # as a long writing task would
    try:
        started = time.monotonic()
        tasks.render_print.call_local("signs", event.id, "", "en", "rendering:test")
        assert time.monotonic() - started < 20  # the busy timeout is 30 s
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert signs.cached_signs(event) is not None


def test_the_representation_report_is_rendered_by_the_worker(in_queue_app, tmp_path):
    """The organizers' representation report: asked for by the request (202), rendered by the
    worker under the name the request gave it (the same HTML in another process), then
    served."""
    organizer = make_user(name="Olga Organizer", email="olga.report@example.org")
    event = make_event(organizer=organizer, slug="queued-report", name="Queued Report")
    make_cfp(event)
    survey_setup.ensure_survey(actor=organizer, event=event, now=NOW)
    fill(event, yes=15, no=3, silent=2)
    db.session.commit()
    # Each request in an application context of its own (as in production): the answers
    # above left an anonymous user in this one's.
    client = OwnContextClient(in_queue_app)
    login_as(client, organizer)
    url = "/manage/queued-report/representation/report.pdf"
    first = client.get(url)
    assert first.status_code == 202, first.location
    assert "The representation report is being prepared" in first.get_data(as_text=True)
    with running_worker(in_queue_app, log=tmp_path / "worker.log"):
        wait_until(lambda: client.get(url).status_code == 200, what="the report", timeout=180)
    ready = client.get(url)
    assert ready.data.startswith(b"%PDF")
    assert ready.headers["Cache-Control"] == "private, no-store"
    log = (tmp_path / "worker.log").read_text()
    assert log.count("Executing organizer.tasks.render_representation_report") == 1, log
