"""Benchmarks of the schedule editor's JSON endpoints at 400 sessions in 10 rooms over 3 days
(`make bench`). Query counts that do not grow with the data are asserted in
tests/schedule_editor; here they are printed beside the timings."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from organizer.extensions import db
from organizer.models import Slot, User
from organizer.services import demo
from organizer.services.scheduling.demo_schedule import synthetic_schedule
from tests.factories import NOW, login_as

SIZE = 400


@pytest.fixture
def editor_data():
    event = demo.generate_synthetic(size=SIZE, now=NOW)
    if db.session.scalar(select(Slot.id).where(Slot.event_id == event.id).limit(1)) is None:
        synthetic_schedule(event, rooms=10, placed_share=0.7, now=NOW)
    organizer = db.session.scalar(
        select(User).where(User.email == f"organizer@{event.slug}.example.org")
    )
    db.session.commit()
    return event, organizer


def _report(label: str, queries: list[str], response) -> None:  # type: ignore[no-untyped-def]
    print(f"\n{label}: {len(queries)} SQL queries, {len(response.data) // 1024} KiB")


def test_editor_state_json_at_400_sessions(benchmark, client, queries, editor_data):
    event, organizer = editor_data
    login_as(client, organizer)
    url = f"/manage/{event.slug}/schedule/data.json"
    response = benchmark(client.get, url)
    assert response.status_code == 200
    assert len(response.get_json()["sessions"]) >= SIZE
    queries.clear()
    response = client.get(url)
    _report(url, queries, response)


def test_editor_page_at_400_sessions(benchmark, client, queries, editor_data):
    event, organizer = editor_data
    login_as(client, organizer)
    url = f"/manage/{event.slug}/schedule/"
    response = benchmark(client.get, url)
    assert response.status_code == 200
    queries.clear()
    response = client.get(url)
    _report(url, queries, response)


def _unplaced(event) -> Slot:  # type: ignore[no-untyped-def]
    return db.session.scalars(
        select(Slot)
        .where(Slot.event_id == event.id, Slot.room_id.is_(None), Slot.parent_id.is_(None))
        .order_by(Slot.id)
        .limit(1)
    ).one()


def test_move_and_check_at_400_sessions(benchmark, client, queries, editor_data):
    """One saved move (place, then the state comes back with every conflict) per round."""
    event, organizer = editor_data
    login_as(client, organizer)
    slot = _unplaced(event)
    public_id = slot.public_id
    day = event.starts_on.isoformat()
    room_id = db.session.scalar(
        select(Slot.room_id).where(Slot.event_id == event.id, Slot.room_id.is_not(None)).limit(1)
    )
    starts = iter(f"{9 + (n // 4) % 8:02d}:{(n % 4) * 15:02d}" for n in range(10_000))

    def move():
        version = db.session.scalar(select(Slot.version).where(Slot.public_id == public_id))
        db.session.commit()
        return client.post(
            f"/manage/{event.slug}/schedule/sessions/{public_id}/move",
            json={"room_id": room_id, "day": day, "start": next(starts), "version": version},
        )

    response = benchmark.pedantic(move, rounds=20, iterations=1)
    assert response.status_code == 200, response.get_json()
    queries.clear()
    response = move()
    _report("move", queries, response)


def test_conflict_check_of_a_move_at_400_sessions(benchmark, client, queries, editor_data):
    """What the editor asks while a card is carried with the keyboard: the conflicts the move
    would make, nothing saved."""
    event, organizer = editor_data
    login_as(client, organizer)
    slot = _unplaced(event)
    room_id = db.session.scalar(
        select(Slot.room_id).where(Slot.event_id == event.id, Slot.room_id.is_not(None)).limit(1)
    )
    url = f"/manage/{event.slug}/schedule/sessions/{slot.public_id}/check"
    body = {"room_id": room_id, "day": event.starts_on.isoformat(), "start": "10:00"}
    response = benchmark(client.post, url, json=body)
    assert response.status_code == 200
    queries.clear()
    response = client.post(url, json=body)
    _report("check", queries, response)
