"""The mail a person gets about their registration, in their language, through the outbox:
confirmed (with the event's days as an .ics), waiting list, pending approval, an offered seat,
its reminder and its expiry, cancelled, turned down, the week-before reminder and the
invitation of speakers and grantees to take their reserved seat. Every mail about a
registration carries the one-click cancel link."""

from __future__ import annotations

import datetime as dt
from typing import Any

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from organizer.models import Event, OutboxMessage, Registration, User
from organizer.services import tokens
from organizer.services.mail import calendar_host, external_url
from organizer.services.notifications import tell
from organizer.services.print import badges
from organizer.services.registration.records import settings_of
from organizer.services.timefmt import in_zone

CANCEL_TOKEN = "registration-cancel"  # noqa: S105 (a salt, not a secret)
# The cancel link works until well after any event: the page refuses once nothing is left.
CANCEL_TOKEN_MAX_AGE = 2 * 365 * 24 * 3600


def cancel_token(registration: Registration) -> str:
    return tokens.sign(CANCEL_TOKEN, registration.public_id)


def format_moment(event: Event, moment: dt.datetime) -> str:
    """A date and time as people read it: in the event's zone, with the zone named."""
    local = in_zone(moment, event.timezone)
    assert local is not None
    return f"{local:%Y-%m-%d %H:%M} ({event.timezone})"


def event_days_ics(event: Event, *, stamp: dt.datetime) -> str:
    """The event's days as one all-day calendar entry (its dates are in its own zone)."""
    calendar = Calendar()
    calendar.add("prodid", "-//organizer//registration//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    entry = CalendarEvent()
    entry.add("uid", f"event-{event.slug}@{calendar_host()}")
    entry.add("dtstamp", stamp.astimezone(dt.UTC))
    entry.add("summary", event.name)
    entry.add("dtstart", event.starts_on)
    entry.add("dtend", event.ends_on + dt.timedelta(days=1))  # exclusive for all-day entries
    if event.venue:
        entry.add("location", event.venue)
    entry.add("url", external_url("public.event", event_slug=event.slug))
    calendar.add_component(entry)
    return calendar.to_ical().decode("utf-8")


def _context(registration: Registration, **extra: Any) -> dict[str, Any]:
    event = registration.event
    context: dict[str, Any] = {
        "person": registration.user,
        "registration": registration,
        "url": external_url("registration.mine", event_slug=event.slug),
        "cancel_url": external_url(
            "registration.cancel_by_link", event_slug=event.slug, token=cancel_token(registration)
        ),
        "contact_email": event.contact_email,
        **extra,
    }
    settings = settings_of(event)
    context["fee_due"] = bool(settings and settings.fee_due)
    context["fee_note"] = settings.fee_note if settings else ""
    if registration.respond_by is not None:
        context["respond_by"] = format_moment(event, registration.respond_by)
    return context


def check_in_address(registration: Registration) -> str:
    """The person's check-in page, which the QR codes on their badge and mail open."""
    return external_url(
        "check_in.person",
        event_slug=registration.event.slug,
        public_id=registration.public_id,
    )


def tell_registrant(
    registration: Registration,
    purpose: str,
    *,
    about: tuple[object, ...],
    now: dt.datetime,
    **extra: Any,
) -> OutboxMessage:
    """Mail the registration's person (`purpose`: templates/mail/<purpose>.txt)."""
    attachments = None
    if purpose == "registration_confirmed":
        attachments = [
            {
                "filename": f"{registration.event.slug}.ics",
                "content_type": "text/calendar",
                "content": event_days_ics(registration.event, stamp=now),
            },
            {  # shown at the door: a volunteer's phone camera opens the person's check-in page
                "filename": "check-in-qr-code.svg",
                "content_type": "image/svg+xml",
                "content": badges.qr_svg_file(check_in_address(registration)),
            },
        ]
    return tell(
        registration.user,
        purpose,
        about=about,
        context=_context(registration, **extra),
        now=now,
        event=registration.event,
        attachments=attachments,
    )


def invite(event: Event, person: User, *, reason: str, now: dt.datetime) -> OutboxMessage:
    """A confirmed speaker or accepted grantee's invitation to take their reserved seat."""
    return tell(
        person,
        "registration_invitation",
        about=(event, person),
        context={
            "person": person,
            "reason": reason,
            "url": external_url("registration.register", event_slug=event.slug),
            "contact_email": event.contact_email,
        },
        now=now,
        event=event,
    )
