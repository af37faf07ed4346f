"""The schedule's set-up, done by organizers before (and while) they place sessions: the grid and
the severity of each conflict rule, rooms and their availability windows, the event's days and
hours, plenary items (keynotes, breaks, lunch...) and containers (lightning blocks, poster
sessions), and what the scheduler needs to know about speakers (remote, time zone, step-free
access, availability).

Times people type are wall-clock times: in the event's zone for rooms and days, in the
speaker's own zone for a remote speaker's availability. They are stored as UTC.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from organizer.enums import ConflictRule, ContainerKind, PlenaryKind, Severity, SlotKind
from organizer.errors import Conflict, NotFound, ValidationFailed
from organizer.extensions import db
from organizer.models import (
    Event,
    Proposal,
    ProposalSpeaker,
    Room,
    RoomWindow,
    ScheduleDay,
    ScheduleSettings,
    Slot,
    SpeakerAvailability,
    SpeakerProfile,
    User,
)
from organizer.services import addresses, audit
from organizer.services.cfp import profile_time_zone
from organizer.services.ordering import swap_with_neighbour
from organizer.services.scheduling import editor
from organizer.services.scheduling.plan import (
    SCHEDULABLE,
    Interval,
    Person,
    active_slots,
    build_plan,
    settings_of,
    severities_of,
)
from organizer.services.timefmt import local_date_to_utc

GRANULARITIES = (5, 10, 15)
BUFFER_RANGE = (0, 240)
SOLVER_LIMIT_RANGE = (1, 600)
ROOM_NAME_MAX = 100
ROOM_CAPACITY_MAX = 100_000
NOTES_MAX = 2_000
URL_MAX = 500
TITLE_MAX = 200
DEFAULT_DAY_HOURS = (dt.time(9, 0), dt.time(18, 0))


def _clock(moment: dt.datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%H:%M")


def _day_label(day: dt.date) -> str:
    return format_date(day, "EEE d MMM")


def _span(start: dt.datetime, end: dt.datetime, zone: str) -> str:
    local = start.astimezone(ZoneInfo(zone))
    return f"{_day_label(local.date())} {_clock(start, zone)}\N{EN DASH}{_clock(end, zone)}"


def _overlapping(
    start: dt.datetime, end: dt.datetime, intervals: Iterable[Interval]
) -> Interval | None:
    """The first of `intervals` that overlaps start..end, or None."""
    for other_start, other_end in intervals:
        if start < other_end and other_start < end:
            return other_start, other_end
    return None


# Settings ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class SettingsInput:
    granularity_minutes: int | None
    speaker_buffer_minutes: int | None
    solver_time_limit_seconds: int | None
    # ConflictRule value -> Severity value, for every rule.
    severities: dict[str, str]


def severity_field(rule: ConflictRule) -> str:
    """The name of the form field (and error key) of a rule's severity."""
    return f"severity_{rule.value}"


def off_grid(event: Event, granularity: int) -> list[tuple[Slot, dt.datetime]]:
    """Placed sessions whose start (in the event's zone) is not on a `granularity`-minute grid,
    earliest first, with their local start."""
    zone = ZoneInfo(event.timezone)
    placed = db.session.scalars(
        select(Slot)
        .where(Slot.event_id == event.id, Slot.starts_at.is_not(None))
        .options(selectinload(Slot.proposal))
        .order_by(Slot.starts_at, Slot.id)
    )
    found = []
    for slot in placed:
        assert slot.starts_at is not None
        local = slot.starts_at.astimezone(zone)
        if (local.hour * 60 + local.minute) % granularity or local.second:
            found.append((slot, local))
    return found


def current_settings(event: Event) -> SettingsInput:
    """The event's settings as the form shows them: the saved ones, or the defaults the row
    will get (a visit to the page writes nothing)."""
    settings = settings_of(event)
    columns = ScheduleSettings.__table__.c

    def value(name: str) -> int:
        if settings is not None:
            return getattr(settings, name)
        return columns[name].default.arg

    return SettingsInput(
        granularity_minutes=value("granularity_minutes"),
        speaker_buffer_minutes=value("speaker_buffer_minutes"),
        solver_time_limit_seconds=value("solver_time_limit_seconds"),
        severities={
            rule.value: severity.value for rule, severity in severities_of(settings).items()
        },
    )


