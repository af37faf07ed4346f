"""Importing a published schedule (frab XML or schedule JSON, read by `schedule_formats`) into
an event: a preview that writes nothing, then the import itself.

What a file holds becomes what the schedule editor works on: rooms, tracks (with their colour
when it is light enough for the cards), schedule days, session types, and for each session a
slot whose `public_id` is the file's guid, so that the exports give the same guid back and a
second import of the same file updates the slots instead of adding new ones. A session with
speakers is a confirmed proposal with its talk slot; one without (a break, a lunch, an opening)
is a plenary item. Speakers become people without accounts
(`imports.people.person_for_import`) and are invited to claim them when the file gives an
address. Times are stored in UTC; pages show them in the event's zone.

A guid that already belongs to a session of *another* event on this site (the file was exported
from here) cannot be reused, since public ids are unique: the session then gets a guid made from
the event and the file's guid, the same on every import, and the preview says so.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from organizer import permissions
from organizer.enums import MaterialKind, PlenaryKind, ProposalState, SlotKind, SpeakerRole
from organizer.errors import PermissionDenied, WrongState
from organizer.extensions import db
from organizer.models import (
    Event,
    Proposal,
    ProposalSpeaker,
    Room,
    ScheduleDay,
    SessionMaterial,
    SessionType,
    Slot,
    SpeakerProfile,
    Track,
    User,
)
from organizer.models.base import slugify
from organizer.services import accounts, audit, colours
from organizer.services.imports import people
from organizer.services.imports.schedule_formats import ParsedPerson, ParsedSchedule, ParsedSession
from organizer.services.scheduling import releases

# A column for "every room": this site's exporter writes it, in the reader's language.
ALL_ROOMS = {"all rooms", "alle räume", "todas las salas", "todas as salas", "toutes les salles"}
PLENARY_WORDS = {
    "keynote": PlenaryKind.KEYNOTE,
    "break": PlenaryKind.BREAK,
    "coffee break": PlenaryKind.BREAK,
    "pause": PlenaryKind.BREAK,
    "lunch": PlenaryKind.LUNCH,
    "social": PlenaryKind.SOCIAL,
}
DEFAULT_TYPE = "Talk"


def require_importer(actor: User, event: Event) -> None:
    if not permissions.can_import_into(actor, event):
        raise PermissionDenied(_("Only this event's organizers can import a schedule into it."))


@dataclass
class Line:
    """One thing the import creates, updates or leaves, for the preview."""

    kind: str  # room, track, day, type, session, speaker, event
    name: str
    action: str  # create, update, keep
    detail: str = ""


@dataclass
class Preview:
    lines: list[Line] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)  # {what, where, reason}
    notes: list[str] = field(default_factory=list)
    timezone: str = ""

    def count(self, kind: str, action: str) -> int:
        return sum(1 for line in self.lines if line.kind == kind and line.action == action)

    @property
    def summary(self) -> dict[str, dict[str, int]]:
        kinds = ("room", "track", "day", "type", "session", "speaker")
        return {
            kind: {a: self.count(kind, a) for a in ("create", "update", "keep")} for kind in kinds
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "lines": [asdict(line) for line in self.lines],
            "skipped": self.skipped,
            "notes": self.notes,
            "timezone": self.timezone,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Preview:
        return cls(
            lines=[Line(**line) for line in data.get("lines", [])],
            skipped=list(data.get("skipped", [])),
            notes=list(data.get("notes", [])),
            timezone=data.get("timezone", ""),
        )


@dataclass
class Result:
    preview: Preview
    invited: int = 0
    released: int | None = None  # the release's number
    not_released: str = ""  # why the schedule stayed a draft when a release was asked for


# --- what is there already -----------------------------------------------------------------------


def _is_all_rooms(name: str) -> bool:
    return name.strip().casefold() in ALL_ROOMS | {_("All rooms").casefold()}


def _plenary_kind(session: ParsedSession) -> PlenaryKind | None:
    """A session without speakers is a plenary item; its kind from its type or title."""
    if session.persons:
        return None
    for word in (session.type, session.title):
        kind = PLENARY_WORDS.get(word.strip().casefold())
        if kind is not None:
            return kind
    return PlenaryKind.OTHER


def _other_events_guids(event: Event, guids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(guids), 500):
        found |= set(
            db.session.scalars(
                select(Slot.public_id).where(
                    Slot.public_id.in_(guids[start : start + 500]), Slot.event_id != event.id
                )
            )
        )
    return found


def local_guid(event: Event, guid: str) -> str:
    """The guid a session of `event` takes when the file's guid is another event's here."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"organizer:event:{event.id}:import:{guid}"))


