"""iCalendar (RFC 5545): the speakers' release mails and the attendees' feeds.

Two entry points:

- `calendar(entries, ...)` takes snapshot entries of a release (see
  `services.scheduling.release_snapshot.snapshot`) and returns one VCALENDAR (the release
  mails attach one session);
- `vevent(item, ...)`, `vtimezone(zone, years)` and `document(...)` are the parts the feeds
  (`services.feeds`) assemble: each session's VEVENT is written once per release and reused by
  every feed that holds it.

Every component is built and serialised with the `icalendar` package (escaping, folding at 75
octets, CRLF are its own); `icalendar` and ical.js (Thunderbird's parser) read every feed back
in the tests. Property values are given typed (`vText`, `vDatetime` with its zone's TZID,
`vInt`, `vUri`, `vCategory`) rather than through `Component.add`, whose type inference costs
about twice as much. `vevent` returns a VEVENT's bytes, which the feeds cache once per release;
`document` has `icalendar` write the VCALENDAR with its properties and VTIMEZONEs, then splices
those cached VEVENT bytes in before its last line, `END:VCALENDAR`, so that a feed of 1,000
sessions does not build and serialise 1,000 components again for every feed holding them.
Writing one VEVENT costs about 0.25 ms on these machines, most of it in
`icalendar`'s line folding (see docs/feeds.md for the measured feeds).

VTIMEZONE: `vtimezone` builds an `icalendar.Timezone` whose STANDARD/DAYLIGHT subcomponents
carry yearly rules (a `vRecur`: RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3), derived
from the zone's transitions in the event's years with `zoneinfo`, not a list of dates: Outlook
ignores RDATE lists and takes the first STANDARD/DAYLIGHT pair's rule as the zone's rule, so a
list of dates shows every time an hour off after the first change. A zone without summer time
gets a single STANDARD. A zone whose rule differs between the years covered (a law changed) gets
one pair per rule, each bounded with UNTIL.

The bytes depend on the input only: DTSTAMP is the release time passed in, never the clock, so
the same release gives the same file and the same ETag.
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
from flask_babel import gettext as _
from icalendar import (
    Calendar,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vCategory,
    vDatetime,
    vDuration,
    vInt,
    vRecur,
    vText,
    vUri,
    vUTCOffset,
)

from organizer.enums import ContainerKind, PlenaryKind
from organizer.models import Event
from organizer.services.text import printable

PRODID = "-//organizer//schedule//EN"
END = b"END:VCALENDAR\r\n"
REFRESH = dt.timedelta(hours=1)

Entry = Mapping[str, Any]


# --- VTIMEZONE --------------------------------------------------------------------------------

_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_EPOCH = dt.datetime(1970, 1, 1)  # noqa: DTZ001 (a VTIMEZONE's DTSTART is local wall time)


@dataclass(frozen=True)
class Transition:
    at: dt.datetime  # UTC instant
    before: dt.timedelta  # offset before
    after: dt.timedelta  # offset after
    name: str  # abbreviation after
    dst: bool  # summer time after


@functools.lru_cache(maxsize=64)
def transitions(zone: ZoneInfo, year: int) -> tuple[Transition, ...]:
    """The zone's offset changes during `year`, found hour by hour then to the second.
    Cached: a release mails one calendar per changed session, each with the same zone."""
    found: list[Transition] = []
    start = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    end = dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC)
    step = dt.timedelta(hours=1)
    moment = start
    previous = moment.astimezone(zone).utcoffset()
    while moment < end:
        following = moment + step
        offset = following.astimezone(zone).utcoffset()
        if offset != previous:
            low, high = moment, following  # the change happens in (low, high]
            while high - low > dt.timedelta(seconds=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == previous:
                    low = middle
                else:
                    high = middle
            after = high.astimezone(zone)
            found.append(
                Transition(
                    at=high.replace(microsecond=0),
                    before=previous,  # type: ignore[arg-type]
                    after=offset,  # type: ignore[arg-type]
                    name=after.tzname() or "",
                    dst=bool(after.dst()),
                )
            )
            previous = offset
        moment = following
    return tuple(found)


def _rule(change: Transition) -> tuple[Any, ...]:
    """The yearly rule a transition follows: (month, BYDAY, local wall time before, offsets,
    name, dst). Days in a month's last week are counted from its end (-1SU)."""
    wall = (change.at + change.before).replace(tzinfo=None)  # the clock before it changes
    days = pycalendar.monthrange(wall.year, wall.month)[1]
    weekday = _DAYS[wall.weekday()]
    nth = f"-1{weekday}" if wall.day > days - 7 else f"{(wall.day - 1) // 7 + 1}{weekday}"
    return (wall.month, nth, wall.time(), change.before, change.after, change.name, change.dst)


