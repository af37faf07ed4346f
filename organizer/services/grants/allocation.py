"""Allocation: choosing awards that get the most out of the budget, with OR-Tools CP-SAT.

The problem (`solve`, a pure function). Each application i asks for req[i][c] minor units in
some categories c. It is either not funded, or funded with a[i][c] in [0, req[i][c]] per
category whose sum lies between ceil(min_fraction% x request) and the full request. The
awards fit the budget (sum of all a <= budget) and each optional category cap (sum over i of
a[i][c] <= cap[c]). Must-fund pins are funded; must-not-fund pins are not.

The objective, lexicographic in two solves:
1. maximise the funded score, sum of score[i] x funded[i], with score[i] = round(score x 100)
   (0..1000 for the committee's 0-10 score);
2. keeping that optimum, maximise sum of score[i] x a[i]: the money left over goes to the
   better-scored applications (rather than to partial awards of the weaker ones).

Applications without a score (no review yet) and those scoring 0 count 0 and are never funded
unless pinned. Both solves together have a time limit (10 s by default, 70% of it for the
first) and run two workers each; the status reported is the first solve's (OPTIMAL, FEASIBLE,
INFEASIBLE, UNKNOWN or MODEL_INVALID). The solver starts from the better of the `greedy`
allocation and a thrifty variant (minimum awards by score per unit of money, then top-ups) as
a hint, and whenever greedy keeps every pin the result is at least as good as greedy's
(should the solver run out of time below its start, the start is returned).

What an application asks for, to the solver, depends on the run's basis (`BASES`): the
applicant's request, or the reviewers' recommended amount (the median of their
recommendations, spread over the requested categories in proportion, `scale`) where at least
one reviewer recommended an amount and the request elsewhere. Partial awards go down to the
minimum fraction of that amount.

`run_allocation` puts the result in an AllocationRun (a draft organizers adjust with
`adjust_line` before `offers.commit_run` sends the offers); `explain` says in words what a
run proposes and what picking by score alone (`greedy`) would have funded.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, TypeAlias

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from organizer import permissions
from organizer.enums import AllocationStatus, GrantState
from organizer.errors import ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import (
    AllocationLine,
    AllocationRun,
    GrantApplication,
    GrantAward,
    GrantProgramme,
    User,
)
from organizer.services import audit, money, solving
from organizer.services.grants import review as grant_review
from organizer.services.reviewing import interests

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

TIME_LIMIT_SECONDS = 10.0
MIN_TIME_LIMIT, MAX_TIME_LIMIT = 1, 300  # seconds an organizer may give a run
WORKERS = 2
FIRST_SHARE = 0.7  # of the time limit, for the first solve; the second gets the rest
SOLVED = ("OPTIMAL", "FEASIBLE")  # the solver's status names that come with a solution
# Asked during a solve with its phase ("fund": the first solve, "spend": the second) and the
# seconds since it began; True stops it.
Watch = Callable[[str, float], bool]
# States whose award holds money: the offer is out or accepted.
HOLDING_STATES = (GrantState.OFFERED, GrantState.ACCEPTED)
# States an allocation considers (when no award exists yet).
CONSIDERED_STATES = (GrantState.SUBMITTED, GrantState.WAITLISTED)
# What the amounts of a run are based on: the applicants' requests, or the reviewers'
# recommended amounts where there are some (the request elsewhere). Kept in `Solve.mode`.
BASIS_REQUESTS = "requests"
BASIS_REVIEWERS = "reviewers"
BASES = (BASIS_REQUESTS, BASIS_REVIEWERS)


# The pure problem ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Item:
    id: int
    score: float | None  # 0-10; None without reviews
    requested: Mapping[str, int]  # category -> minor units
    pin: str | None = None  # "fund", "skip" or None

    @property
    def request_total(self) -> int:
        return sum(v for v in self.requested.values() if v > 0)

    @property
    def weight(self) -> int:
        return score_weight(self.score)


@dataclasses.dataclass
class Result:
    status: str  # the solver's status name, or "GREEDY" for `greedy`
    amounts: dict[int, dict[str, int]]  # item id -> category -> minor units (funded only)
    objective: int  # funded score, sum of weight x funded
    secondary: int  # sum of weight x amount
    wall_time: float  # seconds
    message: str = ""  # why there is no allocation, when there is none
    bound: int | None = None  # the solver's proof: no allocation scores more than this

    @property
    def feasible(self) -> bool:
        return self.status in ("OPTIMAL", "FEASIBLE", "GREEDY")

    def total(self, item_id: int) -> int:
        return sum(self.amounts.get(item_id, {}).values())

    @property
    def spent(self) -> int:
        return sum(sum(a.values()) for a in self.amounts.values())


def score_weight(score: float | None) -> int:
    """The committee's 0-10 score as the solver's integer weight (0..1000)."""
    return 0 if score is None else max(0, round(score * 100))


def minimum_award(request_total: int, min_fraction: int) -> int:
    """The smallest partial award: ceil(min_fraction% of the request), in minor units."""
    return -(-request_total * min_fraction // 100)


def objectives(items: Iterable[Item], amounts: Mapping[int, Mapping[str, int]]) -> tuple[int, int]:
    """(funded score, score-weighted spend) of an allocation, as `solve` maximises them."""
    primary = secondary = 0
    for item in items:
        total = sum(amounts.get(item.id, {}).values())
        if item.id in amounts:
            primary += item.weight
        secondary += item.weight * total
    return primary, secondary


def scale(requested: Mapping[str, int], total: int) -> dict[str, int]:
    """`requested` (category -> minor units) scaled to `total` in proportion, in whole minor
    units that add up to exactly `total` (largest remainders first, then the order asked).
    `total` at or above the request leaves the request as it is."""
    asked = {c: int(v) for c, v in requested.items() if int(v) > 0}
    whole = sum(asked.values())
    if total >= whole:
        return asked
    if total <= 0:
        return {}
    shares = {c: v * total // whole for c, v in asked.items()}
    order = sorted(asked, key=lambda c: -(asked[c] * total % whole))  # stable: order asked
    for category in order[: total - sum(shares.values())]:
        shares[category] += 1
    return {c: v for c, v in shares.items() if v > 0}


def _eligible(item: Item) -> bool:
    """May the solver fund it at all? Pinned "skip", nothing asked, or no score: no."""
    if item.pin == "skip" or item.request_total <= 0:
        return False
    return item.pin == "fund" or item.weight > 0


def greedy(
    items: Iterable[Item],
    *,
    budget: int,
    min_fraction: int,
    category_caps: Mapping[str, int] | None = None,
) -> Result:
    """The baseline: must-fund pins first, then by score (highest first, then the smaller
    request, then id); fund in full if it fits, else as much as fits down to the minimum
    fraction, else skip. Partial awards fill the categories in the order they were asked for.
    A pin that does not fit is skipped (so greedy may break a pin that `solve` keeps)."""
    started = time.perf_counter()
    items = list(items)
    caps = dict(category_caps or {})
    left = budget
    amounts: dict[int, dict[str, int]] = {}
    chosen = [item for item in items if _eligible(item)]
    chosen.sort(key=lambda i: (i.pin != "fund", -i.weight, i.request_total, i.id))
    for item in chosen:
        room = {c: min(v, caps[c]) if c in caps else v for c, v in item.requested.items() if v > 0}
        fundable = min(sum(room.values()), left)
        if fundable < minimum_award(item.request_total, min_fraction) or fundable <= 0:
            continue
        award: dict[str, int] = {}
        remaining = fundable
        for category, value in room.items():
            give = min(value, remaining)
            if give > 0:
                award[category] = give
                remaining -= give
                if category in caps:
                    caps[category] -= give
        left -= fundable
        amounts[item.id] = award
    primary, secondary = objectives(items, amounts)
    return Result(
        status="GREEDY",
        amounts=amounts,
        objective=primary,
        secondary=secondary,
        wall_time=time.perf_counter() - started,
    )


def _fill(requested: dict[str, int], amount: int, caps: dict[str, int]) -> dict[str, int]:
    """`amount` spread over the categories in order, within the requests and the caps (which
    are reduced). The caller checked that it fits."""
    award: dict[str, int] = {}
    for category, value in requested.items():
        give = min(value, amount, caps.get(category, value))
        if give > 0:
            award[category] = give
            amount -= give
            if category in caps:
                caps[category] -= give
    return award


def _thrifty(
    items: list[Item], *, budget: int, min_fraction: int, caps: Mapping[str, int]
) -> dict[int, dict[str, int]]:
    """A start for the solver: must-fund pins, then by score per unit of minimum award, each
    at its minimum award; then what is left tops up the best scores. Feasible, and usually
    far closer to the optimum than `greedy` when partial awards are allowed."""
    left = budget
    room = dict(caps)
    amounts: dict[int, dict[str, int]] = {}
    chosen = [i for i in items if _eligible(i)]
    chosen.sort(
        key=lambda i: (
            i.pin != "fund",
            -i.weight / max(1, minimum_award(i.request_total, min_fraction)),
            i.id,
        )
    )
    for item in chosen:
        least = max(1, minimum_award(item.request_total, min_fraction))
        requested = {c: v for c, v in item.requested.items() if v > 0}
        fits = sum(min(v, room.get(c, v)) for c, v in requested.items())
        if least <= left and least <= fits:
            amounts[item.id] = _fill(requested, least, room)
            left -= least
    for item in sorted(chosen, key=lambda i: (-i.weight, i.id)):
        if item.id not in amounts or left <= 0:
            continue
        award = amounts[item.id]
        for category, value in item.requested.items():
            more = min(value - award.get(category, 0), left, room.get(category, left))
            if more > 0:
                award[category] = award.get(category, 0) + more
                left -= more
                if category in room:
                    room[category] -= more
    return amounts


def solve(
    items: Iterable[Item],
    *,
    budget: int,
    min_fraction: int,
    category_caps: Mapping[str, int] | None = None,
    time_limit: float = TIME_LIMIT_SECONDS,
    workers: int = WORKERS,
    seed: int = 0,
    currency: str | None = None,
    watch: Watch | None = None,
) -> Result:
    """The best allocation (see the module's docstring). An INFEASIBLE result (must-fund pins
    that cannot all be funded within the budget and caps) has no amounts and a message.
    `watch`, when given, is asked about twice a second during each solve and stops it
    (solving.Stopped) by answering True."""
    started = time.perf_counter()
    items = list(items)
    caps = {c: v for c, v in (category_caps or {}).items() if v is not None}
    if budget < 0 or not 1 <= min_fraction <= 100:
        raise ValueError("budget must be >= 0 and min_fraction between 1 and 100")

    pinned = [i for i in items if i.pin == "fund" and i.request_total > 0]
    needed = sum(minimum_award(i.request_total, min_fraction) for i in pinned)
    if needed > budget:
        return _no_allocation(
            "INFEASIBLE",
            started,
            _(
                "The must-fund applications need at least %(needed)s even with partial "
                "awards, more than the budget of %(budget)s. Remove a must-fund pin or "
                "lower the minimum fraction.",
                needed=money.fmt(needed, currency) if currency else needed,
                budget=money.fmt(budget, currency) if currency else budget,
            ),
        )

    model, funded, parts = _model(items, budget=budget, min_fraction=min_fraction, caps=caps)
    weights = {item.id: item.weight for item in items}
    primary = sum(weights[i] * f for i, f in funded.items())
    secondary = sum(weights[i] * a for i, variables in parts.items() for a in variables.values())
    start = _start(items, pinned, budget=budget, min_fraction=min_fraction, caps=caps)
    if start is not None:
        _hint(model, funded, parts, start)

    def run(limit: float, phase: str) -> tuple[cp_model.CpSolver, int]:
        stop = None if watch is None else lambda: watch(phase, time.perf_counter() - started)
        return _run(model, limit, workers=workers, seed=seed, stop=stop)

    model.maximize(primary)
    solver, status = run(time_limit * FIRST_SHARE, "fund")
    status_name = solver.status_name(status)
    if status_name not in SOLVED:
        return _no_allocation(status_name, started, _why_none(status, status_name))
    best = round(solver.objective_value)
    bound = int(solver.best_objective_bound + 1e-6)
    amounts = _amounts(solver, funded, parts)

    # Second solve: keep the funded score, spend what is left on the better scores.
    model.clear_hints()
    _hint(model, funded, parts, amounts)
    model.add(primary >= best)
    model.maximize(secondary)
    solver2, status2 = run(max(0.5, time_limit - (time.perf_counter() - started)), "spend")
    if solver2.status_name(status2) in SOLVED:
        amounts = _amounts(solver2, funded, parts)

    first, second = objectives(items, amounts)
    if start is not None and objectives(items, start) > (first, second):
        # Out of time before reaching the start's quality (rare): keep the better one.
        amounts = start
        first, second = objectives(items, start)
    return Result(
        status=status_name,
        amounts=amounts,
        objective=first,
        secondary=second,
        wall_time=time.perf_counter() - started,
        bound=bound,
    )


def _run(
    model: cp_model.CpModel,
    limit: float,
    *,
    workers: int,
    seed: int,
    stop: Callable[[], bool] | None = None,
) -> tuple[cp_model.CpSolver, int]:
    # OR-Tools is imported where it is used (here and in `_model`, `_why_none`), so that a web
    # process loads it only when an allocation runs.
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = limit
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    return solver, solving.search(solver, model, stop=stop)


def _why_none(status: int, status_name: str) -> str:
    from ortools.sat.python import cp_model

    if status == cp_model.INFEASIBLE:
        return _(
            "The must-fund applications cannot all be funded within the budget and the "
            "category caps. Remove a must-fund pin, lower the minimum fraction or raise a cap."
        )
    return _("The optimiser found no allocation in time (%(status)s).", status=status_name)


def _no_allocation(status: str, started: float, message: str) -> Result:
    return Result(
        status=status,
        amounts={},
        objective=0,
        secondary=0,
        wall_time=time.perf_counter() - started,
        message=message,
    )


Variables: TypeAlias = "dict[int, dict[str, cp_model.IntVar]]"


def _model(
    items: list[Item], *, budget: int, min_fraction: int, caps: Mapping[str, int]
) -> tuple[cp_model.CpModel, dict[int, cp_model.IntVar], Variables]:
    """The constraints: per item a "funded" boolean and an amount per category it asked for."""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    funded: dict[int, cp_model.IntVar] = {}
    parts: Variables = {}
    for item in items:
        if not _eligible(item):
            continue
        f = model.new_bool_var(f"f{item.id}")
        funded[item.id] = f
        variables = {}
        for category, request in item.requested.items():
            if request <= 0:
                continue
            a = model.new_int_var(0, request, f"a{item.id}_{category}")
            model.add(a == 0).only_enforce_if(~f)
            variables[category] = a
        parts[item.id] = variables
        total = sum(variables.values())
        model.add(total >= minimum_award(item.request_total, min_fraction)).only_enforce_if(f)
        if item.pin == "fund":
            model.add(f == 1)
    all_parts = [a for variables in parts.values() for a in variables.values()]
    if all_parts:
        model.add(sum(all_parts) <= budget)
        # Implied by the above (a funded award is at least its minimum), but stated on the
        # booleans it gives the solver the tight knapsack bound it needs for the first solve:
        # at 2,000 applications this turns a 10 s time-out into a proof of optimality.
        by_id = {item.id: item for item in items}
        model.add(
            sum(minimum_award(by_id[i].request_total, min_fraction) * f for i, f in funded.items())
            <= budget
        )
    for category, cap in caps.items():
        in_category = [v[category] for v in parts.values() if category in v]
        if in_category:
            model.add(sum(in_category) <= cap)
    return model, funded, parts


def _start(
    items: list[Item],
    pinned: list[Item],
    *,
    budget: int,
    min_fraction: int,
    caps: Mapping[str, int],
) -> dict[int, dict[str, int]] | None:
    """Where the solver starts: the better of greedy and a thrifty variant that keeps every
    pin (None when neither keeps them all)."""
    hint = greedy(items, budget=budget, min_fraction=min_fraction, category_caps=caps)
    start = hint.amounts if all(i.id in hint.amounts for i in pinned) else None
    thrifty = _thrifty(items, budget=budget, min_fraction=min_fraction, caps=caps)
    if all(i.id in thrifty for i in pinned) and (
        start is None or objectives(items, thrifty) > objectives(items, start)
    ):
        start = thrifty
    return start


def _hint(
    model: cp_model.CpModel,
    funded: dict[int, cp_model.IntVar],
    parts: Variables,
    amounts: Mapping[int, Mapping[str, int]],
) -> None:
    """Suggest `amounts` (the items in it funded, the others not) as the solver's start."""
    for item_id, f in funded.items():
        model.add_hint(f, item_id in amounts)
        for category, a in parts[item_id].items():
            model.add_hint(a, amounts.get(item_id, {}).get(category, 0))