def save_settings(
    *, actor: User, event: Event, data: SettingsInput, now: dt.datetime
) -> ScheduleSettings:
    """Save the grid, the walking-time buffer, the solver's time limit and each rule's severity.
    A new grid is refused while placed sessions start off it: they would be stranded."""
    editor.require_manager(actor, event)
    errors: dict[str, str] = {}
    if data.granularity_minutes not in GRANULARITIES:
        errors["granularity_minutes"] = _("Choose a grid of 5, 10 or 15 minutes.")
    low, high = BUFFER_RANGE
    if data.speaker_buffer_minutes is None or not low <= data.speaker_buffer_minutes <= high:
        errors["speaker_buffer_minutes"] = _(
            "Enter a walking time from %(low)d to %(high)d minutes.", low=low, high=high
        )
    low, high = SOLVER_LIMIT_RANGE
    if data.solver_time_limit_seconds is None or not low <= data.solver_time_limit_seconds <= high:
        errors["solver_time_limit_seconds"] = _(
            "Enter a time limit from %(low)d to %(high)d seconds.", low=low, high=high
        )
    for rule in ConflictRule:
        if data.severities.get(rule.value) not in Severity._value2member_map_:
            errors[severity_field(rule)] = _("Choose what this kind of conflict does.")
    if errors:
        raise ValidationFailed(errors)
    assert data.granularity_minutes is not None
    settings = editor.ensure_settings(event, now)
    if data.granularity_minutes != settings.granularity_minutes:
        stranded = off_grid(event, data.granularity_minutes)
        if stranded:
            slot, local = stranded[0]
            raise ValidationFailed(
                {
                    "granularity_minutes": ngettext(
                        "%(num)d session starts off the %(n)d-minute grid, e.g. “%(title)s” "
                        "at %(time)s on %(day)s; move it first.",
                        "%(num)d sessions start off the %(n)d-minute grid, e.g. “%(title)s” "
                        "at %(time)s on %(day)s; move them first.",
                        len(stranded),
                        n=data.granularity_minutes,
                        title=slot.display_title,
                        time=local.strftime("%H:%M"),
                        day=_day_label(local.date()),
                    )
                }
            )
    before = {
        "granularity_minutes": settings.granularity_minutes,
        "speaker_buffer_minutes": settings.speaker_buffer_minutes,
        "solver_time_limit_seconds": settings.solver_time_limit_seconds,
        "severities": dict(settings.severities or {}),
    }
    after = {
        "granularity_minutes": data.granularity_minutes,
        "speaker_buffer_minutes": data.speaker_buffer_minutes,
        "solver_time_limit_seconds": data.solver_time_limit_seconds,
        "severities": {rule.value: data.severities[rule.value] for rule in ConflictRule},
    }
    changed = audit.changes(before, after)
    if not changed:
        return settings
    settings.granularity_minutes = after["granularity_minutes"]
    settings.speaker_buffer_minutes = after["speaker_buffer_minutes"]
    settings.solver_time_limit_seconds = after["solver_time_limit_seconds"]
    settings.severities = after["severities"]
    settings.updated_at = now
    db.session.flush()
    audit.record(
        action="schedule.settings",
        actor=actor,
        now=now,
        object_type="schedule_settings",
        object_id=settings.id,
        event=event,
        details=changed,
    )
    return settings


def granularity_of(event: Event) -> int:
    settings = settings_of(event)
    return settings.granularity_minutes if settings is not None else 15


# Rooms ---------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class RoomInput:
    name: str
    capacity: int | None = None
    step_free: bool = False
    hearing_loop: bool = False
    captioning: bool = False
    accessibility_notes: str = ""
    stream_url: str = ""
    stream_public: bool = False


def rooms_of(event: Event) -> list[Room]:
    """The event's rooms in display order, with their windows (two queries)."""
    return list(
        db.session.scalars(
            select(Room)
            .where(Room.event_id == event.id)
            .options(selectinload(Room.windows))
            .order_by(Room.position, Room.name, Room.id)
        )
    )


def placed_per_room(event: Event) -> dict[int, int]:
    """How many sessions are placed in each room (one query)."""
    rows = db.session.execute(
        select(Slot.room_id, func.count(Slot.id))
        .where(Slot.event_id == event.id, Slot.room_id.is_not(None))
        .group_by(Slot.room_id)
    )
    return {room_id: count for room_id, count in rows}


def room_in_event(event: Event, room_id: int) -> Room:
    return editor.room_of(event, room_id)


