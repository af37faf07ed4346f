"""More people expected than the room seats."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from organizer.enums import ConflictRule, Severity
from organizer.services.scheduling.rules.base import Conflict, Rule, SolverPart, where

if TYPE_CHECKING:
    from organizer.services.scheduling.plan import Plan, RoomInfo, Session
    from organizer.services.scheduling.solver.context import Context


def fits(session: Session, room: RoomInfo) -> bool:
    """The room seats the session's expected audience (or one of the two is not known)."""
    return not (
        session.expected_audience is not None
        and room.capacity is not None
        and session.expected_audience > room.capacity
    )


def check(plan: Plan, rule: Rule) -> Iterator[Conflict]:
    for session in plan.placed():
        room = plan.rooms.get(session.room_id)  # type: ignore[arg-type]
        if session.all_rooms or room is None or fits(session, room):
            continue
        message = _(
            "%(session)s expects %(audience)d people; %(room)s seats %(capacity)d.",
            session=where(plan, session),
            audience=session.expected_audience,
            room=room.name,
            capacity=room.capacity,
        )
        yield rule.conflict(plan, (session.id,), message)


def room_ok(ctx: Context, session: Session, speakers: tuple[int, ...], room_id: int) -> bool:
    """The solver: only rooms that seat the expected audience."""
    return fits(session, ctx.plan.rooms[room_id])


RULE = Rule(
    code=ConflictRule.OVER_CAPACITY,
    label=_l("Expected audience over the room's capacity"),
    explanation=_l("More people are expected than the room has seats."),
    default_severity=Severity.WARNING,
    check=check,
    solver=SolverPart(room_ok=room_ok),
)
