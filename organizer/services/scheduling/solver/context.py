"""What the solver derives from a Plan before any model: minutes on a clock, the grid, the
sessions that stay where they are (`Fixed`) and, for each session to place (`Free`), the exact
starts per room where the hard rules allow it. The hard rules come from the registry: each
rule's `SolverPart` says which rooms a session may use (`room_ok`), which spans it must lie in
(`spans`) and which starts a session that stays where it is rules out (`blocks`)."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from organizer.services.scheduling import rules
from organizer.services.scheduling.plan import Interval, Plan, Session, merge
from organizer.services.scheduling.solver import explain


class Clock:
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


def intersect(first: Sequence[tuple[int, int]], second: Sequence[tuple[int, int]]):
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


def blocked(minute: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(lo < minute < hi for lo, hi in spans)


@dataclass
class Free:
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
class Fixed:
    session: Session
    room: int | None
    start: int
    end: int
    speakers: tuple[int, ...]


class Context:
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
        self.clock = Clock(plan)
        self.buffer = int(plan.buffer.total_seconds() // 60)
        self.room_ids = list(plan.rooms)
        days = sorted(plan.days, key=lambda d: d.starts_at)
        self.days = [(self.clock.ceil(d.starts_at), self.clock.floor(d.ends_at)) for d in days]
        self.day_dates = [d.day for d in days]
        self.grid = self._grid()
        self.local = {t: self.clock.local_minute(t) for t in self.grid}
        self.release = dict(release)
        self.availability = {p: merge(w) for p, w in plan.availability.items()}
        self.hard = [rule.solver for rule in rules.hard_rules() if rule.solver is not None]
        wanted = set(free_ids)
        self.free_sessions = [s for s in plan.top_level() if s.id in wanted and s.parent_id is None]
        self.free_sessions.sort(key=lambda s: s.id)
        free_set = {s.id for s in self.free_sessions}
        self.fixed = [self.fixed_at(s) for s in plan.placed() if s.id not in free_set]
        self.reasons: dict[int, list[str]] = {}
        self.frees: list[Free] = []
        self._prepare()

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

    def fixed_at(self, session: Session) -> Fixed:
        """A session that stays where it is."""
        assert session.starts_at is not None
        start = self.clock.floor(session.starts_at)
        return Fixed(
            session=session,
            room=None if session.all_rooms else session.room_id,
            start=start,
            end=start + session.duration,
            speakers=self.plan.speakers_of(session),
        )

    def day_index(self):  # type: ignore[no-untyped-def]
        """A function from a minute to the index of its day."""
        bounds = [lo for lo, _hi in self.days]

        def day_of(minute: int) -> int:
            return max(0, bisect.bisect_right(bounds, minute) - 1)

        return day_of

    # Domains, from the hard rules --------------------------------------------------------------

    def eligible(self, session: Session, speakers: tuple[int, ...]) -> list[int]:
        """The rooms every hard rule lets the session use."""
        if not self.room_ids:
            return []
        if session.all_rooms:
            return [self.room_ids[0]]
        checks = [part.room_ok for part in self.hard if part.room_ok is not None]
        return [r for r in self.room_ids if all(ok(self, session, speakers, r) for ok in checks)]

    def windows(
        self, session: Session, speakers: Iterable[int], room_id: int | None
    ) -> list[tuple[int, int]]:
        """Where the session may lie, by every hard rule's spans (the days, the room's
        windows, the speakers' times)."""
        speakers = tuple(speakers)
        if not self.days:
            return []
        allowed = [(min(lo for lo, _hi in self.days), max(hi for _lo, hi in self.days))]
        for part in self.hard:
            if part.spans is not None:
                for spans in part.spans(self, session, speakers, room_id):
                    allowed = intersect(allowed, spans)
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
    ) -> list[tuple[int, int, Fixed]]:
        """Starts (open intervals) that sessions staying where they are rule out."""
        hooks = [part.blocks for part in self.hard if part.blocks is not None]
        return [found for hook in hooks for found in hook(self, session, speakers, room_id)]

    # The sessions to place ---------------------------------------------------------------------

    def _prepare(self) -> None:
        frees = [self._free(s) for s in self.free_sessions]
        # In a repair, a placed session with no legal place anywhere stays where it is, so the
        # others must not be put on top of it: it becomes an obstacle, and we look again.
        while True:
            stuck = [f for f in frees if not f.starts and f.current is not None]
            if not stuck:
                break
            for f in stuck:
                self.reasons[f.id] = [*explain.why_empty(self, f), _("It stays where it is.")]
            for f in stuck:
                self.fixed.append(self.fixed_at(f.session))
            stuck_ids = {f.id for f in stuck}
            frees = [self._free(f.session) for f in frees if f.id not in stuck_ids]
        for f in frees:
            if f.starts:
                self.frees.append(f)
            else:
                self.reasons[f.id] = explain.why_empty(self, f)

    def _free(self, session: Session) -> Free:
        speakers = self.plan.speakers_of(session)
        rooms = self.eligible(session, speakers)
        starts: dict[int, list[int]] = {}
        for room_id in rooms:
            allowed = self.starts_in(self.windows(session, speakers, room_id), session.duration)
            spans = sorted((lo, hi) for lo, hi, _f in self.blockers(session, speakers, room_id))
            kept = [t for t in allowed if not blocked(t, spans)]
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
        return Free(session, speakers, rooms, starts, current, released)
