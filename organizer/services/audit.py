"""Writing the audit log. Reading it is `entries_for_event`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import selectinload

from organizer.extensions import db
from organizer.models import AllocationLine, AuditEntry, Event, GrantApplication, User
from organizer.services.reviewing import interests


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


def entries_for_event(event: Event, *, viewer: User | None = None) -> Select[tuple[AuditEntry]]:
    """The event's entries, newest first. With `viewer`, the entries about the viewer's own
    proposals and grant applications (services/conflicts.py) are left out: they name who
    reviews them, the decision pencilled in, the committee's pins and notes, which an
    organizer who also speaks or applies must not learn from the log either."""
    query = select(AuditEntry).where(AuditEntry.event_id == event.id)
    if viewer is not None:
        proposals = [str(i) for i in interests.own_proposal_ids(event, viewer)]
        own_applications = interests.own_application_ids(event, viewer)
        public_ids = db.session.scalars(
            select(GrantApplication.public_id).where(GrantApplication.id.in_(own_applications))
        )
        # entries name an application by its id or by its public id
        applications = [*(str(i) for i in own_applications), *public_ids]
        lines = [
            str(i)
            for i in db.session.scalars(
                select(AllocationLine.id).where(AllocationLine.application_id.in_(own_applications))
            )
        ]
        query = query.where(
            ~and_(AuditEntry.object_type == "proposal", AuditEntry.object_id.in_(proposals)),
            ~and_(
                AuditEntry.object_type == "grant_application",
                AuditEntry.object_id.in_(applications),
            ),
            ~and_(AuditEntry.object_type == "allocation_line", AuditEntry.object_id.in_(lines)),
        )
    return query.options(selectinload(AuditEntry.actor)).order_by(
        AuditEntry.occurred_at.desc(), AuditEntry.id.desc()
    )
