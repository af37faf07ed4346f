"""What the schedule editor shows: the grid of rooms and times for each day, the session cards, the
unscheduled list and its filters, the conflicts and the undo button, as plain data.

The editor page, its JSON (`as_json`) and the browser's script all read one `EditorView`, built
from ONE `build_plan` and the slot rows it was built from, so the number of queries does not
grow with the schedule. The grid is laid out here, once: a cell spans the rows of the sessions
in it (`rowspan`), sessions that overlap in a room share a cell, and a plenary item across all
rooms spans the columns when it has them to itself (`colspan`). The server page and the script
draw the same cells.

No request here: the view passes `session_url`, which turns a session's public id into the
address of its page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from organizer.enums import ContainerKind, PlenaryKind, ProposalState, Severity, SlotKind
from organizer.errors import NotFound, ValidationFailed
from organizer.extensions import db
from organizer.models import Event, Room, ScheduleDay, ScheduleEdit, Slot, User
from organizer.services.cfp import call as call_service
from organizer.services.scheduling import conflicts as conflict_rules
from organizer.services.scheduling import editor
from organizer.services.scheduling.conflicts import Conflict
from organizer.services.scheduling.plan import (
    DayInfo,
    Person,
    Plan,
    RoomInfo,
    Session,
    active_slots,
    build_plan,
    settings_of,
)

SessionUrl = Callable[[str], str]

SEVERITY_ORDER = list(Severity)
KIND_ORDER = {SlotKind.PLENARY: 0, SlotKind.CONTAINER: 1, SlotKind.TALK: 2}


# Filters -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What narrows the unscheduled list: a track, a session type, a length in minutes."""

    track_id: int | None = None
    type_id: int | None = None
    duration: int | None = None

    def matches(self, card: Card) -> bool:
        if self.track_id is not None and card.track_id != self.track_id:
            return False
        if self.type_id is not None and card.type_id != self.type_id:
            return False
        return self.duration is None or card.duration == self.duration

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.track_id, self.type_id, self.duration))


# Cards -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """One session as the editor draws it."""

    id: int
    public_id: str
    kind: SlotKind
    kind_label: str
    title: str
    speakers: tuple[str, ...]
    track_id: int | None
    track: str
    type_id: int | None
    type: str
    duration: int
    required: int
    room_id: int | None
    room: str
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    day: dt.date | None
    start: str  # "HH:MM" in the event's zone, "" when not placed
    end: str
    where: str  # "Room A, Sat 27 Mar 09:00-09:20", "not scheduled", "in “Lightning talks”"
    all_rooms: bool
    pinned: bool
    version: int
    parent: str | None  # the container's public id
    children: tuple[str, ...]
    state: str | None
    url: str
    conflicts: tuple[Conflict, ...] = ()

    @property
    def placed(self) -> bool:
        return self.starts_at is not None and self.room_id is not None

    @property
    def resizable(self) -> bool:
        return self.kind in (SlotKind.PLENARY, SlotKind.CONTAINER)

    @property
    def severity(self) -> Severity | None:
        if not self.conflicts:
            return None
        return min((c.severity for c in self.conflicts), key=SEVERITY_ORDER.index)

    @property
    def proposal_label(self) -> str:
        """Where the talk's proposal stands, for the session page ("" for a plenary item)."""
        if not self.state:
            return ""
        if self.state == ProposalState.CONFIRMED:
            return _("confirmed by its speakers")
        return _("accepted, not yet confirmed")

    @property
    def severity_label(self) -> str:
        return str(self.severity.label) if self.severity is not None else ""

    @property
    def conflict_label(self) -> str:
        """e.g. "1 conflict, Blocks a release": the count and the worst severity, in words."""
        if not self.conflicts:
            return ""
        count = ngettext("%(num)d conflict", "%(num)d conflicts", len(self.conflicts))
        return _("%(count)s, %(severity)s", count=count, severity=self.severity_label)

    @property
    def time_label(self) -> str:
        """What the card says about its time: "09:00-09:20", or its length when not placed."""
        if self.placed:
            span = f"{self.start}\N{EN DASH}{self.end}"
            return _("%(span)s, all rooms", span=span) if self.all_rooms else span
        return ngettext("%(num)d minute", "%(num)d minutes", self.duration)

    @property
    def label(self) -> str:
        """The card's accessible name: title, room and time (and its conflicts)."""
        name = _("“%(title)s”, %(where)s", title=self.title, where=self.where)
        if self.conflicts:
            name = f"{name}, {self.conflict_label}"
        if self.pinned:
            name = _("%(name)s, pinned", name=name)
        return name


