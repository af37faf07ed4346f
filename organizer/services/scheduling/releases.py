"""Releases: the schedule frozen as a numbered version, its change log, and the speakers' mails.

Public pages and feeds read the latest release, never the work in progress. A release stores
a snapshot (`snapshot`: one plain dict per placed session, and one per talk inside a placed
block) and the change log against the release before (`change_log`). Speakers of a session
that was added, moved, put in another room or cancelled get a mail with the session as an
.ics attachment: the same UID as before and a higher SEQUENCE, so their calendar updates the
entry instead of adding a second one. Attendees with an account who starred a session that
moved, changed room or was cancelled get one mail per release listing their sessions (no
attachment: their personal feed updates by itself); anonymous agendas get no mail.

The snapshot format is a contract read by the feeds and the automatic scheduler:

    {"uid", "slot_id", "kind", "title", "plenary_kind", "container_kind", "all_rooms",
     "room_id", "room", "starts_at", "ends_at", "duration", "proposal", "abstract", "track",
     "session_type", "language", "speakers": [{"id", "name"}], "parent", "children",
     "position", "stream_url", "sequence"}

Times are ISO 8601 in UTC. A talk inside a block takes the block's room and times. Entries
are sorted by start, room (in display order, "all rooms" first) and title, a block's talks
right after it in their order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer, selectinload

from organizer.enums import ProposalState, Severity, SlotKind
from organizer.errors import Conflict, ValidationFailed
from organizer.extensions import db
from organizer.models import (
    Event,
    OutboxMessage,
    Proposal,
    Room,
    ScheduleRelease,
    Slot,
    SpeakerProfile,
    User,
)
from organizer.services import agendas, audit, mail
from organizer.services.exports import ical
from organizer.services.scheduling import editor
from organizer.services.scheduling.conflicts import Conflict as ScheduleConflict
from organizer.services.scheduling.conflicts import find_conflicts
from organizer.services.scheduling.plan import Plan, active_slots, build_plan

# A session that left the schedule because its proposal ended in one of these states was
# cancelled (by the speaker or the organizers); any other disappearance is a removal.
CANCELLED_STATES = (ProposalState.CANCELLED, ProposalState.WITHDRAWN, ProposalState.DECLINED)

# Change types, in the order a change log lists them when they happen at the same time.
ADDED = "added"
MOVED = "moved"
ROOM_CHANGED = "room_changed"
MOVED_AND_ROOM_CHANGED = "moved_and_room_changed"
CANCELLED = "cancelled"
REMOVED = "removed"
CHANGE_TYPES = (ADDED, MOVED, ROOM_CHANGED, MOVED_AND_ROOM_CHANGED, CANCELLED, REMOVED)

# The changes whose speakers get a mail with the updated .ics.
MAILED = (ADDED, MOVED, ROOM_CHANGED, MOVED_AND_ROOM_CHANGED, CANCELLED)

# The changes attendees who starred the session hear about (an added session cannot have
# been starred before; a removed one is back in the editor, not cancelled).
WATCHED = (MOVED, ROOM_CHANGED, MOVED_AND_ROOM_CHANGED, CANCELLED)

BLOCKING = (Severity.BLOCKS_SAVING, Severity.BLOCKS_RELEASE)
COMMENT_MAX = 2000
MAIL_PURPOSE = "schedule_changed"
ATTENDEE_MAIL_PURPOSE = "agenda_changed"


# --- reading ----------------------------------------------------------------------------------


def latest(event: Event) -> ScheduleRelease | None:
    """The release the public sees, or None before the first."""
    return db.session.scalar(
        select(ScheduleRelease)
        .options(
            defer(ScheduleRelease.vevents),
            defer(ScheduleRelease.frab_xml),
            defer(ScheduleRelease.frab_json),
        )
        .where(ScheduleRelease.event_id == event.id)
        .order_by(ScheduleRelease.number.desc())
        .limit(1)
    )


def last_released_at(event: Event) -> dt.datetime | None:
    """When the latest release was made (for Last-Modified), without loading its sessions."""
    return db.session.scalar(
        select(func.max(ScheduleRelease.released_at)).where(ScheduleRelease.event_id == event.id)
    )


def releases_of(event: Event) -> Select[tuple[ScheduleRelease]]:
    """Every release, newest first, for a paginated list: change logs and who released them
    are loaded, the (large) snapshots are not."""
    return (
        select(ScheduleRelease)
        .where(ScheduleRelease.event_id == event.id)
        .options(
            defer(ScheduleRelease.sessions),
            defer(ScheduleRelease.vevents),
            defer(ScheduleRelease.frab_xml),
            defer(ScheduleRelease.frab_json),
            selectinload(ScheduleRelease.released_by),
        )
        .order_by(ScheduleRelease.number.desc())
    )


def release_by_number(event: Event, number: int) -> ScheduleRelease | None:
    return db.session.scalar(
        select(ScheduleRelease)
        .where(ScheduleRelease.event_id == event.id, ScheduleRelease.number == number)
        .options(
            defer(ScheduleRelease.vevents),
            defer(ScheduleRelease.frab_xml),
            defer(ScheduleRelease.frab_json),
            selectinload(ScheduleRelease.released_by),
        )
    )


def notified_count(release: ScheduleRelease) -> int:
    """How many people the release's mails go to."""
    return (
        db.session.scalar(
            select(func.count(func.distinct(OutboxMessage.to_address))).where(
                OutboxMessage.idempotency_key.like(f"schedule-release:{release.id}:%")
            )
        )
        or 0
    )