def _amounts(
    solver: cp_model.CpSolver, funded: dict[int, cp_model.IntVar], parts: Variables
) -> dict[int, dict[str, int]]:
    """The solution: per funded item (in id order), its amounts above zero."""
    chosen = sorted(i for i, f in funded.items() if solver.value(f))
    return {i: {c: v for c, a in parts[i].items() if (v := solver.value(a)) > 0} for i in chosen}


# Money held and left ------------------------------------------------------------------------


def committed_total(programme: GrantProgramme) -> int:
    """What awards hold: the sum of awards whose offer is out or accepted."""
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(GrantAward.total), 0))
            .join(GrantApplication, GrantApplication.id == GrantAward.application_id)
            .where(
                GrantApplication.programme_id == programme.id,
                GrantApplication.state.in_(HOLDING_STATES),
            )
        )
        or 0
    )


def committed_by_category(programme: GrantProgramme) -> dict[str, int]:
    """What the held awards hold per category."""
    held: dict[str, int] = {}
    for (amounts,) in db.session.execute(
        select(GrantAward.amounts)
        .join(GrantApplication, GrantApplication.id == GrantAward.application_id)
        .where(
            GrantApplication.programme_id == programme.id,
            GrantApplication.state.in_(HOLDING_STATES),
        )
    ):
        for category, value in (amounts or {}).items():
            held[category] = held.get(category, 0) + int(value)
    return held


