"""Read helpers for the public schedule pages: filters, the grid of a day, the list view,
now/next, overlaps among starred sessions, the visitor's time zone and "add to calendar" links.

Everything here works on a `PublicSchedule` already read (`public_schedule_of`) and runs no
query, so a page costs the same number of queries whatever the size of the schedule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from organizer.services.public_schedule import PublicSchedule, PublicSession

_ZONES: set[str] | None = None


def valid_zone(name: str | None) -> str | None:
    """The IANA zone `name` if it is one zoneinfo knows, else None (never raises)."""
    global _ZONES  # read once: the list does not change while running
    if not name or len(name) > 64:
        return None
    if _ZONES is None:
        _ZONES = available_timezones()
    if name not in _ZONES:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


@dataclass(frozen=True)
class Filters:
    track: str = ""  # track slug
    room: str = ""  # room slug
    type: int | None = None  # session type id

    @property
    def active(self) -> bool:
        return bool(self.track or self.room or self.type)

    def as_args(self) -> dict[str, str]:
        args = {"track": self.track, "room": self.room, "type": str(self.type or "")}
        return {key: value for key, value in args.items() if value}


def filters_of(schedule: PublicSchedule, args: dict[str, str]) -> Filters:
    """The filters asked for in the query string; unknown values are dropped, not errors."""
    track = args.get("track", "")
    room = args.get("room", "")
    raw_type = args.get("type", "")
    type_id = int(raw_type) if raw_type.isascii() and raw_type.isdigit() else None  # not "²"
    return Filters(
        track=track if any(t.slug == track for t in schedule.tracks) else "",
        room=room if any(r.slug == room for r in schedule.rooms) else "",
        type=type_id if any(t.id == type_id for t in schedule.session_types) else None,
    )


def apply(schedule: PublicSchedule, filters: Filters) -> list[PublicSession]:
    """The sessions that pass the filters. Plenary items (breaks, keynotes) in all rooms stay
    when only a track or type is chosen, so the day keeps its shape."""
    track_id = next((t.id for t in schedule.tracks if t.slug == filters.track), None)
    room_id = next((r.id for r in schedule.rooms if r.slug == filters.room), None)
    result = []
    for session in schedule.sessions:
        if room_id is not None and session.room_id != room_id and not session.all_rooms:
            continue
        if track_id is not None and session.track_id != track_id and session.kind == "talk":
            continue
        if (
            filters.type is not None
            and session.session_type_id != filters.type
            and session.kind == "talk"
        ):
            continue
        result.append(session)
    return result


def local_day(session: PublicSession, zone: ZoneInfo) -> dt.date:
    return session.starts_at.astimezone(zone).date()


def pick_day(days: list[dt.date], raw: str | None, today: dt.date | None = None) -> dt.date | None:
    """The day asked for (?day=YYYY-MM-DD) if it has sessions, else today during the event,
    else the first day."""
    if not days:
        return None
    try:
        wanted = dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        wanted = None
    if wanted in days:
        return wanted
    if today in days:
        return today
    return days[0]


@dataclass
class Cell:
    session: PublicSession
    rowspan: int = 1
    colspan: int = 1
    children: list[PublicSession] = field(default_factory=list)
    also: list[PublicSession] = field(default_factory=list)  # overlapping in the same room


@dataclass
class Row:
    starts_at: dt.datetime
    ends_at: dt.datetime
    cells: list[Cell | str | None]  # a Cell, None (empty), or "covered" by a cell above/left


@dataclass
class Grid:
    rooms: list  # Room rows, the columns
    rows: list[Row]


COVERED = "covered"


def grid(
    schedule: PublicSchedule, sessions: list[PublicSession], day: dt.date, zone: ZoneInfo
) -> Grid:
    """A day as a table: rooms as columns, one row per interval between session boundaries
    (every start or end time that day). A session spans the rows it lasts; an all-rooms item
    spans every column; a block's talks are listed inside the block's cell."""
    rooms = list(schedule.rooms)
    column = {room.id: index for index, room in enumerate(rooms)}
    todays = [s for s in sessions if local_day(s, zone) == day]
    top = [s for s in todays if s.parent is None]
    children: dict[str, list[PublicSession]] = {}
    for session in todays:
        if session.parent is not None:
            children.setdefault(session.parent, []).append(session)
    bounds = sorted({s.starts_at for s in top} | {s.ends_at for s in top})
    index = {moment: i for i, moment in enumerate(bounds)}
    rows = [Row(start, end, [None] * len(rooms)) for start, end in pairwise(bounds)]
    if not rooms:
        return Grid(rooms, rows)
    for session in sorted(top, key=lambda s: (s.starts_at, not s.all_rooms, s.title)):
        first, last = index[session.starts_at], index[session.ends_at]
        if last <= first:
            continue
        if session.all_rooms or session.room_id not in column:
            columns = range(len(rooms))
        else:
            columns = range(column[session.room_id], column[session.room_id] + 1)
        occupied = rows[first].cells[columns[0]]
        if occupied is not None:
            if isinstance(occupied, Cell):
                occupied.also.append(session)
            continue  # a clash in a release: shown inside the first session's cell
        cell = Cell(
            session,
            rowspan=last - first,
            colspan=len(columns),
            children=children.get(session.uid, []),
        )
        for r in range(first, last):
            for c in columns:
                if rows[r].cells[c] is None:
                    rows[r].cells[c] = COVERED
        rows[first].cells[columns[0]] = cell
    return Grid(rooms, rows)


def by_day(sessions: Iterable[PublicSession], zone: ZoneInfo) -> list[tuple[dt.date, list]]:
    """Sessions grouped by their day in `zone`, each day in start order, a block's talks right
    after their block (not after whatever starts in another room between its talks)."""
    sessions = list(sessions)
    order = {s.uid: i for i, s in enumerate(sessions)}  # release order: time, room, title
    blocks = {s.uid: s for s in sessions if s.children}

    def place(s: PublicSession) -> tuple[dt.datetime, int, int, dt.datetime]:
        block = blocks.get(s.parent or "")
        if block is None:
            return (s.starts_at, order[s.uid], 0, s.starts_at)
        return (block.starts_at, order[block.uid], 1, s.starts_at)

    groups: dict[dt.date, list[PublicSession]] = {}
    for session in sorted(sessions, key=place):
        groups.setdefault(local_day(session, zone), []).append(session)
    return sorted(groups.items())


def time_anchor(moment: dt.datetime, zone: str) -> str:
    """The id of the schedule's row (or first list item) of a start time, e.g. "t-0930"."""
    return "t-" + moment.astimezone(ZoneInfo(zone)).strftime("%H%M")


