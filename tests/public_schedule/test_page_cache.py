"""The schedule page's sessions are rendered once and reused for a while
(services/schedule_page.py): the same HTML for everyone, each visitor's stars overlaid, a new
release shown at once, live rows (a room's name) after the while, and the page's one star form
working without JavaScript."""

from __future__ import annotations

import re

import pytest

from organizer.extensions import db
from organizer.services import lru, schedule_page
from organizer.services.scheduling import releases
from tests.factories import NOW, lisbon, login_as, make_talk
from tests.public_schedule import test_agenda
from tests.public_schedule.test_agenda import STARS

world = test_agenda.world  # Lisbon, three talks: One and Two on the 27th, Three on the 28th

DAY = "/lisbon/schedule/?day=2027-03-27"


@pytest.fixture
def reused(app):
    """The page's reuse switched on, as in production (the suite renders every request)."""
    schedule_page.clear_cache()
    app.config["PUBLIC_PAGE_CACHE_SECONDS"] = 60
    yield
    app.config["PUBLIC_PAGE_CACHE_SECONDS"] = 0
    schedule_page.clear_cache()


def pressed(html: str) -> set[str]:
    return set(re.findall(r'aria-pressed="true" data-code="(\w+)"', html))


def test_a_second_visit_reads_no_schedule(app, client, world, reused, queries):
    first = client.get(DAY)
    queries.clear()
    second = client.get(DAY)
    assert second.status_code == 200
    assert second.text == first.text
    # The event and the latest release's stamp; nothing of the sessions, rooms or speakers.
    assert len(queries) == 2, queries
    assert not [q for q in queries if re.search(r"\bFROM (room|speaker_profile|\"user\")", q)]


def test_each_visitor_sees_their_own_stars_on_the_same_html(app, world, reused):
    one, two = world["one"].code, world["two"].code
    alice, bob, stranger = app.test_client(), app.test_client(), app.test_client()
    token = alice.post(STARS, json={"code": one, "action": "star"}).json["token"]
    bob.post(STARS, json={"code": two, "action": "star"})

    alices, bobs, strangers = (b.get(DAY).text for b in (alice, bob, stranger))
    assert pressed(alices) == {one}
    assert pressed(bobs) == {two}
    assert pressed(strangers) == set()
    # Nobody's token is in anybody else's page.
    assert token in alices and token not in bobs and token not in strangers


def test_a_signed_in_visitor_sees_their_stars(client, world, reused):
    login_as(client, world["organizer"])
    three = world["three"].code
    client.post(STARS, data={"star": three, "next": "/lisbon/schedule/?day=2027-03-28"})
    page = client.get("/lisbon/schedule/?day=2027-03-28").text
    assert pressed(page) == {three}
    assert 'name="csrf_token"' in page


def test_the_page_form_stars_and_unstars_without_javascript(client, world, reused):
    one = world["one"].code
    page = client.get(DAY).text
    button = re.search(rf'<button form="star-form"[^>]*value="{one}">', page)
    assert button and 'name="star"' in button.group(0)
    assert re.search(r'<form id="star-form" method="post" action="/lisbon/agenda/stars"', page)

    starred = client.post(STARS, data={"star": one, "token": "", "next": DAY})
    assert starred.status_code == 302 and starred.headers["Location"].endswith(DAY)
    page = client.get(DAY).text
    assert pressed(page) == {one}
    assert re.search(rf'name="unstar" value="{one}"', page)

    client.post(STARS, data={"unstar": one, "next": DAY})
    assert pressed(client.get(DAY).text) == set()


def test_a_new_release_shows_at_once(client, world, reused):
    assert "Four" not in client.get(DAY).text
    event = world["event"]
    make_talk(event, title="Four", room=world["one"].room, starts_at=lisbon(27, 12))
    releases.release(event=event, actor=world["organizer"], now=NOW.replace(minute=5))
    db.session.commit()
    assert "Four" in client.get(DAY).text


def test_a_renamed_room_shows_after_the_while(client, world, reused, monkeypatch):
    assert "Aula" in client.get(DAY).text
    world["one"].room.name = "Great Hall"
    db.session.commit()
    assert "Great Hall" not in client.get(DAY).text  # reused, as a shared cache would
    later = lru.time.monotonic() + 61
    monkeypatch.setattr(lru.time, "monotonic", lambda: later)
    assert "Great Hall" in client.get(DAY).text


def test_with_no_reuse_every_request_renders(app, client, world):
    assert app.config["PUBLIC_PAGE_CACHE_SECONDS"] == 0
    client.get(DAY)
    world["one"].room.name = "Great Hall"
    db.session.commit()
    assert "Great Hall" in client.get(DAY).text