def save_room(
    *, actor: User, event: Event, room: Room | None, data: RoomInput, now: dt.datetime
) -> Room:
    editor.require_manager(actor, event)
    errors: dict[str, str] = {}
    name = data.name.strip()
    if not name:
        errors["name"] = _("Enter the room's name, e.g. Main hall.")
    elif len(name) > ROOM_NAME_MAX:
        errors["name"] = _("Keep the name to %(n)d characters or fewer.", n=ROOM_NAME_MAX)
    else:
        taken = db.session.scalar(
            select(Room.id).where(
                Room.event_id == event.id,
                func.lower(Room.name) == name.lower(),
                Room.id != (room.id if room is not None else -1),
            )
        )
        if taken is not None:
            errors["name"] = _(
                "There is already a room called “%(name)s”. Give this one another name.",
                name=name,
            )
    if data.capacity is not None and not 0 <= data.capacity <= ROOM_CAPACITY_MAX:
        errors["capacity"] = _(
            "Enter a number of seats from 0 to %(max)s, or leave it empty when unknown.",
            max=f"{ROOM_CAPACITY_MAX:,}",
        )
    if len(data.accessibility_notes) > NOTES_MAX:
        errors["accessibility_notes"] = _(
            "Keep the notes to %(n)s characters or fewer.", n=f"{NOTES_MAX:,}"
        )
    url = data.stream_url.strip()
    if url and (not url.startswith("https://") or len(url) <= len("https://") or " " in url):
        errors["stream_url"] = _("Enter a full link starting with https://, or leave it empty.")
    elif len(url) > URL_MAX:
        errors["stream_url"] = _("Keep the link to %(n)d characters or fewer.", n=URL_MAX)
    if data.stream_public and not url:
        errors["stream_public"] = _("Enter the link first, then choose to show it to attendees.")
    if errors:
        raise ValidationFailed(errors)
    if room is None:
        last = db.session.scalar(select(func.max(Room.position)).where(Room.event_id == event.id))
        room = Room(
            event_id=event.id,
            position=(last or 0) + 1,
            slug=addresses.free_slug(Room, event.id, name, "room"),
            created_at=now,
        )
        db.session.add(room)
        before: dict[str, object] = {}
    else:
        before = _room_state(room)
    room.name = name
    room.capacity = data.capacity
    room.step_free = data.step_free
    room.hearing_loop = data.hearing_loop
    room.captioning = data.captioning
    room.accessibility_notes = data.accessibility_notes.strip()
    room.stream_url = url
    room.stream_public = data.stream_public
    db.session.flush()
    audit.record_changes(
        before=before,
        after=_room_state(room),
        action="schedule.room.save",
        actor=actor,
        now=now,
        object_type="room",
        object_id=room.id,
        event=event,
    )
    return room


def _room_state(room: Room) -> dict[str, object]:
    return {
        "name": room.name,
        "capacity": room.capacity,
        "step_free": room.step_free,
        "hearing_loop": room.hearing_loop,
        "captioning": room.captioning,
        "accessibility_notes": room.accessibility_notes,
        "stream_url": room.stream_url,
        "stream_public": room.stream_public,
    }


def move_room(*, actor: User, event: Event, room: Room, direction: int) -> None:
    """Swap a room with its neighbour in the display order."""
    editor.require_manager(actor, event)
    swap_with_neighbour(rooms_of(event), room, direction)


def sessions_in_room(room: Room) -> int:
    return db.session.scalar(select(func.count(Slot.id)).where(Slot.room_id == room.id)) or 0


def delete_room(*, actor: User, event: Event, room: Room, now: dt.datetime) -> int:
    """Delete a room; the sessions placed in it become unscheduled (room and start both
    cleared). Returns how many were."""
    editor.require_manager(actor, event)
    placed = list(db.session.scalars(select(Slot).where(Slot.room_id == room.id)))
    for slot in placed:
        slot.room_id = None
        slot.starts_at = None
        slot.updated_at = now
        slot.updated_by_id = actor.id
    db.session.flush()
    name, room_id = room.name, room.id
    db.session.delete(room)
    db.session.flush()
    audit.record(
        action="schedule.room.delete",
        actor=actor,
        now=now,
        object_type="room",
        object_id=room_id,
        event=event,
        details={"name": name, "unscheduled": len(placed)},
    )
    return len(placed)


