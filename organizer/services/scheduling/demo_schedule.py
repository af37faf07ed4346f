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

from sqlalchemy import func, select

from organizer.enums import ContainerKind, EventRoleName, PlenaryKind, ProposalState, SlotKind
from organizer.extensions import db
from organizer.models import (
    Event,
    EventRole,
    Proposal,
    Room,
    ScheduleDay,
    ScheduleEdit,
    ScheduleRelease,
    ScheduleSettings,
    Slot,
    SpeakerAvailability,
    SpeakerProfile,
    User,
)
from organizer.services import agendas
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
    _load_grid(event, schedule, now)
    _load_speakers(event, schedule.get("speakers", []), users, now)
    db.session.flush()
    editor.ensure_slots(event=event, now=now)
    talks = {
        slot.proposal.title: slot
        for slot in db.session.scalars(select(Slot).join(Proposal).where(Slot.event_id == event.id))
        if slot.proposal is not None
    }
    _load_items(event, schedule, rooms, talks, now)
    for item in schedule.get("placed", []):
        slot = talks[item["talk"]]
        slot.room_id = rooms[item["room"]].id
        slot.starts_at = _local(item["start"], zone)
        slot.expected_audience = item.get("expected_audience")
    db.session.flush()
    if schedule.get("release"):
        released = releases.release(
            event=event, actor=organizer, now=now, comment=schedule["release"].get("comment", "")
        )
        _load_agendas(event, schedule.get("agendas", []), talks, users, released, now)
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
    # The demo shows a change waiting for the next release, but the organizer who signs in
    # never made it: the editor must not offer to undo it (marked done with, as an undo is).
    for edit in db.session.scalars(
        select(ScheduleEdit).where(
            ScheduleEdit.event_id == event.id, ScheduleEdit.undone_at.is_(None)
        )
    ):
        edit.undone_at = now


def _load_grid(event: Event, schedule: dict[str, Any], now: dt.datetime) -> None:
    """The schedule's settings and days."""
    zone = event.timezone
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


def _load_items(
    event: Event,
    schedule: dict[str, Any],
    rooms: dict[str, Room],
    talks: dict[str, Slot],
    now: dt.datetime,
) -> None:
    """Plenary items, and blocks with their talks (`talks`: the talks' slots by title)."""
    zone = event.timezone
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


