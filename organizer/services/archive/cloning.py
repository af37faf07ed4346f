"""Cloning an edition: a new event from a past one's configuration, never its people's data.

The new event gets the source's settings and everything `services/archive/config.py` lists
as configuration, each date moved by the distance between the two first days (kept on the
event's wall clock across summer-time changes). The person who clones becomes the new event's
first organizer; nobody else from the source's team comes along. It starts private.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask_babel import gettext as _

from organizer import permissions
from organizer.models import Event, User
from organizer.services import audit
from organizer.services import events as event_service
from organizer.services.archive.config import dump_config, load_config


def suggested_start(source: Event) -> dt.date:
    """The default first day of the next edition: a year later, on the same weekday (52
    weeks on, or 53 when that lands more than a few days early in the year)."""
    later = source.starts_on + dt.timedelta(weeks=52)
    try:
        a_year_later = source.starts_on.replace(year=source.starts_on.year + 1)
    except ValueError:  # 29 February
        a_year_later = source.starts_on + dt.timedelta(days=365)
    if (a_year_later - later).days > 3:
        later += dt.timedelta(weeks=1)
    return later


def suggested_slug(source: Event, start_date: dt.date) -> str:
    """The source's address with its year replaced by the new one, when it has one."""
    old, new = str(source.starts_on.year), str(start_date.year)
    if old in source.slug:
        return source.slug.replace(old, new)
    return f"{source.slug}-{new}"[:50]


def suggested_name(source: Event, start_date: dt.date) -> str:
    old, new = str(source.starts_on.year), str(start_date.year)
    if old in source.name:
        return source.name.replace(old, new)
    return f"{source.name} {new}"[:200]


def clone_event(
    *, source: Event, slug: str, name: str, start_date: dt.date, actor: User, now: dt.datetime
) -> Event:
    """A new, private event named `name` at `slug`, starting on `start_date` and lasting as
    long as `source`, with the source's configuration. Raises PermissionDenied unless the
    actor may clone the source, ValidationFailed for a bad or taken address or name."""
    permissions.require(
        permissions.can_clone_event(actor, source),
        _("Only this event's organizers can start a new edition from it."),
    )
    details = dataclasses.replace(
        event_service.details_of(source),
        slug=slug.strip().lower(),
        name=name.strip(),
        starts_on=start_date,
        ends_on=start_date + (source.ends_on - source.starts_on),
        is_public=False,
    )
    event = event_service.insert_event(actor=actor, details=details, now=now)
    made = load_config(event, dump_config(source), shift=start_date - source.starts_on, now=now)
    audit.record(
        action="event.clone",
        actor=actor,
        now=now,
        object_type="event",
        object_id=event.id,
        event=event,
        details={
            "source": source.slug,
            "slug": event.slug,
            "copied": {section: len(rows) for section, rows in made.items() if rows},
        },
    )
    return event
