"""Public addresses made from names: slugs for rooms and tracks, unique within an event."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from organizer.extensions import db
from organizer.models.base import slugify


def free_slug(model: Any, event_id: int, name: str, fallback: str) -> str:
    """The slug of `name`, with -2, -3 ... when another row of the event has it already.
    Set once when a row is made; renaming keeps it, so subscribed feeds keep working."""
    base = slugify(name, fallback)
    taken = set(
        db.session.scalars(
            select(model.slug).where(model.event_id == event_id, model.slug.like(f"{base}%"))
        )
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug
