"""The representation report's PDF is rendered by the queue worker, never in the request: the
first request asks for it and answers 202 with a page that says it is being prepared (and
offers the last report made, labelled as older), the next one after the worker's turn gets
the file from the print cache. Its name changes with anything the report shows. Only the
event's organizers get it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask_babel import force_locale
from pypdf import PdfReader

from organizer.enums import EventRoleName
from organizer.errors import PermissionDenied
from organizer.extensions import db
from organizer.queue import huey
from organizer.services.print import pdf
from organizer.services.representation import report_files, survey_setup
from tests.factories import (
    NOW,
    grant_role,
    login_as,
    make_application,
    make_cfp,
    make_event,
    make_programme,
    make_user,
)
from tests.representation.test_dashboard_views import fill, text

URL = "/manage/ws-2027/representation/report.pdf"


@pytest.fixture
def organizer():
    return make_user()


@pytest.fixture
def event(organizer):
    event = make_event(organizer=organizer, slug="ws-2027", name="Workshop 2027")
    make_cfp(event)
    survey_setup.ensure_survey(actor=organizer, event=event, now=NOW)
    return event


@pytest.fixture(autouse=True)
def print_cache(app, tmp_path, monkeypatch) -> Path:
    """Each test renders into its own cache folder (ids repeat across rolled-back tests)."""
    monkeypatch.setitem(app.config, "PRINT_CACHE_DIR", str(tmp_path / "print"))
    return tmp_path / "print"


@pytest.fixture
def worker(app, monkeypatch):
    """The queue as a site has it: a task waits for a worker instead of running in the
    request. `worker.run()` is the worker's turn: it runs what waits, and says how many."""
    monkeypatch.setattr(app.extensions["organizer.queue"], "immediate", False)
    huey.flush()

    class Worker:
        @staticmethod
        def run() -> int:
            ran = 0
            while (task := huey.dequeue()) is not None:
                huey.execute(task)
                ran += 1
            return ran

    yield Worker
    huey.flush()


@pytest.fixture
def renders(monkeypatch) -> list[int]:
    """Counts WeasyPrint's renders (what must not happen in a request)."""
    calls: list[int] = []
    original = pdf.render

    def counted(html: str, **kwargs):
        calls.append(1)
        return original(html, **kwargs)

    monkeypatch.setattr(pdf, "render", counted)
    return calls


def pdf_text(data: bytes) -> str:
    pages = PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join((page.extract_text() or "").split()) for page in pages)


def test_the_request_asks_the_worker_then_serves_its_file(
    client, organizer, event, worker, renders, print_cache
):
    fill(event, yes=15, no=3, silent=2)
    login_as(client, organizer)
    first = client.get(URL)
    assert first.status_code == 202
    page = text(first.get_data(as_text=True))
    assert "The representation report is being prepared" in page
    assert "answers as they are now" in page
    assert "Back to the report" in page
    assert "Open the last report made" not in page  # none was made before
    assert "js/preparing.js" in first.get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="5">' in first.get_data(as_text=True)
    assert first.headers["Retry-After"] == "5"
    assert "no-store" in first.headers["Cache-Control"]
    assert client.get(URL).status_code == 202  # still waiting: asked once, not twice
    assert renders == []  # no request rendered
    assert huey.pending_count() == 1

    assert worker.run() == 1
    assert len(renders) == 1
    ready = client.get(URL)
    assert ready.status_code == 200
    assert ready.mimetype == "application/pdf"
    assert ready.headers["Cache-Control"] == "private, no-store"
    assert ready.headers["Content-Disposition"] == (
        'inline; filename="ws-2027-representation-report.pdf"'
    )
    content = pdf_text(ready.data)
    assert "Methodology" in content and "k = 10" in content
    # In the print cache, never under static/.
    files = sorted(print_cache.glob("*.pdf"))
    assert len(files) == 1 and files[0].read_bytes() == ready.data
    assert not list(Path(client.application.static_folder).rglob("*representation*.pdf"))
    assert len(renders) == 1 and huey.pending_count() == 0  # served, not rendered again