# The grid --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    room_id: int
    row: int
    rowspan: int
    colspan: int
    start: str  # "HH:MM", local
    starts_at: dt.datetime
    sessions: tuple[str, ...] = ()  # public ids of the cards drawn here
    also: tuple[str, ...] = ()  # all-rooms items drawn in another column that cover this one


@dataclass(frozen=True)
class Row:
    index: int
    start: str
    starts_at: dt.datetime
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class DayGrid:
    day: DayInfo
    label: str  # "Saturday 27 March"
    short_label: str  # "Sat 27 Mar"
    start: str
    end: str
    rows: tuple[Row, ...]


@dataclass
class EditorView:
    event: Event
    plan: Plan
    cards: dict[str, Card]  # public id -> card, every active session
    conflicts: list[Conflict]
    grids: dict[dt.date, DayGrid]
    day: DayGrid | None  # the day shown
    off_grid: list[Card]  # placed, but on no day's grid (outside the days or hours)
    unscheduled: list[Card]  # filtered
    unscheduled_total: int
    filters: Filters
    tracks: list[tuple[int, str]]
    types: list[tuple[int, str]]
    durations: list[int]
    undo: str | None
    containers: list[Card] = field(default_factory=list)

    @property
    def rooms(self) -> list[RoomInfo]:
        return list(self.plan.rooms.values())

    def card_of(self, session_id: int) -> Card:
        return self.cards[self.plan.sessions[session_id].public_id]

    def cards_of(self, conflict: Conflict) -> list[Card]:
        return [self.card_of(i) for i in conflict.session_ids]

    def by_severity(self) -> list[tuple[Severity, str, list[Conflict]]]:
        groups: dict[Severity, list[Conflict]] = {}
        for conflict in self.conflicts:
            groups.setdefault(conflict.severity, []).append(conflict)
        return [(s, str(s.label), groups[s]) for s in SEVERITY_ORDER if s in groups]

    @property
    def nothing_to_schedule(self) -> bool:
        return not self.cards


