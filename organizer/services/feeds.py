"""What each public feed holds, and how it is cached.

Feeds (`/<event>/schedule.ics`, per track, room, speaker, session and personal agenda, and the
frab XML and JSON exports) are read from the latest release only, so they change only when a
release is made. That gives cheap caching:

- `stamp_of(event)`: one small query (the latest release's id, number and time) is all a
  conditional request needs: the ETag is a hash of (format version, event, release, feed,
  host), Last-Modified the release's time, so a 304 is answered before anything is read or
  rendered. A release is named by its time and content digest (`Stamp.identity`) as well as
  its id, in the ETag and in both caches below: ids repeat (a restored or recreated database,
  a rolled-back transaction), and a cache keyed by id alone served another event's feed.
- `prepare(event, stamp)` reads the public schedule once per release; each session's VEVENT is
  written (by `icalendar`, in `exports.ical.vevent`) the first time a feed holds it and kept as
  bytes, so that every iCal feed of that release is assembled from the same parts (a session's
  feed written first costs one VEVENT, not the whole event's). Kept in a small in-process LRU
  per (event, release and its identity, host).
- `render(...)` keeps the finished bytes of each feed in another LRU, so a repeated request
  costs a dictionary look-up.
- The whole event's feed, cold, is assembled from what the release stored (its VEVENTs, their
  order and their years) in one query, without preparing the release: at 1,000 sessions,
  building the public schedule was nine tenths of its cost.

Feeds are rendered in the site's default language, whoever asks, so that the same release
gives the same bytes (and the same ETag) to everyone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from urllib.parse import quote
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Timezone
from sqlalchemy import select
from werkzeug.routing import BuildError

from organizer.extensions import db
from organizer.models import Agenda, AgendaStar, Event, Room, ScheduleRelease, Slot
from organizer.services import mail
from organizer.services.exports import frab, ical
from organizer.services.lru import LRU
from organizer.services.public_schedule import (
    PublicSchedule,
    PublicSession,
    Stamp,
    clear_frozen,
    kind_of,
    public_schedule_of,
    title_of,
)

FORMAT_VERSION = 4  # bump when the rendering changes, so that caches and ETags change too
PREPARED_SIZE = 8
RENDERED_SIZE = 128

EVENT = "event"
XML = "xml"
JSON = "json"


def starred_uids(agenda: Agenda) -> tuple[str, ...]:
    """The calendar UIDs (slot public ids) the agenda starred, sorted (one query)."""
    return tuple(
        sorted(
            db.session.scalars(
                select(Slot.public_id)
                .join(AgendaStar, AgendaStar.slot_id == Slot.id)
                .where(AgendaStar.agenda_id == agenda.id)
            )
        )
    )


def agenda_key(uids: tuple[str, ...]) -> str:
    """A feed key for a set of starred sessions: says nothing about whose agenda it is."""
    return "agenda:" + hashlib.sha256("\n".join(uids).encode()).hexdigest()[:24]


def _locale() -> str:
    return str(current_app.config.get("BABEL_DEFAULT_LOCALE", "en"))


def _fingerprint(event: Event, stamp: Stamp | None, key: str) -> tuple[Hashable, ...]:
    return (
        FORMAT_VERSION,
        event.id,
        event.slug,
        event.name,
        event.venue,
        event.timezone,
        event.updated_at,  # bumped when a deleted account's name leaves the release
        stamp.release_id if stamp else 0,
        stamp.number if stamp else 0,
        stamp.identity if stamp else (),
        key,
        mail.calendar_host(),
        _locale(),
    )


def etag(event: Event, stamp: Stamp | None, key: str) -> str:
    """The feed's entity tag (unquoted): the same for the same release, feed and host."""
    return hashlib.sha256(repr(_fingerprint(event, stamp, key)).encode()).hexdigest()[:32]


# --- caches -----------------------------------------------------------------------------------


_prepared = LRU(PREPARED_SIZE)
_rendered = LRU(RENDERED_SIZE)


def clear_cache() -> None:
    _prepared.clear()
    _rendered.clear()
    clear_frozen()


# --- one release, prepared --------------------------------------------------------------------


