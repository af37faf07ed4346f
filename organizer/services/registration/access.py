"""Access needs, asked for kindly and kept safe.

- Organizers (and the caterers and the venue they pass it to) get counts only: `summary`.
- A person's needs are read by the event's access coordinators and nobody else:
  `individual_needs` checks `permissions.can_view_access_needs` itself.
- Every row is deleted at the event's purge date (`purge`, a daily task): the settings'
  `access_purge_at`, or 30 days after the event's last day when it is not set.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload

from organizer import permissions
from organizer.enums import SEAT_HOLDING_STATES, AccessNeed, DietaryNeed, RegistrationState
from organizer.extensions import db
from organizer.models import (
    Event,
    Registration,
    RegistrationAccessNeeds,
    RegistrationSettings,
    User,
)
from organizer.services import audit
from organizer.services.registration.records import shown_name

# Without a purge date of their own, access needs go this long after the event's last day.
DEFAULT_KEEP = dt.timedelta(days=30)
# The people an access coordinator plans for: everyone not cancelled or rejected.
PLANNED_STATES = (
    RegistrationState.CONFIRMED,
    RegistrationState.OFFERED,
    RegistrationState.PENDING,
    RegistrationState.WAITLISTED,
)


@dataclasses.dataclass(frozen=True)
class AccessSummary:
    """Counts for planning, over the registrations that hold a seat: no names, no text."""

    registrations: int  # seats held (confirmed or offered)
    answered: int  # of them, how many told us something
    needs: dict[AccessNeed, int]
    dietary: dict[DietaryNeed, int]
    dietary_other: int  # wrote something under "other dietary needs"
    notes: int  # wrote a note for the access coordinator


def summary(event: Event) -> AccessSummary:
    """Counts per access need and dietary need for confirmed and offered registrations, in
    one query for the needs and one for the number of seats held."""
    held = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(Registration.event_id == event.id, Registration.state.in_(SEAT_HOLDING_STATES))
    )
    rows = db.session.execute(
        select(
            RegistrationAccessNeeds.needs,
            RegistrationAccessNeeds.dietary,
            RegistrationAccessNeeds.dietary_other,
            RegistrationAccessNeeds.notes,
        )
        .join(Registration, Registration.id == RegistrationAccessNeeds.registration_id)
        .where(Registration.event_id == event.id, Registration.state.in_(SEAT_HOLDING_STATES))
    ).all()
    needs = dict.fromkeys(AccessNeed, 0)
    dietary = dict.fromkeys(DietaryNeed, 0)
    other = notes = answered = 0
    for row_needs, row_dietary, row_other, row_notes in rows:
        for value in set(row_needs or ()):
            if value in AccessNeed._value2member_map_:
                needs[AccessNeed(value)] += 1
        for value in set(row_dietary or ()):
            if value in DietaryNeed._value2member_map_:
                dietary[DietaryNeed(value)] += 1
        other += bool((row_other or "").strip())
        notes += bool((row_notes or "").strip())
        answered += bool(
            row_needs or row_dietary or (row_other or "").strip() or (row_notes or "").strip()
        )
    return AccessSummary(
        registrations=held or 0,
        answered=answered,
        needs=needs,
        dietary=dietary,
        dietary_other=other,
        notes=notes,
    )


def summary_rows(counts: AccessSummary) -> list[tuple[str, str, int]]:
    """The summary as (group, label, count) rows, for the page's CSV."""
    rows: list[tuple[str, str, int]] = [(_("Seats"), _("Seats held"), counts.registrations)]
    rows += [(_("Access"), str(need.label), n) for need, n in counts.needs.items()]
    rows += [(_("Dietary"), str(need.label), n) for need, n in counts.dietary.items()]
    rows.append((_("Dietary"), _("Other dietary needs (described)"), counts.dietary_other))
    rows.append((_("Other"), _("Notes for the access coordinator"), counts.notes))
    return rows


@dataclasses.dataclass(frozen=True)
class PersonNeeds:
    """One person's needs, for the access coordinator."""

    registration: Registration
    name: str
    email: str
    needs: list[AccessNeed]
    dietary: list[DietaryNeed]
    dietary_other: str
    notes: str


def individual_needs(*, event: Event, actor: User) -> list[PersonNeeds]:
    """Each person who told us something, sorted by name: for the event's access
    coordinators only (PermissionDenied for anyone else, organizers and site admins too)."""
    permissions.require(permissions.can_view_access_needs(actor, event))
    rows = db.session.scalars(
        select(RegistrationAccessNeeds)
        .join(Registration, Registration.id == RegistrationAccessNeeds.registration_id)
        .where(Registration.event_id == event.id, Registration.state.in_(PLANNED_STATES))
        .options(
            joinedload(RegistrationAccessNeeds.registration)
            .joinedload(Registration.user)
            .lazyload(User.event_roles),
            joinedload(RegistrationAccessNeeds.registration).joinedload(Registration.place_kind),
        )
    ).unique()
    people = []
    for row in rows:
        registration = row.registration
        if not (row.needs or row.dietary or row.dietary_other.strip() or row.notes.strip()):
            continue
        people.append(
            PersonNeeds(
                registration=registration,
                name=shown_name(registration),
                email=registration.user.email,
                needs=[AccessNeed(v) for v in row.needs if v in AccessNeed._value2member_map_],
                dietary=[
                    DietaryNeed(v) for v in row.dietary if v in DietaryNeed._value2member_map_
                ],
                dietary_other=row.dietary_other,
                notes=row.notes,
            )
        )
    return sorted(people, key=lambda p: (p.name.casefold(), p.registration.id))


def purge_at(settings: RegistrationSettings, event: Event) -> dt.datetime:
    """When the event's access needs are deleted: the settings' date, else 30 days after the
    end of the event's last day (midnight in the event's time zone)."""
    if settings.access_purge_at is not None:
        return settings.access_purge_at
    day_after = dt.datetime.combine(
        event.ends_on + dt.timedelta(days=1), dt.time(0), tzinfo=ZoneInfo(event.timezone)
    )
    return (day_after + DEFAULT_KEEP).astimezone(dt.UTC)


def purge_date(event: Event) -> dt.datetime | None:
    """The purge moment of the event, or None when registration is not set up."""
    settings = _settings(event)
    return purge_at(settings, event) if settings is not None else None


def _settings(event: Event) -> RegistrationSettings | None:
    return db.session.scalar(
        select(RegistrationSettings).where(RegistrationSettings.event_id == event.id)
    )


def purge(*, now: dt.datetime) -> dict[str, int]:
    """Delete every access-needs row of the events whose purge date has come, and note when.
    Safe to run daily (an event already purged is skipped); counts what it did."""
    counts = {"events": 0, "access_needs": 0}
    pending = db.session.execute(
        select(RegistrationSettings, Event)
        .join(Event, Event.id == RegistrationSettings.event_id)
        .where(RegistrationSettings.access_purged_at.is_(None))
    ).all()
    for settings, event in pending:
        if purge_at(settings, event) > now:
            continue
        counts["access_needs"] += db.session.execute(
            delete(RegistrationAccessNeeds).where(
                RegistrationAccessNeeds.registration_id.in_(
                    select(Registration.id).where(Registration.event_id == event.id)
                )
            )
        ).rowcount
        settings.access_purged_at = now
        counts["events"] += 1
        audit.record(
            action="registration.access_needs_purged",
            actor=None,
            now=now,
            object_type="event",
            object_id=event.id,
            event=event,
        )
    db.session.flush()
    return counts