def _load_agendas(
    event: Event,
    specs: list[dict[str, Any]],
    talks: dict[str, Slot],
    users: dict[str, User],
    release: ScheduleRelease,
    now: dt.datetime,
) -> None:
    """Attendees' agendas: one per `user`, or `anonymous` of them, each starring `talks`."""
    codes = {entry["code"] for entry in release.sessions}
    for spec in specs:
        owners = [users[spec["user"]]] if spec.get("user") else [None] * spec.get("anonymous", 1)
        wanted = [talks[title].code for title in spec["talks"]]
        for owner in owners:
            agenda = agendas.create(event=event, now=now, user=owner)
            agendas.replace_stars(event=event, agenda=agenda, codes=wanted, released=codes, now=now)


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
    event: Event,
    *,
    rooms: int,
    placed_share: float,
    now: dt.datetime,
    seed: int = 1,
    realistic: bool = False,
) -> None:
    """Rooms, a day per event date (09:00-18:00), every proposal accepted with a slot, and
    about `placed_share` of them placed without overlaps (benchmarks of the editor's pages).

    With `realistic`, the schedule looks like a real one (benchmarks of the public pages and
    feeds): an opening keynote, lunch every day and a closing session across all rooms, a
    lightning block of three talks, and the longest sessions placed first so that the days
    fill up; rooms are added when the sessions do not fit, so a share of 1.0 places them all.
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible layout, not a secret
    zone = ZoneInfo(event.timezone)
    db.session.add(
        ScheduleSettings(event_id=event.id, granularity_minutes=15, severities={}, updated_at=now)
    )
    room_rows = [_synthetic_room(event, n, rng, now) for n in range(rooms)]
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
    target = int(len(slots) * placed_share)
    blocked: list[tuple[int | None, dt.datetime, dt.datetime]] = []  # (room id or all, times)
    if realistic:
        db.session.flush()
        blocked, slots = _synthetic_programme(event, days, room_rows, slots, zone, now)
        target = min(target, len(slots))
        # Longest first, so that the short talks fill what the long ones leave.
        slots = sorted(slots[:target], key=lambda s: -s.duration_minutes) + slots[target:]
    # Fill the free stretches of each room and day back to back, in turn, until the share is
    # placed; add a room when nothing fits any more.
    lanes = [lane for day in days for room in room_rows for lane in _free(day, room, blocked)]
    lane = 0
    for slot in slots[:target]:
        placed = False
        while not placed:
            for _ in range(len(lanes)):
                stretch = lanes[lane % len(lanes)]
                lane += 1
                end = stretch[2] + dt.timedelta(minutes=slot.duration_minutes)
                if end <= stretch[3]:
                    slot.room_id, slot.starts_at = stretch[1], stretch[2]
                    stretch[2] = end
                    placed = True
                    break
            if not placed and not realistic:
                break
            if not placed:
                room = _synthetic_room(event, len(room_rows), rng, now)
                db.session.add(room)
                db.session.flush()
                room_rows.append(room)
                lanes.extend(lane for day in days for lane in _free(day, room, blocked))
    db.session.flush()


def synthetic_release(event: Event, *, now: dt.datetime, seed: int = 1) -> ScheduleRelease | None:
    """A released schedule for a synthetic event (`flask demo --size N`): every session
    placed in max(4, N / 40) rooms (more if needed) over the event's days, with plenary items
    and a lightning block, released once by its organizer. Nothing happens when the event
    has a schedule already."""
    if db.session.scalar(select(Room.id).where(Room.event_id == event.id).limit(1)) is not None:
        return None
    size = db.session.scalar(
        select(func.count()).select_from(Proposal).where(Proposal.event_id == event.id)
    )
    synthetic_schedule(
        event, rooms=max(4, size // 40), placed_share=1.0, now=now, seed=seed, realistic=True
    )
    organizer = db.session.scalar(
        select(User)
        .join(EventRole, EventRole.user_id == User.id)
        .where(EventRole.event_id == event.id, EventRole.role == EventRoleName.ORGANIZER)
        .order_by(User.id)
        .limit(1)
    )
    # No mails: the speakers are made up, and 1,000 of them would take half a minute.
    return releases.release(
        event=event, actor=organizer, now=now, comment="Synthetic schedule.", notify=False
    )


def _synthetic_room(event: Event, n: int, rng: random.Random, now: dt.datetime) -> Room:
    return Room(
        event_id=event.id,
        name=f"Room {n + 1}",
        capacity=rng.choice([30, 60, 120, 200]),
        position=n,
        step_free=n % 3 != 2,
        created_at=now,
    )


def _free(
    day: ScheduleDay, room: Room, blocked: list[tuple[int | None, dt.datetime, dt.datetime]]
) -> list[list[Any]]:
    """The stretches of `day` in which `room` is free: [day id, room id, cursor, end]."""
    busy = sorted(
        (start, end)
        for room_id, start, end in blocked
        if room_id in (None, room.id) and start < day.ends_at and end > day.starts_at
    )
    stretches = []
    cursor = day.starts_at
    for start, end in busy:
        if start > cursor:
            stretches.append([day.id, room.id, cursor, start])
        cursor = max(cursor, end)
    if cursor < day.ends_at:
        stretches.append([day.id, room.id, cursor, day.ends_at])
    return stretches


def _synthetic_programme(
    event: Event,
    days: list[ScheduleDay],
    rooms: list[Room],
    slots: list[Slot],
    zone: ZoneInfo,
    now: dt.datetime,
) -> tuple[list[tuple[int | None, dt.datetime, dt.datetime]], list[Slot]]:
    """Plenary items and a lightning block of three talks. Returns the times they take (room
    id, or None for all rooms) and the talks left to place."""

    def at(day: ScheduleDay, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day.day, dt.time(hour, minute), tzinfo=zone).astimezone(dt.UTC)

    items = [(days[0], 9, 0, 60, PlenaryKind.KEYNOTE, "Opening keynote", True)]
    items += [(day, 12, 30, 60, PlenaryKind.LUNCH, "Lunch", True) for day in days]
    items.append((days[-1], 17, 30, 30, PlenaryKind.OTHER, "Closing and thanks", True))
    blocked: list[tuple[int | None, dt.datetime, dt.datetime]] = []
    for day, hour, minute, duration, kind, title, pinned in items:
        starts_at = at(day, hour, minute)
        db.session.add(
            Slot(
                event_id=event.id,
                kind=SlotKind.PLENARY,
                plenary_kind=kind,
                title=title,
                all_rooms=True,
                room_id=rooms[0].id,
                starts_at=starts_at,
                duration_minutes=duration,
                pinned=pinned,
                created_at=now,
                updated_at=now,
            )
        )
        blocked.append((None, starts_at, starts_at + dt.timedelta(minutes=duration)))
    short = [slot for slot in slots if slot.duration_minutes <= 20][:3]
    if short:
        day = days[1] if len(days) > 1 else days[0]
        starts_at = at(day, 16)
        duration = sum(slot.duration_minutes for slot in short)
        block = Slot(
            event_id=event.id,
            kind=SlotKind.CONTAINER,
            container_kind=ContainerKind.LIGHTNING,
            title="Lightning talks",
            room_id=rooms[0].id,
            starts_at=starts_at,
            duration_minutes=duration,
            created_at=now,
            updated_at=now,
        )
        db.session.add(block)
        db.session.flush()
        for position, slot in enumerate(short):
            slot.parent_id, slot.position = block.id, position
        blocked.append((rooms[0].id, starts_at, starts_at + dt.timedelta(minutes=duration)))
    return blocked, [slot for slot in slots if slot not in short]