@dataclass
class Prepared:
    schedule: PublicSchedule
    stamp: Stamp
    host: str
    vtimezone: Timezone
    write: Callable[[str], bytes]  # uid -> its VEVENT (sessions and cancelled ones)
    session_url: Callable[[str], str]
    base_url: str  # the site's address, the frab exports' base_url
    file_url: frab.FileUrl | None  # a material's file's absolute address (frab attachments)
    track_ids: dict[str, int] = field(default_factory=dict)  # slug -> id
    rooms: dict[str, tuple[int, str]] = field(default_factory=dict)  # slug -> (id, name)
    _vevents: dict[str, bytes] = field(default_factory=dict)

    def vevents(self, uids: list[str]) -> list[bytes]:
        """The VEVENTs of `uids`, each written once per release. Two requests writing the same
        one at once write the same bytes, so no lock is needed."""
        written = self._vevents
        missing = [uid for uid in uids if uid not in written]
        for uid in missing:
            written[uid] = self.write(uid)
        return [written[uid] for uid in uids]


def _url_maker(event: Event) -> Callable[[str], str]:
    """The session page's absolute address from its code, built once (BASE_URL, not the
    request's host, when it is set)."""
    marker = "QQQQQQ"
    try:
        template = mail.external_url("public_schedule.session", event_slug=event.slug, code=marker)
    except BuildError:  # the session pages are not installed: point at the schedule
        try:
            base = mail.external_url("public_schedule.schedule", event_slug=event.slug)
        except BuildError:
            base = mail.external_url("public.event", slug=event.slug)
        return lambda code: base
    return lambda code: template.replace(marker, code)


def _file_url_maker(event: Event) -> frab.FileUrl | None:
    """A material's file's absolute public address from the session's code, built once; None
    when the session pages are not installed."""
    code, public_id, name = "QQQQQQ", "PPPPPPPP", "NNNNNNNN.pdf"
    try:
        template = mail.external_url(
            "public_schedule.material_file",
            event_slug=event.slug,
            code=code,
            material_id=public_id,
            filename=name,
        )
    except BuildError:
        return None
    return lambda session, material: (
        template.replace(code, session)
        .replace(public_id, material.public_id)
        .replace(name, quote(material.filename))
    )


def _last_changed(event: Event, stamp: Stamp) -> dict[str, dt.datetime]:
    """uid -> the time of the latest release that changed its SEQUENCE (one query).

    LAST-MODIFIED must move whenever SEQUENCE does: a change of details only (title, abstract,
    speakers) is in no change log but grows the SEQUENCE (`release_snapshot.sequenced`), so the
    snapshots are walked, not only the change logs; a cancellation's SEQUENCE is in the change
    log. Read once per release and process (`prepare`) and when a release is made."""
    result: dict[str, dt.datetime] = {}
    sequences: dict[str, int] = {}
    rows = db.session.execute(
        select(ScheduleRelease.released_at, ScheduleRelease.sessions, ScheduleRelease.changes)
        .where(ScheduleRelease.event_id == event.id, ScheduleRelease.number <= stamp.number)
        .order_by(ScheduleRelease.number)
    )
    for released_at, sessions, changes in rows:
        moment = released_at if released_at.tzinfo else released_at.replace(tzinfo=dt.UTC)
        for entry in [*(sessions or []), *(changes or [])]:
            uid = entry["uid"]
            if "sequence" not in entry:  # a change of place: its session entry says more
                result[uid] = moment
                continue
            sequence = int(entry["sequence"])
            if sequences.get(uid) != sequence:
                sequences[uid] = sequence
                result[uid] = moment
    return result


