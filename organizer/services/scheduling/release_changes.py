"""The change log of a release: what changed since the release before, session by session
(added, moved, put in another room, cancelled or removed)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# Change types, in the order a change log lists them when they happen at the same time.
ADDED = "added"
MOVED = "moved"
ROOM_CHANGED = "room_changed"
MOVED_AND_ROOM_CHANGED = "moved_and_room_changed"
CANCELLED = "cancelled"
REMOVED = "removed"
CHANGE_TYPES = (ADDED, MOVED, ROOM_CHANGED, MOVED_AND_ROOM_CHANGED, CANCELLED, REMOVED)

# The changes whose speakers get a mail with the updated .ics.
MAILED = (ADDED, MOVED, ROOM_CHANGED, MOVED_AND_ROOM_CHANGED, CANCELLED)

# The changes attendees who starred the session hear about (an added session cannot have
# been starred before; a removed one is back in the editor, not cancelled).
WATCHED = (MOVED, ROOM_CHANGED, MOVED_AND_ROOM_CHANGED, CANCELLED)


def _place(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "room": entry["room"],
        "all_rooms": entry["all_rooms"],
        "starts_at": entry["starts_at"],
        "ends_at": entry["ends_at"],
    }


def change_log(
    previous: list[dict[str, Any]] | None,
    current: list[dict[str, Any]],
    *,
    cancelled_uids: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """What changed from `previous` (None before the first release) to `current`.

    Each entry is {"type", "uid", "title", "before", "after"}, the places being {"room",
    "all_rooms", "starts_at", "ends_at"} or None. A session that is gone is "cancelled" when
    its uid is in `cancelled_uids` (its proposal was cancelled, withdrawn or declined), else
    "removed"; gone entries also keep the SEQUENCE their calendar entry has now. Sorted by
    time (after, else before), type, title and uid.
    """
    cancelled = set(cancelled_uids)
    before = {entry["uid"]: entry for entry in previous or []}
    after = {entry["uid"]: entry for entry in current}
    changes: list[dict[str, Any]] = []
    for uid, entry in after.items():
        old = before.get(uid)
        if old is None:
            changes.append(
                {
                    "type": ADDED,
                    "uid": uid,
                    "title": entry["title"],
                    "before": None,
                    "after": _place(entry),
                }
            )
            continue
        moved = (old["starts_at"], old["ends_at"]) != (entry["starts_at"], entry["ends_at"])
        rehoused = (old["room_id"], old["all_rooms"]) != (entry["room_id"], entry["all_rooms"])
        if not (moved or rehoused):
            continue
        kind = MOVED_AND_ROOM_CHANGED if moved and rehoused else MOVED if moved else ROOM_CHANGED
        changes.append(
            {
                "type": kind,
                "uid": uid,
                "title": entry["title"],
                "before": _place(old),
                "after": _place(entry),
            }
        )
    for uid, old in before.items():
        if uid in after:
            continue
        gone = uid in cancelled
        changes.append(
            {
                "type": CANCELLED if gone else REMOVED,
                "uid": uid,
                "title": old["title"],
                "before": _place(old),
                "after": None,
                # A cancellation is sent as an update of the calendar entry.
                "sequence": old.get("sequence", 0) + (1 if gone else 0),
            }
        )

    def key(change: dict[str, Any]) -> tuple[Any, ...]:
        place = change["after"] or change["before"]
        return (
            place["starts_at"],
            CHANGE_TYPES.index(change["type"]),
            change["title"],
            change["uid"],
        )

    return sorted(changes, key=key)
