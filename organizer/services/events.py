"""Events: creating them, editing their details, finding them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import zoneinfo
from functools import lru_cache

from babel.numbers import list_currencies
from flask_babel import gettext as _
from sqlalchemy import Select, case, select

from organizer import permissions
from organizer.enums import EventRoleName
from organizer.errors import PermissionDenied, ValidationFailed
from organizer.extensions import db
from organizer.models import Event, EventRole, User
from organizer.services import audit, two_factor
from organizer.services.registration import setup as registration_setup

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,48}[a-z0-9])$")
# First path segments the application itself uses; an event slug must not shadow them.
RESERVED_SLUGS = frozenset(
    {
        "account", "admin", "api", "auth", "favicon.ico", "feeds", "forgot-password", "health",
        "healthz", "home", "invitations", "login", "logout", "manage", "readyz", "register",
        "reset-password", "review", "robots.txt", "static", "verify", "www",
    }
)  # fmt: skip


@lru_cache(maxsize=1)
def known_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@lru_cache(maxsize=1)
def time_zone_names() -> tuple[str, ...]:
    """Every IANA zone, sorted, for the time-zone suggestions of the event form."""
    return tuple(sorted(known_time_zones()))


@lru_cache(maxsize=1)
def known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


@dataclasses.dataclass(frozen=True, kw_only=True)
class EventDetails:
    """What organizers edit on the settings page."""

    slug: str
    name: str
    timezone: str
    starts_on: dt.date
    ends_on: dt.date
    venue: str = ""
    currency: str = "EUR"
    description: str = ""
    code_of_conduct: str = ""
    contact_email: str = ""
    is_public: bool = False
    accounting_retention_years: int = 10
    require_two_factor: bool = False


def validate_details(details: EventDetails, *, event: Event | None = None) -> None:
    """Every rule at once, so that the form can show each message next to its field."""
    errors: dict[str, str] = {}
    if not SLUG_PATTERN.match(details.slug):
        errors["slug"] = (
            "Use 3 to 50 lower-case letters, digits and hyphens, starting and ending with a "
            "letter or digit, e.g. mlworkshop-2027."
        )
    elif details.slug in RESERVED_SLUGS:
        errors["slug"] = _(
            "“%(slug)s” is used by the site itself. Choose another address.", slug=details.slug
        )
    else:
        taken = db.session.scalar(
            select(Event.id).where(
                Event.slug == details.slug, Event.id != (event.id if event else -1)
            )
        )
        if taken is not None:
            errors["slug"] = _("Another event already uses this address. Choose another one.")
    if details.timezone not in known_time_zones():
        errors["timezone"] = _(
            "Use an IANA time zone name such as Europe/Lisbon or America/Mexico_City."
        )
    if details.ends_on < details.starts_on:
        errors["ends_on"] = _("The last day cannot be before the first day.")
    elif (details.ends_on - details.starts_on).days > 30:
        errors["ends_on"] = _("An event can last at most 31 days.")
    if details.currency not in known_currencies():
        errors["currency"] = _("Use a three-letter ISO 4217 currency code such as EUR or USD.")
    if not details.name.strip():
        errors["name"] = _("Enter the event's name.")
    if not 1 <= details.accounting_retention_years <= 30:
        errors["accounting_retention_years"] = _("Use a number of years from 1 to 30.")
    if errors:
        raise ValidationFailed(errors)


def _check_two_factor_requirement(actor: User, details: EventDetails, event: Event | None) -> None:
    """Whoever makes the team use two-factor sign-in must use it first, so that they cannot
    lock themselves out of their own event."""
    switching_on = details.require_two_factor and not (event and event.require_two_factor)
    if switching_on and not two_factor.is_enabled(actor):
        raise ValidationFailed(
            {
                "require_two_factor": _(
                    "Switch on two-factor sign-in for your own account first (on your account "
                    "page), then require it of the team."
                )
            }
        )


def _apply(event: Event, details: EventDetails) -> None:
    for field in dataclasses.fields(EventDetails):
        value = getattr(details, field.name)
        setattr(event, field.name, value.strip() if isinstance(value, str) else value)


def details_of(event: Event) -> EventDetails:
    return EventDetails(
        **{f.name: getattr(event, f.name) for f in dataclasses.fields(EventDetails)}
    )


def create_event(*, actor: User, details: EventDetails, now: dt.datetime) -> Event:
    """A site admin creates an event and becomes its first organizer."""
    if not permissions.can_create_event(actor):
        raise PermissionDenied(_("Only site administrators can create events."))
    event = insert_event(actor=actor, details=details, now=now)
    audit.record(
        action="event.create",
        actor=actor,
        now=now,
        object_type="event",
        object_id=event.id,
        event=event,
        details={"slug": event.slug},
    )
    db.session.flush()
    return event


def insert_event(*, actor: User, details: EventDetails, now: dt.datetime) -> Event:
    """The new event's row, checked by the same rules as the settings form, with `actor` as
    its first organizer. The caller checks permission and writes the audit entry (creating an
    event, cloning one: services/archive/cloning.py)."""
    validate_details(details)
    _check_two_factor_requirement(actor, details, None)
    event = Event(created_at=now, updated_at=now)
    _apply(event, details)
    db.session.add(event)
    db.session.flush()
    db.session.add(EventRole(event=event, user=actor, role=EventRoleName.ORGANIZER, created_at=now))
    db.session.flush()
    return event


def update_event(*, actor: User, event: Event, details: EventDetails, now: dt.datetime) -> bool:
    """Save new details; True when anything changed. The audit entry keeps before and after."""
    if not permissions.can_manage_event(actor, event):
        raise PermissionDenied(_("Only this event's organizers can change its details."))
    validate_details(details, event=event)
    _check_two_factor_requirement(actor, details, event)
    before = dataclasses.asdict(details_of(event))
    _apply(event, details)
    if before["code_of_conduct"] != event.code_of_conduct:
        # People registered under the old text accepted an older version (registration).
        registration_setup.code_of_conduct_changed(event=event, actor=actor, now=now)
    entry = audit.record_changes(
        before=before,
        after=dataclasses.asdict(details_of(event)),
        action="event.update",
        actor=actor,
        now=now,
        object_type="event",
        object_id=event.id,
        event=event,
    )
    if entry is None:
        return False
    event.updated_at = now
    db.session.flush()
    return True


def event_by_slug(slug: str) -> Event | None:
    return db.session.scalar(select(Event).where(Event.slug == slug))


def public_events(*, today: dt.date) -> Select[tuple[Event]]:
    """Public events: upcoming and running ones soonest first, then past ones latest first."""
    is_past = Event.ends_on < today
    return (
        select(Event)
        .where(Event.is_public.is_(True))
        .order_by(
            case((is_past, 1), else_=0),
            case((is_past, None), else_=Event.starts_on),
            Event.starts_on.desc(),
            Event.id,
        )
    )


def events_for_team_member(user: User) -> Select[tuple[Event]]:
    """The events a person helps run (every event, for a site admin), newest first."""
    query = select(Event).order_by(Event.starts_on.desc(), Event.id.desc())
    if not permissions.is_site_admin(user):
        query = query.where(
            Event.id.in_(select(EventRole.event_id).where(EventRole.user_id == user.id))
        )
    return query
