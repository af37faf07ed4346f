"""Benchmarks of a talk's and a speaker's page (`make bench`) on the data of
`flask demo --size N` for N = 50 and 1,000 sessions: they should cost the same at both sizes
(they read only the sessions they show; the release's snapshot is parsed once per process).
Query counts are printed here; tests/public_schedule/test_partial.py asserts that they and
what they read do not grow."""

from __future__ import annotations

import re

import pytest

from organizer.extensions import db
from organizer.services import demo, feeds
from tests.factories import NOW


@pytest.fixture(params=[50, 1000], ids=lambda n: f"n{n}")
def released(request, client):
    feeds.clear_cache()
    event = demo.generate_synthetic(size=request.param, now=NOW, schedule=True)
    db.session.commit()
    listing = client.get(f"/{event.slug}/schedule/?view=list").text
    talk = re.search(rf"/{event.slug}/talk/(\w+)/", listing).group(1)
    people = client.get(f"/{event.slug}/speakers/").text
    speaker = re.search(rf"/{event.slug}/speakers/(\w+)/", people).group(1)
    return {"talk": f"/{event.slug}/talk/{talk}/", "speaker": f"/{event.slug}/speakers/{speaker}/"}


@pytest.mark.parametrize("page", ["talk", "speaker"])
def test_page(benchmark, client, queries, released, page):
    url = released[page]
    client.get(url)  # the snapshot is parsed once per process and release
    queries.clear()
    once = client.get(url)
    print(f"\n{page}: {len(queries)} SQL queries, {len(once.data) // 1024} KiB")
    response = benchmark(client.get, url)
    assert response.status_code == 200
