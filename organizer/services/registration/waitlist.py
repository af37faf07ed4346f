"""Seats and the waiting list. Seat allocation is serialised per event by locking the event's
RegistrationSettings row (SELECT … FOR UPDATE on PostgreSQL; SQLite serialises writers), so
two people asking for the last seat at once get one seat between them.

When a seat frees (a cancellation, a turned-down or declined registration, an expired offer,
a raised capacity) `fill_free_seats` offers it to the next person waiting, in the order they
joined the list; they have `offer_days` to accept. Reminders go a day before the respond-by
date; an unanswered offer expires and the seat goes to the next person."""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from organizer import permissions
from organizer.enums import RegistrationState
from organizer.errors import NotFound, WrongState
from organizer.extensions import db
from organizer.models import (
    Event,
    PlaceKind,
    Registration,
    RegistrationSettings,
    User,
)
from organizer.services import audit
from organizer.services.notifications import already_queued, mail_key
from organizer.services.registration import mailing, records, seats

OFFER_REMINDER_BEFORE = dt.timedelta(days=1)
EVENT_REMINDER_BEFORE = dt.timedelta(days=7)


def lock_settings(event: Event) -> RegistrationSettings:
    """The event's settings row, locked (records.locked_settings_of); NotFound when
    registration is not set up."""
    settings = records.locked_settings_of(event)
    if settings is None:
        raise NotFound(_("Registration is not set up for this event."))
    return settings


@dataclasses.dataclass
class Seats:
    """Seats held right now, counted once under the lock and kept up to date as seats are
    given, so one pass can hand out several."""

    settings: RegistrationSettings
    held: int
    held_by_kind: dict[int | None, int]
    kinds: dict[int, PlaceKind]

    @classmethod
    def count(cls, event: Event, settings: RegistrationSettings) -> Seats:
        counts = seats.seat_counts(event)
        kinds = {
            k.id: k
            for k in db.session.scalars(select(PlaceKind).where(PlaceKind.event_id == event.id))
        }
        return cls(settings, counts.held, dict(counts.held_by_kind), kinds)

    def free_for(self, kind_id: int | None) -> bool:
        settings = self.settings
        if settings.capacity is not None and self.held >= settings.capacity:
            return False
        kind = self.kinds.get(kind_id) if kind_id is not None else None
        return not (
            kind is not None
            and kind.capacity is not None
            and self.held_by_kind.get(kind_id, 0) >= kind.capacity
        )

    def take(self, kind_id: int | None) -> None:
        self.held += 1
        self.held_by_kind[kind_id] = self.held_by_kind.get(kind_id, 0) + 1


def confirm(registration: Registration, *, now: dt.datetime) -> None:
    registration.state = RegistrationState.CONFIRMED
    registration.respond_by = None
    registration.updated_at = now
    db.session.flush()
    mailing.tell_registrant(
        registration, "registration_confirmed", about=(registration, now), now=now
    )


def waitlist(registration: Registration, *, now: dt.datetime) -> None:
    registration.state = RegistrationState.WAITLISTED
    registration.waitlisted_at = now
    registration.updated_at = now
    db.session.flush()
    mailing.tell_registrant(
        registration, "registration_waitlisted", about=(registration, now), now=now
    )


def _offer(registration: Registration, settings: RegistrationSettings, now: dt.datetime) -> None:
    registration.state = RegistrationState.OFFERED
    registration.offered_at = now
    registration.respond_by = now + dt.timedelta(days=settings.offer_days)
    registration.offer_reminded_at = None
    registration.updated_at = now
    db.session.flush()
    audit.record(
        action="registration.offer",
        actor=None,
        now=now,
        object_type="registration",
        object_id=registration.public_id,
        event=registration.event,
        details={"respond_by": registration.respond_by.isoformat()},
    )
    mailing.tell_registrant(
        registration, "registration_offer", about=(registration, registration.offered_at), now=now
    )


def fill_free_seats(*, event: Event, now: dt.datetime) -> list[Registration]:
    """Offer free seats to the waiting list, first come first served (a person whose kind of
    place is full is passed over for one whose kind has room). Returns who was offered."""
    settings = lock_settings(event)
    available = Seats.count(event, settings)
    waiting = db.session.scalars(
        select(Registration)
        .where(
            Registration.event_id == event.id, Registration.state == RegistrationState.WAITLISTED
        )
        .options(selectinload(Registration.user))
        .order_by(Registration.waitlisted_at, Registration.id)
    ).all()
    offered = []
    for registration in waiting:
        if settings.capacity is not None and available.held >= settings.capacity:
            break
        if not available.free_for(registration.place_kind_id):
            continue
        _offer(registration, settings, now)
        available.take(registration.place_kind_id)
        offered.append(registration)
    return offered


