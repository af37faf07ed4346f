"""The printed programme: a PDF booklet of the latest release, made with WeasyPrint.

`render(event, edition=..., now=...)` is the one function that renders; callers never touch
WeasyPrint, so a job queue can take the work over later without changing them. The PDF is
cached on disk (PRINT_CACHE_DIR) under a key made of everything it shows: the release,
the print settings, the edition, the host of the links in it, the event's texts, the rooms'
accessibility details and the language. A new release or a changed setting makes a new key;
a hit returns the file as it is.

Layout (CSS Paged Media, static/css/print/booklet.css): a cover without header or footer, a
table of contents whose page numbers come from `target-counter()`, running headers with the day
(`string-set`), page numbers in the bottom margin box, PDF bookmarks for every section and day,
and a speaker index whose page numbers are `target-counter()` links to the sessions. Fonts come
from static/fonts (embedded, subset), so names in Latin, Greek, Cyrillic, Arabic, Devanagari and
CJK scripts print. The PDF is tagged (PDF/UA-1) with its title and language.

Why the overview grid is made of blocks, not a table. Measured with WeasyPrint 70 on the
development machine (2 cores shared with other jobs, so +-20 %), 300 rows of a time column and
5 room cells of two lines (1,500 cells): `<table>` 6.0 s (31 pages), CSS grid rows 9.0 s, flex
rows 9.5 s, float cells 5.6 s, inline-block cells 5.5 s (14 pages each: no cell padding and
borders). Per cell the table costs about as much as inline blocks, but it measures every cell
twice and needs twice the pages here; grid and flex are the slowest. The grid therefore uses
fixed-width inline-block cells in rows that do not break inside, and rooms beyond five go to
another set of pages (`ROOMS_PER_PAGE`), so columns stay readable for any number of rooms.

A synthetic 1,000-session event (25 rooms, 3 days), cold: 169 pages in about 50 s and 750 MB
peak (the process); from the cache 0.06 s. By section (render + write, seconds): sessions
(130 pages) 30 + 10 with inline-block gutters, 23 + 6 with a floated time column (kept);
overview (23 pages) 8.5 + 2.9; speaker index (14 pages, 1,000+ `target-counter`s in two
columns) 6.6 + 1.7; notes 0.3 + 0.1. Writing is slow mostly because of PDF/UA tagging.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from organizer.errors import NotFound
from organizer.extensions import db
from organizer.models import Event, PrintSettings, Room
from organizer.services.files import write_atomically
from organizer.services.mail import external_url
from organizer.services.print.pdf import pdf_of
from organizer.services.public_schedule import (
    PublicSchedule,
    PublicSession,
    Stamp,
    kind_of,
    public_schedule_of,
    stamp_of,
    title_of,
)
from organizer.services.text import render_markdown
from organizer.services.timefmt import event_date_range

FORMAT_VERSION = 3  # bump when templates or stylesheet change what a cached PDF looks like
SECTIONS = {
    "welcome": _l("Welcome and code of conduct"),
    "qr": _l("Live schedule (QR codes)"),
    "overview": _l("Overview per day"),
    "sessions": _l("Sessions"),
    "speakers": _l("Speaker index"),
    "rooms": _l("Rooms and accessibility"),
    "notes": _l("Notes"),
}
DEFAULT_SECTIONS: tuple[str, ...] = tuple(SECTIONS)
EDITIONS = ("standard", "large")
PAPERS = ("a4", "letter")
ROOMS_PER_PAGE = 5  # overview columns per page; more rooms continue on further pages


@dataclass(frozen=True)
class Options:
    """An event's print settings, or the defaults when the organizers never set them."""

    paper: str = "a4"
    sections: tuple[str, ...] = DEFAULT_SECTIONS
    notes_pages: int = 1


def settings_of(event: Event) -> Options:
    row = db.session.scalar(select(PrintSettings).where(PrintSettings.event_id == event.id))
    if row is None:
        return Options()
    sections = tuple(key for key in (row.sections or []) if key in SECTIONS)
    return Options(
        paper=row.paper if row.paper in PAPERS else "a4",
        sections=sections,
        notes_pages=max(0, min(int(row.notes_pages or 0), 20)),
    )


@dataclass
class Entry:
    """A session as the booklet prints it."""

    session: PublicSession
    title: str
    kind: str
    start: str  # HH:MM in the event's zone
    end: str
    anchor: str
    children: list[Entry] = field(default_factory=list)


@dataclass
class Day:
    date: dt.date
    label: str  # e.g. "Saturday 27 March"
    anchor: str
    entries: list[Entry]  # top-level sessions in time order, a block's talks in `children`
    url: str = ""
    qr: Markup = field(default_factory=Markup)
    rows: list[Row] = field(default_factory=list)  # overview