def add_window(
    *,
    actor: User,
    event: Event,
    room: Room,
    day: dt.date | None,
    starts: dt.time,
    ends: dt.time,
    now: dt.datetime,
) -> RoomWindow:
    """A period in which the room can be used: inside one of the schedule's days, not
    overlapping the room's other windows."""
    editor.require_manager(actor, event)
    schedule_day = None
    if day is not None:
        schedule_day = db.session.scalar(
            select(ScheduleDay).where(ScheduleDay.event_id == event.id, ScheduleDay.day == day)
        )
    if schedule_day is None:
        raise ValidationFailed({"day": _("Choose one of the schedule's days.")})
    if ends <= starts:
        raise ValidationFailed({"ends": _("The window has to end after it starts.")})
    start = local_date_to_utc(schedule_day.day, starts, event.timezone)
    end = local_date_to_utc(schedule_day.day, ends, event.timezone)
    errors = {}
    hours = _(
        "%(day)s runs from %(start)s to %(end)s; a window has to fit inside it.",
        day=_day_label(schedule_day.day),
        start=_clock(schedule_day.starts_at, event.timezone),
        end=_clock(schedule_day.ends_at, event.timezone),
    )
    if start < schedule_day.starts_at:
        errors["starts"] = hours
    if end > schedule_day.ends_at:
        errors["ends"] = hours
    if errors:
        raise ValidationFailed(errors)
    clash = _overlapping(start, end, ((w.starts_at, w.ends_at) for w in room.windows))
    if clash is not None:
        raise ValidationFailed(
            {
                "starts": _(
                    "It overlaps the window %(span)s. Remove that one first, or choose other "
                    "times.",
                    span=_span(*clash, event.timezone),
                )
            }
        )
    window = RoomWindow(starts_at=start, ends_at=end)
    room.windows.append(window)
    db.session.flush()
    audit.record(
        action="schedule.room.window",
        actor=actor,
        now=now,
        object_type="room",
        object_id=room.id,
        event=event,
        details={"added": [start.isoformat(), end.isoformat()]},
    )
    return window


def remove_window(
    *, actor: User, event: Event, room: Room, window_id: int, now: dt.datetime
) -> None:
    editor.require_manager(actor, event)
    window = next((w for w in room.windows if w.id == window_id), None)
    if window is None:
        raise NotFound(_("This room has no such window."))
    room.windows.remove(window)
    db.session.flush()
    audit.record(
        action="schedule.room.window",
        actor=actor,
        now=now,
        object_type="room",
        object_id=room.id,
        event=event,
        details={"removed": [window.starts_at.isoformat(), window.ends_at.isoformat()]},
    )


# Days ----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class DayHours:
    """A day's opening hours, typed in the event's zone."""

    starts: dt.time
    ends: dt.time


def days_of(event: Event) -> list[ScheduleDay]:
    return list(
        db.session.scalars(
            select(ScheduleDay).where(ScheduleDay.event_id == event.id).order_by(ScheduleDay.day)
        )
    )


def day_in_event(event: Event, day_id: int) -> ScheduleDay:
    day = db.session.get(ScheduleDay, day_id)
    if day is None or day.event_id != event.id:
        raise NotFound(_("There is no such day in this schedule."))
    return day


def event_dates(event: Event) -> list[dt.date]:
    count = (event.ends_on - event.starts_on).days + 1
    return [event.starts_on + dt.timedelta(days=n) for n in range(count)]


def placed_per_day(event: Event) -> dict[dt.date, int]:
    """How many sessions start on each date (in the event's zone); one query."""
    zone = ZoneInfo(event.timezone)
    counts: dict[dt.date, int] = {}
    for start in db.session.scalars(
        select(Slot.starts_at).where(Slot.event_id == event.id, Slot.starts_at.is_not(None))
    ):
        local = start.astimezone(zone).date()
        counts[local] = counts.get(local, 0) + 1
    return counts


def _check_hours(hours: DayHours) -> None:
    """Hours in 5-minute steps (the finest grid), the end after the start on the same date."""
    step = min(GRANULARITIES)
    errors: dict[str, str] = {}
    for name, value in (("starts", hours.starts), ("ends", hours.ends)):
        if value.minute % step or value.second:
            errors[name] = _(
                "Use a time in steps of %(n)d minutes, e.g. 09:00 or 09:%(n)02d.", n=step
            )
    if "ends" not in errors and hours.ends <= hours.starts:
        errors["ends"] = _(
            "The day has to end after it starts, on the same date (at 23:55 at the latest)."
        )
    if errors:
        raise ValidationFailed(errors)