def remaining_budget(programme: GrantProgramme) -> int:
    """The budget minus what offered and accepted awards hold (negative if overspent)."""
    return programme.budget - committed_total(programme)


def remaining_caps(programme: GrantProgramme) -> dict[str, int]:
    """Each category cap minus what held awards take from it (never below 0)."""
    held = committed_by_category(programme)
    return {
        category: max(0, int(cap) - held.get(category, 0))
        for category, cap in (programme.category_caps or {}).items()
        if cap is not None
    }


def run_total(run: AllocationRun) -> int:
    return sum(line.total for line in run.lines)


def run_remaining(run: AllocationRun) -> int:
    """What the run leaves of the budget it had, with the organizers' adjustments."""
    return run.budget - run_total(run)


# Runs ---------------------------------------------------------------------------------------


def _require_manager(actor: User, programme: GrantProgramme) -> None:
    permissions.require(
        permissions.can_manage_grants(actor, programme.event),
        _("Only this event's organizers can allocate grants."),
    )


def considered(programme: GrantProgramme) -> list[GrantApplication]:
    """Applications an allocation considers: submitted or waitlisted, without an award."""
    return list(
        db.session.scalars(
            select(GrantApplication)
            .where(
                GrantApplication.programme_id == programme.id,
                GrantApplication.state.in_(CONSIDERED_STATES),
                ~GrantApplication.award.has(),
            )
            .order_by(GrantApplication.id)
        )
    )


