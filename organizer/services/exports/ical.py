"""iCalendar (RFC 5545) from schedule snapshot entries.

`calendar` takes the entries of a release (see `services.scheduling.releases.snapshot`), the
event and the host that makes UIDs global, and returns the bytes of one VCALENDAR: a VTIMEZONE
for the event's zone and one VEVENT per entry, with start and end in that zone. The speakers'
change mails attach one session; the feeds render a whole release.

The bytes depend on the input only: DTSTAMP is the `stamp` passed in (a release's time), never
the clock, and nothing random is generated, so the same release gives the same file and the
same ETag.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from icalendar import Calendar, Timezone
from icalendar import Event as VEvent

from organizer.enums import ContainerKind, PlenaryKind
from organizer.models import Event

PRODID = "-//organizer//schedule//EN"

Entry = Mapping[str, Any]


def calendar(
    entries: Iterable[Entry],
    *,
    event: Event,
    host: str,
    name: str | None = None,
    method: str | None = None,
    stamp: dt.datetime,
    url: Callable[[Entry], str | None] | None = None,
) -> bytes:
    """One VCALENDAR with a VEVENT per entry.

    - `host` makes the UID global: `<entry uid>@<host>`, stable for the life of a session.
    - `name` is the calendar's display name (X-WR-CALNAME); the event's name by default.
    - `method` is written as METHOD when given (the mails use PUBLISH).
    - `stamp` (aware) becomes every DTSTAMP, in UTC.
    - `url(entry)` gives a VEVENT's URL; none is written when it returns nothing.
    - An entry with `"status": "cancelled"` is written with STATUS:CANCELLED.
    """
    if stamp.tzinfo is None:
        raise ValueError("stamp must be an aware datetime")
    entries = list(entries)
    zone = ZoneInfo(event.timezone)
    titles = {entry["uid"]: entry["title"] for entry in entries}

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    cal.add("x-wr-calname", name or event.name)
    cal.add("x-wr-timezone", event.timezone)
    cal.add_component(_timezone(event, entries))
    for entry in entries:
        cal.add_component(
            _vevent(
                entry,
                zone=zone,
                venue=event.venue,
                host=host,
                stamp=stamp.astimezone(dt.UTC),
                titles=titles,
                link=url(entry) if url is not None else None,
            )
        )
    return cal.to_ical()


def _instant(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:  # the snapshot writes UTC; be safe with a bare value
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def _timezone(event: Event, entries: list[Entry]) -> Timezone:
    """The event zone's VTIMEZONE, with every transition from the first of January of the
    earliest year (event or sessions) to the first of January after the latest, so that it
    is the same for every calendar of the event and covers summer time changes."""
    zone = ZoneInfo(event.timezone)
    days = [event.starts_on, event.ends_on]
    for entry in entries:
        days.append(_instant(entry["starts_at"]).astimezone(zone).date())
        days.append(_instant(entry["ends_at"]).astimezone(zone).date())
    first = dt.date(min(days).year, 1, 1)
    last = dt.date(max(days).year + 1, 1, 1)
    return Timezone.from_tzid(event.timezone, first_date=first, last_date=last)


def _summary(entry: Entry) -> str:
    title = (entry.get("title") or "").strip()
    if title:
        return title
    if entry.get("plenary_kind") in PlenaryKind._value2member_map_:
        return _(PlenaryKind(entry["plenary_kind"]).label)
    if entry.get("container_kind") in ContainerKind._value2member_map_:
        return _(ContainerKind(entry["container_kind"]).label)
    return _("Session")


def _description(entry: Entry, titles: Mapping[str, str]) -> str:
    parts: list[str] = []
    abstract = (entry.get("abstract") or "").strip()
    if abstract:
        parts.append(abstract)
    names = [s["name"] for s in entry.get("speakers") or [] if s.get("name")]
    if names:
        parts.append(_("Speakers: %(names)s", names=", ".join(names)))
    talks = [titles[uid] for uid in entry.get("children") or [] if uid in titles]
    if talks:
        parts.append(_("Talks:") + "\n" + "\n".join(f"- {title}" for title in talks))
    if entry.get("parent") and entry["parent"] in titles:
        parts.append(_("Part of: %(block)s", block=titles[entry["parent"]]))
    if entry.get("stream_url"):
        parts.append(_("Stream: %(url)s", url=entry["stream_url"]))
    return "\n\n".join(parts)


def _vevent(
    entry: Entry,
    *,
    zone: ZoneInfo,
    venue: str,
    host: str,
    stamp: dt.datetime,
    titles: Mapping[str, str],
    link: str | None,
) -> VEvent:
    vevent = VEvent()
    vevent.add("uid", f"{entry['uid']}@{host}")
    vevent.add("dtstamp", stamp)
    vevent.add("dtstart", _instant(entry["starts_at"]).astimezone(zone))
    vevent.add("dtend", _instant(entry["ends_at"]).astimezone(zone))
    vevent.add("sequence", int(entry.get("sequence") or 0))
    vevent.add("summary", _summary(entry))
    location = ", ".join(part for part in (entry.get("room") or "", venue or "") if part)
    if location:
        vevent.add("location", location)
    description = _description(entry, titles)
    if description:
        vevent.add("description", description)
    if entry.get("track"):
        vevent.add("categories", [entry["track"]])
    cancelled = entry.get("status") == "cancelled"
    vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if link:
        vevent.add("url", link)
    return vevent
