"""HTTP: conditional GET, caching headers, the agenda feed, bad input, drafts, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from organizer.extensions import db
from organizer.services import agendas
from tests.factories import NOW, lisbon, make_talk
from tests.feeds.conftest import release


def test_200_then_304_on_if_none_match_and_if_modified_since(client, world):
    url = f"/{world['event'].slug}/schedule.ics"
    first = client.get(url)
    assert first.status_code == 200
    assert first.headers["Cache-Control"] in ("public, max-age=300", "max-age=300, public")
    assert first.last_modified == world["release"].released_at.replace(microsecond=0)
    tag = first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": tag}).status_code == 304
    assert client.get(url, headers={"If-None-Match": f"W/{tag}"}).status_code == 304
    since = first.headers["Last-Modified"]
    assert client.get(url, headers={"If-Modified-Since": since}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


@pytest.mark.parametrize("header", ['"unclosed', "garbage,,;", "W/", '*"x"', "\x7f"])
def test_a_malformed_if_none_match_gets_a_plain_200(client, world, header):
    response = client.get(f"/{world['event'].slug}/schedule.ics", headers={"If-None-Match": header})
    assert response.status_code in (200, 304)
    if header != '*"x"':
        assert response.status_code == 200


def test_a_new_release_changes_the_etag_and_last_modified(client, world):
    url = f"/{world['event'].slug}/schedule.json"
    first = client.get(url)
    make_talk(
        world["event"], title="Late addition", room=world["rooms"][1], starts_at=lisbon(27, 15)
    )
    db.session.commit()
    release(world["event"], world["organizer"], now=world["later"])
    second = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    assert second.headers["ETag"] != first.headers["ETag"]
    assert second.last_modified > first.last_modified
    assert "Late addition" in second.get_data(as_text=True)


def test_the_agenda_feed_holds_the_starred_sessions_and_nothing_personal(client, world):
    event = world["event"]
    saturday, sunday = world["talks"]
    agenda = agendas.create(event=event, now=NOW, user=world["speakers"][0])
    released = {saturday.code, sunday.code}
    agendas.star(event=event, agenda=agenda, code=saturday.code, released=released, now=NOW)
    db.session.commit()
    url = f"/{event.slug}/agenda/{agenda.token}.ics"
    response = client.get(url)
    assert response.status_code == 200
    assert "private" in response.headers["Cache-Control"]
    text = response.get_data(as_text=True)
    assert agenda.token not in text and "Ana Lima" not in text.split("SUMMARY")[0]
    assert agenda.token not in response.headers["ETag"]
    summaries = [str(v["SUMMARY"]) for v in Calendar.from_ical(response.data).walk("VEVENT")]
    assert summaries == ["Saturday talk"]
    tag = response.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": tag}).status_code == 304
    agendas.star(
        event=event, agenda=agenda, code=sunday.code, released=released, now=NOW + dt.timedelta(1)
    )
    db.session.commit()
    again = client.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 200 and len(Calendar.from_ical(again.data).walk("VEVENT")) == 2
    old = agenda.token
    agendas.replace_token(agenda=agenda, now=NOW)
    db.session.commit()
    assert client.get(f"/{event.slug}/agenda/{old}.ics").status_code == 404


@pytest.mark.parametrize(
    "suffix",
    [
        "schedule/track/no-such-track.ics",
        "schedule/room/no-such-room.ics",
        "speaker/ZZZZZZ.ics",
        "talk/ZZZZZZ.ics",
        "agenda/not-a-real-token-at-all.ics",
        "agenda/x.ics",
    ],
)
def test_unknown_addresses_are_plain_404s(client, world, suffix):
    response = client.get(f"/{world['event'].slug}/{suffix}")
    assert response.status_code == 404
    assert response.mimetype == "text/plain"


def test_a_draft_event_and_an_unknown_event_are_404(client, world):
    world["event"].is_public = False
    db.session.commit()
    for suffix in ("schedule.ics", "schedule.xml", "schedule.json"):
        assert client.get(f"/{world['event'].slug}/{suffix}").status_code == 404
        assert client.get(f"/no-such-event/{suffix}").status_code == 404


def test_before_the_first_release(client, app):
    from tests.factories import make_schedule_event

    event = make_schedule_event(slug="unreleased")
    db.session.commit()
    calendar = client.get(f"/{event.slug}/schedule.ics")
    assert calendar.status_code == 200
    parsed = Calendar.from_ical(calendar.data)
    assert parsed.walk("VEVENT") == [] and len(parsed.walk("VTIMEZONE")) == 1
    for suffix in ("schedule.xml", "schedule.json", "talk/ABCDEF.ics"):
        response = client.get(f"/{event.slug}/{suffix}")
        assert response.status_code == 404 and b"published" in response.data


def test_a_304_is_answered_with_one_query(client, world, queries):
    url = f"/{world['event'].slug}/schedule.xml"
    tag = client.get(url).headers["ETag"]
    queries.clear()
    assert client.get(url, headers={"If-None-Match": tag}).status_code == 304
    assert len([q for q in queries if "schedule_release" in q]) == 1
    assert "sessions" not in next(q for q in queries if "schedule_release" in q).split("FROM")[0]


def test_query_counts_do_not_grow_with_the_schedule(client, world, assert_constant_queries):
    from organizer.services import feeds

    event = world["event"]
    aula, sala = world["rooms"]
    methods, _ = world["tracks"]
    speaker_code = __import__("tests.feeds.test_ical", fromlist=["x"])._speaker_code(world)
    hour = iter(range(11, 18))

    def grow():
        h = next(hour)
        make_talk(event, world["speakers"][0], track=methods, room=aula, starts_at=lisbon(27, h))
        make_talk(event, track=methods, room=sala, starts_at=lisbon(27, h))
        db.session.commit()
        release(event, world["organizer"], now=world["later"] + dt.timedelta(hours=h))
        feeds.clear_cache()

    urls = [
        f"/{event.slug}/schedule.ics",
        f"/{event.slug}/schedule.xml",
        f"/{event.slug}/schedule.json",
        f"/{event.slug}/schedule/track/{methods.slug}.ics",
        f"/{event.slug}/schedule/room/{aula.slug}.ics",
        f"/{event.slug}/speaker/{speaker_code}.ics",
    ]
    assert_constant_queries(urls, grow)


def _vary(response) -> set[str]:
    return {v.strip().lower() for v in response.headers.get("Vary", "").split(",") if v.strip()}


def test_public_feeds_do_not_vary_by_cookie_and_private_ones_do(client, world):
    """A public feed is the same for everyone: with `Vary: Cookie` a shared cache would keep
    one copy per visitor. The agenda's feed and a draft event's stay private, per cookie."""
    from tests.factories import login_as, make_user
    from tests.feeds.test_ical import urls

    event = world["event"]
    public = [*urls(world).values(), f"/{event.slug}/schedule.xml", f"/{event.slug}/schedule.json"]
    agenda = agendas.create(event=event, now=NOW)
    db.session.commit()
    private = f"/{event.slug}/agenda/{agenda.token}.ics"

    for url in public:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "cookie" not in _vary(response), url
        assert "public" in response.headers["Cache-Control"], url
        assert "Set-Cookie" not in response.headers, url
        again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304 and "cookie" not in _vary(again), url
    response = client.get(private)
    assert "cookie" in _vary(response) and "private" in response.headers["Cache-Control"]
    # Signed in, the same bytes; but a response that sets the session's cookie is the
    # visitor's: private, and still varying by cookie. Never public with a Set-Cookie.
    login_as(client, make_user(name="Someone Signed In"))
    for url in public:
        response = client.get(url)
        assert response.status_code == 200, url
        if "Set-Cookie" in response.headers:
            assert "private" in response.headers["Cache-Control"], url
            assert "public" not in response.headers["Cache-Control"], url
            assert "cookie" in _vary(response), url
        else:
            assert "cookie" not in _vary(response), url
            assert "public" in response.headers["Cache-Control"], url
    event.is_public = False
    db.session.commit()
    login_as(client, world["organizer"])
    draft = client.get(public[0])
    assert draft.status_code == 200
    assert "cookie" in _vary(draft) and "private" in draft.headers["Cache-Control"]
