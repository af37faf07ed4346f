"""Demo and benchmark data for the schedule.

`load_schedule` reads the `rooms` and `schedule` sections of an event in fixtures/demo.yaml:
rooms, days, plenary items, containers, a partly filled grid, speakers' scheduling needs, one
release, and changes made after it. `synthetic_schedule` sizes a schedule for benchmarks.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from organizer.enums import ContainerKind, PlenaryKind, ProposalState, SlotKind
from organizer.extensions import db
from organizer.models import (
    Event,
    Proposal,
    Room,
    ScheduleDay,
    ScheduleSettings,
    Slot,
    SpeakerAvailability,
    SpeakerProfile,
    User,
)
from organizer.services.scheduling import editor, releases
from organizer.services.timefmt import local_date_to_utc


def _local(value: str, zone: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    return local_date_to_utc(moment.date(), moment.time(), zone)


def load_rooms(event: Event, rooms: list[dict[str, Any]], now: dt.datetime) -> dict[str, Room]:
    result = {}
    for spec in rooms:
        room = Room(
            event_id=event.id,
            name=spec["name"],
            capacity=spec.get("capacity"),
            position=spec.get("order", 0),
            step_free=bool(spec.get("step_free")),
            hearing_loop=bool(spec.get("hearing_loop")),
            captioning=bool(spec.get("captioning")),
            accessibility_notes=spec.get("notes", ""),
            stream_url=spec.get("stream_url", ""),
            stream_public=bool(spec.get("stream_public")),
            created_at=now,
        )
        db.session.add(room)
        result[room.name] = room
    db.session.flush()
    return result


def load_schedule(
    event: Event,
    spec: dict[str, Any],
    users: dict[str, User],
    organizer: User,
    now: dt.datetime,
) -> None:
    zone = event.timezone
    rooms = load_rooms(event, spec.get("rooms", []), now)
    schedule = spec.get("schedule")
    if not schedule:
        return
    db.session.add(
        ScheduleSettings(
            event_id=event.id,
            granularity_minutes=schedule.get("granularity", 15),
            speaker_buffer_minutes=schedule.get("speaker_buffer_minutes", 10),
            severities={},
            updated_at=now,
        )
    )
    for day in schedule.get("days", []):
        date = dt.date.fromisoformat(day["date"])
        db.session.add(
            ScheduleDay(
                event_id=event.id,
                day=date,
                starts_at=local_date_to_utc(date, dt.time.fromisoformat(day["start"]), zone),
                ends_at=local_date_to_utc(date, dt.time.fromisoformat(day["end"]), zone),
            )
        )
    _load_speakers(event, schedule.get("speakers", []), users, now)
    db.session.flush()
    editor.ensure_slots(event=event, now=now)
    talks = {
        slot.proposal.title: slot
        for slot in db.session.scalars(select(Slot).join(Proposal).where(Slot.event_id == event.id))
        if slot.proposal is not None
    }
    for item in schedule.get("items", []):
        db.session.add(
            Slot(
                event_id=event.id,
                kind=SlotKind.PLENARY,
                plenary_kind=PlenaryKind(item["kind"]),
                title=item["title"],
                all_rooms=bool(item.get("all_rooms")),
                room_id=rooms[item["room"]].id if item.get("room") else None,
                starts_at=_local(item["start"], zone) if item.get("start") else None,
                duration_minutes=item["duration"],
                pinned=bool(item.get("pinned")),
                stream_url=item.get("stream_url", ""),
                stream_public=bool(item.get("stream_public")),
                created_at=now,
                updated_at=now,
            )
        )
    for item in schedule.get("containers", []):
        container = Slot(
            event_id=event.id,
            kind=SlotKind.CONTAINER,
            container_kind=ContainerKind(item["kind"]),
            title=item["title"],
            room_id=rooms[item["room"]].id if item.get("room") else None,
            starts_at=_local(item["start"], zone) if item.get("start") else None,
            duration_minutes=item["duration"],
            created_at=now,
            updated_at=now,
        )
        db.session.add(container)
        db.session.flush()
        for position, title in enumerate(item.get("talks", [])):
            talks[title].parent_id = container.id
            talks[title].position = position
    for item in schedule.get("placed", []):
        slot = talks[item["talk"]]
        slot.room_id = rooms[item["room"]].id
        slot.starts_at = _local(item["start"], zone)
        slot.expected_audience = item.get("expected_audience")
    db.session.flush()
    if schedule.get("release"):
        releases.release(
            event=event, actor=organizer, now=now, comment=schedule["release"].get("comment", "")
        )
    for item in schedule.get("after_release", []):
        slot = talks[item["talk"]]
        editor.move(
            event=event,
            slot=slot,
            room_id=rooms[item["room"]].id,
            starts_at=_local(item["start"], zone),
            version=slot.version,
            actor=organizer,
            now=now,
        )


def _load_speakers(
    event: Event, speakers: list[dict[str, Any]], users: dict[str, User], now: dt.datetime
) -> None:
    for spec in speakers:
        user = users[spec["user"]]
        profile = db.session.scalar(
            select(SpeakerProfile).where(
                SpeakerProfile.event_id == event.id, SpeakerProfile.user_id == user.id
            )
        )
        if profile is None:
            profile = SpeakerProfile(event_id=event.id, user_id=user.id, updated_at=now)
            db.session.add(profile)
        profile.remote = bool(spec.get("remote"))
        profile.timezone = spec.get("timezone", "")
        profile.needs_step_free = bool(spec.get("needs_step_free"))
        zone = spec.get("timezone") or event.timezone
        for window in spec.get("availability", []):
            db.session.add(
                SpeakerAvailability(
                    event_id=event.id,
                    user_id=user.id,
                    starts_at=_local(window["from"], zone),
                    ends_at=_local(window["to"], zone),
                )
            )


def synthetic_schedule(
    event: Event, *, rooms: int, placed_share: float, now: dt.datetime, seed: int = 1
) -> None:
    """Rooms, a day per event date (09:00-18:00), every proposal accepted with a slot, and
    about `placed_share` of them placed without overlaps (benchmarks of the editor's pages)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible layout, not a secret
    zone = ZoneInfo(event.timezone)
    db.session.add(
        ScheduleSettings(event_id=event.id, granularity_minutes=15, severities={}, updated_at=now)
    )
    room_rows = [
        Room(
            event_id=event.id,
            name=f"Room {n + 1}",
            capacity=rng.choice([30, 60, 120, 200]),
            position=n,
            step_free=n % 3 != 2,
            created_at=now,
        )
        for n in range(rooms)
    ]
    db.session.add_all(room_rows)
    days = []
    date = event.starts_on
    while date <= event.ends_on:
        day = ScheduleDay(
            event_id=event.id,
            day=date,
            starts_at=dt.datetime.combine(date, dt.time(9), tzinfo=zone).astimezone(dt.UTC),
            ends_at=dt.datetime.combine(date, dt.time(18), tzinfo=zone).astimezone(dt.UTC),
        )
        days.append(day)
        db.session.add(day)
        date += dt.timedelta(days=1)
    proposals = list(db.session.scalars(select(Proposal).where(Proposal.event_id == event.id)))
    for proposal in proposals:
        proposal.state = ProposalState.CONFIRMED
    db.session.flush()
    editor.ensure_slots(event=event, now=now)
    slots = list(db.session.scalars(select(Slot).where(Slot.event_id == event.id)))
    rng.shuffle(slots)
    # Fill rooms day by day, back to back, until the share is placed.
    cursor = {(d.id, r.id): d.starts_at for d in days for r in room_rows}
    lanes = list(cursor)
    target = int(len(slots) * placed_share)
    lane = 0
    for slot in slots[:target]:
        for _ in range(len(lanes)):
            key = lanes[lane % len(lanes)]
            lane += 1
            day = next(d for d in days if d.id == key[0])
            end = cursor[key] + dt.timedelta(minutes=slot.duration_minutes)
            if end <= day.ends_at:
                slot.room_id = key[1]
                slot.starts_at = cursor[key]
                cursor[key] = end
                break
    db.session.flush()
