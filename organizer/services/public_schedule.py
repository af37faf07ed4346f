"""The public schedule: what attendees see, read from the latest schedule release.

Everything public (pages, feeds, exports) goes through `public_schedule_of(event)`, which turns the
frozen snapshot of the latest `ScheduleRelease` into typed objects in a fixed number of queries,
whatever the size of the schedule. Work in progress in the editor is never shown. Live rows are
read only for what a release does not freeze and that is public anyway: rooms' accessibility
notes and slugs, tracks' slugs, speakers' public profiles (biography, pronouns, affiliation,
handle, website, links, and the version of their photo when they consented to show it),
proposals' descriptions and their slides and recordings (`services/materials.py`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import defer, load_only

from organizer import permissions
from organizer.enums import ContainerKind, MaterialKind, PlenaryKind
from organizer.extensions import db
from organizer.models import (
    Event,
    Proposal,
    Room,
    ScheduleRelease,
    SessionMaterial,
    SessionType,
    Slot,
    SpeakerProfile,
    Track,
    Upload,
    User,
)
from organizer.services.lru import LRU
from organizer.services.scheduling.release_changes import CANCELLED
from organizer.services.weblinks import public_links

FROZEN_SIZE = 8  # parsed snapshots kept per process (one per event and release)
PHOTO_VERSION_LENGTH = 16  # characters of a photo's SHA-256 in its public address


@dataclass(frozen=True)
class SpeakerRef:
    id: int
    name: str
    code: str | None  # None only for a release made before the speaker had a profile


@dataclass(frozen=True)
class PublicSession:
    """One session of a release (a snapshot entry), or a cancelled one kept for feeds."""

    uid: str
    code: str | None
    kind: str  # talk | plenary | container
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    room_id: int | None
    room: str
    all_rooms: bool
    abstract: str = ""
    track: str | None = None
    track_id: int | None = None
    session_type: str | None = None
    session_type_id: int | None = None
    language: str | None = None
    plenary_kind: str | None = None
    container_kind: str | None = None
    speakers: tuple[SpeakerRef, ...] = ()
    parent: str | None = None  # uid of the block holding this talk
    children: tuple[str, ...] = ()
    stream_url: str = ""
    sequence: int = 0
    proposal: str | None = None  # the proposal's public id
    cancelled: bool = False
    slot_id: int | None = None  # the frab exports' numeric ids

    @property
    def duration(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


@dataclass(frozen=True)
class PublicSpeaker:
    id: int
    code: str
    name: str
    pronouns: str = ""
    affiliation: str = ""
    bio: str = ""  # Markdown
    handle: str = ""
    website: str = ""
    # The version of the photo (services/speaker_photos.py), "" unless the speaker consented
    # to show one; its alt text (their name unless they wrote one); their labelled links.
    photo: str = ""
    photo_ext: str = ""  # "jpg" or "png"
    photo_alt: str = ""
    links: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PublicMaterial:
    """A talk's slides, recording or other material: a link (`url`) or a file (`filename`,
    served at the talk's address by `public_schedule.material_file`)."""

    public_id: str
    kind: str  # MaterialKind value
    title: str
    url: str = ""
    filename: str = ""
    size: int = 0

    @property
    def is_file(self) -> bool:
        return not self.url

    @property
    def kind_label(self) -> str:
        known = MaterialKind._value2member_map_.get(self.kind)
        return str(MaterialKind(self.kind).label) if known is not None else ""

    @property
    def size_kb(self) -> int:
        return max(1, -(-self.size // 1024))


@dataclass
class PublicSchedule:
    event: Event
    release: ScheduleRelease
    sessions: list[PublicSession]  # release order: time, room, title; a block's talks after it
    cancelled: list[PublicSession]  # released once, cancelled since (feeds keep them)
    rooms: list[Room]  # live rows of the rooms in use, in display order
    tracks: list[Track]
    session_types: list[SessionType]
    speakers: dict[int, PublicSpeaker]
    descriptions: dict[str, str] = field(default_factory=dict)  # proposal public id -> Markdown
    # proposal public id -> its materials, in order (live rows, like the descriptions)
    materials: dict[str, tuple[PublicMaterial, ...]] = field(default_factory=dict)
    # Only the sessions one page needs (`session_schedule`, `speaker_schedule`): no cancelled
    # sessions, and rooms only those of these sessions.
    partial: bool = False

    @property
    def by_uid(self) -> dict[str, PublicSession]:
        return {s.uid: s for s in self.sessions}

    def session(self, code: str) -> PublicSession | None:
        return next((s for s in self.sessions if s.code == code), None)

    def days(self) -> list[dt.date]:
        zone = ZoneInfo(self.event.timezone)
        return sorted({s.starts_at.astimezone(zone).date() for s in self.sessions})

    def speaker_by_code(self, code: str) -> PublicSpeaker | None:
        return next((p for p in self.speakers.values() if p.code == code), None)

    def sessions_of_speaker(self, speaker_id: int) -> list[PublicSession]:
        return [s for s in self.sessions if any(p.id == speaker_id for p in s.speakers)]

    @property
    def last_modified(self) -> dt.datetime:
        """When the public schedule last changed: the latest release's time (a removed
        session changes it too, since removing needs a release)."""
        return self.release.released_at


def title_of(session: PublicSession) -> str:
    """The session's title; an untitled plenary item or block is called by its kind."""
    if session.title.strip():
        return session.title.strip()
    if session.plenary_kind in PlenaryKind._value2member_map_:
        return str(PlenaryKind(session.plenary_kind).label)
    if session.container_kind in ContainerKind._value2member_map_:
        return str(ContainerKind(session.container_kind).label)
    return _("Session")


def kind_of(session: PublicSession) -> str:
    """The session's type: its session type, else the plenary item's or block's kind."""
    if session.session_type:
        return session.session_type
    if session.plenary_kind in PlenaryKind._value2member_map_:
        return str(PlenaryKind(session.plenary_kind).label)
    if session.container_kind in ContainerKind._value2member_map_:
        return str(ContainerKind(session.container_kind).label)
    return ""


@dataclass(frozen=True)
class Stamp:
    release_id: int
    number: int
    released_at: dt.datetime
    digest: str = ""  # the release's content hash (ScheduleRelease.digest)

    @property
    def identity(self) -> tuple[str, str]:
        """What names the release in caches and ETags: its time and content. Its id does not
        (ids repeat after a restore, a rolled-back transaction or a recreated database)."""
        return (self.released_at.isoformat(), self.digest)


def stamp_of(event: Event) -> Stamp | None:
    """The latest release's id, number, time and digest (one query, no snapshot), or None."""
    row = db.session.execute(
        select(
            ScheduleRelease.id,
            ScheduleRelease.number,
            ScheduleRelease.released_at,
            ScheduleRelease.digest,
        )
        .where(ScheduleRelease.event_id == event.id)
        .order_by(ScheduleRelease.number.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    released_at = row.released_at
    if released_at.tzinfo is None:
        released_at = released_at.replace(tzinfo=dt.UTC)
    return Stamp(row.id, row.number, released_at, row.digest)


def stamp_from(release: ScheduleRelease) -> Stamp:
    released_at = release.released_at
    if released_at.tzinfo is None:
        released_at = released_at.replace(tzinfo=dt.UTC)
    return Stamp(release.id, release.number, released_at, release.digest)


def latest_release(event: Event) -> ScheduleRelease | None:
    """The latest release without its snapshot, change log and renderings: the snapshot comes
    parsed from `frozen_of`, and only the feeds read what the release wrote for them, on a
    cold start. (At 1,000 sessions, parsing the first release's change log alone took 5 ms.)"""
    return db.session.scalar(
        select(ScheduleRelease)
        .options(
            defer(ScheduleRelease.sessions),
            defer(ScheduleRelease.changes),  # the change log: `_cancelled` reads it alone
            defer(ScheduleRelease.rendered_key),  # after the large columns (SQLite walks them)
            defer(ScheduleRelease.vevents),
            defer(ScheduleRelease.frab_xml),
            defer(ScheduleRelease.frab_json),
        )
        .where(ScheduleRelease.event_id == event.id)
        .order_by(ScheduleRelease.number.desc())
        .limit(1)
    )


# --- the snapshot, parsed once per process -----------------------------------------------------


@dataclass(frozen=True)
class Frozen:
    """A release's snapshot entries (read only: shared by every request) and their indexes."""

    entries: tuple[dict, ...]  # type: ignore[type-arg]
    by_code: dict[str, int]  # session code -> index in entries
    by_uid: dict[str, int]
    by_speaker: dict[int, tuple[int, ...]]  # user id -> indexes, in release order


_frozen = LRU(FROZEN_SIZE)


def clear_frozen() -> None:
    _frozen.clear()


def _read_frozen(release_id: int) -> Frozen:
    entries = tuple(
        db.session.scalar(select(ScheduleRelease.sessions).where(ScheduleRelease.id == release_id))
        or ()
    )
    by_speaker: dict[int, list[int]] = {}
    for index, entry in enumerate(entries):
        for person in entry.get("speakers", []):
            by_speaker.setdefault(person["id"], []).append(index)
    return Frozen(
        entries=entries,
        by_code={e["code"]: i for i, e in enumerate(entries) if e.get("code")},
        by_uid={e["uid"]: i for i, e in enumerate(entries)},
        by_speaker={user_id: tuple(found) for user_id, found in by_speaker.items()},
    )


def frozen_of(stamp: Stamp) -> Frozen:
    """The release's snapshot, parsed once per process: a page showing one session does not
    parse a thousand. Kept by the release's id, time and digest (`Stamp.identity`); a release
    without a digest (only rows written by hand, in tests) is read every time."""
    if not stamp.digest:
        return _read_frozen(stamp.release_id)
    return _frozen.get(  # type: ignore[no-any-return]
        (stamp.release_id, stamp.identity), lambda: _read_frozen(stamp.release_id)
    )


def _moment(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _session(entry: dict, codes: dict[int, str]) -> PublicSession:  # type: ignore[type-arg]
    return PublicSession(
        uid=entry["uid"],
        code=entry.get("code"),
        kind=entry["kind"],
        title=entry["title"],
        starts_at=_moment(entry["starts_at"]),
        ends_at=_moment(entry["ends_at"]),
        room_id=entry.get("room_id"),
        room=entry.get("room", ""),
        all_rooms=bool(entry.get("all_rooms")),
        abstract=entry.get("abstract") or "",
        track=entry.get("track"),
        track_id=entry.get("track_id"),
        session_type=entry.get("session_type"),
        session_type_id=entry.get("session_type_id"),
        language=entry.get("language"),
        plenary_kind=entry.get("plenary_kind"),
        container_kind=entry.get("container_kind"),
        speakers=tuple(
            SpeakerRef(p["id"], p["name"], codes.get(p["id"])) for p in entry.get("speakers", [])
        ),
        parent=entry.get("parent"),
        children=tuple(entry.get("children") or ()),
        stream_url=entry.get("stream_url") or "",
        sequence=int(entry.get("sequence", 0)),
        proposal=entry.get("proposal"),
        slot_id=int(entry["slot_id"]) if entry.get("slot_id") is not None else None,
    )


def _cancelled(event: Event, release: ScheduleRelease, current: set[str]) -> list[PublicSession]:
    """Sessions a release cancelled (their proposal was cancelled, withdrawn or declined) that
    are not back in the latest one, as they last stood, with the SEQUENCE of the cancellation.
    Read from the change logs; then, when some are cancelled, their track and speakers from the
    snapshots of the releases just before the cancelling ones (one more query, and one for the
    speakers' codes), so that the track and speaker feeds that held them can say they are
    cancelled."""
    found: dict[str, PublicSession] = {}
    cancelled_in: dict[str, int] = {}  # uid -> number of the release that cancelled it
    rows = db.session.execute(
        select(ScheduleRelease.number, ScheduleRelease.changes)
        .where(ScheduleRelease.event_id == event.id, ScheduleRelease.number <= release.number)
        .order_by(ScheduleRelease.number)
    )
    for number, changes in rows:
        for change in changes or []:
            if change["uid"] in current:
                continue
            if change["type"] == CANCELLED and change.get("before"):
                place = change["before"]
                found[change["uid"]] = PublicSession(
                    uid=change["uid"],
                    code=None,
                    kind="talk",
                    title=change["title"],
                    starts_at=_moment(place["starts_at"]),
                    ends_at=_moment(place["ends_at"]),
                    room_id=None,
                    room=place.get("room", ""),
                    all_rooms=bool(place.get("all_rooms")),
                    sequence=int(change.get("sequence", 0)),
                    cancelled=True,
                )
                cancelled_in[change["uid"]] = number
            elif change["type"] != CANCELLED:
                found.pop(change["uid"], None)  # removed, or back and changed again
    if found:
        _with_track_and_speakers(event, found, {uid: cancelled_in[uid] - 1 for uid in found})
    return sorted(found.values(), key=lambda s: (s.starts_at, s.title))


def _with_track_and_speakers(
    event: Event, found: dict[str, PublicSession], last_in: dict[str, int]
) -> None:
    """Give each cancelled session in `found` the track and speakers it had in release
    `last_in[uid]` (the one before its cancellation), with the speakers' current codes."""
    last: dict[str, dict] = {}  # type: ignore[type-arg]
    rows = db.session.execute(
        select(ScheduleRelease.number, ScheduleRelease.sessions).where(
            ScheduleRelease.event_id == event.id,
            ScheduleRelease.number.in_(set(last_in.values())),
        )
    )
    for number, sessions in rows:
        for entry in sessions or []:
            if last_in.get(entry["uid"]) == number:
                last[entry["uid"]] = entry
    ids = {p["id"] for entry in last.values() for p in entry.get("speakers", [])}
    codes: dict[int, str] = {}
    if ids:
        codes = dict(
            db.session.execute(
                select(SpeakerProfile.user_id, SpeakerProfile.code).where(
                    SpeakerProfile.event_id == event.id, SpeakerProfile.user_id.in_(ids)
                )
            ).all()
        )
    for uid, entry in last.items():
        found[uid] = replace(
            found[uid],
            track=entry.get("track"),
            track_id=entry.get("track_id"),
            speakers=tuple(
                SpeakerRef(p["id"], p["name"], codes.get(p["id"]))
                for p in entry.get("speakers", [])
            ),
        )


def cancelled_session(event: Event, code: str) -> PublicSession | None:
    """The session whose page was `code`, if a release cancelled it and it is not back: as the
    change log last showed it (title, time and room when cancelled), nothing read from live
    rows, so that nothing that was never released shows. None for a code the latest release
    has, an unknown one, a session never released, or one removed rather than cancelled.
    Two small queries, plus the change logs when the code names a slot."""
    release = latest_release(event)
    if release is None:
        return None
    uid = db.session.scalar(
        select(Slot.public_id).where(Slot.event_id == event.id, Slot.code == code)
    )
    if uid is None or uid in frozen_of(stamp_from(release)).by_uid:
        return None
    return next((s for s in _cancelled(event, release, set()) if s.uid == uid), None)


def public_schedule_of(event: Event) -> PublicSchedule | None:
    """The public schedule of the latest release, or None before the first release."""
    release = latest_release(event)
    if release is None:
        return None
    return _build(event, release, frozen_of(stamp_from(release)).entries, whole=True)


def session_schedule(event: Event, code: str) -> PublicSchedule | None:
    """What a session's page needs: a partial schedule of the session (when the latest release
    has it), the block holding it and the block's talks, read in the same few queries whatever
    the size of the schedule. None before the first release."""
    release = latest_release(event)
    if release is None:
        return None
    frozen = frozen_of(stamp_from(release))
    index = frozen.by_code.get(code)
    picked: list[int] = []
    if index is not None:
        entry = frozen.entries[index]
        related = [entry.get("parent"), *(entry.get("children") or ())]
        picked = sorted({index} | {frozen.by_uid[uid] for uid in related if uid in frozen.by_uid})
    return _build(event, release, [frozen.entries[i] for i in picked], whole=False)


def speaker_schedule(event: Event, code: str) -> PublicSchedule | None:
    """What a speaker's page needs: a partial schedule of the sessions of the speaker whose
    profile has `code` (none when the latest release has none of theirs). None before the
    first release."""
    release = latest_release(event)
    if release is None:
        return None
    frozen = frozen_of(stamp_from(release))
    user_id = db.session.scalar(
        select(SpeakerProfile.user_id).where(
            SpeakerProfile.event_id == event.id, SpeakerProfile.code == code
        )
    )
    picked = frozen.by_speaker.get(user_id, ()) if user_id is not None else ()
    return _build(event, release, [frozen.entries[i] for i in picked], whole=False)


def _build(
    event: Event,
    release: ScheduleRelease,
    entries: Iterable[dict],
    *,
    whole: bool,  # type: ignore[type-arg]
) -> PublicSchedule:
    """The typed schedule of `entries` (all of the release's, or the few a page needs) with
    the live rows they name. Only a whole schedule has the cancelled sessions (feeds)."""
    entries = list(entries)
    speaker_ids = {p["id"] for entry in entries for p in entry.get("speakers", [])}
    speakers = _speakers(event, speaker_ids)
    codes = {speaker.id: speaker.code for speaker in speakers.values()}
    sessions = [_session(entry, codes) for entry in entries]
    current = {s.uid for s in sessions}
    room_ids = {s.room_id for s in sessions if s.room_id is not None}
    in_rooms = select(Room).where(Room.event_id == event.id)
    if not whole:  # rooms scale with the event: a page reads those of its sessions
        in_rooms = in_rooms.where(Room.id.in_(room_ids))
    rooms = list(db.session.scalars(in_rooms.order_by(Room.position, Room.name)))
    proposals = {s.proposal for s in sessions if s.proposal}
    descriptions = {}
    if proposals:
        descriptions = dict(
            db.session.execute(
                select(Proposal.public_id, Proposal.description).where(
                    Proposal.event_id == event.id, Proposal.public_id.in_(proposals)
                )
            ).all()
        )
    return PublicSchedule(
        event=event,
        release=release,
        sessions=sessions,
        cancelled=_cancelled(event, release, current) if whole else [],
        rooms=[room for room in rooms if room.id in room_ids or (whole and not room_ids)],
        tracks=list(
            db.session.scalars(
                select(Track).where(Track.event_id == event.id).order_by(Track.position)
            )
        ),
        session_types=list(
            db.session.scalars(
                select(SessionType)
                .where(SessionType.event_id == event.id)
                .order_by(SessionType.position)
            )
        ),
        speakers=speakers,
        descriptions=descriptions,
        materials=_materials(event, proposals),
        partial=not whole,
    )


def _materials(event: Event, proposals: set[str]) -> dict[str, tuple[PublicMaterial, ...]]:
    """The slides and recordings of these proposals (by public id), in one query, none when
    there are no proposals."""
    if not proposals:
        return {}
    rows = db.session.execute(
        select(
            Proposal.public_id,
            SessionMaterial.public_id,
            SessionMaterial.kind,
            SessionMaterial.title,
            SessionMaterial.url,
            Upload.filename,
            Upload.size,
        )
        .join(Proposal, Proposal.id == SessionMaterial.proposal_id)
        .outerjoin(Upload, Upload.id == SessionMaterial.upload_id)
        .where(
            SessionMaterial.event_id == event.id,
            Proposal.public_id.in_(proposals),
            # a talk cancelled since the latest release is still in it: not its materials
            Proposal.state.in_(permissions.PROPOSAL_STATES_WITH_MATERIALS),
        )
        .order_by(SessionMaterial.proposal_id, SessionMaterial.position, SessionMaterial.id)
    )
    found: dict[str, list[PublicMaterial]] = {}
    for proposal, public_id, kind, title, url, filename, size in rows:
        found.setdefault(proposal, []).append(
            PublicMaterial(
                public_id=public_id,
                kind=str(kind),  # a StrEnum: its value
                title=title,
                url=url or "",
                filename="" if url else (filename or ""),
                size=0 if url else (size or 0),
            )
        )
    return {proposal: tuple(items) for proposal, items in found.items()}


def _speakers(event: Event, ids: Iterable[int]) -> dict[int, PublicSpeaker]:
    ids = list(ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(User.id, User.display_name, SpeakerProfile, Upload.sha256, Upload.content_type)
        .outerjoin(
            SpeakerProfile,
            (SpeakerProfile.user_id == User.id) & (SpeakerProfile.event_id == event.id),
        )
        .outerjoin(  # the photo only with the speaker's consent
            Upload,
            (Upload.id == SpeakerProfile.photo_id) & SpeakerProfile.photo_public.is_(True),
        )
        .where(User.id.in_(ids))
        .options(
            load_only(
                SpeakerProfile.code,
                SpeakerProfile.bio,
                SpeakerProfile.pronouns,
                SpeakerProfile.affiliation,
                SpeakerProfile.handle,
                SpeakerProfile.website,
                SpeakerProfile.photo_alt,
                SpeakerProfile.links,
            )
        )
    )
    result = {}
    for user_id, name, profile, photo_sha, photo_type in rows:
        if profile is None:
            continue  # releases give every speaker a profile; a speaker without one is not public
        result[user_id] = PublicSpeaker(
            id=user_id,
            code=profile.code,
            name=name,
            pronouns=profile.pronouns,
            affiliation=profile.affiliation,
            bio=profile.bio,
            handle=profile.handle,
            website=profile.website,
            photo=photo_sha[:PHOTO_VERSION_LENGTH] if photo_sha else "",
            photo_ext=("png" if photo_type == "image/png" else "jpg") if photo_sha else "",
            photo_alt=(profile.photo_alt or "").strip() or name,
            links=public_links(profile.links),
        )
    return result
