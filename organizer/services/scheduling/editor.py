"""Changes made in the schedule editor: place, move, unschedule, resize, put into a container,
and undo the last change.

Every change names the version of the slot the organizer saw. A different version means
someone else changed it meanwhile: the change is refused with a Conflict (409) that says who,
and nothing is overwritten. A change that would create a conflict whose rule is set to "blocks
saving" is refused too. Each change is written to the journal, which is what undo reads.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from organizer import permissions
from organizer.enums import Severity, SlotKind
from organizer.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from organizer.extensions import db
from organizer.models import (
    Event,
    Proposal,
    Room,
    ScheduleEdit,
    ScheduleSettings,
    Slot,
    User,
)
from organizer.services.scheduling import conflicts as conflict_rules
from organizer.services.scheduling.plan import SCHEDULABLE, Plan, build_plan, settings_of


def require_manager(actor: User, event: Event) -> None:
    if not permissions.can_manage_schedule(actor, event):
        raise PermissionDenied()


def ensure_settings(event: Event, now: dt.datetime) -> ScheduleSettings:
    settings = settings_of(event)
    if settings is None:
        settings = ScheduleSettings(event_id=event.id, severities={}, updated_at=now)
        db.session.add(settings)
        db.session.flush()
    return settings


def ensure_slots(*, event: Event, now: dt.datetime) -> int:
    """Give every accepted or confirmed proposal a (not yet placed) slot; returns how many were
    made. Idempotent: the editor calls it on every visit, so a proposal accepted since the last
    visit shows up in the list of sessions to schedule."""
    missing = list(
        db.session.scalars(
            select(Proposal)
            .outerjoin(Slot, Slot.proposal_id == Proposal.id)
            .where(
                Proposal.event_id == event.id,
                Proposal.state.in_(SCHEDULABLE),
                Slot.id.is_(None),
            )
        )
    )
    for proposal in missing:
        db.session.add(
            Slot(
                event_id=event.id,
                kind=SlotKind.TALK,
                proposal_id=proposal.id,
                duration_minutes=proposal.duration_minutes,
                created_at=now,
                updated_at=now,
            )
        )
    if missing:
        db.session.flush()
    return len(missing)


def slot_by_public_id(event: Event, public_id: str) -> Slot:
    slot = db.session.scalar(
        select(Slot).where(Slot.event_id == event.id, Slot.public_id == public_id)
    )
    if slot is None:
        raise NotFound(_("There is no such session in this schedule."))
    return slot


def state_of(slot: Slot) -> dict[str, Any]:
    """What the journal keeps of a slot: enough to put it back."""
    return {
        "room_id": slot.room_id,
        "starts_at": slot.starts_at.isoformat() if slot.starts_at else None,
        "duration_minutes": slot.duration_minutes,
        "parent_id": slot.parent_id,
        "position": slot.position,
        "expected_audience": slot.expected_audience,
        "pinned": slot.pinned,
        "stream_url": slot.stream_url,
        "stream_public": slot.stream_public,
        "preferred_day": slot.preferred_day.isoformat() if slot.preferred_day else None,
        "preferred_part": slot.preferred_part,
    }


def _check_version(slot: Slot, version: int | None, event: Event) -> None:
    if version is not None and version != slot.version:
        who = slot.updated_by.display_name if slot.updated_by else _("someone else")
        when = slot.updated_at.astimezone(ZoneInfo(event.timezone)).strftime("%H:%M")
        raise Conflict(
            _(
                "%(who)s changed “%(title)s” at %(when)s while you were editing. Your change "
                "was not saved; the schedule now shows their version, so you can try again.",
                who=who,
                title=slot.display_title,
                when=when,
            )
        )


def _validate_place(event: Event, plan: Plan, room_id: int, starts_at: dt.datetime) -> None:
    if room_id not in plan.rooms:
        raise ValidationFailed({"room": _("Choose one of this event's rooms.")})
    if starts_at.tzinfo is None:
        raise ValidationFailed({"start": _("The start time needs a time zone.")})
    local = starts_at.astimezone(ZoneInfo(event.timezone))
    if not any(day.day == local.date() for day in plan.days):
        raise ValidationFailed({"day": _("Choose one of the schedule's days.")})
    minutes = local.hour * 60 + local.minute
    if minutes % plan.granularity or local.second or local.microsecond:
        raise ValidationFailed(
            {
                "start": _(
                    "Start times are on a %(n)d-minute grid (for example 09:00, 09:%(n)02d).",
                    n=plan.granularity,
                )
            }
        )


def _save(
    *,
    event: Event,
    slot: Slot,
    actor: User,
    now: dt.datetime,
    action: str,
    before: dict[str, Any],
    check: bool = True,
) -> Slot:
    """Flush the change (the version column makes a concurrent writer lose with a 409), refuse
    it when it creates a conflict that blocks saving, and journal it."""
    slot.updated_at = now
    slot.updated_by_id = actor.id
    try:
        db.session.flush()
    except StaleDataError as error:
        raise Conflict(
            _("Someone else changed this session at the same moment. Reload and try again.")
        ) from error
    if check:
        plan = build_plan(event)
        blocking = [
            c
            for c in conflict_rules.conflicts_of(plan, slot.id)
            if c.severity is Severity.BLOCKS_SAVING
        ]
        if blocking:
            raise Conflict(
                _("Not saved: %(reasons)s", reasons=" ".join(c.message for c in blocking))
            )
    db.session.add(
        ScheduleEdit(
            event_id=event.id,
            slot_id=slot.id,
            actor_id=actor.id,
            action=action,
            before=before,
            after=state_of(slot),
            version_after=slot.version,
            created_at=now,
        )
    )
    db.session.flush()
    return slot


def move(
    *,
    event: Event,
    slot: Slot,
    room_id: int,
    starts_at: dt.datetime,
    version: int | None,
    actor: User,
    now: dt.datetime,
) -> Slot:
    """Place a session (or move it) to a room and start; a talk leaves its container."""
    require_manager(actor, event)
    _check_version(slot, version, event)
    plan = build_plan(event)
    if slot.id not in plan.sessions:
        raise ValidationFailed(_("Only accepted or confirmed talks can be scheduled."))
    _validate_place(event, plan, room_id, starts_at)
    before = state_of(slot)
    slot.room_id = room_id
    slot.starts_at = starts_at.astimezone(dt.UTC)
    slot.parent_id = None
    return _save(event=event, slot=slot, actor=actor, now=now, action="move", before=before)


def unschedule(
    *, event: Event, slot: Slot, version: int | None, actor: User, now: dt.datetime
) -> Slot:
    """Take a session off the grid (or out of its container) into the unscheduled list."""
    require_manager(actor, event)
    _check_version(slot, version, event)
    before = state_of(slot)
    slot.room_id = None
    slot.starts_at = None
    slot.parent_id = None
    return _save(
        event=event,
        slot=slot,
        actor=actor,
        now=now,
        action="unschedule",
        before=before,
        check=False,
    )


def resize(
    *,
    event: Event,
    slot: Slot,
    duration_minutes: int,
    version: int | None,
    actor: User,
    now: dt.datetime,
) -> Slot:
    """Change how long a session's slot is, in whole grid steps."""
    require_manager(actor, event)
    _check_version(slot, version, event)
    settings = ensure_settings(event, now)
    step = settings.granularity_minutes
    if not 1 <= duration_minutes <= 1440 or duration_minutes % step:
        raise ValidationFailed(
            {"duration": _("A length is a multiple of %(n)d minutes, up to 24 hours.", n=step)}
        )
    before = state_of(slot)
    slot.duration_minutes = duration_minutes
    return _save(event=event, slot=slot, actor=actor, now=now, action="resize", before=before)


