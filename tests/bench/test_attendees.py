"""Benchmark of the organizers' attendee list and its CSV (`make bench`) with 2,000
registrations: prints the time, and asserts that the number of SQL queries is the same as
with 20 registrations (it must not grow with N)."""

from __future__ import annotations

import sqlalchemy as sa

from organizer.enums import RegistrationState
from organizer.extensions import db
from tests.bench.conftest import sized
from tests.factories import login_as, make_event, make_user
from tests.registration_factories import (
    make_place_kind,
    make_registration,
    make_registration_question,
    make_settings,
)

SIZE = 2000
CHECK_SIZE = 200  # under `make bench-check`: still ten times the baseline of 20
STATES = list(RegistrationState)
URLS = ("/manage/bench-reg/registrations/", "/manage/bench-reg/registrations/attendees.csv")


def _grow(event, kinds, question, start: int, stop: int) -> None:
    for n in range(start, stop):
        make_registration(
            event,
            make_user(name=f"Attendee {n:04d}"),
            state=STATES[n % len(STATES)],
            place_kind=kinds[n % len(kinds)],
            dietary=["vegetarian"] if n % 3 == 0 else None,
            answers={question: "M"},
        )
    db.session.commit()


def _count(client, url: str) -> int:
    statements: list[str] = []
    connection = db.engines[None]

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            statements.append(statement)

    sa.event.listen(connection, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(connection, "before_cursor_execute", record)
    return len(statements)


def test_attendee_list_and_csv_with_2000_registrations(benchmark, client, full_size):
    size = sized(full_size, SIZE, CHECK_SIZE)
    organizer = make_user()
    event = make_event(organizer=organizer, slug="bench-reg")
    make_settings(event)
    kinds = [make_place_kind(event, "In person"), make_place_kind(event, "Remote", position=1)]
    question = make_registration_question(event)
    login_as(client, organizer)
    _grow(event, kinds, question, 0, 20)
    small = {url: _count(client, url) for url in URLS}
    _grow(event, kinds, question, 20, size)
    large = {url: _count(client, url) for url in URLS}
    assert small == large, f"queries grew with N: {small} -> {large}"

    def both():
        return client.get(URLS[0]), client.get(URLS[1])

    page, csv_file = benchmark(both)
    assert page.status_code == csv_file.status_code == 200
    assert csv_file.get_data(as_text=True).count("\n") == size + 1
    print(f"\n{size} registrations: queries per request {large} (same as with 20)")
