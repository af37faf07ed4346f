"""Registrations straight in the database, for the badges and certificates tests (the
registration rules have their own tests and factories)."""

from __future__ import annotations

import datetime as dt

from organizer.enums import RegistrationState
from organizer.extensions import db
from organizer.models import Event, PlaceKind, Registration, User
from organizer.services.text import fold_for_search
from tests.factories import NOW, make_user


def make_place_kind(event: Event, name: str = "In person", *, position: int = 0) -> PlaceKind:
    kind = PlaceKind(event_id=event.id, name=name, position=position)
    db.session.add(kind)
    db.session.flush()
    return kind


def make_registration(
    event: Event,
    user: User | None = None,
    *,
    name: str | None = None,
    state: RegistrationState = RegistrationState.CONFIRMED,
    checked_in: bool = False,
    now: dt.datetime = NOW,
    **fields,
) -> Registration:
    """A registration of `user` (a new person called `name` when none is given)."""
    user = user or make_user(name=name)
    badge_name = fields.get("badge_name", "")
    registration = Registration(
        event_id=event.id,
        user_id=user.id,
        state=state,
        search_name=fold_for_search(f"{badge_name} {user.display_name}".strip()),
        code_of_conduct_version=1,
        code_of_conduct_accepted_at=now,
        created_at=now,
        updated_at=now,
        checked_in_at=now if checked_in else None,
        **fields,
    )
    db.session.add(registration)
    db.session.flush()
    return registration
