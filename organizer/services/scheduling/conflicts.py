"""Schedule conflicts: computed from a Plan, never stored, each with a plain explanation.

One function per rule; `find_conflicts` runs them all. The automatic scheduler's results are
checked with the same code, so "the solver says it is fine" and "the editor shows no conflict"
cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _

from organizer.enums import ConflictRule, Severity, SlotKind
from organizer.services.scheduling.plan import Interval, Plan, Session


@dataclass(frozen=True)
class Conflict:
    rule: ConflictRule
    severity: Severity
    session_ids: tuple[int, ...]
    message: str

    def involves(self, session_id: int) -> bool:
        return session_id in self.session_ids

    def as_json(self, plan: Plan) -> dict[str, object]:
        return {
            "rule": self.rule.value,
            "rule_label": _(self.rule.label),
            "severity": self.severity.value,
            "severity_label": _(self.severity.label),
            "sessions": [plan.sessions[i].public_id for i in self.session_ids],
            "message": self.message,
        }


def _zone(name: str, fallback: str) -> ZoneInfo:
    """The named zone, or the fallback (the event's) when the name is empty or unknown."""
    try:
        return ZoneInfo(name or fallback)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(fallback)


def _period(start: dt.datetime, end: dt.datetime, tz: ZoneInfo) -> str:
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


def _span(plan: Plan, session: Session, tz: ZoneInfo | None = None) -> str:
    assert session.starts_at is not None
    assert session.ends_at is not None
    return _period(session.starts_at, session.ends_at, tz or ZoneInfo(plan.timezone))


def _where(plan: Plan, session: Session) -> str:
    if session.all_rooms:
        room = _("all rooms")
    else:
        room = plan.rooms[session.room_id].name if session.room_id in plan.rooms else "?"
    return _(
        "“%(title)s” (%(room)s, %(span)s)",
        title=session.title,
        room=room,
        span=_span(plan, session),
    )


def _windows_text(windows: tuple[Interval, ...], tz: ZoneInfo) -> str:
    return "; ".join(_period(a, b, tz) for a, b in windows)


def _inside(start: dt.datetime, end: dt.datetime, intervals: tuple[Interval, ...]) -> bool:
    return any(a <= start and end <= b for a, b in intervals)


def _occupancy(plan: Plan) -> dict[int, list[Session]]:
    """Placed top-level sessions per room; an all-rooms item occupies every room."""
    rooms: dict[int, list[Session]] = {room_id: [] for room_id in plan.rooms}
    for session in plan.placed():
        targets = plan.rooms if session.all_rooms else [session.room_id]
        for room_id in targets:
            rooms.setdefault(room_id, []).append(session)  # type: ignore[arg-type]
    for sessions in rooms.values():
        sessions.sort(key=lambda s: (s.starts_at, s.id))
    return rooms


def room_overlaps(plan: Plan) -> Iterator[Conflict]:
    seen: set[tuple[int, int]] = set()
    for room_id, sessions in _occupancy(plan).items():
        for i, first in enumerate(sessions):
            for second in sessions[i + 1 :]:
                if second.starts_at >= first.ends_at:  # type: ignore[operator]
                    break
                pair = (min(first.id, second.id), max(first.id, second.id))
                if pair in seen:
                    continue
                seen.add(pair)
                room = plan.rooms[room_id].name if room_id in plan.rooms else "?"
                yield _conflict(
                    plan,
                    ConflictRule.ROOM_OVERLAP,
                    pair,
                    _(
                        "%(first)s and %(second)s overlap in %(room)s.",
                        first=_where(plan, first),
                        second=_where(plan, second),
                        room=room,
                    ),
                )


def _same_room(first: Session, second: Session) -> bool:
    return first.room_id == second.room_id and not (first.all_rooms or second.all_rooms)


def speaker_double_bookings(plan: Plan) -> Iterator[Conflict]:
    """A speaker in two sessions at once, or in two rooms with less walking time between them
    than the event's buffer."""
    by_speaker: dict[int, list[Session]] = {}
    for session in plan.placed():
        for person in plan.speakers_of(session):
            by_speaker.setdefault(person, []).append(session)
    for person_id, sessions in by_speaker.items():
        sessions.sort(key=lambda s: (s.starts_at, s.id))
        name = plan.people[person_id].name if person_id in plan.people else "?"
        for i, first in enumerate(sessions):
            for second in sessions[i + 1 :]:
                gap = second.starts_at - first.ends_at  # type: ignore[operator]
                if gap >= plan.buffer:
                    break
                if gap < dt.timedelta(0):
                    message = _(
                        "%(name)s is in two places at once: %(first)s and %(second)s.",
                        name=name,
                        first=_where(plan, first),
                        second=_where(plan, second),
                    )
                elif _same_room(first, second):
                    continue  # back to back in one room needs no walking
                else:
                    message = _(
                        "%(name)s has %(gap)d minutes to get from %(first)s to %(second)s; "
                        "the event allows %(buffer)d minutes between rooms.",
                        name=name,
                        gap=gap.total_seconds() // 60,
                        first=_where(plan, first),
                        second=_where(plan, second),
                        buffer=plan.buffer.total_seconds() // 60,
                    )
                yield _conflict(
                    plan, ConflictRule.SPEAKER_DOUBLE_BOOKED, (first.id, second.id), message
                )


def speaker_unavailable(plan: Plan) -> Iterator[Conflict]:
    """A speaker scheduled outside the times they can speak. The times are written in the
    speaker's own zone when they have one (remote speakers), with the session's time in that
    zone too, so that the two can be compared."""
    for session in plan.placed():
        for person_id in plan.speakers_of(session):
            windows = plan.availability.get(person_id)
            if windows is None or _inside(session.starts_at, session.ends_at, windows):  # type: ignore[arg-type]
                continue
            person = plan.people.get(person_id)
            name = person.name if person else "?"
            tz = _zone(person.timezone if person else "", plan.timezone)
            zone = str(tz.key)
            if not windows:
                message = _(
                    "%(name)s said they cannot speak at any time of the event, and is scheduled "
                    "for %(session)s.",
                    name=name,
                    session=_where(plan, session),
                )
            elif zone != plan.timezone:
                message = _(
                    "%(name)s is not available for %(session)s, which is %(their)s their time "
                    "(%(zone)s). They can speak: %(free)s (%(zone)s time).",
                    name=name,
                    session=_where(plan, session),
                    their=_span(plan, session, tz),
                    free=_windows_text(windows, tz),
                    zone=zone,
                )
            else:
                message = _(
                    "%(name)s is not available for %(session)s. They can speak: %(free)s "
                    "(%(zone)s time).",
                    name=name,
                    session=_where(plan, session),
                    free=_windows_text(windows, tz),
                    zone=zone,
                )
            yield _conflict(plan, ConflictRule.SPEAKER_UNAVAILABLE, (session.id,), message)


def outside_hours(plan: Plan) -> Iterator[Conflict]:
    days = tuple((d.starts_at, d.ends_at) for d in plan.days)
    for session in plan.placed():
        start, end = session.starts_at, session.ends_at
        if not _inside(start, end, days):  # type: ignore[arg-type]
            day = plan.day_of(start)  # type: ignore[arg-type]
            if day is None:
                reason = _("it is not within any of the event's days and hours")
            else:
                reason = _(
                    "the day's hours are %(hours)s",
                    hours=_period(day.starts_at, day.ends_at, ZoneInfo(plan.timezone)),
                )
            yield _conflict(
                plan,
                ConflictRule.OUTSIDE_HOURS,
                (session.id,),
                _(
                    "%(session)s is outside the schedule: %(reason)s.",
                    session=_where(plan, session),
                    reason=reason,
                ),
            )
            continue
        if session.all_rooms:
            continue
        room = plan.rooms.get(session.room_id)  # type: ignore[arg-type]
        if room is not None and room.windows and not _inside(start, end, room.windows):  # type: ignore[arg-type]
            tz = ZoneInfo(plan.timezone)
            open_ = _windows_text(room.windows, tz)
            yield _conflict(
                plan,
                ConflictRule.OUTSIDE_HOURS,
                (session.id,),
                _(
                    "%(session)s is outside the hours of %(room)s, which is open %(open)s.",
                    session=_where(plan, session),
                    room=room.name,
                    open=open_,
                ),
            )


def too_long(plan: Plan) -> Iterator[Conflict]:
    for session in plan.placed():
        if session.required_minutes > session.duration:
            if session.kind is SlotKind.CONTAINER:
                message = _(
                    "The talks in %(session)s need %(need)d minutes; the block has %(have)d.",
                    session=_where(plan, session),
                    need=session.required_minutes,
                    have=session.duration,
                )
            else:
                message = _(
                    "%(session)s needs %(need)d minutes; its slot has %(have)d.",
                    session=_where(plan, session),
                    need=session.required_minutes,
                    have=session.duration,
                )
            yield _conflict(plan, ConflictRule.TOO_LONG, (session.id,), message)


def over_capacity(plan: Plan) -> Iterator[Conflict]:
    for session in plan.placed():
        room = plan.rooms.get(session.room_id)  # type: ignore[arg-type]
        if session.all_rooms or room is None or room.capacity is None:
            continue
        if session.expected_audience is not None and session.expected_audience > room.capacity:
            yield _conflict(
                plan,
                ConflictRule.OVER_CAPACITY,
                (session.id,),
                _(
                    "%(session)s expects %(audience)d people; %(room)s seats %(capacity)d.",
                    session=_where(plan, session),
                    audience=session.expected_audience,
                    room=room.name,
                    capacity=room.capacity,
                ),
            )


def step_free(plan: Plan) -> Iterator[Conflict]:
    for session in plan.placed():
        room = plan.rooms.get(session.room_id)  # type: ignore[arg-type]
        if session.all_rooms or room is None or room.step_free:
            continue
        for person_id in plan.speakers_of(session):
            person = plan.people.get(person_id)
            if person is not None and person.needs_step_free:
                yield _conflict(
                    plan,
                    ConflictRule.STEP_FREE,
                    (session.id,),
                    _(
                        "%(name)s asked for step-free access, and %(room)s is not step-free "
                        "(%(session)s).",
                        name=person.name,
                        room=room.name,
                        session=_where(plan, session),
                    ),
                )


RULES: dict[ConflictRule, Callable[[Plan], Iterator[Conflict]]] = {
    ConflictRule.SPEAKER_DOUBLE_BOOKED: speaker_double_bookings,
    ConflictRule.SPEAKER_UNAVAILABLE: speaker_unavailable,
    ConflictRule.ROOM_OVERLAP: room_overlaps,
    ConflictRule.OUTSIDE_HOURS: outside_hours,
    ConflictRule.TOO_LONG: too_long,
    ConflictRule.OVER_CAPACITY: over_capacity,
    ConflictRule.STEP_FREE: step_free,
}


def _conflict(
    plan: Plan, rule: ConflictRule, session_ids: tuple[int, ...], message: str
) -> Conflict:
    return Conflict(rule, plan.severities[rule], session_ids, message)


def find_conflicts(plan: Plan, *, include_ignored: bool = False) -> list[Conflict]:
    """Every conflict in the plan, most severe first. Rules set to "ignored" are skipped
    unless asked for (the solver's own check asks, so that it never relies on a setting)."""
    order = list(Severity)
    found = [
        conflict
        for rule, check in RULES.items()
        if include_ignored or plan.severities[rule] is not Severity.IGNORED
        for conflict in check(plan)
    ]
    return sorted(found, key=lambda c: (order.index(c.severity), c.rule.value, c.session_ids))


def conflicts_of(plan: Plan, session_id: int) -> list[Conflict]:
    return [c for c in find_conflicts(plan) if c.involves(session_id)]