def check_basis(basis: str) -> None:
    if basis not in BASES:
        raise ValidationFailed(
            {
                "basis": _(
                    "Choose whether to base the amounts on the requests or on the reviewers' "
                    "recommendations."
                )
            }
        )


def check_time_limit(time_limit: float) -> None:
    if isinstance(time_limit, bool) or not MIN_TIME_LIMIT <= time_limit <= MAX_TIME_LIMIT:
        low, high = MIN_TIME_LIMIT, MAX_TIME_LIMIT
        message = _("Choose a time limit from %(low)d to %(high)d seconds.", low=low, high=high)
        raise ValidationFailed({"time_limit": message})


@dataclasses.dataclass(frozen=True)
class Prepared:
    """What a run needs, read from the database before the solver starts."""

    applications: list[GrantApplication]
    items: list[Item]
    budget: int
    caps: dict[str, int]
    time_limit: float
    basis: str = BASIS_REQUESTS

    @property
    def base_totals(self) -> dict[int, int]:
        """Application id -> the amount its awards are based on, where that differs from the
        request (a reviewers' recommendation below it)."""
        if self.basis != BASIS_REVIEWERS:
            return {}
        by_id = {a.id: a for a in self.applications}
        return {
            item.id: item.request_total
            for item in self.items
            if item.id in by_id and item.request_total != by_id[item.id].requested_total
        }


