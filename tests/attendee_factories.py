"""Registrations straight in the database, for the attendee pages' tests (the registering
rules have their own tests and helpers)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from organizer.enums import RegistrationState
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


def make_place_kind(event: Event, name: str = "In person", **fields: Any) -> PlaceKind:
    kind = PlaceKind(event_id=event.id, name=name, **fields)
    db.session.add(kind)
    db.session.flush()
    return kind


def make_registration_question(event: Event, text: str = "T-shirt size", **fields: Any):
    from organizer.enums import QuestionKind

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
    state: RegistrationState = RegistrationState.CONFIRMED,
    now: dt.datetime = NOW,
    needs: list[str] | None = None,
    dietary: list[str] | None = None,
    dietary_other: str = "",
    notes: str = "",
    answers: dict[RegistrationQuestion, Any] | None = None,
    **fields: Any,
) -> Registration:
    """A registration of `user` (a new person when None). Access needs are stored when any of
    needs, dietary, dietary_other or notes is given."""
    user = user or make_user(name=fields.pop("name", None))
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
