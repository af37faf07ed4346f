"""What every stage of registration reads about an event's set-up, said once: its settings,
kinds of place and questions in their order, and the name a registered person goes by."""

from __future__ import annotations

from sqlalchemy import select

from organizer.extensions import db
from organizer.models import (
    Event,
    PlaceKind,
    Registration,
    RegistrationQuestion,
    RegistrationSettings,
)
from organizer.services.ordering import in_order


def settings_of(event: Event) -> RegistrationSettings | None:
    """The event's registration settings; None when registration is not set up."""
    return db.session.scalar(
        select(RegistrationSettings).where(RegistrationSettings.event_id == event.id)
    )


def locked_settings_of(event: Event) -> RegistrationSettings | None:
    """The settings row, read afresh and locked until the transaction ends (PostgreSQL's
    SELECT ... FOR UPDATE): every change to who holds a seat, and every capacity change,
    takes this lock first, so that none is checked against another's stale counts."""
    return db.session.scalar(
        select(RegistrationSettings)
        .where(RegistrationSettings.event_id == event.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def place_kinds(event: Event) -> list[PlaceKind]:
    return in_order(PlaceKind, PlaceKind.event_id == event.id)


def questions(event: Event) -> list[RegistrationQuestion]:
    return in_order(RegistrationQuestion, RegistrationQuestion.event_id == event.id)


def shown_name(registration: Registration) -> str:
    """The name a person goes by at the event: their badge name if set, else their display
    name (badges, certificates, the list, the door)."""
    return (registration.badge_name or registration.user.display_name).strip()
