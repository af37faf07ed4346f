"""Registration settings and registrations straight in the database, for reg-core's tests."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from organizer.extensions import db
from organizer.models import OutboxMessage, PlaceKind, RegistrationSettings
from organizer.services.registration.registering import RegistrationInput
from tests import registration_factories
from tests.factories import NOW

OPENS = NOW - dt.timedelta(days=10)
CLOSES = NOW + dt.timedelta(days=30)


def make_settings(event, **fields) -> RegistrationSettings:
    return registration_factories.make_settings(
        event, **{"opens_at": OPENS, "closes_at": CLOSES, **fields}
    )


def make_kind(event, name="In person", capacity=None, position=0) -> PlaceKind:
    return registration_factories.make_place_kind(event, name, capacity=capacity, position=position)


def data(**fields) -> RegistrationInput:
    return RegistrationInput(**{"accept_code_of_conduct": True, **fields})


def mails(purpose: str, to: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.purpose == purpose)
    if to is not None:
        query = query.where(OutboxMessage.to_address == to)
    return list(db.session.scalars(query.order_by(OutboxMessage.id)))
