"""A session's and a speaker's page cost the same whatever the size of the schedule: they
read the few sessions they show (`session_schedule`, `speaker_schedule`) from the release's
snapshot parsed once per process (`frozen_of`, kept by the release's time and digest), and
the live rows of those sessions only."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from organizer.extensions import db
from organizer.models import ScheduleRelease, SpeakerProfile
from organizer.services import feeds
from organizer.services.public_schedule import session_schedule, speaker_schedule
from organizer.services.scheduling import releases
from tests.factories import NOW, lisbon, make_room, make_schedule_event, make_talk, make_user

BIG = ("schedule_release.sessions", "schedule_release.changes")


@pytest.fixture(autouse=True)
def _fresh_caches():
    feeds.clear_cache()  # the parsed snapshots too
    yield
    feeds.clear_cache()


@pytest.fixture
def world():
    organizer = make_user(name="Olga Organizer")
    event = make_schedule_event(organizer, slug="partial", name="Partial Workshop")
    aula, sala = make_room(event, "Aula", position=0), make_room(event, "Sala", position=1)
    ana, bo = make_user(name="Ana Lima"), make_user(name="Bo Chen")
    one = make_talk(event, ana, title="One", room=aula, starts_at=lisbon(27, 10))
    make_talk(event, bo, title="Two", room=sala, starts_at=lisbon(27, 10))
    make_talk(event, ana, title="Three", room=sala, starts_at=lisbon(28, 10))
    releases.release(event=event, actor=organizer, now=NOW)
    db.session.commit()
    db.session.refresh(one)
    return {"organizer": organizer, "event": event, "one": one, "ana": ana, "rooms": (aula, sala)}


def code_of(user, event) -> str:
    return db.session.scalar(
        select(SpeakerProfile.code).where(
            SpeakerProfile.user_id == user.id, SpeakerProfile.event_id == event.id
        )
    )


def test_a_session_page_reads_only_its_session(world):
    event, one = world["event"], world["one"]
    schedule = session_schedule(event, one.code)
    assert schedule.partial
    assert [s.title for s in schedule.sessions] == ["One"]
    assert [p.name for p in schedule.speakers.values()] == ["Ana Lima"]
    assert list(schedule.descriptions) == [one.proposal.public_id]
    assert [r.name for r in schedule.rooms] == ["Aula"]
    assert session_schedule(event, "NOSUCH").sessions == []


def test_a_speaker_page_reads_only_their_sessions(world):
    event = world["event"]
    schedule = speaker_schedule(event, code_of(world["ana"], event))
    assert [s.title for s in schedule.sessions] == ["One", "Three"]
    assert [p.name for p in schedule.speakers.values()] == ["Ana Lima"]
    assert speaker_schedule(event, "NOSUCH").sessions == []


def test_warm_pages_read_no_snapshot_however_large(client, world, queries):
    event, one = world["event"], world["one"]
    urls = [f"/partial/talk/{one.code}/", f"/partial/speakers/{code_of(world['ana'], event)}/"]

    def measure() -> dict[str, int]:
        counts = {}
        for url in urls:
            client.get(url)  # the first request parses the snapshot, once per release
            queries.clear()
            assert client.get(url).status_code == 200
            assert not [q for q in queries if any(column in q for column in BIG)], url
            counts[url] = len(queries)
        return counts

    small = measure()
    aula, sala = world["rooms"]
    for hour in range(11, 18):
        for room in (aula, sala):
            make_talk(event, make_user(), room=room, starts_at=lisbon(27, hour))
    releases.release(event=event, actor=world["organizer"], now=NOW + dt.timedelta(hours=1))
    db.session.commit()
    assert measure() == small


def test_a_release_remade_under_the_same_id_shows_its_own_sessions(client, world):
    """The parsed snapshot is kept by the release's time and digest: a release with the same
    id and time but other content (a restored or recreated database) is read afresh."""
    event, one = world["event"], world["one"]
    assert "One" in client.get(f"/partial/talk/{one.code}/").text
    old = db.session.scalars(select(ScheduleRelease)).one()
    old_id, released_at = old.id, old.released_at
    db.session.delete(old)
    one.proposal.title = "Renamed"
    db.session.commit()
    again = releases.release(event=event, actor=world["organizer"], now=released_at)
    db.session.execute(
        update(ScheduleRelease).where(ScheduleRelease.id == again.id).values(id=old_id)
    )
    db.session.commit()
    page = client.get(f"/partial/talk/{one.code}/").text
    assert "Renamed" in page
