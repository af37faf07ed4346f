"""Random schedules as in-memory Plans (no database), for the scheduler's tests and benchmarks.

`make_plan(sessions=400, rooms=10, days=3, seed=...)` gives a workshop in Lisbon from
27 March 2027 (the clocks change on the 28th) with:

- days open 09:00-19:00 and a pinned all-rooms lunch at 12:30 each day;
- rooms seating 40 to 200 people, the last one not step-free unless there is only one;
- talks of 20 (more than half of them), 30, 40 and 90 minutes on a 10-minute grid, in tracks
  of about fifty; a third of them with an expected audience, which fits the third largest
  room (one in twenty of those: the largest);
- speakers: most give one talk, about one in eight gives two or three, one talk in ten has a
  co-speaker, one speaker in fifty needs a step-free room;
- availability for a third of the speakers (one day, a half day on two days, or every day but
  one), never shorter than the longest of their talks; co-speakers come whenever they are
  needed;
- a few talks pinned where they fit, one in ten with a preferred day or part of the day.

Everything comes from `random.Random(seed)`, so one seed always gives the same plan.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from zoneinfo import ZoneInfo

from organizer.enums import SlotKind
from organizer.services.scheduling.plan import (
    DEFAULT_SEVERITY,
    DayInfo,
    Interval,
    Person,
    Plan,
    RoomInfo,
    Session,
    merge,
)

ZONE = "Europe/Lisbon"
FIRST_DAY = dt.date(2027, 3, 27)
DURATIONS = (20, 30, 40, 90)
DURATION_WEIGHTS = (55, 25, 12, 8)

__all__ = ["ZONE", "at", "empty_plan", "make_plan", "place", "plenary", "room", "talk"]


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A Lisbon wall-clock time as an aware UTC datetime."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZoneInfo(ZONE)).astimezone(dt.UTC)


def room(
    room_id: int,
    name: str,
    capacity: int | None = 100,
    *,
    step_free: bool = True,
    windows: tuple[Interval, ...] = (),
) -> RoomInfo:
    return RoomInfo(room_id, name, capacity, step_free, room_id, windows)


def talk(session_id: int, *speakers: int, duration: int = 30, **fields: object) -> Session:
    return Session(
        id=session_id,
        public_id=f"talk-{session_id}",
        kind=SlotKind.TALK,
        title=fields.pop("title", f"Talk {session_id}"),  # type: ignore[arg-type]
        duration=duration,
        speaker_ids=tuple(speakers),
        required_minutes=duration,
        **fields,  # type: ignore[arg-type]
    )


def plenary(
    session_id: int, title: str, starts_at: dt.datetime, duration: int, room_id: int
) -> Session:
    return Session(
        id=session_id,
        public_id=f"plenary-{session_id}",
        kind=SlotKind.PLENARY,
        title=title,
        duration=duration,
        room_id=room_id,
        starts_at=starts_at,
        all_rooms=True,
        pinned=True,
    )


def place(session: Session, room_id: int, starts_at: dt.datetime, **fields: object) -> Session:
    return dataclasses.replace(session, room_id=room_id, starts_at=starts_at, **fields)  # type: ignore[arg-type]


def empty_plan(
    *,
    rooms: list[RoomInfo],
    days: int = 2,
    hours: tuple[int, int] = (9, 19),
    granularity: int = 10,
    buffer: int = 10,
) -> Plan:
    return Plan(
        event_id=1,
        timezone=ZONE,
        granularity=granularity,
        buffer=dt.timedelta(minutes=buffer),
        severities=dict(DEFAULT_SEVERITY),
        rooms={r.id: r for r in rooms},
        days=[
            DayInfo(
                n + 1,
                FIRST_DAY + dt.timedelta(days=n),
                at(FIRST_DAY + dt.timedelta(days=n), hours[0]),
                at(FIRST_DAY + dt.timedelta(days=n), hours[1]),
            )
            for n in range(days)
        ],
        sessions={},
    )


def make_plan(
    *,
    sessions: int = 60,
    rooms: int = 4,
    days: int = 2,
    seed: int = 1,
    availability_share: float = 1 / 3,
    pinned: int | None = None,
) -> Plan:
    rng = random.Random(seed)
    room_list = [
        room(
            100 + n,
            f"Room {chr(65 + n)}",
            capacity=rng.choice((40, 60, 80, 120, 200)),
            step_free=rooms == 1 or n < rooms - 1,
        )
        for n in range(rooms)
    ]
    plan = empty_plan(rooms=room_list, days=days)
    dates = [d.day for d in plan.days]
    first_room = room_list[0].id
    items: dict[int, Session] = {}
    next_id = 1
    for date in dates:
        items[next_id] = plenary(next_id, "Lunch", at(date, 12, 30), 60, first_room)
        next_id += 1
    # Speakers: 7 in 8 give one talk, the rest two or three.
    tracks = max(2, round(sessions / 50))
    speakers: list[int] = []
    person = 5000
    while len(speakers) < sessions:
        person += 1
        speakers.extend([person] * (1 if rng.random() < 7 / 8 else rng.choice((2, 3))))
    speakers = speakers[:sessions]
    rng.shuffle(speakers)
    people: dict[int, Person] = {}
    # Most expected audiences fit the third largest room, a few only the largest.
    capacities = sorted(r.capacity or 0 for r in room_list)
    common, largest = capacities[-min(3, len(capacities))], capacities[-1]
    for n, speaker in enumerate(speakers):
        cast = [speaker]
        if rng.random() < 0.1:
            co = 9000 + n
            cast.append(co)
        for p in cast:
            people.setdefault(p, Person(p, f"Speaker {p}", needs_step_free=rng.random() < 0.02))
        fields: dict[str, object] = {}
        if rng.random() < 1 / 3:
            top = largest if rng.random() < 0.05 else common
            fields["expected_audience"] = rng.randint(10, top)
        wish = rng.random()
        if wish < 0.05:
            fields["preferred_day"] = rng.choice(dates)
        elif wish < 0.1:
            fields["preferred_part"] = rng.choice(("morning", "afternoon"))
        items[next_id] = talk(
            next_id,
            *cast,
            duration=rng.choices(DURATIONS, DURATION_WEIGHTS)[0],
            track_id=1 + n % tracks,
            title=f"Talk {next_id}",
            **fields,
        )
        next_id += 1
    plan.people = people
    plan.availability = _availability(rng, plan, items, availability_share)
    plan.sessions = items
    return _pin(rng, plan, pinned if pinned is not None else max(1, sessions // 40))


def _availability(
    rng: random.Random, plan: Plan, items: dict[int, Session], share: float
) -> dict[int, tuple[Interval, ...]]:
    longest: dict[int, int] = {}
    for session in items.values():
        for p in session.speaker_ids:
            longest[p] = max(longest.get(p, 0), session.duration)
    # Co-speakers (9000 and up) come whenever their talk's speaker can.
    chosen = [p for p in sorted(plan.people) if p < 9000 and rng.random() < share * 1.1]
    out: dict[int, tuple[Interval, ...]] = {}
    dates = [d.day for d in plan.days]
    for p in chosen:
        kind = rng.random()
        if kind < 0.4 or len(dates) == 1:
            day = rng.choice(dates)
            windows = [(at(day, 9), at(day, 19))]
        elif kind < 0.7:
            windows = []
            for day in rng.sample(dates, 2):
                if rng.random() < 0.5:
                    windows.append((at(day, 9), at(day, 12, 30)))
                else:
                    windows.append((at(day, 13, 30), at(day, 19)))
        else:
            missing = rng.choice(dates)
            windows = [(at(d, 9), at(d, 19)) for d in dates if d != missing]
        if all((b - a) >= dt.timedelta(minutes=longest.get(p, 0)) for a, b in windows):
            out[p] = merge(windows)
    return out


def _pin(rng: random.Random, plan: Plan, count: int) -> Plan:
    """Pin `count` talks at places that break no rule (nor clash with each other)."""
    from organizer.services.scheduling.solver import context

    talks = [s for s in plan.sessions.values() if s.kind is SlotKind.TALK]
    for session in rng.sample(talks, min(count, len(talks))):
        ctx = context.Context(plan, free_ids=[session.id], release={}, mode="suggest")
        if not ctx.frees:
            continue
        free = ctx.frees[0]
        room_id = rng.choice(sorted(free.starts))
        minute = rng.choice(free.starts[room_id])
        plan = plan.with_session(place(session, room_id, ctx.clock.at(minute), pinned=True))
    return plan
