"""The automatic scheduler's entry point: `solve(plan, mode=...)` places the sessions it is given
to place ("free" sessions) and returns a `Result`; nothing is saved (see `suggestions.py`).
The package's docstring says how it works."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _
from ortools.sat.python import cp_model

from organizer.services import solving
from organizer.services.scheduling import conflicts as conflict_rules
from organizer.services.scheduling import rules
from organizer.services.scheduling.plan import Plan
from organizer.services.scheduling.solver import MODES, WORKERS, explain
from organizer.services.scheduling.solver.context import Context
from organizer.services.scheduling.solver.greedy import greedy
from organizer.services.scheduling.solver.infeasible import feasibility
from organizer.services.scheduling.solver.model import Model, Progress, new_solver
from organizer.services.scheduling.solver.soft import Weights

TIME_LIMIT_SECONDS = 10.0
CHECK_SHARE = 0.3  # of the time limit, at most, for proving and explaining infeasibility

# The rules the solver never breaks (each has a `SolverPart` in its module under rules/).
HARD_RULES = frozenset(rule.code for rule in rules.hard_rules())

__all__ = [
    "HARD_RULES",
    "MODES",
    "Result",
    "Sofar",
    "Stopped",
    "Watch",
    "Weights",
    "apply",
    "check",
    "free_sessions",
    "solve",
]


@dataclass(frozen=True)
class Sofar:
    """How a solve is going, for a watch: the phase ("start", "check": proving that every
    session can be placed, "optimise"), seconds since it began, and the CP-SAT solutions so far
    (the last one's objective and how many of the `total` free sessions it places)."""

    phase: str
    seconds: float
    total: int
    solutions: int = 0
    objective: float | None = None
    placed: int = 0


# Called between phases and about twice a second while CP-SAT searches, in the thread that
# called `solve`; True stops the solve, which then raises Stopped.
Watch = Callable[[Sofar], bool]


Stopped = solving.Stopped  # the watch stopped the solve: there is no result


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
    hard = {rule.code for rule in rules.hard_rules()}
    found = conflict_rules.find_conflicts(apply(plan, placements), include_ignored=True)
    return [c for c in found if c.rule in hard and any(i in placements for i in c.session_ids)]


# The entry point -------------------------------------------------------------------------------


def free_sessions(plan: Plan, mode: str) -> list[int]:
    """The sessions a run places: unplaced unpinned ones; in a repair, placed ones too."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    return [s.id for s in plan.top_level() if not s.pinned and (mode == "repair" or not s.placed)]


@dataclass
class _Run:
    """One solve under way: what it was asked and what it has found so far."""

    ctx: Context
    result: Result
    started: float
    time_limit: float
    workers: int
    seed: int
    cores: list[tuple[int, ...]] = field(default_factory=list)
    optional: bool = False
    unplaced_weight: int = 0
    status: int = cp_model.UNKNOWN
    found: dict[int, tuple[int, int]] = field(default_factory=dict)  # slot -> (room, minute)
    dropped: set[int] = field(default_factory=set)
    watch: Watch | None = None

    def left(self) -> float:
        return self.time_limit - (time.perf_counter() - self.started)

    def look(self, phase: str, log: list[tuple[float, float, int]] | None = None) -> bool:
        """Tell the watch how it goes; True when it asks to stop."""
        if self.watch is None:
            return False
        last = log[-1] if log else None
        return self.watch(
            Sofar(
                phase=phase,
                seconds=time.perf_counter() - self.started,
                total=len(self.ctx.frees),
                solutions=len(log or ()),
                objective=last[1] if last else None,
                placed=last[2] if last else 0,
            )
        )


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
    watch: Watch | None = None,
) -> Result:
    """Place the free sessions (see the package's docstring). `release` gives the latest
    release's place of each session (slot id -> (room id, start)); `shared_audience` weighs
    pairs of sessions that should not overlap beyond those of one track. `watch` is told how
    it goes and may stop it (Stopped)."""
    started = time.perf_counter()
    weights = weights or Weights()
    ids = free_sessions(plan, mode) if free_ids is None else list(free_ids)
    ctx = Context(plan, free_ids=ids, release=release or {}, mode=mode)
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
    run = _Run(ctx, result, started, time_limit, workers, seed, watch=watch)
    if run.look("start"):
        raise Stopped
    _search(run, weights, shared_audience)
    _keep_sound(run, plan)
    _explain_unplaced(run)
    _conclude(run)
    result.wall_seconds = time.perf_counter() - started
    return result


def _search(
    run: _Run, weights: Weights, shared_audience: Mapping[tuple[int, int], int] | None
) -> None:
    """The greedy start; when it leaves sessions out, the feasibility check; then CP-SAT."""
    ctx = run.ctx
    start = greedy(ctx, weights)
    complete = len(start) == len(ctx.frees)
    if complete and _optimise(run, start, True, weights, shared_audience):
        return
    # Sessions left out, or a complete start that breaks a rule the greedy placement does not
    # know (a rule whose solver part relates free sessions with its own constraints).
    if run.look("check"):
        raise Stopped
    found, run.cores = feasibility(
        ctx, budget=run.time_limit * CHECK_SHARE, seed=run.seed, workers=run.workers, start=start
    )
    if found is not None:
        start = found
    _optimise(run, start, found is not None, weights, shared_audience)


def _optimise(
    run: _Run,
    start: dict[int, tuple[int, int]],
    complete: bool,
    weights: Weights,
    shared_audience: Mapping[tuple[int, int], int] | None,
) -> bool:
    """Solve from the start; every session must be placed when the start is complete. False
    (and nothing recorded) when that is proven impossible."""
    ctx, result = run.ctx, run.result
    model = Model(
        ctx, ctx.frees, optional=not complete, weights=weights, shared_audience=shared_audience
    )
    unplaced_weight = model.minimise(not complete)
    model.hint(start, seed=run.seed, limit=run.left() / 4)
    solver = new_solver(run.left(), run.workers, run.seed)
    progress = Progress(run.started, list(model.placed.values()))
    status = solving.search(
        solver,
        model.model,
        progress,
        stop=None if run.watch is None else lambda: run.look("optimise", progress.log),
    )
    if complete and status == cp_model.INFEASIBLE:
        return False
    run.optional, run.unplaced_weight = not complete, unplaced_weight
    result.solver_status = solver.status_name(status)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        run.found = model.read(solver.value)
        result.objective = round(solver.objective_value)
        result.bound = round(solver.best_objective_bound)
        result.penalties = model.breakdown(solver.value)
        result.solutions = len(progress.log)
    else:  # nothing found in time: the start is all there is
        run.found = dict(start)
        status = cp_model.FEASIBLE if complete else cp_model.UNKNOWN
    run.status = status
    if result.objective is not None and result.bound is not None:
        result.gap = (
            0.0
            if status == cp_model.OPTIMAL
            else max(0.0, (result.objective - result.bound) / max(1, abs(result.objective)))
        )
    finals = [t for t, _obj, count in progress.log if count == len(run.found)]
    result.first_solution_seconds = finals[0] if finals else time.perf_counter() - run.started
    return True


def _keep_sound(run: _Run, plan: Plan) -> None:
    """The conflict code has the last word: a placement it finds a hard conflict in (a bug)
    is dropped and reported, never returned."""
    placements = {
        sid: (room, run.ctx.clock.at(minute)) for sid, (room, minute) in run.found.items()
    }
    for conflict in check(plan, placements):
        for sid in conflict.session_ids:
            if sid in placements:
                del placements[sid]
                run.dropped.add(sid)
            if sid in run.dropped:
                run.result.unplaced.setdefault(sid, []).append(conflict.message)
    run.result.placements = placements
    run.result.cores = run.cores


def _explain_unplaced(run: _Run) -> None:
    result = run.result
    in_core = {sid: core for core in run.cores for sid in core}
    for free in run.ctx.frees:
        if free.id in result.placements:
            continue
        if free.id in run.dropped:
            reason = None
        elif free.id in in_core:
            reason = explain.core_reason(run.ctx, in_core[free.id], free.id)
        elif run.status == cp_model.OPTIMAL:
            reason = _("Once the other sessions are placed, no room that suits it has time left.")
        else:
            reason = _(
                "No place was found for it within the time limit of %(seconds)d seconds; a "
                "longer run may find one.",
                seconds=round(run.time_limit),
            )
        if reason is not None:
            result.unplaced.setdefault(free.id, []).append(reason)
        if free.current is not None:
            result.unplaced[free.id].append(_("It stays where it is."))


def _conclude(run: _Run) -> None:
    """The status, and the objective without the price of the sessions left unplaced."""
    result, ctx = run.result, run.ctx
    everyone = len(result.placements) == len(ctx.frees)
    if (
        ctx.reasons
        or run.cores
        or (run.optional and run.status == cp_model.OPTIMAL and not everyone)
    ):
        result.status = "infeasible"
    elif not everyone:
        result.status = "unknown"
    else:
        result.status = "optimal" if run.status == cp_model.OPTIMAL else "feasible"
    if run.optional and result.objective is not None:
        # Report the soft rules' part: the unplaced sessions are listed, not priced.
        missing = len(ctx.frees) - len(run.found)
        result.objective -= run.unplaced_weight * missing
        if result.bound is not None:
            result.bound = max(0, result.bound - run.unplaced_weight * missing)