@dataclass
class _State:
    """The event's rows the file's items map to, read once."""

    rooms: dict[str, Room]
    tracks: dict[str, Track]
    types: dict[str, SessionType]
    days: dict[dt.date, ScheduleDay]
    slots: dict[str, Slot]  # by public_id
    speakers: dict[str, User]  # the event's speakers by casefolded name
    taken: set[str]  # file guids used by another event

    def guid_for(self, event: Event, guid: str) -> str:
        return local_guid(event, guid) if guid in self.taken else guid


def _state(event: Event, parsed: ParsedSchedule) -> _State:
    def by_name(model: Any) -> dict[str, Any]:
        rows = db.session.scalars(select(model).where(model.event_id == event.id))
        return {row.name.casefold(): row for row in rows}

    taken = _other_events_guids(event, [s.guid for s in parsed.sessions])
    wanted = [local_guid(event, s.guid) if s.guid in taken else s.guid for s in parsed.sessions]
    slots: dict[str, Slot] = {}
    for start in range(0, len(wanted), 500):
        query = (
            select(Slot)
            .where(Slot.event_id == event.id, Slot.public_id.in_(wanted[start : start + 500]))
            .options(
                selectinload(Slot.room),
                selectinload(Slot.proposal).options(
                    selectinload(Proposal.speakers).selectinload(ProposalSpeaker.user),
                    selectinload(Proposal.track),
                ),
            )
        )
        slots.update({slot.public_id: slot for slot in db.session.scalars(query)})
    speakers = db.session.execute(
        select(User)
        .join(ProposalSpeaker, ProposalSpeaker.user_id == User.id)
        .join(Proposal, Proposal.id == ProposalSpeaker.proposal_id)
        .where(Proposal.event_id == event.id)
    ).scalars()
    days = db.session.scalars(select(ScheduleDay).where(ScheduleDay.event_id == event.id))
    return _State(
        rooms=by_name(Room),
        tracks=by_name(Track),
        types=by_name(SessionType),
        days={d.day: d for d in days},
        slots=slots,
        speakers={u.display_name.casefold(): u for u in speakers},
        taken=taken,
    )


def _person_target(person: ParsedPerson, state: _State) -> User | None:
    """The existing account a speaker of the file is: by address, else by name among this
    event's speakers. None: a new person."""
    if person.email:
        found = accounts.user_by_email(person.email)
        if found is not None:
            return found
    return state.speakers.get(person.name.casefold())


# --- the preview ---------------------------------------------------------------------------------