def answer_offer(
    *, registration: Registration, actor: User, accept: bool, now: dt.datetime
) -> None:
    """The person takes the seat offered to them, or lets it go to the next person."""
    permissions.require(permissions.is_registrant(actor, registration))
    event = registration.event
    if registration.state != RegistrationState.OFFERED or registration.respond_by is None:
        raise WrongState(_("There is no seat offer to answer on this registration."))
    if now >= registration.respond_by:
        raise WrongState(
            _(
                "The offer expired on %(deadline)s.",
                deadline=mailing.format_moment(event, registration.respond_by),
            )
        )
    lock_settings(event)
    audit.record(
        action="registration.offer.accept" if accept else "registration.offer.decline",
        actor=actor,
        now=now,
        object_type="registration",
        object_id=registration.public_id,
        event=event,
    )
    if accept:
        confirm(registration, now=now)
        return
    registration.state = RegistrationState.CANCELLED
    registration.cancelled_at = now
    registration.respond_by = None
    registration.updated_at = now
    db.session.flush()
    mailing.tell_registrant(
        registration, "registration_cancelled", about=(registration, now), now=now
    )
    fill_free_seats(event=event, now=now)


# Periodic: expiry and reminders ------------------------------------------------------------


def _open_offers() -> list[Registration]:
    return list(
        db.session.scalars(
            select(Registration)
            .where(Registration.state == RegistrationState.OFFERED)
            .options(selectinload(Registration.user), selectinload(Registration.event))
            .order_by(Registration.respond_by, Registration.id)
        )
    )


def expire_offers(*, now: dt.datetime) -> int:
    """Offers not answered by their respond-by date are cancelled (with a mail) and their
    seats offered to the next people waiting. Safe to run any number of times."""
    expired: dict[int, Event] = {}
    count = 0
    for registration in _open_offers():
        if registration.respond_by is None or now < registration.respond_by:
            continue
        registration.state = RegistrationState.CANCELLED
        registration.cancelled_at = now
        registration.updated_at = now
        audit.record(
            action="registration.offer.expire",
            actor=None,
            now=now,
            object_type="registration",
            object_id=registration.public_id,
            event=registration.event,
            details={"respond_by": registration.respond_by.isoformat()},
        )
        mailing.tell_registrant(
            registration,
            "registration_offer_expired",
            about=(registration, registration.respond_by),
            now=now,
        )
        expired[registration.event_id] = registration.event
        count += 1
    db.session.flush()
    for event in expired.values():
        fill_free_seats(event=event, now=now)
    return count


def send_offer_reminders(*, now: dt.datetime) -> int:
    """Remind people a day before their offer's respond-by date, once per offer."""
    sent = 0
    for registration in _open_offers():
        respond_by = registration.respond_by
        if respond_by is None or not respond_by - OFFER_REMINDER_BEFORE <= now < respond_by:
            continue
        if registration.offer_reminded_at is not None:
            continue
        registration.offer_reminded_at = now
        mailing.tell_registrant(
            registration, "registration_offer_reminder", about=(registration, respond_by), now=now
        )
        sent += 1
    db.session.flush()
    return sent


def send_event_reminders(*, now: dt.datetime) -> int:
    """A week before the event, remind everyone confirmed (once per registration)."""
    today = now.date()
    due = db.session.scalars(
        select(Registration)
        .join(Event, Event.id == Registration.event_id)
        .where(
            Registration.state == RegistrationState.CONFIRMED,
            Event.starts_on > today,
            Event.starts_on <= today + EVENT_REMINDER_BEFORE,
        )
        .options(selectinload(Registration.user), selectinload(Registration.event))
    ).all()
    keys = {r.id: mail_key("registration_reminder", r) for r in due}
    done = already_queued(keys.values())
    sent = 0
    for registration in due:
        if keys[registration.id] in done:
            continue
        mailing.tell_registrant(
            registration, "registration_reminder", about=(registration,), now=now
        )
        sent += 1
    return sent


def run_periodic(*, now: dt.datetime) -> dict[str, int]:
    """What the hourly task does: expire overdue offers (offering their seats on), remind
    people of offers that end within a day, and of the event a week before it."""
    return {
        "expired": expire_offers(now=now),
        "offer_reminders": send_offer_reminders(now=now),
        "event_reminders": send_event_reminders(now=now),
    }
