"""Time at the edges: the database holds UTC; people read the event's IANA zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_interval
from flask_babel import get_locale

from organizer.models import Event


def in_zone(value: dt.datetime | None, zone: str) -> dt.datetime | None:
    return None if value is None else value.astimezone(ZoneInfo(zone))


def machine_time(value: dt.datetime) -> str:
    """A moment for a <time datetime>, in UTC and as short as HTML allows: "2027-03-27T09:00Z"
    (the schedule page prints two per session; "+00:00" and zero seconds add up)."""
    moment = value.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ" if moment.second else "%Y-%m-%dT%H:%MZ")


def event_date_range(event: Event) -> str:
    """e.g. '27-28 Mar 2027' in the reader's language."""
    locale = get_locale() or "en"
    return format_interval(event.starts_on, event.ends_on, "yMMMd", locale=locale)


def local_date_to_utc(day: dt.date, clock: dt.time, zone: str) -> dt.datetime:
    """A wall-clock time a person typed, in the event's zone, as UTC. Across a DST gap the
    time is read with fold=0 (the earlier offset), as zoneinfo does."""
    return dt.datetime.combine(day, clock, tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)