def prepare(
    *, actor: User, programme: GrantProgramme, time_limit: float, basis: str = BASIS_REQUESTS
) -> Prepared:
    _require_manager(actor, programme)
    check_time_limit(time_limit)
    check_basis(basis)
    applications = considered(programme)
    return Prepared(
        applications=applications,
        items=_items(programme, applications, basis=basis),
        budget=max(0, remaining_budget(programme)),
        caps=remaining_caps(programme),
        time_limit=time_limit,
        basis=basis,
    )


def run_solver(
    programme: GrantProgramme, prepared: Prepared, *, watch: Watch | None = None
) -> Result:
    """The optimiser on a prepared run (nothing read or written but the programme's
    settings). WrongState when the must-fund pins cannot be kept."""
    result = solve(
        prepared.items,
        budget=prepared.budget,
        min_fraction=programme.min_fraction,
        category_caps=prepared.caps,
        time_limit=prepared.time_limit,
        currency=programme.currency,
        watch=watch,
    )
    if not result.feasible:
        raise WrongState(result.message)
    return result


def run_allocation(
    *,
    actor: User,
    programme: GrantProgramme,
    now: dt.datetime,
    time_limit: float = TIME_LIMIT_SECONDS,
    basis: str = BASIS_REQUESTS,
) -> AllocationRun:
    """Solve the programme's allocation over its remaining budget and keep the result as a
    draft run with one line per considered application (nothing for those not funded). An
    older draft of the programme is discarded: there is one draft at a time. WrongState when
    the must-fund pins cannot be kept. (Organizers' runs go through the task queue:
    services/solves.py calls `prepare`, `run_solver` and `keep` with a commit in between.)"""
    prepared = prepare(actor=actor, programme=programme, time_limit=time_limit, basis=basis)
    result = run_solver(programme, prepared)
    return keep(actor=actor, programme=programme, now=now, prepared=prepared, result=result)


