"""The badges pages: organizers choose a layout and whose badges, the worker makes the PDF
(the request asks once and says it is being prepared), one person's reprint; an attendee's
own certificate; the public verification page."""

from __future__ import annotations

import pytest

from organizer.enums import EventRoleName
from organizer.queue import huey
from organizer.services.print import certificates, pdf
from tests.badges.conftest import confirmed
from tests.factories import grant_role, login_as, make_user
from tests.printed.conftest import page_texts
from tests.registration_factories import make_registration

INDEX = "/manage/badges-ws/badges/"
LIST = "/manage/badges-ws/badges/list.pdf"


@pytest.fixture
def worker(app, monkeypatch):
    """The queue as a site has it: a task waits for a worker (`worker.run()`)."""
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


def is_download(response, name: str) -> bool:
    return (
        response.status_code == 200
        and response.mimetype == "application/pdf"
        and response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
        and response.headers["X-Content-Type-Options"] == "nosniff"
        and response.headers["Cache-Control"] == "private, no-store"
    )


def test_the_page_offers_layouts_and_selections_and_sends_to_the_pdf(client, organizer, event):
    login_as(client, organizer)
    page = client.get(INDEX)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for text in ("A4, 8 badges per sheet", "US Letter, 6 badges per sheet", "One badge per page"):
        assert text in html
    assert 'checked id="layout-0" name="layout" required type="radio" value="a4-8"' in html
    chosen = client.get(
        INDEX, query_string={"layout": "letter-6", "selection": "speakers", "submit": "1"}
    )
    assert chosen.status_code == 302
    assert chosen.location.endswith(f"{LIST}?layout=letter-6&selection=speakers")
    wrong = client.get(INDEX, query_string={"layout": "a5-99", "selection": "all", "submit": "1"})
    assert wrong.status_code == 400
    assert "field--error" in wrong.get_data(as_text=True)


def test_the_worker_renders_the_list_and_the_request_serves_it(
    client, organizer, event, worker, print_cache, monkeypatch
):
    confirmed(event, 9)
    renders = []
    original = pdf.render
    monkeypatch.setattr(pdf, "render", lambda html, **kw: renders.append(1) or original(html, **kw))
    login_as(client, organizer)
    first = client.get(LIST, query_string={"layout": "a4-8", "selection": "all"})
    assert first.status_code == 202
    waiting = first.get_data(as_text=True)
    assert "The badge sheet is being prepared" in waiting
    assert "9 badges are being made" in waiting and "Back to the badges" in waiting
    assert client.get(LIST, query_string={"layout": "a4-8"}).status_code == 202  # asked once
    assert renders == [] and huey.pending_count() == 1
    assert worker.run() == 1
    ready = client.get(LIST, query_string={"layout": "a4-8", "selection": "all"})
    assert is_download(ready, "badges-ws-badges-a4-8.pdf")
    assert len(page_texts(ready.data)) == 2  # 9 people, 8 a sheet
    assert list(print_cache.glob("*-badges-*.pdf"))  # in the print cache, never in static/


def test_unknown_layout_or_selection_is_refused(client, organizer, event):
    login_as(client, organizer)
    assert client.get(LIST, query_string={"layout": "a5"}).status_code == 400
    assert client.get(LIST, query_string={"selection": "kind-x"}).status_code == 400


def test_one_persons_reprint(client, organizer, event):
    one = make_registration(event, name="Reprinted Rosa")
    confirmed(event, 3)
    login_as(client, organizer)
    single = client.get(f"/manage/badges-ws/badges/{one.public_id}.pdf")
    assert is_download(single, f"badges-ws-badge-{one.public_id[:8]}.pdf")
    assert len(page_texts(single.data)) == 1 and "ReprintedRosa" in page_texts(single.data)[0]
    sheet = client.get(f"/manage/badges-ws/badges/{one.public_id}.pdf?layout=letter-6")
    assert sheet.status_code == 200
    assert client.get("/manage/badges-ws/badges/nobody.pdf").status_code == 404


@pytest.mark.parametrize("role", [None, EventRoleName.CHECK_IN, EventRoleName.REVIEWER])
def test_only_organizers_get_badges(client, event, role):
    one = make_registration(event, name="Someone")
    person = make_user()
    if role is not None:
        grant_role(person, event, role)
    make_registration(event, person)
    login_as(client, person)
    for url in (INDEX, LIST, f"/manage/badges-ws/badges/{one.public_id}.pdf"):
        assert client.get(url).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, event):
    for url in (INDEX, LIST, "/badges-ws/registration/certificate.pdf"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.location


def test_an_attendee_gets_their_own_certificate_once_checked_in(client, event):
    person = make_user(name="Ana Lima")
    registration = make_registration(event, person)
    other = make_registration(event, name="Someone Else", checked_in=True)
    login_as(client, person)
    url = "/badges-ws/registration/certificate.pdf"
    assert client.get(url).status_code == 404  # not yet checked in; never someone else's
    registration.checked_in_at = other.checked_in_at
    response = client.get(url)
    assert is_download(response, "badges-ws-certificate-of-attendance.pdf")
    (text,) = page_texts(response.data)
    assert "AnaLima" in text and "SomeoneElse" not in text


def test_the_verification_page(client, event):
    came = make_registration(event, name="Came Along", checked_in=True)
    did_not = make_registration(event, name="Stayed Home")
    valid = client.get(f"/badges-ws/certificates/{certificates.token_of(came)}")
    html = valid.get_data(as_text=True)
    assert valid.status_code == 200
    assert "This certificate is real." in html and "Came Along" in html
    assert "Badge Workshop" in html
    assert came.user.email not in html and came.public_id not in html  # nothing beyond the print
    for token in (certificates.token_of(came) + "x", certificates.token_of(did_not)):
        refused = client.get(f"/badges-ws/certificates/{token}")
        assert refused.status_code == 404
        assert "This is not a valid certificate of attendance." in refused.get_data(as_text=True)
        assert "Came Along" not in refused.get_data(as_text=True)
