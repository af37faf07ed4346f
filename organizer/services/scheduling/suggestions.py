"""Suggestions of the automatic scheduler: run it on the event's schedule, keep what it
proposes, and let organizers accept it whole or in part, or discard it.

A suggestion is a list of moves, each naming the version of the session it was made for;
accepting goes through `editor.move` with that version, so a session someone changed since
refuses the whole acceptance with a WrongState (409) naming it, and nothing is half-applied
(the request rolls back). Organizers' runs go through the task queue (services/solves.py:
`prepare`, the solver, then `keep`); `suggest` does all three at once (tests, commands).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from organizer.enums import SuggestionStatus
from organizer.errors import NotFound, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import Event, Room, ScheduleSuggestion, Slot, User
from organizer.services import audit
from organizer.services.scheduling import editor, releases
from organizer.services.scheduling.plan import Plan, build_plan, settings_of
from organizer.services.scheduling.solver import MODES, WORKERS

if TYPE_CHECKING:
    from organizer.services.scheduling.solver.run import Result, Watch

MIN_TIME_LIMIT = 1
MAX_TIME_LIMIT = 600
RECENT = 10


def default_time_limit(event: Event) -> int:
    """The event's solver time limit (its schedule settings), or the default."""
    settings = settings_of(event)
    return settings.solver_time_limit_seconds if settings is not None else 10


def release_places(event: Event) -> dict[int, tuple[int, dt.datetime]]:
    """Where the latest release had each top-level session: slot id -> (room id, start).
    All-rooms items have no room in a release; the solver gives them the first room."""
    latest = releases.latest(event)
    if latest is None:
        return {}
    places: dict[int, tuple[int, dt.datetime]] = {}
    for entry in latest.sessions or []:
        if entry.get("parent") or not entry.get("starts_at") or entry.get("slot_id") is None:
            continue
        starts_at = dt.datetime.fromisoformat(entry["starts_at"]).astimezone(dt.UTC)
        places[int(entry["slot_id"])] = (entry.get("room_id") or 0, starts_at)
    return places


def check_request(mode: str, time_limit: int) -> None:
    """ValidationFailed unless the mode is known and the time limit within bounds."""
    errors = {}
    if mode not in MODES:
        errors["mode"] = _("Choose whether to suggest places or to repair the schedule.")
    if (
        not isinstance(time_limit, int)
        or isinstance(time_limit, bool)
        or not MIN_TIME_LIMIT <= time_limit <= MAX_TIME_LIMIT
    ):
        errors["time_limit"] = _(
            "Choose a time limit from %(low)d to %(high)d seconds.",
            low=MIN_TIME_LIMIT,
            high=MAX_TIME_LIMIT,
        )
    if errors:
        raise ValidationFailed(errors)


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat() if moment is not None else None


def _moves(plan: Plan, result: Result) -> list[dict[str, Any]]:
    moves = []
    for slot_id, (room_id, starts_at) in result.placements.items():
        session = plan.sessions[slot_id]
        same_start = session.starts_at == starts_at
        if same_start and (session.all_rooms or session.room_id == room_id):
            continue
        moves.append(
            {
                "slot_id": slot_id,
                "public_id": session.public_id,
                "title": session.title,
                "version": session.version,
                "room_id": room_id,
                "starts_at": _iso(starts_at),
                "all_rooms": session.all_rooms,
                "from_room_id": session.room_id,
                "from_starts_at": _iso(session.starts_at),
            }
        )
    order = {room_id: n for n, room_id in enumerate(plan.rooms)}
    moves.sort(key=lambda m: (m["starts_at"], order.get(m["room_id"], 0), m["slot_id"]))
    return moves


def _stats(result: Result) -> dict[str, Any]:
    def seconds(value: float | None) -> float | None:
        return round(value, 2) if value is not None else None

    return {
        "status": result.status,
        "solver_status": result.solver_status,
        "objective": result.objective,
        "bound": result.bound,
        "gap": round(result.gap, 4) if result.gap is not None else None,
        "first_solution_seconds": seconds(result.first_solution_seconds),
        "wall_seconds": seconds(result.wall_seconds),
        "time_limit": result.time_limit,
        "to_place": len(result.to_place),
        "placed": len(result.placements),
        "penalties": dict(result.penalties),
        "cores": [list(core) for core in result.cores],
    }


@dataclasses.dataclass(frozen=True)
class Prepared:
    """What a run of the scheduler needs, read from the database before it starts."""

    mode: str
    time_limit: int
    plan: Plan
    release: dict[int, tuple[int, dt.datetime]]


def prepare(
    *, event: Event, actor: User, now: dt.datetime, mode: str, time_limit: int | None
) -> Prepared:
    """Check the request and read the schedule the solver will work on (making its settings
    and the slots of accepted talks first, as the editor does)."""
    editor.require_manager(actor, event)
    limit = default_time_limit(event) if time_limit is None else time_limit
    check_request(mode, limit)
    editor.ensure_settings(event, now)
    editor.ensure_slots(event=event, now=now)
    return Prepared(
        mode=mode, time_limit=limit, plan=build_plan(event), release=release_places(event)
    )


