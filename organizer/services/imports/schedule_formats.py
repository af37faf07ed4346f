"""Reading a published schedule: frab XML (`schedule.xml`) and the schedule JSON
(`schedule.json`, the c3voc layout that pretalx, frab and this site's own exporter write) into
plain dataclasses that nothing else in the import has to parse again.

The readers are forgiving in the ways real files need: a person's name may be `public_name` or
`name`, tracks may be empty strings or missing, durations are "01:30", "1:30", "0:30:00" or
minutes, a session's `date` may carry its offset or only the day's date and `start`, and
sessions may run over midnight. What cannot be read is not guessed: the session goes to
`skipped` with the reason, and the rest is read. XML is parsed with lxml without entity
expansion, DTD loading or network access.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _

from organizer.errors import ValidationFailed

LINK_KINDS = {
    "slides": "slides",
    "media": "recording",
    "recording": "recording",
    "video": "recording",
}


@dataclass(frozen=True)
class ParsedPerson:
    name: str
    guid: str | None = None
    code: str | None = None
    id: str | None = None
    biography: str = ""
    email: str | None = None

    @property
    def key(self) -> str:
        """What identifies the person across the file's sessions."""
        if self.guid:
            return f"guid:{self.guid}"
        if self.code:
            return f"code:{self.code}"
        if self.id:
            return f"id:{self.id}"
        return f"name:{self.name.casefold()}"


@dataclass(frozen=True)
class ParsedLink:
    title: str
    url: str
    kind: str  # a MaterialKind value: slides, recording or other


@dataclass
class ParsedSession:
    guid: str
    title: str
    room: str
    starts_at: dt.datetime  # aware, in UTC
    duration_minutes: int
    where: str  # how the organizer finds it in the file: "day 2, room Aula, «Title»"
    code: str = ""
    subtitle: str = ""
    track: str = ""
    type: str = ""
    language: str = ""
    abstract: str = ""
    description: str = ""
    persons: list[ParsedPerson] = field(default_factory=list)
    links: list[ParsedLink] = field(default_factory=list)
    do_not_record: bool = False

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.duration_minutes)


@dataclass(frozen=True)
class ParsedRoom:
    name: str
    guid: str | None = None
    capacity: int | None = None


@dataclass(frozen=True)
class ParsedTrack:
    name: str
    colour: str = ""


@dataclass(frozen=True)
class Skipped:
    what: str  # "session", "room", ...
    where: str
    reason: str


@dataclass
class ParsedSchedule:
    format: str  # "xml" or "json"
    title: str = ""
    acronym: str = ""
    version: str = ""
    timezone: str = ""  # IANA name when the file says one we know
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    rooms: list[ParsedRoom] = field(default_factory=list)
    tracks: list[ParsedTrack] = field(default_factory=list)
    sessions: list[ParsedSession] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


class UnreadableSchedule(ValidationFailed):
    """The file is not a schedule this importer reads."""


# --- shared helpers ----------------------------------------------------------------------------

