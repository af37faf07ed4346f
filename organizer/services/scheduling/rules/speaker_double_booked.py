"""A speaker in two places at once, or without the walking time between two rooms."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from organizer.enums import ConflictRule, Severity
from organizer.services.scheduling.rules.base import Conflict, Rule, SolverPart, where

if TYPE_CHECKING:
    from organizer.services.scheduling.plan import Plan, Session
    from organizer.services.scheduling.solver.context import Context, Fixed, Free
    from organizer.services.scheduling.solver.model import Model


def _same_room(first: Session, second: Session) -> bool:
    return first.room_id == second.room_id and not (first.all_rooms or second.all_rooms)


def _message(plan: Plan, name: str, first: Session, second: Session, gap: dt.timedelta) -> str:
    if gap < dt.timedelta(0):
        return _(
            "%(name)s is in two places at once: %(first)s and %(second)s.",
            name=name,
            first=where(plan, first),
            second=where(plan, second),
        )
    return _(
        "%(name)s has %(gap)d minutes to get from %(first)s to %(second)s; "
        "the event allows %(buffer)d minutes between rooms.",
        name=name,
        gap=gap.total_seconds() // 60,
        first=where(plan, first),
        second=where(plan, second),
        buffer=plan.buffer.total_seconds() // 60,
    )


def check(plan: Plan, rule: Rule) -> Iterator[Conflict]:
    """A speaker in two sessions at once, or in two rooms with less walking time between them
    than the event's buffer."""
    by_speaker: dict[int, list[Session]] = {}
    for session in plan.placed():
        for person in plan.speakers_of(session):
            by_speaker.setdefault(person, []).append(session)
    for person_id, sessions in by_speaker.items():
        sessions.sort(key=lambda s: (s.starts_at, s.id))
        name = plan.people[person_id].name if person_id in plan.people else "?"
        for i, first in enumerate(sessions):
            for second in sessions[i + 1 :]:
                gap = second.starts_at - first.ends_at  # type: ignore[operator]
                if gap >= plan.buffer:
                    break
                if gap >= dt.timedelta(0) and _same_room(first, second):
                    continue  # back to back in one room needs no walking
                message = _message(plan, name, first, second, gap)
                yield rule.conflict(plan, (first.id, second.id), message)


# The solver ------------------------------------------------------------------------------------


def blocks(
    ctx: Context, session: Session, speakers: tuple[int, ...], room_id: int
) -> list[tuple[int, int, Fixed]]:
    """A session staying where it is keeps its speakers busy, plus the buffer elsewhere."""
    out = []
    mine = set(speakers)
    for fixed in ctx.fixed:
        if mine.intersection(fixed.speakers):
            same_room = not session.all_rooms and fixed.room == room_id
            gap = 0 if same_room else ctx.buffer
            out.append((fixed.start - session.duration - gap, fixed.end + gap, fixed))
    return out


def _pairs(model: Model) -> list[tuple[int, int]]:
    by_speaker: dict[int, list[int]] = {}
    for free in model.frees:
        for person in free.speakers:
            by_speaker.setdefault(person, []).append(free.id)
    pairs: set[tuple[int, int]] = set()
    for sessions in by_speaker.values():
        pairs.update(itertools.combinations(sorted(sessions), 2))
    return sorted(pairs)


def constrain(model: Model, optional: bool) -> None:
    """Two free sessions of one speaker: one ends (plus the buffer unless both are in the
    same room) before the other starts. Pairwise rather than a NoOverlap of intervals stretched
    by the buffer, which would forbid back-to-back sessions in one room."""
    cp, buffer = model.model, model.ctx.buffer
    for a, b in _pairs(model):
        first, second = model.by_id[a], model.by_id[b]
        same = None
        common = (
            []
            if first.all_rooms or second.all_rooms
            else sorted(set(model.present[a]) & set(model.present[b]))
        )
        if buffer > 0 and common:
            same = cp.new_bool_var(f"same{a}_{b}")
            parts = []
            for room in common:
                both = cp.new_bool_var(f"same{a}_{b}_{room}")
                cp.add_implication(both, model.present[a][room])
                cp.add_implication(both, model.present[b][room])
                parts.append(both)
            cp.add(same <= sum(parts))
        gap = buffer - buffer * same if same is not None else buffer
        order = cp.new_bool_var(f"o{a}_{b}")
        when = [model.placed[a], model.placed[b]] if optional else []
        cp.add(model.start[b] >= model.start[a] + first.duration + gap).only_enforce_if(
            [order, *when]
        )
        cp.add(model.start[a] >= model.start[b] + second.duration + gap).only_enforce_if(
            [~order, *when]
        )


def keep_clear(
    model: Model, stale: Free, other: Free, union: list[int], same_room: list[Any]
) -> None:
    """A stale session's speakers stay busy where it is: back to back in its room is fine,
    anywhere else needs the buffer."""
    if not set(stale.speakers) & set(other.speakers):
        return
    assert stale.current is not None
    minute = stale.current[1]
    end = minute + stale.duration
    stays = ~model.placed[stale.id]
    gap = model.ctx.buffer
    low = minute - other.duration
    if gap and not (stale.all_rooms or other.all_rooms) and same_room:
        (same,) = same_room
        model.keep_out(other, union, low, end, [same, stays])
        model.keep_out(other, union, low - gap, end + gap, [model.placed[other.id], ~same, stays])
    else:
        model.keep_out(other, union, low - gap, end + gap, [model.placed[other.id], stays])


RULE = Rule(
    code=ConflictRule.SPEAKER_DOUBLE_BOOKED,
    label=_l("A speaker in two places at once"),
    explanation=_l(
        "A speaker has two sessions at the same time, or in different rooms with less than "
        "the walking time between them."
    ),
    default_severity=Severity.BLOCKS_RELEASE,
    check=check,
    solver=SolverPart(blocks=blocks, constrain=constrain, keep_clear=keep_clear),
)
