"""Benchmark of importing a published schedule (`make bench`): a generated schedule.json of
1,000 sessions in 8 rooms over 4 days, with 1,200 speakers (some speaking twice), previewed and
imported into an empty event, then imported again (which updates nothing and adds nothing).
Under `make bench-check` the same runs with 100 sessions."""

from __future__ import annotations

import datetime as dt
import json
import time

from sqlalchemy import func, select

from organizer.extensions import db
from organizer.models import Slot, User
from organizer.services.imports import schedule as importer
from organizer.services.imports.schedule_formats import read_schedule
from tests.bench.conftest import sized
from tests.factories import NOW, make_event, make_user

SIZE = 1000
CHECK_SIZE = 100
ROOMS = 8


def generated_schedule(sessions: int) -> bytes:
    """A schedule.json as pretalx writes it: sessions of 30 minutes from 09:00 in each room."""
    per_day = -(-sessions // 4)
    days = []
    made = 0
    for day in range(4):
        date = dt.date(2027, 6, 1) + dt.timedelta(days=day)
        rooms: dict[str, list[dict]] = {f"Room {r}": [] for r in range(ROOMS)}
        for n in range(min(per_day, sessions - made)):
            room = f"Room {n % ROOMS}"
            start = dt.datetime.combine(date, dt.time(9), dt.timezone(dt.timedelta(hours=2)))
            start += dt.timedelta(minutes=30 * (n // ROOMS))
            persons = [{"name": f"Speaker {made % 1200}", "code": f"S{made % 1200:04d}"}]
            if made % 5 == 0:
                persons.append(
                    {
                        "public_name": f"Speaker {(made + 7) % 1200}",
                        "code": f"S{(made + 7) % 1200:04d}",
                    }
                )
            rooms[room].append(
                {
                    "guid": f"00000000-0000-4000-8000-{made:012d}",
                    "date": start.isoformat(),
                    "start": start.strftime("%H:%M"),
                    "duration": "00:30",
                    "room": room,
                    "title": f"Session {made}",
                    "track": f"Track {made % 6}",
                    "type": "Talk",
                    "abstract": "An abstract. " * 10,
                    "persons": persons,
                    "links": [],
                }
            )
            made += 1
        days.append({"index": day + 1, "date": date.isoformat(), "rooms": rooms})
    document = {
        "schedule": {
            "version": "1",
            "conference": {
                "acronym": "bench",
                "title": "Bench",
                "time_zone_name": "Europe/Berlin",
                "days": days,
            },
        }
    }
    return json.dumps(document).encode()


def test_importing_a_1000_session_schedule(benchmark, app, full_size):
    size = sized(full_size, SIZE, CHECK_SIZE)
    data = generated_schedule(size)
    organizer = make_user()
    event = make_event(organizer=organizer, slug="bench-import", timezone="Europe/Berlin")
    db.session.commit()

    def first_import():
        parsed = read_schedule(data)
        started = time.perf_counter()
        importer.preview_schedule(parsed=parsed, event=event, actor=organizer)
        previewed = time.perf_counter() - started
        importer.import_schedule(parsed=parsed, event=event, actor=organizer, now=NOW)
        db.session.commit()
        return previewed

    previewed = benchmark.pedantic(first_import, rounds=1, iterations=1)
    slots = db.session.scalar(select(func.count()).select_from(Slot))
    people = db.session.scalar(select(func.count()).select_from(User))
    assert slots == size
    started = time.perf_counter()
    importer.import_schedule(parsed=read_schedule(data), event=event, actor=organizer, now=NOW)
    db.session.commit()
    again = time.perf_counter() - started
    assert db.session.scalar(select(func.count()).select_from(Slot)) == slots
    assert db.session.scalar(select(func.count()).select_from(User)) == people
    print(f"\n{size} sessions: preview {previewed:.2f} s; importing again {again:.2f} s")