def _item(
    session: PublicSession,
    *,
    schedule: PublicSchedule,
    host: str,
    url: Callable[[str], str],
    titles: dict[str, str],
    first: dt.datetime,
    changed: dict[str, dt.datetime],
) -> ical.Item:
    link = url(session.code) if session.code else ""
    parts: list[str] = []
    if session.abstract.strip():
        parts.append(session.abstract.strip())
    # A cancelled session's speakers are known (for their feeds) but no longer named in it.
    names = [p.name for p in session.speakers if p.name and not session.cancelled]
    if names:
        parts.append(_("Speakers: %(names)s", names=", ".join(names)))
    talks = [titles[uid] for uid in session.children if uid in titles]
    if talks:
        parts.append(_("Talks:") + "\n" + "\n".join(f"- {title}" for title in talks))
    if session.parent and session.parent in titles:
        parts.append(_("Part of: %(block)s", block=titles[session.parent]))
    if session.stream_url:
        parts.append(_("Stream: %(url)s", url=session.stream_url))
    if link:
        parts.append(link)
    return ical.Item(
        uid=f"{session.uid}@{host}",
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        summary=title_of(session),
        sequence=session.sequence,
        description="\n\n".join(parts),
        location=ical.location_of(session.room, schedule.event.venue),
        url=link,
        categories=[c for c in (session.track, kind_of(session)) if c],
        cancelled=session.cancelled,
        last_modified=changed.get(session.uid, first),
    )


def _session_years(event: Event, schedule: PublicSchedule) -> set[int]:
    """The years (in the event's zone) the release's sessions, cancelled ones too, touch."""
    zone = ZoneInfo(event.timezone)
    years: set[int] = set()
    for session in (*schedule.sessions, *schedule.cancelled):
        years.add(session.starts_at.astimezone(zone).year)
        years.add(session.ends_at.astimezone(zone).year)
    return years


def _years(event: Event, schedule: PublicSchedule | None) -> set[int]:
    years = {event.starts_on.year, event.ends_on.year}
    if schedule is not None:
        years |= _session_years(event, schedule)
    return years


def prepare(event: Event, stamp: Stamp, *, cached: bool = True) -> Prepared:
    """The release ready for feeds, kept per process (`cached`). Not cached when a release is
    being made: its transaction commits afterwards, which expires the rows a cached copy would
    hold."""
    host = mail.calendar_host()

    def make() -> Prepared:
        schedule = public_schedule_of(event)
        if schedule is None:  # the release was there a moment ago: releases are not deleted
            raise RuntimeError("no release to prepare")
        zone = ZoneInfo(event.timezone)
        url = _url_maker(event)
        changed = _last_changed(event, stamp)
        first = min(changed.values(), default=stamp.released_at)
        titles = {s.uid: title_of(s) for s in schedule.sessions}

        sessions = {s.uid: s for s in (*schedule.cancelled, *schedule.sessions)}
        stored = schedule.release.vevents or {}
        kept = stored.get("items", {}) if stored.get("key") == _stored_key(event, host) else {}

        def write(uid: str) -> bytes:  # only when an iCal feed holds the session
            if uid in kept:  # written when the release was made
                return kept[uid].encode()
            item = _item(
                sessions[uid],
                schedule=schedule,
                host=host,
                url=url,
                titles=titles,
                first=first,
                changed=changed,
            )
            return ical.vevent(item, zone=zone, stamp=stamp.released_at)

        return Prepared(
            schedule=schedule,
            stamp=stamp,
            host=host,
            vtimezone=ical.vtimezone(event.timezone, _years(event, schedule)),
            write=write,
            session_url=url,
            base_url=mail.external_url("public.home"),
            file_url=_file_url_maker(event),
            track_ids={t.slug: t.id for t in schedule.tracks if t.slug},
            rooms={
                slug: (room_id, name)
                for room_id, slug, name in db.session.execute(
                    select(Room.id, Room.slug, Room.name).where(Room.event_id == event.id)
                )
                if slug
            },  # every room: one emptied by a release keeps a (possibly empty) feed
        )

    with force_locale(_locale()):
        if not cached:
            return make()
        return _prepared.get(_prepared_key(event, stamp, host), make)  # type: ignore[no-any-return]


def _prepared_key(event: Event, stamp: Stamp, host: str) -> tuple[Hashable, ...]:
    # event.updated_at: account deletion renames the release in place and bumps it, so that
    # no worker process serves its own cached copy with the old name.
    return (event.id, stamp.release_id, stamp.identity, event.updated_at, host, _locale())