def run_solver(prepared: Prepared, *, workers: int = WORKERS, watch: Watch | None = None) -> Result:
    """The solver on a prepared plan (nothing read or written here: it may take minutes)."""
    # Imported here: the solver loads OR-Tools, which a web process needs only now.
    from organizer.services.scheduling.solver import run as solver

    return solver.solve(
        prepared.plan,
        mode=prepared.mode,
        release=prepared.release,
        time_limit=prepared.time_limit,
        workers=workers,
        watch=watch,
    )


def keep(
    *, event: Event, actor: User, now: dt.datetime, prepared: Prepared, result: Result
) -> ScheduleSuggestion:
    """Keep what the solver proposed as a draft suggestion."""
    plan, mode = prepared.plan, prepared.mode
    moves = _moves(plan, result)
    suggestion = ScheduleSuggestion(
        event_id=event.id,
        mode=mode,
        status=SuggestionStatus.DRAFT,
        created_by_id=actor.id,
        created_at=now,
        stats=_stats(result),
        moves=moves,
        unplaced=[
            {
                "slot_id": slot_id,
                "public_id": plan.sessions[slot_id].public_id,
                "title": plan.sessions[slot_id].title,
                "reasons": reasons,
            }
            for slot_id, reasons in sorted(result.unplaced.items())
        ],
    )
    db.session.add(suggestion)
    db.session.flush()
    audit.record(
        action="schedule.suggestion.make",
        actor=actor,
        now=now,
        object_type="schedule_suggestion",
        object_id=suggestion.public_id,
        event=event,
        details={
            "mode": mode,
            "status": result.status,
            "moves": len(moves),
            "unplaced": len(result.unplaced),
            "time_limit": prepared.time_limit,
        },
    )
    return suggestion


def suggest(
    *,
    event: Event,
    actor: User,
    now: dt.datetime,
    mode: str = "suggest",
    time_limit: int | None = None,
    workers: int = WORKERS,
) -> ScheduleSuggestion:
    """Run the automatic scheduler on the event's schedule and keep its proposal as a draft.
    "suggest" places the sessions that have no place; "repair" may also move placed ones
    (as few as it can), e.g. after a speaker's times or a room changed. Pinned sessions stay
    where they are either way."""
    prepared = prepare(event=event, actor=actor, now=now, mode=mode, time_limit=time_limit)
    result = run_solver(prepared, workers=workers)
    return keep(event=event, actor=actor, now=now, prepared=prepared, result=result)


def recent(event: Event, limit: int = RECENT) -> list[ScheduleSuggestion]:
    """The latest suggestions, newest first, with who asked for them."""
    return list(
        db.session.scalars(
            select(ScheduleSuggestion)
            .where(ScheduleSuggestion.event_id == event.id)
            .options(selectinload(ScheduleSuggestion.created_by))
            .order_by(ScheduleSuggestion.created_at.desc(), ScheduleSuggestion.id.desc())
            .limit(limit)
        )
    )


def suggestion_by_public_id(event: Event, public_id: str) -> ScheduleSuggestion:
    suggestion = db.session.scalar(
        select(ScheduleSuggestion)
        .where(
            ScheduleSuggestion.event_id == event.id,
            ScheduleSuggestion.public_id == public_id,
        )
        .options(selectinload(ScheduleSuggestion.created_by))
    )
    if suggestion is None:
        raise NotFound(_("There is no such suggestion for this event."))
    return suggestion


# Showing one ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class MoveRow:
    public_id: str
    title: str
    from_room: str | None  # None: not scheduled yet
    from_starts_at: dt.datetime | None
    to_room: str
    to_starts_at: dt.datetime
    changed: bool  # the session changed since the suggestion was made


@dataclasses.dataclass(frozen=True)
class SuggestionView:
    suggestion: ScheduleSuggestion
    moves: list[MoveRow]
    unplaced: list[dict[str, Any]]

    @property
    def stats(self) -> dict[str, Any]:
        return self.suggestion.stats or {}

    @property
    def changed_count(self) -> int:
        return sum(1 for m in self.moves if m.changed)


def view(event: Event, suggestion: ScheduleSuggestion) -> SuggestionView:
    """What the suggestion page shows, in two queries however many moves there are."""
    rooms = {
        room_id: name
        for room_id, name in db.session.execute(
            select(Room.id, Room.name).where(Room.event_id == event.id)
        )
    }
    moves = suggestion.moves or []
    versions = {
        slot_id: version
        for slot_id, version in db.session.execute(
            select(Slot.id, Slot.version).where(
                Slot.event_id == event.id, Slot.id.in_([m["slot_id"] for m in moves])
            )
        )
    }
    all_rooms = _("All rooms")
    gone = _("a room that no longer exists")

    def room_name(room_id: int | None, every: bool) -> str | None:
        if every:
            return all_rooms
        if room_id is None:
            return None
        return rooms.get(room_id, gone)

    rows = [
        MoveRow(
            public_id=m.get("public_id", ""),
            title=m.get("title", ""),
            from_room=room_name(m.get("from_room_id"), bool(m.get("all_rooms")))
            if m.get("from_starts_at")
            else None,
            from_starts_at=dt.datetime.fromisoformat(m["from_starts_at"])
            if m.get("from_starts_at")
            else None,
            to_room=room_name(m["room_id"], bool(m.get("all_rooms"))) or gone,
            to_starts_at=dt.datetime.fromisoformat(m["starts_at"]),
            changed=versions.get(m["slot_id"]) != m["version"],
        )
        for m in moves
    ]
    return SuggestionView(suggestion=suggestion, moves=rows, unplaced=suggestion.unplaced or [])