def put_in_container(
    *,
    event: Event,
    slot: Slot,
    container: Slot,
    position: int | None,
    version: int | None,
    actor: User,
    now: dt.datetime,
) -> Slot:
    """Put a talk into a lightning block or poster session, at `position` (last when None);
    the container's other talks keep their order around it."""
    require_manager(actor, event)
    _check_version(slot, version, event)
    if container.kind is not SlotKind.CONTAINER or container.event_id != event.id:
        raise ValidationFailed({"container": _("Choose a lightning block or poster session.")})
    if slot.kind is not SlotKind.TALK:
        raise ValidationFailed({"container": _("Only talks go into a block.")})
    before = state_of(slot)
    siblings = [c for c in container.children if c.id != slot.id]
    index = len(siblings) if position is None else max(0, min(position, len(siblings)))
    siblings.insert(index, slot)
    slot.room_id = None
    slot.starts_at = None
    slot.parent_id = container.id
    for number, child in enumerate(siblings):
        if child.position != number and child is not slot:
            child.position = number
    slot.position = index
    return _save(event=event, slot=slot, actor=actor, now=now, action="contain", before=before)


def last_edit(event: Event, actor: User) -> ScheduleEdit | None:
    return db.session.scalar(
        select(ScheduleEdit)
        .where(
            ScheduleEdit.event_id == event.id,
            ScheduleEdit.actor_id == actor.id,
            ScheduleEdit.undone_at.is_(None),
        )
        .order_by(ScheduleEdit.id.desc())
        .limit(1)
    )


