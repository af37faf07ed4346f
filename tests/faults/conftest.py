from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.faults import outage


@pytest.fixture
def unreachable_app(request: pytest.FixtureRequest, tmp_path: Path, app: Flask) -> Iterator[Flask]:
    """The app on a database that cannot be reached (tests/faults/outage.py)."""
    option = request.config.getoption("--database-url")
    with outage.unreachable_app(option, tmp_path, restore=app) as down:
        yield down
