"""The schedule as frab XML and JSON, the format conference apps read (Giggity, ConfClerk,
EventFahrplan), as published by c3voc (`schedule.xml.xsd`, `schedule.json.schema`).

Both are built from the public schedule (`services.public_schedule.PublicSchedule`): days in
the event's zone, rooms in display order (items for all rooms in a first "All rooms" column,
since an event belongs to one room in this format), events with the session's UUID as guid,
the slot's id as the numeric id, its public code, a slug `<acronym>-<id>-<title>`, times with
their offset, speakers by name, public_name and code (frab's integer person id in the XML
only: see docs/feeds.md), the site's base_url and, in the JSON, the rooms. A talk's slides and
recordings (`services/materials.py`) are its `links` (a link, with its title and a type:
slides, media for a recording, related) and `attachments` (an uploaded file, at its absolute
public address, `file_url`). Cancelled sessions
are left out (the format has no cancelled state; the iCal feeds keep them). The XML is written
with ElementTree (escaping done by it), the JSON with `json.dumps(ensure_ascii=False)`; both
are deterministic.
"""

from __future__ import annotations

import datetime as dt
import json as jsonlib
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from organizer.models.base import slugify
from organizer.services import text
from organizer.services.public_schedule import (
    PublicMaterial,
    PublicSchedule,
    PublicSession,
    kind_of,
    title_of,
)

GENERATOR = "organizer"
# A material's kind -> the schema's type of a link or attachment
REFERENCE_TYPES = {"slides": "slides", "recording": "media", "other": "related"}
FileUrl = Callable[[str, PublicMaterial], str]  # (session code, material) -> absolute address
TIMEZONE = re.compile(r"^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$")  # the JSON schema's pattern


def acronym_of(slug: str) -> str:
    """`mangrove-2027` -> `mangrove_2027`: what both schemas accept."""
    value = re.sub(r"[^a-z0-9]+", "_", slug.lower()).strip("_")
    return value.ljust(4, "_")


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _person_guid(event_slug: str, code: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"organizer:{event_slug}:speaker:{code}"))


def _person_id(guid: str) -> int:
    """frab's integer person id, from the person's guid (its top 53 bits: an integer every
    JSON reader keeps exactly): stable, per event like the guid, and no account's row id."""
    return uuid.UUID(guid).int >> (128 - 53)


def _room_guid(event_slug: str, name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"organizer:{event_slug}:room:{name}"))