def keep(
    *,
    actor: User,
    programme: GrantProgramme,
    now: dt.datetime,
    prepared: Prepared,
    result: Result,
) -> AllocationRun:
    """The result as the programme's draft run (replacing an older draft)."""
    items, budget, caps = prepared.items, prepared.budget, prepared.caps
    applications = prepared.applications
    baseline = greedy(items, budget=budget, min_fraction=programme.min_fraction, category_caps=caps)
    _discard_drafts(programme)
    run = AllocationRun(
        programme_id=programme.id,
        status=AllocationStatus.DRAFT,
        budget=budget,
        settings={
            "min_fraction": programme.min_fraction,
            "category_caps": caps,
            "time_limit": prepared.time_limit,
            "basis": prepared.basis,
            # Only where the basis is below the request: partial awards go down from it.
            "base_totals": {str(i): total for i, total in prepared.base_totals.items()},
            "greedy_objective": baseline.objective,
            # What picking by score alone would have funded, for `explain`.
            "greedy_funded": len(baseline.amounts),
            "greedy_spent": baseline.spent,
            "wall_time": round(result.wall_time, 3),
        },
        solver_status=result.status,
        objective=result.objective,
        created_by_id=actor.id,
        created_at=now,
    )
    for application in applications:
        amounts = result.amounts.get(application.id, {})
        run.lines.append(
            AllocationLine(
                application_id=application.id, amounts=dict(amounts), total=sum(amounts.values())
            )
        )
    db.session.add(run)
    db.session.flush()
    audit.record(
        action="grants.allocation_run",
        actor=actor,
        now=now,
        object_type="allocation_run",
        object_id=run.id,
        event=programme.event,
        details={
            "programme": programme.name,
            "budget": budget,
            "considered": len(applications),
            "funded": len(result.amounts),
            "spent": result.spent,
            "solver_status": result.status,
            "objective": result.objective,
            "greedy_objective": baseline.objective,
            "basis": prepared.basis,
        },
    )
    return run


