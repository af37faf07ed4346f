"""Small factory functions: each builds one valid object, flushes it, and takes overrides."""

from __future__ import annotations

import datetime as dt
import itertools

from flask.testing import FlaskClient

from organizer.enums import EventRoleName
from organizer.extensions import db
from organizer.models import Event, EventRole, User
from organizer.services.accounts import create_user

PASSWORD = "correct horse battery staple"
NOW = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
_counter = itertools.count(1)


def make_user(
    *,
    email: str | None = None,
    name: str | None = None,
    password: str = PASSWORD,
    verified: bool = True,
    site_admin: bool = False,
    now: dt.datetime = NOW,
) -> User:
    n = next(_counter)
    return create_user(
        email=email or f"person{n}@example.org",
        password=password,
        display_name=name or f"Person {n}",
        verified=verified,
        site_admin=site_admin,
        now=now,
    )


def make_event(*, organizer: User | None = None, now: dt.datetime = NOW, **fields) -> Event:
    n = next(_counter)
    values = {
        "slug": f"workshop-{n}",
        "name": f"Workshop {n}",
        "timezone": "Europe/Lisbon",
        "starts_on": dt.date(2027, 3, 27),
        "ends_on": dt.date(2027, 3, 28),
        "venue": "Casa das Ideias, Lisbon",
        "currency": "EUR",
        "description": "A workshop.",
        "code_of_conduct": "Be kind.",
        "contact_email": "team@example.org",
        "is_public": True,
        **fields,
    }
    event = Event(created_at=now, updated_at=now, **values)
    db.session.add(event)
    db.session.flush()
    if organizer is not None:
        grant_role(organizer, event, EventRoleName.ORGANIZER)
    return event


def grant_role(user: User, event: Event, role: EventRoleName, *, now: dt.datetime = NOW) -> None:
    db.session.add(EventRole(event=event, user=user, role=role, created_at=now))
    db.session.flush()
    db.session.refresh(user)  # reload user.event_roles


def login_as(client: FlaskClient, user: User) -> None:
    """Sign in without the form (the form has its own tests)."""
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.session_token
        session["_fresh"] = True
