"""Organizers set up registration: the settings (dates, capacity, moderation, the fee note, how
long a waiting-list offer stands, when access needs are deleted), the kinds of place, the
registration form's own questions, and the versions of the code of conduct people accept.

Capacity, overall and per kind of place, never drops below the seats already held
(`seats.seat_counts`): a seat someone holds is not taken back by a settings change.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from organizer import permissions
from organizer.enums import RegistrationState
from organizer.errors import NotFound, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import (
    CodeOfConductVersion,
    Event,
    PlaceKind,
    Registration,
    RegistrationAnswer,
    RegistrationQuestion,
    RegistrationSettings,
    User,
)
from organizer.services import audit
from organizer.services.ordering import one_of, swap_with_neighbour
from organizer.services.registration import seats, waitlist
from organizer.services.registration.records import (
    locked_settings_of,
    place_kinds,
    questions,
    settings_of,
)
from organizer.services.reviewing.questions import (
    QuestionSettings,
    apply_question_settings,
    validate_question_settings,
)

PURGE_DAYS_DEFAULT = 30  # access needs are deleted this many days after the event's end
PURGE_DAYS_MAX = 365
OFFER_DAYS = (1, 30)
FEE_NOTE_MAX = 500
PLACE_NAME_MAX = 100
PLACE_DESCRIPTION_MAX = 300
CODE_OF_CONDUCT_MAX = 20_000
# Registrations that count as "someone is registered for it": every state but the two ends.
ACTIVE_STATES = tuple(
    s
    for s in RegistrationState
    if s not in (RegistrationState.CANCELLED, RegistrationState.REJECTED)
)


@dataclasses.dataclass(frozen=True, kw_only=True)
class SettingsData:
    """The settings as the organizers typed them, times already in UTC."""

    opens_at: dt.datetime
    closes_at: dt.datetime
    capacity: int | None = None  # None: no limit
    moderated: bool = False
    fee_due: bool = False
    fee_note: str = ""
    offer_days: int = 3
    access_purge_at: dt.datetime | None = None  # None: PURGE_DAYS_DEFAULT after the event


def _organizers_only(actor: Any, event: Event) -> None:
    permissions.require(
        permissions.can_manage_registration(actor, event),
        _("Only this event's organizers can set up registration."),
    )


# Dates -------------------------------------------------------------------------------------


def event_ends_at(event: Event) -> dt.datetime:
    """The end of the event's last day (midnight after it, in the event's zone), in UTC."""
    midnight = dt.datetime.combine(
        event.ends_on + dt.timedelta(days=1), dt.time(0, 0), tzinfo=ZoneInfo(event.timezone)
    )
    return midnight.astimezone(dt.UTC)


def default_access_purge_at(event: Event) -> dt.datetime:
    """When access needs are deleted unless the organizers chose otherwise."""
    return event_ends_at(event) + dt.timedelta(days=PURGE_DAYS_DEFAULT)


def access_purge_at(event: Event, settings: RegistrationSettings | None) -> dt.datetime:
    """When the event's access needs are deleted: the chosen date, else the default. The
    purge task (services/registration/access.py) reads this."""
    if settings is not None and settings.access_purge_at is not None:
        return settings.access_purge_at
    return default_access_purge_at(event)


# Settings ----------------------------------------------------------------------------------


def held_message(held: int) -> str:
    return ngettext(
        "%(num)d seat is already held (confirmed or offered); the capacity can't be lower.",
        "%(num)d seats are already held (confirmed or offered); the capacity can't be lower.",
        held,
    )


def validate_settings(event: Event, data: SettingsData, counts: seats.SeatCounts) -> dict[str, str]:
    """Field name -> message; empty when the settings can be saved."""
    errors: dict[str, str] = {}
    if data.closes_at <= data.opens_at:
        errors["closes_at"] = _("Registration must close after it opens.")
    if data.capacity is not None:
        if data.capacity < 0:
            errors["capacity"] = _("Enter a capacity of 0 or more, or leave it empty for no limit.")
        elif data.capacity < counts.held:
            errors["capacity"] = held_message(counts.held)
    if data.fee_due and not data.fee_note.strip():
        errors["fee_note"] = _("Say how the fee is paid, e.g. on site, by card or in cash.")
    if len(data.fee_note.strip()) > FEE_NOTE_MAX:
        errors["fee_note"] = _("Use at most 500 characters.")
    if not OFFER_DAYS[0] <= data.offer_days <= OFFER_DAYS[1]:
        errors["offer_days"] = _("Choose from 1 to 30 days.")
    if data.access_purge_at is not None:
        ends = event_ends_at(event)
        if data.access_purge_at < ends:
            errors["access_purge_at"] = _(
                "Choose a date after the event ends: the access coordinator needs them until then."
            )
        elif data.access_purge_at > ends + dt.timedelta(days=PURGE_DAYS_MAX):
            errors["access_purge_at"] = _(
                "Choose a date at most a year after the event: access needs are not kept longer."
            )
    return errors


def _values(settings: RegistrationSettings) -> dict[str, Any]:
    return {field.name: getattr(settings, field.name) for field in dataclasses.fields(SettingsData)}


def save_registration_settings(
    *, event: Event, actor: User, data: SettingsData, now: dt.datetime
) -> RegistrationSettings:
    """Create or change the event's registration settings. A purge date equal to the default
    is stored as None, so that it follows the event's dates when they change."""
    _organizers_only(actor, event)
    settings = locked_settings_of(event)  # None: set up for the first time
    errors = validate_settings(event, data, seats.seat_counts(event))
    if errors:
        raise ValidationFailed(errors)
    purge_at = data.access_purge_at
    if purge_at is not None and purge_at == default_access_purge_at(event):
        purge_at = None
    data = dataclasses.replace(data, fee_note=data.fee_note.strip(), access_purge_at=purge_at)
    created = settings is None
    if settings is None:
        settings = RegistrationSettings(
            event_id=event.id, created_at=now, code_of_conduct_version=1
        )
        db.session.add(settings)
        before: dict[str, Any] = {}
    else:
        before = _values(settings)
    for name, value in dataclasses.asdict(data).items():
        setattr(settings, name, value)
    settings.updated_at = now
    db.session.flush()
    if created:
        _store_version(event, 1, now)
    audit.record_changes(
        before=before,
        after=_values(settings),
        action="registration.settings.create" if created else "registration.settings.save",
        actor=actor,
        now=now,
        object_type="registration_settings",
        object_id=settings.id,
        event=event,
    )
    if not created:
        waitlist.fill_free_seats(event=event, now=now)  # a raised capacity frees seats
    return settings


