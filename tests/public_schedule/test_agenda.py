"""Starring sessions and "my agenda": anonymous agendas (cookie and token address), accounts,
JSON and plain forms, the browser's sync, replacing the address, overlaps, and stars feeding
the expected audience."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from organizer.enums import ProposalState
from organizer.extensions import db
from organizer.models import Agenda
from organizer.services import agendas
from organizer.services.scheduling import releases
from organizer.services.scheduling.plan import build_plan
from tests.factories import (
    NOW,
    lisbon,
    login_as,
    make_room,
    make_schedule_event,
    make_talk,
    make_user,
)

STARS = "/lisbon/agenda/stars"


@pytest.fixture
def world():
    organizer = make_user(name="Olga Organizer", email="olga@example.org")
    event = make_schedule_event(organizer, slug="lisbon", name="Lisbon Workshop")
    aula, sala = make_room(event, "Aula", position=0), make_room(event, "Sala", position=1)
    one = make_talk(event, title="One", room=aula, starts_at=lisbon(27, 10))
    two = make_talk(event, title="Two", room=sala, starts_at=lisbon(27, 10, 10))
    three = make_talk(event, title="Three", room=aula, starts_at=lisbon(28, 10))
    releases.release(event=event, actor=organizer, now=NOW)
    for slot in (one, two, three):
        db.session.refresh(slot)
    return {"event": event, "organizer": organizer, "one": one, "two": two, "three": three}


def cookie(client) -> str | None:
    found = client.get_cookie("agenda_lisbon", domain="organizer.test")
    return found.value if found else None


def test_anonymous_star_creates_an_agenda_and_a_cookie(client, world):
    one, two = world["one"].code, world["two"].code
    response = client.post(STARS, json={"code": one, "action": "star"})
    assert response.status_code == 200
    token = response.json["token"]
    assert response.json["codes"] == [one] and response.json["starred"] is True
    assert cookie(client) == token
    header = response.headers["Set-Cookie"]
    assert "SameSite=Lax" in header and "HttpOnly" not in header and "Max-Age=31536000" in header
    # The second star goes into the same agenda (the cookie, or the token sent).
    again = client.post(STARS, json={"code": two, "action": "star", "token": token})
    assert again.json["token"] == token and sorted(again.json["codes"]) == sorted([one, two])
    assert db.session.query(Agenda).count() == 1
    unstar = client.post(STARS, json={"code": one, "action": "unstar", "token": token})
    assert unstar.json["codes"] == [two]
    assert agendas.starred_codes(agendas.by_token(world["event"], token)) == {two}


def test_a_plain_form_stars_and_redirects_back(client, world):
    code = world["one"].code
    response = client.post(
        STARS, data={"code": code, "action": "star", "token": "", "next": "/lisbon/schedule/"}
    )
    assert response.status_code == 302 and response.location == "/lisbon/schedule/"
    token = cookie(client)
    assert token
    html = client.get("/lisbon/schedule/?day=2027-03-27").text
    assert re.search(r'aria-pressed="true" data-code="' + code, html)
    assert "Starred" in html
    # An outside `next` is not followed.
    evil = client.post(STARS, data={"code": code, "action": "unstar", "next": "//evil.example"})
    assert evil.location == "/lisbon/agenda/"


def test_stars_of_sessions_not_in_the_latest_release_are_refused(client, world):
    event, organizer = world["event"], world["organizer"]
    later = make_talk(event, title="Not released", room=None, starts_at=None)
    db.session.refresh(later)
    assert client.post(STARS, json={"code": later.code, "action": "star"}).status_code == 404
    assert client.post(STARS, json={"code": "NOPE", "action": "star"}).status_code == 404
    assert client.post(STARS, json={"code": world["one"].code, "action": "x"}).status_code == 404
    response = client.post(STARS, data={"code": "NOPE", "action": "star"})
    assert response.status_code == 302  # a flash message, back to the agenda; never a 500
    # A session cancelled in a later release can no longer be starred.
    world["one"].proposal.state = ProposalState.CANCELLED
    releases.release(event=event, actor=organizer, now=NOW + dt.timedelta(hours=1))
    assert client.post(STARS, json={"code": world["one"].code}).status_code == 404
    assert db.session.query(Agenda).count() == 0


def test_sync_replaces_the_stars(client, world):
    one, two, three = (world[k].code for k in ("one", "two", "three"))
    token = client.post(STARS, json={"code": one}).json["token"]
    url = f"/lisbon/agenda/{token}/sync"
    response = client.post(url, json={"codes": [two, three, "NOPE"]})
    assert response.status_code == 200 and sorted(response.json["codes"]) == sorted([two, three])
    assert agendas.starred_codes(agendas.by_token(world["event"], token)) == {two, three}
    assert client.post(url, json={"codes": "x"}).status_code == 400
    assert client.post(url, json=[1]).status_code == 400
    assert (
        client.post("/lisbon/agenda/" + "y" * 30 + "/sync", json={"codes": []}).status_code == 404
    )


def test_the_agenda_page_lists_stars_by_day_with_overlaps(client, world):
    one, two, three = (world[k].code for k in ("one", "two", "three"))
    token = client.post(STARS, json={"code": one}).json["token"]
    client.post(f"/lisbon/agenda/{token}/sync", json={"codes": [one, two, three]})
    for url in (f"/lisbon/agenda/{token}/", "/lisbon/agenda/"):  # the cookie names it too
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.text
        assert "private" in response.headers["Cache-Control"]
        assert html.index("Saturday 27 March") < html.index("Sunday 28 March")
        assert "1 overlap" in html
        assert "“One” (Sat 10:00) overlaps “Two” (Sat 10:10)" in html.replace("&#34;", '"')
        assert f"/lisbon/agenda/{token}/replace" in html
        assert "Anyone with these links" in html
        assert f'href="webcal://organizer.test/lisbon/agenda/{token}.ics"' in html


def test_replacing_the_address_makes_the_old_one_404(client, world):
    token = client.post(STARS, json={"code": world["one"].code}).json["token"]
    page = client.get(f"/lisbon/agenda/{token}/replace")
    assert page.status_code == 200 and "stop working" in page.text
    response = client.post(f"/lisbon/agenda/{token}/replace", data={})
    assert response.status_code == 302
    new = cookie(client)
    assert new and new != token and response.location == f"/lisbon/agenda/{new}/"
    assert client.get(f"/lisbon/agenda/{token}/").status_code == 404
    assert client.get(f"/lisbon/agenda/{token}/replace").status_code == 404
    assert client.get(f"/lisbon/agenda/{new}/").status_code == 200
    assert agendas.starred_codes(agendas.by_token(world["event"], new)) == {world["one"].code}


def test_a_signed_in_persons_stars_are_tied_to_their_account(client, world):
    person = make_user(email="pat@example.org")
    login_as(client, person)
    response = client.post(STARS, json={"code": world["one"].code})
    assert response.status_code == 200
    assert cookie(client) is None  # the account keeps it
    agenda = agendas.of_user(world["event"], person)
    assert agenda is not None and agendas.starred_codes(agenda) == {world["one"].code}
    client.post(STARS, json={"code": world["two"].code, "token": "somebody-elses-token-xx"})
    assert agendas.starred_codes(agendas.of_user(world["event"], person)) == {
        world["one"].code,
        world["two"].code,
    }
    html = client.get("/lisbon/agenda/").text
    assert "One" in html and "Two" in html and "1 overlap" in html


def test_the_agenda_page_without_stars_explains(client, world):
    response = client.get("/lisbon/agenda/")
    assert response.status_code == 200
    assert "Star the sessions you want to attend" in response.text


def test_star_counts_raise_the_expected_audience(client, world):
    slot = world["one"]
    before = build_plan(world["event"]).sessions[slot.id].expected_audience or 0
    for _n in range(3):
        client.delete_cookie("agenda_lisbon", domain="organizer.test")  # another visitor
        client.post(STARS, json={"code": slot.code})
    assert db.session.query(Agenda).count() == 3
    after = build_plan(world["event"]).sessions[slot.id].expected_audience
    assert after is not None and after >= before + 3


def test_agenda_queries_do_not_grow(client, world, assert_constant_queries):
    event, organizer = world["event"], world["organizer"]
    token = client.post(STARS, json={"code": world["one"].code}).json["token"]
    hours = iter(range(11, 18))
    stamps = iter(NOW + dt.timedelta(hours=n) for n in range(1, 50))

    def grow():
        at = next(hours)
        aula = world["one"].room
        make_talk(event, title=f"More {at}", room=aula, starts_at=lisbon(27, at))
        releases.release(event=event, actor=organizer, now=next(stamps))
        released = {s for s in agendas.starred_codes(agendas.by_token(event, token))}
        from organizer.services.public_schedule import public_schedule_of
        from organizer.services.public_schedule_pages import released_codes

        codes = released_codes(public_schedule_of(event))
        agendas.replace_stars(
            event=event,
            agenda=agendas.by_token(event, token),
            codes=codes | released,
            released=codes,
            now=NOW,
        )

    assert_constant_queries([f"/lisbon/agenda/{token}/", "/lisbon/agenda/"], grow)
