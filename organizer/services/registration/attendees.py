"""The organizers' attendee list: an event's registrations, filtered, sorted by name, one page
at a time. A fixed number of queries whatever the number of registrations (each row's person
and kind of place come with it; answers and access needs are never loaded here)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import joinedload

from organizer.enums import RegistrationState, ReservedFor
from organizer.extensions import db
from organizer.models import Event, Registration, User
from organizer.services.registration.records import place_kinds, shown_name
from organizer.services.text import fold_for_search

# Filter values for "reserved for": a ReservedFor value, "none", or "" (any).
NOT_RESERVED = "none"


@dataclasses.dataclass(frozen=True)
class AttendeeFilters:
    """What the list is narrowed to; the defaults show everyone."""

    state: RegistrationState | None = None
    place_kind_id: int | None = None  # 0: registrations without a kind of place
    reserved_for: str = ""  # a ReservedFor value, NOT_RESERVED, or "" for any
    waived: bool | None = None
    checked_in: bool | None = None
    query: str = ""  # matched against Registration.search_name, folded the same way

    @property
    def active(self) -> bool:
        return self != AttendeeFilters()


def _shown_name() -> object:
    """The name a person is shown by (badge name, else display name), for sorting."""
    return case((Registration.badge_name != "", Registration.badge_name), else_=User.display_name)


def attendee_query(event: Event, filters: AttendeeFilters) -> Select[tuple[Registration]]:
    """The filtered registrations, sorted by the name shown, with each person and kind of
    place loaded in the same query."""
    query = (
        select(Registration)
        .join(User, User.id == Registration.user_id)
        .where(Registration.event_id == event.id)
        .options(
            # The person's team roles (eager on User) are not needed here: without this they
            # come in batches of 500, one more query per 500 registrations.
            joinedload(Registration.user).lazyload(User.event_roles),
            joinedload(Registration.place_kind),
        )
    )
    if filters.state is not None:
        query = query.where(Registration.state == filters.state)
    if filters.place_kind_id == 0:
        query = query.where(Registration.place_kind_id.is_(None))
    elif filters.place_kind_id is not None:
        query = query.where(Registration.place_kind_id == filters.place_kind_id)
    if filters.reserved_for == NOT_RESERVED:
        query = query.where(Registration.reserved_for.is_(None))
    elif filters.reserved_for:
        query = query.where(Registration.reserved_for == ReservedFor(filters.reserved_for))
    if filters.waived is not None:
        query = query.where(Registration.waived.is_(filters.waived))
    if filters.checked_in is True:
        query = query.where(Registration.checked_in_at.is_not(None))
    elif filters.checked_in is False:
        query = query.where(Registration.checked_in_at.is_(None))
    folded = fold_for_search(filters.query)
    for word in folded.split():
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Registration.search_name.like(f"%{escaped}%", escape="\\"))
    return query.order_by(func.lower(_shown_name()), Registration.id)


def attendees(event: Event, filters: AttendeeFilters) -> list[Registration]:
    """Every registration the filters keep, sorted by name (the CSV, the badges)."""
    return list(db.session.scalars(attendee_query(event, filters)).unique())


def state_counts(event: Event) -> dict[RegistrationState, int]:
    """How many registrations are in each state (every state present, zero included)."""
    rows = db.session.execute(
        select(Registration.state, func.count())
        .where(Registration.event_id == event.id)
        .group_by(Registration.state)
    ).all()
    counts = dict.fromkeys(RegistrationState, 0)
    counts.update({state: count for state, count in rows})
    return counts


__all__: Sequence[str] = (
    "NOT_RESERVED",
    "AttendeeFilters",
    "attendee_query",
    "attendees",
    "place_kinds",
    "shown_name",
    "state_counts",
)
