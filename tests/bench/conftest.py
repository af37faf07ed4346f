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
