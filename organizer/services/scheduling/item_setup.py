"""Plenary items (keynotes, breaks, lunch...) and blocks that hold several talks (lightning
talks, poster sessions): creating them and filling a block with talks."""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from organizer.enums import ContainerKind, PlenaryKind, SlotKind
from organizer.errors import NotFound, ValidationFailed
from organizer.extensions import db
from organizer.models import Event, Proposal, Slot, User
from organizer.services import audit
from organizer.services.scheduling import editor
from organizer.services.scheduling.plan import active_slots
from organizer.services.scheduling.setup import granularity_of

TITLE_MAX = 200
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
    audit.record(
        action="schedule.item.delete",
        actor=actor,
        now=now,
        object_type="slot",
        object_id=slot.id,
        event=event,
        details={"title": slot.title, "kind": slot.kind.value, "talks_released": len(children)},
    )
    db.session.delete(slot)
    db.session.flush()
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
