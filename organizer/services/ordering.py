"""Ordered lists that organizers rearrange with up and down buttons (session types, tracks,
questions, criteria)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from organizer.errors import NotFound
from organizer.extensions import db


def swap_with_neighbour(items: list[Any], item: Any, direction: int) -> None:
    """Swap `item` with the one above (direction < 0) or below (> 0); nothing happens at either
    end. Positions are renumbered 0, 1, 2... so that equal positions cannot block a move."""
    index = items.index(item)
    other = index + (1 if direction > 0 else -1)
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    for position, sibling in enumerate(items):
        sibling.position = position
    db.session.flush()


def in_order(model: Any, owner: Any) -> list[Any]:
    """The rows of `model` whose `owner` column (e.g. `Question.event_id == event.id`) holds, in
    the order organizers gave them: by position, ties by id."""
    return list(db.session.scalars(select(model).where(owner).order_by(model.position, model.id)))


def one_of(model: Any, row_id: int, *, owner_column: str, owner_id: int) -> Any:
    """The row of `model` with this id if it belongs to the owner; else NotFound, so that an id
    from another event or programme reads as if it did not exist."""
    row = db.session.get(model, row_id)
    if row is None or getattr(row, owner_column) != owner_id:
        raise NotFound()
    return row
