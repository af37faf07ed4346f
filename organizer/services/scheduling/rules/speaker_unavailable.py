"""A speaker scheduled outside the times they said they can speak."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from organizer.enums import ConflictRule, Severity
from organizer.services.scheduling.rules.base import (
    Conflict,
    Rule,
    SolverPart,
    Spans,
    inside,
    span,
    where,
    windows_text,
    zone,
)

if TYPE_CHECKING:
    from organizer.services.scheduling.plan import Interval, Plan, Session
    from organizer.services.scheduling.solver.context import Context


def _message(plan: Plan, session: Session, person_id: int, windows: tuple[Interval, ...]) -> str:
    person = plan.people.get(person_id)
    name = person.name if person else "?"
    tz = zone(person.timezone if person else "", plan.timezone)
    zone_name = str(tz.key)
    if not windows:
        return _(
            "%(name)s said they cannot speak at any time of the event, and is scheduled "
            "for %(session)s.",
            name=name,
            session=where(plan, session),
        )
    if zone_name != plan.timezone:
        return _(
            "%(name)s is not available for %(session)s, which is %(their)s their time "
            "(%(zone)s). They can speak: %(free)s (%(zone)s time).",
            name=name,
            session=where(plan, session),
            their=span(plan, session, tz),
            free=windows_text(windows, tz),
            zone=zone_name,
        )
    return _(
        "%(name)s is not available for %(session)s. They can speak: %(free)s (%(zone)s time).",
        name=name,
        session=where(plan, session),
        free=windows_text(windows, tz),
        zone=zone_name,
    )


def check(plan: Plan, rule: Rule) -> Iterator[Conflict]:
    """A speaker scheduled outside the times they can speak. The times are written in the
    speaker's own zone when they have one (remote speakers), with the session's time in that
    zone too, so that the two can be compared."""
    for session in plan.placed():
        for person_id in plan.speakers_of(session):
            windows = plan.availability.get(person_id)
            if windows is None or inside(session.starts_at, session.ends_at, windows):  # type: ignore[arg-type]
                continue
            yield rule.conflict(plan, (session.id,), _message(plan, session, person_id, windows))


def spans(
    ctx: Context, session: Session, speakers: Iterable[int], room_id: int | None
) -> Iterable[Spans]:
    """The solver: a session lies inside every speaker's availability."""
    for person in speakers:
        if person in ctx.availability:
            yield [ctx.clock.span(w) for w in ctx.availability[person]]


RULE = Rule(
    code=ConflictRule.SPEAKER_UNAVAILABLE,
    label=_l("A speaker outside their availability"),
    explanation=_l("A session is placed at a time its speaker said they cannot speak."),
    default_severity=Severity.WARNING,
    check=check,
    solver=SolverPart(spans=spans),
)