def add_day(
    *, actor: User, event: Event, day: dt.date, hours: DayHours, now: dt.datetime
) -> ScheduleDay:
    """A schedule day on one of the event's dates."""
    editor.require_manager(actor, event)
    if not event.starts_on <= day <= event.ends_on:
        raise ValidationFailed(
            {
                "day": _(
                    "Choose one of the event's dates, from %(first)s to %(last)s. To add "
                    "another day, change the event's dates in its settings first.",
                    first=format_date(event.starts_on, "d MMMM y"),
                    last=format_date(event.ends_on, "d MMMM y"),
                )
            }
        )
    exists = db.session.scalar(
        select(ScheduleDay.id).where(ScheduleDay.event_id == event.id, ScheduleDay.day == day)
    )
    if exists is not None:
        raise ValidationFailed(
            {
                "day": _(
                    "%(day)s is already a schedule day; change its hours in the list.",
                    day=format_date(day, "EEEE d MMMM"),
                )
            }
        )
    _check_hours(hours)
    row = ScheduleDay(
        event_id=event.id,
        day=day,
        starts_at=local_date_to_utc(day, hours.starts, event.timezone),
        ends_at=local_date_to_utc(day, hours.ends, event.timezone),
    )
    db.session.add(row)
    db.session.flush()
    _record_day(actor, event, row, "schedule.day.add", now)
    return row


def add_event_days(*, actor: User, event: Event, now: dt.datetime) -> int:
    """One schedule day per date of the event, 09:00 to 18:00, skipping the dates that are
    already there. Returns how many were added."""
    editor.require_manager(actor, event)
    existing = {d.day for d in days_of(event)}
    starts, ends = DEFAULT_DAY_HOURS
    added = 0
    for day in event_dates(event):
        if day not in existing:
            add_day(
                actor=actor, event=event, day=day, hours=DayHours(starts=starts, ends=ends), now=now
            )
            added += 1
    return added


def update_day(
    *, actor: User, event: Event, schedule_day: ScheduleDay, hours: DayHours, now: dt.datetime
) -> ScheduleDay:
    """New hours for a day. Sessions already placed outside them stay, and show as conflicts."""
    editor.require_manager(actor, event)
    _check_hours(hours)
    schedule_day.starts_at = local_date_to_utc(schedule_day.day, hours.starts, event.timezone)
    schedule_day.ends_at = local_date_to_utc(schedule_day.day, hours.ends, event.timezone)
    db.session.flush()
    _record_day(actor, event, schedule_day, "schedule.day.save", now)
    return schedule_day


def _record_day(actor: User, event: Event, day: ScheduleDay, action: str, now: dt.datetime) -> None:
    audit.record(
        action=action,
        actor=actor,
        now=now,
        object_type="schedule_day",
        object_id=day.id,
        event=event,
        details={
            "day": day.day.isoformat(),
            "hours": [_clock(day.starts_at, event.timezone), _clock(day.ends_at, event.timezone)],
        },
    )


def delete_day(*, actor: User, event: Event, schedule_day: ScheduleDay, now: dt.datetime) -> None:
    """Delete a day, refused while sessions are placed on it. The rooms' windows on that day go
    with it."""
    editor.require_manager(actor, event)
    placed = placed_per_day(event).get(schedule_day.day, 0)
    if placed:
        raise Conflict(
            ngettext(
                "%(num)d session is placed on %(day)s. Move it to another day or unschedule "
                "it first.",
                "%(num)d sessions are placed on %(day)s. Move them to another day or "
                "unschedule them first.",
                placed,
                day=format_date(schedule_day.day, "EEEE d MMMM"),
            )
        )
    windows = db.session.scalars(
        select(RoomWindow)
        .join(Room, RoomWindow.room_id == Room.id)
        .where(
            Room.event_id == event.id,
            RoomWindow.starts_at >= schedule_day.starts_at,
            RoomWindow.starts_at < schedule_day.ends_at,
        )
    )
    for window in windows:
        db.session.delete(window)
    _record_day(actor, event, schedule_day, "schedule.day.delete", now)
    db.session.delete(schedule_day)
    db.session.flush()


# Plenary items and containers ----------------------------------------------------------------

ITEM_KINDS = (SlotKind.PLENARY, SlotKind.CONTAINER)


@dataclasses.dataclass(frozen=True, kw_only=True)
class ItemInput:
    """A plenary item (`kind` a PlenaryKind value) or a container (a ContainerKind value)."""

    kind: str
    title: str
    duration_minutes: int | None
    all_rooms: bool = False  # plenary items only


def items_of(event: Event) -> list[Slot]:
    """Plenary items and containers, with their room and talks (three queries): the placed
    ones by start, then the others by title."""
    items = db.session.scalars(
        select(Slot)
        .where(Slot.event_id == event.id, Slot.kind.in_(ITEM_KINDS))
        .options(selectinload(Slot.room), selectinload(Slot.children))
    )
    return sorted(
        items,
        key=lambda s: (
            s.starts_at is None,
            s.starts_at or dt.datetime.min.replace(tzinfo=dt.UTC),
            s.title.casefold(),
            s.id,
        ),
    )


