"""Shared by the benchmarks. `make bench` measures at full size; `make bench-check` (CI:
--benchmark-disable) runs each benchmark once, untimed, so that it cannot rot, and a smaller
size proves the same assertions (query counts against a smaller baseline, page counts) at a
fraction of the time."""

from __future__ import annotations

import pytest


@pytest.fixture
def full_size(request: pytest.FixtureRequest) -> bool:
    """True when timings are taken (`make bench`), False under `make bench-check`."""
    return not request.config.getoption("benchmark_disable")


def sized(full_size: bool, full: int, check: int) -> int:
    return full if full_size else check


LARGEST_SWEEP_SIZE = "n1000"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under `make bench-check`, leave out the largest size of each size sweep (`n1000`): the
    smaller sizes run the same code and assertions, and the largest took half of the check."""
    if not config.getoption("benchmark_disable"):
        return
    left_out = [
        item
        for item in items
        if "tests/bench/" in item.nodeid
        and LARGEST_SWEEP_SIZE in getattr(getattr(item, "callspec", None), "id", "").split("-")
    ]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if item not in left_out]
