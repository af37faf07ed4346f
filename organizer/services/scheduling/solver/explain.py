"""Why a session gets no place: in words organizers can act on, naming the rule and the room,
speaker or session in the way. `why_empty` explains a session with no legal start at all (the
checks run from the broadest reason to the narrowest); `core_reason` a session that cannot be
placed together with others (see infeasible.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from organizer.services.scheduling.plan import Interval, Plan, Session
from organizer.services.scheduling.rules import over_capacity, step_free

if TYPE_CHECKING:
    from organizer.services.scheduling.solver.context import Context, Fixed, Free


def title(session: Session) -> str:
    return _("“%(title)s”", title=session.title)


def titles(sessions: Iterable[Session]) -> str:
    return ", ".join(title(s) for s in sessions)


def windows_text(windows: Iterable[Interval], zone: ZoneInfo) -> str:
    parts = []
    for a, b in windows:
        start, end = a.astimezone(zone), b.astimezone(zone)
        end_text = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%a %d %b %H:%M}"
        parts.append(f"{start:%a %d %b %H:%M}\N{EN DASH}{end_text}")
    return "; ".join(parts)


def names(plan: Plan, people: Iterable[int]) -> str:
    return _(" and ").join(plan.people[p].name if p in plan.people else "?" for p in people)


# A session with no legal start ---------------------------------------------------------------


def why_empty(ctx: Context, free: Free) -> list[str]:
    plan, session = ctx.plan, free.session
    if not plan.days:
        return [_("The schedule has no days yet: add the event's days and their hours.")]
    if not plan.rooms:
        return [_("The event has no rooms yet.")]
    for step in (_no_room, _too_long_for_days, _speakers_never_free, _rooms_closed):
        reasons = step(ctx, free)
        if reasons:
            return reasons
    return [_taken(ctx, session, free.speakers, _fitting(ctx, free))]


def _no_room(ctx: Context, free: Free) -> list[str]:
    """No room seats its audience, or none of those is step-free for a speaker who needs it."""
    plan, session = ctx.plan, free.session
    if session.all_rooms:
        return []
    roomy = [r for r in ctx.room_ids if over_capacity.fits(session, plan.rooms[r])]
    if not roomy:
        largest = max(
            (plan.rooms[r] for r in ctx.room_ids if plan.rooms[r].capacity is not None),
            key=lambda room: room.capacity or 0,
        )
        return [
            _(
                "No room holds its expected audience of %(audience)d (largest: "
                "%(room)s, %(capacity)d).",
                audience=session.expected_audience,
                room=largest.name,
                capacity=largest.capacity,
            )
        ]
    needing = step_free.needing(plan, free.speakers)
    if not needing or any(plan.rooms[r].step_free for r in roomy):
        return []
    if len(roomy) == len(ctx.room_ids):
        return [
            _(
                "%(names)s needs a step-free room, and none of the rooms is.",
                names=names(plan, needing),
            )
        ]
    return [
        _(
            "%(names)s needs a step-free room, and none of the rooms that hold "
            "its expected audience of %(audience)d is.",
            names=names(plan, needing),
            audience=session.expected_audience,
        )
    ]


def _too_long_for_days(ctx: Context, free: Free) -> list[str]:
    if ctx.starts_in(ctx.days, free.duration):
        return []
    longest = max(hi - lo for lo, hi in ctx.days)
    return [
        _(
            "It is %(minutes)d minutes long; the longest day is open %(open)d minutes.",
            minutes=free.duration,
            open=longest,
        )
    ]


def _speaker_never_free(ctx: Context, free: Free, person: int) -> str | None:
    plan, duration = ctx.plan, free.duration
    windows = ctx.availability[person]
    if ctx.starts_in(ctx.windows(free.session, [person], None), duration):
        return None
    name = plan.people[person].name if person in plan.people else "?"
    zone_name = (plan.people[person].timezone if person in plan.people else "") or ""
    zone = ZoneInfo(zone_name or plan.timezone)
    text = windows_text(windows, zone) or _("never")
    if zone_name and zone_name != plan.timezone:
        text = _("%(times)s (%(zone)s time)", times=text, zone=zone_name)
    longest = max((b - a for a, b in windows), default=dt.timedelta(0))
    if longest < dt.timedelta(minutes=duration):
        return _(
            "%(name)s is available only %(times)s, shorter than its %(minutes)d minutes.",
            name=name,
            times=text,
            minutes=duration,
        )
    return _(
        "The availability of %(name)s (%(times)s) never overlaps the day's "
        "hours for %(minutes)d minutes.",
        name=name,
        times=text,
        minutes=duration,
    )


def _speakers_never_free(ctx: Context, free: Free) -> list[str]:
    """A speaker never free within the days, or speakers never free at the same time."""
    restricted = [p for p in free.speakers if p in ctx.availability]
    reasons = [r for p in restricted if (r := _speaker_never_free(ctx, free, p)) is not None]
    if reasons:
        return reasons
    if len(restricted) > 1 and not ctx.starts_in(
        ctx.windows(free.session, restricted, None), free.duration
    ):
        return [
            _(
                "The availability of %(names)s never overlaps for %(minutes)d minutes "
                "within the day's hours.",
                names=names(ctx.plan, restricted),
                minutes=free.duration,
            )
        ]
    return []


def _fitting(ctx: Context, free: Free) -> list[int]:
    """The rooms open for the session at a time its speakers can come."""
    session = free.session
    return [
        r
        for r in free.rooms
        if ctx.starts_in(ctx.windows(session, free.speakers, r), free.duration)
    ]


def _rooms_closed(ctx: Context, free: Free) -> list[str]:
    if _fitting(ctx, free):
        return []
    plan = ctx.plan
    described = [
        _(
            "%(room)s (open %(times)s)",
            room=plan.rooms[r].name,
            times=windows_text(plan.rooms[r].windows, ctx.clock.zone),
        )
        if plan.rooms[r].windows
        else plan.rooms[r].name
        for r in free.rooms
    ]
    return [
        _(
            "No room that suits it is open for %(minutes)d minutes at a time when its "
            "speakers can come: %(rooms)s.",
            minutes=free.duration,
            rooms="; ".join(described),
        )
    ]


def _taken(ctx: Context, session: Session, speakers: tuple[int, ...], fitting: list[int]) -> str:
    """Every place that suits it is taken by sessions that stay where they are."""
    in_room: dict[int, Fixed] = {}
    by_speaker: dict[int, Fixed] = {}
    mine = set(speakers)
    for room_id in fitting:
        # In the order of ctx.fixed, whichever rule's blocker names them.
        ids = {fixed.session.id for _lo, _hi, fixed in ctx.blockers(session, speakers, room_id)}
        for fixed in ctx.fixed:
            if fixed.session.id not in ids:
                continue
            if mine.intersection(fixed.speakers):
                by_speaker.setdefault(fixed.session.id, fixed)
            else:
                in_room.setdefault(fixed.session.id, fixed)
    blocking = sorted([*by_speaker.values(), *in_room.values()], key=lambda f: f.start)
    shown = [f.session for f in blocking[:4]]
    more = len(blocking) - len(shown)
    text = _(
        "Every time and room that suits it is taken by sessions that stay where they "
        "are: %(sessions)s.",
        sessions=titles(shown) + (_(" and %(n)d more", n=more) if more > 0 else ""),
    )
    if by_speaker:
        people = sorted({p for f in by_speaker.values() for p in f.speakers if p in mine})
        text += " " + _(
            "%(names)s speaks in some of them, with %(buffer)d minutes needed between rooms.",
            names=names(ctx.plan, people),
            buffer=ctx.buffer,
        )
    return text


# A session that cannot be placed together with others ------------------------------------------


def core_reason(ctx: Context, core: tuple[int, ...], sid: int) -> str:
    plan = ctx.plan
    by_id = {f.id: f for f in ctx.frees}
    members = [by_id[i] for i in core if i in by_id]
    others = [f.session for f in members if f.id != sid]
    shared = set.intersection(*(set(f.speakers) for f in members)) if members else set()
    rooms = sorted({r for f in members for r in f.starts}, key=ctx.room_ids.index)
    if not others:
        return _("No place is left for it once the sessions that stay where they are are placed.")
    why: list[str] = []
    if shared:
        people = sorted(shared)
        restricted = [p for p in people if p in ctx.availability]
        if restricted:
            zone = ctx.clock.zone
            why.append(
                _(
                    "they share %(names)s, available %(times)s",
                    names=names(plan, people),
                    times="; ".join(windows_text(ctx.availability[p], zone) for p in restricted),
                )
            )
        else:
            why.append(_("they share %(names)s", names=names(plan, people)))
    if len(rooms) <= 3:
        why.append(
            _(
                "only %(rooms)s suit them",
                rooms=_(" and ").join(plan.rooms[r].name for r in rooms),
            )
        )
    return _(
        "It cannot be placed together with %(others)s: %(why)s. Give them more time, another "
        "room or another speaker's availability, or leave one out.",
        others=titles(others),
        why="; ".join(why) or _("there is not enough room and time for all of them"),
    )
