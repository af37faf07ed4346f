"""Changes made in the schedule editor: place, move, unschedule, resize, put into a container,
and undo the last change.

Every change names the version of the slot the organizer saw. A different version means
someone else changed it meanwhile: the change is refused with a WrongState (409) that says who,
and nothing is overwritten. Two changes that pass that check at the same moment are told apart
by the version column itself (the second UPDATE matches no row), which is the same WrongState.

A change that would create a conflict whose rule is set to "blocks saving" is refused too; a
conflict that was already there does not block other changes. While it checks, a change holds a
lock on the event's settings row, so two changes cannot each pass the check and together make a
blocking conflict (PostgreSQL; SQLite writes one at a time anyway). A refused change has
already been flushed: the caller rolls back, as views do for every DomainError.

Each change is written to the journal, which is what undo reads.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from organizer import permissions
from organizer.enums import ConflictRule, Severity, SlotKind
from organizer.errors import NotFound, PermissionDenied, ValidationFailed, WrongState
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
from organizer.services.scheduling.plan import (
    SCHEDULABLE,
    Plan,
    build_plan,
    settings_of,
    severities_of,
)

STREAM_URL_MAX = 500


def require_manager(actor: User, event: Event) -> None:
    if not permissions.can_manage_schedule(actor, event):
        raise PermissionDenied(_("Only this event's organizers can change its schedule."))


def _require_own(event: Event, *slots: Slot) -> None:
    if any(slot.event_id != event.id for slot in slots):
        raise NotFound(_("There is no such session in this schedule."))


def _schedulable(slot: Slot) -> bool:
    return slot.proposal is None or slot.proposal.state in SCHEDULABLE


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


def _check_version(
    slot: Slot, version: int | None, event: Event, actor: User | None = None
) -> None:
    if version is None or version == slot.version:
        return
    when = slot.updated_at.astimezone(ZoneInfo(event.timezone)).strftime("%H:%M")
    if actor is not None and slot.updated_by_id == actor.id:
        raise WrongState(
            _(
                "You changed “%(title)s” at %(when)s in another window. This change was not "
                "saved; the schedule now shows the other one, so you can try again.",
                title=slot.display_title,
                when=when,
            )
        )
    who = db.session.get(User, slot.updated_by_id) if slot.updated_by_id else None
    raise WrongState(
        _(
            "%(who)s changed “%(title)s” at %(when)s while you were editing. Your change "
            "was not saved; the schedule now shows their version, so you can try again.",
            who=who.display_name if who is not None else _("Someone else"),
            title=slot.display_title,
            when=when,
        )
    )


def _may_change(event: Event, slot: Slot, version: int | None, actor: User) -> None:
    """Before any change to one session: the actor may edit the schedule, the session is this
    event's, and it is still the version the actor saw."""
    require_manager(actor, event)
    _require_own(event, slot)
    _check_version(slot, version, event, actor)


def validate_place(event: Event, plan: Plan, room_id: int, starts_at: dt.datetime) -> None:
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


_Key = tuple[ConflictRule, frozenset[int]]


def _lock(event: Event) -> bool:
    """Whether any rule blocks saving. When one does, the event's settings row is locked until
    the transaction ends, so that changes are checked one after the other."""
    settings = db.session.scalar(
        select(ScheduleSettings).where(ScheduleSettings.event_id == event.id).with_for_update()
    )
    return settings is not None and Severity.BLOCKS_SAVING in severities_of(settings).values()


def _blocking(plan: Plan) -> dict[_Key, conflict_rules.WrongState]:
    return {
        (c.rule, frozenset(c.session_ids)): c
        for c in conflict_rules.find_conflicts(plan)
        if c.severity is Severity.BLOCKS_SAVING
    }


def _baseline(event: Event, plan: Plan | None = None) -> set[_Key] | None:
    """Before a change: the blocking conflicts already there (which the change may leave), or
    None when no rule blocks saving and there is nothing to check."""
    if not _lock(event):
        return None
    return set(_blocking(plan or build_plan(event)))


