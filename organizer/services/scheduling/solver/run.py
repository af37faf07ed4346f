"""The automatic scheduler: a Plan in, a proposal out (OR-Tools CP-SAT). No database.

`solve(plan, mode=...)` places the sessions it is given to place ("free" sessions) and
returns a `Result`; nothing is saved (see `suggestions.py` for that).

Which sessions are free
    "suggest": the top-level sessions that are neither placed nor pinned. Everything placed
    stays where it is. "repair": every top-level session that is not pinned, placed or not;
    moving a placed one costs `Weights.move`, so the fewest moves are made, and a session
    whose current place breaks a hard rule has to move. Pinned sessions never move (an
    unplaced pinned session stays unplaced). Talks inside a container go with it.

Hard rules (the same as `conflicts.py` checks, and checked with it after solving)
    No two sessions in one room at once (an all-rooms plenary item takes every room); a
    speaker is never in two sessions at once and has the event's buffer between sessions in
    different rooms (back to back in one room is fine, as the conflict rule says); a session
    lies inside one of the schedule's days, inside its room's opening windows and inside every
    speaker's availability; its room seats its expected audience (when both are known) and is
    step-free when a speaker needs it. Starts are on the event's grid in its time zone.

The model
    Time is in minutes from the first day's start. Before any solver runs, each free session
    gets, per eligible room, the exact list of starts where it may go: grid points where it
    fits the day, the room's windows and its speakers' availability, and where it clashes with
    no session that stays where it is (a room taken, or a speaker without their buffer). So
    sessions that do not move are not in the model at all (which also means that a conflict
    between two of them cannot make the model infeasible), and a session with no start left
    is explained precisely, naming the rule and the room, speaker or session in the way.

    Then one start variable per session, whose domain is the union of those lists; a presence
    literal per (session, room) with exactly one true, the start restricted to that room's
    list when it is; an optional fixed-size interval per (session, room) and a NoOverlap per
    room (a free all-rooms item has an interval in every room). Two free sessions sharing a
    speaker are ordered with a literal: the later starts at least the buffer after the earlier
    ends, or right after it when both are in the same room. Pairwise rather than a NoOverlap
    of intervals stretched by the buffer, because the stretched version forbids back-to-back
    sessions in one room, which the conflict rule allows and a repair should keep.

Soft rules (a weighted sum, minimised; weights in `Weights`)
    a. a track's sessions in one room: a literal per (track, room) used, `track_rooms` for each
       room beyond the first (rooms its sessions that stay already use count too);
    b. a track spread evenly over the days: `track_days` x |K x sessions that day - sessions|
       per track and day, K being the number of days;
    c. sessions sharing audience should not overlap: the pairs are those of one track plus
       `shared_audience` (pair -> weight, e.g. speakers in common), the heaviest
       `MAX_AUDIENCE_PAIRS` only, `shared_audience` x weight per overlapping pair;
    d. a missed preferred day (`preferred_day`) or part of the day (`preferred_part`, morning
       = starting before 13:00 in the event's zone, afternoon = from 13:00);
    e. `release` per session of the latest release placed anywhere else than there (that
       place is also the solver's starting hint), and in repair mode `move` per session moved.

How it runs
    A greedy placement (most constrained first) is the starting hint. If it places every
    session that has a place, the model requires every session to be placed. If it does not,
    a feasibility model with one "placed" literal per session as assumptions is solved (at
    most `CHECK_SHARE` of the time limit, one worker): either it finds a complete placement
    (the new hint) or it proves that the sessions cannot all be placed, and CP-SAT's
    `sufficient_assumptions_for_infeasibility` names a set of sessions that cannot all be
    placed together (shrunk by removing one session at a time while it stays infeasible);
    that is repeated on the rest to find further such sets. Organizers still get a partial
    suggestion: then the model maximises the number of sessions placed first (a weight per
    placed session larger than all soft penalties together) and the soft rules second.

    Status: "optimal" (everything placed and no better schedule exists under these weights),
    "feasible" (everything placed, the best found in the time limit, with its gap to the
    proven bound), "infeasible" (some sessions cannot be placed: the rest is the best partial
    schedule) or "unknown" (no complete schedule found in time and none proven impossible).

    Finally the placements are applied to the plan and `conflicts.find_conflicts` (every rule,
    ignored ones too) must find no hard-rule conflict that involves a placed session; a
    placement that fails this (a bug) is dropped and reported, never returned.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import itertools
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from ortools.sat.python import cp_model

from organizer.enums import ConflictRule
from organizer.services.scheduling import conflicts as conflict_rules
from organizer.services.scheduling.plan import Interval, Plan, Session, merge

TIME_LIMIT_SECONDS = 10.0
WORKERS = 2
CHECK_SHARE = 0.3  # of the time limit, at most, for proving and explaining infeasibility
MAX_AUDIENCE_PAIRS = 3000
MAX_CORES = 5  # sets of sessions that cannot all be placed, at most, per run
SHRINK_LIMIT = 12  # cores up to this size are shrunk one session at a time
AFTERNOON = 13 * 60  # "afternoon" starts at 13:00 in the event's zone

HARD_RULES = frozenset(
    {
        ConflictRule.ROOM_OVERLAP,
        ConflictRule.SPEAKER_DOUBLE_BOOKED,
        ConflictRule.SPEAKER_UNAVAILABLE,
        ConflictRule.OUTSIDE_HOURS,
        ConflictRule.STEP_FREE,
        ConflictRule.OVER_CAPACITY,
    }
)

MODES = ("suggest", "repair")


@dataclass(frozen=True)
class Weights:
    """What each missed wish costs; the solver minimises the sum.

    The defaults put keeping things where organizers and attendees already saw them first
    (moving a placed session in a repair, then leaving a released place), then not overlapping
    sessions that share an audience, then preferences, then tidiness (a track in one room,
    spread over the days)."""

    move: int = 1000  # repair: per placed session moved
    release: int = 100  # per session of the latest release not left at its released place
    shared_audience: int = 10  # per unit of pair weight, for two overlapping sessions
    preferred_day: int = 30  # per session not on its preferred day
    preferred_part: int = 20  # per session not in its preferred morning or afternoon
    track_rooms: int = 20  # per room a track uses beyond its first
    track_days: int = 5  # per unit of deviation from an even spread of a track over the days


@dataclass
class Result:
    placements: dict[int, tuple[int, dt.datetime]]  # slot id -> (room id, start in UTC)
    status: str  # "optimal" | "feasible" | "infeasible" | "unknown"
    objective: int | None
    bound: int | None
    gap: float | None  # (objective - bound) / objective, 0 when optimal
    first_solution_seconds: float | None  # to the first solution placing as many as the last
    wall_seconds: float
    time_limit: float
    unplaced: dict[int, list[str]]  # slot id -> reasons
    mode: str = "suggest"
    to_place: tuple[int, ...] = ()  # the free sessions
    penalties: dict[str, int] = field(default_factory=dict)  # soft rule -> cost
    cores: list[tuple[int, ...]] = field(default_factory=list)  # cannot all be placed together
    solutions: int = 0  # solutions the solver reported
    # What CP-SAT said about the schedule it returned (OPTIMAL, FEASIBLE, UNKNOWN, ...): with
    # sessions that cannot be placed, OPTIMAL still means the others are placed at their best.
    solver_status: str = ""


# Time -------------------------------------------------------------------------------------


class _Clock:
    """Instants as whole minutes from an origin (the first day's start)."""

    def __init__(self, plan: Plan) -> None:
        starts = [d.starts_at for d in plan.days] or [dt.datetime(2000, 1, 1, tzinfo=dt.UTC)]
        self.origin = min(starts).replace(second=0, microsecond=0)
        self.zone = ZoneInfo(plan.timezone)

    def floor(self, instant: dt.datetime) -> int:
        return (instant - self.origin) // dt.timedelta(minutes=1)

    def ceil(self, instant: dt.datetime) -> int:
        return -((self.origin - instant) // dt.timedelta(minutes=1))

    def at(self, minute: int) -> dt.datetime:
        return self.origin + dt.timedelta(minutes=minute)

    def local_minute(self, minute: int) -> int:
        local = self.at(minute).astimezone(self.zone)
        return local.hour * 60 + local.minute

    def span(self, interval: Interval) -> tuple[int, int]:
        """An allowed window, rounded inwards."""
        return self.ceil(interval[0]), self.floor(interval[1])


def _intersect(first: Sequence[tuple[int, int]], second: Sequence[tuple[int, int]]):
    """Two sorted lists of disjoint intervals, intersected."""
    out: list[tuple[int, int]] = []
    i = j = 0
    while i < len(first) and j < len(second):
        lo = max(first[i][0], second[j][0])
        hi = min(first[i][1], second[j][1])
        if lo < hi:
            out.append((lo, hi))
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return out


# Text -------------------------------------------------------------------------------------


def _title(session: Session) -> str:
    return _("“%(title)s”", title=session.title)


def _titles(sessions: Iterable[Session]) -> str:
    return ", ".join(_title(s) for s in sessions)


def _windows_text(windows: Iterable[Interval], zone: ZoneInfo) -> str:
    parts = []
    for a, b in windows:
        start, end = a.astimezone(zone), b.astimezone(zone)
        end_text = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%a %d %b %H:%M}"
        parts.append(f"{start:%a %d %b %H:%M}\N{EN DASH}{end_text}")
    return "; ".join(parts)


def _names(plan: Plan, people: Iterable[int]) -> str:
    return _(" and ").join(plan.people[p].name if p in plan.people else "?" for p in people)


# Preparation ------------------------------------------------------------------------------


@dataclass
class _Free:
    session: Session
    speakers: tuple[int, ...]
    rooms: list[int]  # eligible rooms (an all-rooms item: the first room only)
    starts: dict[int, list[int]]  # room -> allowed starts (minutes), only non-empty lists
    current: tuple[int, int] | None = None  # (room, minute) when placed
    released: tuple[int, int] | None = None

    @property
    def id(self) -> int:
        return self.session.id

    @property
    def duration(self) -> int:
        return self.session.duration

    @property
    def all_rooms(self) -> bool:
        return self.session.all_rooms

    def union(self) -> list[int]:
        return sorted({t for starts in self.starts.values() for t in starts})

    def allows(self, room: int, minute: int) -> bool:
        starts = self.starts.get(room)
        if not starts:
            return False
        i = bisect.bisect_left(starts, minute)
        return i < len(starts) and starts[i] == minute


@dataclass
class _Fixed:
    session: Session
    room: int | None
    start: int
    end: int
    speakers: tuple[int, ...]


class _Context:
    """Everything derived from the plan that the models and the explanations share."""

    def __init__(
        self,
        plan: Plan,
        *,
        free_ids: Iterable[int],
        release: Mapping[int, tuple[int, dt.datetime]],
        mode: str,
    ) -> None:
        self.plan = plan
        self.mode = mode
        self.clock = _Clock(plan)
        self.buffer = int(plan.buffer.total_seconds() // 60)
        self.room_ids = list(plan.rooms)
        days = sorted(plan.days, key=lambda d: d.starts_at)
        self.days = [(self.clock.ceil(d.starts_at), self.clock.floor(d.ends_at)) for d in days]
        self.day_dates = [d.day for d in days]
        self.grid = self._grid()
        self.local = {t: self.clock.local_minute(t) for t in self.grid}
        self.release = dict(release)
        self.availability = {p: merge(w) for p, w in plan.availability.items()}
        wanted = set(free_ids)
        self.free_sessions = [s for s in plan.top_level() if s.id in wanted and s.parent_id is None]
        self.free_sessions.sort(key=lambda s: s.id)
        free_set = {s.id for s in self.free_sessions}
        self.fixed = [self._fixed(s) for s in plan.placed() if s.id not in free_set]
        self.reasons: dict[int, list[str]] = {}
        self.frees: list[_Free] = []
        self._prepare()

    # The grid -------------------------------------------------------------------------------

    def _grid(self) -> list[int]:
        step = self.plan.granularity
        points: list[int] = []
        for lo, hi in self.days:
            minute = lo + (-self.clock.local_minute(lo)) % step
            while minute < hi:
                if self.clock.local_minute(minute) % step == 0:
                    points.append(minute)
                minute += step
        return sorted(set(points))

    def _fixed(self, session: Session) -> _Fixed:
        assert session.starts_at is not None
        start = self.clock.floor(session.starts_at)
        return _Fixed(
            session=session,
            room=None if session.all_rooms else session.room_id,
            start=start,
            end=start + session.duration,
            speakers=self.plan.speakers_of(session),
        )

    # Domains --------------------------------------------------------------------------------

    def speakers_of(self, session: Session) -> tuple[int, ...]:
        return self.plan.speakers_of(session)

    def needs_step_free(self, speakers: Iterable[int]) -> list[int]:
        return [
            p for p in speakers if p in self.plan.people and self.plan.people[p].needs_step_free
        ]

    def fits_capacity(self, session: Session, room_id: int) -> bool:
        room = self.plan.rooms[room_id]
        return not (
            session.expected_audience is not None
            and room.capacity is not None
            and session.expected_audience > room.capacity
        )

    def eligible(self, session: Session, speakers: tuple[int, ...]) -> list[int]:
        if not self.room_ids:
            return []
        if session.all_rooms:
            return [self.room_ids[0]]
        rooms = [r for r in self.room_ids if self.fits_capacity(session, r)]
        if self.needs_step_free(speakers):
            rooms = [r for r in rooms if self.plan.rooms[r].step_free]
        return rooms

    def windows(
        self,
        session: Session,
        speakers: Iterable[int],
        room_id: int | None,
        *,
        use_room: bool = True,
        use_speakers: bool = True,
    ) -> list[tuple[int, int]]:
        """Where the session may lie: the days, the room's windows, the speakers' times."""
        allowed = list(self.days)
        if use_room and room_id is not None and not session.all_rooms:
            room = self.plan.rooms[room_id]
            if room.windows:
                allowed = _intersect(allowed, [self.clock.span(w) for w in room.windows])
        if use_speakers:
            for person in speakers:
                if person in self.availability:
                    spans = [self.clock.span(w) for w in self.availability[person]]
                    allowed = _intersect(allowed, spans)
        return allowed

    def starts_in(self, allowed: Sequence[tuple[int, int]], duration: int) -> list[int]:
        found: list[int] = []
        for lo, hi in allowed:
            i = bisect.bisect_left(self.grid, lo)
            while i < len(self.grid) and self.grid[i] + duration <= hi:
                found.append(self.grid[i])
                i += 1
        return found

    def blockers(
        self, session: Session, speakers: tuple[int, ...], room_id: int
    ) -> list[tuple[int, int, _Fixed]]:
        """Starts (open intervals) that sessions staying where they are rule out."""
        duration = session.duration
        out: list[tuple[int, int, _Fixed]] = []
        mine = set(speakers)
        for fixed in self.fixed:
            if session.all_rooms or fixed.room is None or fixed.room == room_id:
                out.append((fixed.start - duration, fixed.end, fixed))
            if mine.intersection(fixed.speakers):
                same_room = not session.all_rooms and fixed.room == room_id
                gap = 0 if same_room else self.buffer
                out.append((fixed.start - duration - gap, fixed.end + gap, fixed))
        return out

    def _prepare(self) -> None:
        frees = [self._free(s) for s in self.free_sessions]
        # In a repair, a placed session with no legal place anywhere stays where it is, so the
        # others must not be put on top of it: it becomes an obstacle, and we look again.
        while True:
            stuck = [f for f in frees if not f.starts and f.current is not None]
            if not stuck:
                break
            for f in stuck:
                self.reasons[f.id] = [*self._why_empty(f), _("It stays where it is.")]
            for f in stuck:
                self.fixed.append(self._fixed(f.session))
            stuck_ids = {f.id for f in stuck}
            frees = [self._free(f.session) for f in frees if f.id not in stuck_ids]
        for f in frees:
            if f.starts:
                self.frees.append(f)
            else:
                self.reasons[f.id] = self._why_empty(f)

    def _free(self, session: Session) -> _Free:
        speakers = self.speakers_of(session)
        rooms = self.eligible(session, speakers)
        starts: dict[int, list[int]] = {}
        for room_id in rooms:
            allowed = self.starts_in(self.windows(session, speakers, room_id), session.duration)
            blocked = sorted((lo, hi) for lo, hi, _f in self.blockers(session, speakers, room_id))
            kept = [t for t in allowed if not _blocked(t, blocked)]
            if kept:
                starts[room_id] = kept
        current = None
        if self.mode == "repair" and session.placed:
            assert session.starts_at is not None
            room = self.room_ids[0] if session.all_rooms and self.room_ids else session.room_id
            current = (room, self.clock.floor(session.starts_at))  # type: ignore[assignment]
        released = None
        if session.id in self.release:
            room_id, starts_at = self.release[session.id]
            if session.all_rooms and self.room_ids:
                room_id = self.room_ids[0]
            released = (room_id, self.clock.floor(starts_at))
        return _Free(session, speakers, rooms, starts, current, released)

    # Why a session has no place --------------------------------------------------------------

    def _why_empty(self, free: _Free) -> list[str]:
        plan, session, speakers = self.plan, free.session, free.speakers
        duration = session.duration
        if not plan.days:
            return [_("The schedule has no days yet: add the event's days and their hours.")]
        if not plan.rooms:
            return [_("The event has no rooms yet.")]
        if not session.all_rooms:
            roomy = [r for r in self.room_ids if self.fits_capacity(session, r)]
            if not roomy:
                largest = max(
                    (plan.rooms[r] for r in self.room_ids if plan.rooms[r].capacity is not None),
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
            needing = self.needs_step_free(speakers)
            if needing and not any(plan.rooms[r].step_free for r in roomy):
                if len(roomy) == len(self.room_ids):
                    text = _(
                        "%(names)s needs a step-free room, and none of the rooms is.",
                        names=_names(plan, needing),
                    )
                else:
                    text = _(
                        "%(names)s needs a step-free room, and none of the rooms that hold "
                        "its expected audience of %(audience)d is.",
                        names=_names(plan, needing),
                        audience=session.expected_audience,
                    )
                return [text]
        if not self.starts_in(self.days, duration):
            longest = max(hi - lo for lo, hi in self.days)
            return [
                _(
                    "It is %(minutes)d minutes long; the longest day is open %(open)d minutes.",
                    minutes=duration,
                    open=longest,
                )
            ]
        reasons: list[str] = []
        restricted = [p for p in speakers if p in self.availability]
        for person in restricted:
            windows = self.availability[person]
            own = self.starts_in(self.windows(session, [person], None, use_room=False), duration)
            if own:
                continue
            name = plan.people[person].name if person in plan.people else "?"
            zone_name = (plan.people[person].timezone if person in plan.people else "") or ""
            zone = ZoneInfo(zone_name or plan.timezone)
            text = _windows_text(windows, zone) or _("never")
            if zone_name and zone_name != plan.timezone:
                text = _("%(times)s (%(zone)s time)", times=text, zone=zone_name)
            longest = max((b - a for a, b in windows), default=dt.timedelta(0))
            if longest < dt.timedelta(minutes=duration):
                reasons.append(
                    _(
                        "%(name)s is available only %(times)s, shorter than its %(minutes)d "
                        "minutes.",
                        name=name,
                        times=text,
                        minutes=duration,
                    )
                )
            else:
                reasons.append(
                    _(
                        "The availability of %(name)s (%(times)s) never overlaps the day's "
                        "hours for %(minutes)d minutes.",
                        name=name,
                        times=text,
                        minutes=duration,
                    )
                )
        if reasons:
            return reasons
        if len(restricted) > 1 and not self.starts_in(
            self.windows(session, restricted, None, use_room=False), duration
        ):
            return [
                _(
                    "The availability of %(names)s never overlaps for %(minutes)d minutes "
                    "within the day's hours.",
                    names=_names(plan, restricted),
                    minutes=duration,
                )
            ]
        fitting = [
            r for r in free.rooms if self.starts_in(self.windows(session, speakers, r), duration)
        ]
        if not fitting:
            tz = self.clock.zone
            described = [
                _(
                    "%(room)s (open %(times)s)",
                    room=plan.rooms[r].name,
                    times=_windows_text(plan.rooms[r].windows, tz),
                )
                if plan.rooms[r].windows
                else plan.rooms[r].name
                for r in free.rooms
            ]
            return [
                _(
                    "No room that suits it is open for %(minutes)d minutes at a time when its "
                    "speakers can come: %(rooms)s.",
                    minutes=duration,
                    rooms="; ".join(described),
                )
            ]
        in_room: dict[int, _Fixed] = {}
        by_speaker: dict[int, _Fixed] = {}
        mine = set(speakers)
        for room_id in fitting:
            for _lo, _hi, fixed in self.blockers(session, speakers, room_id):
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
            sessions=_titles(shown) + (_(" and %(n)d more", n=more) if more > 0 else ""),
        )
        if by_speaker:
            people = sorted({p for f in by_speaker.values() for p in f.speakers if p in mine})
            text += " " + _(
                "%(names)s speaks in some of them, with %(buffer)d minutes needed between rooms.",
                names=_names(plan, people),
                buffer=self.buffer,
            )
        return [text]


def _blocked(minute: int, blocked: Sequence[tuple[int, int]]) -> bool:
    return any(lo < minute < hi for lo, hi in blocked)


# Greedy start -------------------------------------------------------------------------------


def _greedy(ctx: _Context, weights: Weights) -> dict[int, tuple[int, int]]:
    """A quick placement to start the solver from.

    Sessions with a place to keep go first (where they are, in a repair; where they were
    released). Each track gets a home room (the longest tracks the largest rooms). Then the
    most constrained sessions first, each at the cheapest place that is still free: its
    track's home or rooms, then a room that is no track's home, at a time on its preferred
    day and part, on the day with fewest of its track, overlapping the fewest of its track."""
    step = ctx.plan.granularity
    day_of = _day_index(ctx)
    room_busy: dict[int, list[tuple[int, int]]] = {r: [] for r in ctx.room_ids}
    speaker_busy: dict[int, list[tuple[int, int, int | None]]] = {}
    track_rooms: dict[int, set[int]] = {}
    track_days: dict[int, list[int]] = {}
    track_cells: dict[int, dict[int, int]] = {}  # track -> grid cell -> sessions running
    placed: dict[int, tuple[int, int]] = {}

    def occupy(track: int | None, room: int | None, start: int, end: int) -> None:
        if track is None:
            return
        if room is not None:
            track_rooms.setdefault(track, set()).add(room)
        track_days.setdefault(track, [0] * len(ctx.days))[day_of(start)] += 1
        cells = track_cells.setdefault(track, {})
        for cell in range(start // step, -(-end // step)):
            cells[cell] = cells.get(cell, 0) + 1

    for fixed in ctx.fixed:
        occupy(fixed.session.track_id, fixed.room, fixed.start, fixed.end)

    minutes: dict[int, int] = {}
    for free in ctx.frees:
        if free.session.track_id is not None:
            track = free.session.track_id
            minutes[track] = minutes.get(track, 0) + free.duration
    by_size = sorted(
        ctx.room_ids, key=lambda r: (-(ctx.plan.rooms[r].capacity or 0), ctx.room_ids.index(r))
    )
    home = (
        {
            track: by_size[n % len(by_size)]
            for n, track in enumerate(sorted(minutes, key=lambda t: (-minutes[t], t)))
        }
        if by_size
        else {}
    )
    homes = set(home.values())

    def fits(free: _Free, room: int, start: int) -> bool:
        end = start + free.duration
        for r in ctx.room_ids if free.all_rooms else [room]:
            if any(start < b and end > a for a, b in room_busy[r]):
                return False
        for person in free.speakers:
            for a, b, r in speaker_busy.get(person, ()):
                same = not free.all_rooms and r is not None and r == room
                gap = 0 if same else ctx.buffer
                if start < b + gap and end + gap > a:
                    return False
        return True

    def put(free: _Free, room: int, start: int) -> None:
        end = start + free.duration
        for r in ctx.room_ids if free.all_rooms else [room]:
            room_busy[r].append((start, end))
        for person in free.speakers:
            speaker_busy.setdefault(person, []).append(
                (start, end, None if free.all_rooms else room)
            )
        placed[free.id] = (room, start)
        occupy(free.session.track_id, None if free.all_rooms else room, start, end)

    ordered = sorted(ctx.frees, key=lambda f: (sum(map(len, f.starts.values())), -f.duration))
    for keep in ("current", "released"):
        for free in ordered:
            spot = getattr(free, keep)
            if (
                free.id not in placed
                and spot is not None
                and free.allows(*spot)
                and fits(free, *spot)
            ):
                put(free, *spot)
    pref_day = {d: i for i, d in enumerate(ctx.day_dates)}
    for free in ordered:
        if free.id in placed:
            continue
        session = free.session
        track = session.track_id
        wanted_day = pref_day.get(session.preferred_day) if session.preferred_day else None
        loads = track_days.get(track, [0] * len(ctx.days)) if track is not None else None
        cells = track_cells.get(track, {}) if track is not None else {}
        costs: dict[int, int] = {}
        for start in free.union():
            day = day_of(start)
            value = 0
            if wanted_day is not None and day != wanted_day:
                value += weights.preferred_day
            if session.preferred_part:
                morning = ctx.local[start] < AFTERNOON
                if morning != (session.preferred_part == "morning"):
                    value += weights.preferred_part
            if loads is not None:
                value += weights.track_days * loads[day]
                span = range(start // step, -(-(start + free.duration) // step))
                value += weights.shared_audience * max((cells.get(c, 0) for c in span), default=0)
            costs[start] = value
        best: tuple[int, int, int, int] | None = None
        for room, starts in free.starts.items():
            if track is None or room == home.get(track) or room in track_rooms.get(track, ()):
                room_cost = 0
            else:
                room_cost = weights.track_rooms * (2 if room in homes else 1)
            order = sorted(starts, key=costs.__getitem__)  # stable: earlier first on ties
            spot = next((t for t in order if fits(free, room, t)), None)
            if spot is None:
                continue
            option = (room_cost + costs[spot], spot, ctx.room_ids.index(room), room)
            if best is None or option < best:
                best = option
        if best is not None:
            put(free, best[3], best[1])
    return placed


def _day_index(ctx: _Context):  # type: ignore[no-untyped-def]
    bounds = [lo for lo, _hi in ctx.days]

    def day_of(minute: int) -> int:
        return max(0, bisect.bisect_right(bounds, minute) - 1)

    return day_of


# The CP-SAT model ---------------------------------------------------------------------------


class _Model:
    """The hard rules for the free sessions; optionally every session may stay unplaced
    (`optional`), and optionally the soft rules' objective."""

    def __init__(
        self,
        ctx: _Context,
        frees: list[_Free],
        *,
        optional: bool,
        weights: Weights | None,
        shared_audience: Mapping[tuple[int, int], int] | None = None,
    ) -> None:
        self.ctx = ctx
        self.frees = frees
        self.model = model = cp_model.CpModel()
        self.start: dict[int, cp_model.IntVar] = {}
        self.placed: dict[int, cp_model.IntVar] = {}
        self.present: dict[int, dict[int, cp_model.IntVar]] = {}
        self.terms: dict[str, list[tuple[int, object, int]]] = {}
        self.constant: dict[str, int] = {}
        self.by_id = {f.id: f for f in frees}
        self.fixed_by_id = {f.session.id: f for f in ctx.fixed}
        room_intervals: dict[int, list[cp_model.IntervalVar]] = {r: [] for r in ctx.room_ids}
        for free in frees:
            sid = free.id
            union = free.union()
            start = model.new_int_var_from_domain(cp_model.Domain.from_values(union), f"s{sid}")
            self.start[sid] = start
            placed = model.new_bool_var(f"x{sid}")
            if not optional:
                model.add(placed == 1)
            self.placed[sid] = placed
            present: dict[int, cp_model.IntVar] = {}
            if free.all_rooms:
                (room,) = free.starts
                present[room] = placed
                for r in ctx.room_ids:
                    room_intervals[r].append(
                        model.new_optional_fixed_size_interval_var(
                            start, free.duration, placed, f"i{sid}_{r}"
                        )
                    )
            else:
                for room, starts in free.starts.items():
                    lit = model.new_bool_var(f"p{sid}_{room}")
                    present[room] = lit
                    if len(starts) != len(union):
                        model.add_linear_expression_in_domain(
                            start, cp_model.Domain.from_values(starts)
                        ).only_enforce_if(lit)
                    room_intervals[room].append(
                        model.new_optional_fixed_size_interval_var(
                            start, free.duration, lit, f"i{sid}_{room}"
                        )
                    )
                model.add(sum(present.values()) == placed)
            self.present[sid] = present
        for intervals in room_intervals.values():
            if len(intervals) > 1:
                model.add_no_overlap(intervals)
        self._speakers(optional)
        if optional and weights is not None:
            self._stale_places()
        if weights is not None:
            self._soft(weights, optional, shared_audience or {})

    def _stale_places(self) -> None:
        """In a repair, a placed session left unplaced stays where it is: the sessions that
        are placed keep clear of its room and of its speakers there (with the buffer)."""
        ctx = self.ctx
        for stale in self.frees:
            if stale.current is None:
                continue
            room, minute = stale.current
            end = minute + stale.duration
            stays = ~self.placed[stale.id]
            for other in self.frees:
                if other.id == stale.id:
                    continue
                union = other.union()
                # The room: an all-rooms item on either side meets in every room.
                if stale.all_rooms or other.all_rooms:
                    lits = [self.placed[other.id]]
                else:
                    lits = [self.present[other.id][room]] if room in self.present[other.id] else []
                for lit in lits:
                    self._keep_out(other, union, minute - other.duration, end, [lit, stays])
                if not set(stale.speakers) & set(other.speakers):
                    continue
                gap = ctx.buffer
                if gap and not (stale.all_rooms or other.all_rooms) and lits:
                    # Back to back in the same room needs no buffer, anywhere else it does.
                    (same,) = lits
                    self._keep_out(other, union, minute - other.duration, end, [same, stays])
                    self._keep_out(
                        other,
                        union,
                        minute - other.duration - gap,
                        end + gap,
                        [self.placed[other.id], ~same, stays],
                    )
                else:
                    self._keep_out(
                        other,
                        union,
                        minute - other.duration - gap,
                        end + gap,
                        [self.placed[other.id], stays],
                    )

    def _keep_out(
        self, free: _Free, union: list[int], low: int, high: int, when: list[object]
    ) -> None:
        """The session's start is not strictly between `low` and `high` when all of `when`."""
        allowed = [t for t in union if not low < t < high]
        if len(allowed) == len(union):
            return
        if not allowed:
            self.model.add_bool_or([~lit for lit in when])  # type: ignore[operator]
            return
        self.model.add_linear_expression_in_domain(
            self.start[free.id], cp_model.Domain.from_values(allowed)
        ).only_enforce_if(when)

    def _both(self, *ids: int) -> list[cp_model.IntVar]:
        return [self.placed[i] for i in ids]

    def _speakers(self, optional: bool) -> None:
        """Two free sessions of one speaker: one ends (plus the buffer unless both are in the
        same room) before the other starts."""
        model, ctx = self.model, self.ctx
        by_speaker: dict[int, list[_Free]] = {}
        for free in self.frees:
            for person in free.speakers:
                by_speaker.setdefault(person, []).append(free)
        pairs: set[tuple[int, int]] = set()
        by_id = {f.id: f for f in self.frees}
        for sessions in by_speaker.values():
            for a, b in itertools.combinations(sorted(f.id for f in sessions), 2):
                pairs.add((a, b))
        for a, b in sorted(pairs):
            first, second = by_id[a], by_id[b]
            same = None
            common = (
                []
                if first.all_rooms or second.all_rooms
                else sorted(set(self.present[a]) & set(self.present[b]))
            )
            if ctx.buffer > 0 and common:
                same = model.new_bool_var(f"same{a}_{b}")
                parts = []
                for room in common:
                    both = model.new_bool_var(f"same{a}_{b}_{room}")
                    model.add_implication(both, self.present[a][room])
                    model.add_implication(both, self.present[b][room])
                    parts.append(both)
                model.add(same <= sum(parts))
            gap = ctx.buffer - ctx.buffer * same if same is not None else ctx.buffer
            order = model.new_bool_var(f"o{a}_{b}")
            when = self._both(a, b) if optional else []
            model.add(self.start[b] >= self.start[a] + first.duration + gap).only_enforce_if(
                [order, *when]
            )
            model.add(self.start[a] >= self.start[b] + second.duration + gap).only_enforce_if(
                [~order, *when]
            )

    def _penalise(self, name: str, weight: int, expression: object, upper: int = 1) -> None:
        """Add weight x expression to the objective; `upper` bounds the expression."""
        if weight:
            self.terms.setdefault(name, []).append((weight, expression, upper))

    def _keep(self, free: _Free, spot: tuple[int, int] | None, name: str, weight: int) -> None:
        """A cost unless the session ends up at `spot`."""
        if spot is None or not weight:
            return
        room, minute = spot
        if not free.allows(room, minute):
            self.constant[name] = self.constant.get(name, 0) + weight
            return
        kept = self.model.new_bool_var(f"keep_{name}{free.id}")
        self.model.add_implication(kept, self.present[free.id][room])
        self.model.add(self.start[free.id] == minute).only_enforce_if(kept)
        self.constant[name] = self.constant.get(name, 0) + weight
        self._penalise(name, -weight, kept)

    def _soft(
        self,
        weights: Weights,
        optional: bool,
        shared_audience: Mapping[tuple[int, int], int],
    ) -> None:
        model, ctx = self.model, self.ctx
        n_days = len(ctx.days)
        for free in self.frees:
            self._keep(free, free.current, "moves", weights.move)
            self._keep(free, free.released, "release", weights.release)
        # Days: a literal per (session, day) when a rule needs it.
        tracks: dict[int, list[_Free]] = {}
        for free in self.frees:
            if free.session.track_id is not None:
                tracks.setdefault(free.session.track_id, []).append(free)
        fixed_by_track: dict[int, list[_Fixed]] = {}
        for fixed in ctx.fixed:
            if fixed.session.track_id is not None:
                fixed_by_track.setdefault(fixed.session.track_id, []).append(fixed)
        day_of = _day_index(ctx)
        day_lits: dict[int, dict[int, cp_model.IntVar]] = {}
        pref_day = {d: i for i, d in enumerate(ctx.day_dates)}
        for free in self.frees:
            track = free.session.track_id
            needs = free.session.preferred_day in pref_day or (
                track is not None and len(tracks[track]) + len(fixed_by_track.get(track, [])) > 1
            )
            if n_days < 2 or not needs:
                continue
            lits: dict[int, cp_model.IntVar] = {}
            union = free.union()
            for k, (lo, hi) in enumerate(ctx.days):
                if any(lo <= t < hi for t in union):
                    lit = model.new_bool_var(f"d{free.id}_{k}")
                    model.add_linear_expression_in_domain(
                        self.start[free.id], cp_model.Domain(lo, hi - 1)
                    ).only_enforce_if(lit)
                    lits[k] = lit
            model.add(sum(lits.values()) == self.placed[free.id])
            day_lits[free.id] = lits
        # d. Preferred day and part.
        for free in self.frees:
            session = free.session
            if session.preferred_day in pref_day and n_days > 1:
                k = pref_day[session.preferred_day]
                lit = day_lits[free.id].get(k)
                self.constant["preferences"] = (
                    self.constant.get("preferences", 0) + weights.preferred_day
                )
                if lit is not None:
                    self._penalise("preferences", -weights.preferred_day, lit)
            if session.preferred_part in ("morning", "afternoon"):
                union = free.union()
                morning = [t for t in union if ctx.local[t] < AFTERNOON]
                afternoon = [t for t in union if ctx.local[t] >= AFTERNOON]
                wants = morning if session.preferred_part == "morning" else afternoon
                others = afternoon if session.preferred_part == "morning" else morning
                if not wants:
                    self.constant["preferences"] = (
                        self.constant.get("preferences", 0) + weights.preferred_part
                    )
                elif others:
                    lit = model.new_bool_var(f"part{free.id}")
                    model.add_linear_expression_in_domain(
                        self.start[free.id], cp_model.Domain.from_values(wants)
                    ).only_enforce_if(lit)
                    model.add_linear_expression_in_domain(
                        self.start[free.id], cp_model.Domain.from_values(others)
                    ).only_enforce_if(~lit)
                    self._penalise("preferences", weights.preferred_part, ~lit)
        # a. A track in as few rooms as possible: each room beyond its first costs.
        for track, members in tracks.items():
            taken = {f.room for f in fixed_by_track.get(track, []) if f.room is not None}
            rooms = sorted({r for f in members if not f.all_rooms for r in self.present[f.id]})
            used = []
            for room in rooms:
                if room in taken:
                    continue
                lit = model.new_bool_var(f"t{track}_{room}")
                for free in members:
                    if room in self.present[free.id] and not free.all_rooms:
                        model.add_implication(self.present[free.id][room], lit)
                used.append(lit)
            if not used:
                continue
            extra = model.new_int_var(0, len(used), f"extra{track}")
            model.add(extra >= sum(used) + len(taken) - 1)
            self._penalise("track_rooms", weights.track_rooms, extra, len(used))
        # b. A track spread over the days.
        if n_days > 1:
            for track, members in tracks.items():
                fixed = fixed_by_track.get(track, [])
                if len(members) + len(fixed) < 2:
                    continue
                fixed_days = [0] * n_days
                for f in fixed:
                    fixed_days[day_of(f.start)] += 1
                total = len(fixed) + sum(self.placed[f.id] for f in members)
                most = len(fixed) + len(members)
                for k in range(n_days):
                    count = fixed_days[k] + sum(
                        day_lits[f.id][k] for f in members if k in day_lits.get(f.id, {})
                    )
                    deviation = model.new_int_var(0, n_days * most, f"dev{track}_{k}")
                    model.add(deviation >= n_days * count - total)
                    model.add(deviation >= total - n_days * count)
                    self._penalise("track_days", weights.track_days, deviation, n_days * most)
        # c. Sessions sharing an audience should not overlap.
        for a, b, weight in self._audience_pairs(tracks, fixed_by_track, shared_audience):
            self._no_overlap_wish(a, b, weight * weights.shared_audience, optional)

    def _audience_pairs(
        self,
        tracks: dict[int, list[_Free]],
        fixed_by_track: dict[int, list[_Fixed]],
        shared: Mapping[tuple[int, int], int],
    ) -> list[tuple[int, int, int]]:
        free_ids = {f.id for f in self.frees}
        fixed_ids = {f.session.id for f in self.ctx.fixed}
        weight: dict[tuple[int, int], int] = {}
        for track, members in tracks.items():
            ids = [f.id for f in members] + [f.session.id for f in fixed_by_track.get(track, [])]
            for a, b in itertools.combinations(sorted(ids), 2):
                if a in free_ids or b in free_ids:
                    weight[(a, b)] = weight.get((a, b), 0) + 1
        for (a, b), extra in shared.items():
            if extra <= 0 or a == b:
                continue
            key = (min(a, b), max(a, b))
            known = free_ids | fixed_ids
            if key[0] in known and key[1] in known and (a in free_ids or b in free_ids):
                weight[key] = weight.get(key, 0) + extra
        heaviest = sorted(weight.items(), key=lambda item: (-item[1], item[0]))
        return [(a, b, w) for (a, b), w in heaviest[:MAX_AUDIENCE_PAIRS]]

    def _no_overlap_wish(self, a: int, b: int, weight: int, optional: bool) -> None:
        """A cost when the two sessions overlap in time (at least one of them is free)."""
        if a not in self.start:
            a, b = b, a
        free = self.by_id[a]
        if b in self.start:
            other = self.by_id[b]
            lo, hi = None, None
        else:
            fixed = self.fixed_by_id[b]
            lo, hi = fixed.start, fixed.end
            if not any(t < hi and t + free.duration > lo for t in free.union()):
                return  # they can never overlap
        model = self.model
        overlap = model.new_bool_var(f"ov{a}_{b}")
        before = model.new_bool_var(f"ovb{a}_{b}")
        after = model.new_bool_var(f"ova{a}_{b}")
        escape = [~self.placed[a]] if optional else []
        if lo is None:
            model.add(self.start[a] + free.duration <= self.start[b]).only_enforce_if(before)
            model.add(self.start[b] + other.duration <= self.start[a]).only_enforce_if(after)
            if optional:
                escape.append(~self.placed[b])
        else:
            model.add(self.start[a] + free.duration <= lo).only_enforce_if(before)
            model.add(self.start[a] >= hi).only_enforce_if(after)
        model.add_bool_or([overlap, before, after, *escape])
        self._penalise("shared_audience", weight, overlap)

    # The objective ---------------------------------------------------------------------------

    def soft_expression(self) -> tuple[object, int]:
        """The soft rules' sum (a linear expression) and the largest value it can take."""
        expression = 0
        ceiling = sum(self.constant.values())
        for terms in self.terms.values():
            for weight, var, upper in terms:
                expression += weight * var  # type: ignore[operator]
                if weight > 0:
                    ceiling += weight * upper
        return expression + sum(self.constant.values()), ceiling

    def minimise(self, optional: bool) -> int:
        """Set the objective; returns the weight of one unplaced session (0 when all must be
        placed)."""
        soft, ceiling = self.soft_expression()
        if not optional:
            self.model.minimize(soft)
            return 0
        unplaced_weight = ceiling + 1
        self.model.minimize(
            unplaced_weight * sum(1 - x for x in self.placed.values()) + soft  # type: ignore[operator]
        )
        return unplaced_weight

    def hint(
        self, placements: Mapping[int, tuple[int, int]], *, seed: int = 0, limit: float = 5.0
    ) -> None:
        """Start from the placements. The soft rules' variables are hinted too, with the
        values a quick solve with the placements fixed gives them: left to the solver, a
        partial hint's first solution can be far worse than the placements it came from."""
        self._hint_places(placements)
        solver = _solver(min(5.0, limit), 1, seed)
        solver.parameters.fix_variables_to_their_hinted_value = True
        if solver.solve(self.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return  # keep the partial hint
        values = list(solver.response_proto.solution)
        self.model.clear_hints()
        for index, value in enumerate(values):
            self.model.add_hint(self.model.get_int_var_from_proto_index(index), value)

    def _hint_places(self, placements: Mapping[int, tuple[int, int]]) -> None:
        for free in self.frees:
            spot = placements.get(free.id)
            self.model.add_hint(self.placed[free.id], spot is not None)
            if spot is None:
                continue
            room, minute = spot
            self.model.add_hint(self.start[free.id], minute)
            if not free.all_rooms:
                for r, lit in self.present[free.id].items():
                    self.model.add_hint(lit, r == room)

    def read(self, value) -> dict[int, tuple[int, int]]:  # type: ignore[no-untyped-def]
        out: dict[int, tuple[int, int]] = {}
        for free in self.frees:
            if not value(self.placed[free.id]):
                continue
            room = next(r for r, lit in self.present[free.id].items() if value(lit))
            out[free.id] = (room, value(self.start[free.id]))
        return out

    def breakdown(self, value) -> dict[str, int]:  # type: ignore[no-untyped-def]
        names = set(self.terms) | set(self.constant)
        return {
            name: self.constant.get(name, 0)
            + sum(w * value(v) for w, v, _upper in self.terms.get(name, []))
            for name in sorted(names)
        }


class _Progress(cp_model.CpSolverSolutionCallback):
    """Records when each solution arrived and how many sessions it placed."""

    def __init__(self, started: float, placed: list[cp_model.IntVar]) -> None:
        super().__init__()
        self.started = started
        self.placed_vars = placed
        self.log: list[tuple[float, float, int]] = []

    def on_solution_callback(self) -> None:
        count = sum(self.value(x) for x in self.placed_vars)
        self.log.append((time.perf_counter() - self.started, self.objective_value, count))


def _solver(limit: float, workers: int, seed: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, limit)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    # Probing during presolve costs seconds per pass on a few hundred sessions (optional
    # intervals in every room) and pays back little here.
    solver.parameters.cp_model_probing_level = 0
    return solver


# Explaining infeasibility -------------------------------------------------------------------


def _feasibility(
    ctx: _Context,
    *,
    budget: float,
    seed: int,
    workers: int,
    start: Mapping[int, tuple[int, int]],
) -> tuple[dict[int, tuple[int, int]] | None, list[tuple[int, ...]]]:
    """Can every free session be placed? Returns a complete placement when one is found, and
    the sets of sessions that cannot all be placed together when it is proven impossible.

    First a plain feasibility solve from the partial start (half the budget); only when it
    proves infeasibility, the assumptions: presolve is off for those solves, so that the core
    is made of assumptions, and one worker, which is what the core extraction needs."""
    deadline = time.perf_counter() + budget
    strict = _Model(ctx, ctx.frees, optional=False, weights=None)
    strict._hint_places(start)
    solver = _solver(budget / 2, workers, seed)
    status = solver.solve(strict.model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return strict.read(solver.value), []
    if status != cp_model.INFEASIBLE:
        return None, []
    model = _Model(ctx, ctx.frees, optional=True, weights=None)
    wanted = [f.id for f in ctx.frees]
    cores: list[tuple[int, ...]] = []

    def infeasible(ids: Sequence[int], limit: float) -> tuple[int, cp_model.CpSolver]:
        model.model.clear_assumptions()
        model.model.add_assumptions([model.placed[i] for i in ids])
        solver = _solver(limit, 1, seed)
        solver.parameters.cp_model_presolve = False  # cores stay within the assumptions
        return solver.solve(model.model), solver

    index_of = {model.placed[f.id].index: f.id for f in ctx.frees}
    while len(cores) < MAX_CORES:
        left = deadline - time.perf_counter()
        if left <= 0.05 or not wanted:
            break
        status, solver = infeasible(wanted, left)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if not cores:
                return model.read(solver.value), []
            break
        if status != cp_model.INFEASIBLE:
            break
        core = [
            index_of[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in index_of
        ]
        if not core:
            break
        if len(core) <= SHRINK_LIMIT:
            for sid in list(core):
                left = deadline - time.perf_counter()
                if left <= 0.05 or len(core) == 1:
                    break
                trial = [i for i in core if i != sid]
                status, _unused = infeasible(trial, min(left, 2.0))
                if status == cp_model.INFEASIBLE:
                    core = trial
        cores.append(tuple(sorted(core)))
        wanted = [i for i in wanted if i not in core]
    return None, cores


def _core_reason(ctx: _Context, core: tuple[int, ...], sid: int) -> str:
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
                    names=_names(plan, people),
                    times="; ".join(_windows_text(ctx.availability[p], zone) for p in restricted),
                )
            )
        else:
            why.append(_("they share %(names)s", names=_names(plan, people)))
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
        others=_titles(others),
        why="; ".join(why) or _("there is not enough room and time for all of them"),
    )


# Checking ------------------------------------------------------------------------------------


def apply(plan: Plan, placements: Mapping[int, tuple[int, dt.datetime]]) -> Plan:
    """The plan with the placements made."""
    sessions = dict(plan.sessions)
    for sid, (room_id, starts_at) in placements.items():
        sessions[sid] = dataclasses.replace(sessions[sid], room_id=room_id, starts_at=starts_at)
    return dataclasses.replace(plan, sessions=sessions)


def check(
    plan: Plan, placements: Mapping[int, tuple[int, dt.datetime]]
) -> list[conflict_rules.Conflict]:
    """Hard-rule conflicts (every rule, ignored ones included) that involve a placed session,
    as the conflict code finds them once the placements are made."""
    found = conflict_rules.find_conflicts(apply(plan, placements), include_ignored=True)
    return [
        c for c in found if c.rule in HARD_RULES and any(i in placements for i in c.session_ids)
    ]


# The entry point -------------------------------------------------------------------------------


def free_sessions(plan: Plan, mode: str) -> list[int]:
    """The sessions a run places: unplaced unpinned ones; in a repair, placed ones too."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    return [s.id for s in plan.top_level() if not s.pinned and (mode == "repair" or not s.placed)]


def solve(
    plan: Plan,
    *,
    mode: str = "suggest",
    free_ids: Iterable[int] | None = None,
    release: Mapping[int, tuple[int, dt.datetime]] | None = None,
    weights: Weights | None = None,
    shared_audience: Mapping[tuple[int, int], int] | None = None,
    time_limit: float = TIME_LIMIT_SECONDS,
    workers: int = WORKERS,
    seed: int = 0,
) -> Result:
    """Place the free sessions (see the module's docstring). `release` gives the latest
    release's place of each session (slot id -> (room id, start)); `shared_audience` weighs
    pairs of sessions that should not overlap beyond those of one track."""
    started = time.perf_counter()
    weights = weights or Weights()
    ids = free_sessions(plan, mode) if free_ids is None else list(free_ids)
    ctx = _Context(plan, free_ids=ids, release=release or {}, mode=mode)
    result = Result(
        placements={},
        status="optimal",
        objective=None,
        bound=None,
        gap=None,
        first_solution_seconds=None,
        wall_seconds=0.0,
        time_limit=time_limit,
        unplaced=dict(ctx.reasons),
        mode=mode,
        to_place=tuple(s.id for s in ctx.free_sessions),
    )
    if not ctx.frees:
        result.status = "infeasible" if ctx.reasons else "optimal"
        result.objective = result.bound = 0
        result.gap = 0.0
        result.first_solution_seconds = time.perf_counter() - started
        result.wall_seconds = result.first_solution_seconds
        return result

    start = _greedy(ctx, weights)
    complete = len(start) == len(ctx.frees)
    cores: list[tuple[int, ...]] = []
    if not complete:
        found, cores = _feasibility(
            ctx, budget=time_limit * CHECK_SHARE, seed=seed, workers=workers, start=start
        )
        if found is not None:
            start, complete = found, True
    optional = not complete
    model = _Model(
        ctx, ctx.frees, optional=optional, weights=weights, shared_audience=shared_audience
    )
    unplaced_weight = model.minimise(optional)
    model.hint(start, seed=seed, limit=(time_limit - (time.perf_counter() - started)) / 4)
    solver = _solver(time_limit - (time.perf_counter() - started), workers, seed)
    progress = _Progress(started, list(model.placed.values()))
    status = solver.solve(model.model, progress)

    result.solver_status = solver.status_name(status)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        found_minutes = model.read(solver.value)
        result.objective = round(solver.objective_value)
        result.bound = round(solver.best_objective_bound)
        result.penalties = model.breakdown(solver.value)
        result.solutions = len(progress.log)
    else:  # nothing found in time: the start is all there is
        found_minutes = dict(start)
        status = cp_model.FEASIBLE if complete else cp_model.UNKNOWN
    if result.objective is not None and result.bound is not None:
        result.gap = (
            0.0
            if status == cp_model.OPTIMAL
            else max(0.0, (result.objective - result.bound) / max(1, abs(result.objective)))
        )
    finals = [t for t, _obj, count in progress.log if count == len(found_minutes)]
    result.first_solution_seconds = finals[0] if finals else time.perf_counter() - started

    placements = {
        sid: (room, ctx.clock.at(minute)) for sid, (room, minute) in found_minutes.items()
    }
    # The conflict code has the last word.
    dropped: set[int] = set()
    for conflict in check(plan, placements):
        for sid in conflict.session_ids:
            if sid in placements:
                del placements[sid]
                dropped.add(sid)
            if sid in dropped:
                result.unplaced.setdefault(sid, []).append(conflict.message)
    result.placements = placements
    result.cores = cores

    in_core = {sid: core for core in cores for sid in core}
    everyone = len(placements) == len(ctx.frees)
    for free in ctx.frees:
        if free.id in placements:
            continue
        if free.id in dropped:
            reason = None
        elif free.id in in_core:
            reason = _core_reason(ctx, in_core[free.id], free.id)
        elif status == cp_model.OPTIMAL:
            reason = _("Once the other sessions are placed, no room that suits it has time left.")
        else:
            reason = _(
                "No place was found for it within the time limit of %(seconds)d seconds; a "
                "longer run may find one.",
                seconds=round(time_limit),
            )
        if reason is not None:
            result.unplaced.setdefault(free.id, []).append(reason)
        if free.current is not None:
            result.unplaced[free.id].append(_("It stays where it is."))

    if ctx.reasons or cores or (optional and status == cp_model.OPTIMAL and not everyone):
        result.status = "infeasible"
    elif not everyone:
        result.status = "unknown"
    else:
        result.status = "optimal" if status == cp_model.OPTIMAL else "feasible"
    if optional and result.objective is not None:
        # Report the soft rules' part: the unplaced sessions are listed, not priced.
        missing = len(ctx.frees) - len(found_minutes)
        result.objective -= unplaced_weight * missing
        if result.bound is not None:
            result.bound = max(0, result.bound - unplaced_weight * missing)
    result.wall_seconds = time.perf_counter() - started
    return result