def item_in_event(event: Event, slot_id: int) -> Slot:
    slot = db.session.get(Slot, slot_id)
    if slot is None or slot.event_id != event.id or slot.kind not in ITEM_KINDS:
        raise NotFound(_("There is no such item in this schedule."))
    return slot


def save_item(
    *,
    actor: User,
    event: Event,
    slot: Slot | None,
    kind: SlotKind,
    data: ItemInput,
    now: dt.datetime,
) -> Slot:
    """Create or change a plenary item (kind PLENARY) or a container (kind CONTAINER). A placed
    item whose change would create a conflict that blocks saving is refused."""
    editor.require_manager(actor, event)
    if kind not in ITEM_KINDS or (slot is not None and slot.kind is not kind):
        raise ValidationFailed({"kind": _("Choose a kind of item.")})
    errors: dict[str, str] = {}
    item_kind: PlenaryKind | ContainerKind | None = None
    kinds = PlenaryKind if kind is SlotKind.PLENARY else ContainerKind
    if data.kind in kinds._value2member_map_:
        item_kind = kinds(data.kind)
    else:
        errors["kind"] = _("Choose a kind of item.")
    title = data.title.strip()
    if len(title) > TITLE_MAX:
        errors["title"] = _("Keep the title to %(n)d characters or fewer.", n=TITLE_MAX)
    step = granularity_of(event)
    duration = data.duration_minutes
    if duration is None or not 1 <= duration <= 1440 or duration % step:
        errors["duration_minutes"] = _(
            "Enter a length in minutes that is a multiple of %(n)d (the grid), up to 24 hours "
            "(1440).",
            n=step,
        )
    if errors:
        raise ValidationFailed(errors)
    assert item_kind is not None
    assert duration is not None
    placed_before = editor.blocking_before(event) if slot is not None and slot.starts_at else None
    if slot is None:
        slot = Slot(event_id=event.id, kind=kind, created_at=now)
        db.session.add(slot)
        before: dict[str, object] = {}
    else:
        before = _item_state(slot)
    slot.title = title or str(item_kind.label)
    slot.duration_minutes = duration
    if kind is SlotKind.PLENARY:
        slot.plenary_kind = item_kind  # type: ignore[assignment]
        slot.all_rooms = data.all_rooms
    else:
        slot.container_kind = item_kind  # type: ignore[assignment]
        slot.all_rooms = False
    slot.updated_at = now
    slot.updated_by_id = actor.id
    db.session.flush()
    # Only a conflict this change makes is refused, as in the editor.
    editor.refuse_new_blocking(event, placed_before)
    audit.record_changes(
        before=before,
        after=_item_state(slot),
        action="schedule.item.save",
        actor=actor,
        now=now,
        object_type="slot",
        object_id=slot.id,
        event=event,
    )
    return slot


def _item_state(slot: Slot) -> dict[str, object]:
    kind = slot.plenary_kind or slot.container_kind
    return {
        "kind": kind.value if kind is not None else None,
        "title": slot.title,
        "duration_minutes": slot.duration_minutes,
        "all_rooms": slot.all_rooms,
    }


def delete_item(*, actor: User, event: Event, slot: Slot, now: dt.datetime) -> int:
    """Delete a plenary item or container; a container's talks go back to the unscheduled list.
    Returns how many talks did."""
    editor.require_manager(actor, event)
    if slot.kind not in ITEM_KINDS:
        raise NotFound(_("There is no such item in this schedule."))
    children = list(slot.children)
    for child in children:
        child.parent_id = None
        child.position = 0
        child.updated_at = now
        child.updated_by_id = actor.id
    db.session.flush()
    details = {"title": slot.title, "kind": slot.kind.value, "talks_released": len(children)}
    slot_id = slot.id
    db.session.delete(slot)
    db.session.flush()
    audit.record(
        action="schedule.item.delete",
        actor=actor,
        now=now,
        object_type="slot",
        object_id=slot_id,
        event=event,
        details=details,
    )
    return len(children)


def container_talks(container: Slot) -> list[Slot]:
    """The talks in a container, in order (their proposals loaded in one query)."""
    children = list(container.children)
    ids = [c.proposal_id for c in children if c.proposal_id is not None]
    if ids:
        # Load the proposals in one query; the slots then find them in the identity map.
        list(db.session.scalars(select(Proposal).where(Proposal.id.in_(ids))))
    return children


def talks_to_add(event: Event) -> list[Slot]:
    """Accepted or confirmed talks that are neither placed nor in a container, by title."""
    talks = [
        s
        for s in active_slots(event)
        if s.kind is SlotKind.TALK and s.parent_id is None and s.starts_at is None
    ]
    return sorted(talks, key=lambda s: (s.display_title.casefold(), s.id))


