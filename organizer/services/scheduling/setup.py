"""The schedule's settings, chosen by organizers before (and while) they place sessions: the
grid, the speakers' walking time, the solver's time limit and the severity of each conflict
rule. The rest of the set-up has a module each: `room_setup`, `day_setup`, `item_setup`
(plenary items and blocks) and `speaker_setup` (what the scheduler needs to know about them).

Times people type are wall-clock times: in the event's zone for rooms and days, in the
speaker's own zone for a remote speaker's availability. They are stored as UTC.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from organizer.enums import Severity
from organizer.errors import ValidationFailed
from organizer.extensions import db
from organizer.models import Event, ScheduleSettings, Slot, User
from organizer.services import audit
from organizer.services.scheduling import editor, local_times, rules
from organizer.services.scheduling.plan import settings_of, severities_of

GRANULARITIES = (5, 10, 15)
BUFFER_RANGE = (0, 240)
SOLVER_LIMIT_RANGE = (1, 600)


@dataclasses.dataclass(frozen=True, kw_only=True)
class SettingsInput:
    granularity_minutes: int | None
    speaker_buffer_minutes: int | None
    solver_time_limit_seconds: int | None
    # A rule's code -> Severity value, for every rule of the registry.
    severities: dict[str, str]


def severity_field(code: str) -> str:
    """The name of the form field (and error key) of a rule's severity, from the rule's code."""
    return f"severity_{code}"


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
    for rule in rules.all_rules():
        if data.severities.get(rule.code) not in Severity._value2member_map_:
            errors[severity_field(rule.code)] = _("Choose what this kind of conflict does.")
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
                        day=local_times.day_label(local.date()),
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
        "severities": {rule.code: data.severities[rule.code] for rule in rules.all_rules()},
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
