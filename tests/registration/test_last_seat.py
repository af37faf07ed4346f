"""reg-core: the last seat. Two people register at the same moment, each in their own
thread, application context and database connection; the event's settings row is locked
while a seat is given, so one gets the seat and the other the waiting list. PostgreSQL only:
SQLite serialises writers by itself, so there is no race to test there."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete

from organizer.enums import RegistrationState
from organizer.extensions import db
from organizer.models import Event, OutboxMessage, Registration, User
from organizer.services.registration.registering import code_of_conduct, register
from tests.factories import NOW, make_event, make_user
from tests.registration.reg_helpers import data, make_settings

PEOPLE = 2


@pytest.fixture
def real_engine(app):
    """Let other threads' sessions reach the database with their own connections (the
    suite's one-connection rollback cannot be shared), and remove what the test committed."""
    engines = db.engines
    isolated = engines[None]
    if isolated.engine.dialect.name != "postgresql":
        pytest.skip("a race for the last seat needs PostgreSQL (--database-url=postgresql…)")
    engines[None] = isolated.engine
    made: dict[str, list[int]] = {"events": [], "users": []}
    try:
        yield made
    finally:
        with app.app_context():
            db.session.execute(
                delete(OutboxMessage).where(OutboxMessage.event_id.in_(made["events"]))
            )
            db.session.execute(delete(Event).where(Event.id.in_(made["events"])))
            db.session.execute(delete(User).where(User.id.in_(made["users"])))
            db.session.commit()
        engines[None] = isolated


def test_two_people_asking_at_once_for_the_last_seat_get_one_between_them(app, real_engine):
    with app.app_context():
        event = make_event()
        settings = make_settings(event, capacity=1)
        code_of_conduct(event, settings, now=NOW)  # version 1 kept: the race is for the seat
        people = [make_user() for _ in range(PEOPLE)]
        db.session.commit()
        real_engine["events"].append(event.id)
        real_engine["users"].extend(p.id for p in people)
        event_id, user_ids = event.id, [p.id for p in people]

    start = threading.Barrier(PEOPLE)
    states: dict[int, RegistrationState] = {}
    errors: list[BaseException] = []

    def ask(user_id: int) -> None:
        try:
            with app.app_context():
                event = db.session.get(Event, event_id)
                user = db.session.get(User, user_id)
                start.wait(timeout=10)  # both begin their transaction at the same moment
                registration = register(event=event, user=user, data=data(), now=NOW)
                db.session.commit()
                states[user_id] = registration.state
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=ask, args=(uid,)) for uid in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert sorted(states.values()) == [RegistrationState.CONFIRMED, RegistrationState.WAITLISTED]
    with app.app_context():
        held = db.session.query(Registration).filter_by(
            event_id=event_id, state=RegistrationState.CONFIRMED
        )
        assert held.count() == 1
