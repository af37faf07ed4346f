"""A quick placement to start the solver from (and what is returned when the solver finds
nothing in time).

Sessions with a place to keep go first (where they are, in a repair; where they were
released). Each track gets a home room (the longest tracks the largest rooms). Then the most
constrained sessions first, each at the cheapest place that is still free: its track's home or
rooms, then a room that is no track's home, at a time on its preferred day and part, on the
day with fewest of its track, overlapping the fewest of its track."""

from __future__ import annotations

from organizer.services.scheduling.solver.context import Context, Free
from organizer.services.scheduling.solver.soft import AFTERNOON, Weights


class _Board:
    """What is taken so far: rooms, speakers, and where each track already is."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.step = ctx.plan.granularity
        self.day_of = ctx.day_index()
        self.room_busy: dict[int, list[tuple[int, int]]] = {r: [] for r in ctx.room_ids}
        self.speaker_busy: dict[int, list[tuple[int, int, int | None]]] = {}
        self.track_rooms: dict[int, set[int]] = {}
        self.track_days: dict[int, list[int]] = {}
        self.track_cells: dict[int, dict[int, int]] = {}  # track -> grid cell -> sessions running
        self.placed: dict[int, tuple[int, int]] = {}
        for fixed in ctx.fixed:
            self.occupy(fixed.session.track_id, fixed.room, fixed.start, fixed.end)

    def occupy(self, track: int | None, room: int | None, start: int, end: int) -> None:
        if track is None:
            return
        if room is not None:
            self.track_rooms.setdefault(track, set()).add(room)
        self.track_days.setdefault(track, [0] * len(self.ctx.days))[self.day_of(start)] += 1
        cells = self.track_cells.setdefault(track, {})
        for cell in range(start // self.step, -(-end // self.step)):
            cells[cell] = cells.get(cell, 0) + 1

    def fits(self, free: Free, room: int, start: int) -> bool:
        ctx, end = self.ctx, start + free.duration
        for r in ctx.room_ids if free.all_rooms else [room]:
            if any(start < b and end > a for a, b in self.room_busy[r]):
                return False
        for person in free.speakers:
            for a, b, r in self.speaker_busy.get(person, ()):
                same = not free.all_rooms and r is not None and r == room
                gap = 0 if same else ctx.buffer
                if start < b + gap and end + gap > a:
                    return False
        return True

    def put(self, free: Free, room: int, start: int) -> None:
        end = start + free.duration
        for r in self.ctx.room_ids if free.all_rooms else [room]:
            self.room_busy[r].append((start, end))
        for person in free.speakers:
            self.speaker_busy.setdefault(person, []).append(
                (start, end, None if free.all_rooms else room)
            )
        self.placed[free.id] = (room, start)
        self.occupy(free.session.track_id, None if free.all_rooms else room, start, end)


def _homes(ctx: Context) -> dict[int, int]:
    """A home room per track: the tracks with the most minutes get the largest rooms."""
    minutes: dict[int, int] = {}
    for free in ctx.frees:
        if free.session.track_id is not None:
            track = free.session.track_id
            minutes[track] = minutes.get(track, 0) + free.duration
    by_size = sorted(
        ctx.room_ids, key=lambda r: (-(ctx.plan.rooms[r].capacity or 0), ctx.room_ids.index(r))
    )
    if not by_size:
        return {}
    ranked = sorted(minutes, key=lambda t: (-minutes[t], t))
    return {track: by_size[n % len(by_size)] for n, track in enumerate(ranked)}


def _time_costs(board: _Board, free: Free, weights: Weights) -> dict[int, int]:
    """What each allowed start costs: a missed preferred day or part, the track's load."""
    ctx, session, step = board.ctx, free.session, board.step
    track = session.track_id
    pref_day = {d: i for i, d in enumerate(ctx.day_dates)}
    wanted_day = pref_day.get(session.preferred_day) if session.preferred_day else None
    loads = board.track_days.get(track, [0] * len(ctx.days)) if track is not None else None
    cells = board.track_cells.get(track, {}) if track is not None else {}
    costs: dict[int, int] = {}
    for start in free.union():
        day = board.day_of(start)
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
    return costs


def _best_spot(
    board: _Board, free: Free, weights: Weights, home: dict[int, int]
) -> tuple[int, int] | None:
    """The cheapest free (room, start) for the session, or None."""
    ctx, track = board.ctx, free.session.track_id
    homes = set(home.values())
    costs = _time_costs(board, free, weights)
    best: tuple[int, int, int, int] | None = None
    for room, starts in free.starts.items():
        if track is None or room == home.get(track) or room in board.track_rooms.get(track, ()):
            room_cost = 0
        else:
            room_cost = weights.track_rooms * (2 if room in homes else 1)
        order = sorted(starts, key=costs.__getitem__)  # stable: earlier first on ties
        spot = next((t for t in order if board.fits(free, room, t)), None)
        if spot is None:
            continue
        option = (room_cost + costs[spot], spot, ctx.room_ids.index(room), room)
        if best is None or option < best:
            best = option
    return None if best is None else (best[3], best[1])


def greedy(ctx: Context, weights: Weights) -> dict[int, tuple[int, int]]:
    """Slot id -> (room, minute) for the sessions it could place."""
    board = _Board(ctx)
    home = _homes(ctx)
    ordered = sorted(ctx.frees, key=lambda f: (sum(map(len, f.starts.values())), -f.duration))
    for keep in ("current", "released"):
        for free in ordered:
            spot = getattr(free, keep)
            if (
                free.id not in board.placed
                and spot is not None
                and free.allows(*spot)
                and board.fits(free, *spot)
            ):
                board.put(free, *spot)
    for free in ordered:
        if free.id in board.placed:
            continue
        spot = _best_spot(board, free, weights, home)
        if spot is not None:
            board.put(free, *spot)
    return board.placed