def undo_last(*, event: Event, actor: User, now: dt.datetime) -> Slot:
    """Undo the actor's own last change, unless someone has changed that session since."""
    require_manager(actor, event)
    edit = last_edit(event, actor)
    if edit is None:
        raise ValidationFailed(_("There is no change of yours to undo."))
    slot = edit.slot
    if slot.version != edit.version_after:
        raise Conflict(
            _(
                "“%(title)s” was changed again after your change, so undoing it would "
                "overwrite someone's work. Move it by hand instead.",
                title=slot.display_title,
            )
        )
    before = state_of(slot)
    old = edit.before
    slot.room_id = old["room_id"]
    slot.starts_at = dt.datetime.fromisoformat(old["starts_at"]) if old["starts_at"] else None
    slot.duration_minutes = old["duration_minutes"]
    slot.parent_id = old["parent_id"]
    slot.position = old["position"]
    slot.expected_audience = old["expected_audience"]
    slot.pinned = old["pinned"]
    slot.stream_url = old["stream_url"]
    slot.stream_public = old["stream_public"]
    slot.preferred_day = (
        dt.date.fromisoformat(old["preferred_day"]) if old["preferred_day"] else None
    )
    slot.preferred_part = old["preferred_part"]
    edit.undone_at = now
    _save(event=event, slot=slot, actor=actor, now=now, action="undo", before=before, check=False)
    # The undo itself is not undoable: the journal entry it wrote is marked as done with.
    db.session.scalars(
        select(ScheduleEdit)
        .where(ScheduleEdit.slot_id == slot.id)
        .order_by(ScheduleEdit.id.desc())
        .limit(1)
    ).one().undone_at = now
    return slot


@dataclasses.dataclass(frozen=True)
class SlotDetails:
    """What the session form sets besides the place."""

    expected_audience: int | None
    pinned: bool
    stream_url: str
    stream_public: bool
    preferred_day: dt.date | None
    preferred_part: str


def update_details(
    *,
    event: Event,
    slot: Slot,
    details: SlotDetails,
    version: int | None,
    actor: User,
    now: dt.datetime,
) -> Slot:
    require_manager(actor, event)
    _check_version(slot, version, event)
    errors: dict[str, str] = {}
    if details.expected_audience is not None and details.expected_audience < 0:
        errors["expected_audience"] = _("The expected audience cannot be negative.")
    url = details.stream_url.strip()
    if url and not url.startswith(("https://", "http://")):
        errors["stream_url"] = _("A stream link starts with https:// (or http://).")
    if details.preferred_part not in ("", "morning", "afternoon"):
        errors["preferred_part"] = _("Choose morning, afternoon or no preference.")
    if details.preferred_day is not None and not (
        event.starts_on <= details.preferred_day <= event.ends_on
    ):
        errors["preferred_day"] = _("Choose one of the event's days.")
    if errors:
        raise ValidationFailed(errors)
    before = state_of(slot)
    slot.expected_audience = details.expected_audience
    slot.pinned = details.pinned
    slot.stream_url = url[:500]
    slot.stream_public = details.stream_public and bool(url)
    slot.preferred_day = details.preferred_day
    slot.preferred_part = details.preferred_part
    return _save(event=event, slot=slot, actor=actor, now=now, action="details", before=before)


def room_of(event: Event, room_id: int) -> Room:
    room = db.session.get(Room, room_id)
    if room is None or room.event_id != event.id:
        raise NotFound(_("There is no such room in this event."))
    return room
