"""The public schedule pages: the schedule (grid, list, filters, days, time zones, now/next),
session pages, speakers, and their empty states, escaping, privacy and query counts."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from organizer.enums import SlotKind
from organizer.extensions import db
from organizer.models import SpeakerProfile
from organizer.services.scheduling import releases
from tests.factories import (
    NOW,
    lisbon,
    login_as,
    make_room,
    make_schedule_event,
    make_slot,
    make_talk,
    make_user,
    track,
)


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())


@pytest.fixture
def world():
    organizer = make_user(name="Olga Organizer", email="olga@example.org")
    event = make_schedule_event(organizer, slug="lisbon", name="Lisbon Workshop", venue="ISCTE")
    aula = make_room(event, "Aula", position=0, hearing_loop=True, accessibility_notes="Lift B")
    sala = make_room(event, "Sala", position=1, step_free=False)
    return organizer, event, aula, sala


def release(event, organizer, at=NOW):
    releases.release(event=event, actor=organizer, now=at, comment="")


def code_of(slot) -> str:
    db.session.refresh(slot)
    return slot.code


@pytest.fixture
def released(world):
    organizer, event, aula, sala = world
    ana = make_user(name="Ana Lima", email="ana.lima@example.org")
    bo = make_user(name="Bo Chen", email="bo.chen@example.org")
    methods = make_talk(
        event,
        ana,
        title="Methods talk",
        room=aula,
        starts_at=lisbon(27, 10),
        track=track(event, "Methods"),
    )
    apps = make_talk(
        event,
        bo,
        title="Applications talk",
        room=sala,
        starts_at=lisbon(27, 10, 10),
        track=track(event, "Applications"),
    )
    sunday = make_talk(event, ana, title="Sunday talk", room=aula, starts_at=lisbon(28, 11))
    make_slot(
        event,
        kind=SlotKind.PLENARY,
        title="Coffee",
        all_rooms=True,
        room=aula,
        starts_at=lisbon(27, 11),
        duration_minutes=30,
    )
    release(event, organizer)
    return {"methods": methods, "apps": apps, "sunday": sunday, "ana": ana, "bo": bo}


# --- the schedule page -------------------------------------------------------------------------


def test_empty_state_before_the_first_release(client, world):
    for url in ("/lisbon/schedule/", "/lisbon/speakers/", "/lisbon/agenda/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "The schedule has not been published yet" in response.text
        assert "The call for talks is open" in response.text  # make_cfp's call is open at NOW?


def test_the_grid_is_a_table_with_rooms_and_times(client, world, released):
    response = client.get("/lisbon/schedule/?day=2027-03-27")
    assert response.status_code == 200
    html = response.text
    assert (
        "<caption" in html and 'scope="col">Aula</th>' in html and 'scope="col">Sala</th>' in html
    )
    grid = html[html.index("<table") : html.index("</table>")]
    assert "Methods talk" in grid and "Applications talk" in grid and "Sunday talk" not in grid
    assert 'colspan="2"' in grid  # the coffee break spans both rooms
    # Rows at each boundary: 10:00, 10:10, 10:20, 10:30, 11:00 (Lisbon, winter time).
    rows = re.findall(r'<th scope="row"><time[^>]*>(\d\d:\d\d)</time>', grid)
    assert rows == ["10:00", "10:10", "10:20", "10:30", "11:00"]
    assert "Times are in Europe/Lisbon." in text_of(html)
    # Both days are tabs; the chosen one is marked.
    assert 'aria-current="page">Saturday 27 March' in html
    assert "?day=2027-03-28" in html


def test_the_list_view_and_the_second_day(client, world, released):
    response = client.get("/lisbon/schedule/?view=list&day=2027-03-28")
    assert response.status_code == 200
    assert "<table" not in response.text
    page = text_of(response.text)
    assert "Sunday talk" in page and "Methods talk" not in page
    assert "11:00\N{EN DASH}11:20, Aula" in page
    assert "Ana Lima" in page


def test_filters_keep_what_matches_and_ignore_unknown_values(client, world, released):
    html = client.get("/lisbon/schedule/?view=list&day=2027-03-27&track=applications").text
    assert "Applications talk" in html and "Methods talk" not in html
    assert "Coffee" in html  # breaks stay
    html = client.get("/lisbon/schedule/?view=list&day=2027-03-27&room=aula").text
    assert "Methods talk" in html and "Applications talk" not in html
    for bad in ("track=nope", "room=nope", "type=999", "type=abc", "day=2027-13-45", "view=zzz"):
        response = client.get(f"/lisbon/schedule/?{bad}")
        assert response.status_code == 200, bad
        assert "Methods talk" in response.text and "Applications talk" in response.text, bad


def test_times_in_the_visitors_zone(client, world, released):
    response = client.get("/lisbon/schedule/?view=list&day=2027-03-27&tz=Asia/Tokyo")
    assert response.status_code == 200
    page = text_of(response.text)
    assert "Times are in Asia/Tokyo." in page
    assert "19:00\N{EN DASH}19:20" in page  # 10:00 in Lisbon (UTC+0) is 19:00 in Tokyo
    bad = client.get("/lisbon/schedule/?view=list&day=2027-03-27&tz=Mars/Olympus")
    assert bad.status_code == 200
    page = text_of(bad.text)
    assert "We do not know that time zone" in page and "10:00\N{EN DASH}10:20" in page
    assert client.get("/lisbon/schedule/?tz=../../etc/passwd").status_code == 200


def test_now_and_next_only_during_the_event(client, world, released, monkeypatch):
    from organizer.blueprints.public_schedule import views

    assert "Now and next" not in client.get("/lisbon/schedule/").text
    monkeypatch.setattr(views, "utcnow", lambda: lisbon(27, 10, 5))
    html = client.get("/lisbon/schedule/").text
    panel = text_of(html[html.index("Now and next") : html.index("</section>")])
    assert "Methods talk" in panel.split("Next")[0]
    assert "Applications talk" in panel.split("Next")[1]


def test_a_jump_to_now_during_the_event_and_only_then(client, world, released, monkeypatch):
    from organizer.blueprints.public_schedule import views

    assert "Jump to now" not in client.get("/lisbon/schedule/?day=2027-03-27").text
    # 10:15 in Lisbon on the 27th: the last start so far is the Applications talk's, 10:10.
    monkeypatch.setattr(views, "utcnow", lambda: lisbon(27, 10, 15))
    for view in ("", "&view=list"):
        html = client.get(f"/lisbon/schedule/?day=2027-03-27{view}").text
        assert '<a href="#t-1010">Jump to now</a>' in html, view
        assert 'id="t-1010"' in html, view
    # Another day of the event: nothing to jump to there.
    assert "Jump to now" not in client.get("/lisbon/schedule/?day=2027-03-28").text


def test_the_days_come_first_and_the_filters_fold(client, world, released):
    html = client.get("/lisbon/schedule/").text
    days, folded = html.index('class="tabs"'), html.index('<details class="schedule-options">')
    assert days < folded < html.index('id="filter-room"') < html.index('id="tz"')
    assert folded < html.index('class="schedule-grid')
    # In use, they are shown open.
    for args in ("track=methods", "tz=Europe/Berlin"):
        assert (
            '<details class="schedule-options" open>'
            in client.get(f"/lisbon/schedule/?{args}").text
        )


def test_a_draft_event_is_not_found_for_outsiders(client, world, released):
    organizer, event, *_ = world
    event.is_public = False
    code = code_of(released["methods"])
    ana_code = db.session.scalar(
        select(SpeakerProfile.code).where(SpeakerProfile.user_id == released["ana"].id)
    )
    urls = [
        "/lisbon/schedule/",
        f"/lisbon/talk/{code}/",
        "/lisbon/speakers/",
        f"/lisbon/speakers/{ana_code}/",
        "/lisbon/agenda/",
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    login_as(client, organizer)
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_unknown_codes_are_404(client, world, released):
    for url in (
        "/lisbon/talk/NOPE/",
        "/lisbon/speakers/NOPE/",
        "/nope/schedule/",
        "/lisbon/agenda/" + "x" * 30 + "/",
    ):
        assert client.get(url).status_code == 404, url


# --- session pages -----------------------------------------------------------------------------


def test_a_session_page(client, world, released):
    slot = released["methods"]
    slot.proposal.abstract = "Why methods matter."
    slot.proposal.description = "**Bold** claims"
    organizer, event, *_ = world
    release(event, organizer, NOW + dt.timedelta(hours=1))
    code = code_of(slot)
    response = client.get(f"/lisbon/talk/{code}/")
    assert response.status_code == 200
    html = response.text
    page = text_of(html)
    assert "<h1>Methods talk</h1>" in html
    assert "Saturday 27 March 2027, 10:00\N{EN DASH}10:20 (Europe/Lisbon)" in page
    assert "Aula, ISCTE" in page and "Hearing loop" in page and "Lift B" in page
    assert "Step-free access" in page and "100 seats" in page
    assert "Why methods matter." in page and "<strong>Bold</strong>" in html
    assert "Methods" in page and "Talk" in page
    assert 'href="/lisbon/speakers/' in html
    assert 'aria-pressed="false"' in html
    google = unescape(re.search(r'href="(https://calendar\.google\.com[^"]+)"', html).group(1))
    query = parse_qs(urlsplit(google).query)
    assert query["text"] == ["Methods talk"]
    assert query["dates"] == ["20270327T100000Z/20270327T102000Z"]
    assert "ISCTE" in query["location"][0]
    outlook = unescape(re.search(r'href="(https://outlook\.office\.com[^"]+)"', html).group(1))
    query = parse_qs(urlsplit(outlook).query)
    assert query["startdt"] == ["2027-03-27T10:00:00Z"] and query["subject"] == ["Methods talk"]


def test_a_cancelled_session_is_gone_with_a_notice(client, world, released):
    from organizer.enums import ProposalState

    organizer, event, *_ = world
    slot = released["methods"]
    code = code_of(slot)
    slot.proposal.state = ProposalState.CANCELLED
    release(event, organizer, NOW + dt.timedelta(hours=1))
    # Never public: what changed after the cancellation, and the abstract it never had.
    slot.proposal.title = "Secret new title"
    slot.proposal.abstract = "Never released abstract."
    db.session.commit()
    response = client.get(f"/lisbon/talk/{code}/")
    assert response.status_code == 410
    assert "public" in response.headers["Cache-Control"]
    page = text_of(response.text)
    assert "Cancelled: Methods talk" in page
    assert "This session was cancelled." in page
    assert "It was planned for Saturday 27 March 2027, 10:00" in page and "Aula" in page
    assert 'href="/lisbon/schedule/changes/"' in response.text
    assert "See the schedule changes" in page
    for secret in ("Secret new title", "Never released abstract.", "Ana Lima", "ana.lima@"):
        assert secret not in response.text
    assert "Methods talk" not in client.get("/lisbon/schedule/?day=2027-03-27").text


def test_a_session_cancelled_before_any_release_or_removed_is_404(client, world, released):
    from organizer.enums import ProposalState

    organizer, event, aula, _sala = world
    unreleased = make_talk(event, title="Never shown", room=aula, starts_at=lisbon(28, 15))
    unreleased.proposal.state = ProposalState.CANCELLED
    removed = released["sunday"]
    removed_code = code_of(removed)
    removed.room_id, removed.starts_at = None, None  # back to the unscheduled list
    release(event, organizer, NOW + dt.timedelta(hours=1))
    assert client.get(f"/lisbon/talk/{code_of(unreleased)}/").status_code == 404
    assert client.get(f"/lisbon/talk/{removed_code}/").status_code == 404


def test_titles_and_descriptions_are_inert(client, world):
    organizer, event, aula, _sala = world
    evil = make_user(name="<img src=x onerror=alert(1)>", email="evil@example.org")
    slot = make_talk(
        event, evil, title="<script>alert('t')</script>", room=aula, starts_at=lisbon(27, 10)
    )
    slot.proposal.description = "<script>alert('d')</script> [x](javascript:alert(1))"
    slot.proposal.abstract = "<b>not bold</b>"
    release(event, organizer)
    code = code_of(slot)
    for url in (
        f"/lisbon/talk/{code}/",
        "/lisbon/schedule/",
        "/lisbon/schedule/?view=list",
        "/lisbon/speakers/",
    ):
        html = client.get(url).text
        assert "<script>alert" not in html, url
        assert "<img src=x" not in html, url
        assert 'href="javascript' not in html, url
        assert "<b>not bold</b>" not in html, url
        assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;" in html, url
    # Cancelled, its page (410) shows the title as released: escaped too.
    from organizer.enums import ProposalState

    slot.proposal.state = ProposalState.CANCELLED
    release(event, organizer, NOW + dt.timedelta(hours=1))
    gone = client.get(f"/lisbon/talk/{code}/")
    assert gone.status_code == 410
    assert "<script>alert" not in gone.text
    assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;" in gone.text


# --- speakers ----------------------------------------------------------------------------------


def test_the_speakers_page_and_a_speaker_page(client, world, released):
    ana = released["ana"]
    profile = db.session.scalar(select(SpeakerProfile).where(SpeakerProfile.user_id == ana.id))
    profile.pronouns = "she/her"
    profile.affiliation = "Uni Lisboa"
    profile.bio = "Loves *graphs*."
    profile.website = "https://ana.example.org"
    profile.handle = "@ana@example.social"
    index = client.get("/lisbon/speakers/")
    assert index.status_code == 200
    page = text_of(index.text)
    assert page.index("Ana Lima") < page.index("Bo Chen")  # alphabetical
    assert "she/her" in page and "Uni Lisboa" in page and "Sunday talk" in page
    response = client.get(f"/lisbon/speakers/{profile.code}/")
    assert response.status_code == 200
    html = response.text
    assert "<em>graphs</em>" in html and "@ana@example.social" in html
    assert 'href="https://ana.example.org" rel="nofollow ugc noopener"' in html
    assert "Methods talk" in html and "Sunday talk" in html and "Applications talk" not in html
    for page_html in (index.text, html):
        assert "ana.lima@example.org" not in page_html and "bo.chen@example.org" not in page_html
        assert "@example.org" not in page_html


def test_a_website_that_is_not_http_is_not_linked(client, world, released):
    ana = released["ana"]
    profile = db.session.scalar(select(SpeakerProfile).where(SpeakerProfile.user_id == ana.id))
    profile.website = "javascript:alert(1)"
    html = client.get(f"/lisbon/speakers/{profile.code}/").text
    assert "javascript:" not in html


# --- queries -----------------------------------------------------------------------------------


def test_queries_do_not_grow(client, world, assert_constant_queries):
    organizer, event, aula, sala = world
    hours = iter(range(10, 18))
    stamps = iter(NOW + dt.timedelta(hours=n) for n in range(100))
    first = make_talk(
        event, make_user(name="Zed"), title="First", room=aula, starts_at=lisbon(27, 9)
    )
    release(event, organizer, next(stamps))
    code = code_of(first)
    speaker_code = db.session.scalar(
        select(SpeakerProfile.code).where(SpeakerProfile.event_id == event.id)
    )

    def grow():
        at = next(hours)
        for room in (aula, sala):
            make_talk(
                event, make_user(), title=f"T {room.name} {at}", room=room, starts_at=lisbon(27, at)
            )
        release(event, organizer, next(stamps))

    assert_constant_queries(
        [
            "/lisbon/schedule/",
            "/lisbon/schedule/?view=list",
            "/lisbon/speakers/",
            f"/lisbon/speakers/{speaker_code}/",
            f"/lisbon/talk/{code}/",
        ],
        grow,
    )


def test_feed_links_on_the_pages(client, world, released):
    html = client.get("/lisbon/schedule/").text
    assert 'href="webcal://organizer.test/lisbon/schedule.ics"' in html
    assert 'href="http://organizer.test/lisbon/schedule.ics"' in html
    assert "/lisbon/schedule/track/methods.ics" in html and "/lisbon/schedule/room/aula.ics" in html
    assert "/lisbon/schedule.xml" in html and "/lisbon/schedule.json" in html
    code = code_of(released["methods"])
    assert f"/lisbon/talk/{code}.ics" in client.get(f"/lisbon/talk/{code}/").text
    ana_code = db.session.scalar(
        select(SpeakerProfile.code).where(SpeakerProfile.user_id == released["ana"].id)
    )
    assert f"/lisbon/speaker/{ana_code}.ics" in client.get(f"/lisbon/speakers/{ana_code}/").text
    event_page = client.get("/lisbon/").text
    for link in ("/lisbon/schedule/", "/lisbon/speakers/", "/lisbon/agenda/", "schedule.ics"):
        assert link in event_page, link
