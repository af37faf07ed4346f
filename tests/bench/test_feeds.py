"""Benchmarks of the feeds (`make bench`): whole-event iCal, frab XML and JSON with the data of
`flask demo --size N` (N = 200 and 1,000 sessions), cold (caches cleared), cached, and a 304.
Query counts are printed here and asserted not to grow in tests/feeds/test_http.py."""

from __future__ import annotations

import pytest

from organizer.extensions import db
from organizer.services import demo, feeds
from tests.factories import NOW

FEEDS = {"ics": "schedule.ics", "xml": "schedule.xml", "json": "schedule.json"}


@pytest.fixture(params=[200, 1000], ids=lambda n: f"n{n}")
def released(request):
    event = demo.generate_synthetic(size=request.param, now=NOW, schedule=True)
    db.session.commit()
    return event


def _report(label, queries, response):  # type: ignore[no-untyped-def]
    print(f"\n{label}: {len(queries)} SQL queries, {len(response.data) // 1024} KiB")


@pytest.mark.parametrize("feed", list(FEEDS))
def test_cold(benchmark, client, queries, released, feed):
    url = f"/{released.slug}/{FEEDS[feed]}"

    def cold():  # type: ignore[no-untyped-def]
        feeds.clear_cache()
        db.session.expire_all()
        queries.clear()
        return client.get(url)

    response = benchmark(cold)
    assert response.status_code == 200
    _report(f"{feed} cold", queries, response)


@pytest.mark.parametrize("feed", list(FEEDS))
def test_cached(benchmark, client, queries, released, feed):
    url = f"/{released.slug}/{FEEDS[feed]}"
    client.get(url)
    queries.clear()
    once = client.get(url)
    _report(f"{feed} cached", queries, once)
    response = benchmark(client.get, url)
    assert response.status_code == 200


def test_not_modified(benchmark, client, queries, released):
    url = f"/{released.slug}/schedule.ics"
    tag = client.get(url).headers["ETag"]
    queries.clear()
    _report("304", queries, client.get(url, headers={"If-None-Match": tag}))
    response = benchmark(client.get, url, headers={"If-None-Match": tag})
    assert response.status_code == 304
