"""A published schedule built in memory (no database) from a handful of texts, so that the
property tests can feed random text into every field an export shows, fast."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from organizer.models import Event, Room, ScheduleRelease, SessionType, Track
from organizer.services.public_schedule import (
    PublicSchedule,
    PublicSession,
    PublicSpeaker,
    SpeakerRef,
)

UID = "0b6a3c1e-6f1d-4a43-9d6e-3f1b0f6f1c01"
UID2 = "0b6a3c1e-6f1d-4a43-9d6e-3f1b0f6f1c02"


@dataclass
class Texts:
    """Every text a person (applicant or organizer) can write that a schedule export shows."""

    title: str = "A talk"
    abstract: str = "An abstract."
    description: str = "A description."
    speaker: str = "Ana Lima"
    bio: str = "A bio."
    pronouns: str = "she/her"
    affiliation: str = "University"
    room: str = "Aula Magna"
    track: str = "Methods"
    session_type: str = "Talk"
    event_name: str = "Workshop"
    venue: str = "Lisbon"
    event_description: str = "Welcome."
    conduct: str = "Be kind."
    extra: dict[str, str] = field(default_factory=dict)


def public_schedule_of(texts: Texts) -> PublicSchedule:
    start = dt.datetime(2027, 3, 27, 9, 0, tzinfo=dt.UTC)
    event = Event(
        id=1,
        slug="hygiene-2027",
        name=texts.event_name,
        timezone="Europe/Lisbon",
        starts_on=dt.date(2027, 3, 27),
        ends_on=dt.date(2027, 3, 28),
        venue=texts.venue,
        description=texts.event_description,
        code_of_conduct=texts.conduct,
        currency="EUR",
        is_public=True,
        created_at=start,
        updated_at=start,
    )
    room = Room(id=1, event_id=1, name=texts.room, slug="aula", position=0, created_at=start)
    track = Track(id=1, event_id=1, name=texts.track, slug="methods", position=0)
    kind = SessionType(id=1, event_id=1, name=texts.session_type, duration_minutes=20)
    release = ScheduleRelease(
        id=1,
        event_id=1,
        number=1,
        released_at=start,
        sessions=[{"uid": UID, "slot_id": 1}, {"uid": UID2, "slot_id": 2}],
    )
    speaker = PublicSpeaker(
        id=1,
        code="SPK1",
        name=texts.speaker,
        pronouns=texts.pronouns,
        affiliation=texts.affiliation,
        bio=texts.bio,
    )
    talk = PublicSession(
        uid=UID,
        slot_id=1,
        code="ABC123",
        kind="talk",
        title=texts.title,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=20),
        room_id=1,
        room=texts.room,
        all_rooms=False,
        abstract=texts.abstract,
        track=texts.track,
        track_id=1,
        session_type=texts.session_type,
        session_type_id=1,
        language="en",
        speakers=(SpeakerRef(id=1, name=texts.speaker, code="SPK1"),),
        proposal="p1",
    )
    lunch = PublicSession(
        uid=UID2,
        slot_id=2,
        code=None,
        kind="plenary",
        title=texts.title,
        starts_at=start + dt.timedelta(hours=3),
        ends_at=start + dt.timedelta(hours=4),
        room_id=1,
        room=texts.room,
        all_rooms=True,
        plenary_kind="lunch",
    )
    return PublicSchedule(
        event=event,
        release=release,
        sessions=[talk, lunch],
        cancelled=[],
        rooms=[room],
        tracks=[track],
        session_types=[kind],
        speakers={1: speaker},
        descriptions={"p1": texts.description},
    )


def entries_of(texts: Texts) -> list[dict[str, object]]:
    """Snapshot entries as a release stores them (what the iCal mails and feeds read)."""
    return [
        {
            "uid": UID,
            "starts_at": "2027-03-27T09:00:00+00:00",
            "ends_at": "2027-03-27T09:20:00+00:00",
            "title": texts.title,
            "abstract": texts.abstract,
            "speakers": [{"name": texts.speaker}],
            "room": texts.room,
            "track": texts.track,
            "sequence": 0,
        },
        {
            "uid": UID2,
            "starts_at": "2027-03-27T12:00:00+00:00",
            "ends_at": "2027-03-27T13:00:00+00:00",
            "title": texts.title,
            "abstract": "",
            "speakers": [],
            "room": texts.room,
            "status": "cancelled",
        },
    ]