def _references(
    schedule: PublicSchedule, session: PublicSession, file_url: FileUrl | None
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The session's materials as the formats' links and attachments ({title, url, type})."""
    links: list[dict[str, str]] = []
    attachments: list[dict[str, str]] = []
    for material in schedule.materials.get(session.proposal or "", ()):
        kind = REFERENCE_TYPES.get(material.kind, "related")
        if not material.is_file:
            links.append({"title": material.title, "url": material.url, "type": kind})
        elif file_url is not None and session.code:
            address = file_url(session.code, material)
            attachments.append({"title": material.title, "url": address, "type": kind})
    return links, attachments


def _session_entry(
    schedule: PublicSchedule,
    session: PublicSession,
    *,
    room: str,
    slot_id: int,
    url: Callable[[str], str],
    file_url: FileUrl | None,
) -> dict[str, Any]:
    """One event of a room's day, as both formats name its fields."""
    event = schedule.event
    zone = ZoneInfo(event.timezone)
    start = session.starts_at.astimezone(zone)
    tail = f"{slot_id}-{slugify(title_of(session), 'session')[:60].strip('-')}"
    if len(tail) < 4:  # both schemas want 4 or more: slot 7 titled "0" gave "7-0"
        tail = f"{tail}-session"
    speakers = []
    for p in session.speakers:
        guid = _person_guid(event.slug, p.code) if p.code else None
        profile = schedule.speakers.get(p.id)
        speakers.append(
            {
                "code": p.code,
                "name": p.name,
                "public_name": p.name,  # what frab wrote, and what pyfahrplan and others read
                "guid": guid,
                "id": _person_id(guid) if guid else None,
                "biography": (profile.bio or None) if profile is not None else None,
            }
        )
    links, attachments = _references(schedule, session, file_url)
    return {
        "guid": session.uid,
        "code": session.code,
        "id": slot_id,
        "date": start.isoformat(),
        "start": start.strftime("%H:%M"),
        "end": session.ends_at.astimezone(zone).isoformat(),
        "duration": _hhmm(session.duration),
        "room": room,
        "slug": f"{acronym_of(event.slug)}-{tail}",
        "url": url(session.code) if session.code else "",
        "title": title_of(session),
        "subtitle": "",
        "track": session.track,
        "type": kind_of(session) or session.kind,
        "language": session.language or None,
        "abstract": session.abstract,
        "description": schedule.descriptions.get(session.proposal or "", ""),
        "persons": speakers,
        # Nothing in the model says a session may not be recorded, or under which licence:
        # what frab and pretalx write for "no opt-out, no licence given".
        "do_not_record": False,
        "recording_license": "",
        "links": links,
        "attachments": attachments,
    }


def _layout(
    schedule: PublicSchedule,
    url: Callable[[str], str],
    base_url: str,
    file_url: FileUrl | None = None,
) -> dict[str, Any]:
    """Everything both formats say, as plain values."""
    event = schedule.event
    zone = ZoneInfo(event.timezone)
    acronym = acronym_of(event.slug)
    slot_ids = {s.uid: s.slot_id for s in schedule.sessions if s.slot_id is not None}
    all_rooms = _("All rooms")
    room_order = [room.name for room in schedule.rooms]
    days: dict[dt.date, list[PublicSession]] = {}
    for session in schedule.sessions:
        days.setdefault(session.starts_at.astimezone(zone).date(), []).append(session)
    result_days = []
    for index, day in enumerate(sorted(days), start=1):
        sessions = days[day]
        rooms: dict[str, list[dict[str, Any]]] = {}
        if any(s.all_rooms for s in sessions):
            rooms[all_rooms] = []
        for name in room_order:
            if any(s.room == name and not s.all_rooms for s in sessions):
                rooms[name] = []
        for session in sessions:
            room = all_rooms if session.all_rooms or not session.room else session.room
            entry = _session_entry(
                schedule,
                session,
                room=room,
                slot_id=slot_ids.get(session.uid, 0),
                url=url,
                file_url=file_url,
            )
            rooms.setdefault(room, []).append(entry)
        result_days.append(
            {
                "index": index,
                "date": day.isoformat(),
                "day_start": min(s.starts_at for s in sessions).astimezone(zone).isoformat(),
                "day_end": max(s.ends_at for s in sessions).astimezone(zone).isoformat(),
                "rooms": rooms,
            }
        )
    used = {name for day in result_days for name in day["rooms"]}
    rooms = [
        {
            "name": room.name,
            "guid": room.public_id or _room_guid(event.slug, room.name),
            **(
                {"slug": room.slug} if re.fullmatch(r"[a-z0-9_-]+[a-z0-9]", room.slug or "") else {}
            ),
            "capacity": room.capacity,
        }
        for room in schedule.rooms
        if room.name in used
    ]
    if all_rooms in used:  # the column of items for every room: a room to the apps
        rooms.insert(0, {"name": all_rooms, "guid": _room_guid(event.slug, "*"), "capacity": None})
    return text.printable_all(  # no control character from old rows breaks the XML
        {
            "base_url": base_url,
            "rooms": rooms,
            "acronym": acronym,
            "title": event.name,
            "start": event.starts_on.isoformat(),
            "end": event.ends_on.isoformat(),
            "days_count": (event.ends_on - event.starts_on).days + 1,
            "timezone": event.timezone,
            "version": str(schedule.release.number),
            "days": result_days,
            "tracks": [{"name": t.name, "slug": t.slug} for t in schedule.tracks],
        }
    )


def json(
    schedule: PublicSchedule,
    *,
    url: Callable[[str], str],
    base_url: str,
    file_url: FileUrl | None = None,
) -> bytes:
    layout = _layout(schedule, url, base_url, file_url)
    conference: dict[str, Any] = {
        "acronym": layout["acronym"],
        "title": layout["title"],
        "start": layout["start"],
        "end": layout["end"],
        "daysCount": layout["days_count"],
        "timeslot_duration": "00:05",
        "tracks": [
            {
                "name": t["name"],
                **(
                    {"slug": t["slug"]}
                    if re.fullmatch(r"[a-z0-9_-]+[a-z0-9]", t["slug"] or "")
                    else {}
                ),
            }
            for t in layout["tracks"]
        ],
        "rooms": layout["rooms"],
        "days": [],
    }
    if TIMEZONE.search(layout["timezone"]):
        conference["time_zone_name"] = layout["timezone"]
    for day in layout["days"]:
        rooms = {}
        for name, events in day["rooms"].items():
            rooms[name] = [
                {
                    **{k: v for k, v in e.items() if k not in ("persons", "code", "end")},
                    **({"code": e["code"]} if e["code"] else {}),
                    "end": e["end"],
                    # pretalx's persons (name, public_name, code, guid, biography): the
                    # schema's Person is one of frab's (id and public_name required) or
                    # pretalx's (name required), never both, so the integer id is the XML's.
                    "persons": [
                        {
                            k: v
                            for k, v in p.items()
                            if k != "id" and (v is not None or k == "biography")
                        }
                        for p in e["persons"]
                    ],
                }
                for e in events
            ]
        conference["days"].append({**day, "rooms": rooms})
    document = {
        "$schema": "https://c3voc.de/schedule/schema.json",
        "generator": {"name": GENERATOR},
        "schedule": {
            "version": layout["version"],
            "base_url": layout["base_url"],
            "conference": conference,
        },
    }
    return jsonlib.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def xml(
    schedule: PublicSchedule,
    *,
    url: Callable[[str], str],
    base_url: str,
    file_url: FileUrl | None = None,
) -> bytes:
    layout = _layout(schedule, url, base_url, file_url)
    root = ET.Element("schedule")
    ET.SubElement(root, "generator", name=GENERATOR)
    ET.SubElement(root, "version").text = layout["version"]
    conference = ET.SubElement(root, "conference")
    for tag, value in (
        ("acronym", layout["acronym"]),
        ("title", layout["title"]),
        ("start", layout["start"]),
        ("end", layout["end"]),
        ("days", str(layout["days_count"])),
        ("timeslot_duration", "00:05"),
        ("base_url", layout["base_url"]),
        ("time_zone_name", layout["timezone"]),
    ):
        ET.SubElement(conference, tag).text = value
    for day in layout["days"]:
        day_element = ET.SubElement(
            root,
            "day",
            index=str(day["index"]),
            date=day["date"],
            start=day["day_start"],
            end=day["day_end"],
        )
        for name, events in day["rooms"].items():
            room = ET.SubElement(day_element, "room", name=name)
            for e in events:
                attributes = {"id": str(e["id"]), "guid": e["guid"]}
                if e["code"]:
                    attributes["code"] = e["code"]
                element = ET.SubElement(room, "event", attributes)
                for tag in ("date", "start", "duration", "room", "slug", "title", "subtitle"):
                    ET.SubElement(element, tag).text = e[tag]
                ET.SubElement(element, "track").text = e["track"] or ""
                ET.SubElement(element, "type").text = e["type"]
                ET.SubElement(element, "language").text = e["language"] or ""
                ET.SubElement(element, "abstract").text = e["abstract"]
                ET.SubElement(element, "description").text = e["description"]
                if e["url"]:
                    ET.SubElement(element, "url").text = e["url"]
                persons = ET.SubElement(element, "persons")
                for p in e["persons"]:
                    person = ET.SubElement(persons, "person")
                    if p["id"] is not None:
                        person.set("id", str(p["id"]))
                    if p["guid"]:
                        person.set("guid", p["guid"])
                    person.text = p["name"]
                recording = ET.SubElement(element, "recording")
                ET.SubElement(recording, "license").text = e["recording_license"]
                ET.SubElement(recording, "optout").text = "true" if e["do_not_record"] else "false"
                links = ET.SubElement(element, "links")
                for link in e["links"]:
                    ET.SubElement(links, "link", href=link["url"], type=link["type"]).text = link[
                        "title"
                    ]
                attachments = ET.SubElement(element, "attachments")
                for item in e["attachments"]:
                    ET.SubElement(
                        attachments, "attachment", href=item["url"], type=item["type"]
                    ).text = item["title"]
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
