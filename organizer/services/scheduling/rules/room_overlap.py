"""Two sessions overlapping in one room (an all-rooms item takes every room)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from organizer.enums import ConflictRule, Severity
from organizer.services.scheduling.rules.base import Conflict, Rule, SolverPart, where

if TYPE_CHECKING:
    from organizer.services.scheduling.plan import Plan, Session
    from organizer.services.scheduling.solver.context import Context, Fixed, Free
    from organizer.services.scheduling.solver.model import Model


def occupancy(plan: Plan) -> dict[int, list[Session]]:
    """Placed top-level sessions per room; an all-rooms item occupies every room."""
    rooms: dict[int, list[Session]] = {room_id: [] for room_id in plan.rooms}
    for session in plan.placed():
        targets = plan.rooms if session.all_rooms else [session.room_id]
        for room_id in targets:
            rooms.setdefault(room_id, []).append(session)  # type: ignore[arg-type]
    for sessions in rooms.values():
        sessions.sort(key=lambda s: (s.starts_at, s.id))
    return rooms


def check(plan: Plan, rule: Rule) -> Iterator[Conflict]:
    seen: set[tuple[int, int]] = set()
    for room_id, sessions in occupancy(plan).items():
        for i, first in enumerate(sessions):
            for second in sessions[i + 1 :]:
                if second.starts_at >= first.ends_at:  # type: ignore[operator]
                    break
                pair = (min(first.id, second.id), max(first.id, second.id))
                if pair in seen:
                    continue
                seen.add(pair)
                room = plan.rooms[room_id].name if room_id in plan.rooms else "?"
                yield rule.conflict(
                    plan,
                    pair,
                    _(
                        "%(first)s and %(second)s overlap in %(room)s.",
                        first=where(plan, first),
                        second=where(plan, second),
                        room=room,
                    ),
                )


# The solver: a NoOverlap of the sessions' optional intervals per room, and no start that
# overlaps a session staying in the room.


def blocks(
    ctx: Context, session: Session, speakers: tuple[int, ...], room_id: int
) -> list[tuple[int, int, Fixed]]:
    duration = session.duration
    return [
        (fixed.start - duration, fixed.end, fixed)
        for fixed in ctx.fixed
        if session.all_rooms or fixed.room is None or fixed.room == room_id
    ]


def constrain(model: Model, optional: bool) -> None:
    for intervals in model.room_intervals.values():
        if len(intervals) > 1:
            model.model.add_no_overlap(intervals)


def keep_clear(
    model: Model, stale: Free, other: Free, union: list[int], same_room: list[Any]
) -> None:
    assert stale.current is not None
    minute = stale.current[1]
    stays = ~model.placed[stale.id]
    for lit in same_room:
        model.keep_out(other, union, minute - other.duration, minute + stale.duration, [lit, stays])


RULE = Rule(
    code=ConflictRule.ROOM_OVERLAP,
    label=_l("Two sessions overlapping in one room"),
    explanation=_l("Two sessions share a room at the same time."),
    default_severity=Severity.BLOCKS_RELEASE,
    check=check,
    solver=SolverPart(blocks=blocks, constrain=constrain, keep_clear=keep_clear),
)