# Accepting and discarding -----------------------------------------------------------------------


def _require_draft(suggestion: ScheduleSuggestion) -> None:
    if suggestion.status is SuggestionStatus.APPLIED:
        raise WrongState(_("This suggestion was already accepted; make a new one."))
    if suggestion.status is SuggestionStatus.DISCARDED:
        raise WrongState(_("This suggestion was discarded; make a new one."))


def _chosen_moves(
    suggestion: ScheduleSuggestion, slot_ids: Iterable[int] | None
) -> list[dict[str, Any]]:
    """Every move of the suggestion (`slot_ids` None), or the chosen ones."""
    moves = list(suggestion.moves or [])
    if slot_ids is None:
        return moves
    chosen = set(slot_ids)
    known = {m["slot_id"] for m in moves}
    if not chosen:
        raise ValidationFailed({"moves": _("Choose at least one change to accept.")})
    if not chosen <= known:
        raise ValidationFailed({"moves": _("Choose changes from this suggestion.")})
    return [m for m in moves if m["slot_id"] in chosen]


def _unchanged_slots(event: Event, moves: list[dict[str, Any]]) -> dict[int, Slot]:
    """The slots the moves are about, by id; WrongState when one is gone or was changed after
    the suggestion was made."""
    slots = {
        slot.id: slot
        for slot in db.session.scalars(
            select(Slot).where(
                Slot.event_id == event.id, Slot.id.in_([m["slot_id"] for m in moves])
            )
        )
    }
    for move in moves:
        if move["slot_id"] not in slots:
            raise WrongState(
                _(
                    "“%(title)s” is no longer in the schedule, so this suggestion is out of "
                    "date. Nothing was changed; make a new suggestion.",
                    title=move.get("title", ""),
                )
            )
    for move in moves:
        slot = slots[move["slot_id"]]
        if slot.version != move["version"]:
            who = slot.updated_by.display_name if slot.updated_by else _("Someone")
            raise WrongState(
                _(
                    "%(who)s changed “%(title)s” after this suggestion was made. Nothing was "
                    "changed: make a new suggestion, or accept the other changes without it.",
                    who=who,
                    title=slot.display_title,
                )
            )
    return slots


def apply(
    *,
    event: Event,
    suggestion: ScheduleSuggestion,
    slot_ids: Iterable[int] | None = None,
    actor: User,
    now: dt.datetime,
) -> int:
    """Accept the suggestion: every move (`slot_ids` None) or the chosen ones. Each goes
    through the editor with the version the suggestion saw, so a session changed since
    refuses the whole acceptance (WrongState); the caller rolls back. Returns how many moved."""
    editor.require_manager(actor, event)
    if suggestion.event_id != event.id:
        raise NotFound(_("There is no such suggestion for this event."))
    _require_draft(suggestion)
    moves = _chosen_moves(suggestion, slot_ids)
    slots = _unchanged_slots(event, moves)
    try:
        editor.move_many(
            event=event,
            placements=[
                editor.Placement(
                    slot=slots[move["slot_id"]],
                    room_id=move["room_id"],
                    starts_at=dt.datetime.fromisoformat(move["starts_at"]),
                    version=move["version"],
                )
                for move in moves
            ],
            actor=actor,
            now=now,
        )
    except (WrongState, ValidationFailed) as error:
        raise WrongState(
            _(
                "The suggestion cannot be applied: %(reason)s Nothing was changed: make a new "
                "suggestion, or accept the other changes without the session concerned.",
                reason=error.message,
            )
        ) from error
    suggestion.status = SuggestionStatus.APPLIED
    suggestion.decided_at = now
    suggestion.stats = {**(suggestion.stats or {}), "applied": [m["slot_id"] for m in moves]}
    audit.record(
        action="schedule.suggestion.apply",
        actor=actor,
        now=now,
        object_type="schedule_suggestion",
        object_id=suggestion.public_id,
        event=event,
        details={"moves": len(moves), "of": len(suggestion.moves or [])},
    )
    db.session.flush()
    return len(moves)


def discard(*, event: Event, suggestion: ScheduleSuggestion, actor: User, now: dt.datetime) -> None:
    editor.require_manager(actor, event)
    if suggestion.event_id != event.id:
        raise NotFound(_("There is no such suggestion for this event."))
    _require_draft(suggestion)
    suggestion.status = SuggestionStatus.DISCARDED
    suggestion.decided_at = now
    audit.record(
        action="schedule.suggestion.discard",
        actor=actor,
        now=now,
        object_type="schedule_suggestion",
        object_id=suggestion.public_id,
        event=event,
    )
    db.session.flush()