_DURATION = re.compile(r"^\s*(\d+):(\d{1,2})(?::(\d{1,2}))?\s*$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def parse_duration(value: Any) -> int | None:
    """Minutes from "01:30", "1:30", "00:30:00" (h:m:s) or a number of minutes; None when
    unreadable."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value) if value > 0 else None
    text = str(value or "").strip()
    if text.isdigit():
        return int(text) or None
    match = _DURATION.match(text)
    if not match:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    seconds = int(match.group(3) or 0)
    total = hours * 60 + minutes + (1 if seconds >= 30 else 0)
    return total if total > 0 and minutes < 60 else None


def zone_named(name: str | None) -> ZoneInfo | None:
    if not name or not str(name).strip():
        return None
    try:
        return ZoneInfo(str(name).strip())
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value or "").strip()[:10])
    except ValueError:
        return None


def session_start(
    *,
    date: str | None,
    start: str | None,
    day: dt.date | None,
    day_start: str | None,
    zone: ZoneInfo,
) -> dt.datetime | None:
    """The session's start in UTC. `date` with a time wins (its offset, else `zone`); else the
    day's date and `start` in `zone`, on the next day when `start` is before the day's own
    start (frab's days run past midnight: a 01:00 session of day 1 is on day 2's date)."""
    text = str(date or "").strip()
    if "T" in text or " " in text.strip():
        try:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            moment = None
        if moment is not None:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=zone)
            return moment.astimezone(dt.UTC)
    base = _date(text) or day
    match = re.match(r"^\s*(\d{1,2}):(\d{2})", str(start or ""))
    if base is None or not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        return None
    clock = dt.time(int(match.group(1)), int(match.group(2)))
    opening = _day_opening(day_start, zone)
    if opening is not None and clock < opening:
        base += dt.timedelta(days=1)
    return dt.datetime.combine(base, clock, tzinfo=zone).astimezone(dt.UTC)


def _day_opening(day_start: str | None, zone: ZoneInfo) -> dt.time | None:
    if not day_start:
        return None
    try:
        moment = dt.datetime.fromisoformat(str(day_start).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(zone)
    return moment.time()


def _clean(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def _guid(raw: str, *, acronym: str, fallback: str) -> str:
    """The session's guid as written when it is a UUID; otherwise a UUID made from it (or from
    the session's id, or its title and start), the same on every import of the file."""
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"schedule:{acronym}:{raw or fallback}"))


def _link(title: Any, url: Any, kind: Any) -> ParsedLink | None:
    address = _clean(url)
    if not re.match(r"^https?://", address, re.IGNORECASE) or len(address) > 500:
        return None
    name = _clean(title)[:200] or address[:200]
    return ParsedLink(title=name, url=address, kind=LINK_KINDS.get(_clean(kind).lower(), "other"))


class _Builder:
    """Collects sessions, checking each and recording why one is skipped."""

    def __init__(self, parsed: ParsedSchedule, zone: ZoneInfo) -> None:
        self.parsed = parsed
        self.zone = zone
        self.seen: set[str] = set()

    def add(
        self,
        raw: dict[str, Any],
        *,
        room: str,
        day: dt.date | None,
        day_start: str | None,
        where: str,
    ) -> None:
        title = _clean(raw.get("title"))
        if not title:
            self.skip(where, _("it has no title"))
            return
        where = f"{where}, «{title[:80]}»"
        starts_at = session_start(
            date=raw.get("date"),
            start=raw.get("start"),
            day=day,
            day_start=day_start,
            zone=self.zone,
        )
        if starts_at is None:
            self.skip(where, _("its start time could not be read"))
            return
        duration = parse_duration(raw.get("duration"))
        if duration is None:
            self.skip(
                where,
                _("its duration “%(value)s” could not be read", value=raw.get("duration") or ""),
            )
            return
        room_name = _clean(raw.get("room")) or room
        if not room_name:
            self.skip(where, _("it has no room"))
            return
        guid = _guid(
            _clean(raw.get("guid")),
            acronym=self.parsed.acronym,
            fallback=_clean(raw.get("id")) or f"{title}|{starts_at.isoformat()}",
        )
        if guid in self.seen:
            self.skip(where, _("its guid appears more than once in the file"))
            return
        self.seen.add(guid)
        self.parsed.sessions.append(
            ParsedSession(
                guid=guid,
                title=title[:200],
                room=room_name[:100],
                starts_at=starts_at,
                duration_minutes=duration,
                where=where,
                code=_clean(raw.get("code"))[:16],
                subtitle=_clean(raw.get("subtitle")),
                track=_clean(raw.get("track"))[:100],
                type=_clean(raw.get("type"))[:100],
                language=_clean(raw.get("language"))[:10],
                abstract=_clean(raw.get("abstract")),
                description=_clean(raw.get("description")),
                persons=[p for p in raw.get("persons", []) if p.name],
                links=[link for link in raw.get("links", []) if link is not None],
                do_not_record=bool(raw.get("do_not_record")),
            )
        )

    def skip(self, where: str, reason: str, what: str = "session") -> None:
        self.parsed.skipped.append(Skipped(what=what, where=where, reason=reason))


