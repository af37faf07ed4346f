"""The public list of schedule changes: what it shows (and hides), draft events, conditional
GETs, and queries that do not grow with the releases."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from werkzeug.http import http_date

from organizer.enums import ProposalState
from organizer.services.scheduling import releases
from tests.factories import (
    NOW,
    lisbon,
    login_as,
    make_room,
    make_schedule_event,
    make_talk,
    make_user,
)


@pytest.fixture
def world():
    organizer = make_user(name="Olga Organizer", email="olga@example.org")
    event = make_schedule_event(organizer, slug="lisbon", name="Lisbon Workshop")
    return organizer, event, make_room(event, "Aula", position=0), make_room(event, "Sala")


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())


URL = "/lisbon/schedule/changes/"


def test_the_public_sees_every_release_and_what_changed(client, world):
    organizer, event, aula, sala = world
    speaker = make_user(name="Ana Lima", email="ana.lima@example.org")
    moving = make_talk(event, speaker, title="Moving talk", room=aula, starts_at=lisbon(27, 10))
    quitting = make_talk(event, title="Quitting talk", room=sala, starts_at=lisbon(27, 11))
    releases.release(event=event, actor=organizer, now=NOW, comment="The first draft.")
    moving.starts_at, moving.room_id = lisbon(28, 10), sala.id
    quitting.proposal.state = ProposalState.CANCELLED
    releases.release(
        event=event, actor=organizer, now=NOW + dt.timedelta(days=1), comment="Sunday move."
    )

    response = client.get(URL)

    assert response.status_code == 200
    html = response.text
    page = text_of(html)
    assert "<title>Schedule changes \N{EN DASH} Lisbon Workshop" in html
    assert page.index("Version 2") < page.index("Version 1")  # newest first
    assert "Sunday move." in page and "The first draft." in page
    assert "The first published schedule, with 2 sessions." in page
    assert (
        "New time and room: “Moving talk” Was: Sat 27 Mar, 10:00\N{EN DASH}10:20, Aula "
        "Now: Sun 28 Mar, 10:00\N{EN DASH}10:20, Sala"
    ) in page
    assert "Cancelled: “Quitting talk” Was: Sat 27 Mar, 11:00\N{EN DASH}11:20, Sala" in page
    assert "Europe/Lisbon" in page
    # No addresses, no names of who released, no internal ids.
    for secret in ("ana.lima@example.org", "olga@example.org", "Olga Organizer", "slot_id"):
        assert secret not in html
    assert f">{moving.id}<" not in html
    # The programme's tab bar, this tab current (issue 16, bug 6).
    assert re.search(r'<a href="/lisbon/schedule/changes/" aria-current="page">Changes</a>', html)
    assert '<a href="/lisbon/schedule/">Schedule</a>' in html


def test_empty_state(client, world):
    response = client.get(URL)
    assert response.status_code == 200
    assert "The schedule has not been published yet" in response.text
    assert "Last-Modified" not in response.headers


def test_a_draft_event_is_not_found_for_outsiders(client, world):
    organizer, event, aula, _sala = world
    event.is_public = False
    make_talk(event, title="Secret", room=aula, starts_at=lisbon(27, 10))
    releases.release(event=event, actor=organizer, now=NOW)
    assert client.get(URL).status_code == 404
    login_as(client, make_user())
    assert client.get(URL).status_code == 404
    login_as(client, organizer)
    response = client.get(URL)
    assert response.status_code == 200 and "Version 1" in response.text
    assert "Draft: only the event" in response.text
    assert response.headers["Cache-Control"] == "no-store"  # a signed-in page stays private
    assert client.get("/nope/schedule/changes/").status_code == 404


def test_conditional_get(client, world):
    organizer, event, aula, _sala = world
    slot = make_talk(event, title="Cached", room=aula, starts_at=lisbon(27, 10))
    releases.release(event=event, actor=organizer, now=NOW)

    first = client.get(URL)
    assert first.status_code == 200
    assert first.headers["Last-Modified"] == http_date(NOW)
    etag = first.headers["ETag"]
    assert "public" in first.headers["Cache-Control"]
    assert client.get(URL).data == first.data  # the same bytes, so the same ETag

    again = client.get(URL, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    since = client.get(URL, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304

    slot.starts_at = lisbon(27, 11)
    later = NOW + dt.timedelta(hours=2)
    releases.release(event=event, actor=organizer, now=later)
    changed = client.get(URL, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.headers["Last-Modified"] == http_date(later)
    modified = client.get(URL, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert modified.status_code == 200


def test_queries_do_not_grow_with_releases_or_sessions(client, world, assert_constant_queries):
    organizer, event, aula, sala = world
    hours = iter(range(9, 18))
    stamps = iter(NOW + dt.timedelta(hours=n) for n in range(100))

    def grow():
        at = next(hours)
        for room in (aula, sala):
            make_talk(event, title=f"Talk {room.name} {at}", room=room, starts_at=lisbon(27, at))
        releases.release(event=event, actor=organizer, now=next(stamps), comment=f"At {at}")

    assert_constant_queries([URL], grow)