def blocking_before(event: Event) -> set[_Key] | None:
    """For services that change slots outside this module (plenary items, blocks): call before
    changing anything, flush the change, then pass the result to `refuse_new_blocking`, so that
    "blocks saving" means the same everywhere. Takes the lock described above."""
    return _baseline(event)


def refuse_new_blocking(event: Event, before: set[_Key] | None) -> None:
    """Raise WrongState when the flushed change made a conflict whose rule blocks saving (one
    that `before` did not have). The caller rolls back."""
    if before is None:
        return
    made = [c for key, c in _blocking(build_plan(event)).items() if key not in before]
    if made:
        raise WrongState(_("Not saved: %(reasons)s", reasons=" ".join(c.message for c in made)))


def _forget_children(*slot_ids: int | None) -> None:
    """A talk moved into or out of a container changed that container's `children`; drop the
    loaded collections so that the next plan reads them again."""
    for slot_id in {i for i in slot_ids if i is not None}:
        container = db.session.identity_map.get(db.session.identity_key(Slot, slot_id))
        if container is not None:
            db.session.expire(container, ["children"])


def _save(
    *,
    event: Event,
    slot: Slot,
    actor: User,
    now: dt.datetime,
    action: str,
    before: dict[str, Any],
    baseline: set[_Key] | None,
) -> ScheduleEdit:
    """Flush the change (the version column makes a concurrent writer lose with a 409), refuse
    it when it creates a conflict that blocks saving, and journal it."""
    title = slot.display_title  # read before a failed flush makes the session unusable
    slot.updated_at = now
    slot.updated_by_id = actor.id
    try:
        db.session.flush()
    except StaleDataError as error:
        raise WrongState(
            _(
                "Someone else changed “%(title)s” at the same moment, so your change was not "
                "saved. Reload the schedule and try again.",
                title=title,
            )
        ) from error
    _forget_children(before.get("parent_id"), slot.parent_id)
    refuse_new_blocking(event, baseline)
    edit = ScheduleEdit(
        event_id=event.id,
        slot_id=slot.id,
        actor_id=actor.id,
        action=action,
        before=before,
        after=state_of(slot),
        version_after=slot.version,
        created_at=now,
    )
    db.session.add(edit)
    db.session.flush()
    return edit


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
    _may_change(event, slot, version, actor)
    blocks = _lock(event)
    plan = build_plan(event)
    if slot.id not in plan.sessions:
        raise ValidationFailed(_("Only accepted or confirmed talks can be scheduled."))
    validate_place(event, plan, room_id, starts_at)
    baseline = set(_blocking(plan)) if blocks else None
    before = state_of(slot)
    slot.room_id = room_id
    slot.starts_at = starts_at.astimezone(dt.UTC)
    slot.parent_id = None
    _save(
        event=event,
        slot=slot,
        actor=actor,
        now=now,
        action="move",
        before=before,
        baseline=baseline,
    )
    return slot


@dataclasses.dataclass(frozen=True)
class Placement:
    slot: Slot
    room_id: int
    starts_at: dt.datetime
    version: int | None