def calendar_host() -> str:
    """The host in calendar UIDs (`<slot uuid>@<host>`): the site's own, from BASE_URL (or the
    server name), so that the mails and the feeds give a session the same UID."""
    return urlsplit(mail.external_url("public.home")).hostname or "localhost"


# --- the snapshot -----------------------------------------------------------------------------


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def _stream(slot: Slot, fallback: str) -> str:
    """The slot's link when it is public, else the room's (or block's) public link, else ""."""
    if slot.stream_url and slot.stream_public:
        return slot.stream_url
    return fallback


def _room_stream(room: Room | None) -> str:
    if room is not None and room.stream_url and room.stream_public:
        return room.stream_url
    return ""


def _entry(
    slot: Slot,
    *,
    room: Room | None,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    all_rooms: bool,
    parent: str | None,
    children: list[str],
    stream_url: str,
) -> dict[str, Any]:
    proposal = slot.proposal
    speakers = []
    if proposal is not None:
        speakers = [
            {"id": s.user_id, "name": s.user.display_name}
            for s in proposal.speakers
            if s.user_id is not None and s.user is not None
        ]
    return {
        "uid": slot.public_id,
        "code": slot.code,
        "slot_id": slot.id,
        "kind": slot.kind.value,
        "title": slot.display_title,
        "plenary_kind": slot.plenary_kind.value if slot.plenary_kind else None,
        "container_kind": slot.container_kind.value if slot.container_kind else None,
        "all_rooms": all_rooms,
        "room_id": None if all_rooms or room is None else room.id,
        "room": "" if all_rooms or room is None else room.name,
        "starts_at": _utc(starts_at),
        "ends_at": _utc(ends_at),
        "duration": int((ends_at - starts_at).total_seconds() // 60),
        "proposal": proposal.public_id if proposal is not None else None,
        "abstract": proposal.abstract if proposal is not None else "",
        "track": proposal.track.name if proposal is not None and proposal.track else None,
        "track_id": proposal.track_id if proposal is not None else None,
        "session_type": proposal.session_type.name if proposal is not None else None,
        "session_type_id": proposal.session_type_id if proposal is not None else None,
        "language": proposal.language if proposal is not None else None,
        "speakers": speakers,
        "parent": parent,
        "children": children,
        "position": slot.position,
        "stream_url": stream_url,
        "sequence": 0,
    }


def _rooms(event: Event) -> list[Room]:
    return list(
        db.session.scalars(
            select(Room).where(Room.event_id == event.id).order_by(Room.position, Room.name)
        )
    )


def _snapshot(event: Event, slots: list[Slot]) -> list[dict[str, Any]]:
    rooms = _rooms(event)
    by_id = {room.id: room for room in rooms}
    order = {room.id: index for index, room in enumerate(rooms)}
    active = {slot.id for slot in slots}
    keyed: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    for slot in slots:
        if slot.parent_id in active or slot.room_id is None or slot.starts_at is None:
            continue  # in a block (it comes with the block), or not placed
        room = by_id.get(slot.room_id)
        starts_at = slot.starts_at
        ends_at = starts_at + dt.timedelta(minutes=slot.duration_minutes)
        talks = (
            [child for child in slot.children if child.id in active]
            if slot.kind is SlotKind.CONTAINER
            else []
        )
        stream = _stream(slot, _room_stream(room))
        entry = _entry(
            slot,
            room=room,
            starts_at=starts_at,
            ends_at=ends_at,
            all_rooms=slot.all_rooms,
            parent=None,
            children=[child.public_id for child in talks],
            stream_url=stream,
        )
        place = (starts_at, -1 if slot.all_rooms else order.get(slot.room_id, len(order)))
        group = (*place, entry["title"], slot.public_id)
        keyed.append(((*group, -1, ""), entry))
        for child in talks:
            child_entry = _entry(
                child,
                room=room,
                starts_at=starts_at,
                ends_at=ends_at,
                all_rooms=slot.all_rooms,
                parent=slot.public_id,
                children=[],
                stream_url=_stream(child, stream),
            )
            keyed.append(((*group, child.position, child_entry["title"]), child_entry))
    keyed.sort(key=lambda pair: pair[0])
    return [entry for _key, entry in keyed]


def snapshot(event: Event) -> list[dict[str, Any]]:
    """The schedule as it would be released now (every SEQUENCE 0: `release` sets them)."""
    return _snapshot(event, active_slots(event))


# --- the change log ---------------------------------------------------------------------------


def _place(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "room": entry["room"],
        "all_rooms": entry["all_rooms"],
        "starts_at": entry["starts_at"],
        "ends_at": entry["ends_at"],
    }


def change_log(
    previous: list[dict[str, Any]] | None,
    current: list[dict[str, Any]],
    *,
    cancelled_uids: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """What changed from `previous` (None before the first release) to `current`.

    Each entry is {"type", "uid", "title", "before", "after"}, the places being {"room",
    "all_rooms", "starts_at", "ends_at"} or None. A session that is gone is "cancelled" when
    its uid is in `cancelled_uids` (its proposal was cancelled, withdrawn or declined), else
    "removed"; gone entries also keep the SEQUENCE their calendar entry has now. Sorted by
    time (after, else before), type, title and uid.
    """
    cancelled = set(cancelled_uids)
    before = {entry["uid"]: entry for entry in previous or []}
    after = {entry["uid"]: entry for entry in current}
    changes: list[dict[str, Any]] = []
    for uid, entry in after.items():
        old = before.get(uid)
        if old is None:
            changes.append(
                {
                    "type": ADDED,
                    "uid": uid,
                    "title": entry["title"],
                    "before": None,
                    "after": _place(entry),
                }
            )
            continue
        moved = (old["starts_at"], old["ends_at"]) != (entry["starts_at"], entry["ends_at"])
        rehoused = (old["room_id"], old["all_rooms"]) != (entry["room_id"], entry["all_rooms"])
        if not (moved or rehoused):
            continue
        kind = MOVED_AND_ROOM_CHANGED if moved and rehoused else MOVED if moved else ROOM_CHANGED
        changes.append(
            {
                "type": kind,
                "uid": uid,
                "title": entry["title"],
                "before": _place(old),
                "after": _place(entry),
            }
        )
    for uid, old in before.items():
        if uid in after:
            continue
        gone = uid in cancelled
        changes.append(
            {
                "type": CANCELLED if gone else REMOVED,
                "uid": uid,
                "title": old["title"],
                "before": _place(old),
                "after": None,
                # A cancellation is sent as an update of the calendar entry.
                "sequence": old.get("sequence", 0) + (1 if gone else 0),
            }
        )

    def key(change: dict[str, Any]) -> tuple[Any, ...]:
        place = change["after"] or change["before"]
        return (
            place["starts_at"],
            CHANGE_TYPES.index(change["type"]),
            change["title"],
            change["uid"],
        )

    return sorted(changes, key=key)


def _content(entry: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in entry.items() if key != "sequence"}


def _history(event: Event, uids: set[str]) -> dict[str, int]:
    """The highest SEQUENCE each uid ever had in the event's releases (for a session that
    comes back after it was removed or cancelled: its calendar entry must move forward)."""
    if not uids:
        return {}
    found: dict[str, int] = {}
    rows = db.session.execute(
        select(ScheduleRelease.sessions, ScheduleRelease.changes).where(
            ScheduleRelease.event_id == event.id
        )
    )
    for sessions, changes in rows:
        for item in [*(sessions or []), *(changes or [])]:
            uid = item.get("uid")
            if uid in uids and "sequence" in item:
                found[uid] = max(found.get(uid, -1), int(item["sequence"]))
    return found


def _sequenced(
    event: Event, previous: list[dict[str, Any]] | None, current: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each entry's SEQUENCE: the same as before when the session did not change, one more
    when it did, 0 for a new one (or one more than its last, if it had been released once)."""
    before = {entry["uid"]: entry for entry in previous or []}
    new = {entry["uid"] for entry in current if entry["uid"] not in before}
    history = _history(event, new) if previous is not None else {}
    result = []
    for entry in current:
        old = before.get(entry["uid"])
        if old is None:
            sequence = history.get(entry["uid"], -1) + 1
        elif _content(old) == _content(entry):
            sequence = int(old.get("sequence", 0))
        else:
            sequence = int(old.get("sequence", 0)) + 1
        result.append({**entry, "sequence": sequence})
    return result


def _cancelled_uids(event: Event, uids: set[str]) -> set[str]:
    if not uids:
        return set()
    return set(
        db.session.scalars(
            select(Slot.public_id)
            .join(Proposal, Slot.proposal_id == Proposal.id)
            .where(
                Slot.event_id == event.id,
                Slot.public_id.in_(uids),
                Proposal.state.in_(CANCELLED_STATES),
            )
        )
    )


# --- the preview ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleasePreview:
    """What releasing now would do."""

    number: int
    previous: ScheduleRelease | None
    sessions: list[dict[str, Any]]
    changes: list[dict[str, Any]]
    blocking: list[ScheduleConflict]  # conflicts that refuse the release
    warnings: list[ScheduleConflict]
    changed: bool  # anything differs from the previous release (always True for the first)
    unplaced: int  # accepted talks and items not on the grid (not released)
    recipients: int  # people who would get a mail
    fingerprint: str  # changes whenever what would be released changes
    plan: Plan

    def public_id(self, session_id: int) -> str:
        return self.plan.sessions[session_id].public_id


def _fingerprint(sessions: list[dict[str, Any]], changes: list[dict[str, Any]]) -> str:
    content = json.dumps(
        {"sessions": [_content(e) for e in sessions], "changes": changes},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(content.encode()).hexdigest()[:32]


def _mail_targets(
    changes: list[dict[str, Any]],
    current: list[dict[str, Any]],
    previous: list[dict[str, Any]] | None,
) -> list[tuple[dict[str, Any], dict[str, Any], int]]:
    """(change, the session's entry, speaker id) for each mail a release sends."""
    now_by_uid = {entry["uid"]: entry for entry in current}
    then_by_uid = {entry["uid"]: entry for entry in previous or []}
    targets = []
    for change in changes:
        if change["type"] not in MAILED:
            continue
        if change["type"] == CANCELLED:
            entry = {
                **then_by_uid[change["uid"]],
                "sequence": change["sequence"],
                "status": "cancelled",
            }
        else:
            entry = now_by_uid[change["uid"]]
        targets.extend((change, entry, speaker["id"]) for speaker in entry["speakers"])
    return targets


def preview(event: Event) -> ReleasePreview:
    """The next release as it would be made now, with what blocks it. Reads only."""
    previous = latest(event)
    slots = active_slots(event)
    before = previous.sessions if previous is not None else None
    sessions = _sequenced(event, before, _snapshot(event, slots))
    gone = {e["uid"] for e in before or []} - {e["uid"] for e in sessions}
    changes = change_log(before, sessions, cancelled_uids=_cancelled_uids(event, gone))
    plan = build_plan(event, slots)
    conflicts = find_conflicts(plan)
    changed = before is None or [_content(e) for e in before] != [_content(e) for e in sessions]
    unplaced = sum(1 for s in plan.top_level() if not s.placed)
    return ReleasePreview(
        number=(previous.number if previous is not None else 0) + 1,
        previous=previous,
        sessions=sessions,
        changes=changes,
        blocking=[c for c in conflicts if c.severity in BLOCKING],
        warnings=[c for c in conflicts if c.severity is Severity.WARNING],
        changed=changed,
        unplaced=unplaced,
        recipients=len({target[2] for target in _mail_targets(changes, sessions, before)}),
        fingerprint=_fingerprint(sessions, changes),
        plan=plan,
    )


# --- releasing --------------------------------------------------------------------------------


def _give_speakers_profiles(event: Event, sessions: list[dict[str, Any]], now: dt.datetime) -> None:
    """Every released speaker gets a speaker profile, whose code is their public address
    (/<event>/speakers/<code>/); most have one already from the call for talks."""
    ids = {speaker["id"] for entry in sessions for speaker in entry["speakers"]}
    if not ids:
        return
    have = set(
        db.session.scalars(
            select(SpeakerProfile.user_id).where(
                SpeakerProfile.event_id == event.id, SpeakerProfile.user_id.in_(ids)
            )
        )
    )
    db.session.add_all(
        SpeakerProfile(event_id=event.id, user_id=user_id, updated_at=now)
        for user_id in sorted(ids - have)
    )


def release(
    *,
    event: Event,
    actor: User,
    now: dt.datetime,
    comment: str = "",
    expected: str | None = None,
    notify: bool = True,
) -> ScheduleRelease:
    """Release the schedule as the next version and queue the speakers' and attendees' mails
    (unless `notify` is False: synthetic benchmark data, whose people are made up).

    Refused (Conflict) while a conflict that blocks releases remains, when nothing changed
    since the previous version, or when `expected` (the preview's fingerprint the organizer
    saw) no longer matches because someone changed the schedule meanwhile.
    """
    editor.require_manager(actor, event)
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationFailed(
            {"comment": _("Keep the comment under %(n)d characters.", n=COMMENT_MAX)}
        )
    upcoming = preview(event)
    if upcoming.blocking:
        raise Conflict(
            ngettext(
                "Not released: %(num)d conflict blocks a release. Solve it first: %(first)s",
                "Not released: %(num)d conflicts block a release. Solve them first; the "
                "first is: %(first)s",
                len(upcoming.blocking),
                first=upcoming.blocking[0].message,
            )
        )
    if not upcoming.changed:
        raise Conflict(
            _(
                "Nothing changed since version %(number)d, so there is nothing to release.",
                number=upcoming.previous.number if upcoming.previous else 0,
            )
        )
    if expected and expected != upcoming.fingerprint:
        raise Conflict(
            _(
                "The schedule changed while you were looking at it. Check the changes below, "
                "then release again."
            )
        )
    row = ScheduleRelease(
        event_id=event.id,
        number=upcoming.number,
        comment=comment,
        released_at=now,
        released_by_id=actor.id,
        sessions=upcoming.sessions,
        changes=upcoming.changes,
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError as error:
        raise Conflict(
            _(
                "Someone else released version %(number)d at the same moment. Reload the page "
                "to see it.",
                number=upcoming.number,
            )
        ) from error
    _give_speakers_profiles(event, upcoming.sessions, now)
    audit.record(
        action="schedule.release",
        actor=actor,
        now=now,
        object_type="schedule_release",
        object_id=row.id,
        event=event,
        details={
            "number": row.number,
            "changes": len(upcoming.changes),
            "sessions": len(upcoming.sessions),
            "comment": comment,
        },
    )
    previous = upcoming.previous.sessions if upcoming.previous is not None else None
    if notify:
        _queue_mails(event=event, release=row, previous=previous, now=now)
        _queue_attendee_mails(event=event, release=row, previous=previous, now=now)
    from organizer.services import feeds  # feeds build on releases: imported here, not above

    feeds.store_renderings(event, row)
    return row


def _when(place: dict[str, Any] | None) -> dict[str, Any] | None:
    """A change's place with datetimes, for templates."""
    if place is None:
        return None
    return {
        **place,
        "starts_at": dt.datetime.fromisoformat(place["starts_at"]),
        "ends_at": dt.datetime.fromisoformat(place["ends_at"]),
    }


def _queue_mails(
    *,
    event: Event,
    release: ScheduleRelease,
    previous: list[dict[str, Any]] | None,
    now: dt.datetime,
) -> None:
    targets = _mail_targets(release.changes, release.sessions, previous)
    if not targets:
        return
    people = {
        user.id: user
        for user in db.session.scalars(
            select(User).where(User.id.in_({target[2] for target in targets}))
        )
    }
    titles = {entry["uid"]: entry["title"] for entry in release.sessions}
    host = calendar_host()
    changes_url = mail.external_url("programme.changes", event_slug=event.slug)
    for change, entry, speaker_id in targets:
        person = people.get(speaker_id)
        if person is None or not person.email:
            continue
        with force_locale(person.locale):
            ics = ical.calendar(
                [entry], event=event, host=host, method="PUBLISH", stamp=release.released_at
            )
        mail.queue_mail(
            to=person.email,
            purpose=MAIL_PURPOSE,
            context={
                "speaker": person,
                "release": release,
                "change": {
                    **change,
                    "before": _when(change["before"]),
                    "after": _when(change["after"]),
                },
                "block": titles.get(entry.get("parent") or ""),
                "changes_url": changes_url,
            },
            now=now,
            event=event,
            idempotency_key=f"schedule-release:{release.id}:{entry['uid']}:{speaker_id}",
            locale=person.locale,
            attachments=[
                {
                    "filename": "session.ics",
                    "content_type": "text/calendar",
                    "content": ics.decode("utf-8"),
                }
            ],
        )


def _watched_slots(
    event: Event, changes: list[dict[str, Any]], entries: dict[str, dict[str, Any]]
) -> dict[str, int]:
    """uid -> slot id of the changed sessions: from their snapshot entries, and for the few
    without one (an older snapshot) from the slots, in one query."""
    found = {
        change["uid"]: entries[change["uid"]]["slot_id"]
        for change in changes
        if entries.get(change["uid"], {}).get("slot_id") is not None
    }
    missing = {change["uid"] for change in changes} - set(found)
    if missing:
        found.update(
            db.session.execute(
                select(Slot.public_id, Slot.id).where(
                    Slot.event_id == event.id, Slot.public_id.in_(missing)
                )
            ).all()
        )
    return found


def _queue_attendee_mails(
    *,
    event: Event,
    release: ScheduleRelease,
    previous: list[dict[str, Any]] | None,
    now: dt.datetime,
) -> None:
    """One mail per account holder who starred sessions that this release moved, put in
    another room or cancelled, listing those sessions. A speaker's own session is left out:
    the speakers' mail already tells them."""
    changes = [change for change in release.changes if change["type"] in WATCHED]
    if not changes:
        return
    # A cancelled session is only in the previous snapshot; the others are in the new one.
    entries = {
        **{entry["uid"]: entry for entry in previous or []},
        **{entry["uid"]: entry for entry in release.sessions},
    }
    slot_of = _watched_slots(event, changes, entries)
    watching = agendas.watchers(event, slot_of.values())
    if not watching:
        return
    people = {
        user.id: user for user in db.session.scalars(select(User).where(User.id.in_(watching)))
    }
    changes_url = mail.external_url("programme.changes", event_slug=event.slug)
    agenda_url = mail.external_url("programme.agenda", event_slug=event.slug)
    for user_id in sorted(watching):
        person = people.get(user_id)
        if person is None or not person.email:
            continue
        starred = watching[user_id]
        theirs = [
            {**change, "before": _when(change["before"]), "after": _when(change["after"])}
            for change in changes
            if slot_of.get(change["uid"]) in starred
            and user_id not in {s["id"] for s in entries.get(change["uid"], {}).get("speakers", [])}
        ]
        if not theirs:
            continue
        mail.queue_mail(
            to=person.email,
            purpose=ATTENDEE_MAIL_PURPOSE,
            context={
                "person": person,
                "release": release,
                "changes": theirs,
                "changes_url": changes_url,
                "agenda_url": agenda_url,
            },
            now=now,
            event=event,
            idempotency_key=f"agenda-release:{release.id}:{user_id}",
            locale=person.locale,
        )


# --- change logs for reading ------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    room: str
    all_rooms: bool
    starts_at: dt.datetime
    ends_at: dt.datetime


@dataclass(frozen=True)
class ChangeRow:
    """One line of a change log, with datetimes, for pages."""

    type: str
    uid: str
    title: str
    before: Place | None
    after: Place | None


def _place_of(place: dict[str, Any] | None) -> Place | None:
    if place is None:
        return None
    return Place(
        room=place.get("room") or "",
        all_rooms=bool(place.get("all_rooms")),
        starts_at=dt.datetime.fromisoformat(place["starts_at"]),
        ends_at=dt.datetime.fromisoformat(place["ends_at"]),
    )


def change_rows(changes: Iterable[dict[str, Any]]) -> list[ChangeRow]:
    return [
        ChangeRow(
            type=change["type"],
            uid=change["uid"],
            title=change["title"],
            before=_place_of(change.get("before")),
            after=_place_of(change.get("after")),
        )
        for change in changes
    ]


@dataclass(frozen=True)
class SessionRow:
    """One session of a release, with datetimes, for pages."""

    uid: str
    title: str
    kind: str
    room: str
    all_rooms: bool
    starts_at: dt.datetime
    ends_at: dt.datetime
    speakers: tuple[str, ...]
    parent: str | None
    sequence: int


def session_rows(sessions: Iterable[dict[str, Any]]) -> list[SessionRow]:
    return [
        SessionRow(
            uid=entry["uid"],
            title=entry["title"],
            kind=entry["kind"],
            room=entry["room"],
            all_rooms=bool(entry["all_rooms"]),
            starts_at=dt.datetime.fromisoformat(entry["starts_at"]),
            ends_at=dt.datetime.fromisoformat(entry["ends_at"]),
            speakers=tuple(s["name"] for s in entry["speakers"]),
            parent=entry["parent"],
            sequence=int(entry.get("sequence", 0)),
        )
        for entry in sessions
    ]