# Kinds of place ----------------------------------------------------------------------------


def place_kind_in_event(event: Event, place_kind_id: int) -> PlaceKind:
    return one_of(PlaceKind, place_kind_id, owner_column="event_id", owner_id=event.id)


def registrations_by_kind(event: Event) -> dict[int | None, int]:
    """How many people are registered (any state but cancelled and rejected) per kind of place,
    in one query."""
    rows = db.session.execute(
        select(Registration.place_kind_id, func.count())
        .where(Registration.event_id == event.id, Registration.state.in_(ACTIVE_STATES))
        .group_by(Registration.place_kind_id)
    ).all()
    return {kind_id: count for kind_id, count in rows}


def _check_place_kind(
    event: Event,
    place_kind: PlaceKind | None,
    name: str,
    description: str,
    capacity: int | None,
) -> None:
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Enter a name, e.g. In person.")
    elif len(name) > PLACE_NAME_MAX:
        errors["name"] = _("Use at most 100 characters.")
    else:
        taken = db.session.scalar(
            select(PlaceKind.id).where(
                PlaceKind.event_id == event.id,
                func.lower(PlaceKind.name) == name.lower(),
                PlaceKind.id != (place_kind.id if place_kind is not None else -1),
            )
        )
        if taken is not None:
            errors["name"] = _("There is already a kind of place called “%(name)s”.", name=name)
    if len(description) > PLACE_DESCRIPTION_MAX:
        errors["description"] = _("Use at most 300 characters.")
    if capacity is not None:
        held = seats.seat_counts(event).held_in(place_kind) if place_kind is not None else 0
        if capacity < 0:
            errors["capacity"] = _("Enter a capacity of 0 or more, or leave it empty.")
        elif capacity < held:
            errors["capacity"] = held_message(held)
    if errors:
        raise ValidationFailed(errors)


