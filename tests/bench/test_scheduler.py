"""Benchmarks of the automatic scheduler (`make bench`): 60 sessions in 4 rooms over 2 days
(10-second limit) and 400 sessions in 10 rooms over 3 days (30-second limit), both with
availability for a third of the speakers, speakers with two or three talks, tracks, pinned
talks and a pinned lunch (see scheduling_data.py). Two workers, as on a 2-core machine.

Each prints and keeps in `extra_info`: the status, the time to the first complete schedule,
to optimal or the gap at the limit, and how many sessions were placed; and checks the result
with the conflict code."""

from __future__ import annotations

from organizer.services.scheduling.solver import run as solver
from tests.bench.scheduling_data import make_plan

CASES = {
    "small": {"sessions": 60, "rooms": 4, "days": 2, "limit": 10},
    "large": {"sessions": 400, "rooms": 10, "days": 3, "limit": 30},
}


def run_case(benchmark, name: str) -> solver.Result:
    case = CASES[name]
    plan = make_plan(sessions=case["sessions"], rooms=case["rooms"], days=case["days"], seed=2027)
    result = benchmark.pedantic(
        solver.solve,
        args=(plan,),
        kwargs={"time_limit": case["limit"], "workers": 2, "seed": 0},
        rounds=1,
        iterations=1,
    )
    assert solver.check(plan, result.placements) == []
    optimal_at = result.wall_seconds if result.status == "optimal" else None
    figures = {
        "sessions": case["sessions"],
        "rooms": case["rooms"],
        "days": case["days"],
        "restricted_speakers": len(plan.availability),
        "to_place": len(result.to_place),
        "placed": len(result.placements),
        "status": result.status,
        "solver_status": result.solver_status,
        "first_solution_seconds": round(result.first_solution_seconds or 0, 2),
        "optimal_seconds": round(optimal_at, 2) if optimal_at is not None else None,
        "gap": round(result.gap, 4) if result.gap is not None else None,
        "objective": result.objective,
        "bound": result.bound,
        "wall_seconds": round(result.wall_seconds, 2),
        "time_limit": case["limit"],
        "penalties": result.penalties,
    }
    benchmark.extra_info.update(figures)
    ending = (
        f"optimal after {optimal_at:.2f} s"
        if optimal_at is not None
        else f"gap {result.gap:.1%} at the {case['limit']} s limit"
    )
    print(
        f"\n{case['sessions']} sessions x {case['rooms']} rooms x {case['days']} days "
        f"({len(plan.availability)} speakers with restricted availability): {result.status}, "
        f"placed {len(result.placements)} of {len(result.to_place)}, first complete schedule "
        f"after {result.first_solution_seconds:.2f} s, {ending} (objective {result.objective}, "
        f"bound {result.bound}), penalties {result.penalties}"
    )
    return result


def test_60_sessions_4_rooms_2_days(benchmark):
    result = run_case(benchmark, "small")
    assert result.status in ("optimal", "feasible")
    assert len(result.placements) == len(result.to_place)


def test_400_sessions_10_rooms_3_days(benchmark):
    result = run_case(benchmark, "large")
    assert result.status in ("optimal", "feasible")
    assert len(result.placements) == len(result.to_place)
