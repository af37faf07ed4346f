"""A session outside the event's days and hours, or outside its room's opening windows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from organizer.enums import ConflictRule, Severity
from organizer.services.scheduling.rules.base import (
    Conflict,
    Rule,
    SolverPart,
    Spans,
    inside,
    period,
    where,
    windows_text,
)

if TYPE_CHECKING:
    from organizer.services.scheduling.plan import Plan, Session
    from organizer.services.scheduling.solver.context import Context


def _outside_days(plan: Plan, session: Session) -> str:
    day = plan.day_of(session.starts_at)  # type: ignore[arg-type]
    if day is None:
        reason = _("it is not within any of the event's days and hours")
    else:
        reason = _(
            "the day's hours are %(hours)s",
            hours=period(day.starts_at, day.ends_at, ZoneInfo(plan.timezone)),
        )
    return _(
        "%(session)s is outside the schedule: %(reason)s.",
        session=where(plan, session),
        reason=reason,
    )


def check(plan: Plan, rule: Rule) -> Iterator[Conflict]:
    days = tuple((d.starts_at, d.ends_at) for d in plan.days)
    for session in plan.placed():
        start, end = session.starts_at, session.ends_at
        if not inside(start, end, days):  # type: ignore[arg-type]
            yield rule.conflict(plan, (session.id,), _outside_days(plan, session))
            continue
        if session.all_rooms:
            continue
        room = plan.rooms.get(session.room_id)  # type: ignore[arg-type]
        if room is not None and room.windows and not inside(start, end, room.windows):  # type: ignore[arg-type]
            message = _(
                "%(session)s is outside the hours of %(room)s, which is open %(open)s.",
                session=where(plan, session),
                room=room.name,
                open=windows_text(room.windows, ZoneInfo(plan.timezone)),
            )
            yield rule.conflict(plan, (session.id,), message)


def spans(
    ctx: Context, session: Session, speakers: Iterable[int], room_id: int | None
) -> Iterable[Spans]:
    """The solver: a session lies inside one of the days, and inside its room's windows."""
    yield list(ctx.days)
    if room_id is not None and not session.all_rooms:
        room = ctx.plan.rooms[room_id]
        if room.windows:
            yield [ctx.clock.span(w) for w in room.windows]


RULE = Rule(
    code=ConflictRule.OUTSIDE_HOURS,
    label=_l("A session outside its room's or day's hours"),
    explanation=_l("A session runs outside its day's hours or outside the times its room is open."),
    default_severity=Severity.BLOCKS_RELEASE,
    check=check,
    solver=SolverPart(spans=spans),
)
