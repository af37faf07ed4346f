"""Benchmark of the grants allocation (`make bench`): 2,000 applications, a budget that covers
about a fifth of what they ask for, partial awards down to 50%, and a lodging cap. Prints the
solver's status, its objective against greedy's, and the wall time."""

from __future__ import annotations

import random

from organizer.services.grants.allocation import Item, greedy, solve

SIZE = 2000


def instance(seed: int = 2027):
    rng = random.Random(seed)
    items = []
    for n in range(SIZE):
        requested = {"travel": rng.randint(50, 1500) * 100}
        if rng.random() < 0.7:
            requested["lodging"] = rng.randint(100, 800) * 100
        if rng.random() < 0.1:
            requested["visa"] = rng.randint(50, 200) * 100
        score = None if rng.random() < 0.05 else round(rng.uniform(0, 10), 2)
        pin = rng.choices([None, "fund", "skip"], weights=[0.98, 0.01, 0.01])[0]
        items.append(Item(id=n + 1, score=score, requested=requested, pin=pin))
    budget = sum(i.request_total for i in items) // 5
    return items, budget, {"lodging": budget // 4}


def test_allocation_of_2000_applications(benchmark):
    items, budget, caps = instance()
    result = benchmark.pedantic(
        solve,
        args=(items,),
        kwargs={"budget": budget, "min_fraction": 50, "category_caps": caps},
        rounds=1,
        iterations=1,
    )
    baseline = greedy(items, budget=budget, min_fraction=50, category_caps=caps)
    assert result.feasible
    assert result.spent <= budget
    assert sum(a.get("lodging", 0) for a in result.amounts.values()) <= caps["lodging"]
    assert result.objective >= baseline.objective
    print(
        f"\n{SIZE} applications, budget {budget}: status {result.status}, "
        f"objective {result.objective} vs greedy {baseline.objective} "
        f"(+{(result.objective - baseline.objective) / max(1, baseline.objective):.1%}), "
        f"bound {result.bound}, funded {len(result.amounts)} vs {len(baseline.amounts)}, "
        f"spent {result.spent} vs {baseline.spent}, wall time {result.wall_time:.2f} s "
        f"(greedy {baseline.wall_time * 1000:.0f} ms)"
    )
