"""The schedule's days: which of the event's dates have sessions, and their hours (typed in
the event's zone, stored as UTC)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from organizer.errors import NotFound, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import Event, Room, RoomWindow, ScheduleDay, Slot, User
from organizer.services import audit
from organizer.services.scheduling import editor, local_times
from organizer.services.scheduling.setup import GRANULARITIES
from organizer.services.timefmt import local_date_to_utc

DEFAULT_DAY_HOURS = (dt.time(9, 0), dt.time(18, 0))


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
            "hours": [
                local_times.clock(day.starts_at, event.timezone),
                local_times.clock(day.ends_at, event.timezone),
            ],
        },
    )


def delete_day(*, actor: User, event: Event, schedule_day: ScheduleDay, now: dt.datetime) -> None:
    """Delete a day, refused while sessions are placed on it. The rooms' windows on that day go
    with it."""
    editor.require_manager(actor, event)
    placed = placed_per_day(event).get(schedule_day.day, 0)
    if placed:
        raise WrongState(
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
