"""A small workshop for the editor's tests: two days (09:00-18:00 in Lisbon), three rooms, a
speaker with two talks (so that placing them side by side double-books her), and a talk by
someone else."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from organizer.enums import EventRoleName, ProposalState
from organizer.extensions import db
from organizer.models import Event, Room, ScheduleSettings, Slot, User
from organizer.services.scheduling import editor
from tests.factories import (
    NOW,
    grant_role,
    lisbon,
    login_as,
    make_room,
    make_schedule_event,
    make_talk,
    make_user,
    track,
)


@dataclass
class Workshop:
    event: Event
    organizer: User
    rooms: list[Room]
    alpha: Slot  # Sara's
    beta: Slot  # Sara's too
    gamma: Slot  # Tomás's, in the other track

    @property
    def slug(self) -> str:
        return self.event.slug

    def url(self, path: str = "") -> str:
        return f"/manage/{self.event.slug}/schedule/{path}"

    def session_url(self, slot: Slot, action: str = "") -> str:
        suffix = f"/{action}" if action else ""
        return self.url(f"sessions/{slot.public_id}{suffix}")


def place(workshop: Workshop, slot: Slot, room: int, hour: int, minute: int = 0, day: int = 27):
    """Put `slot` straight in the workshop's room number `room` at a Lisbon wall-clock time."""
    slot.room_id = workshop.rooms[room].id
    slot.starts_at = lisbon(day, hour, minute)
    db.session.flush()


def reload(slot: Slot) -> Slot:
    """The slot as stored now (what the request saved, not this session's copy)."""
    db.session.expire_all()
    return db.session.get(Slot, slot.id)


def settings(event: Event, **fields) -> ScheduleSettings:
    row = editor.ensure_settings(event, NOW)
    for name, value in fields.items():
        setattr(row, name, value)
    db.session.flush()
    return row


@pytest.fixture
def workshop(client) -> Workshop:
    organizer = make_user(name="Olga Organizer")
    event = make_schedule_event(organizer, slug="grid", name="Grid Workshop")
    settings(event)
    rooms = [
        make_room(event, "Aula Magna", capacity=120, position=0),
        make_room(event, "Sala Dois", capacity=40, position=1),
        make_room(event, "Sala Três", capacity=20, position=2, step_free=False),
    ]
    sara = make_user(name="Sara Speaker")
    tomas = make_user(name="Tomás Talker")
    alpha = make_talk(event, sara, title="Alpha methods")
    beta = make_talk(event, sara, title="Beta pipelines", state=ProposalState.ACCEPTED)
    gamma = make_talk(event, tomas, title="Gamma applications", track=track(event, "Applications"))
    login_as(client, organizer)
    return Workshop(event, organizer, rooms, alpha, beta, gamma)


@pytest.fixture
def second_organizer(workshop: Workshop) -> User:
    person = make_user(name="Pedro Planner")
    grant_role(person, workshop.event, EventRoleName.ORGANIZER)
    return person