def _observance(
    kind: type[TimezoneStandard | TimezoneDaylight],
    *,
    start: dt.datetime,
    before: dt.timedelta,
    after: dt.timedelta,
    name: str,
    rrule: vRecur | None = None,
) -> TimezoneStandard | TimezoneDaylight:
    part = kind()
    part["DTSTART"] = vDatetime(start)  # naive: the local wall time before the change
    if rrule is not None:
        part["RRULE"] = rrule
    part["TZOFFSETFROM"] = vUTCOffset(before)
    part["TZOFFSETTO"] = vUTCOffset(after)
    part["TZNAME"] = vText(name)
    return part


def vtimezone(name: str, years: Iterable[int]) -> Timezone:
    """A VTIMEZONE for the IANA zone `name` valid through `years` (and the year before, so
    that times before the first change of the first year are covered), with yearly rules."""
    zone = ZoneInfo(name)
    years = sorted(set(years))
    span = range(years[0] - 1, years[-1] + 1)
    changes = [(year, change) for year in span for change in transitions(zone, year)]
    timezone = Timezone()
    timezone["TZID"] = vText(name)
    if not changes:
        moment = dt.datetime(years[0], 1, 1, tzinfo=dt.UTC).astimezone(zone)
        offset = moment.utcoffset() or dt.timedelta(0)
        timezone.add_component(
            _observance(
                TimezoneStandard,
                start=_EPOCH,
                before=offset,
                after=offset,
                name=moment.tzname() or "",
            )
        )
        return timezone
    # Group consecutive years that follow the same rule into one component with an RRULE.
    groups: list[tuple[tuple[Any, ...], list[Transition]]] = []
    for _year, change in changes:
        rule = _rule(change)
        for existing, members in groups:
            if existing == rule and members[-1].at.year == change.at.year - 1:
                members.append(change)
                break
        else:
            groups.append((rule, [change]))
    groups.sort(key=lambda group: group[1][0].at)
    last_year = span[-1]
    for rule, members in groups:
        month, byday, _wall, before, after, tzname, dst = rule
        rrule = None
        if len(members) > 1 or members[-1].at.year == last_year:
            rrule = vRecur(FREQ="YEARLY", BYMONTH=month, BYDAY=byday)
            if members[-1].at.year != last_year:
                rrule["UNTIL"] = [members[-1].at.astimezone(dt.UTC)]
        timezone.add_component(
            _observance(
                TimezoneDaylight if dst else TimezoneStandard,
                start=(members[0].at + before).replace(tzinfo=None),
                before=before,
                after=after,
                name=tzname,
                rrule=rrule,
            )
        )
    return timezone


# --- VEVENT -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """What one VEVENT says; `uid` is already global (`<uuid>@<host>`)."""

    uid: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    summary: str
    sequence: int = 0
    description: str = ""
    location: str = ""
    url: str = ""
    categories: Sequence[str] = ()
    cancelled: bool = False
    last_modified: dt.datetime | None = None


_CONFIRMED = vText("CONFIRMED")
_CANCELLED = vText("CANCELLED")


def vevent(item: Item, *, zone: ZoneInfo, stamp: dt.datetime) -> bytes:
    """One VEVENT as `icalendar` writes it (escaped, folded, CRLF-terminated).

    Values are typed here (vText, vDatetime...) rather than through `Event.add`, whose type
    inference doubles the cost; the properties keep this order (`to_ical(sorted=False)`)."""
    summary = item.summary
    if item.cancelled:
        summary = _("CANCELLED: %(title)s", title=summary)
    event = icalendar.Event()  # not `Event`: that is our event model here
    event["UID"] = vText(item.uid)
    event["DTSTAMP"] = vDatetime(stamp.astimezone(dt.UTC))
    event["DTSTART"] = vDatetime(item.starts_at.astimezone(zone))  # TZID from the zone
    event["DTEND"] = vDatetime(item.ends_at.astimezone(zone))
    event["SEQUENCE"] = vInt(int(item.sequence))
    event["SUMMARY"] = vText(printable(summary))
    if item.last_modified is not None:
        event["LAST-MODIFIED"] = vDatetime(item.last_modified.astimezone(dt.UTC))
    if item.location:
        event["LOCATION"] = vText(printable(item.location))
    if item.description:
        event["DESCRIPTION"] = vText(printable(item.description))
    categories = [printable(c) for c in item.categories if c]
    if categories:
        event["CATEGORIES"] = vCategory(categories)
    event["STATUS"] = _CANCELLED if item.cancelled else _CONFIRMED
    if item.url:
        event["URL"] = vUri(item.url)
    return event.to_ical(sorted=False)  # type: ignore[no-any-return]


