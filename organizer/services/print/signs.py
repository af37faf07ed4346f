"""Room signs: one page per room and day of the latest release, in large type, for the door.

Rendered with WeasyPrint from `templates/print/signs.html` on the booklet's paper, fetching
only files under `static/` (fonts and the stylesheet), and kept on disk in the booklet's cache
folder: the file's name is a hash of everything the pages show (the release and its snapshot,
the rooms, the paper, the host and the language), so a new release or a print setting gives a
new file and the same ones are read back without rendering.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import render_template
from flask_babel import get_locale

from organizer.models import Event, Room
from organizer.services.files import write_atomically
from organizer.services.mail import external_url
from organizer.services.print import booklet, pdf
from organizer.services.public_schedule import (
    PublicSchedule,
    PublicSession,
    public_schedule_of,
    stamp_of,
    title_of,
)


@dataclass(frozen=True)
class SignPage:
    room: Room
    day: dt.date
    sessions: list[PublicSession]


def paper_of(event: Event) -> str:
    return booklet.settings_of(event).paper


def pages_of(schedule: PublicSchedule) -> list[SignPage]:
    """Every room's sessions of every day, in time order: its own sessions (a block's talks
    after the block) and the items held in all rooms."""
    zone = ZoneInfo(schedule.event.timezone)
    pages = []
    for day in schedule.days():
        of_day = [s for s in schedule.sessions if s.starts_at.astimezone(zone).date() == day]
        for room in schedule.rooms:
            here = [s for s in of_day if s.all_rooms or s.room_id == room.id]
            here.sort(key=lambda s: (s.starts_at, s.parent is not None, s.ends_at))
            pages.append(SignPage(room=room, day=day, sessions=here))
    return pages


# Bump when the template or stylesheet change what a cached file looks like.
FORMAT_VERSION = 2


def _key(event: Event, paper: str) -> str | None:
    """What the signs depend on, hashed; None before the first release."""
    stamp = stamp_of(event)
    if stamp is None:
        return None
    # A release never changes: its time and digest stand for its sessions (its id alone may
    # repeat in a recreated database), so the key (and a 304) needs no snapshot.
    facts = {
        "kind": "signs",
        "format": FORMAT_VERSION,
        "event": [event.id, event.slug, event.name, event.timezone],
        "release": [stamp.release_id, stamp.number, *stamp.identity],  # time and digest
        "rooms": booklet.room_facts(event),
        "paper": paper,
        "host": urlsplit(external_url("public_schedule.schedule", event_slug=event.slug)).netloc,
        "locale": str(get_locale() or "en"),
    }
    text = json.dumps(facts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def key_of(event: Event) -> str | None:
    """The signs' cache key (their ETag), from a few small queries; None before a release."""
    return _key(event, paper_of(event))


def render_html(schedule: PublicSchedule, paper: str) -> str:
    return render_template(
        "print/signs.html",
        event=schedule.event,
        schedule=schedule,
        pages=pages_of(schedule),
        paper=paper,
        title_of=title_of,
        zone=schedule.event.timezone,
    )


def _path(event: Event, key: str) -> Path:
    return booklet.cache_dir() / f"signs-{event.id}-{key}.pdf"


def _latest_pointer(event: Event) -> Path:
    return booklet.cache_dir() / f"signs-{event.id}-{get_locale() or 'en'}.latest"


def cached_signs(event: Event) -> tuple[Path, str] | None:
    """The signs' file and key if they have been rendered (without rendering them)."""
    key = key_of(event)
    if key is None or not _path(event, key).is_file():
        return None
    return _path(event, key), key


def previous_signs(event: Event) -> tuple[Path, str] | None:
    """The last signs rendered in this language, if the file is still there."""
    pointer = _latest_pointer(event)
    if not pointer.is_file():
        return None
    key = pointer.read_text().strip()
    return (_path(event, key), key) if _path(event, key).is_file() else None


def signs_path(event: Event) -> tuple[Path, str] | None:
    """The cached file of the event's signs, rendered first when missing, and its cache key
    (an ETag); None before the first release."""
    paper = paper_of(event)
    key = _key(event, paper)
    if key is None:
        return None
    path = _path(event, key)
    if not path.is_file():
        schedule = public_schedule_of(event)
        if schedule is None:
            return None
        data, _pages = pdf.pdf_of(render_html(schedule, paper))
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, data)
        write_atomically(_latest_pointer(event), key.encode())
    return path, key


def render(event: Event) -> bytes | None:
    """The signs as PDF bytes (from the cache when they are there); None before a release."""
    found = signs_path(event)
    return None if found is None else found[0].read_bytes()