# --- JSON ---------------------------------------------------------------------------------------


def _json_person(raw: Any) -> ParsedPerson:
    if isinstance(raw, str):
        return ParsedPerson(name=raw.strip()[:100])
    if not isinstance(raw, dict):
        return ParsedPerson(name="")
    name = _clean(raw.get("public_name")) or _clean(raw.get("name")) or _clean(raw.get("full_name"))
    return ParsedPerson(
        name=name[:100],
        guid=_clean(raw.get("guid")) or None,
        code=_clean(raw.get("code")) or None,
        id=_clean(raw.get("id")) or None,
        biography=_clean(raw.get("biography") or raw.get("bio")),
        email=_clean(raw.get("email")) or None,
    )


def _json_links(raw: dict[str, Any]) -> list[ParsedLink | None]:
    found = []
    for key in ("links", "attachments"):
        for item in raw.get(key) or []:
            if isinstance(item, dict):
                found.append(
                    _link(item.get("title"), item.get("url") or item.get("href"), item.get("type"))
                )
            elif isinstance(item, str):
                found.append(_link(item, item, "related"))
    for key in ("video_download_url", "recording_url"):  # some producers name the recording
        if raw.get(key):
            found.append(_link(_("Recording"), raw.get(key), "media"))
    return found


def read_json(data: bytes) -> ParsedSchedule:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise UnreadableSchedule(
            {"file": _("The file is not valid JSON: %(error)s", error=str(error)[:200])}
        ) from error
    schedule = document.get("schedule") if isinstance(document, dict) else None
    conference = schedule.get("conference") if isinstance(schedule, dict) else None
    if not isinstance(conference, dict):
        raise UnreadableSchedule(
            {
                "file": _(
                    "The JSON has no “schedule” with a “conference”: it is not a schedule.json."
                )
            }
        )
    parsed = ParsedSchedule(
        format="json",
        title=_clean(conference.get("title"))[:200],
        acronym=_clean(conference.get("acronym"))[:50],
        version=_clean(schedule.get("version"))[:100],
        starts_on=_date(conference.get("start")),
        ends_on=_date(conference.get("end")),
    )
    zone_name = conference.get("time_zone_name") or conference.get("timezone")
    zone = zone_named(zone_name)
    parsed.timezone = str(zone_name).strip() if zone else ""
    for raw in conference.get("rooms") or []:
        if isinstance(raw, dict) and _clean(raw.get("name")):
            capacity = raw.get("capacity")
            parsed.rooms.append(
                ParsedRoom(
                    name=_clean(raw["name"])[:100],
                    guid=_clean(raw.get("guid")) or None,
                    capacity=capacity if isinstance(capacity, int) and capacity > 0 else None,
                )
            )
    for raw in conference.get("tracks") or []:
        if isinstance(raw, dict) and _clean(raw.get("name")):
            colour = _clean(raw.get("color") or raw.get("colour"))
            parsed.tracks.append(
                ParsedTrack(
                    name=_clean(raw["name"])[:100], colour=colour if _COLOUR.match(colour) else ""
                )
            )
    builder = _Builder(parsed, zone or dt.UTC)  # type: ignore[arg-type]
    for number, day in enumerate(conference.get("days") or [], start=1):
        if not isinstance(day, dict):
            continue
        rooms = day.get("rooms") or {}
        if not isinstance(rooms, dict):
            continue
        for room, events in rooms.items():
            for raw in events or []:
                if not isinstance(raw, dict):
                    continue
                entry = {
                    **raw,
                    "persons": [_json_person(p) for p in raw.get("persons") or []],
                    "links": _json_links(raw),
                }
                builder.add(
                    entry,
                    room=str(room),
                    day=_date(day.get("date")),
                    day_start=day.get("day_start"),
                    where=_("day %(n)s, room %(room)s", n=day.get("index") or number, room=room),
                )
    return parsed