def _local(value: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    return value.astimezone(zone)


def _hhmm(value: dt.datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%H:%M") if value is not None else ""


def _kind_label(slot: Slot) -> str:
    if slot.kind is SlotKind.PLENARY and slot.plenary_kind is not None:
        return str(PlenaryKind(slot.plenary_kind).label)
    if slot.kind is SlotKind.CONTAINER and slot.container_kind is not None:
        return str(ContainerKind(slot.container_kind).label)
    if slot.proposal is not None and slot.proposal.session_type is not None:
        return slot.proposal.session_type.name
    return _("Talk")


def _cards(
    plan: Plan,
    slots: dict[int, Slot],
    conflicts: list[Conflict],
    session_url: SessionUrl,
) -> dict[str, Card]:
    zone = ZoneInfo(plan.timezone)
    involved: dict[int, list[Conflict]] = {}
    for conflict in conflicts:
        for session_id in conflict.session_ids:
            involved.setdefault(session_id, []).append(conflict)
    cards: dict[str, Card] = {}
    for session in plan.sessions.values():
        slot = slots[session.id]
        proposal = slot.proposal
        speakers = tuple(plan.people[p].name for p in session.speaker_ids if p in plan.people)
        room = ""
        if session.all_rooms:
            room = _("all rooms")
        elif session.room_id in plan.rooms:
            room = plan.rooms[session.room_id].name  # type: ignore[index]
        parent = plan.sessions.get(session.parent_id) if session.parent_id else None
        if session.placed:
            start = _local(session.starts_at, zone)  # type: ignore[arg-type]
            span = "{} {}\N{EN DASH}{}".format(
                format_date(start.date(), "EEE d MMM"),
                start.strftime("%H:%M"),
                _hhmm(session.ends_at, zone),
            )
            where = _("%(room)s, %(span)s", room=room, span=span)
        elif parent is not None:
            where = _("in “%(block)s”", block=parent.title)
        else:
            where = ngettext(
                "not scheduled, %(num)d minute", "not scheduled, %(num)d minutes", session.duration
            )
        cards[session.public_id] = Card(
            id=session.id,
            public_id=session.public_id,
            kind=session.kind,
            kind_label=_kind_label(slot),
            title=session.title,
            speakers=speakers,
            track_id=session.track_id,
            track=proposal.track.name if proposal is not None and proposal.track else "",
            type_id=session.session_type_id,
            type=proposal.session_type.name if proposal is not None else "",
            duration=session.duration,
            required=session.required_minutes,
            room_id=session.room_id,
            room=room,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            day=_local(session.starts_at, zone).date() if session.starts_at else None,
            start=_hhmm(session.starts_at, zone),
            end=_hhmm(session.ends_at, zone),
            where=where,
            all_rooms=session.all_rooms,
            pinned=session.pinned,
            version=session.version,
            parent=parent.public_id if parent is not None else None,
            children=tuple(
                plan.sessions[c].public_id for c in session.child_ids if c in plan.sessions
            ),
            state=session.state,
            url=session_url(session.public_id),
            conflicts=tuple(involved.get(session.id, ())),
        )
    return cards


def _sort_key(card: Card) -> tuple[int, str, int]:
    return (KIND_ORDER[card.kind], card.title.casefold(), card.id)


Cluster = tuple[int, int, list[Session]]  # first row, row after the last, the sessions


def _occupied(
    day: DayInfo, placed: Iterable[Session], step: dt.timedelta, room_ids: list[int]
) -> tuple[dict[int, list[tuple[int, int, Session]]], set[int]]:
    """Each room's occupied row ranges (an all-rooms item occupies every room), and the ids of
    the sessions the day shows."""
    occupied: dict[int, list[tuple[int, int, Session]]] = {r: [] for r in room_ids}
    shown: set[int] = set()
    for session in placed:
        start, end = session.starts_at, session.ends_at
        if start is None or end is None:
            continue
        if not day.starts_at <= start < day.ends_at:
            continue
        first = (start - day.starts_at) // step
        last = max(first + 1, math.ceil((min(end, day.ends_at) - day.starts_at) / step))
        targets = room_ids if session.all_rooms else [session.room_id]
        for room_id in targets:
            if room_id in occupied:
                occupied[room_id].append((first, last, session))
                shown.add(session.id)
    return occupied, shown


def _clusters(occupied: dict[int, list[tuple[int, int, Session]]]) -> dict[int, list[Cluster]]:
    """Overlapping ranges in a room share one cell."""
    clusters: dict[int, list[Cluster]] = {}
    for room_id, ranges in occupied.items():
        merged: list[Cluster] = []
        for first, last, session in sorted(ranges, key=lambda r: (r[0], r[1], r[2].id)):
            if merged and first < merged[-1][1]:
                a, b, members = merged[-1]
                merged[-1] = (a, max(b, last), [*members, session])
            else:
                merged.append((first, last, [session]))
        clusters[room_id] = merged
    return clusters


def _wide(
    clusters: dict[int, list[Cluster]], room_ids: list[int]
) -> dict[int, tuple[int, list[Session]]]:
    """A cluster of all-rooms items that is the same in every room becomes one wide cell:
    first row -> (row after the last, sessions)."""
    wide: dict[int, tuple[int, list[Session]]] = {}
    if not room_ids:
        return wide
    for first, last, members in clusters[room_ids[0]]:
        if not all(s.all_rooms for s in members):
            continue
        key = (first, last, [s.id for s in members])
        if all(any((a, b, [s.id for s in m]) == key for a, b, m in clusters[r]) for r in room_ids):
            wide[first] = (last, members)
    return wide


def _homes(
    clusters: dict[int, list[Cluster]],
    room_ids: list[int],
    wide: dict[int, tuple[int, list[Session]]],
) -> dict[int, int]:
    """All-rooms session id -> the room column that draws its card (outside wide cells)."""
    home: dict[int, int] = {}
    for room_id in room_ids:
        for first, _last, members in clusters[room_id]:
            if first in wide and [s.id for s in members] == [s.id for s in wide[first][1]]:
                continue
            for session in members:
                if session.all_rooms:
                    home.setdefault(session.id, room_id)
    return home


def _layout(plan: Plan, day: DayInfo, placed: Iterable[Session]) -> tuple[DayGrid, set[int]]:
    """The day's rows and cells; returns the grid and the ids of the sessions it shows."""
    zone = ZoneInfo(plan.timezone)
    step = dt.timedelta(minutes=plan.granularity)
    count = max(1, math.ceil((day.ends_at - day.starts_at) / step))
    room_ids = list(plan.rooms)
    occupied, shown = _occupied(day, placed, step, room_ids)
    clusters = _clusters(occupied)
    wide = _wide(clusters, room_ids)
    home = _homes(clusters, room_ids, wide)
    starts: dict[tuple[int, int], tuple[int, list[Session]]] = {}
    for room_id in room_ids:
        for first, last, members in clusters[room_id]:
            starts[(room_id, first)] = (last, members)
    rows: list[Row] = []
    covered: dict[int, int] = {}  # room id -> first row no longer covered by a span above
    for index in range(count):
        at = day.starts_at + index * step
        if index in wide:
            last, members = wide[index]
            cell = Cell(
                room_id=room_ids[0],
                row=index,
                rowspan=min(last, count) - index,
                colspan=len(room_ids),
                start=_hhmm(at, zone),
                starts_at=at,
                sessions=tuple(s.public_id for s in members),
            )
            for room_id in room_ids:
                covered[room_id] = min(last, count)
            rows.append(Row(index, _hhmm(at, zone), at, (cell,)))
            continue
        cells: list[Cell] = []
        for room_id in room_ids:
            if covered.get(room_id, 0) > index:
                continue
            found = starts.get((room_id, index))
            if found is None:
                cells.append(Cell(room_id, index, 1, 1, _hhmm(at, zone), at))
                continue
            last, members = found
            here = tuple(
                s.public_id for s in members if not s.all_rooms or home.get(s.id) == room_id
            )
            also = tuple(s.public_id for s in members if s.all_rooms and home.get(s.id) != room_id)
            end = min(last, count)
            covered[room_id] = end
            cells.append(Cell(room_id, index, end - index, 1, _hhmm(at, zone), at, here, also))
        rows.append(Row(index, _hhmm(at, zone), at, tuple(cells)))
    grid = DayGrid(
        day=day,
        label=day_label(day.day),
        short_label=format_date(day.day, "EEE d MMM"),
        start=_hhmm(day.starts_at, zone),
        end=_hhmm(day.ends_at, zone),
        rows=tuple(rows),
    )
    return grid, shown


def _undo_label(edit: ScheduleEdit | None, slots: dict[int, Slot]) -> str | None:
    """The undo button's words: what the actor's last change was, and to which session."""
    if edit is None:
        return None
    slot = slots.get(edit.slot_id) or edit.slot
    title = slot.display_title
    labels: dict[str, Callable[[], str]] = {
        "move": lambda: _("Undo moving “%(title)s”", title=title),
        "unschedule": lambda: _("Undo unscheduling “%(title)s”", title=title),
        "resize": lambda: _("Undo resizing “%(title)s”", title=title),
        "contain": lambda: _("Undo putting “%(title)s” into a block", title=title),
        "details": lambda: _("Undo the change to the details of “%(title)s”", title=title),
    }
    label = labels.get(edit.action)
    return label() if label else _("Undo the last change to “%(title)s”", title=title)


def build(
    event: Event,
    *,
    actor: User,
    session_url: SessionUrl,
    day: dt.date | None = None,
    filters: Filters | None = None,
) -> EditorView:
    """Everything the editor shows, in a number of queries that does not grow with it."""
    editor.require_manager(actor, event)
    filters = filters or Filters()
    slots = active_slots(event)
    plan = build_plan(event, slots)
    by_id = {slot.id: slot for slot in slots}
    conflicts = conflict_rules.find_conflicts(plan)
    cards = _cards(plan, by_id, conflicts, session_url)
    placed = plan.placed()
    grids: dict[dt.date, DayGrid] = {}
    shown: set[int] = set()
    for info in plan.days:
        grid, on_grid = _layout(plan, info, placed)
        grids[info.day] = grid
        shown |= on_grid
    chosen = grids.get(day) if day is not None else None
    if chosen is None and grids:
        chosen = next(iter(grids.values()))
    top = [cards[s.public_id] for s in plan.top_level()]
    waiting = sorted((c for c in top if not c.placed), key=_sort_key)
    tracks = [(t.id, t.name) for t in call_service.tracks(event)]
    types = [(t.id, t.name) for t in call_service.session_types(event)]
    return EditorView(
        event=event,
        plan=plan,
        cards=dict(sorted(cards.items(), key=lambda item: _sort_key(item[1]))),
        conflicts=conflicts,
        grids=grids,
        day=chosen,
        off_grid=sorted(
            (c for c in top if c.placed and c.id not in shown),
            key=lambda c: (c.starts_at, c.id),
        ),
        unscheduled=[c for c in waiting if filters.matches(c)],
        unscheduled_total=len(waiting),
        filters=filters,
        tracks=tracks,
        types=types,
        durations=sorted({c.duration for c in waiting}),
        undo=_undo_label(editor.last_edit(event, actor), by_id),
        containers=sorted(
            (c for c in cards.values() if c.kind is SlotKind.CONTAINER), key=_sort_key
        ),
    )


# JSON ------------------------------------------------------------------------------------------


def _card_json(card: Card) -> dict[str, Any]:
    return {
        "public_id": card.public_id,
        "kind": card.kind.value,
        "kind_label": card.kind_label,
        "title": card.title,
        "speakers": list(card.speakers),
        "track": card.track,
        "track_id": card.track_id,
        "type": card.type,
        "type_id": card.type_id,
        "duration": card.duration,
        "room_id": card.room_id,
        "room": card.room,
        "starts_at": card.starts_at.isoformat() if card.starts_at else None,
        "start": card.start or None,
        "end": card.end or None,
        "day": card.day.isoformat() if card.day else None,
        "where": card.where,
        "time_label": card.time_label,
        "all_rooms": card.all_rooms,
        "pinned": card.pinned,
        "version": card.version,
        "parent": card.parent,
        "children": list(card.children),
        "state": card.state,
        "url": card.url,
        "resizable": card.resizable,
        "label": card.label,
        "conflict_count": len(card.conflicts),
        "conflict_label": card.conflict_label,
        "severity": card.severity.value if card.severity else None,
        "severity_label": card.severity_label,
    }


def _cell_json(cell: Cell) -> dict[str, Any]:
    """A cell, short: its time is its row's, and spans of 1 and empty lists are left out."""
    data: dict[str, Any] = {"room_id": cell.room_id, "row": cell.row}
    if cell.rowspan > 1:
        data["rowspan"] = cell.rowspan
    if cell.colspan > 1:
        data["colspan"] = cell.colspan
    if cell.sessions:
        data["sessions"] = list(cell.sessions)
    if cell.also:
        data["also"] = list(cell.also)
    return data


def _grid_json(grid: DayGrid) -> dict[str, Any]:
    return {
        "label": grid.label,
        "rows": [
            {
                "start": row.start,
                "starts_at": row.starts_at.isoformat(),
                "cells": [_cell_json(cell) for cell in row.cells],
            }
            for row in grid.rows
        ],
    }


def as_json(view: EditorView) -> dict[str, Any]:
    """The whole state, as data.json and every action's answer give it."""
    plan = view.plan
    zone = ZoneInfo(plan.timezone)
    return {
        "event": {"slug": view.event.slug, "timezone": plan.timezone},
        "rooms": [
            {"id": r.id, "name": r.name, "capacity": r.capacity, "step_free": r.step_free}
            for r in plan.rooms.values()
        ],
        "days": [
            {
                "date": d.day.isoformat(),
                "label": view.grids[d.day].label,
                "starts_at": d.starts_at.isoformat(),
                "ends_at": d.ends_at.isoformat(),
                "start": _hhmm(d.starts_at, zone),
                "end": _hhmm(d.ends_at, zone),
            }
            for d in plan.days
        ],
        "granularity": plan.granularity,
        "sessions": [_card_json(card) for card in view.cards.values()],
        "conflicts": [c.as_json(plan) for c in view.conflicts],
        "undo": view.undo,
        "grid": {day.isoformat(): _grid_json(grid) for day, grid in view.grids.items()},
        "off_grid": [c.public_id for c in view.off_grid],
    }


# Checking a move before it is made --------------------------------------------------------------


def check_move(
    event: Event, *, slot: Slot, room_id: int, starts_at: dt.datetime, actor: User
) -> tuple[Plan, list[Conflict]]:
    """The conflicts that moving `slot` to the room and start would give it; nothing is saved.
    Raises ValidationFailed for a place the move itself would refuse."""
    editor.require_manager(actor, event)
    plan = build_plan(event)
    session = plan.sessions.get(slot.id)
    if session is None:
        raise ValidationFailed(_("Only accepted or confirmed talks can be scheduled."))
    editor.validate_place(event, plan, room_id, starts_at)
    moved = dataclasses.replace(
        session, room_id=room_id, starts_at=starts_at.astimezone(dt.UTC), parent_id=None
    )
    trial = plan.with_session(moved)
    return trial, [c for c in conflict_rules.find_conflicts(trial) if c.involves(slot.id)]


def conflicts_summary(conflicts: list[Conflict]) -> str:
    if not conflicts:
        return _("No conflicts there.")
    count = ngettext("%(num)d conflict", "%(num)d conflicts", len(conflicts))
    return "{}: {}".format(count, " ".join(c.message for c in conflicts))


# The choices of the place form ----------------------------------------------------------------


@dataclass(frozen=True)
class GridOptions:
    """What the plain place form offers: the rooms, the days, the grid's step."""

    rooms: list[tuple[int, str]]
    days: list[tuple[dt.date, str]]
    granularity: int
    zone: str


def day_label(day: dt.date) -> str:
    return format_date(day, "EEEE d MMMM")


def grid_options(event: Event) -> GridOptions:
    settings = settings_of(event)
    rooms = db.session.execute(
        select(Room.id, Room.name)
        .where(Room.event_id == event.id)
        .order_by(Room.position, Room.name)
    )
    days = db.session.scalars(
        select(ScheduleDay.day).where(ScheduleDay.event_id == event.id).order_by(ScheduleDay.day)
    )
    return GridOptions(
        rooms=[(room_id, name) for room_id, name in rooms],
        days=[(day, day_label(day)) for day in days],
        granularity=settings.granularity_minutes if settings is not None else 15,
        zone=event.timezone,
    )


def view_options(view: EditorView) -> GridOptions:
    """The same choices, from a view already built (no query)."""
    return GridOptions(
        rooms=[(r.id, r.name) for r in view.plan.rooms.values()],
        days=[(d.day, day_label(d.day)) for d in view.plan.days],
        granularity=view.plan.granularity,
        zone=view.plan.timezone,
    )


# The session page ------------------------------------------------------------------------------


@dataclass
class SessionPage:
    view: EditorView
    card: Card
    slot: Slot
    people: list[Person]
    proposal_public_id: str | None


def session_page(
    event: Event, *, public_id: str, actor: User, session_url: SessionUrl
) -> SessionPage:
    """One session with where it is, its speakers' needs and its conflicts. NotFound for a
    session that is not in the schedule."""
    slot = editor.slot_by_public_id(event, public_id)
    view = build(event, actor=actor, session_url=session_url)
    card = view.cards.get(public_id)
    if card is None:
        raise NotFound(_("This session is not in the schedule."))
    session = view.plan.sessions[card.id]
    people = [view.plan.people[p] for p in session.speaker_ids if p in view.plan.people]
    return SessionPage(
        view=view,
        card=card,
        slot=slot,
        people=people,
        proposal_public_id=slot.proposal.public_id if slot.proposal is not None else None,
    )
