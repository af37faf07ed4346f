"""The soft rules: a weighted sum, minimised (weights in `Weights`).

a. a track's sessions in one room: a literal per (track, room) used, `track_rooms` for each
   room beyond the first (rooms its sessions that stay already use count too);
b. a track spread evenly over the days: `track_days` x |K x sessions that day - sessions| per
   track and day, K being the number of days;
c. sessions sharing audience should not overlap: the pairs are those of one track plus
   `shared_audience` (pair -> weight, e.g. speakers in common), the heaviest
   `MAX_AUDIENCE_PAIRS` only, `shared_audience` x weight per overlapping pair;
d. a missed preferred day (`preferred_day`) or part of the day (`preferred_part`, morning =
   starting before 13:00 in the event's zone, afternoon = from 13:00);
e. `release` per session of the latest release placed anywhere else than there (that place is
   also the solver's starting hint), and in repair mode `move` per session moved.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

if TYPE_CHECKING:
    from organizer.services.scheduling.solver.context import Fixed, Free
    from organizer.services.scheduling.solver.model import Model

MAX_AUDIENCE_PAIRS = 3000
AFTERNOON = 13 * 60  # "afternoon" starts at 13:00 in the event's zone


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
class _Tracks:
    free: dict[int, list[Free]]  # track -> its free sessions
    fixed: dict[int, list[Fixed]]  # track -> its sessions that stay where they are


def add(m: Model, weights: Weights, optional: bool, shared: Mapping[tuple[int, int], int]) -> None:
    """Add every soft rule's terms to the model's objective."""
    for free in m.frees:
        _keep(m, free, free.current, "moves", weights.move)
        _keep(m, free, free.released, "release", weights.release)
    tracks = _Tracks({}, {})
    for free in m.frees:
        if free.session.track_id is not None:
            tracks.free.setdefault(free.session.track_id, []).append(free)
    for fixed in m.ctx.fixed:
        if fixed.session.track_id is not None:
            tracks.fixed.setdefault(fixed.session.track_id, []).append(fixed)
    day_lits = _day_literals(m, tracks)
    _preferences(m, weights, day_lits)
    _track_rooms(m, weights, tracks)
    _track_days(m, weights, tracks, day_lits)
    for a, b, weight in _audience_pairs(m, tracks, shared):
        _no_overlap_wish(m, a, b, weight * weights.shared_audience, optional)


def _add_constant(m: Model, name: str, weight: int) -> None:
    m.constant[name] = m.constant.get(name, 0) + weight


def _keep(m: Model, free: Free, spot: tuple[int, int] | None, name: str, weight: int) -> None:
    """e. A cost unless the session ends up at `spot`."""
    if spot is None or not weight:
        return
    room, minute = spot
    if not free.allows(room, minute):
        _add_constant(m, name, weight)
        return
    kept = m.model.new_bool_var(f"keep_{name}{free.id}")
    m.model.add_implication(kept, m.present[free.id][room])
    m.model.add(m.start[free.id] == minute).only_enforce_if(kept)
    _add_constant(m, name, weight)
    m.penalise(name, -weight, kept)


def _day_literals(m: Model, tracks: _Tracks) -> dict[int, dict[int, cp_model.IntVar]]:
    """A literal per (session, day) when a rule needs it: a preferred day, or a track."""
    model, ctx = m.model, m.ctx
    pref_day = {d: i for i, d in enumerate(ctx.day_dates)}
    day_lits: dict[int, dict[int, cp_model.IntVar]] = {}
    for free in m.frees:
        track = free.session.track_id
        needs = free.session.preferred_day in pref_day or (
            track is not None and len(tracks.free[track]) + len(tracks.fixed.get(track, [])) > 1
        )
        if len(ctx.days) < 2 or not needs:
            continue
        lits: dict[int, cp_model.IntVar] = {}
        union = free.union()
        for k, (lo, hi) in enumerate(ctx.days):
            if any(lo <= t < hi for t in union):
                lit = model.new_bool_var(f"d{free.id}_{k}")
                model.add_linear_expression_in_domain(
                    m.start[free.id], cp_model.Domain(lo, hi - 1)
                ).only_enforce_if(lit)
                lits[k] = lit
        model.add(sum(lits.values()) == m.placed[free.id])
        day_lits[free.id] = lits
    return day_lits


def _preferences(
    m: Model, weights: Weights, day_lits: dict[int, dict[int, cp_model.IntVar]]
) -> None:
    """d. Preferred day and part."""
    model, ctx = m.model, m.ctx
    pref_day = {d: i for i, d in enumerate(ctx.day_dates)}
    for free in m.frees:
        session = free.session
        if session.preferred_day in pref_day and len(ctx.days) > 1:
            lit = day_lits[free.id].get(pref_day[session.preferred_day])
            _add_constant(m, "preferences", weights.preferred_day)
            if lit is not None:
                m.penalise("preferences", -weights.preferred_day, lit)
        if session.preferred_part not in ("morning", "afternoon"):
            continue
        union = free.union()
        morning = [t for t in union if ctx.local[t] < AFTERNOON]
        afternoon = [t for t in union if ctx.local[t] >= AFTERNOON]
        wants = morning if session.preferred_part == "morning" else afternoon
        others = afternoon if session.preferred_part == "morning" else morning
        if not wants:
            _add_constant(m, "preferences", weights.preferred_part)
        elif others:
            lit = model.new_bool_var(f"part{free.id}")
            model.add_linear_expression_in_domain(
                m.start[free.id], cp_model.Domain.from_values(wants)
            ).only_enforce_if(lit)
            model.add_linear_expression_in_domain(
                m.start[free.id], cp_model.Domain.from_values(others)
            ).only_enforce_if(~lit)
            m.penalise("preferences", weights.preferred_part, ~lit)


def _track_rooms(m: Model, weights: Weights, tracks: _Tracks) -> None:
    """a. A track in as few rooms as possible: each room beyond its first costs."""
    model = m.model
    for track, members in tracks.free.items():
        taken = {f.room for f in tracks.fixed.get(track, []) if f.room is not None}
        rooms = sorted({r for f in members if not f.all_rooms for r in m.present[f.id]})
        used = []
        for room in rooms:
            if room in taken:
                continue
            lit = model.new_bool_var(f"t{track}_{room}")
            for free in members:
                if room in m.present[free.id] and not free.all_rooms:
                    model.add_implication(m.present[free.id][room], lit)
            used.append(lit)
        if not used:
            continue
        extra = model.new_int_var(0, len(used), f"extra{track}")
        model.add(extra >= sum(used) + len(taken) - 1)
        m.penalise("track_rooms", weights.track_rooms, extra, len(used))


def _track_days(
    m: Model, weights: Weights, tracks: _Tracks, day_lits: dict[int, dict[int, cp_model.IntVar]]
) -> None:
    """b. A track spread over the days."""
    model, n_days = m.model, len(m.ctx.days)
    if n_days < 2:
        return
    day_of = m.ctx.day_index()
    for track, members in tracks.free.items():
        fixed = tracks.fixed.get(track, [])
        if len(members) + len(fixed) < 2:
            continue
        fixed_days = [0] * n_days
        for f in fixed:
            fixed_days[day_of(f.start)] += 1
        total = len(fixed) + sum(m.placed[f.id] for f in members)
        most = len(fixed) + len(members)
        for k in range(n_days):
            count = fixed_days[k] + sum(
                day_lits[f.id][k] for f in members if k in day_lits.get(f.id, {})
            )
            deviation = model.new_int_var(0, n_days * most, f"dev{track}_{k}")
            model.add(deviation >= n_days * count - total)
            model.add(deviation >= total - n_days * count)
            m.penalise("track_days", weights.track_days, deviation, n_days * most)


def _audience_pairs(
    m: Model, tracks: _Tracks, shared: Mapping[tuple[int, int], int]
) -> list[tuple[int, int, int]]:
    """c. The pairs that should not overlap, with their weight: one per track in common plus
    the shared audience given, the heaviest first."""
    free_ids = {f.id for f in m.frees}
    fixed_ids = {f.session.id for f in m.ctx.fixed}
    weight: dict[tuple[int, int], int] = {}
    for track, members in tracks.free.items():
        ids = [f.id for f in members] + [f.session.id for f in tracks.fixed.get(track, [])]
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


def _no_overlap_wish(m: Model, a: int, b: int, weight: int, optional: bool) -> None:
    """A cost when the two sessions overlap in time (at least one of them is free)."""
    if a not in m.start:
        a, b = b, a
    free = m.by_id[a]
    if b in m.start:
        other = m.by_id[b]
        lo, hi = None, None
    else:
        fixed = m.fixed_by_id[b]
        lo, hi = fixed.start, fixed.end
        if not any(t < hi and t + free.duration > lo for t in free.union()):
            return  # they can never overlap
    model = m.model
    overlap = model.new_bool_var(f"ov{a}_{b}")
    before = model.new_bool_var(f"ovb{a}_{b}")
    after = model.new_bool_var(f"ova{a}_{b}")
    escape = [~m.placed[a]] if optional else []
    if lo is None:
        model.add(m.start[a] + free.duration <= m.start[b]).only_enforce_if(before)
        model.add(m.start[b] + other.duration <= m.start[a]).only_enforce_if(after)
        if optional:
            escape.append(~m.placed[b])
    else:
        model.add(m.start[a] + free.duration <= lo).only_enforce_if(before)
        model.add(m.start[a] >= hi).only_enforce_if(after)
    model.add_bool_or([overlap, before, after, *escape])
    m.penalise("shared_audience", weight, overlap)