def container_talk(container: Slot, talk_id: int) -> Slot:
    """A talk of the container, or NotFound."""
    talk = next((c for c in container.children if c.id == talk_id), None)
    if talk is None:
        raise NotFound(_("This block holds no such talk."))
    return talk


def add_to_container(
    *, actor: User, event: Event, container: Slot, talk_id: int | None, now: dt.datetime
) -> Slot:
    """Put an unplaced talk at the end of a lightning block or poster session."""
    editor.require_manager(actor, event)
    talk = next((t for t in talks_to_add(event) if t.id == talk_id), None)
    if talk is None:
        raise ValidationFailed(
            {"talk": _("Choose an accepted talk that is not placed and not in a block.")}
        )
    return editor.put_in_container(
        event=event,
        slot=talk,
        container=container,
        position=None,
        version=None,
        actor=actor,
        now=now,
    )


def move_in_container(
    *,
    actor: User,
    event: Event,
    container: Slot,
    talk_id: int,
    direction: int,
    now: dt.datetime,
) -> Slot:
    """Move a talk one place up (direction < 0) or down in its block."""
    editor.require_manager(actor, event)
    talk = container_talk(container, talk_id)
    index = container.children.index(talk)
    target = max(0, min(index + (1 if direction > 0 else -1), len(container.children) - 1))
    return editor.put_in_container(
        event=event,
        slot=talk,
        container=container,
        position=target,
        version=None,
        actor=actor,
        now=now,
    )


def remove_from_container(
    *, actor: User, event: Event, container: Slot, talk_id: int, now: dt.datetime
) -> Slot:
    """Take a talk out of its block, back to the unscheduled list."""
    editor.require_manager(actor, event)
    talk = container_talk(container, talk_id)
    return editor.unschedule(event=event, slot=talk, version=None, actor=actor, now=now)


# Speakers ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SpeakerRow:
    """One speaker on the speakers' list: who, in which zone their times are shown, when they
    can speak (None: any time) and the titles of their sessions."""

    person: Person
    zone: str
    availability: tuple[Interval, ...] | None
    titles: tuple[str, ...]


def speaker_zone(event: Event, profile: SpeakerProfile | Person | None) -> str:
    """The zone a speaker's times are typed and read in: their own when they speak remotely
    and said which, else the event's."""
    if profile is not None and profile.remote and profile.timezone:
        return profile.timezone
    return event.timezone


def speaker_rows(event: Event) -> list[SpeakerRow]:
    """Every speaker of a session in the schedule, by name (a fixed number of queries)."""
    plan = build_plan(event)
    titles: dict[int, list[str]] = {}
    for session in plan.sessions.values():
        for speaker_id in session.speaker_ids:
            titles.setdefault(speaker_id, []).append(session.title)
    rows = [
        SpeakerRow(
            person=person,
            zone=speaker_zone(event, person),
            availability=plan.availability.get(person.id),
            titles=tuple(sorted(titles.get(person.id, ()), key=str.casefold)),
        )
        for person in plan.people.values()
    ]
    return sorted(rows, key=lambda r: (r.person.name.casefold(), r.person.id))


def speaker_in_event(event: Event, user_id: int) -> User:
    """A speaker of an accepted or confirmed proposal of the event, or NotFound."""
    user = db.session.scalar(
        select(User)
        .join(ProposalSpeaker, ProposalSpeaker.user_id == User.id)
        .join(Proposal, ProposalSpeaker.proposal_id == Proposal.id)
        .where(
            User.id == user_id,
            Proposal.event_id == event.id,
            Proposal.state.in_(SCHEDULABLE),
        )
        .limit(1)
    )
    if user is None:
        raise NotFound(_("There is no such speaker in this schedule."))
    return user


def profile_for(event: Event, user: User) -> SpeakerProfile | None:
    return db.session.scalar(
        select(SpeakerProfile).where(
            SpeakerProfile.event_id == event.id, SpeakerProfile.user_id == user.id
        )
    )


def explicit_availability(event: Event, user: User) -> list[SpeakerAvailability]:
    return list(
        db.session.scalars(
            select(SpeakerAvailability)
            .where(SpeakerAvailability.event_id == event.id, SpeakerAvailability.user_id == user.id)
            .order_by(SpeakerAvailability.starts_at)
        )
    )


