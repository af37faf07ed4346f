"""How the set-up pages word a time and find overlaps: wall-clock times in a zone, a day's short
label, a span of time, and the first of some intervals that overlaps another."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from flask_babel import format_date

from organizer.services.scheduling.plan import Interval


def clock(moment: dt.datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%H:%M")


def day_label(day: dt.date) -> str:
    return format_date(day, "EEE d MMM")


def span(start: dt.datetime, end: dt.datetime, zone: str) -> str:
    local = start.astimezone(ZoneInfo(zone))
    return f"{day_label(local.date())} {clock(start, zone)}\N{EN DASH}{clock(end, zone)}"


def overlapping(
    start: dt.datetime, end: dt.datetime, intervals: Iterable[Interval]
) -> Interval | None:
    """The first of `intervals` that overlaps start..end, or None."""
    for other_start, other_end in intervals:
        if start < other_end and other_start < end:
            return other_start, other_end
    return None
