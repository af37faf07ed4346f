"""Public pages shared caches may keep: no cookie for anonymous visitors, `public, max-age`
with `Vary: Cookie`; private as soon as something in the page is the visitor's; and the star
posts those pages make, CSRF-protected without the session (blueprints/_caching.py)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from organizer.extensions import db
from organizer.models import Agenda
from tests.factories import login_as, make_event, make_user
from tests.public_schedule import test_agenda
from tests.public_schedule.test_agenda import STARS

world = test_agenda.world  # the same released event (Lisbon, three talks)

SITE = "http://organizer.test"  # the tests' SERVER_NAME


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def fresh(app, client):
    """A new browser with no cookies (the `client` fixture's class: commits what the test set
    up before each request)."""
    return app.test_client


def agendas_count() -> int:
    return db.session.scalar(select(func.count(Agenda.id)))


def page_urls(fresh, world) -> list[str]:
    one = world["one"]
    speakers = fresh().get("/lisbon/speakers/").text
    speaker = re.search(r"/lisbon/speakers/(\w+)/", speakers).group(1)
    return [
        "/",
        "/lisbon/",
        "/lisbon/schedule/",
        "/lisbon/schedule/?view=list&day=2027-03-28",
        f"/lisbon/talk/{one.code}/",
        "/lisbon/speakers/",
        f"/lisbon/speakers/{speaker}/",
    ]


def test_anonymous_pages_set_no_cookie_and_may_be_shared(fresh, world):
    for url in page_urls(fresh, world):
        response = fresh().get(url)
        assert response.status_code == 200, url
        assert "Set-Cookie" not in response.headers, url
        assert response.headers["Cache-Control"] == "public, max-age=60", url
        assert "Cookie" in response.headers["Vary"], url
        assert "csrf_token" not in response.text, url
    for url in ("/lisbon/schedule.ics", "/lisbon/schedule.xml", "/lisbon/schedule.json"):
        response = fresh().get(url)
        assert response.status_code == 200 and "Set-Cookie" not in response.headers, url
        assert "public" in response.headers["Cache-Control"], url
        # the same for everyone: one copy in a shared cache, not one per cookie
        assert "Cookie" not in response.headers.get("Vary", ""), url


def test_the_cache_time_is_a_setting(app, fresh, world):
    app.config["PUBLIC_CACHE_SECONDS"] = 5
    try:
        response = fresh().get("/lisbon/schedule/")
    finally:
        app.config["PUBLIC_CACHE_SECONDS"] = 60
    assert response.headers["Cache-Control"] == "public, max-age=5"


def test_several_languages_vary_on_the_browsers(app, fresh, world):
    assert "Accept-Language" not in fresh().get("/lisbon/schedule/").headers["Vary"]
    app.config["LOCALES"] = ["en", "de"]
    try:
        response = fresh().get("/lisbon/schedule/")
    finally:
        app.config["LOCALES"] = ["en"]
    assert "Accept-Language" in response.headers["Vary"]
    assert "Cookie" in response.headers["Vary"]


def test_a_page_with_the_visitors_agenda_or_messages_is_private(fresh, world):
    browser = fresh()
    code = world["one"].code
    starred = browser.post(STARS, data={"code": code, "next": "/lisbon/schedule/"})
    assert starred.status_code == 302
    # The flash message ("Starred ...") is in the next page, and so are their stars.
    page = browser.get("/lisbon/schedule/?day=2027-03-27")
    assert "Starred “One”" in page.text
    assert page.headers["Cache-Control"] == "private, no-store"
    # Only the agenda's cookie left (the message was shown): still theirs.
    browser.delete_cookie("session", domain="organizer.test")
    talk = browser.get(f"/lisbon/talk/{code}/")
    assert re.search(r'aria-pressed="true" data-code="' + code, talk.text)
    assert talk.headers["Cache-Control"] == "private, no-store"


def test_signed_in_pages_are_unchanged(client, world):
    login_as(client, world["organizer"])
    response = client.get("/lisbon/schedule/?day=2027-03-27")
    assert response.headers["Cache-Control"] == "no-store"
    assert 'name="csrf_token"' in response.text and "data-csrf=" in response.text


def test_a_draft_events_feed_stays_out_of_shared_caches(client):
    olga = make_user(email="draft@example.org")
    make_event(organizer=olga, slug="drafty", is_public=False)
    login_as(client, olga)
    response = client.get("/drafty/schedule.ics")
    assert response.status_code == 200
    assert "private" in response.headers["Cache-Control"]
    assert "public" not in response.headers["Cache-Control"]


# --- the star posts, with CSRF protection on ---------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-origin"},
        {"Origin": SITE},
        {"Referer": f"{SITE}/lisbon/schedule/"},
    ],
    ids=["fetch-metadata", "origin", "referer"],
)
def test_anonymous_visitors_star_from_the_sites_pages(fresh, world, csrf_on, headers):
    browser = fresh()
    code = world["one"].code
    assert "Set-Cookie" not in browser.get("/lisbon/schedule/").headers
    response = browser.post(STARS, json={"code": code, "action": "star"}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json["codes"] == [code]
    assert browser.get_cookie("agenda_lisbon", domain="organizer.test") is not None
    form = browser.post(
        STARS, data={"code": world["two"].code, "next": "/lisbon/"}, headers=headers
    )
    assert form.status_code == 302
    assert agendas_count() == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "same-site", "Origin": "https://sub.organizer.test"},
        {"Sec-Fetch-Site": "cross-site", "Origin": SITE},  # the browser's word wins
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Referer": "https://evil.example/lisbon/schedule/"},
        {},
    ],
    ids=["cross-site", "same-site", "fetch-metadata-first", "origin", "null", "referer", "none"],
)
def test_a_star_posted_from_another_site_is_refused(fresh, world, csrf_on, headers):
    browser = fresh()
    token = browser.post(
        STARS, json={"code": world["one"].code}, headers={"Sec-Fetch-Site": "same-origin"}
    ).json["token"]
    for body in ({"json": {"code": world["two"].code, "token": token}}, {"data": {"code": "x"}}):
        response = fresh().post(STARS, headers=headers, **body)
        assert response.status_code == 400
        assert "nothing was saved" in response.text
    sync = fresh().post(f"/lisbon/agenda/{token}/sync", json={"codes": []}, headers=headers)
    assert sync.status_code == 400
    assert agendas_count() == 1
    assert browser.post(
        f"/lisbon/agenda/{token}/sync", json={"codes": []}, headers={"Origin": SITE}
    ).json == {"token": token, "codes": []}


def test_signed_in_stars_still_need_the_sessions_token(client, world, csrf_on):
    login_as(client, world["organizer"])
    same = {"Sec-Fetch-Site": "same-origin"}
    code = world["one"].code
    refused = client.post(STARS, json={"code": code}, headers=same)
    assert refused.status_code == 400
    page = client.get("/lisbon/schedule/?day=2027-03-27").text
    token = re.search(r'data-csrf="([^"]+)"', page).group(1)
    accepted = client.post(STARS, json={"code": code}, headers={**same, "X-CSRFToken": token})
    assert accepted.status_code == 200 and accepted.json["codes"] == [code]
    cross = client.post(
        STARS, json={"code": code}, headers={"Sec-Fetch-Site": "cross-site", "X-CSRFToken": token}
    )
    assert cross.status_code == 400
