"""The schedule as plain data, loaded in a fixed number of queries.

The conflict rules, the editor's JSON and the automatic scheduler all read a `Plan`, so the
scheduler's results are checked by the very code that shows conflicts to organizers. A Plan is
cheap to copy with one session changed (`Plan.with_session`), which is how a change is checked
before it is saved.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from organizer.enums import ContainerKind, ProposalState, Severity, SlotKind
from organizer.extensions import db
from organizer.models import (
    Event,
    Proposal,
    ProposalSpeaker,
    Room,
    ScheduleDay,
    ScheduleSettings,
    Slot,
    SpeakerAvailability,
    SpeakerProfile,
    User,
)
from organizer.services import agendas
from organizer.services.cfp.profiles import availability_intervals
from organizer.services.scheduling import rules

Interval = tuple[dt.datetime, dt.datetime]

# Proposals in these states have a session to schedule.
SCHEDULABLE = (ProposalState.ACCEPTED, ProposalState.CONFIRMED)

# The severities an event starts with, one per rule (declared by each rule in `rules/`).
DEFAULT_SEVERITY: dict[str, Severity] = rules.default_severities()


def severities_of(settings: ScheduleSettings | None) -> dict[str, Severity]:
    """Each rule's severity: the event's choice, or the rule's default."""
    chosen = settings.severities if settings is not None else {}
    result = rules.default_severities()
    for rule in rules.all_rules():
        if chosen.get(rule.code) in Severity._value2member_map_:
            result[rule.code] = Severity(chosen[rule.code])
    return result


@dataclass(frozen=True)
class RoomInfo:
    id: int
    name: str
    capacity: int | None
    step_free: bool
    position: int
    windows: tuple[Interval, ...] = ()  # empty: open whenever the day is


@dataclass(frozen=True)
class DayInfo:
    id: int
    day: dt.date
    starts_at: dt.datetime
    ends_at: dt.datetime


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    needs_step_free: bool = False
    remote: bool = False
    timezone: str = ""


@dataclass(frozen=True)
class Session:
    """One slot. Talks inside a container have `parent_id` and take its room and time."""

    id: int
    public_id: str
    kind: SlotKind
    title: str
    duration: int  # minutes on the grid
    room_id: int | None = None
    starts_at: dt.datetime | None = None
    all_rooms: bool = False
    speaker_ids: tuple[int, ...] = ()
    required_minutes: int = 0  # what the content needs: the talk's length, a container's talks
    expected_audience: int | None = None
    pinned: bool = False
    track_id: int | None = None
    session_type_id: int | None = None
    parent_id: int | None = None
    child_ids: tuple[int, ...] = ()
    version: int = 1
    preferred_day: dt.date | None = None
    preferred_part: str = ""
    state: str | None = None  # the proposal's state, for talks

    @property
    def placed(self) -> bool:
        return self.room_id is not None and self.starts_at is not None

    @property
    def ends_at(self) -> dt.datetime | None:
        if self.starts_at is None:
            return None
        return self.starts_at + dt.timedelta(minutes=self.duration)


@dataclass
class Plan:
    event_id: int
    timezone: str
    granularity: int  # minutes
    buffer: dt.timedelta  # walking time between rooms for one speaker
    severities: dict[str, Severity]  # rule code -> severity
    rooms: dict[int, RoomInfo]  # in display order
    days: list[DayInfo]
    sessions: dict[int, Session]
    people: dict[int, Person] = field(default_factory=dict)
    # Speakers with restricted availability; a speaker missing here is free at any time.
    availability: dict[int, tuple[Interval, ...]] = field(default_factory=dict)

    def with_session(self, session: Session) -> Plan:
        return dataclasses.replace(self, sessions={**self.sessions, session.id: session})

    def top_level(self) -> list[Session]:
        return [s for s in self.sessions.values() if s.parent_id is None]

    def placed(self) -> list[Session]:
        return [s for s in self.sessions.values() if s.parent_id is None and s.placed]

    def speakers_of(self, session: Session) -> tuple[int, ...]:
        """A container's speakers are those of the talks it holds."""
        if session.kind is SlotKind.CONTAINER:
            ids: list[int] = []
            for child_id in session.child_ids:
                child = self.sessions.get(child_id)
                if child is not None:
                    ids.extend(p for p in child.speaker_ids if p not in ids)
            return tuple(ids)
        return session.speaker_ids

    def day_of(self, instant: dt.datetime) -> DayInfo | None:
        for day in self.days:
            if day.starts_at <= instant < day.ends_at:
                return day
        return None


