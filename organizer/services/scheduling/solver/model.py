"""The CP-SAT model: one start variable per free session, whose domain is the union of its
allowed starts; a presence literal per (session, room) with exactly one true when it is placed,
the start restricted to that room's starts when it is; an optional fixed-size interval per
(session, room) (a free all-rooms item has one in every room). Then the hard rules' constraints
(each rule's `SolverPart.constrain`, and `keep_clear` for the stale places of a repair), and
the soft rules' objective (soft.py)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from ortools.sat.python import cp_model

from organizer.services.scheduling.solver import soft
from organizer.services.scheduling.solver.context import Context, Free


class Model:
    """The hard rules for the free sessions; optionally every session may stay unplaced
    (`optional`), and optionally the soft rules' objective."""

    def __init__(
        self,
        ctx: Context,
        frees: list[Free],
        *,
        optional: bool,
        weights: soft.Weights | None,
        shared_audience: Mapping[tuple[int, int], int] | None = None,
    ) -> None:
        self.ctx = ctx
        self.frees = frees
        self.model = cp_model.CpModel()
        self.start: dict[int, cp_model.IntVar] = {}
        self.placed: dict[int, cp_model.IntVar] = {}
        self.present: dict[int, dict[int, cp_model.IntVar]] = {}
        self.room_intervals: dict[int, list[cp_model.IntervalVar]] = {r: [] for r in ctx.room_ids}
        self.terms: dict[str, list[tuple[int, object, int]]] = {}
        self.constant: dict[str, int] = {}
        self.by_id = {f.id: f for f in frees}
        self.fixed_by_id = {f.session.id: f for f in ctx.fixed}
        for free in frees:
            self._place(free, optional)
        for part in ctx.hard:
            if part.constrain is not None:
                part.constrain(self, optional)
        if optional and weights is not None:
            self._stale_places()
        if weights is not None:
            soft.add(self, weights, optional, shared_audience or {})

    def _place(self, free: Free, optional: bool) -> None:
        model, sid = self.model, free.id
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
            for r in self.ctx.room_ids:
                self.room_intervals[r].append(
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
                self.room_intervals[room].append(
                    model.new_optional_fixed_size_interval_var(
                        start, free.duration, lit, f"i{sid}_{room}"
                    )
                )
            model.add(sum(present.values()) == placed)
        self.present[sid] = present

    def _stale_places(self) -> None:
        """In a repair, a placed session left unplaced stays where it is: the sessions that
        are placed keep clear of it as each hard rule says (its room, its speakers)."""
        hooks = [part.keep_clear for part in self.ctx.hard if part.keep_clear is not None]
        for stale in self.frees:
            if stale.current is None:
                continue
            room = stale.current[0]
            for other in self.frees:
                if other.id == stale.id:
                    continue
                union = other.union()
                # The room: an all-rooms item on either side meets in every room.
                if stale.all_rooms or other.all_rooms:
                    same_room = [self.placed[other.id]]
                elif room in self.present[other.id]:
                    same_room = [self.present[other.id][room]]
                else:
                    same_room = []
                for hook in hooks:
                    hook(self, stale, other, union, same_room)

    def keep_out(self, free: Free, union: list[int], low: int, high: int, when: list[Any]) -> None:
        """The session's start is not strictly between `low` and `high` when all of `when`."""
        allowed = [t for t in union if not low < t < high]
        if len(allowed) == len(union):
            return
        if not allowed:
            self.model.add_bool_or([~lit for lit in when])
            return
        self.model.add_linear_expression_in_domain(
            self.start[free.id], cp_model.Domain.from_values(allowed)
        ).only_enforce_if(when)

    # The objective ---------------------------------------------------------------------------

    def penalise(self, name: str, weight: int, expression: object, upper: int = 1) -> None:
        """Add weight x expression to the objective; `upper` bounds the expression."""
        if weight:
            self.terms.setdefault(name, []).append((weight, expression, upper))

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
        expression, ceiling = self.soft_expression()
        if not optional:
            self.model.minimize(expression)
            return 0
        unplaced_weight = ceiling + 1
        self.model.minimize(
            unplaced_weight * sum(1 - x for x in self.placed.values()) + expression  # type: ignore[operator]
        )
        return unplaced_weight

    # Hints and answers -----------------------------------------------------------------------

    def hint(
        self, placements: Mapping[int, tuple[int, int]], *, seed: int = 0, limit: float = 5.0
    ) -> None:
        """Start from the placements. The soft rules' variables are hinted too, with the
        values a quick solve with the placements fixed gives them: left to the solver, a
        partial hint's first solution can be far worse than the placements it came from."""
        self.hint_places(placements)
        solver = new_solver(min(5.0, limit), 1, seed)
        solver.parameters.fix_variables_to_their_hinted_value = True
        if solver.solve(self.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return  # keep the partial hint
        values = list(solver.response_proto.solution)
        self.model.clear_hints()
        for index, value in enumerate(values):
            self.model.add_hint(self.model.get_int_var_from_proto_index(index), value)

    def hint_places(self, placements: Mapping[int, tuple[int, int]]) -> None:
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


class Progress(cp_model.CpSolverSolutionCallback):
    """Records when each solution arrived and how many sessions it placed."""

    def __init__(self, started: float, placed: list[cp_model.IntVar]) -> None:
        super().__init__()
        self.started = started
        self.placed_vars = placed
        self.log: list[tuple[float, float, int]] = []

    def on_solution_callback(self) -> None:
        count = sum(self.value(x) for x in self.placed_vars)
        self.log.append((time.perf_counter() - self.started, self.objective_value, count))


def new_solver(limit: float, workers: int, seed: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, limit)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    # Probing during presolve costs seconds per pass on a few hundred sessions (optional
    # intervals in every room) and pays back little here.
    solver.parameters.cp_model_probing_level = 0
    return solver