def now_anchor(
    sessions: Iterable[PublicSession], day: dt.date | None, now: dt.datetime, zone: str
) -> str | None:
    """Where "Jump to now" goes on `day`, if that is today: the row of the last start up to
    now (else the first of the day). None on other days."""
    tz = ZoneInfo(zone)
    if day is None or now.astimezone(tz).date() != day:
        return None
    starts = sorted({s.starts_at for s in sessions if local_day(s, tz) == day})
    if not starts:
        return None
    begun = [start for start in starts if start <= now]
    return time_anchor(begun[-1] if begun else starts[0], zone)


@dataclass(frozen=True)
class NowNext:
    now: list[PublicSession]
    next: list[PublicSession]


def now_next(schedule: PublicSchedule, now: dt.datetime) -> NowNext | None:
    """What runs now and what starts next, only while the event is on (from the start of its
    first session's day to the end of its last session)."""
    top = [s for s in schedule.sessions if s.parent is None]
    if not top:
        return None
    zone = ZoneInfo(schedule.event.timezone)
    first = min(s.starts_at for s in top).astimezone(zone)
    day_start = dt.datetime.combine(first.date(), dt.time(), tzinfo=zone)
    end = max(s.ends_at for s in top)
    if not (day_start <= now < end):
        return None
    running = [s for s in top if s.starts_at <= now < s.ends_at]
    upcoming = [s for s in top if s.starts_at > now]
    soonest = min((s.starts_at for s in upcoming), default=None)
    return NowNext(running, [s for s in upcoming if s.starts_at == soonest])


@dataclass(frozen=True)
class Clash:
    first: PublicSession
    second: PublicSession


def clashes(sessions: list[PublicSession]) -> list[Clash]:
    """Pairs of starred sessions that overlap in time. A block and its own talks, or two talks
    of one block (they share the block's times but follow each other), are not clashes."""
    ordered = sorted(sessions, key=lambda s: (s.starts_at, s.ends_at, s.title))
    result = []
    for i, one in enumerate(ordered):
        for other in ordered[i + 1 :]:
            if other.starts_at >= one.ends_at:
                break
            if other.ends_at <= one.starts_at:
                continue
            if one.uid in (other.parent,) or other.uid in (one.parent,):
                continue
            if one.parent is not None and one.parent == other.parent:
                continue
            result.append(Clash(one, other))
    return result


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _details(session: PublicSession, url: str) -> str:
    lines = []
    if session.speakers:
        lines.append(", ".join(p.name for p in session.speakers))
    if session.abstract:
        lines.append(session.abstract)
    lines.append(url)
    return "\n\n".join(lines)


def _location(session: PublicSession, schedule: PublicSchedule, all_rooms: str) -> str:
    room = all_rooms if session.all_rooms else session.room
    venue = schedule.event.venue or ""
    return ", ".join(part for part in (room, venue) if part)


def google_link(session: PublicSession, schedule: PublicSchedule, url: str, all_rooms: str) -> str:
    query = {
        "action": "TEMPLATE",
        "text": session.title,
        "dates": f"{_stamp(session.starts_at)}/{_stamp(session.ends_at)}",
        "details": _details(session, url),
        "location": _location(session, schedule, all_rooms),
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query)


def outlook_link(session: PublicSession, schedule: PublicSchedule, url: str, all_rooms: str) -> str:
    def iso(moment: dt.datetime) -> str:
        return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": session.title,
        "startdt": iso(session.starts_at),
        "enddt": iso(session.ends_at),
        "body": _details(session, url),
        "location": _location(session, schedule, all_rooms),
    }
    return "https://outlook.office.com/calendar/0/deeplink/compose?" + urlencode(query)


def webcal(url: str) -> str:
    """The webcal:// form of an http(s) feed address (calendar apps subscribe to it)."""
    for scheme in ("https://", "http://"):
        if url.startswith(scheme):
            return "webcal://" + url[len(scheme) :]
    return url


def safe_website(url: str) -> str:
    """A speaker's website only when it is an http(s) address."""
    url = (url or "").strip()
    return url if url.lower().startswith(("https://", "http://")) else ""


def released_codes(schedule: PublicSchedule | None) -> set[str]:
    if schedule is None:
        return set()
    return {s.code for s in schedule.sessions if s.code}


def starred_sessions(schedule: PublicSchedule, codes: set[str]) -> list[PublicSession]:
    return [s for s in schedule.sessions if s.code in codes]
