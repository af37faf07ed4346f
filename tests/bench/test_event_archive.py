"""Benchmark of the whole-event archive (`make bench`): the export of `flask demo --size 1000`
(1,000 speakers and sessions, 40 reviewers, 3 reviews each, a released schedule), as the
worker's task makes it (tasks.export_event_archive). Prints the archive's size, the seconds
and the SQL statements it took; the statement count must not grow with the event (one query
per table, not per row). Under `make bench-check` the event has 50 sessions."""

from __future__ import annotations

import io
import time
import zipfile

import pytest

from organizer import tasks
from organizer.extensions import db
from organizer.services import demo
from organizer.services.archive import content
from organizer.services.archive.jobs import _export_path
from tests.bench.conftest import sized
from tests.factories import NOW

SIZE = 1000
CHECK_SIZE = 50


@pytest.fixture
def event(app, tmp_path, monkeypatch, full_size):
    monkeypatch.setitem(app.config, "PRINT_CACHE_DIR", str(tmp_path / "print"))
    made = demo.generate_synthetic(size=sized(full_size, SIZE, CHECK_SIZE), now=NOW, schedule=True)
    db.session.commit()
    return made


def test_whole_event_export(benchmark, event, queries):
    def export() -> str:
        db.session.expire_all()
        return tasks.export_event_archive.call_local(event.id, "bench-marker")

    queries.clear()
    started = time.perf_counter()
    export()
    seconds = time.perf_counter() - started
    statements = len(queries)
    data = _export_path(event).read_bytes()
    benchmark.pedantic(export, rounds=3, iterations=1)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        proposals = zf.read("proposals.json")
        slots = zf.read("schedule.json")
    print(
        f"\nexport of {event.slug}: {len(data) // 1024} KiB zip, {len(proposals) // 1024} KiB "
        f"proposals.json, {len(slots) // 1024} KiB schedule.json, {seconds:.2f} s, "
        f"{statements} SQL statements"
    )
    tables = sum(len(names) for names in content.DOCUMENTS.values())
    assert statements < tables + 40  # one per table, plus the event, people and survey
