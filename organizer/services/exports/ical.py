"""iCalendar (RFC 5545): the speakers' release mails and the attendees' feeds.

Two entry points:

- `calendar(entries, ...)` takes snapshot entries of a release (see
  `services.scheduling.releases.snapshot`) and returns one VCALENDAR (the release mails attach
  one session);
- `vevent(item, ...)`, `vtimezone(zone, years)` and `document(...)` are the parts the feeds
  (`services.feeds`) assemble: each session's VEVENT is written once per release and reused by
  every feed that holds it.

The writer is our own, small and fast (a thousand VEVENTs in a few milliseconds, where building
`icalendar` components takes about 400 ms); the `icalendar` package reads every feed back in the
tests, and ical.js (Thunderbird's parser) too. It follows the RFC: CRLF line ends, lines folded
at 75 octets without splitting a UTF-8 character or an escape, TEXT values escaped (backslash,
semicolon, comma, newline).

VTIMEZONE: `vtimezone` writes yearly rules (RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU), derived
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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from organizer.enums import ContainerKind, PlenaryKind
from organizer.models import Event

PRODID = "-//organizer//schedule//EN"
CRLF = "\r\n"

Entry = Mapping[str, Any]


# --- wire format ------------------------------------------------------------------------------


def text(value: str) -> str:
    """A TEXT value escaped per RFC 5545 3.3.11 (newlines of any kind become \\n)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """One content line, folded at 75 octets (CRLF + space), never inside a UTF-8 character
    or between a backslash and the character it escapes; ends with CRLF."""
    data = line.encode()
    if len(data) <= 75:
        return line + CRLF
    parts: list[bytes] = []
    start, limit = 0, 75
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: step back
            end -= 1
        if data[end - 1] == 0x5C:  # do not leave an escaping backslash at a line's end
            backslashes = 0
            cursor = end - 1
            while cursor >= start and data[cursor] == 0x5C:
                backslashes += 1
                cursor -= 1
            if backslashes % 2:
                end -= 1
        parts.append(data[start:end])
        start, limit = end, 74  # the leading space of a continuation line counts
    parts.append(data[start:])
    return (CRLF + " ").join(part.decode() for part in parts) + CRLF


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _local(moment: dt.datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y%m%dT%H%M%S")


def _offset(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else "+"
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")


# --- VTIMEZONE --------------------------------------------------------------------------------

_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Transition:
    at: dt.datetime  # UTC instant
    before: dt.timedelta  # offset before
    after: dt.timedelta  # offset after
    name: str  # abbreviation after
    dst: bool  # summer time after


def transitions(zone: ZoneInfo, year: int) -> list[Transition]:
    """The zone's offset changes during `year`, found hour by hour then to the second."""
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
    return found


def _rule(change: Transition) -> tuple[Any, ...]:
    """The yearly rule a transition follows: (month, BYDAY, local wall time before, offsets,
    name, dst). Days in a month's last week are counted from its end (-1SU)."""
    wall = (change.at + change.before).replace(tzinfo=None)  # the clock before it changes
    days = pycalendar.monthrange(wall.year, wall.month)[1]
    weekday = _DAYS[wall.weekday()]
    nth = f"-1{weekday}" if wall.day > days - 7 else f"{(wall.day - 1) // 7 + 1}{weekday}"
    return (wall.month, nth, wall.time(), change.before, change.after, change.name, change.dst)


def vtimezone(name: str, years: Iterable[int]) -> str:
    """A VTIMEZONE for the IANA zone `name` valid through `years` (and the year before, so
    that times before the first change of the first year are covered), with yearly rules."""
    zone = ZoneInfo(name)
    years = sorted(set(years))
    span = range(years[0] - 1, years[-1] + 1)
    changes = [(year, change) for year in span for change in transitions(zone, year)]
    lines = ["BEGIN:VTIMEZONE", f"TZID:{name}"]
    if not changes:
        moment = dt.datetime(years[0], 1, 1, tzinfo=dt.UTC).astimezone(zone)
        offset = _offset(moment.utcoffset())  # type: ignore[arg-type]
        lines += [
            "BEGIN:STANDARD",
            "DTSTART:19700101T000000",
            f"TZOFFSETFROM:{offset}",
            f"TZOFFSETTO:{offset}",
            f"TZNAME:{text(moment.tzname() or '')}",
            "END:STANDARD",
        ]
        return "".join(fold(line) for line in [*lines, "END:VTIMEZONE"])
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
        kind = "DAYLIGHT" if dst else "STANDARD"
        first = members[0]
        lines += [
            f"BEGIN:{kind}",
            f"DTSTART:{(first.at + before).strftime('%Y%m%dT%H%M%S')}",
        ]
        if len(members) > 1 or members[-1].at.year == last_year:
            until = ""
            if members[-1].at.year != last_year:
                until = f";UNTIL={_utc(members[-1].at)}"
            lines.append(f"RRULE:FREQ=YEARLY;BYMONTH={month};BYDAY={byday}{until}")
        lines += [
            f"TZOFFSETFROM:{_offset(before)}",
            f"TZOFFSETTO:{_offset(after)}",
            f"TZNAME:{text(tzname)}",
            f"END:{kind}",
        ]
    lines.append("END:VTIMEZONE")
    return "".join(fold(line) for line in lines)


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


def vevent(item: Item, *, zone: ZoneInfo, stamp: dt.datetime) -> str:
    """One VEVENT, folded, CRLF-terminated."""
    tzid = zone.key
    summary = item.summary
    if item.cancelled:
        summary = _("CANCELLED: %(title)s", title=summary)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{text(item.uid)}",
        f"DTSTAMP:{_utc(stamp)}",
        f"DTSTART;TZID={tzid}:{_local(item.starts_at, zone)}",
        f"DTEND;TZID={tzid}:{_local(item.ends_at, zone)}",
        f"SEQUENCE:{int(item.sequence)}",
        f"SUMMARY:{text(summary)}",
    ]
    if item.last_modified is not None:
        lines.append(f"LAST-MODIFIED:{_utc(item.last_modified)}")
    if item.location:
        lines.append(f"LOCATION:{text(item.location)}")
    if item.description:
        lines.append(f"DESCRIPTION:{text(item.description)}")
    categories = [c for c in item.categories if c]
    if categories:
        lines.append("CATEGORIES:" + ",".join(text(c) for c in categories))
    lines.append("STATUS:CANCELLED" if item.cancelled else "STATUS:CONFIRMED")
    if item.url:
        lines.append(f"URL:{item.url}")
    lines.append("END:VEVENT")
    return "".join(fold(line) for line in lines)


def document(
    *,
    name: str,
    timezone: str,
    vtimezones: Iterable[str],
    vevents: Iterable[str],
    method: str | None = "PUBLISH",
    refresh: bool = True,
) -> bytes:
    """A VCALENDAR from written parts."""
    head = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
    ]
    if method:
        head.append(f"METHOD:{method}")
    head.append(f"X-WR-CALNAME:{text(name)}")
    if refresh:
        head += [
            f"NAME:{text(name)}",
            "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
            "X-PUBLISHED-TTL:PT1H",
        ]
    head.append(f"X-WR-TIMEZONE:{timezone}")
    out = ["".join(fold(line) for line in head), *vtimezones, *vevents, "END:VCALENDAR\r\n"]
    return "".join(out).encode()


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
