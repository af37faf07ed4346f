"""Ordered lists that organizers rearrange with up and down buttons (session types, tracks,
questions, criteria)."""

from __future__ import annotations

from typing import Any

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
