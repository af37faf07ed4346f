"""The page a visitor sees while the worker renders a printed file: accessible; with
JavaScript it checks in the background and opens the file once the worker has made it."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from organizer import queue
from organizer.services import demo

pytestmark = pytest.mark.e2e

DEMO = "mangrove-2027"


@pytest.fixture
def no_worker(live_server, tmp_path, monkeypatch):
    """The live app with a real queue that nobody consumes, and an empty print cache."""
    app = live_server.app
    live_server.run(lambda: demo.load_demo(data=demo.read_fixture(), now=dt.datetime.now(dt.UTC)))
    storage = queue.SqliteQueueStorage(
        "e2e-preparing", filename=str(tmp_path / "queue.sqlite3"), create_tables=False
    )
    monkeypatch.setitem(app.extensions, "organizer.queue", queue.QueueState("sqlite", storage))
    monkeypatch.setitem(app.config, "PRINT_CACHE_DIR", str(tmp_path / "print"))
    yield
    storage.close()


def test_the_being_prepared_page_passes_axe_and_reloads_itself(page: Page, axe, no_worker):
    response = page.goto(f"/{DEMO}/programme.pdf?edition=large")
    assert response is not None and response.status == 202
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "The large-print programme is being prepared"
    )
    expect(page.get_by_role("status")).to_contain_text("checks every 5 seconds")
    axe.check(page)
    expect(page.get_by_role("status")).to_contain_text("last checked at", timeout=15_000)
    axe.check(page)