def _stored_key(event: Event, host: str) -> str:
    """What stored VEVENTs were written for: they hold the host (UIDs, links), the language and
    the event's name, venue and zone, so any change of those writes them afresh."""
    parts = (FORMAT_VERSION, host, _locale(), event.name, event.venue, event.timezone)
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def store_renderings(event: Event, release: ScheduleRelease) -> None:
    """Write every VEVENT of a new release once (with `icalendar`) and keep them with it, so
    that no request, in any process, pays for writing them: the first ("cold") request for a
    feed only assembles them. Called by `releases.release`; the caller commits."""
    host = mail.calendar_host()
    stamp = Stamp(release.id, release.number, release.released_at, release.digest)
    prepared = prepare(event, stamp, cached=False)
    schedule = prepared.schedule
    uids = [s.uid for s in (*schedule.sessions, *schedule.cancelled)]
    written = prepared.vevents(uids)
    key = _stored_key(event, host)
    release.vevents = {
        "key": key,
        "items": {uid: text.decode() for uid, text in zip(uids, written, strict=True)},
        # The whole event's feed, in order, and its sessions' years (its VTIMEZONE's rules):
        # with them, a cold request for it builds no public schedule (`_stored_event_feed`).
        "order": uids,
        "years": sorted(_session_years(event, schedule)),
    }
    with force_locale(_locale()):
        links = {
            "url": prepared.session_url,
            "base_url": prepared.base_url,
            "file_url": prepared.file_url,
        }
        release.frab_xml = frab.xml(schedule, **links).decode()
        release.frab_json = frab.json(schedule, **links).decode()
    release.rendered_key = key
    db.session.flush()


def _stored_export(event: Event, stamp: Stamp, key: str) -> bytes | None:
    """The frab XML or JSON the release wrote when it was made, if written for this host,
    language and event details (one query, no public schedule to build)."""
    column = ScheduleRelease.frab_xml if key == XML else ScheduleRelease.frab_json
    row = db.session.execute(
        select(ScheduleRelease.rendered_key, column).where(ScheduleRelease.id == stamp.release_id)
    ).one_or_none()
    if row is None or not row[1] or row[0] != _stored_key(event, mail.calendar_host()):
        return None
    return row[1].encode()


def _stored_event_feed(event: Event, stamp: Stamp, host: str) -> bytes | None:
    """The whole event's iCal feed assembled from the VEVENTs the release wrote when it was
    made, if written for this host, language and event details (one query: no snapshot to
    parse, no public schedule to build). None for a release stored without the feed's order
    (made before it was kept) or with nothing kept: `render` then prepares the release."""
    stored = db.session.scalar(
        select(ScheduleRelease.vevents).where(ScheduleRelease.id == stamp.release_id)
    )
    if not stored or "order" not in stored or stored.get("key") != _stored_key(event, host):
        return None
    items = stored["items"]
    years = {event.starts_on.year, event.ends_on.year, *stored["years"]}
    return ical.document(
        name=event.name,  # feed_name of EVENT
        timezone=event.timezone,
        vtimezones=[ical.vtimezone(event.timezone, years)],
        vevents=[items[uid].encode() for uid in stored["order"]],
    )


# --- feeds ------------------------------------------------------------------------------------


def uids_of(prepared: Prepared, key: str, starred: tuple[str, ...] = ()) -> list[str] | None:
    """The sessions a feed holds, in release order, or None when its key names nothing."""
    schedule = prepared.schedule
    sessions = schedule.sessions
    kind, _sep, value = key.partition(":")
    if kind == EVENT:
        return [s.uid for s in (*sessions, *schedule.cancelled)]
    if kind == "track":
        track_id = prepared.track_ids.get(value)
        if track_id is None:
            return None
        return [s.uid for s in (*sessions, *schedule.cancelled) if s.track_id == track_id]
    if kind == "room":
        room = prepared.rooms.get(value)
        if room is None:
            return None
        room_id, name = room
        return [s.uid for s in sessions if s.room_id == room_id] + [
            s.uid for s in schedule.cancelled if s.room == name
        ]
    if kind == "speaker":
        # A speaker whose sessions were all cancelled keeps a feed: it says they are.
        speaker = schedule.speaker_by_code(value)
        cancelled = [s.uid for s in schedule.cancelled if any(p.code == value for p in s.speakers)]
        if speaker is None and not cancelled:
            return None
        live = schedule.sessions_of_speaker(speaker.id) if speaker is not None else []
        return [s.uid for s in live] + cancelled
    if kind == "session":
        session = schedule.session(value)
        return None if session is None else [session.uid]
    if kind == "agenda":
        wanted = set(starred)
        return [s.uid for s in (*sessions, *schedule.cancelled) if s.uid in wanted]
    return None


