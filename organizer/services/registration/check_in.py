"""Check-in at the door: volunteers find a registered person by name on a phone, mark them
attended, undo a mistake, and see how many of the expected people came.

Search compares `Registration.search_name` (services.text.fold_for_search of the badge name
and the display name) with the folded query, word by word, so "ayse yilmaz" finds the
Turkish spelling with its cedilla and dotless i, on every database with the same index.
Every registration of the event is found, whatever its state, so that a volunteer can tell
a person why they cannot come in; only a confirmed one can be checked in
(permissions.may_be_checked_in).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from flask_babel import gettext
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from organizer import permissions
from organizer.enums import RegistrationState
from organizer.errors import NotFound, WrongState
from organizer.extensions import db
from organizer.models import Event, Registration, User
from organizer.services import audit
from organizer.services.registration.records import shown_name
from organizer.services.text import fold_for_search

PAGE_SIZE = 50  # a phone scrolls a long list faster than it loads the next page
MAX_QUERY_WORDS = 8


@dataclasses.dataclass(frozen=True)
class CheckInCounts:
    checked_in: int
    expected: int  # confirmed registrations


@dataclasses.dataclass(frozen=True)
class CheckInResult:
    registration: Registration
    already: bool  # checked in before: nothing changed
    message: str


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(*, event: Event, actor: User, query: str, page: int = 1) -> Pagination:
    """One page of the event's registrations whose folded name contains every word of the
    query (all of them for an empty query), sorted by name. Two queries whatever the page
    holds: the count and the rows with their people."""
    permissions.require(permissions.can_check_in(actor, event))
    words = fold_for_search(query).split()[:MAX_QUERY_WORDS]
    statement = (
        select(Registration)
        .where(Registration.event_id == event.id)
        .options(
            joinedload(Registration.user),
            joinedload(Registration.place_kind),
        )
        .order_by(Registration.search_name, Registration.id)
    )
    for word in words:
        statement = statement.where(
            Registration.search_name.like(f"%{_escape_like(word)}%", escape="\\")
        )
    return db.paginate(statement, page=max(page, 1), per_page=PAGE_SIZE, error_out=False)


def registration_for_check_in(*, event: Event, actor: User, public_id: str) -> Registration:
    """The event's registration with this public id (the address in the QR code)."""
    permissions.require(permissions.can_check_in(actor, event))
    registration = db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.public_id == public_id)
        .options(joinedload(Registration.user), joinedload(Registration.place_kind))
    ).one_or_none()
    if registration is None:
        raise NotFound(gettext("There is no such registration for this event."))
    return registration


def checked_in_by(registration: Registration) -> User | None:
    if registration.checked_in_by_id is None:
        return None
    return db.session.get(User, registration.checked_in_by_id)


def why_not(registration: Registration) -> str | None:
    """Why this person cannot be checked in, for the volunteer; None when they can."""
    if permissions.may_be_checked_in(registration):
        return None
    return gettext(
        "Their registration is not confirmed (%(state)s), so they cannot be checked in. "
        "Please send them to an organizer.",
        state=registration.state.label,
    )


def _local_time(moment: dt.datetime, event: Event) -> str:
    return moment.astimezone(ZoneInfo(event.timezone)).strftime("%H:%M")


def already_message(registration: Registration) -> str:
    """ "Already checked in at 09:12 by Ana" (the event's local time)."""
    assert registration.checked_in_at is not None
    by = checked_in_by(registration)
    return gettext(
        "%(name)s was already checked in at %(time)s by %(by)s.",
        name=shown_name(registration),
        time=_local_time(registration.checked_in_at, registration.event),
        by=by.display_name if by is not None else gettext("someone no longer on the team"),
    )


def check_in(*, registration: Registration, actor: User, now: dt.datetime) -> CheckInResult:
    """Mark the person attended. Twice is harmless: the first time and volunteer stay."""
    event = registration.event
    permissions.require(permissions.can_check_in(actor, event))
    if registration.checked_in_at is not None:
        return CheckInResult(registration, True, already_message(registration))
    if registration.state is not RegistrationState.CONFIRMED:
        raise WrongState(why_not(registration) or "")
    # Two volunteers tapping at once: only the first update finds the row unchecked.
    updated = db.session.execute(
        update(Registration)
        .where(Registration.id == registration.id, Registration.checked_in_at.is_(None))
        .values(checked_in_at=now, checked_in_by_id=actor.id, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(registration)
    if not updated:
        return CheckInResult(registration, True, already_message(registration))
    audit.record(
        action="registration.checked_in",
        actor=actor,
        now=now,
        object_type="registration",
        object_id=registration.public_id,
        event=event,
    )
    return CheckInResult(
        registration, False, gettext("%(name)s is checked in.", name=shown_name(registration))
    )


def undo_check_in(*, registration: Registration, actor: User, now: dt.datetime) -> Registration:
    """Take a check-in back (a tap on the wrong person). Nothing to undo: harmless too."""
    event = registration.event
    permissions.require(permissions.can_check_in(actor, event))
    if registration.checked_in_at is None:
        return registration
    before = registration.checked_in_at
    registration.checked_in_at = None
    registration.checked_in_by_id = None
    registration.updated_at = now
    db.session.flush()
    audit.record(
        action="registration.check_in_undone",
        actor=actor,
        now=now,
        object_type="registration",
        object_id=registration.public_id,
        event=event,
        details={"checked_in_at": before.isoformat()},
    )
    return registration


def counts(event: Event) -> CheckInCounts:
    """Checked in and expected (confirmed), in one query."""
    confirmed = Registration.state == RegistrationState.CONFIRMED
    row = db.session.execute(
        select(
            func.count().filter(confirmed, Registration.checked_in_at.is_not(None)),
            func.count().filter(confirmed),
        ).where(Registration.event_id == event.id)
    ).one()
    return CheckInCounts(checked_in=row[0] or 0, expected=row[1] or 0)