def move_many(*, event: Event, placements: list[Placement], actor: User, now: dt.datetime) -> None:
    """Place several sessions as one change (an accepted suggestion): one plan to validate
    them, one check for conflicts that block saving after all of them (so a swap is not refused
    half-way), and one journal entry each, so undo steps back through them one by one.

    A failure names the session it is about (`DomainError.field` is its public id)."""
    for item in placements:
        _may_change(event, item.slot, item.version, actor)
    blocks = _lock(event)
    plan = build_plan(event)
    for item in placements:
        if item.slot.id not in plan.sessions:
            raise ValidationFailed(
                _("“%(title)s” is no longer to be scheduled.", title=item.slot.display_title)
            )
        validate_place(event, plan, item.room_id, item.starts_at)
    baseline = set(_blocking(plan)) if blocks else None
    befores = []
    for item in placements:
        befores.append(state_of(item.slot))
        item.slot.room_id = item.room_id
        item.slot.starts_at = item.starts_at.astimezone(dt.UTC)
        item.slot.parent_id = None
        item.slot.updated_at = now
        item.slot.updated_by_id = actor.id
    try:
        db.session.flush()
    except StaleDataError as error:
        raise WrongState(
            _("Someone else changed these sessions at the same moment. Reload and try again.")
        ) from error
    _forget_children(*(before.get("parent_id") for before in befores))
    refuse_new_blocking(event, baseline)
    db.session.add_all(
        ScheduleEdit(
            event_id=event.id,
            slot_id=item.slot.id,
            actor_id=actor.id,
            action="move",
            before=before,
            after=state_of(item.slot),
            version_after=item.slot.version,
            created_at=now,
        )
        for item, before in zip(placements, befores, strict=True)
    )
    db.session.flush()


def unschedule(
    *, event: Event, slot: Slot, version: int | None, actor: User, now: dt.datetime
) -> Slot:
    """Take a session off the grid (or out of its container) into the unscheduled list. This
    never creates a conflict, so it is never refused for one."""
    _may_change(event, slot, version, actor)
    before = state_of(slot)
    slot.room_id = None
    slot.starts_at = None
    slot.parent_id = None
    _save(
        event=event,
        slot=slot,
        actor=actor,
        now=now,
        action="unschedule",
        before=before,
        baseline=None,
    )
    return slot


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
    _may_change(event, slot, version, actor)
    settings = ensure_settings(event, now)
    step = settings.granularity_minutes
    if not 1 <= duration_minutes <= 1440 or duration_minutes % step:
        raise ValidationFailed(
            {"duration": _("A length is a multiple of %(n)d minutes, up to 24 hours.", n=step)}
        )
    baseline = _baseline(event)
    before = state_of(slot)
    slot.duration_minutes = duration_minutes
    _save(
        event=event,
        slot=slot,
        actor=actor,
        now=now,
        action="resize",
        before=before,
        baseline=baseline,
    )
    return slot


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
    _may_change(event, slot, version, actor)
    if container.kind is not SlotKind.CONTAINER or container.event_id != event.id:
        raise ValidationFailed({"container": _("Choose a lightning block or poster session.")})
    if slot.kind is not SlotKind.TALK:
        raise ValidationFailed({"container": _("Only talks go into a block.")})
    if not _schedulable(slot):
        raise ValidationFailed(_("Only accepted or confirmed talks can be scheduled."))
    baseline = _baseline(event)
    before = state_of(slot)
    siblings = [c for c in container.children if c.id != slot.id]
    index = len(siblings) if position is None else max(0, min(position, len(siblings)))
    siblings.insert(index, slot)
    slot.room_id = None
    slot.starts_at = None
    slot.parent_id = container.id
    for number, child in enumerate(siblings):
        if child.position != number and child is not slot:
            # Renumbering changes the sibling's row (and version): say who did it.
            child.position = number
            child.updated_at = now
            child.updated_by_id = actor.id
    slot.position = index
    _save(
        event=event,
        slot=slot,
        actor=actor,
        now=now,
        action="contain",
        before=before,
        baseline=baseline,
    )
    return slot


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


def _changed_since(edit: ScheduleEdit, slot: Slot) -> bool:
    """Whether the slot differs from what `edit` left. Later journal entries that were all
    undone put it back to that (undo goes in order, one slot's changes last first); any other
    change, journaled or not (blocks pages, the automatic scheduler), bumped the version."""
    later = list(
        db.session.scalars(
            select(ScheduleEdit)
            .where(ScheduleEdit.slot_id == slot.id, ScheduleEdit.id > edit.id)
            .order_by(ScheduleEdit.id)
        )
    )
    if any(e.undone_at is None for e in later):
        return True
    return slot.version != (later[-1].version_after if later else edit.version_after)


