"""Registrations built straight in the database (no registration form involved), for the
tests of check-in and the other registration pages."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from organizer.enums import RegistrationState
from organizer.extensions import db
from organizer.models import Event, Registration, RegistrationSettings, User
from organizer.services.text import fold_for_search
from tests.factories import NOW, make_user


def registration_settings(
    event: Event, *, now: dt.datetime = NOW, **fields
) -> RegistrationSettings:
    """The event's settings, made once: open from a month before `now` to a month after."""
    found = db.session.scalars(
        select(RegistrationSettings).where(RegistrationSettings.event_id == event.id)
    ).one_or_none()
    if found is not None:
        return found
    values = {
        "opens_at": now - dt.timedelta(days=30),
        "closes_at": now + dt.timedelta(days=30),
        "capacity": None,
        **fields,
    }
    settings = RegistrationSettings(event_id=event.id, created_at=now, updated_at=now, **values)
    db.session.add(settings)
    db.session.flush()
    return settings


def registration(
    event: Event,
    user: User | None = None,
    *,
    name: str | None = None,
    state: RegistrationState = RegistrationState.CONFIRMED,
    badge_name: str = "",
    now: dt.datetime = NOW,
    **fields,
) -> Registration:
    """A registration (confirmed unless told) of `user`, or of a new person called `name`."""
    registration_settings(event, now=now)
    if user is None:
        user = make_user(name=name)
    row = Registration(
        event_id=event.id,
        user_id=user.id,
        state=state,
        badge_name=badge_name,
        search_name=fold_for_search(f"{badge_name} {user.display_name}"),
        code_of_conduct_version=1,
        code_of_conduct_accepted_at=now,
        created_at=now,
        updated_at=now,
        **fields,
    )
    db.session.add(row)
    db.session.flush()
    return row
