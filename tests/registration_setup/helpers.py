"""Data for registration's set-up tests, made with the models directly (the registering
service is another helper's)."""

from __future__ import annotations

import datetime as dt

from organizer.enums import RegistrationState
from organizer.extensions import db
from organizer.models import Event, PlaceKind, Registration
from organizer.services.registration import setup
from tests.factories import NOW, make_user

OPENS = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
CLOSES = dt.datetime(2027, 3, 20, 23, 59, tzinfo=dt.UTC)


def data(**fields: object) -> setup.SettingsData:
    values: dict[str, object] = {"opens_at": OPENS, "closes_at": CLOSES, "capacity": 50}
    values.update(fields)
    return setup.SettingsData(**values)  # type: ignore[arg-type]


def register(
    event: Event,
    state: RegistrationState = RegistrationState.CONFIRMED,
    *,
    kind: PlaceKind | None = None,
    version: int = 1,
) -> Registration:
    person = make_user()
    registration = Registration(
        event_id=event.id,
        user_id=person.id,
        place_kind_id=kind.id if kind else None,
        state=state,
        code_of_conduct_version=version,
        code_of_conduct_accepted_at=NOW,
        created_at=NOW,
        updated_at=NOW,
    )
    db.session.add(registration)
    db.session.flush()
    return registration
