"""Benchmarks of the public schedule page (`make bench`) with the data of `flask demo --size N`
(N = 200 and 1,000 sessions): the grid of the first day and the list view, rendered for every
request (`rendered`: what the first visitor after a release pays) and reused as in production
(`reused`: services/schedule_page.py keeps the sessions' HTML for PUBLIC_PAGE_CACHE_SECONDS and
overlays each visitor's stars). Query counts are printed here and asserted not to grow in
tests/public_schedule."""

from __future__ import annotations

import pytest

from organizer.extensions import db
from organizer.services import demo, schedule_page
from tests.factories import NOW


@pytest.fixture(params=[200, 1000], ids=lambda n: f"n{n}")
def released(request):
    event = demo.generate_synthetic(size=request.param, now=NOW, schedule=True)
    db.session.commit()
    return event


@pytest.mark.parametrize("reuse", ["rendered", "reused"])
@pytest.mark.parametrize("view", ["grid", "list"])
def test_schedule_page(benchmark, app, client, queries, released, view, reuse, monkeypatch):
    schedule_page.clear_cache()
    if reuse == "reused":
        monkeypatch.setitem(app.config, "PUBLIC_PAGE_CACHE_SECONDS", 60)
    url = f"/{released.slug}/schedule/" + ("?view=list" if view == "list" else "")
    response = benchmark(client.get, url)
    assert response.status_code == 200
    queries.clear()
    response = client.get(url)
    print(f"\n{url}: {len(queries)} SQL queries, {len(response.data) // 1024} KiB")