def undo_last(*, event: Event, actor: User, now: dt.datetime) -> Slot:
    """Undo the actor's own last change not undone yet, unless someone has changed that session
    since. Undoing again goes on to the change before (the actor's own, never another's)."""
    require_manager(actor, event)
    edit = last_edit(event, actor)
    if edit is None:
        raise ValidationFailed(_("There is no change of yours to undo."))
    slot = edit.slot
    if _changed_since(edit, slot):
        if slot.updated_by_id == actor.id:
            # Changed by the actor outside the journal (a block's other talk renumbered it).
            message = _(
                "“%(title)s” has changed since your last change to it (for example its place "
                "in a block), so it cannot be undone. Change it by hand instead.",
                title=slot.display_title,
            )
        else:
            who = db.session.get(User, slot.updated_by_id) if slot.updated_by_id else None
            message = _(
                "%(who)s changed “%(title)s” after your change, so undoing it would overwrite "
                "their work. Change it by hand instead.",
                who=who.display_name if who is not None else _("Someone else"),
                title=slot.display_title,
            )
        raise WrongState(message)
    old = edit.before
    if old["room_id"] is not None and db.session.get(Room, old["room_id"]) is None:
        raise WrongState(
            _(
                "“%(title)s” cannot go back: the room it was in has been deleted. Place it by "
                "hand instead.",
                title=slot.display_title,
            )
        )
    if old["parent_id"] is not None and db.session.get(Slot, old["parent_id"]) is None:
        raise WrongState(
            _(
                "“%(title)s” cannot go back: the block it was in has been deleted. Place it by "
                "hand instead.",
                title=slot.display_title,
            )
        )
    baseline = _baseline(event)
    before = state_of(slot)
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
    undo = _save(
        event=event,
        slot=slot,
        actor=actor,
        now=now,
        action="undo",
        before=before,
        baseline=baseline,
    )
    # The undo itself is not undoable: its journal entry is marked as done with.
    undo.undone_at = now
    db.session.flush()
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


def _stream_url_error(url: str) -> str | None:
    if not url:
        return None
    if len(url) > STREAM_URL_MAX:
        return _("Keep the stream link to %(n)d characters or fewer.", n=STREAM_URL_MAX)
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc or any(c.isspace() for c in url):
        return _("A stream link starts with https:// (or http://).")
    return None


def update_details(
    *,
    event: Event,
    slot: Slot,
    details: SlotDetails,
    version: int | None,
    actor: User,
    now: dt.datetime,
) -> Slot:
    _may_change(event, slot, version, actor)
    errors: dict[str, str] = {}
    if details.expected_audience is not None and details.expected_audience < 0:
        errors["expected_audience"] = _("The expected audience cannot be negative.")
    url = details.stream_url.strip()
    url_error = _stream_url_error(url)
    if url_error:
        errors["stream_url"] = url_error
    if details.preferred_part not in ("", "morning", "afternoon"):
        errors["preferred_part"] = _("Choose morning, afternoon or no preference.")
    if details.preferred_day is not None and not (
        event.starts_on <= details.preferred_day <= event.ends_on
    ):
        errors["preferred_day"] = _("Choose one of the event's days.")
    if errors:
        raise ValidationFailed(errors)
    baseline = _baseline(event)
    before = state_of(slot)
    slot.expected_audience = details.expected_audience
    slot.pinned = details.pinned
    slot.stream_url = url
    slot.stream_public = details.stream_public and bool(url)
    slot.preferred_day = details.preferred_day
    slot.preferred_part = details.preferred_part
    _save(
        event=event,
        slot=slot,
        actor=actor,
        now=now,
        action="details",
        before=before,
        baseline=baseline,
    )
    return slot


def room_of(event: Event, room_id: int) -> Room:
    room = db.session.get(Room, room_id)
    if room is None or room.event_id != event.id:
        raise NotFound(_("There is no such room in this event."))
    return room
