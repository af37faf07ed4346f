"""A speaker who needs step-free access in a room without it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from organizer.enums import ConflictRule, Severity
from organizer.services.scheduling.rules.base import Conflict, Rule, SolverPart, where

if TYPE_CHECKING:
    from organizer.services.scheduling.plan import Plan, Session
    from organizer.services.scheduling.solver.context import Context


def needing(plan: Plan, speakers: Iterable[int]) -> list[int]:
    """The speakers who need step-free access."""
    return [p for p in speakers if p in plan.people and plan.people[p].needs_step_free]


def check(plan: Plan, rule: Rule) -> Iterator[Conflict]:
    for session in plan.placed():
        room = plan.rooms.get(session.room_id)  # type: ignore[arg-type]
        if session.all_rooms or room is None or room.step_free:
            continue
        for person_id in needing(plan, plan.speakers_of(session)):
            message = _(
                "%(name)s asked for step-free access, and %(room)s is not step-free (%(session)s).",
                name=plan.people[person_id].name,
                room=room.name,
                session=where(plan, session),
            )
            yield rule.conflict(plan, (session.id,), message)


def room_ok(ctx: Context, session: Session, speakers: tuple[int, ...], room_id: int) -> bool:
    """The solver: a session with a speaker who needs it goes in a step-free room."""
    return ctx.plan.rooms[room_id].step_free or not needing(ctx.plan, speakers)


RULE = Rule(
    code=ConflictRule.STEP_FREE,
    label=_l("A step-free need not met"),
    explanation=_l("A speaker who needs step-free access is in a room without it."),
    default_severity=Severity.BLOCKS_RELEASE,
    check=check,
    solver=SolverPart(room_ok=room_ok),
)
