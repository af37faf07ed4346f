"""Writing the audit log. Reading it is `entries_for_event`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from organizer.extensions import db
from organizer.models import AuditEntry, Event, User


def record(
    *,
    action: str,
    actor: User | None,
    now: dt.datetime,
    object_type: str,
    object_id: Any = None,
    event: Event | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        action=action,
        actor_id=actor.id if actor is not None else None,
        occurred_at=now,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        event_id=event.id if event is not None else None,
        details=details or {},
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def record_changes(
    *,
    before: dict[str, Any],
    after: dict[str, Any],
    action: str,
    actor: User | None,
    now: dt.datetime,
    object_type: str,
    object_id: Any = None,
    event: Event | None = None,
) -> AuditEntry | None:
    """Record the fields that differ between `before` and `after` (see `changes`) as one entry;
    nothing, and None, when none does."""
    changed = changes(before, after)
    if not changed:
        return None
    return record(
        action=action,
        actor=actor,
        now=now,
        object_type=object_type,
        object_id=object_id,
        event=event,
        details=changed,
    )


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{"field": [old, new]} for the fields whose value differs, as JSON-friendly strings."""
    return {
        key: [_jsonable(before.get(key)), _jsonable(value)]
        for key, value in after.items()
        if before.get(key) != value
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def site_entries() -> Select[tuple[AuditEntry]]:
    """Everything, newest first: sign-ins, account changes and every event's entries."""
    return (
        select(AuditEntry)
        .options(selectinload(AuditEntry.actor), selectinload(AuditEntry.event))
        .order_by(AuditEntry.occurred_at.desc(), AuditEntry.id.desc())
    )


def entries_for_event(event: Event) -> Select[tuple[AuditEntry]]:
    return (
        select(AuditEntry)
        .where(AuditEntry.event_id == event.id)
        .options(selectinload(AuditEntry.actor))
        .order_by(AuditEntry.occurred_at.desc(), AuditEntry.id.desc())
    )
