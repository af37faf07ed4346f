"""Benchmarks of the printed programme (`make bench`): the booklet of `flask demo --size N`
(N = 60, 300 and 1,000 sessions), cold (cache folder emptied: WeasyPrint renders) and cached
(read back from disk), standard and large print, and the room signs. Each cold run prints its
pages, seconds and the growth of the process's peak resident memory (ru_maxrss: a lower bound
of what the render needed, since the peak only grows)."""

from __future__ import annotations

import resource
import shutil
import sys
import time
from pathlib import Path

import pytest

from organizer.extensions import db
from organizer.services import demo
from organizer.services.print import booklet as booklets
from organizer.services.print import signs
from tests.factories import NOW
from tests.printed.conftest import reader


@pytest.fixture(params=[60, 300, 1000], ids=lambda n: f"n{n}")
def released(request, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "PRINT_CACHE_DIR", str(tmp_path / "print"))
    event = demo.generate_synthetic(size=request.param, now=NOW, schedule=True)
    db.session.commit()
    return event


def _peak_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _cache(app) -> Path:  # type: ignore[no-untyped-def]
    return Path(app.config["PRINT_CACHE_DIR"])


def _report(label: str, data: bytes, seconds: float, grew: float) -> None:
    pages = len(reader(data).pages)
    print(
        f"\n{label}: {pages} pages, {len(data) // 1024} KiB, {seconds:.2f} s, "
        f"peak RSS +{grew:.0f} MiB (now {_peak_mib():.0f} MiB)"
    )


@pytest.mark.parametrize("edition", ["standard", "large"])
def test_booklet_cold(benchmark, app, released, edition):
    def cold():  # type: ignore[no-untyped-def]
        shutil.rmtree(_cache(app), ignore_errors=True)
        db.session.expire_all()
        return booklets.booklet(released, edition=edition, now=NOW)

    before = _peak_mib()
    started = time.perf_counter()
    made = benchmark.pedantic(cold, rounds=1, iterations=1)
    seconds = time.perf_counter() - started
    assert not made.cached
    _report(f"booklet {edition} cold", made.pdf, seconds, _peak_mib() - before)


def test_booklet_cached(benchmark, app, released):
    booklets.booklet(released, now=NOW)

    def cached():  # type: ignore[no-untyped-def]
        db.session.expire_all()
        return booklets.booklet(released, now=NOW)

    made = benchmark(cached)
    assert made.cached


def test_signs_cold(benchmark, app, released):
    def cold():  # type: ignore[no-untyped-def]
        shutil.rmtree(_cache(app), ignore_errors=True)
        db.session.expire_all()
        return signs.render(released)

    before = _peak_mib()
    started = time.perf_counter()
    with app.test_request_context():
        data = benchmark.pedantic(cold, rounds=1, iterations=1)
    seconds = time.perf_counter() - started
    assert data
    _report("signs cold", data, seconds, _peak_mib() - before)


def test_signs_cached(benchmark, app, released):
    with app.test_request_context():
        signs.render(released)

        def cached():  # type: ignore[no-untyped-def]
            db.session.expire_all()
            return signs.render(released)

        assert benchmark(cached)