def test_the_pdf_says_what_the_page_says_with_small_counts_suppressed(
    client, organizer, event, worker, exact_counts
):
    fill(event, yes=15, no=3, silent=2)
    login_as(client, organizer)
    assert client.get(URL).status_code == 202
    worker.run()
    content = pdf_text(client.get(URL).data)
    # With k = 10 for the public report, 15 yes of 20 is hidden (5 others < 10).
    assert "fewer than 10" in content
    assert "versions of the consent text, and records which: 1" in content


def test_new_answers_give_a_new_report_and_the_older_one_is_offered_meanwhile(
    client, organizer, event, worker
):
    fill(event, yes=15, no=3, silent=2)
    login_as(client, organizer)
    client.get(URL)
    worker.run()
    before = client.get(URL).data
    fill(event, yes=4, no=0, silent=0)
    db.session.commit()
    waiting = client.get(URL)
    assert waiting.status_code == 202
    body = waiting.get_data(as_text=True)
    assert "Open the last report made now (older: it does not count the latest answers" in body
    assert "previous=1" in body
    older = client.get(URL + "?previous=1")
    assert older.status_code == 200 and older.data == before
    assert older.headers["Cache-Control"] == "private, no-store"
    assert "representation-report-older.pdf" in older.headers["Content-Disposition"]
    worker.run()
    newer = client.get(URL)
    assert newer.status_code == 200 and newer.data != before


def test_no_previous_report_is_a_404(client, organizer, event, worker):
    login_as(client, organizer)
    assert client.get(URL + "?previous=1").status_code == 404


def test_the_name_changes_with_what_the_report_shows(organizer, event, worker):
    older = make_event(organizer=organizer, slug="ws-2026", name="Workshop 2026")
    survey_setup.ensure_survey(actor=organizer, event=older, now=NOW)
    fill(event, yes=15, no=3, silent=2)

    def key(pooled=()):
        return report_files.wanted(actor=organizer, event=event, pooled=list(pooled)).key

    first = key()
    assert key() == first  # the same data: the same name
    fill(event, yes=1, no=0, silent=0)  # one more answer
    after_answer = key()
    assert after_answer != first
    survey_setup.set_target(
        actor=organizer,
        event=event,
        question_key="first_time",
        option_key="yes",
        stage_key="respondents",
        percent=40,
        now=NOW,
    )
    after_target = key()
    assert after_target != after_answer
    assert key([older]) != after_target  # pooled with another edition
    with force_locale("pt"):
        assert key() != after_target  # another language
    assert key() == after_target


def test_only_organizers_get_the_report(client, organizer, event, worker):
    fill(event, yes=15, no=3, silent=2)
    login_as(client, organizer)
    client.get(URL)
    worker.run()
    assert client.get(URL).status_code == 200
    fill(event, yes=2, no=0, silent=0)
    db.session.commit()
    assert client.get(URL).status_code == 202  # so that an older file exists, too
    worker.run()

    reviewer, grant_reviewer, applicant = make_user(), make_user(), make_user()
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    grant_role(grant_reviewer, event, EventRoleName.GRANT_REVIEWER)
    make_application(make_programme(event), applicant)
    stranger = make_user()
    for person in (reviewer, grant_reviewer, applicant, stranger):
        login_as(client, person)
        for url in (URL, URL + "?previous=1"):
            response = client.get(url)
            assert response.status_code in (403, 404), (person, url)
            assert not response.data.startswith(b"%PDF")
        with pytest.raises(PermissionDenied):
            report_files.wanted(actor=person, event=event, pooled=[])
        with pytest.raises(PermissionDenied):
            report_files.previous(actor=person, event=event, pooled=[])
    assert huey.pending_count() == 0  # and nobody else's visit asked for a render


def test_an_edition_the_organizer_cannot_see_is_not_pooled(client, organizer, event, worker):
    stranger = make_user()
    theirs = make_event(organizer=stranger, slug="other-ws")
    survey_setup.ensure_survey(actor=stranger, event=theirs, now=NOW)
    fill(event, yes=15, no=3, silent=2)
    with pytest.raises(PermissionDenied):
        report_files.wanted(actor=organizer, event=event, pooled=[theirs])
    login_as(client, organizer)
    client.get(URL + "?editions=other-ws&mode=pool")
    task = huey.dequeue()
    assert task.args[1] == []  # the worker is asked for the report of this event alone
