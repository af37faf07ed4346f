"""Can every free session be placed? When the greedy start leaves some out, a feasibility model
answers: either it finds a complete placement (the new start), or it proves that the sessions
cannot all be placed, and CP-SAT's `sufficient_assumptions_for_infeasibility` names a set of
sessions that cannot all be placed together (a core, shrunk by removing one session at a time
while it stays infeasible); that is repeated on the rest to find further cores."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

from ortools.sat.python import cp_model

from organizer.services.scheduling.solver.context import Context
from organizer.services.scheduling.solver.model import Model, new_solver

MAX_CORES = 5  # sets of sessions that cannot all be placed, at most, per run
SHRINK_LIMIT = 12  # cores up to this size are shrunk one session at a time


class _Assumptions:
    """One model where every session may stay unplaced, solved under the assumption that the
    given sessions are placed. Presolve is off, so that a core is made of assumptions, and one
    worker, which is what the core extraction needs."""

    def __init__(self, ctx: Context, seed: int) -> None:
        self.model = Model(ctx, ctx.frees, optional=True, weights=None)
        self.seed = seed
        self.index_of = {self.model.placed[f.id].index: f.id for f in ctx.frees}

    def solve(self, ids: Sequence[int], limit: float) -> tuple[int, cp_model.CpSolver]:
        self.model.model.clear_assumptions()
        self.model.model.add_assumptions([self.model.placed[i] for i in ids])
        solver = new_solver(limit, 1, self.seed)
        solver.parameters.cp_model_presolve = False  # cores stay within the assumptions
        return solver.solve(self.model.model), solver

    def core(self, solver: cp_model.CpSolver) -> list[int]:
        found = solver.sufficient_assumptions_for_infeasibility()
        return [self.index_of[i] for i in found if i in self.index_of]

    def shrink(self, core: list[int], deadline: float) -> list[int]:
        """Leave out one session at a time while the rest stays infeasible."""
        if len(core) > SHRINK_LIMIT:
            return core
        for sid in list(core):
            left = deadline - time.perf_counter()
            if left <= 0.05 or len(core) == 1:
                break
            trial = [i for i in core if i != sid]
            status, _unused = self.solve(trial, min(left, 2.0))
            if status == cp_model.INFEASIBLE:
                core = trial
        return core


def feasibility(
    ctx: Context,
    *,
    budget: float,
    seed: int,
    workers: int,
    start: Mapping[int, tuple[int, int]],
) -> tuple[dict[int, tuple[int, int]] | None, list[tuple[int, ...]]]:
    """A complete placement when one is found, and the sets of sessions that cannot all be
    placed together when it is proven impossible.

    First a plain feasibility solve from the partial start (half the budget); only when it
    proves infeasibility, the assumptions."""
    deadline = time.perf_counter() + budget
    strict = Model(ctx, ctx.frees, optional=False, weights=None)
    strict.hint_places(start)
    solver = new_solver(budget / 2, workers, seed)
    status = solver.solve(strict.model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return strict.read(solver.value), []
    if status != cp_model.INFEASIBLE:
        return None, []
    return _cores(ctx, seed, deadline)


def _cores(
    ctx: Context, seed: int, deadline: float
) -> tuple[dict[int, tuple[int, int]] | None, list[tuple[int, ...]]]:
    check = _Assumptions(ctx, seed)
    wanted = [f.id for f in ctx.frees]
    cores: list[tuple[int, ...]] = []
    while len(cores) < MAX_CORES:
        left = deadline - time.perf_counter()
        if left <= 0.05 or not wanted:
            break
        status, solver = check.solve(wanted, left)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if not cores:
                return check.model.read(solver.value), []
            break
        if status != cp_model.INFEASIBLE:
            break
        core = check.core(solver)
        if not core:
            break
        core = check.shrink(core, deadline)
        cores.append(tuple(sorted(core)))
        wanted = [i for i in wanted if i not in core]
    return None, cores