def _items(
    programme: GrantProgramme, applications: list[GrantApplication], *, basis: str
) -> list[Item]:
    """What the solver knows of each application: its committee score, pin and the amounts
    it may get per category: the request, or (basis "reviewers") the request scaled to the
    reviewers' median recommendation where one exists and is lower."""
    by_id = grant_review.scores(programme)
    items = []
    for a in applications:
        requested = {c: int(v) for c, v in (a.requested or {}).items()}
        figures = by_id.get(a.id)
        if basis == BASIS_REVIEWERS and figures is not None and figures.recommended is not None:
            requested = scale(requested, figures.recommended)
        items.append(
            Item(
                id=a.id,
                score=figures.score if figures is not None else None,
                requested=requested,
                pin=a.pin,
            )
        )
    return items


def _discard_drafts(programme: GrantProgramme) -> None:
    """There is one draft run at a time: a new one replaces the older."""
    for old in db.session.scalars(
        select(AllocationRun).where(
            AllocationRun.programme_id == programme.id,
            AllocationRun.status == AllocationStatus.DRAFT,
        )
    ):
        old.status = AllocationStatus.DISCARDED


def _run_programme(run: AllocationRun) -> GrantProgramme:
    programme = db.session.get(GrantProgramme, run.programme_id)
    assert programme is not None  # the foreign key keeps it
    return programme


def adjust_line(
    *, actor: User, line: AllocationLine, amounts: Mapping[str, int], now: dt.datetime
) -> AllocationLine:
    """Change what a draft run proposes for one application. Each amount lies between 0 and
    what was requested in its category; the total is 0 (not funded) or at least the minimum
    fraction of the request; the run stays within its budget and the category caps. Errors
    are keyed "amount-<category>", or "" for the line as a whole."""
    run = line.run
    programme = _run_programme(run)
    _require_manager(actor, programme)
    if run.status != AllocationStatus.DRAFT:
        raise WrongState(_("This allocation was already committed or discarded."))
    application = line.application
    interests.refuse_own_application(actor, application)
    requested = {c: int(v) for c, v in (application.requested or {}).items()}
    currency = programme.currency
    errors: dict[str, str] = {}
    kept: dict[str, int] = {}
    for category, value in amounts.items():
        field = f"amount-{category}"
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors[field] = _("Enter an amount of zero or more.")
        elif value > requested.get(category, 0):
            errors[field] = _(
                "At most what was requested in this category: %(amount)s.",
                amount=money.fmt(requested.get(category, 0), currency),
            )
        elif value > 0:
            kept[category] = value
    total = sum(kept.values())
    if not errors and total:
        base = base_total(run, application)
        least = minimum_award(base, programme.min_fraction)
        if total < least:
            if base == application.requested_total:
                errors[""] = _(
                    "Award nothing or at least %(amount)s (%(fraction)d%% of the request).",
                    amount=money.fmt(least, currency),
                    fraction=programme.min_fraction,
                )
            else:
                errors[""] = _(
                    "Award nothing or at least %(amount)s (%(fraction)d%% of the amount the "
                    "reviewers recommend).",
                    amount=money.fmt(least, currency),
                    fraction=programme.min_fraction,
                )
    if not errors:
        others = run_total(run) - line.total
        if others + total > run.budget:
            errors[""] = _(
                "That takes the allocation over its budget: at most %(amount)s is left for "
                "this application.",
                amount=money.fmt(max(0, run.budget - others), currency),
            )
        caps = (run.settings or {}).get("category_caps") or {}
        for category, cap in caps.items():
            used = sum(
                int((other.amounts or {}).get(category, 0))
                for other in run.lines
                if other.id != line.id
            )
            if used + kept.get(category, 0) > int(cap):
                errors[f"amount-{category}"] = _(
                    "That passes the cap for this category: at most %(amount)s is left.",
                    amount=money.fmt(max(0, int(cap) - used), currency),
                )
    if errors:
        raise ValidationFailed(errors)
    before = {"amounts": dict(line.amounts or {}), "total": line.total}
    line.amounts = kept
    line.total = total
    line.adjusted = True
    db.session.flush()
    audit.record(
        action="grants.allocation_adjust",
        actor=actor,
        now=now,
        object_type="allocation_line",
        object_id=line.id,
        event=programme.event,
        details={"run_id": run.id, "application_id": application.id, "before": before,
                 "after": {"amounts": kept, "total": total}},
    )  # fmt: skip
    return line