def _fmt(moment: dt.datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _track_colours(parsed: ParsedSchedule, preview: Preview) -> dict[str, str]:
    """Each track's colour when the cards can carry it; a note for those they cannot."""
    found: dict[str, str] = {}
    for track in parsed.tracks:
        try:
            found[track.name.casefold()] = colours.card_background(track.colour)
        except Exception as error:  # ValidationFailed: too dark for the cards' text
            found[track.name.casefold()] = ""
            reason = getattr(error, "errors", {}).get("colour") or str(error)
            preview.skipped.append({"what": "colour", "where": track.name, "reason": str(reason)})
    return found


def _named_items(parsed: ParsedSchedule) -> tuple[list[str], list[str], list[str]]:
    """The rooms, tracks and session types the sessions use, in the file's order."""
    rooms = [r.name for r in parsed.rooms]
    tracks = [t.name for t in parsed.tracks]
    types: list[str] = []
    for session in parsed.sessions:
        if not _is_all_rooms(session.room):
            rooms.append(session.room)
        if session.track:
            tracks.append(session.track)
        if _plenary_kind(session) is None:
            types.append(session.type or DEFAULT_TYPE)
    unique = lambda names: list({n.casefold(): n for n in reversed(names)}.values())[::-1]  # noqa: E731
    used = {s.room.casefold() for s in parsed.sessions}
    rooms = [r for r in unique(rooms) if r.casefold() in used and not _is_all_rooms(r)]
    return rooms, unique(tracks), unique(types)


def _day_spans(
    parsed: ParsedSchedule, zone: ZoneInfo
) -> dict[dt.date, tuple[dt.datetime, dt.datetime]]:
    spans: dict[dt.date, tuple[dt.datetime, dt.datetime]] = {}
    for session in parsed.sessions:
        day = session.starts_at.astimezone(zone).date()
        start, end = spans.get(day, (session.starts_at, session.ends_at))
        spans[day] = (min(start, session.starts_at), max(end, session.ends_at))
    return spans


def preview_schedule(*, parsed: ParsedSchedule, event: Event, actor: User) -> Preview:
    """What importing `parsed` into `event` would create, update and skip, and why. Reads
    only: nothing is added, changed or flushed."""
    require_importer(actor, event)
    with db.session.no_autoflush:
        return _preview(parsed, event, _state(event, parsed))


def _preview(parsed: ParsedSchedule, event: Event, state: _State) -> Preview:
    zone = ZoneInfo(event.timezone)
    preview = Preview(timezone=event.timezone)
    preview.skipped.extend(asdict(s) for s in parsed.skipped)
    if parsed.timezone and parsed.timezone != event.timezone:
        preview.notes.append(
            _(
                "The file's times are in %(file)s; they are shown here in the event's zone, "
                "%(event)s.",
                file=parsed.timezone,
                event=event.timezone,
            )
        )
    rooms, tracks, types = _named_items(parsed)
    capacities = {r.name.casefold(): r.capacity for r in parsed.rooms}
    for name in rooms:
        row = state.rooms.get(name.casefold())
        capacity = capacities.get(name.casefold())
        changed = row is not None and capacity is not None and row.capacity != capacity
        action = "create" if row is None else "update" if changed else "keep"
        preview.lines.append(Line("room", name, action, _capacity(capacity)))
    colour_of = _track_colours(parsed, preview)
    for name in tracks:
        row = state.tracks.get(name.casefold())
        colour = colour_of.get(name.casefold(), "")
        changed = row is not None and colour and (row.colour or "") != colour
        action = "create" if row is None else "update" if changed else "keep"
        preview.lines.append(Line("track", name, action, colour))
    for name in types:
        action = "keep" if name.casefold() in state.types else "create"
        preview.lines.append(Line("type", name, action))
    for day, (start, end) in sorted(_day_spans(parsed, zone).items()):
        row = state.days.get(day)
        wider = row is not None and (start < row.starts_at or end > row.ends_at)
        action = "create" if row is None else "update" if wider else "keep"
        preview.lines.append(
            Line(
                "day",
                day.isoformat(),
                action,
                _("%(start)s to %(end)s", start=_fmt(start, zone), end=_fmt(end, zone)),
            )
        )
    _preview_people(parsed, state, preview)
    for session in parsed.sessions:
        guid = state.guid_for(event, session.guid)
        slot = state.slots.get(guid)
        detail = f"{_fmt(session.starts_at, zone)}, {session.duration_minutes} min, {session.room}"
        if guid != session.guid:
            detail += " · " + _("its guid is another event's here, so it gets %(guid)s", guid=guid)
        action = "create" if slot is None else "update" if _slot_differs(slot, session) else "keep"
        preview.lines.append(Line("session", session.title, action, detail))
    if parsed.starts_on and parsed.ends_on and parsed.starts_on > parsed.ends_on:
        preview.notes.append(
            _("The file's conference ends before it starts; its dates are ignored.")
        )
    return preview


def _capacity(capacity: int | None) -> str:
    return _("%(n)d seats", n=capacity) if capacity else ""


def _preview_people(parsed: ParsedSchedule, state: _State, preview: Preview) -> None:
    seen: set[str] = set()
    for session in parsed.sessions:
        for person in session.persons:
            if person.key in seen:
                continue
            seen.add(person.key)
            target = _person_target(person, state)
            if target is not None:
                preview.lines.append(
                    Line("speaker", person.name, "keep", _("an existing person here"))
                )
            elif person.email:
                preview.lines.append(
                    Line(
                        "speaker",
                        person.name,
                        "create",
                        _("invited by mail to claim their account"),
                    )
                )
            else:
                preview.lines.append(
                    Line(
                        "speaker", person.name, "create", _("no address in the file: no invitation")
                    )
                )


def _slot_differs(slot: Slot, session: ParsedSession) -> bool:
    room = slot.room.name if slot.room is not None else ""
    moved = slot.starts_at != session.starts_at or slot.duration_minutes != session.duration_minutes
    proposal = slot.proposal
    title = proposal.title if proposal is not None else slot.title
    placed = slot.all_rooms != _is_all_rooms(session.room) or (
        not slot.all_rooms and room.casefold() != session.room.casefold()
    )
    if proposal is None:
        return moved or placed or title != session.title
    track = proposal.track.name if proposal.track is not None else ""
    speakers = [" ".join(s.user.display_name.split()) for s in proposal.speakers if s.user]
    details = (
        proposal.abstract != session.abstract
        or proposal.description != session.description
        or track.casefold() != session.track.casefold()
        or (session.language and proposal.language != session.language)
        or speakers != list(dict.fromkeys(" ".join(p.name.split()) for p in session.persons))
    )
    return moved or placed or title != session.title or bool(details)


# --- the import ----------------------------------------------------------------------------------


def _free_slug(name: str, taken: set[str], fallback: str) -> str:
    base = slugify(name, fallback)[:90]
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def _apply_rooms(event: Event, parsed: ParsedSchedule, state: _State, now: dt.datetime) -> None:
    rooms, _tracks, _types = _named_items(parsed)
    given = {r.name.casefold(): r for r in parsed.rooms}
    slugs = {r.slug for r in state.rooms.values()}
    position = max((r.position for r in state.rooms.values()), default=-1) + 1
    for name in rooms:
        source = given.get(name.casefold())
        capacity = source.capacity if source is not None else None
        row = state.rooms.get(name.casefold())
        if row is None:
            row = Room(
                event_id=event.id,
                name=name,
                slug=_free_slug(name, slugs, "room"),
                capacity=capacity,
                position=position,
                created_at=now,
            )
            if source is not None and source.guid and _unused_room_guid(source.guid):
                row.public_id = source.guid
            position += 1
            db.session.add(row)
            state.rooms[name.casefold()] = row
        elif capacity is not None:
            row.capacity = capacity
    if not state.rooms and any(_is_all_rooms(s.room) for s in parsed.sessions):
        row = Room(event_id=event.id, name=_("Main room"), slug="main-room", created_at=now)
        db.session.add(row)
        state.rooms[row.name.casefold()] = row


def _unused_room_guid(guid: str) -> bool:
    try:
        uuid.UUID(guid)
    except ValueError:
        return False
    return db.session.scalar(select(Room.id).where(Room.public_id == guid)) is None


def _apply_tracks_and_types(
    event: Event, parsed: ParsedSchedule, state: _State, preview: Preview
) -> None:
    _rooms, tracks, types = _named_items(parsed)
    colour_of = {
        line.name.casefold(): line.detail for line in preview.lines if line.kind == "track"
    }
    slugs = {t.slug for t in state.tracks.values()}
    position = max((t.position for t in state.tracks.values()), default=-1) + 1
    for name in tracks:
        row = state.tracks.get(name.casefold())
        colour = colour_of.get(name.casefold(), "")
        if row is None:
            row = Track(
                event_id=event.id,
                name=name,
                slug=_free_slug(name, slugs, "track"),
                colour=colour,
                position=position,
            )
            position += 1
            db.session.add(row)
            state.tracks[name.casefold()] = row
        elif colour:
            row.colour = colour
    durations: dict[str, Counter[int]] = {}
    for session in parsed.sessions:
        if _plenary_kind(session) is None:
            name = (session.type or DEFAULT_TYPE).casefold()
            durations.setdefault(name, Counter())[session.duration_minutes] += 1
    position = max((t.position for t in state.types.values()), default=-1) + 1
    for name in types:
        if name.casefold() not in state.types:
            minutes = durations[name.casefold()].most_common(1)[0][0]
            row = SessionType(
                event_id=event.id, name=name, duration_minutes=minutes, position=position
            )
            position += 1
            db.session.add(row)
            state.types[name.casefold()] = row


def _apply_days(event: Event, parsed: ParsedSchedule, state: _State) -> None:
    zone = ZoneInfo(event.timezone)
    spans = _day_spans(parsed, zone)
    for day, (start, end) in spans.items():
        row = state.days.get(day)
        if row is None:
            row = ScheduleDay(event_id=event.id, day=day, starts_at=start, ends_at=end)
            db.session.add(row)
            state.days[day] = row
        else:
            row.starts_at = min(row.starts_at, start)
            row.ends_at = max(row.ends_at, end)
    if spans:
        event.starts_on = min(event.starts_on, min(spans))
        event.ends_on = max(event.ends_on, max(spans))


def _apply_people(
    event: Event, parsed: ParsedSchedule, state: _State, now: dt.datetime
) -> tuple[dict[str, User], list[User]]:
    """Each person of the file as an account (existing, or new and unclaimed), their
    biography on their speaker profile; and the new accounts with an address."""
    found: dict[str, User] = {}
    new: list[User] = []
    bios: dict[int, str] = {}
    for session in parsed.sessions:
        for person in session.persons:
            user = found.get(person.key)
            if user is None:
                user = _person_target(person, state)
                if user is None:
                    user = people.person_for_import(
                        display_name=person.name, email=person.email, now=now
                    )
                    new.append(user)
                    state.speakers[person.name.casefold()] = user
                found[person.key] = user
            if person.biography:
                bios[user.id] = person.biography
    profiles = {
        p.user_id: p
        for p in db.session.scalars(
            select(SpeakerProfile).where(
                SpeakerProfile.event_id == event.id,
                SpeakerProfile.user_id.in_([u.id for u in found.values()] or [0]),
            )
        )
    }
    for user in {u.id: u for u in found.values()}.values():
        profile = profiles.get(user.id)
        if profile is None:
            profile = SpeakerProfile(event_id=event.id, user_id=user.id, updated_at=now)
            db.session.add(profile)
        if bios.get(user.id) and profile.bio != bios[user.id]:
            profile.bio = bios[user.id]
            profile.updated_at = now
    return found, [u for u in new if people.is_unclaimed(u)]


def _apply_session(
    event: Event,
    session: ParsedSession,
    *,
    state: _State,
    users: dict[str, User],
    actor: User,
    now: dt.datetime,
) -> None:
    guid = state.guid_for(event, session.guid)
    all_rooms = _is_all_rooms(session.room)
    room = next(iter(state.rooms.values())) if all_rooms else state.rooms[session.room.casefold()]
    slot = state.slots.get(guid)
    plenary = _plenary_kind(session)
    if slot is None:
        slot = Slot(
            public_id=guid,
            event_id=event.id,
            kind=SlotKind.PLENARY if plenary is not None else SlotKind.TALK,
            plenary_kind=plenary,
            duration_minutes=session.duration_minutes,
            created_at=now,
            updated_at=now,
        )
        code = _free_code(session.code) if session.code else None
        if code is not None:
            slot.code = code
        db.session.add(slot)
        state.slots[guid] = slot
    slot.room = room
    slot.all_rooms = all_rooms
    slot.starts_at = session.starts_at
    slot.duration_minutes = session.duration_minutes
    slot.updated_at = now
    slot.updated_by_id = actor.id
    if slot.kind is SlotKind.TALK:
        proposal = slot.proposal or _new_proposal(event, session, state, now)
        slot.proposal = proposal
        _fill_proposal(proposal, session, state, now)
        _set_speakers(proposal, [users[p.key] for p in session.persons], now)
        _add_links(event, proposal, session, actor, now)
    else:
        slot.title = session.title


def _free_code(code: str) -> str | None:
    """Keep the file's public code when no other row here has it; else a new one."""
    taken = db.session.scalar(select(Slot.id).where(Slot.code == code))
    return None if taken is not None else code


def _new_proposal(
    event: Event, session: ParsedSession, state: _State, now: dt.datetime
) -> Proposal:
    proposal = Proposal(
        event_id=event.id,
        session_type=state.types[(session.type or DEFAULT_TYPE).casefold()],
        title=session.title,
        duration_minutes=session.duration_minutes,
        state=ProposalState.CONFIRMED,
        created_at=now,
        submitted_at=now,
        decided_at=now,
        content_changed_at=now,
    )
    db.session.add(proposal)
    return proposal


def _fill_proposal(
    proposal: Proposal, session: ParsedSession, state: _State, now: dt.datetime
) -> None:
    values = {
        "title": session.title,
        "abstract": session.abstract,
        "description": session.description,
        "duration_minutes": session.duration_minutes,
        "language": session.language or proposal.language or "en",
        "track": state.tracks.get(session.track.casefold()) if session.track else None,
    }
    changed = False
    for name, value in values.items():
        if getattr(proposal, name) != value:
            setattr(proposal, name, value)
            changed = True
    if changed:
        proposal.content_changed_at = now


def _set_speakers(proposal: Proposal, users: list[User], now: dt.datetime) -> None:
    wanted = list({u.id: u for u in users}.values())
    current = {s.user_id: s for s in proposal.speakers if s.user_id is not None}
    for user_id, row in current.items():
        if user_id not in {u.id for u in wanted}:
            proposal.speakers.remove(row)
    for index, user in enumerate(wanted):
        role = SpeakerRole.PRIMARY if index == 0 else SpeakerRole.CO_SPEAKER
        row = current.get(user.id)
        if row is None:
            proposal.speakers.append(
                ProposalSpeaker(
                    user=user, role=role, email=user.email, invited_at=now, accepted_at=now
                )
            )
        elif row.role != role:
            row.role = role


def _add_links(
    event: Event, proposal: Proposal, session: ParsedSession, actor: User, now: dt.datetime
) -> None:
    if not session.links:
        return
    have = set()
    if proposal.id is not None:
        have = set(
            db.session.scalars(
                select(SessionMaterial.url).where(SessionMaterial.proposal_id == proposal.id)
            )
        )
    for position, link in enumerate(session.links):
        if link.url in have:
            continue
        have.add(link.url)
        db.session.add(
            SessionMaterial(
                event_id=event.id,
                proposal=proposal,
                kind=MaterialKind(link.kind),
                title=link.title,
                url=link.url,
                added_by_id=actor.id,
                position=position,
                created_at=now,
            )
        )


def import_schedule(
    *,
    parsed: ParsedSchedule,
    event: Event,
    actor: User,
    now: dt.datetime,
    release: bool = False,
    comment: str = "",
) -> Result:
    """Import `parsed` into `event`: what `preview_schedule` lists, written, then (when
    `release`) released as the schedule's next version. When a conflict blocks the release,
    or nothing changed since the last one, the import stays as a draft and `not_released`
    says why. Speakers' release mails are not sent (they get the invitation to claim their
    account instead); attendees' neither, since the schedule is not news to them."""
    require_importer(actor, event)
    with db.session.no_autoflush:
        state = _state(event, parsed)
        preview = _preview(parsed, event, state)
    if not parsed.sessions:
        raise WrongState(_("The file has no session that can be imported."))
    _apply_rooms(event, parsed, state, now)
    _apply_tracks_and_types(event, parsed, state, preview)
    _apply_days(event, parsed, state)
    db.session.flush()
    users, new = _apply_people(event, parsed, state, now)
    for session in parsed.sessions:
        _apply_session(event, session, state=state, users=users, actor=actor, now=now)
    db.session.flush()
    result = Result(preview=preview)
    result.invited = sum(
        1 for user in new if people.invite_to_claim(user=user, event=event, now=now)
    )
    audit.record(
        action="schedule.import",
        actor=actor,
        now=now,
        object_type="event",
        object_id=event.id,
        event=event,
        details={
            "sessions": len(parsed.sessions),
            "skipped": len(preview.skipped),
            **{
                f"{kind}_{action}": n
                for kind, counts in preview.summary.items()
                for action, n in counts.items()
                if n
            },
        },
    )
    if release:
        try:
            with db.session.begin_nested():
                made = releases.release(
                    event=event, actor=actor, now=now, comment=comment, notify=False
                )
            result.released = made.number
        except WrongState as error:
            result.not_released = str(error)
    return result


def new_event_from_schedule(
    *, parsed: ParsedSchedule, slug: str, actor: User, now: dt.datetime, timezone: str = ""
) -> Event:
    """A new event (private until its organizers publish it) named, dated and zoned as the
    file's conference says; `timezone` when the file names none (else UTC). Only site
    admins create events (`events.create_event` checks)."""
    from organizer.services import events  # the event service sits beside, not below

    zone = parsed.timezone or timezone or "UTC"
    local_days = sorted({s.starts_at.astimezone(ZoneInfo(zone)).date() for s in parsed.sessions})
    starts_on = parsed.starts_on or (local_days[0] if local_days else now.date())
    ends_on = parsed.ends_on or (local_days[-1] if local_days else starts_on)
    if ends_on < starts_on:
        ends_on = starts_on
    details = events.EventDetails(
        slug=slug,
        name=parsed.title or slug,
        timezone=zone,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    return events.create_event(actor=actor, details=details, now=now)
