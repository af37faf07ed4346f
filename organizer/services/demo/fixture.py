"""Where the demo fixture lives, and how its times are read."""

from __future__ import annotations

import datetime as dt

from organizer.models import Event
from organizer.paths import FIXTURES
from organizer.services.timefmt import local_date_to_utc

FIXTURE = FIXTURES / "demo.yaml"


def local_time(value: str, event: Event) -> dt.datetime:
    """A fixture time such as "2026-12-15T23:59", in the event's time zone, as UTC."""
    moment = dt.datetime.fromisoformat(value)
    return local_date_to_utc(moment.date(), moment.time(), event.timezone)