def speaker_dates(event: Event, zone: str) -> list[dt.date]:
    """The dates, in `zone`, that share some time with the event's dates (in the event's
    zone): for a speaker far away, the event's Saturday morning may be their Friday night."""
    tz = ZoneInfo(zone)
    dates: set[dt.date] = set()
    for day in event_dates(event):
        start = local_date_to_utc(day, dt.time(0, 0), event.timezone)
        end = local_date_to_utc(day + dt.timedelta(days=1), dt.time(0, 0), event.timezone)
        first = start.astimezone(tz).date()
        last = (end - dt.timedelta(seconds=1)).astimezone(tz).date()
        dates.update(first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    return sorted(dates)


@dataclasses.dataclass(frozen=True, kw_only=True)
class SpeakerSettings:
    remote: bool
    timezone: str  # IANA; "" for the event's
    needs_step_free: bool


def save_speaker_settings(
    *, actor: User, event: Event, user: User, data: SpeakerSettings, now: dt.datetime
) -> SpeakerProfile:
    """Organizers change whether a speaker is remote (and from which zone) and needs step-free
    access; the speaker's profile is created when they have none yet."""
    editor.require_manager(actor, event)
    zone = profile_time_zone(event, remote=data.remote, zone=data.timezone)
    profile = profile_for(event, user)
    if profile is None:
        profile = SpeakerProfile(event_id=event.id, user_id=user.id, updated_at=now)
        db.session.add(profile)
        before: dict[str, object] = {}
    else:
        before = {
            "remote": profile.remote,
            "timezone": profile.timezone,
            "needs_step_free": profile.needs_step_free,
        }
    profile.remote = data.remote
    profile.timezone = zone
    profile.needs_step_free = data.needs_step_free
    db.session.flush()
    audit.record_changes(
        before=before,
        after={"remote": data.remote, "timezone": zone, "needs_step_free": data.needs_step_free},
        action="schedule.speaker",
        actor=actor,
        now=now,
        object_type="user",
        object_id=user.id,
        event=event,
    )
    return profile


def add_speaker_interval(
    *,
    actor: User,
    event: Event,
    user: User,
    day: dt.date | None,
    starts: dt.time,
    ends: dt.time,
    now: dt.datetime,
) -> SpeakerAvailability:
    """A time in which the speaker can speak, typed in their zone (see `speaker_zone`). Once a
    speaker has any, these replace the per-day answers of their profile."""
    editor.require_manager(actor, event)
    zone = speaker_zone(event, profile_for(event, user))
    if day is None or day not in speaker_dates(event, zone):
        raise ValidationFailed({"day": _("Choose one of the dates in the list.")})
    if ends <= starts:
        raise ValidationFailed({"ends": _("The time has to end after it starts.")})
    start = local_date_to_utc(day, starts, zone)
    end = local_date_to_utc(day, ends, zone)
    existing = explicit_availability(event, user)
    clash = _overlapping(start, end, ((a.starts_at, a.ends_at) for a in existing))
    if clash is not None:
        raise ValidationFailed(
            {
                "starts": _(
                    "It overlaps %(span)s, which is already in the list. Remove that one first, "
                    "or choose other times.",
                    span=_span(*clash, zone),
                )
            }
        )
    row = SpeakerAvailability(event_id=event.id, user_id=user.id, starts_at=start, ends_at=end)
    db.session.add(row)
    db.session.flush()
    _record_availability(actor, event, user, {"added": [start.isoformat(), end.isoformat()]}, now)
    return row


def remove_speaker_interval(
    *, actor: User, event: Event, user: User, interval_id: int, now: dt.datetime
) -> None:
    editor.require_manager(actor, event)
    row = db.session.get(SpeakerAvailability, interval_id)
    if row is None or row.event_id != event.id or row.user_id != user.id:
        raise NotFound(_("This speaker has no such time."))
    span = [row.starts_at.isoformat(), row.ends_at.isoformat()]
    db.session.delete(row)
    db.session.flush()
    _record_availability(actor, event, user, {"removed": span}, now)


def reset_speaker_availability(*, actor: User, event: Event, user: User, now: dt.datetime) -> int:
    """Delete the times organizers entered, so that the speaker's own answers count again.
    Returns how many were deleted."""
    editor.require_manager(actor, event)
    rows = explicit_availability(event, user)
    for row in rows:
        db.session.delete(row)
    db.session.flush()
    if rows:
        _record_availability(actor, event, user, {"reset": len(rows)}, now)
    return len(rows)


def _record_availability(
    actor: User, event: Event, user: User, details: dict[str, object], now: dt.datetime
) -> None:
    audit.record(
        action="schedule.speaker_availability",
        actor=actor,
        now=now,
        object_type="user",
        object_id=user.id,
        event=event,
        details=details,
    )
