"""The pure allocation problem, with OR-Tools CP-SAT: items (applications with their amounts,
scores and pins) in, amounts out, no database.

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
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, TypeAlias

from flask_babel import gettext as _

from organizer.services import money, solving

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

TIME_LIMIT_SECONDS = 10.0
WORKERS = 2
FIRST_SHARE = 0.7  # of the time limit, for the first solve; the second gets the rest
SOLVED = ("OPTIMAL", "FEASIBLE")  # the solver's status names that come with a solution
# Asked during a solve with its phase ("fund": the first solve, "spend": the second) and the
# seconds since it began; True stops it.
Watch = Callable[[str, float], bool]


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