def save_place_kind(
    *,
    event: Event,
    actor: User,
    place_kind: PlaceKind | None,
    name: str,
    description: str = "",
    capacity: int | None = None,
    now: dt.datetime,
) -> PlaceKind:
    """Add (place_kind None) or change a kind of place; a new one goes last."""
    _organizers_only(actor, event)
    if place_kind is not None and place_kind.event_id != event.id:
        raise NotFound()
    locked_settings_of(event)  # the same lock as a registration taking a seat
    name, description = (name or "").strip(), (description or "").strip()
    _check_place_kind(event, place_kind, name, description, capacity)
    created = place_kind is None
    if place_kind is None:
        highest = db.session.scalar(
            select(func.max(PlaceKind.position)).where(PlaceKind.event_id == event.id)
        )
        place_kind = PlaceKind(event_id=event.id, position=0 if highest is None else highest + 1)
        db.session.add(place_kind)
        before: dict[str, Any] = {}
    else:
        before = {k: getattr(place_kind, k) for k in ("name", "description", "capacity")}
    place_kind.name, place_kind.description, place_kind.capacity = name, description, capacity
    db.session.flush()
    audit.record_changes(
        before=before,
        after={"name": name, "description": description, "capacity": capacity},
        action="registration.place_kind.add" if created else "registration.place_kind.save",
        actor=actor,
        now=now,
        object_type="place_kind",
        object_id=place_kind.id,
        event=event,
    )
    if not created and settings_of(event) is not None:
        waitlist.fill_free_seats(event=event, now=now)  # a raised capacity frees seats
    return place_kind


def kind_in_use_message(name: str, count: int) -> str:
    return ngettext(
        "“%(name)s” can't be deleted: %(num)d person is registered for it. To stop new "
        "registrations for it, set its capacity to the seats already held.",
        "“%(name)s” can't be deleted: %(num)d people are registered for it. To stop new "
        "registrations for it, set its capacity to the seats already held.",
        count,
        name=name,
    )


def delete_place_kind(
    *, event: Event, actor: User, place_kind: PlaceKind, now: dt.datetime
) -> None:
    """Refused while anyone is registered for it (cancelled and rejected registrations simply
    lose their kind of place)."""
    _organizers_only(actor, event)
    if place_kind.event_id != event.id:
        raise NotFound()
    count = registrations_by_kind(event).get(place_kind.id, 0)
    if count:
        raise WrongState(kind_in_use_message(place_kind.name, count))
    object_id, name = place_kind.id, place_kind.name
    db.session.delete(place_kind)
    db.session.flush()
    audit.record(
        action="registration.place_kind.delete",
        actor=actor,
        now=now,
        object_type="place_kind",
        object_id=object_id,
        event=event,
        details={"name": name},
    )


def move_place_kind(*, event: Event, actor: User, place_kind: PlaceKind, direction: int) -> None:
    """Swap with the neighbour above (direction < 0) or below (> 0): the form's order."""
    _organizers_only(actor, event)
    if place_kind.event_id != event.id:
        raise NotFound()
    swap_with_neighbour(place_kinds(event), place_kind, direction)


# Questions ---------------------------------------------------------------------------------


def question_in_event(event: Event, question_id: int) -> RegistrationQuestion:
    return one_of(RegistrationQuestion, question_id, owner_column="event_id", owner_id=event.id)


def answer_count(question: RegistrationQuestion) -> int:
    return db.session.scalar(
        select(func.count(RegistrationAnswer.id)).where(
            RegistrationAnswer.question_id == question.id
        )
    )


def _require_own_question(actor: Any, event: Event, question: RegistrationQuestion | None) -> None:
    _organizers_only(actor, event)
    if question is not None and question.event_id != event.id:
        raise NotFound()


def save_question(
    *,
    event: Event,
    actor: User,
    question: RegistrationQuestion | None,
    settings: QuestionSettings,
    now: dt.datetime,
) -> RegistrationQuestion:
    """The same rules as the call's and the grants' questions (services.reviewing.questions).
    Registration has no reviewers: answers are for the organizers only."""
    _require_own_question(actor, event, question)
    errors = validate_question_settings(settings)
    if errors:
        raise ValidationFailed(errors)
    if question is None:
        highest = db.session.scalar(
            select(func.max(RegistrationQuestion.position)).where(
                RegistrationQuestion.event_id == event.id
            )
        )
        question = RegistrationQuestion(
            event_id=event.id, position=0 if highest is None else highest + 1
        )
        db.session.add(question)
    apply_question_settings(question, dataclasses.replace(settings, visible_to_reviewers=False))
    db.session.flush()
    audit.record(
        action="registration.question.save",
        actor=actor,
        now=now,
        object_type="registration_question",
        object_id=question.id,
        event=event,
        details={"text": question.text, "kind": settings.kind.value},
    )
    return question


