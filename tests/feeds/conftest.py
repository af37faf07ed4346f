"""Shared set-up of the feed tests: an event with two rooms, two tracks, talks on both days
(across Lisbon's change to summer time on 28 March 2027), a break for all rooms and awkward
text, released once; caches cleared around every test."""

from __future__ import annotations

import datetime as dt

import pytest

from organizer.enums import PlenaryKind, SlotKind
from organizer.extensions import db
from organizer.models import Track
from organizer.services import feeds
from organizer.services.scheduling import releases
from tests.factories import (
    NOW,
    lisbon,
    make_room,
    make_schedule_event,
    make_slot,
    make_talk,
    make_user,
)

TRICKY = 'Mapas, redes; e "aspas"\nsegunda linha \N{GLOBE WITH MERIDIANS} 地図と網 Ελληνικά'


@pytest.fixture(autouse=True)
def _fresh_caches():
    feeds.clear_cache()
    yield
    feeds.clear_cache()


def release(event, organizer, now=NOW):
    made = releases.release(event=event, actor=organizer, now=now, comment="")
    db.session.commit()
    return made


@pytest.fixture
def world(app):
    organizer = make_user(name="Olga Organizer")
    event = make_schedule_event(organizer, slug="lisbon-feeds", name="Lisbon Workshop")
    aula = make_room(event, "Aula Magna", position=0)
    sala = make_room(event, "Sala Tejo", position=1)
    methods, applications = (
        db.session.query(Track).filter_by(event_id=event.id).order_by(Track.position).all()
    )
    ana = make_user(name="Ana Lima")
    bo = make_user(name="Bo Chen")
    saturday = make_talk(
        event, ana, title="Saturday talk", track=methods, room=aula, starts_at=lisbon(27, 10)
    )
    sunday = make_talk(
        event, bo, title=TRICKY, track=applications, room=sala, starts_at=lisbon(28, 10)
    )
    lunch = make_slot(
        event,
        kind=SlotKind.PLENARY,
        title="Lunch",
        plenary_kind=PlenaryKind.LUNCH,
        all_rooms=True,
        room=aula,
        starts_at=lisbon(27, 13),
        duration_minutes=60,
    )
    db.session.commit()
    first = release(event, organizer)
    return {
        "organizer": organizer,
        "event": event,
        "rooms": (aula, sala),
        "tracks": (methods, applications),
        "speakers": (ana, bo),
        "talks": (saturday, sunday),
        "lunch": lunch,
        "release": first,
        "later": NOW + dt.timedelta(days=1),
    }
