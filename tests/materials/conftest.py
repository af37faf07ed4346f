"""A released talk with a speaker, a co-speaker and an organizer, and helpers to add a link or
a PDF to its materials."""

from __future__ import annotations

import io

import pytest

from organizer.enums import EventRoleName
from organizer.extensions import db
from organizer.services import feeds, materials, schedule_page
from organizer.services.scheduling import releases
from tests.documents import make_pdf
from tests.factories import (
    NOW,
    grant_role,
    lisbon,
    make_room,
    make_schedule_event,
    make_talk,
    make_user,
)

PDF = make_pdf(["Slides of the talk."])


def link(title: str = "Video", url: str = "https://media.example.org/v/1", kind: str = "recording"):
    return materials.MaterialInput(kind=kind, title=title, url=url)


def pdf(title: str = "Slides", data: bytes = PDF, name: str = "slides.pdf"):
    return materials.MaterialInput(
        kind="slides", title=title, file=materials.FileInput(io.BytesIO(data), name)
    )


@pytest.fixture(autouse=True)
def _fresh_caches():
    feeds.clear_cache()
    schedule_page.clear_cache()
    yield
    feeds.clear_cache()
    schedule_page.clear_cache()


@pytest.fixture
def talk_world(app):
    organizer = make_user(name="Olga Organizer")
    event = make_schedule_event(organizer, slug="lisbon", name="Lisbon Workshop")
    room = make_room(event, "Aula Magna", position=0)
    speaker = make_user(name="Ana Lima")
    co = make_user(name="Bo Chen")
    talk = make_talk(
        event,
        speaker,
        title="Maps and nets",
        co_speakers=(co,),
        room=room,
        starts_at=lisbon(27, 10),
    )
    other = make_talk(
        event, make_user(name="Cy Other"), title="Other talk", room=room, starts_at=lisbon(27, 11)
    )
    reviewer = make_user(name="Rui Reviewer")
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    db.session.commit()
    return {
        "organizer": organizer,
        "event": event,
        "room": room,
        "speaker": speaker,
        "co": co,
        "talk": talk,
        "proposal": talk.proposal,
        "other": other,
        "reviewer": reviewer,
    }


def release(world, now=NOW):
    made = releases.release(event=world["event"], actor=world["organizer"], now=now, comment="")
    db.session.commit()
    return made
