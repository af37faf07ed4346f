"""A release's snapshot: the schedule frozen as one plain dict per placed session, and one
per talk inside a placed block, each with the SEQUENCE its calendar entry has.

The snapshot format is a contract read by the feeds and the automatic scheduler:

    {"uid", "slot_id", "kind", "title", "plenary_kind", "container_kind", "all_rooms",
     "room_id", "room", "starts_at", "ends_at", "duration", "proposal", "abstract", "track",
     "session_type", "language", "speakers": [{"id", "name"}], "parent", "children",
     "position", "stream_url", "sequence"}

Times are ISO 8601 in UTC. A talk inside a block takes the block's room and times. Entries
are sorted by start, room (in display order, "all rooms" first) and title, a block's talks
right after it in their order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from sqlalchemy import select

from organizer.enums import SlotKind
from organizer.extensions import db
from organizer.models import Event, Room, ScheduleRelease, Slot
from organizer.services.scheduling.plan import active_slots


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def _stream(slot: Slot, fallback: str) -> str:
    """The slot's link when it is public, else the room's (or block's) public link, else ""."""
    if slot.stream_url and slot.stream_public:
        return slot.stream_url
    return fallback


def _room_stream(room: Room | None) -> str:
    if room is not None and room.stream_url and room.stream_public:
        return room.stream_url
    return ""


def _entry(
    slot: Slot,
    *,
    room: Room | None,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    all_rooms: bool,
    parent: str | None,
    children: list[str],
    stream_url: str,
) -> dict[str, Any]:
    proposal = slot.proposal
    speakers = []
    if proposal is not None:
        speakers = [
            {"id": s.user_id, "name": s.user.display_name}
            for s in proposal.speakers
            if s.user_id is not None and s.user is not None
        ]
    return {
        "uid": slot.public_id,
        "code": slot.code,
        "slot_id": slot.id,
        "kind": slot.kind.value,
        "title": slot.display_title,
        "plenary_kind": slot.plenary_kind.value if slot.plenary_kind else None,
        "container_kind": slot.container_kind.value if slot.container_kind else None,
        "all_rooms": all_rooms,
        "room_id": None if all_rooms or room is None else room.id,
        "room": "" if all_rooms or room is None else room.name,
        "starts_at": _utc(starts_at),
        "ends_at": _utc(ends_at),
        "duration": int((ends_at - starts_at).total_seconds() // 60),
        "proposal": proposal.public_id if proposal is not None else None,
        "abstract": proposal.abstract if proposal is not None else "",
        "track": proposal.track.name if proposal is not None and proposal.track else None,
        "track_id": proposal.track_id if proposal is not None else None,
        "session_type": proposal.session_type.name if proposal is not None else None,
        "session_type_id": proposal.session_type_id if proposal is not None else None,
        "language": proposal.language if proposal is not None else None,
        "speakers": speakers,
        "parent": parent,
        "children": children,
        "position": slot.position,
        "stream_url": stream_url,
        "sequence": 0,
    }


def _rooms(event: Event) -> list[Room]:
    return list(
        db.session.scalars(
            select(Room).where(Room.event_id == event.id).order_by(Room.position, Room.name)
        )
    )


def frozen(event: Event, slots: list[Slot]) -> list[dict[str, Any]]:
    rooms = _rooms(event)
    by_id = {room.id: room for room in rooms}
    order = {room.id: index for index, room in enumerate(rooms)}
    active = {slot.id for slot in slots}
    keyed: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    for slot in slots:
        if slot.parent_id in active or slot.room_id is None or slot.starts_at is None:
            continue  # in a block (it comes with the block), or not placed
        room = by_id.get(slot.room_id)
        starts_at = slot.starts_at
        ends_at = starts_at + dt.timedelta(minutes=slot.duration_minutes)
        talks = (
            [child for child in slot.children if child.id in active]
            if slot.kind is SlotKind.CONTAINER
            else []
        )
        stream = _stream(slot, _room_stream(room))
        entry = _entry(
            slot,
            room=room,
            starts_at=starts_at,
            ends_at=ends_at,
            all_rooms=slot.all_rooms,
            parent=None,
            children=[child.public_id for child in talks],
            stream_url=stream,
        )
        place = (starts_at, -1 if slot.all_rooms else order.get(slot.room_id, len(order)))
        group = (*place, entry["title"], slot.public_id)
        keyed.append(((*group, -1, ""), entry))
        for child in talks:
            child_entry = _entry(
                child,
                room=room,
                starts_at=starts_at,
                ends_at=ends_at,
                all_rooms=slot.all_rooms,
                parent=slot.public_id,
                children=[],
                stream_url=_stream(child, stream),
            )
            keyed.append(((*group, child.position, child_entry["title"]), child_entry))
    keyed.sort(key=lambda pair: pair[0])
    return [entry for _key, entry in keyed]


def snapshot(event: Event) -> list[dict[str, Any]]:
    """The schedule as it would be released now (every SEQUENCE 0: `release` sets them)."""
    return frozen(event, active_slots(event))


def digest(sessions: list[dict[str, Any]], changes: list[dict[str, Any]]) -> str:
    """A release's content as a short hash (its `digest` column): what the feeds' caches and
    ETags are keyed by, with the release's time. Migration 0014 uses the same formula."""
    content = {"sessions": sessions or [], "changes": changes or []}
    raw = json.dumps(content, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def content(entry: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in entry.items() if key != "sequence"}


def _history(event: Event, uids: set[str]) -> dict[str, int]:
    """The highest SEQUENCE each uid ever had in the event's releases (for a session that
    comes back after it was removed or cancelled: its calendar entry must move forward)."""
    if not uids:
        return {}
    found: dict[str, int] = {}
    rows = db.session.execute(
        select(ScheduleRelease.sessions, ScheduleRelease.changes).where(
            ScheduleRelease.event_id == event.id
        )
    )
    for sessions, changes in rows:
        for item in [*(sessions or []), *(changes or [])]:
            uid = item.get("uid")
            if uid in uids and "sequence" in item:
                found[uid] = max(found.get(uid, -1), int(item["sequence"]))
    return found


def sequenced(
    event: Event, previous: list[dict[str, Any]] | None, current: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each entry's SEQUENCE: the same as before when the session did not change, one more
    when it did, 0 for a new one (or one more than its last, if it had been released once)."""
    before = {entry["uid"]: entry for entry in previous or []}
    new = {entry["uid"] for entry in current if entry["uid"] not in before}
    history = _history(event, new) if previous is not None else {}
    result = []
    for entry in current:
        old = before.get(entry["uid"])
        if old is None:
            sequence = history.get(entry["uid"], -1) + 1
        elif content(old) == content(entry):
            sequence = int(old.get("sequence", 0))
        else:
            sequence = int(old.get("sequence", 0)) + 1
        result.append({**entry, "sequence": sequence})
    return result
