"""The organizers' release pages: who may open them, the preview, releasing (and its refusals,
which keep the comment), one release's page, and a list whose queries do not grow."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from sqlalchemy import func, select

from organizer.enums import EventRoleName, ProposalState
from organizer.extensions import db
from organizer.models import ScheduleRelease
from organizer.services.scheduling import releases
from tests.factories import (
    NOW,
    grant_role,
    lisbon,
    login_as,
    make_cfp,
    make_event,
    make_proposal,
    make_room,
    make_schedule_event,
    make_talk,
    make_user,
)


@pytest.fixture
def world(client):
    organizer = make_user(name="Olga Organizer")
    event = make_schedule_event(organizer, slug="lisbon", name="Lisbon Workshop")
    login_as(client, organizer)
    return organizer, event, make_room(event, "Aula", position=0), make_room(event, "Sala")


def url(event, suffix: str = "") -> str:
    return f"/manage/{event.slug}/schedule/releases/{suffix}"


def count_releases(event) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(ScheduleRelease)
        .where(ScheduleRelease.event_id == event.id)
    )


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())


# --- who may open them ------------------------------------------------------------------------


def test_anonymous_visitors_sign_in_first(client):
    event = make_event(slug="closed")
    response = client.get(url(event))
    assert response.status_code == 302 and response.location.startswith("/login?next=")
    assert client.post(url(event)).status_code == 302


def test_only_this_events_organizers(client):
    organizer = make_user()
    event = make_event(organizer=organizer, slug="theirs")
    reviewer = make_user()
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    login_as(client, reviewer)
    assert client.get(url(event)).status_code == 403
    assert client.post(url(event), data={"comment": "x"}).status_code == 403
    assert count_releases(event) == 0
    other = make_user()
    make_event(organizer=other, slug="other")
    login_as(client, other)
    assert client.get(url(event)).status_code == 403


def test_another_events_release_is_not_found(client, world):
    _organizer, event, _aula, _sala = world
    someone = make_user()
    other = make_event(organizer=someone, slug="elsewhere")
    make_cfp(other)
    releases.release(event=other, actor=someone, now=NOW)
    assert client.get(url(event, "1")).status_code == 404
    assert client.get(url(event, "one")).status_code == 404
    assert client.get(url(event, "")).status_code == 200


# --- the preview and releasing ----------------------------------------------------------------


def test_the_preview_shows_what_would_change_and_what_blocks(client, world):
    _organizer, event, aula, _sala = world
    first = make_talk(event, title="Clash one", room=aula, starts_at=lisbon(27, 10))
    make_talk(event, title="Clash two", room=aula, starts_at=lisbon(27, 10))
    make_talk(event, title="Calm", room=aula, starts_at=lisbon(28, 11))
    make_talk(event, title="Waiting")

    response = client.get(url(event))

    assert response.status_code == 200
    page = text_of(response.text)
    assert "Version 1" in page and "Release version 1" in page
    assert "1 conflict blocks this release" in page
    assert "overlap in Aula" in page
    assert f'href="/manage/lisbon/schedule/sessions/{first.public_id}"' in response.text
    assert "Added: “Calm” Sun 28 Mar, 11:00\N{EN DASH}11:20, Aula" in page
    assert "1 session is not on the grid" in page
    assert "3 speakers will get a mail" in page
    assert "Nothing released yet" in page
    assert 'name="comment"' in response.text and "Comment (optional)" in page


def test_releasing(client, world, mailbox):
    _organizer, event, aula, _sala = world
    speaker = make_user(email="ana@example.org")
    make_talk(event, speaker, title="Calm", room=aula, starts_at=lisbon(28, 11))

    response = client.post(url(event), data={"comment": "First version."})

    assert response.status_code == 302 and response.location == url(event)
    made = releases.latest(event)
    assert (made.number, made.comment) == (1, "First version.")
    assert mailbox.last("ana@example.org")["Subject"] == "In the schedule: Calm"
    page = client.get(response.location)
    assert "Version 1 released; 1 speaker will get a mail." in text_of(page.text)
    listing = text_of(page.text)
    assert "Version 2" in listing and "Released versions" in listing
    assert "Olga Organizer" in listing and "First version." in listing
    assert 'href="/manage/lisbon/schedule/releases/1"' in page.text


def test_a_refused_release_keeps_the_comment(client, world):
    _organizer, event, aula, _sala = world
    make_talk(event, title="Clash one", room=aula, starts_at=lisbon(27, 10))
    make_talk(event, title="Clash two", room=aula, starts_at=lisbon(27, 10))

    response = client.post(url(event), data={"comment": "Keep <these> words"})

    assert response.status_code == 409
    assert "Keep &lt;these&gt; words</textarea>" in response.text
    page = text_of(response.text)
    assert "The schedule was not released" in page
    assert "1 conflict blocks a release" in page
    assert "See what blocks the release" in page
    assert count_releases(event) == 0


def test_nothing_changed_is_a_409(client, world):
    organizer, event, aula, _sala = world
    make_talk(event, title="Calm", room=aula, starts_at=lisbon(28, 11))
    releases.release(event=event, actor=organizer, now=NOW)

    response = client.get(url(event))
    assert "Nothing changed since version 1" in text_of(response.text)
    response = client.post(url(event), data={"comment": "Again"})
    assert response.status_code == 409
    assert "Nothing changed since version 1, so there is nothing to release." in text_of(
        response.text
    )
    assert re.search(r">\s*Again</textarea>", response.text)
    assert count_releases(event) == 1


def test_a_comment_too_long_is_a_400_that_keeps_it(client, world):
    _organizer, event, aula, _sala = world
    make_talk(event, title="Calm", room=aula, starts_at=lisbon(28, 11))
    comment = "long " * 500
    response = client.post(url(event), data={"comment": comment})
    assert response.status_code == 400
    assert 'id="comment-error"' in response.text
    assert "There is a problem" in response.text
    assert comment.strip() in response.text
    assert count_releases(event) == 0


def test_a_schedule_changed_since_the_preview_is_a_409(client, world):
    _organizer, event, aula, _sala = world
    slot = make_talk(event, title="Calm", room=aula, starts_at=lisbon(28, 11))
    seen = re.search(r'name="expected" type="hidden" value="([^"]+)"', client.get(url(event)).text)
    slot.starts_at = lisbon(28, 12)
    response = client.post(url(event), data={"comment": "Mine", "expected": seen.group(1)})
    assert response.status_code == 409
    assert "changed while you were looking at it" in text_of(response.text)
    assert "12:00\N{EN DASH}12:20" in text_of(
        response.text
    )  # the page shows the schedule as it is now
    assert count_releases(event) == 0


def test_the_preview_warns_of_open_review_and_unconfirmed_speakers_and_still_releases(
    client, world
):
    _organizer, event, aula, sala = world
    make_talk(event, title="Confirmed", room=aula, starts_at=lisbon(27, 10))
    waiting = make_talk(
        event,
        title="<b>Not</b> confirmed",
        room=sala,
        starts_at=lisbon(27, 10),
        state=ProposalState.ACCEPTED,
    )
    make_proposal(event, title="Still in review")

    response = client.get(url(event))

    page = text_of(response.text)
    assert "Before you release" in page
    assert "You can release anyway" in page
    assert "Review is still open for 1 proposal: no decision is published for it yet." in page
    assert "1 session in this release is accepted but its speakers have not confirmed it" in page
    link = f'href="/manage/lisbon/cfp/proposals/{waiting.proposal.public_id}"'
    assert f"{link}>&lt;b&gt;Not&lt;/b&gt; confirmed</a>" in response.text
    assert "<b>Not</b>" not in response.text

    response = client.post(url(event), data={"comment": "Anyway"})
    assert response.status_code == 302
    assert releases.latest(event).number == 1


def test_the_preview_has_no_warning_when_all_is_decided_and_confirmed(client, world):
    _organizer, event, aula, _sala = world
    make_talk(event, title="Confirmed", room=aula, starts_at=lisbon(27, 10))
    page = text_of(client.get(url(event)).text)
    assert "Before you release" not in page and "Review is still open" not in page


# --- one release ------------------------------------------------------------------------------


def test_a_release_page(client, world):
    organizer, event, aula, sala = world
    slot = make_talk(event, title="Moving", room=aula, starts_at=lisbon(27, 10))
    make_talk(event, title="Staying", room=sala, starts_at=lisbon(27, 10))
    releases.release(event=event, actor=organizer, now=NOW)
    slot.starts_at, slot.room_id = lisbon(28, 10), sala.id
    releases.release(event=event, actor=organizer, now=NOW + dt.timedelta(hours=1), comment="Sun")

    response = client.get(url(event, "2"))

    assert response.status_code == 200
    page = text_of(response.text)
    assert "Version 2" in page and "Olga Organizer" in page and "Sun" in page
    assert (
        "New time and room: “Moving” Was: Sat 27 Mar, 10:00\N{EN DASH}10:20, Aula "
        "Now: Sun 28 Mar, 10:00\N{EN DASH}10:20, Sala"
    ) in page
    assert "2 sessions in version 2" in page
    assert "Staying" in page
    assert client.get(url(event, "3")).status_code == 404


# --- queries ----------------------------------------------------------------------------------


def test_the_page_runs_the_same_queries_however_many_releases_and_sessions(
    client, world, assert_constant_queries
):
    organizer, event, aula, sala = world
    hour = iter(range(9, 18))
    stamp = iter(NOW + dt.timedelta(hours=n) for n in range(100))

    def grow():
        at = next(hour)
        for room in (aula, sala):
            make_talk(event, title=f"Talk {room.name} {at}", room=room, starts_at=lisbon(27, at))
        make_talk(event, title=f"Unplaced {at}")
        # Warnings that grow with the data: placed talks not confirmed, proposals in review.
        make_talk(
            event,
            title=f"Unconfirmed {at}",
            room=sala,
            starts_at=lisbon(28, at),
            state=ProposalState.ACCEPTED,
        )
        make_proposal(event, title=f"In review {at}")
        releases.release(event=event, actor=organizer, now=next(stamp), comment=f"v at {at}")
        db.session.flush()
        # A change waiting for the next release, so the preview has a change log too.
        make_talk(event, title=f"Pending {at}", room=aula, starts_at=lisbon(28, at))

    assert_constant_queries([url(event), url(event, "1")], grow)