def document(
    *,
    name: str,
    timezone: str,
    vtimezones: Iterable[Timezone],
    vevents: Iterable[bytes],
    method: str | None = None,
    refresh: bool = True,
) -> bytes:
    """A VCALENDAR: `icalendar` writes the calendar and its VTIMEZONEs; the VEVENTs, already
    written by `vevent` (and cached by the feeds, once per release), are spliced in before its
    last line, so that a feed of 1,000 sessions does not serialise 1,000 components again.

    No METHOD unless asked for: a feed is a calendar to subscribe to, not an iTIP message
    (RFC 5545 3.7.2: without METHOD "a scheduling transaction MUST NOT be assumed"). With
    METHOD:PUBLISH, RFC 5546 requires an ORGANIZER on every VEVENT, and libical (Evolution,
    GNOME Calendar) flags each event without one."""
    calendar = Calendar()
    calendar["VERSION"] = vText("2.0")
    calendar["PRODID"] = vText(PRODID)
    calendar["CALSCALE"] = vText("GREGORIAN")
    if method:
        calendar["METHOD"] = vText(method)
    name = printable(name)
    calendar["X-WR-CALNAME"] = vText(name)
    if refresh:
        calendar["NAME"] = vText(name)
        calendar["REFRESH-INTERVAL"] = vDuration(REFRESH, params={"VALUE": "DURATION"})
        calendar["X-PUBLISHED-TTL"] = vDuration(REFRESH)
    calendar["X-WR-TIMEZONE"] = vText(timezone)
    for part in vtimezones:
        calendar.add_component(part)
    head = calendar.to_ical(sorted=False)
    if not head.endswith(END):  # icalendar always ends a component with its END line
        raise RuntimeError("unexpected end of VCALENDAR")
    return b"".join((head[: -len(END)], *vevents, END))


# --- the release mails ------------------------------------------------------------------------


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
    """One VCALENDAR with a VEVENT per snapshot entry.

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
    years = {event.starts_on.year, event.ends_on.year}
    items = []
    for entry in entries:
        starts_at, ends_at = _instant(entry["starts_at"]), _instant(entry["ends_at"])
        years |= {starts_at.astimezone(zone).year, ends_at.astimezone(zone).year}
        items.append(
            Item(
                uid=f"{entry['uid']}@{host}",
                starts_at=starts_at,
                ends_at=ends_at,
                summary=summary_of(entry),
                sequence=int(entry.get("sequence") or 0),
                description=_description(entry, titles),
                location=location_of(entry.get("room") or "", event.venue),
                url=(url(entry) if url is not None else None) or "",
                categories=[entry["track"]] if entry.get("track") else [],
                cancelled=entry.get("status") == "cancelled",
            )
        )
    return document(
        name=name or event.name,
        timezone=event.timezone,
        vtimezones=[vtimezone(event.timezone, years)],
        vevents=[vevent(item, zone=zone, stamp=stamp) for item in items],
        method=method,
        refresh=False,
    )


def _instant(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:  # the snapshot writes UTC; be safe with a bare value
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def location_of(room: str, venue: str) -> str:
    return ", ".join(part for part in (room or "", venue or "") if part)


def summary_of(entry: Entry) -> str:
    """A session's title, or for an untitled plenary item or block its kind's name."""
    title = (entry.get("title") or "").strip()
    if title:
        return title
    if entry.get("plenary_kind") in PlenaryKind._value2member_map_:
        return str(PlenaryKind(entry["plenary_kind"]).label)
    if entry.get("container_kind") in ContainerKind._value2member_map_:
        return str(ContainerKind(entry["container_kind"]).label)
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