def delete_question(
    *, event: Event, actor: User, question: RegistrationQuestion, now: dt.datetime
) -> None:
    """Deleting a question deletes its answers too (the confirmation page says how many)."""
    _require_own_question(actor, event, question)
    object_id, text = question.id, question.text
    db.session.delete(question)
    db.session.flush()
    audit.record(
        action="registration.question.delete",
        actor=actor,
        now=now,
        object_type="registration_question",
        object_id=object_id,
        event=event,
        details={"text": text},
    )


def move_question(
    *, event: Event, actor: User, question: RegistrationQuestion, direction: int
) -> None:
    _require_own_question(actor, event, question)
    swap_with_neighbour(questions(event), question, direction)


# The code of conduct -----------------------------------------------------------------------


def code_of_conduct_versions(event: Event) -> list[CodeOfConductVersion]:
    """Every version, newest first."""
    return list(
        db.session.scalars(
            select(CodeOfConductVersion)
            .where(CodeOfConductVersion.event_id == event.id)
            .order_by(CodeOfConductVersion.version.desc())
        )
    )


def acceptances_by_version(event: Event) -> dict[int, int]:
    """How many registrations (not cancelled or rejected) accepted each version, one query."""
    rows = db.session.execute(
        select(Registration.code_of_conduct_version, func.count())
        .where(Registration.event_id == event.id, Registration.state.in_(ACTIVE_STATES))
        .group_by(Registration.code_of_conduct_version)
    ).all()
    return {version: count for version, count in rows}


def accepted_older_version(event: Event, settings: RegistrationSettings | None) -> int:
    """How many registrations accepted a version older than the current one."""
    if settings is None:
        return 0
    current = settings.code_of_conduct_version
    return sum(n for v, n in acceptances_by_version(event).items() if v < current)


def _store_version(event: Event, version: int, now: dt.datetime) -> CodeOfConductVersion:
    row = db.session.scalar(
        select(CodeOfConductVersion).where(
            CodeOfConductVersion.event_id == event.id, CodeOfConductVersion.version == version
        )
    )
    if row is None:
        row = CodeOfConductVersion(
            event_id=event.id, version=version, text=event.code_of_conduct or "", created_at=now
        )
        db.session.add(row)
    else:
        row.text = event.code_of_conduct or ""
    db.session.flush()
    return row


def _raise_version(
    event: Event, settings: RegistrationSettings, actor: User, now: dt.datetime
) -> CodeOfConductVersion:
    highest = db.session.scalar(
        select(func.max(CodeOfConductVersion.version)).where(
            CodeOfConductVersion.event_id == event.id
        )
    )
    version = max(settings.code_of_conduct_version, highest or 0) + 1
    row = _store_version(event, version, now)
    settings.code_of_conduct_version = version
    settings.updated_at = now
    db.session.flush()
    audit.record(
        action="registration.code_of_conduct.version",
        actor=actor,
        now=now,
        object_type="registration_settings",
        object_id=settings.id,
        event=event,
        details={"version": version},
    )
    return row


def code_of_conduct_changed(
    *, event: Event, actor: User, now: dt.datetime
) -> CodeOfConductVersion | None:
    """The event's code of conduct text has just changed (services.events.update_event): store
    it as a new version when the event takes registrations; None when it does not yet (its
    first version is stored with the settings)."""
    settings = settings_of(event)
    if settings is None:
        return None
    _organizers_only(actor, event)
    return _raise_version(event, settings, actor, now)


def new_code_of_conduct_version(
    *, event: Event, actor: User, now: dt.datetime, text: str | None = None
) -> CodeOfConductVersion:
    """Store a new version from this page: with `text`, the event's code of conduct changes to
    it first; without, the current text is asked to be accepted again."""
    _organizers_only(actor, event)
    settings = settings_of(event)
    if settings is None:
        raise WrongState(_("Save the registration settings first."))
    if text is not None:
        text = text.strip()
        if len(text) > CODE_OF_CONDUCT_MAX:
            raise ValidationFailed({"text": _("Use at most 20,000 characters.")})
        if text == (event.code_of_conduct or "").strip():
            raise ValidationFailed(
                {"text": _("The text is unchanged. Change it, or ask for it to be accepted again.")}
            )
        audit.record_changes(
            before={"code_of_conduct": event.code_of_conduct},
            after={"code_of_conduct": text},
            action="event.update",
            actor=actor,
            now=now,
            object_type="event",
            object_id=event.id,
            event=event,
        )
        event.code_of_conduct = text
        event.updated_at = now
    return _raise_version(event, settings, actor, now)
