"""What a conflict rule is made of, and the words its messages share.

A `Rule` declares everything about one kind of schedule conflict: its code (stored in
`ScheduleSettings.severities`), its label, its default severity, the explanation on the settings
page, the check that finds its conflicts in a Plan (the editor, releases, the solver's last
check), and how the automatic scheduler keeps it (`SolverPart`). Each rule lives in its own
module next to this one; `rules/__init__.py` lists them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _

from organizer.enums import Severity

if TYPE_CHECKING:
    from organizer.services.scheduling.plan import Interval, Plan, Session
    from organizer.services.scheduling.solver.context import Context, Fixed, Free
    from organizer.services.scheduling.solver.model import Model

# Minutes from the solver's origin (see solver/context.py).
Spans = list[tuple[int, int]]  # sorted, disjoint intervals a session must lie in
Blocks = Iterable[tuple[int, int, "Fixed"]]  # open intervals of starts ruled out, and by what


@dataclass(frozen=True)
class Conflict:
    rule: str  # the rule's code: a ConflictRule member for the rules that ship
    severity: Severity
    session_ids: tuple[int, ...]
    message: str
    rule_label: Any = field(default="", compare=False)  # the rule's label, translated when shown

    def involves(self, session_id: int) -> bool:
        return session_id in self.session_ids

    def as_json(self, plan: Plan) -> dict[str, object]:
        return {
            "rule": str(self.rule),
            "rule_label": str(self.rule_label),
            "severity": self.severity.value,
            "severity_label": str(self.severity.label),
            "sessions": [plan.sessions[i].public_id for i in self.session_ids],
            "message": self.message,
        }


@dataclass(frozen=True)
class SolverPart:
    """How the automatic scheduler keeps a rule as a hard rule. Each hook is optional; the
    solver calls every rule's hooks at these points (see services/scheduling/solver/):

    `room_ok(ctx, session, speakers, room_id)`: may the session be in this room at all?
    `spans(ctx, session, speakers, room_id)`: lists of minute spans the session must lie in.
    `blocks(ctx, session, speakers, room_id)`: starts (open intervals) that the sessions
        staying where they are (`ctx.fixed`) rule out, each with the session in the way.
    `constrain(model, optional)`: CP-SAT constraints between the free sessions.
    `keep_clear(model, stale, other, union, same_room)`: in a repair, what `other` must keep
        clear of when the placed session `stale` ends up staying where it is; `same_room` holds
        the literal "other is in stale's room" (empty when they never share a room).
    """

    room_ok: Callable[[Context, Session, tuple[int, ...], int], bool] | None = None
    spans: Callable[[Context, Session, Iterable[int], int | None], Iterable[Spans]] | None = None
    blocks: Callable[[Context, Session, tuple[int, ...], int], Blocks] | None = None
    constrain: Callable[[Model, bool], None] | None = None
    keep_clear: Callable[[Model, Free, Free, list[int], list[Any]], None] | None = None


@dataclass(frozen=True)
class Rule:
    code: str  # a ConflictRule member for the rules that ship (the stored value)
    label: Any  # lazy_gettext: the rule's name, on the settings page and next to each conflict
    explanation: Any  # lazy_gettext: one line under the name on the settings page
    default_severity: Severity
    check: Callable[[Plan, Rule], Iterator[Conflict]]  # every conflict of this rule in a plan
    # How the automatic scheduler keeps the rule; None: the solver does not model it, and its
    # conflicts never stop a placement (see the rule's module for why).
    solver: SolverPart | None = None

    def conflict(self, plan: Plan, session_ids: tuple[int, ...], message: str) -> Conflict:
        return Conflict(self.code, plan.severities[self.code], session_ids, message, self.label)  # type: ignore[index]

    def conflicts(self, plan: Plan) -> Iterator[Conflict]:
        return self.check(plan, self)


# Words the messages share ----------------------------------------------------------------------


def zone(name: str, fallback: str) -> ZoneInfo:
    """The named zone, or the fallback (the event's) when the name is empty or unknown."""
    try:
        return ZoneInfo(name or fallback)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(fallback)


def period(start: dt.datetime, end: dt.datetime, tz: ZoneInfo) -> str:
    """A period in `tz`, such as "Sat 27 Mar 10:00" to "10:20" joined by an en dash. The end
    shows its date when it falls on another day, and midnight ending the start's day is 24:00."""
    a, b = start.astimezone(tz), end.astimezone(tz)
    if b.date() == a.date():
        until = f"{b:%H:%M}"
    elif b.date() == a.date() + dt.timedelta(days=1) and b.time() == dt.time(0):
        until = "24:00"
    else:
        until = f"{b:%a %d %b %H:%M}"
    return f"{a:%a %d %b %H:%M}\N{EN DASH}{until}"


def span(plan: Plan, session: Session, tz: ZoneInfo | None = None) -> str:
    assert session.starts_at is not None
    assert session.ends_at is not None
    return period(session.starts_at, session.ends_at, tz or ZoneInfo(plan.timezone))


def where(plan: Plan, session: Session) -> str:
    if session.all_rooms:
        room = _("all rooms")
    else:
        room = plan.rooms[session.room_id].name if session.room_id in plan.rooms else "?"
    return _(
        "“%(title)s” (%(room)s, %(span)s)",
        title=session.title,
        room=room,
        span=span(plan, session),
    )


def windows_text(windows: tuple[Interval, ...], tz: ZoneInfo) -> str:
    return "; ".join(period(a, b, tz) for a, b in windows)


def inside(start: dt.datetime, end: dt.datetime, intervals: tuple[Interval, ...]) -> bool:
    return any(a <= start and end <= b for a, b in intervals)