def feed_name(prepared: Prepared, key: str) -> str:
    event = prepared.schedule.event
    kind, _sep, value = key.partition(":")
    if kind == "track":
        track = next(t for t in prepared.schedule.tracks if t.slug == value)
        return f"{event.name}: {track.name}"
    if kind == "room":
        return f"{event.name}: {prepared.rooms[value][1]}"
    if kind == "speaker":
        speaker = prepared.schedule.speaker_by_code(value)
        name = speaker.name if speaker else _cancelled_speaker_name(prepared.schedule, value)
        return f"{event.name}: {name}"
    if kind == "session":
        session = prepared.schedule.session(value)
        return f"{event.name}: {title_of(session) if session else value}"
    if kind == "agenda":
        return _("%(event)s: my agenda", event=event.name)
    return event.name


def _cancelled_speaker_name(schedule: PublicSchedule, code: str) -> str:
    """The name of a speaker found only in cancelled sessions, as the release had it."""
    for session in schedule.cancelled:
        for person in session.speakers:
            if person.code == code:
                return person.name
    return code


def empty_calendar(event: Event) -> bytes:
    """The feed before the first release: a valid calendar with no events, so that a
    subscription made early fills in when the schedule is published."""
    with force_locale(_locale()):
        return ical.document(
            name=event.name,
            timezone=event.timezone,
            vtimezones=[ical.vtimezone(event.timezone, _years(event, None))],
            vevents=[],
        )


def render(event: Event, stamp: Stamp, key: str, starred: tuple[str, ...] = ()) -> bytes | None:
    """The bytes of a feed (`EVENT`, `track:<slug>`, `room:<slug>`, `speaker:<code>`,
    `session:<code>`, an `agenda_key`, `XML`, `JSON`), or None when its key names nothing."""
    if key in (XML, JSON):

        def stored_or_made() -> bytes:
            stored = _stored_export(event, stamp, key)
            if stored is not None:
                return stored
            prepared = prepare(event, stamp)
            with force_locale(_locale()):
                links = {
                    "url": prepared.session_url,
                    "base_url": prepared.base_url,
                    "file_url": prepared.file_url,
                }
                if key == XML:
                    return frab.xml(prepared.schedule, **links)
                return frab.json(prepared.schedule, **links)

        return _rendered.get(_fingerprint(event, stamp, key), stored_or_made)  # type: ignore[no-any-return]
    if key == EVENT:

        def stored_or_assembled() -> bytes:
            # A release this process has prepared (for another feed) has its VEVENTs in
            # memory; else the stored ones spare building the public schedule.
            host = mail.calendar_host()
            if _prepared.peek(_prepared_key(event, stamp, host)) is None:
                with force_locale(_locale()):
                    stored = _stored_event_feed(event, stamp, host)
                if stored is not None:
                    return stored
            prepared = prepare(event, stamp)
            return _assemble(event, prepared, key, uids_of(prepared, key) or [])

        return _rendered.get(_fingerprint(event, stamp, key), stored_or_assembled)  # type: ignore[no-any-return]
    prepared = prepare(event, stamp)
    uids = uids_of(prepared, key, starred)
    if uids is None:
        return None  # not cached: made-up addresses must not push real feeds out
    return _rendered.get(  # type: ignore[no-any-return]
        _fingerprint(event, stamp, key), lambda: _assemble(event, prepared, key, uids)
    )


def _assemble(event: Event, prepared: Prepared, key: str, uids: list[str]) -> bytes:
    with force_locale(_locale()):
        return ical.document(
            name=feed_name(prepared, key),
            timezone=event.timezone,
            vtimezones=[prepared.vtimezone],
            vevents=prepared.vevents(uids),
        )
