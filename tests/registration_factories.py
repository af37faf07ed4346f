"""Registration's test data built straight in the database, without the registering rules
(they have their own tests): settings, kinds of place, questions and registrations in any
state, for the tests of the attendee pages, check-in, badges and certificates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from organizer.enums import QuestionKind, RegistrationState
from organizer.extensions import db
from organizer.models import (
    Event,
    PlaceKind,
    Registration,
    RegistrationAccessNeeds,
    RegistrationAnswer,
    RegistrationQuestion,
    RegistrationSettings,
    User,
)
from organizer.services.text import fold_for_search
from tests.factories import NOW, make_user


def make_settings(event: Event, *, now: dt.datetime = NOW, **fields: Any) -> RegistrationSettings:
    """The event's settings (one row per event): open from a month before `now` to a month
    after, no capacity, unless `fields` say otherwise; a second call changes the same row."""
    settings = db.session.scalars(
        select(RegistrationSettings).where(RegistrationSettings.event_id == event.id)
    ).one_or_none()
    if settings is None:
        values = {
            "opens_at": now - dt.timedelta(days=30),
            "closes_at": now + dt.timedelta(days=30),
            "capacity": None,
            **fields,
        }
        settings = RegistrationSettings(event_id=event.id, created_at=now, updated_at=now, **values)
        db.session.add(settings)
    else:
        for name, value in fields.items():
            setattr(settings, name, value)
    db.session.flush()
    return settings


def make_place_kind(event: Event, name: str = "In person", **fields: Any) -> PlaceKind:
    kind = PlaceKind(event_id=event.id, name=name, **fields)
    db.session.add(kind)
    db.session.flush()
    return kind


def make_registration_question(
    event: Event, text: str = "T-shirt size", **fields: Any
) -> RegistrationQuestion:
    question = RegistrationQuestion(
        event_id=event.id, text=text, kind=fields.pop("kind", QuestionKind.TEXT), **fields
    )
    db.session.add(question)
    db.session.flush()
    return question


def make_registration(
    event: Event,
    user: User | None = None,
    *,
    name: str | None = None,
    state: RegistrationState = RegistrationState.CONFIRMED,
    checked_in: bool = False,
    now: dt.datetime = NOW,
    needs: list[str] | None = None,
    dietary: list[str] | None = None,
    dietary_other: str = "",
    notes: str = "",
    answers: dict[RegistrationQuestion, Any] | None = None,
    **fields: Any,
) -> Registration:
    """A registration (confirmed unless told) of `user`, or of a new person called `name`,
    in an event whose registration is set up. Access needs are stored when any of needs,
    dietary, dietary_other or notes is given."""
    make_settings(event, now=now)
    user = user or make_user(name=name)
    badge_name = fields.get("badge_name", "")
    registration = Registration(
        event_id=event.id,
        user=user,
        state=state,
        search_name=fold_for_search(f"{badge_name} {user.display_name}"),
        code_of_conduct_version=1,
        code_of_conduct_accepted_at=now,
        created_at=now,
        updated_at=now,
        checked_in_at=fields.pop("checked_in_at", now if checked_in else None),
        **fields,
    )
    db.session.add(registration)
    if needs or dietary or dietary_other or notes:
        registration.access_needs = RegistrationAccessNeeds(
            needs=needs or [],
            dietary=dietary or [],
            dietary_other=dietary_other,
            notes=notes,
            updated_at=now,
        )
    for question, value in (answers or {}).items():
        registration.answers.append(RegistrationAnswer(question_id=question.id, value=value))
    db.session.flush()
    return registration
