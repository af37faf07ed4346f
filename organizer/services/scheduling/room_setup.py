"""Rooms and the windows in which each can be used (wall-clock times in the event's zone,
inside one of the schedule's days)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from organizer.errors import NotFound, ValidationFailed
from organizer.extensions import db
from organizer.models import Event, Room, RoomWindow, ScheduleDay, Slot, User
from organizer.services import addresses, audit
from organizer.services.ordering import swap_with_neighbour
from organizer.services.scheduling import editor, local_times
from organizer.services.timefmt import local_date_to_utc

ROOM_NAME_MAX = 100
ROOM_CAPACITY_MAX = 100_000
NOTES_MAX = 2_000
URL_MAX = 500


@dataclasses.dataclass(frozen=True, kw_only=True)
class RoomInput:
    name: str
    capacity: int | None = None
    step_free: bool = False
    hearing_loop: bool = False
    captioning: bool = False
    accessibility_notes: str = ""
    stream_url: str = ""
    stream_public: bool = False


def rooms_of(event: Event) -> list[Room]:
    """The event's rooms in display order, with their windows (two queries)."""
    return list(
        db.session.scalars(
            select(Room)
            .where(Room.event_id == event.id)
            .options(selectinload(Room.windows))
            .order_by(Room.position, Room.name, Room.id)
        )
    )


def placed_per_room(event: Event) -> dict[int, int]:
    """How many sessions are placed in each room (one query)."""
    rows = db.session.execute(
        select(Slot.room_id, func.count(Slot.id))
        .where(Slot.event_id == event.id, Slot.room_id.is_not(None))
        .group_by(Slot.room_id)
    )
    return {room_id: count for room_id, count in rows}


def room_in_event(event: Event, room_id: int) -> Room:
    return editor.room_of(event, room_id)


# What a room's audit entry compares.
ROOM_FIELDS = (
    "name",
    "capacity",
    "step_free",
    "hearing_loop",
    "captioning",
    "accessibility_notes",
    "stream_url",
    "stream_public",
)


def save_room(
    *, actor: User, event: Event, room: Room | None, data: RoomInput, now: dt.datetime
) -> Room:
    editor.require_manager(actor, event)
    name, url = data.name.strip(), data.stream_url.strip()
    errors = _name_errors(event, room, name) | _room_errors(data, url)
    if errors:
        raise ValidationFailed(errors)
    before = _room_state(room) if room is not None else {}
    if room is None:
        last = db.session.scalar(select(func.max(Room.position)).where(Room.event_id == event.id))
        room = Room(
            event_id=event.id,
            position=(last or 0) + 1,
            slug=addresses.free_slug(Room, event.id, name, "room"),
            created_at=now,
        )
        db.session.add(room)
    room.name = name
    room.capacity = data.capacity
    room.step_free = data.step_free
    room.hearing_loop = data.hearing_loop
    room.captioning = data.captioning
    room.accessibility_notes = data.accessibility_notes.strip()
    room.stream_url = url
    room.stream_public = data.stream_public
    db.session.flush()
    audit.record_changes(
        before=before,
        after=_room_state(room),
        action="schedule.room.save",
        actor=actor,
        now=now,
        object_type="room",
        object_id=room.id,
        event=event,
    )
    return room


def _name_errors(event: Event, room: Room | None, name: str) -> dict[str, str]:
    """A name is needed, short enough, and not another room's (whatever the case)."""
    if not name:
        return {"name": _("Enter the room's name, e.g. Main hall.")}
    if len(name) > ROOM_NAME_MAX:
        return {"name": _("Keep the name to %(n)d characters or fewer.", n=ROOM_NAME_MAX)}
    taken = db.session.scalar(
        select(Room.id).where(
            Room.event_id == event.id,
            func.lower(Room.name) == name.lower(),
            Room.id != (room.id if room is not None else -1),
        )
    )
    if taken is not None:
        return {
            "name": _(
                "There is already a room called “%(name)s”. Give this one another name.",
                name=name,
            )
        }
    return {}


