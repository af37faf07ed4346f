"""The schedule as frab XML and JSON, the format conference apps read (Giggity, ConfClerk,
EventFahrplan), as published by c3voc (`schedule.xml.xsd`, `schedule.json.schema`).

Both are built from the public schedule (`services.public_schedule.PublicSchedule`): days in
the event's zone, rooms in display order (items for all rooms in a first "All rooms" column,
since an event belongs to one room in this format), events with the session's UUID as guid,
the slot's id as the numeric id, its public code, a slug `<acronym>-<id>-<title>`, times with
their offset, and speakers by name and code. Cancelled sessions are left out (the format has no
cancelled state; the iCal feeds keep them). The XML is written with ElementTree (escaping done
by it), the JSON with `json.dumps(ensure_ascii=False)`; both are deterministic.
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
from organizer.services.public_schedule import PublicSchedule, PublicSession, kind_of, title_of

GENERATOR = "organizer"
TIMEZONE = re.compile(r"^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$")  # the JSON schema's pattern


def acronym_of(slug: str) -> str:
    """`mangrove-2027` -> `mangrove_2027`: what both schemas accept."""
    value = re.sub(r"[^a-z0-9]+", "_", slug.lower()).strip("_")
    return value.ljust(4, "_")


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _person_guid(event_slug: str, code: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"organizer:{event_slug}:speaker:{code}"))


def _session_entry(
    schedule: PublicSchedule,
    session: PublicSession,
    *,
    room: str,
    slot_id: int,
    url: Callable[[str], str],
) -> dict[str, Any]:
    """One event of a room's day, as both formats name its fields."""
    event = schedule.event
    zone = ZoneInfo(event.timezone)
    start = session.starts_at.astimezone(zone)
    tail = f"{slot_id}-{slugify(title_of(session), 'session')[:60].strip('-')}"
    if len(tail) < 4:  # both schemas want 4 or more: slot 7 titled "0" gave "7-0"
        tail = f"{tail}-session"
    speakers = [
        {
            "code": p.code,
            "name": p.name,
            "guid": _person_guid(event.slug, p.code) if p.code else None,
            "biography": (schedule.speakers[p.id].bio or None)
            if p.id in schedule.speakers
            else None,
        }
        for p in session.speakers
    ]
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
    }


def _layout(schedule: PublicSchedule, url: Callable[[str], str]) -> dict[str, Any]:
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
                schedule, session, room=room, slot_id=slot_ids.get(session.uid, 0), url=url
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
    return text.printable_all(  # no control character from old rows breaks the XML
        {
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


def json(schedule: PublicSchedule, *, url: Callable[[str], str]) -> bytes:
    layout = _layout(schedule, url)
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
                    "persons": [
                        {k: v for k, v in p.items() if v is not None} for p in e["persons"]
                    ],
                    "links": [],
                    "attachments": [],
                }
                for e in events
            ]
        conference["days"].append({**day, "rooms": rooms})
    document = {
        "$schema": "https://c3voc.de/schedule/schema.json",
        "generator": {"name": GENERATOR},
        "schedule": {"version": layout["version"], "conference": conference},
    }
    return jsonlib.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def xml(schedule: PublicSchedule, *, url: Callable[[str], str]) -> bytes:
    layout = _layout(schedule, url)
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
                    if p["guid"]:
                        person.set("guid", p["guid"])
                    person.text = p["name"]
                ET.SubElement(element, "links")
                ET.SubElement(element, "attachments")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
