"""Smoke tests of the printed programme: the booklet renders for a small released event and
for the demo, through the route and the command, and is cached. The thorough checks (page
numbers, fonts, scripts, escaping, images) live in the other tests of this folder."""

from __future__ import annotations

from organizer.extensions import db
from organizer.services.demo import load_demo, read_fixture
from organizer.services.events import event_by_slug
from organizer.services.print import booklet as booklets
from organizer.services.public_schedule import public_schedule_of
from tests.factories import NOW, login_as, make_schedule_event, make_user
from tests.printed.conftest import SCRIPT_TITLE, page_texts, reader, squash


def test_the_booklet_of_a_released_event_is_a_pdf_with_every_session(client, released):
    event = released["event"]

    response = client.get(f"/{event.slug}/programme.pdf")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == 'inline; filename="printed-programme.pdf"'
    pdf = reader(response.data)
    assert pdf.metadata.title.startswith("Printed Workshop")
    text = "".join(page_texts(response.data))
    for talk in released["talks"]:
        if talk["title"] != SCRIPT_TITLE:
            assert squash(talk["title"]) in text
    assert squash("<script>alert(1)</script>") in text  # printed as text, not markup
    outline = [item.title for item in pdf.outline if not isinstance(item, list)]
    assert "Sessions" in outline
    days = next(item for item in pdf.outline if isinstance(item, list) and len(item) == 2)
    assert [day.title for day in days] == ["Saturday 27 March", "Sunday 28 March"]


def test_the_booklet_is_cached_and_revalidated_by_etag(client, released, print_cache):
    url = f"/{released['event'].slug}/programme.pdf"
    first = client.get(url)
    assert len(list(print_cache.glob("*.pdf"))) == 1

    again = client.get(url, headers={"If-None-Match": first.headers["ETag"].strip('"')})

    assert again.status_code == 304
    made = booklets.booklet(released["event"], now=NOW)
    assert made.cached and made.pdf == first.data


def test_the_large_print_has_its_own_file_and_more_pages(client, released):
    url = f"/{released['event'].slug}/programme.pdf"
    standard = client.get(url)
    large = client.get(url + "?edition=large")

    assert large.status_code == 200
    assert large.headers["ETag"] != standard.headers["ETag"]
    assert "large-print" in large.headers["Content-Disposition"]
    assert len(reader(large.data).pages) > len(reader(standard.data).pages)


def test_no_booklet_before_the_first_release_or_for_an_unknown_edition(client, released):
    organizer = make_user(email="early@example.org")
    early = make_schedule_event(organizer, slug="early")
    early.is_public = True
    db.session.flush()

    assert client.get(f"/{early.slug}/programme.pdf").status_code == 404
    assert client.get("/printed/programme.pdf?edition=huge").status_code == 404
    assert client.get("/nowhere/programme.pdf").status_code == 404


def test_a_draft_event_has_no_booklet_for_outsiders(client, released):
    event = released["event"]
    event.is_public = False
    db.session.flush()

    assert client.get(f"/{event.slug}/programme.pdf").status_code == 404
    login_as(client, released["organizer"])
    assert client.get(f"/{event.slug}/programme.pdf").status_code == 200


def test_the_demo_programme_renders_every_session(app):
    load_demo(data=read_fixture(), now=NOW)
    event = event_by_slug("mangrove-2027")
    schedule = public_schedule_of(event)

    made = booklets.booklet(event, now=NOW)

    text = "".join(page_texts(made.pdf))
    assert made.pages == len(reader(made.pdf).pages) > 8
    for session in schedule.sessions:
        assert squash(session.title) in text


def test_the_command_writes_the_pdf(app, released, tmp_path):
    out = tmp_path / "booklet.pdf"

    result = app.test_cli_runner().invoke(args=["programme", "printed", "-o", str(out), "--large"])

    assert result.exit_code == 0, result.output
    assert "pages" in result.output
    assert out.read_bytes().startswith(b"%PDF")
    missing = app.test_cli_runner().invoke(args=["programme", "nowhere", "-o", str(out)])
    assert missing.exit_code != 0