def base_total(run: AllocationRun, application: GrantApplication) -> int:
    """What the run based the application's award on: the reviewers' recommendation when the
    run used it and it was below the request, else the request."""
    bases = (run.settings or {}).get("base_totals") or {}
    return int(bases.get(str(application.id), application.requested_total))


@dataclasses.dataclass(frozen=True)
class Explanation:
    """A run's proposal in figures people read (the allocation page words them)."""

    basis: str
    solved: str  # "best": no allocation does better; "in_time": the best found in time
    considered: int
    funded: int
    spent: int  # minor units, with the organizers' adjustments
    budget: int  # what was left to allocate when it ran
    percent: int | None  # of that budget, rounded; None for a budget of 0
    greedy_funded: int | None  # picking by score alone; None for runs made before it was kept
    greedy_spent: int | None
    greedy_percent: int | None


def _percent(part: int, whole: int) -> int | None:
    """part / whole in whole percent, rounded half up, in integers."""
    if whole <= 0:
        return None
    return (part * 200 + whole) // (2 * whole)


def explain(run: AllocationRun) -> Explanation:
    """What the run proposes now (its lines, adjustments included) and what picking by score
    alone over the same amounts and budget would have funded. No query once the run's
    lines are loaded (`latest_run` loads them)."""
    settings = run.settings or {}
    spent = run_total(run)
    greedy_funded = settings.get("greedy_funded")
    greedy_spent = settings.get("greedy_spent")
    return Explanation(
        basis=settings.get("basis") or BASIS_REQUESTS,
        solved="best" if run.solver_status == "OPTIMAL" else "in_time",
        considered=len(run.lines),
        funded=sum(1 for line in run.lines if line.total > 0),
        spent=spent,
        budget=run.budget,
        percent=_percent(spent, run.budget),
        greedy_funded=None if greedy_funded is None else int(greedy_funded),
        greedy_spent=None if greedy_spent is None else int(greedy_spent),
        greedy_percent=None if greedy_spent is None else _percent(int(greedy_spent), run.budget),
    )


def discard_run(*, actor: User, run: AllocationRun, now: dt.datetime) -> None:
    programme = _run_programme(run)
    _require_manager(actor, programme)
    if run.status != AllocationStatus.DRAFT:
        raise WrongState(_("Only a draft allocation can be discarded."))
    run.status = AllocationStatus.DISCARDED
    db.session.flush()
    audit.record(
        action="grants.allocation_discard",
        actor=actor,
        now=now,
        object_type="allocation_run",
        object_id=run.id,
        event=programme.event,
        details={"programme": programme.name},
    )


def latest_run(programme: GrantProgramme) -> AllocationRun | None:
    """The programme's newest run that was not discarded, its lines and their applications
    loaded (three queries)."""
    return db.session.scalar(
        select(AllocationRun)
        .where(
            AllocationRun.programme_id == programme.id,
            AllocationRun.status != AllocationStatus.DISCARDED,
        )
        .options(selectinload(AllocationRun.lines).selectinload(AllocationLine.application))
        .order_by(AllocationRun.created_at.desc(), AllocationRun.id.desc())
        .limit(1)
    )
