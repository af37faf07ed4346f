"""A person registers for an event, changes their registration, cancels it; organizers of a
moderated event approve or turn down each one.

The rules: registration is open between the settings' opens_at and closes_at; one
registration per person (a cancelled one is reopened); the code of conduct's current version
must be accepted (and is stored); a seat is given under the event's lock
(`waitlist.lock_settings`), else the person joins the waiting list; confirmed speakers and
accepted grantees always get a seat (`reserved.py`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from organizer import permissions
from organizer.enums import SEAT_HOLDING_STATES, AccessNeed, DietaryNeed, RegistrationState
from organizer.errors import ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import (
    CodeOfConductVersion,
    Event,
    PlaceKind,
    Registration,
    RegistrationAccessNeeds,
    RegistrationAnswer,
    RegistrationQuestion,
    RegistrationSettings,
    User,
)
from organizer.services import audit
from organizer.services.registration import mailing, reserved, waitlist
from organizer.services.registration.records import place_kinds, questions
from organizer.services.registration.waitlist import fill_free_seats
from organizer.services.reviewing import questions as shared_questions
from organizer.services.reviewing.questions import FileInput
from organizer.services.text import fold_for_search

LIMITS = {"badge_name": 100, "pronouns": 50, "affiliation": 200, "dietary_other": 300}
NOTES_MAX = 2_000
ENDED_STATES = (RegistrationState.CANCELLED, RegistrationState.REJECTED)


class AlreadyRegistered(WrongState):
    """A second registration by the same person: the view links to the existing one."""

    def __init__(self, registration: Registration) -> None:
        super().__init__(_("You have already registered for this event."))
        self.registration = registration


@dataclasses.dataclass(frozen=True, kw_only=True)
class RegistrationInput:
    """What the registration form holds."""

    place_kind_id: int | None = None
    badge_name: str = ""
    pronouns: str = ""
    affiliation: str = ""
    show_grantee_ribbon: bool = False
    accept_code_of_conduct: bool = False
    needs: tuple[str, ...] = ()
    dietary: tuple[str, ...] = ()
    dietary_other: str = ""
    access_notes: str = ""
    answers: dict[int, Any] = dataclasses.field(default_factory=dict)
    files: dict[int, FileInput] = dataclasses.field(default_factory=dict)


# Reading -----------------------------------------------------------------------------------


def registration_of(event: Event, user: Any) -> Registration | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(Registration).where(
            Registration.event_id == event.id, Registration.user_id == user.id
        )
    )


def registration_by_public_id(public_id: str) -> Registration | None:
    return db.session.scalar(select(Registration).where(Registration.public_id == public_id))


def window_state(settings: RegistrationSettings | None, now: dt.datetime) -> str:
    """ "none" (not set up), "not_yet", "open" or "closed"."""
    if settings is None:
        return "none"
    if now < settings.opens_at:
        return "not_yet"
    return "open" if now < settings.closes_at else "closed"


def is_full(event: Event, settings: RegistrationSettings) -> bool:
    """Whether no seat is left at all (every kind of place full, or the overall capacity)."""
    counts = waitlist.seats.seat_counts(event)
    kinds = place_kinds(event)
    if not kinds:
        return waitlist.seats.free_seats(settings, counts, None) == 0
    return all(waitlist.seats.free_seats(settings, counts, kind) == 0 for kind in kinds)


def code_of_conduct_text(event: Event, settings: RegistrationSettings) -> str:
    """The text people accept now, for the form (reads only: the version is kept when
    someone accepts it)."""
    text = db.session.scalar(
        select(CodeOfConductVersion.text).where(
            CodeOfConductVersion.event_id == event.id,
            CodeOfConductVersion.version == settings.code_of_conduct_version,
        )
    )
    return event.code_of_conduct if text is None else text


def code_of_conduct(event: Event, settings: RegistrationSettings, *, now: dt.datetime) -> str:
    """The text of the version people accept now (version 1 is the event's own text, kept
    the first time it is asked for)."""
    version = db.session.scalar(
        select(CodeOfConductVersion).where(
            CodeOfConductVersion.event_id == event.id,
            CodeOfConductVersion.version == settings.code_of_conduct_version,
        )
    )
    if version is None:
        version = CodeOfConductVersion(
            event_id=event.id,
            version=settings.code_of_conduct_version,
            text=event.code_of_conduct,
            created_at=now,
        )
        try:
            with db.session.begin_nested():  # two first visitors at once: one keeps it
                db.session.add(version)
        except IntegrityError:
            return code_of_conduct(event, settings, now=now)
    return version.text


# Checking the input ------------------------------------------------------------------------


def _check_window(event: Event, settings: RegistrationSettings, now: dt.datetime) -> None:
    state = window_state(settings, now)
    if state == "not_yet":
        raise WrongState(
            _(
                "Registration opens on %(when)s.",
                when=mailing.format_moment(event, settings.opens_at),
            )
        )
    if state == "closed":
        raise WrongState(
            _(
                "Registration closed on %(when)s. Write to the organizers at %(contact)s if "
                "you still hope to come.",
                when=mailing.format_moment(event, settings.closes_at),
                contact=event.contact_email,
            )
        )


def _validate(
    event: Event,
    settings: RegistrationSettings,
    data: RegistrationInput,
    existing_answers: dict[int, Any],
    *,
    needs_coc: bool,
) -> tuple[PlaceKind | None, list[RegistrationQuestion]]:
    errors: dict[str, str] = {}
    kinds = {k.id: k for k in place_kinds(event)}
    kind = kinds.get(data.place_kind_id) if data.place_kind_id is not None else None
    if kinds and kind is None:
        errors["place_kind"] = _("Choose a kind of place.")
    for name, limit in LIMITS.items():
        if len(getattr(data, name).strip()) > limit:
            errors[name] = _("Keep this to %(n)s characters or fewer.", n=limit)
    if len(data.access_notes) > NOTES_MAX:
        errors["access_notes"] = _("Keep this to %(n)s characters or fewer.", n=NOTES_MAX)
    if not set(data.needs) <= {n.value for n in AccessNeed}:
        errors["needs"] = _("Choose from the options.")
    if not set(data.dietary) <= {d.value for d in DietaryNeed}:
        errors["dietary"] = _("Choose from the options.")
    if needs_coc and not data.accept_code_of_conduct:
        errors["accept_code_of_conduct"] = _(
            "Please read and accept the code of conduct to register."
        )
    asked = questions(event)
    errors.update(
        shared_questions.validate_answers(
            asked, data.answers, data.files, existing_answers, submit=True
        )
    )
    if errors:
        raise ValidationFailed(errors)
    return kind, asked


def _apply(
    registration: Registration,
    data: RegistrationInput,
    asked: list[RegistrationQuestion],
    *,
    settings: RegistrationSettings,
    now: dt.datetime,
) -> None:
    """Copy the person's details, answers and access needs onto the registration. After the
    access-needs purge has run, none are kept (the purge does not come back for them)."""
    registration.badge_name = data.badge_name.strip()
    registration.pronouns = data.pronouns.strip()
    registration.affiliation = data.affiliation.strip()
    registration.show_grantee_ribbon = data.show_grantee_ribbon
    registration.search_name = fold_for_search(
        f"{registration.badge_name} {registration.user.display_name}"
    )
    uploads = shared_questions.store_files(
        asked, data.files, owner=registration.user, event=registration.event, now=now
    )
    for question in asked:
        shared_questions.store_answer(
            registration.answers,
            question,
            data.answers.get(question.id),
            uploads.get(question.id),
            new=RegistrationAnswer,
        )
    if settings.access_purged_at is None:
        _apply_access_needs(registration, data, now=now)
    registration.updated_at = now


def _apply_access_needs(
    registration: Registration, data: RegistrationInput, *, now: dt.datetime
) -> None:
    given = bool(
        data.needs or data.dietary or data.dietary_other.strip() or data.access_notes.strip()
    )
    if not given:
        registration.access_needs = None  # nothing kept that was not given
        return
    needs = registration.access_needs or RegistrationAccessNeeds(updated_at=now)
    needs.needs = sorted(set(data.needs))
    needs.dietary = sorted(set(data.dietary))
    needs.dietary_other = data.dietary_other.strip()
    needs.notes = data.access_notes.strip()
    needs.updated_at = now
    registration.access_needs = needs


# Registering -------------------------------------------------------------------------------


def register(
    *, event: Event, user: User, data: RegistrationInput, now: dt.datetime
) -> Registration:
    """Register `user` (or reopen their cancelled registration): confirmed when a seat is free
    (or reserved for them), pending in a moderated event, else on the waiting list."""
    settings = waitlist.lock_settings(event)
    existing = registration_of(event, user)
    if existing is not None and existing.state == RegistrationState.REJECTED:
        raise WrongState(
            _(
                "The organizers turned down your registration. Write to them at %(contact)s.",
                contact=event.contact_email,
            )
        )
    if existing is not None and existing.state != RegistrationState.CANCELLED:
        raise AlreadyRegistered(existing)
    _check_window(event, settings, now)
    answers = {a.question_id: a for a in existing.answers} if existing is not None else {}
    kind, asked = _validate(event, settings, data, answers, needs_coc=True)
    code_of_conduct(event, settings, now=now)
    reservation = reserved.reservation_for(event, user)
    available = waitlist.Seats.count(event, settings)
    registration = existing or Registration(
        event=event,
        user=user,
        created_at=now,
        updated_at=now,
        state=RegistrationState.PENDING,
        code_of_conduct_version=settings.code_of_conduct_version,
        code_of_conduct_accepted_at=now,
    )
    registration.state = RegistrationState.PENDING  # holds nothing while it is decided
    registration.place_kind = kind
    registration.reserved_for = reservation.reserved_for
    registration.waived = reservation.waived
    registration.code_of_conduct_version = settings.code_of_conduct_version
    registration.code_of_conduct_accepted_at = now
    registration.cancelled_at = None
    registration.offered_at = registration.respond_by = registration.offer_reminded_at = None
    registration.waitlisted_at = None
    if existing is None:
        db.session.add(registration)
    _apply(registration, data, asked, settings=settings, now=now)
    db.session.flush()
    if reservation.reserved_for is not None or (
        not settings.moderated and available.free_for(kind.id if kind else None)
    ):
        waitlist.confirm(registration, now=now)
    elif settings.moderated:
        mailing.tell_registrant(
            registration, "registration_pending", about=(registration, now), now=now
        )
    else:
        waitlist.waitlist(registration, now=now)
    audit.record(
        action="registration.register",
        actor=user,
        now=now,
        object_type="registration",
        object_id=registration.public_id,
        event=event,
        details={"state": registration.state.value, "reopened": existing is not None},
    )
    return registration


def open_to_changes(
    registration: Registration, settings: RegistrationSettings, now: dt.datetime
) -> bool:
    """Whether the person may still change their details here: an active registration,
    before registration closes."""
    return registration.state not in ENDED_STATES and now < settings.closes_at


def update_registration(
    *, registration: Registration, actor: User, data: RegistrationInput, now: dt.datetime
) -> None:
    """The person changes their details until registration closes. A new kind of place needs
    a free seat of that kind when the registration holds one."""
    permissions.require(permissions.is_registrant(actor, registration))
    event = registration.event
    if registration.state in ENDED_STATES:
        raise WrongState(_("This registration is no longer active, so it cannot be changed."))
    settings = waitlist.lock_settings(event)
    if not open_to_changes(registration, settings, now):
        raise WrongState(
            _(
                "Registration closed on %(when)s: your details can no longer be changed here. "
                "Write to the organizers at %(contact)s.",
                when=mailing.format_moment(event, settings.closes_at),
                contact=event.contact_email,
            )
        )
    outdated = registration.code_of_conduct_version != settings.code_of_conduct_version
    answers = {a.question_id: a for a in registration.answers}
    kind, asked = _validate(event, settings, data, answers, needs_coc=outdated)
    new_kind = kind.id if kind else None
    if new_kind != registration.place_kind_id and registration.state in SEAT_HOLDING_STATES:
        available = waitlist.Seats.count(event, settings)
        if registration.reserved_for is None and not available.free_for(new_kind):
            raise ValidationFailed({"place_kind": _("That kind of place is full.")})
    moved = new_kind != registration.place_kind_id
    registration.place_kind = kind
    if outdated:
        code_of_conduct(event, settings, now=now)
        registration.code_of_conduct_version = settings.code_of_conduct_version
        registration.code_of_conduct_accepted_at = now
    _apply(registration, data, asked, settings=settings, now=now)
    db.session.flush()
    audit.record(
        action="registration.update",
        actor=actor,
        now=now,
        object_type="registration",
        object_id=registration.public_id,
        event=event,
    )
    if moved and registration.state in SEAT_HOLDING_STATES:
        fill_free_seats(event=event, now=now)  # the seat of the old kind is free


def _end(registration: Registration, state: RegistrationState, now: dt.datetime) -> bool:
    """Cancel or reject; returns whether a seat was freed."""
    held = registration.state in SEAT_HOLDING_STATES
    registration.state = state
    registration.cancelled_at = now if state == RegistrationState.CANCELLED else None
    registration.respond_by = None
    registration.updated_at = now
    db.session.flush()
    return held


def cancel_registration(*, registration: Registration, actor: User, now: dt.datetime) -> None:
    """The person (or an organizer) cancels; a seat it held goes to the waiting list."""
    permissions.require(
        permissions.is_registrant(actor, registration)
        or permissions.can_manage_event(actor, registration.event)
    )
    if registration.state in ENDED_STATES:
        raise WrongState(_("This registration is already cancelled."))
    _end_and_tell(registration, RegistrationState.CANCELLED, actor=actor, now=now)


def approve_registration(*, registration: Registration, actor: User, now: dt.datetime) -> None:
    """An organizer approves a pending registration: confirmed when a seat is free (or
    reserved for the person), else on the waiting list."""
    event = registration.event
    permissions.require(permissions.can_manage_event(actor, event))
    if registration.state != RegistrationState.PENDING:
        raise WrongState(_("Only a registration waiting for approval can be approved."))
    settings = waitlist.lock_settings(event)
    available = waitlist.Seats.count(event, settings)
    if registration.reserved_for is not None or available.free_for(registration.place_kind_id):
        waitlist.confirm(registration, now=now)
    else:
        waitlist.waitlist(registration, now=now)
    audit.record(
        action="registration.approve",
        actor=actor,
        now=now,
        object_type="registration",
        object_id=registration.public_id,
        event=event,
        details={"state": registration.state.value},
    )


def reject_registration(*, registration: Registration, actor: User, now: dt.datetime) -> None:
    """An organizer turns a registration down (with a mail); a seat it held is offered on."""
    permissions.require(permissions.can_manage_event(actor, registration.event))
    if registration.state in ENDED_STATES:
        raise WrongState(_("This registration is already cancelled or turned down."))
    _end_and_tell(registration, RegistrationState.REJECTED, actor=actor, now=now)


_ENDINGS = {  # the audit action and the mail of each way a registration ends
    RegistrationState.CANCELLED: ("registration.cancel", "registration_cancelled"),
    RegistrationState.REJECTED: ("registration.reject", "registration_rejected"),
}


def _end_and_tell(
    registration: Registration, state: RegistrationState, *, actor: User, now: dt.datetime
) -> None:
    """End the registration under the event's seat lock, record it, mail the person, and
    offer a seat it held to the waiting list."""
    event = registration.event
    action, purpose = _ENDINGS[state]
    waitlist.lock_settings(event)
    before = registration.state
    freed = _end(registration, state, now)
    audit.record(
        action=action,
        actor=actor,
        now=now,
        object_type="registration",
        object_id=registration.public_id,
        event=event,
        details={"state": [before.value, state.value]},
    )
    mailing.tell_registrant(registration, purpose, about=(registration, now), now=now)
    if freed:
        fill_free_seats(event=event, now=now)


answer_offer = waitlist.answer_offer
