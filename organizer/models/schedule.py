"""The schedule: rooms, days, the slots organizers place on the grid, releases, and the journal
that makes the last change undoable. Conflicts are computed from these rows, never stored.

Every instant is an aware UTC datetime; the editor shows them in the event's time zone (or a
remote speaker's own zone for their availability).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from organizer.enums import ContainerKind, PlenaryKind, SlotKind, SuggestionStatus
from organizer.models.base import (
    Base,
    PublicId,
    new_public_id,
    public_code_column,
    slug_from_name,
    str_enum,
)

if TYPE_CHECKING:
    from organizer.models.accounts import User
    from organizer.models.cfp import Proposal
    from organizer.models.events import Event


class ScheduleSettings(Base):
    """One row per event; created with defaults the first time the editor opens."""

    __tablename__ = "schedule_settings"
    __table_args__ = (
        CheckConstraint("granularity_minutes in (5, 10, 15)", name="granularity"),
        CheckConstraint("speaker_buffer_minutes between 0 and 240", name="speaker_buffer"),
        CheckConstraint("solver_time_limit_seconds between 1 and 600", name="solver_time_limit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    granularity_minutes: Mapped[int] = mapped_column(default=15)
    # Walking time a speaker needs between sessions in different rooms.
    speaker_buffer_minutes: Mapped[int] = mapped_column(default=10)
    # ConflictRule value -> Severity value; a rule missing here has its default severity.
    severities: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    solver_time_limit_seconds: Mapped[int] = mapped_column(default=10)
    updated_at: Mapped[dt.datetime]


class Room(Base):
    __tablename__ = "room"
    __table_args__ = (
        UniqueConstraint("event_id", "name"),
        UniqueConstraint("event_id", "slug"),
        CheckConstraint("capacity is null or capacity >= 0", name="capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId, unique=True, default=new_public_id)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # In the room's feed address; set once from the name, kept when the room is renamed so
    # that subscribed calendars keep working.
    slug: Mapped[str] = mapped_column(String(100), default=slug_from_name)
    capacity: Mapped[int | None]  # seats; None when unknown
    position: Mapped[int] = mapped_column(default=0)
    step_free: Mapped[bool] = mapped_column(default=False)
    hearing_loop: Mapped[bool] = mapped_column(default=False)
    captioning: Mapped[bool] = mapped_column(default=False)
    accessibility_notes: Mapped[str] = mapped_column(Text, default="")
    # Hybrid: a stream or meeting link for the room, shown to attendees only when public.
    stream_url: Mapped[str] = mapped_column(String(500), default="")
    stream_public: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime]

    event: Mapped[Event] = relationship()
    # No windows means "open whenever the day is"; with windows, only inside them.
    windows: Mapped[list[RoomWindow]] = relationship(
        back_populates="room", cascade="all, delete-orphan", order_by="RoomWindow.starts_at"
    )

    def __repr__(self) -> str:
        return f"<Room {self.name}>"


class RoomWindow(Base):
    """A period in which a room can be used (per-room availability)."""

    __tablename__ = "room_window"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]

    room: Mapped[Room] = relationship(back_populates="windows")


class ScheduleDay(Base):
    """A day of the event with the hours in which sessions may run."""

    __tablename__ = "schedule_day"
    __table_args__ = (
        UniqueConstraint("event_id", "day"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    day: Mapped[dt.date] = mapped_column(Date)  # in the event's time zone
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]


class Slot(Base):
    """A session on (or waiting for) the grid: a talk, a plenary item, or a container.

    A talk inside a container has `parent_id` and no room or start of its own. `public_id` is
    the calendar UID for the life of the session. `version` is bumped by every change, so two
    organizers moving the same session cannot silently overwrite each other.
    """

    __tablename__ = "slot"
    __table_args__ = (
        UniqueConstraint("event_id", "code"),
        CheckConstraint("duration_minutes between 1 and 1440", name="duration"),
        CheckConstraint("expected_audience is null or expected_audience >= 0", name="audience"),
        CheckConstraint(
            "(kind = 'talk') = (proposal_id is not null)", name="talks_have_a_proposal"
        ),
        CheckConstraint("(room_id is null) = (starts_at is null)", name="placed_with_room"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId, unique=True, default=new_public_id)
    # The short code in the session's public address (/<event>/talk/<code>/).
    code: Mapped[str] = public_code_column()
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SlotKind] = mapped_column(str_enum(SlotKind, "slot_kind"))
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), unique=True
    )
    title: Mapped[str] = mapped_column(String(200), default="")  # plenary items and containers
    plenary_kind: Mapped[PlenaryKind | None] = mapped_column(str_enum(PlenaryKind, "plenary_kind"))
    container_kind: Mapped[ContainerKind | None] = mapped_column(
        str_enum(ContainerKind, "container_kind")
    )
    all_rooms: Mapped[bool] = mapped_column(default=False)  # a plenary item across every room
    room_id: Mapped[int | None] = mapped_column(
        ForeignKey("room.id", ondelete="SET NULL"), index=True
    )
    starts_at: Mapped[dt.datetime | None]
    duration_minutes: Mapped[int]
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("slot.id", ondelete="SET NULL"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)  # order inside a container
    pinned: Mapped[bool] = mapped_column(default=False)  # the automatic scheduler keeps it
    expected_audience: Mapped[int | None]  # organizers' estimate
    stream_url: Mapped[str] = mapped_column(String(500), default="")
    stream_public: Mapped[bool] = mapped_column(default=False)
    # A soft wish for the automatic scheduler: a day and/or "morning" / "afternoon".
    preferred_day: Mapped[dt.date | None] = mapped_column(Date)
    preferred_part: Mapped[str] = mapped_column(String(10), default="")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    event: Mapped[Event] = relationship()
    proposal: Mapped[Proposal | None] = relationship()
    room: Mapped[Room | None] = relationship()
    parent: Mapped[Slot | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Slot]] = relationship(
        back_populates="parent", order_by="Slot.position, Slot.id"
    )
    updated_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def ends_at(self) -> dt.datetime | None:
        if self.starts_at is None:
            return None
        return self.starts_at + dt.timedelta(minutes=self.duration_minutes)

    @property
    def display_title(self) -> str:
        if self.proposal is not None:
            return self.proposal.title
        return self.title

    def __repr__(self) -> str:
        return f"<Slot {self.id} {self.kind}>"


class SpeakerAvailability(Base):
    """An interval in which a speaker can speak, entered by organizers (in the speaker's zone
    for remote speakers). When a speaker has any, these replace the per-day choice of their
    speaker profile."""

    __tablename__ = "speaker_availability"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]


class ScheduleEdit(Base):
    """The journal of editor changes: what a slot was before and after, so the last change can
    be undone (and only while nobody has changed that slot since)."""

    __tablename__ = "schedule_edit"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slot.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(30))  # move, unschedule, resize, ...
    before: Mapped[dict[str, Any]] = mapped_column(JSON)
    after: Mapped[dict[str, Any]] = mapped_column(JSON)
    version_after: Mapped[int]
    created_at: Mapped[dt.datetime]
    undone_at: Mapped[dt.datetime | None]

    slot: Mapped[Slot] = relationship()


class ScheduleRelease(Base):
    """A numbered, frozen copy of the schedule. Public pages and feeds show the latest one."""

    __tablename__ = "schedule_release"
    __table_args__ = (UniqueConstraint("event_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    released_at: Mapped[dt.datetime]
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # A hash of `sessions` and `changes` (release_snapshot.digest). With `released_at` it names
    # the release in the in-process caches and the feeds' ETags: ids repeat after a restore, a
    # rolled-back transaction or a recreated database, this content does not. Before the large
    # columns, so that SQLite reads it without walking them (migration 0014).
    digest: Mapped[str] = mapped_column(String(64), default="")
    # The frozen sessions (see services.scheduling.release_snapshot._entry) and the change
    # log against the release before.
    sessions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Each session's VEVENT, written once with `icalendar` when the release is made, so that
    # the first request for a feed does not pay for writing a thousand of them:
    # {"key": <what they were written for: host, language, event details>, "items": {uid: text}}
    vevents: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The frab XML and JSON exports, written when the release is made for the same key.
    rendered_key: Mapped[str] = mapped_column(String(64), default="")
    frab_xml: Mapped[str] = mapped_column(Text, default="")
    frab_json: Mapped[str] = mapped_column(Text, default="")

    released_by: Mapped[User | None] = relationship()


class ScheduleSuggestion(Base):
    """What the automatic scheduler proposed; organizers accept it whole, in part, or not."""

    __tablename__ = "schedule_suggestion"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId, unique=True, default=new_public_id)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    mode: Mapped[str] = mapped_column(String(10))  # "suggest" or "repair"
    status: Mapped[SuggestionStatus] = mapped_column(
        str_enum(SuggestionStatus, "suggestion_status"), default=SuggestionStatus.DRAFT
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime]
    decided_at: Mapped[dt.datetime | None]
    # Solver figures: status (optimal / feasible / infeasible / unknown), objective, bound,
    # gap, seconds to the first solution and in all, time limit.
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # [{slot_id, version, room_id, starts_at (ISO UTC), from_room_id, from_starts_at}]
    moves: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Sessions it could not place, each with the reasons: [{slot_id, reasons: [str]}]
    unplaced: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    created_by: Mapped[User | None] = relationship()


class Agenda(Base):
    """An attendee's starred sessions. Without an account it is reached only through its
    random token (kept in the browser and in a bookmarkable address); with an account it is
    also tied to the person. The token is stored as is, because the address must be shown
    again; it opens nothing but a list of public sessions, and can be replaced (revoked)."""

    __tablename__ = "agenda"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]

    stars: Mapped[list[AgendaStar]] = relationship(
        back_populates="agenda", cascade="all, delete-orphan"
    )


class AgendaStar(Base):
    __tablename__ = "agenda_star"

    agenda_id: Mapped[int] = mapped_column(
        ForeignKey("agenda.id", ondelete="CASCADE"), primary_key=True
    )
    slot_id: Mapped[int] = mapped_column(
        ForeignKey("slot.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[dt.datetime]

    agenda: Mapped[Agenda] = relationship(back_populates="stars")


class PrintSettings(Base):
    """How an event's printed programme looks: paper size and which sections it holds."""

    __tablename__ = "print_settings"
    __table_args__ = (CheckConstraint("paper in ('a4', 'letter')", name="paper"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    paper: Mapped[str] = mapped_column(String(10), default="a4")
    # Section keys (see services.print.booklet.SECTIONS) in the order they print.
    sections: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes_pages: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[dt.datetime]
