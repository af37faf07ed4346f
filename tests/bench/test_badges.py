"""Benchmark of the badges (`make bench`): 500 confirmed registrations with names in seven
scripts, rendered by the worker's task (tasks.render_badges) on each layout, cold (cache
folder emptied). Prints pages, seconds, and the peak of Python's allocations while rendering
(tracemalloc, in a second run: tracing slows the first down)."""

from __future__ import annotations

import shutil
import time
import tracemalloc
from pathlib import Path

import pytest

from organizer import tasks
from organizer.extensions import db
from organizer.services.print import badges
from tests.badges.conftest import NAMES
from tests.bench.conftest import sized
from tests.factories import make_event, make_user
from tests.printed.conftest import reader
from tests.registration_factories import make_registration

PEOPLE = 500  # under `make bench-check`, CHECK_PEOPLE (see tests/bench/conftest.py)
CHECK_PEOPLE = 20
BASE = "https://organizer.test"


@pytest.fixture
def people(full_size) -> int:
    return sized(full_size, PEOPLE, CHECK_PEOPLE)


@pytest.fixture
def event(app, tmp_path, monkeypatch, people):
    monkeypatch.setitem(app.config, "PRINT_CACHE_DIR", str(tmp_path / "print"))
    event = make_event(organizer=make_user(), slug="bench-badges", name="Badge Benchmark")
    scripts = list(NAMES.values())
    for n in range(people):
        make_registration(
            event,
            name=f"{scripts[n % len(scripts)]} {n:03d}",
            pronouns="they/them" if n % 3 else "",
            affiliation="Universidade de Lisboa" if n % 2 else "",
        )
    db.session.commit()
    return event


def _render(app, event, layout: str) -> Path:  # type: ignore[no-untyped-def]
    shutil.rmtree(app.config["PRINT_CACHE_DIR"], ignore_errors=True)
    db.session.expire_all()
    key = tasks.render_badges.call_local(event.id, layout, "all", BASE, "en", "bench-marker")
    path = badges.ready(event, key)
    assert path is not None
    return path


@pytest.mark.parametrize(("layout", "per_page"), [("a4-8", 8), ("letter-6", 6), ("single", 1)])
def test_badges_for_500_people(benchmark, app, event, layout, per_page, people):
    started = time.perf_counter()
    path = benchmark.pedantic(lambda: _render(app, event, layout), rounds=1, iterations=1)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    _render(app, event, layout)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    pages = len(reader(path.read_bytes()).pages)
    assert pages == -(-people // per_page)
    print(
        f"\nbadges {layout} x {people}: {pages} pages, {path.stat().st_size // 1024} KiB, "
        f"{seconds:.2f} s, peak Python allocations {peak / 2**20:.0f} MiB"
    )
