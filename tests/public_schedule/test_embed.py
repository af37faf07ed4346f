"""The embeddable schedule (issue 16): /<event>/schedule/embed for another site's <iframe>,
framable by any site (or those EMBED_FRAME_ANCESTORS names) while every other page stays
unframable, themable by a readable accent, and shared like the schedule page."""

from __future__ import annotations

import re

import pytest

from organizer.config import ConfigError, load_config
from tests.public_schedule import test_agenda

world = test_agenda.world  # Lisbon, three talks, released

EMBED = "/lisbon/schedule/embed"


def test_other_sites_may_frame_it_and_nothing_else(client, world):
    embedded = client.get(f"{EMBED}?day=2027-03-27")
    assert embedded.status_code == 200
    assert "frame-ancestors *" in embedded.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in embedded.headers
    assert embedded.headers["Cache-Control"] == "public, max-age=60"
    page = client.get("/lisbon/schedule/")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"


def test_the_sites_allowed_to_frame_it_are_a_setting(app, client, world, tmp_path):
    app.config["EMBED_FRAME_ANCESTORS"] = "https://workshop.example.org"
    try:
        policy = client.get(EMBED).headers["Content-Security-Policy"]
    finally:
        app.config["EMBED_FRAME_ANCESTORS"] = "*"
    assert "frame-ancestors https://workshop.example.org" in policy
    with pytest.raises(ConfigError):
        load_config(tmp_path, {"EMBED_FRAME_ANCESTORS": "https://a.example; script-src *"})


def test_the_days_and_sessions_without_the_site(client, world):
    html = client.get(f"{EMBED}?day=2027-03-27").text
    assert 'class="site-header' not in html and 'id="star-form"' not in html
    assert '<base target="_blank">' in html  # a session opens in a new tab, not in the frame
    assert re.search(r'<a target="_self" href="/lisbon/schedule/embed\?day=2027-03-28"', html)
    assert ">One</a>" in html and ">Two</a>" in html and "Three" not in html
    assert 'href="http://organizer.test/lisbon/schedule/"' in html  # the full schedule


@pytest.mark.parametrize(
    ("asked", "kept"),
    [("8a1538", "#8a1538"), ("#1d4ed8", "#1d4ed8"), ("ffff00", ""), ("red", ""), ("", "")],
)
def test_an_accent_is_kept_only_when_links_stay_readable(client, world, asked, kept):
    html = client.get(f"{EMBED}?accent={asked.lstrip('#')}").text
    assert ("/lisbon/schedule/embed.css?accent=" in html) == bool(kept)
    css = client.get(f"/lisbon/schedule/embed.css?accent={asked.lstrip('#')}")
    assert css.mimetype == "text/css"
    assert css.text == (f":root {{ --accent: {kept}; --accent-dark: {kept}; }}\n" if kept else "")


def test_before_the_first_release_it_says_so(client):
    from tests.factories import make_schedule_event, make_user

    make_schedule_event(make_user(), slug="unreleased")
    html = client.get("/unreleased/schedule/embed").text
    assert "The schedule has not been published yet." in html
