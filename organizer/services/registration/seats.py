"""How many seats an event's registrations hold, overall and per kind of place: one query,
read by the registration form (is there a seat?), the settings (capacity can't drop below
it) and the organizers' pages."""

from __future__ import annotations

import dataclasses

from sqlalchemy import func, select

from organizer.enums import SEAT_HOLDING_STATES, RegistrationState
from organizer.extensions import db
from organizer.models import Event, PlaceKind, Registration, RegistrationSettings


@dataclasses.dataclass(frozen=True)
class SeatCounts:
    """Seats held (confirmed or offered) and people waiting, overall and per kind of place
    (the key None: registrations without a kind of place)."""

    held: int
    waiting: int
    pending: int
    held_by_kind: dict[int | None, int]
    waiting_by_kind: dict[int | None, int]

    def held_in(self, place_kind: PlaceKind | None) -> int:
        return self.held_by_kind.get(place_kind.id if place_kind else None, 0)


def seat_counts(event: Event) -> SeatCounts:
    rows = db.session.execute(
        select(Registration.place_kind_id, Registration.state, func.count())
        .where(Registration.event_id == event.id)
        .group_by(Registration.place_kind_id, Registration.state)
    ).all()
    held_by_kind: dict[int | None, int] = {}
    waiting_by_kind: dict[int | None, int] = {}
    pending = 0
    for kind_id, state, count in rows:
        if state in SEAT_HOLDING_STATES:
            held_by_kind[kind_id] = held_by_kind.get(kind_id, 0) + count
        elif state == RegistrationState.WAITLISTED:
            waiting_by_kind[kind_id] = waiting_by_kind.get(kind_id, 0) + count
        elif state == RegistrationState.PENDING:
            pending += count
    return SeatCounts(
        held=sum(held_by_kind.values()),
        waiting=sum(waiting_by_kind.values()),
        pending=pending,
        held_by_kind=held_by_kind,
        waiting_by_kind=waiting_by_kind,
    )


def free_seats(
    settings: RegistrationSettings, counts: SeatCounts, place_kind: PlaceKind | None
) -> int | None:
    """Seats still free for a new registration of this kind of place; None: no limit."""
    limits = []
    if settings.capacity is not None:
        limits.append(settings.capacity - counts.held)
    if place_kind is not None and place_kind.capacity is not None:
        limits.append(place_kind.capacity - counts.held_in(place_kind))
    return max(0, min(limits)) if limits else None