def _room_errors(data: RoomInput, url: str) -> dict[str, str]:
    """The seats, the notes and the stream link (`url`, stripped)."""
    errors: dict[str, str] = {}
    if data.capacity is not None and not 0 <= data.capacity <= ROOM_CAPACITY_MAX:
        errors["capacity"] = _(
            "Enter a number of seats from 0 to %(max)s, or leave it empty when unknown.",
            max=f"{ROOM_CAPACITY_MAX:,}",
        )
    if len(data.accessibility_notes) > NOTES_MAX:
        errors["accessibility_notes"] = _(
            "Keep the notes to %(n)s characters or fewer.", n=f"{NOTES_MAX:,}"
        )
    if url and (not url.startswith("https://") or len(url) <= len("https://") or " " in url):
        errors["stream_url"] = _("Enter a full link starting with https://, or leave it empty.")
    elif len(url) > URL_MAX:
        errors["stream_url"] = _("Keep the link to %(n)d characters or fewer.", n=URL_MAX)
    if data.stream_public and not url:
        errors["stream_public"] = _("Enter the link first, then choose to show it to attendees.")
    return errors


def _room_state(room: Room) -> dict[str, object]:
    return {name: getattr(room, name) for name in ROOM_FIELDS}


def move_room(*, actor: User, event: Event, room: Room, direction: int) -> None:
    """Swap a room with its neighbour in the display order."""
    editor.require_manager(actor, event)
    swap_with_neighbour(rooms_of(event), room, direction)


def sessions_in_room(room: Room) -> int:
    return db.session.scalar(select(func.count(Slot.id)).where(Slot.room_id == room.id)) or 0


def delete_room(*, actor: User, event: Event, room: Room, now: dt.datetime) -> int:
    """Delete a room; the sessions placed in it become unscheduled (room and start both
    cleared). Returns how many were."""
    editor.require_manager(actor, event)
    placed = list(db.session.scalars(select(Slot).where(Slot.room_id == room.id)))
    for slot in placed:
        slot.room_id = None
        slot.starts_at = None
        slot.updated_at = now
        slot.updated_by_id = actor.id
    audit.record(
        action="schedule.room.delete",
        actor=actor,
        now=now,
        object_type="room",
        object_id=room.id,
        event=event,
        details={"name": room.name, "unscheduled": len(placed)},
    )
    db.session.delete(room)
    db.session.flush()
    return len(placed)


def add_window(
    *,
    actor: User,
    event: Event,
    room: Room,
    day: dt.date | None,
    starts: dt.time,
    ends: dt.time,
    now: dt.datetime,
) -> RoomWindow:
    """A period in which the room can be used: inside one of the schedule's days, not
    overlapping the room's other windows."""
    editor.require_manager(actor, event)
    schedule_day = None
    if day is not None:
        schedule_day = db.session.scalar(
            select(ScheduleDay).where(ScheduleDay.event_id == event.id, ScheduleDay.day == day)
        )
    if schedule_day is None:
        raise ValidationFailed({"day": _("Choose one of the schedule's days.")})
    if ends <= starts:
        raise ValidationFailed({"ends": _("The window has to end after it starts.")})
    start = local_date_to_utc(schedule_day.day, starts, event.timezone)
    end = local_date_to_utc(schedule_day.day, ends, event.timezone)
    errors = {}
    hours = _(
        "%(day)s runs from %(start)s to %(end)s; a window has to fit inside it.",
        day=local_times.day_label(schedule_day.day),
        start=local_times.clock(schedule_day.starts_at, event.timezone),
        end=local_times.clock(schedule_day.ends_at, event.timezone),
    )
    if start < schedule_day.starts_at:
        errors["starts"] = hours
    if end > schedule_day.ends_at:
        errors["ends"] = hours
    if errors:
        raise ValidationFailed(errors)
    clash = local_times.overlapping(start, end, ((w.starts_at, w.ends_at) for w in room.windows))
    if clash is not None:
        raise ValidationFailed(
            {
                "starts": _(
                    "It overlaps the window %(span)s. Remove that one first, or choose other "
                    "times.",
                    span=local_times.span(*clash, event.timezone),
                )
            }
        )
    window = RoomWindow(starts_at=start, ends_at=end)
    room.windows.append(window)
    db.session.flush()
    audit.record(
        action="schedule.room.window",
        actor=actor,
        now=now,
        object_type="room",
        object_id=room.id,
        event=event,
        details={"added": [start.isoformat(), end.isoformat()]},
    )
    return window


def remove_window(
    *, actor: User, event: Event, room: Room, window_id: int, now: dt.datetime
) -> None:
    editor.require_manager(actor, event)
    window = next((w for w in room.windows if w.id == window_id), None)
    if window is None:
        raise NotFound(_("This room has no such window."))
    room.windows.remove(window)
    db.session.flush()
    audit.record(
        action="schedule.room.window",
        actor=actor,
        now=now,
        object_type="room",
        object_id=room.id,
        event=event,
        details={"removed": [window.starts_at.isoformat(), window.ends_at.isoformat()]},
    )