def _clock(moment: dt.datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M")


def _days(schedule: PublicSchedule, zone: ZoneInfo) -> list[Day]:
    entries: dict[str, Entry] = {}
    for session in schedule.sessions:
        entries[session.uid] = Entry(
            session=session,
            title=title_of(session),
            kind=kind_of(session),
            start=_clock(session.starts_at, zone),
            end=_clock(session.ends_at, zone),
            anchor=f"s-{session.uid}",
        )
    by_day: dict[dt.date, list[Entry]] = defaultdict(list)
    for session in schedule.sessions:
        entry = entries[session.uid]
        if session.parent and session.parent in entries:
            entries[session.parent].children.append(entry)
        else:
            by_day[session.starts_at.astimezone(zone).date()].append(entry)
    days = []
    for date in sorted(by_day):
        day_entries = sorted(
            by_day[date], key=lambda e: (e.session.starts_at, e.session.room, e.title)
        )
        for entry in day_entries:
            entry.children.sort(key=lambda e: (e.session.starts_at, e.title))
        days.append(
            Day(
                date=date,
                label=format_date(date, "EEEE d MMMM"),
                anchor=f"day-{date.isoformat()}",
                entries=day_entries,
            )
        )
    return days


@dataclass
class Row:
    """A row of a day's overview: a start time, the sessions for all rooms (plenary items,
    breaks: one wide cell) and a list of sessions per room."""

    start: str
    wide: list[Entry]
    cells: list[list[Entry]]


def _overview(day: Day, room_ids: list[int]) -> list[Row]:
    """Rows of the day's grid, one per start time."""
    rows: dict[str, Row] = {}
    column = {room_id: i for i, room_id in enumerate(room_ids)}
    for entry in day.entries:
        row = rows.get(entry.start)
        if row is None:
            row = rows[entry.start] = Row(entry.start, [], [[] for _ in room_ids])
        if entry.session.all_rooms or entry.session.room_id not in column:
            row.wide.append(entry)
        else:
            row.cells[column[entry.session.room_id]].append(entry)
    return list(rows.values())


def _qr(url: str, scale: int) -> Markup:
    import segno  # QR codes, 1 MiB resident: loaded where one is drawn

    svg = segno.make(url, error="m").svg_inline(scale=scale, border=2, dark="#000")
    return Markup(svg)  # noqa: S704 - segno's own markup; the URL inside is escaped by segno


def _speakers(schedule: PublicSchedule, entries: dict[str, Entry]) -> list[tuple[str, list[Entry]]]:
    found: dict[int, tuple[str, list[Entry]]] = {}
    for session in schedule.sessions:
        for ref in session.speakers:
            found.setdefault(ref.id, (ref.name, []))[1].append(entries[session.uid])
    return sorted(found.values(), key=lambda item: (item[0].casefold(), item[0]))


def _context(event: Event, schedule: PublicSchedule, options: Options, edition: str) -> dict:  # type: ignore[type-arg]
    zone = ZoneInfo(event.timezone)
    days = _days(schedule, zone)
    used = {s.room_id for s in schedule.sessions if s.room_id is not None}
    rooms = [room for room in schedule.rooms if room.id in used] or list(schedule.rooms)
    room_ids = [room.id for room in rooms]
    groups = [rooms[i : i + ROOMS_PER_PAGE] for i in range(0, len(rooms), ROOMS_PER_PAGE)]
    for day in days:
        day.url = external_url("public_schedule.schedule", event_slug=event.slug, day=day.date)
        if "qr" in options.sections:
            day.qr = _qr(day.url, 5 if edition == "large" else 4)
        if "overview" in options.sections:
            day.rows = _overview(day, room_ids)
    entries: dict[str, Entry] = {}
    for day in days:
        for entry in day.entries:
            entries[entry.session.uid] = entry
            for child in entry.children:
                entries[child.session.uid] = child
    return {
        "event": event,
        "schedule": schedule,
        "options": options,
        "edition": edition,
        "sections": [key for key in options.sections if key in SECTIONS],
        "labels": SECTIONS,
        "days": days,
        "rooms": rooms,
        "room_groups": [(i * ROOMS_PER_PAGE, group) for i, group in enumerate(groups)],
        "speakers": _speakers(schedule, entries),
        "welcome": render_markdown(event.description, heading_offset=2),
        "conduct": render_markdown(event.code_of_conduct, heading_offset=2),
        "dates": event_date_range(event),
        "schedule_url": external_url("public_schedule.schedule", event_slug=event.slug),
        "lang": str(get_locale() or "en"),
        "released_at": schedule.release.released_at.astimezone(zone),
    }


def room_facts(event: Event) -> list[list[object]]:
    """What the printed pages show of the event's rooms (one query), for cache keys."""
    rows = db.session.execute(
        select(
            Room.id,
            Room.name,
            Room.position,
            Room.capacity,
            Room.step_free,
            Room.hearing_loop,
            Room.captioning,
            Room.accessibility_notes,
        )
        .where(Room.event_id == event.id)
        .order_by(Room.position, Room.name)
    )
    return [list(row) for row in rows]


def cache_key(event: Event, stamp: Stamp, options: Options, edition: str) -> str:
    """Everything a booklet shows, hashed: the same key means the same PDF. Made from the
    release's id and time (a release never changes) and a few small rows, so that a cached
    booklet (or a 304) does not build the public schedule."""
    parts = {
        "format": FORMAT_VERSION,
        "event": event.id,
        "release": [stamp.release_id, stamp.number, *stamp.identity],  # time and digest
        "paper": options.paper,
        "sections": list(options.sections),
        "notes": options.notes_pages,
        "edition": edition,
        "host": urlsplit(external_url("public_schedule.schedule", event_slug=event.slug)).netloc,
        "event_updated": event.updated_at.isoformat(),
        "texts": [event.name, event.venue, event.description, event.code_of_conduct],
        "rooms": room_facts(event),
        "lang": str(get_locale() or "en"),
    }
    raw = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(raw).hexdigest()[:32]


def cache_dir() -> Path:
    folder = Path(current_app.config["PRINT_CACHE_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass(frozen=True)
class Booklet:
    key: str  # the cache key, also the ETag
    pdf: bytes
    pages: int
    cached: bool


def _key_and_paths(event: Event, edition: str) -> tuple[str, Path, Path]:
    """NotFound before the first release or for an unknown edition."""
    if edition not in EDITIONS:
        raise NotFound(_("There is no such edition of the programme."))
    stamp = stamp_of(event)
    if stamp is None:
        raise NotFound(_("The programme has not been published yet."))
    key = cache_key(event, stamp, settings_of(event), edition)
    folder = cache_dir()
    return key, folder / f"{event.id}-{key}.pdf", folder / f"{event.id}-{key}.pages"


def _latest_pointer(event: Event, edition: str) -> Path:
    """Names the last booklet rendered for this edition and language: what a visitor can
    have while the next one is being prepared."""
    return cache_dir() / f"{event.id}-{edition}-{get_locale() or 'en'}.latest"


def _read(key: str, path: Path, pages_path: Path) -> Booklet | None:
    if path.is_file() and pages_path.is_file():
        return Booklet(key, path.read_bytes(), int(pages_path.read_text() or 0), cached=True)
    return None


def cached_booklet(event: Event, *, edition: str = "standard") -> Booklet | None:
    """The booklet if it has been rendered, else None (without rendering it: a web request
    hands that to the queue, see print/preparation.py)."""
    return _read(*_key_and_paths(event, edition))


def previous_booklet(event: Event, *, edition: str = "standard") -> Booklet | None:
    """The last booklet rendered of this edition in this language (an earlier release's, or
    earlier settings'), if its file is still there."""
    pointer = _latest_pointer(event, edition)
    if not pointer.is_file():
        return None
    key = pointer.read_text().strip()
    folder = cache_dir()
    return _read(key, folder / f"{event.id}-{key}.pdf", folder / f"{event.id}-{key}.pages")


def booklet(event: Event, *, edition: str = "standard", now: dt.datetime) -> Booklet:
    """The booklet with its cache key (for ETags), rendered when it is not in the cache.
    NotFound before the first release or for an unknown edition."""
    key, path, pages_path = _key_and_paths(event, edition)
    found = _read(key, path, pages_path)
    if found is not None:
        return found
    schedule = public_schedule_of(event)
    if schedule is None or not schedule.sessions:
        raise NotFound(_("The programme has not been published yet."))
    html = render_template(
        "print/booklet.html",
        now=now,
        **_context(event, schedule, settings_of(event), edition),
    )
    pdf, pages = pdf_of(html)
    write_atomically(pages_path, str(pages).encode())
    write_atomically(path, pdf)
    write_atomically(_latest_pointer(event, edition), key.encode())
    return Booklet(key, pdf, pages, cached=False)


def render(event: Event, *, edition: str = "standard", now: dt.datetime) -> bytes:
    """The booklet as PDF bytes, from the cache when nothing it shows has changed."""
    return booklet(event, edition=edition, now=now).pdf