def merge(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    """Sorted, overlapping or touching intervals joined."""
    merged: list[list[dt.datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((a, b) for a, b in merged)


def settings_of(event: Event) -> ScheduleSettings | None:
    return db.session.scalar(select(ScheduleSettings).where(ScheduleSettings.event_id == event.id))


def active_slots(event: Event) -> list[Slot]:
    """Every slot that belongs in the schedule: plenary items, containers, and talks whose
    proposal is accepted or confirmed. Loaded with what the editor shows, in a fixed number of
    queries (8 with the speakers' users and their roles); tests/schedule/test_plan.py counts
    them for the whole plan."""
    query = (
        select(Slot)
        .outerjoin(Proposal, Slot.proposal_id == Proposal.id)
        .where(
            Slot.event_id == event.id,
            (Slot.proposal_id.is_(None)) | (Proposal.state.in_(SCHEDULABLE)),
        )
        .options(
            selectinload(Slot.proposal).options(
                selectinload(Proposal.speakers).selectinload(ProposalSpeaker.user),
                selectinload(Proposal.track),
                selectinload(Proposal.session_type),
            ),
            selectinload(Slot.children),
        )
        .order_by(Slot.id)
    )
    return list(db.session.scalars(query))


def _children(slots: list[Slot]) -> dict[int, tuple[int, ...]]:
    """Each container's active talks in order, read from the talks' own `parent_id` rather than
    the containers' `children` collections, which stay as first loaded while a unit of work
    moves talks in and out."""
    found: dict[int, list[Slot]] = {}
    for slot in slots:
        if slot.parent_id is not None:
            found.setdefault(slot.parent_id, []).append(slot)
    return {
        parent: tuple(c.id for c in sorted(talks, key=lambda c: (c.position, c.id)))
        for parent, talks in found.items()
    }


def _audience(slot: Slot, stars: dict[int, int]) -> int | None:
    """The organizers' estimate, or the number of attendees who starred the session when
    that is higher (stars count people who said they will come)."""
    starred = stars.get(slot.id, 0)
    if slot.expected_audience is None:
        return starred or None
    return max(slot.expected_audience, starred)


def _session(
    slot: Slot,
    active_ids: set[int],
    children: tuple[int, ...] = (),
    stars: dict[int, int] | None = None,
) -> Session:
    proposal = slot.proposal
    speaker_ids: tuple[int, ...] = ()
    if proposal is not None:
        speaker_ids = tuple(s.user_id for s in proposal.speakers if s.user_id is not None)
    return Session(
        id=slot.id,
        public_id=slot.public_id,
        kind=slot.kind,
        title=slot.display_title,
        duration=slot.duration_minutes,
        room_id=slot.room_id,
        starts_at=slot.starts_at,
        all_rooms=slot.all_rooms,
        speaker_ids=speaker_ids,
        required_minutes=proposal.duration_minutes if proposal is not None else 0,
        expected_audience=_audience(slot, stars or {}),
        pinned=slot.pinned,
        track_id=proposal.track_id if proposal is not None else None,
        session_type_id=proposal.session_type_id if proposal is not None else None,
        parent_id=slot.parent_id if slot.parent_id in active_ids else None,
        child_ids=children,
        version=slot.version,
        preferred_day=slot.preferred_day,
        preferred_part=slot.preferred_part,
        state=proposal.state.value if proposal is not None else None,
    )


def build_plan(event: Event, slots: list[Slot] | None = None) -> Plan:
    """The event's schedule as a Plan, in a number of queries that does not grow with it."""
    settings = settings_of(event)
    slots = active_slots(event) if slots is None else slots
    active_ids = {s.id for s in slots}
    children = _children(slots)
    stars = agendas.star_counts(event)
    sessions = {s.id: _session(s, active_ids, children.get(s.id, ()), stars) for s in slots}
    # Lightning talks follow one another: the block needs their sum. Posters hang side by
    # side: a poster session needs its longest.
    for slot in slots:
        if slot.kind is SlotKind.CONTAINER:
            session = sessions[slot.id]
            lengths = [sessions[c].required_minutes for c in session.child_ids]
            need = (
                max(lengths, default=0)
                if slot.container_kind is ContainerKind.POSTER
                else sum(lengths)
            )
            sessions[slot.id] = dataclasses.replace(session, required_minutes=need)
    rooms = db.session.scalars(
        select(Room)
        .where(Room.event_id == event.id)
        .options(selectinload(Room.windows))
        .order_by(Room.position, Room.name)
    )
    days = db.session.scalars(
        select(ScheduleDay).where(ScheduleDay.event_id == event.id).order_by(ScheduleDay.day)
    )
    speaker_ids = {p for s in sessions.values() for p in s.speaker_ids}
    people, availability = _people(event, speaker_ids, slots)
    return Plan(
        event_id=event.id,
        timezone=event.timezone,
        granularity=settings.granularity_minutes if settings else 15,
        buffer=dt.timedelta(minutes=settings.speaker_buffer_minutes if settings else 10),
        severities=severities_of(settings),
        rooms={
            r.id: RoomInfo(
                id=r.id,
                name=r.name,
                capacity=r.capacity,
                step_free=r.step_free,
                position=r.position,
                windows=merge((w.starts_at, w.ends_at) for w in r.windows),
            )
            for r in rooms
        },
        days=[DayInfo(d.id, d.day, d.starts_at, d.ends_at) for d in days],
        sessions=sessions,
        people=people,
        availability=availability,
    )


def _people(
    event: Event, speaker_ids: set[int], slots: list[Slot]
) -> tuple[dict[int, Person], dict[int, tuple[Interval, ...]]]:
    if not speaker_ids:
        return {}, {}
    users: dict[int, User] = {}
    for slot in slots:
        if slot.proposal is not None:
            for speaker in slot.proposal.speakers:
                if speaker.user is not None:
                    users[speaker.user.id] = speaker.user
    profiles = {
        p.user_id: p
        for p in db.session.scalars(
            select(SpeakerProfile).where(
                SpeakerProfile.event_id == event.id, SpeakerProfile.user_id.in_(speaker_ids)
            )
        )
    }
    explicit: dict[int, list[Interval]] = {}
    for row in db.session.scalars(
        select(SpeakerAvailability).where(
            SpeakerAvailability.event_id == event.id,
            SpeakerAvailability.user_id.in_(speaker_ids),
        )
    ):
        explicit.setdefault(row.user_id, []).append((row.starts_at, row.ends_at))
    people: dict[int, Person] = {}
    availability: dict[int, tuple[Interval, ...]] = {}
    for user_id in speaker_ids:
        profile = profiles.get(user_id)
        user = users.get(user_id)
        people[user_id] = Person(
            id=user_id,
            name=user.display_name if user is not None else f"#{user_id}",
            needs_step_free=bool(profile and profile.needs_step_free),
            remote=bool(profile and profile.remote),
            timezone=profile.timezone if profile is not None else "",
        )
        if user_id in explicit:
            availability[user_id] = merge(explicit[user_id])
        elif profile is not None and profile.availability:
            availability[user_id] = merge(availability_intervals(event, profile))
    return people, availability