# --- XML ----------------------------------------------------------------------------------------


def _parser() -> Any:
    from lxml import etree  # deferred: a web process that never imports stays smaller

    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_pis=True
    )


def _text(element: Any, tag: str) -> str:
    found = element.find(tag)
    return "".join(found.itertext()).strip() if found is not None else ""


def _xml_event(element: Any) -> dict[str, Any]:
    persons = [
        ParsedPerson(
            name=" ".join("".join(p.itertext()).split())[:100],
            guid=p.get("guid") or None,
            code=p.get("code") or None,
            id=p.get("id") or None,
        )
        for p in element.iterfind("persons/person")
    ]
    links = [
        _link("".join(link.itertext()), link.get("href"), link.get("type"))
        for path in ("links/link", "attachments/attachment")
        for link in element.iterfind(path)
    ]
    values = {
        tag: _text(element, tag)
        for tag in (
            "date",
            "start",
            "duration",
            "room",
            "title",
            "subtitle",
            "track",
            "type",
            "language",
            "abstract",
            "description",
        )
    }
    return {
        **values,
        "guid": element.get("guid") or "",
        "id": element.get("id") or "",
        "code": element.get("code") or "",
        "persons": persons,
        "links": links,
        "do_not_record": _text(element, "recording/optout").lower() == "true",
    }


def read_xml(data: bytes) -> ParsedSchedule:
    from lxml import etree  # deferred, as in _parser

    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as error:
        raise UnreadableSchedule(
            {"file": _("The file is not valid XML: %(error)s", error=str(error)[:200])}
        ) from error
    if root.tag != "schedule":
        raise UnreadableSchedule(
            {"file": _("The XML has no <schedule> root: it is not a frab schedule.xml.")}
        )
    conference = root.find("conference")
    conference = conference if conference is not None else etree.Element("conference")
    parsed = ParsedSchedule(
        format="xml",
        title=_text(conference, "title")[:200],
        acronym=_text(conference, "acronym")[:50],
        version=_text(root, "version")[:100],
        starts_on=_date(_text(conference, "start")),
        ends_on=_date(_text(conference, "end")),
    )
    zone_name = _text(conference, "time_zone_name")
    zone = zone_named(zone_name)
    parsed.timezone = zone_name if zone else ""
    for track in conference.iterfind("tracks/track"):
        name = " ".join("".join(track.itertext()).split()) or track.get("name") or ""
        colour = track.get("color") or track.get("colour") or ""
        if name:
            parsed.tracks.append(
                ParsedTrack(name=name[:100], colour=colour if _COLOUR.match(colour) else "")
            )
    builder = _Builder(parsed, zone or dt.UTC)  # type: ignore[arg-type]
    room_names: list[str] = []
    for number, day in enumerate(root.iterfind("day"), start=1):
        for room in day.iterfind("room"):
            name = (room.get("name") or "").strip()
            if name and name not in room_names:
                room_names.append(name)
            for element in room.iterfind("event"):
                builder.add(
                    _xml_event(element),
                    room=name,
                    day=_date(day.get("date")),
                    day_start=day.get("start"),
                    where=_("day %(n)s, room %(room)s", n=day.get("index") or number, room=name),
                )
    parsed.rooms = [ParsedRoom(name=n[:100]) for n in room_names]
    return parsed


def read_schedule(data: bytes) -> ParsedSchedule:
    """frab XML or schedule JSON, told apart by their first character."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"<":
        return read_xml(data)
    if head == b"{":
        return read_json(data)
    raise UnreadableSchedule(
        {"file": _("This is neither a frab schedule.xml nor a schedule.json.")}
    )
