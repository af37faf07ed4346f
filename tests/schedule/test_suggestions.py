"""Suggestions on the database: run the scheduler on an event, keep its proposal, accept it
whole or in part through the editor (versions checked), or discard it. Times are Lisbon wall
clock on Saturday 27 and Sunday 28 March 2027."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from organizer.enums import EventRoleName, ProposalState, SuggestionStatus
from organizer.errors import NotFound, PermissionDenied, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import (
    AuditEntry,
    ScheduleEdit,
    ScheduleRelease,
    ScheduleSettings,
    ScheduleSuggestion,
    Slot,
    SpeakerAvailability,
)
from organizer.services.scheduling import release_snapshot, room_setup, suggestions
from organizer.services.scheduling.conflicts import find_conflicts
from organizer.services.scheduling.plan import build_plan
from organizer.services.scheduling.solver import run as solver
from tests.factories import (
    NOW,
    grant_role,
    lisbon,
    make_event,
    make_proposal,
    make_room,
    make_schedule_event,
    make_talk,
    make_user,
)

LATER = NOW + dt.timedelta(minutes=5)


@pytest.fixture
def olga():
    return make_user(name="Olga Organizer")


@pytest.fixture
def event(olga):
    return make_schedule_event(olga)


@pytest.fixture
def rooms(event):
    return make_room(event, "Sala Tejo", capacity=60), make_room(event, "Sala Sado", capacity=60)


def available(event, user, *spans):
    for start, end in spans:
        db.session.add(
            SpeakerAvailability(event_id=event.id, user_id=user.id, starts_at=start, ends_at=end)
        )
    db.session.flush()


def suggest(event, actor, **kwargs):
    kwargs.setdefault("time_limit", 5)
    kwargs.setdefault("workers", 1)
    return suggestions.suggest(event=event, actor=actor, now=NOW, **kwargs)


def hard_conflicts_of_moved(event, suggestion):
    moved = {m["slot_id"] for m in suggestion.moves}
    return [
        c
        for c in find_conflicts(build_plan(event), include_ignored=True)
        if c.rule in solver.HARD_RULES and moved & set(c.session_ids)
    ]


def places(event):
    return {
        s.id: (s.room_id, s.starts_at)
        for s in db.session.scalars(select(Slot).where(Slot.event_id == event.id))
    }


# Suggesting -----------------------------------------------------------------------------------


def test_a_suggestion_places_the_unscheduled_and_keeps_pinned_and_placed(event, rooms, olga):
    tejo, sado = rooms
    pinned = make_talk(event, title="Pinned", room=tejo, starts_at=lisbon(27, 9), pinned=True)
    placed = make_talk(event, title="Placed", room=sado, starts_at=lisbon(27, 9))
    free = [make_talk(event, title=f"Free {n}") for n in range(4)]
    # A confirmed proposal without a slot yet gets one first.
    make_proposal(event, state=ProposalState.ACCEPTED, title="New")
    before = places(event)

    suggestion = suggest(event, olga)

    assert suggestion.status is SuggestionStatus.DRAFT
    assert suggestion.mode == "suggest"
    assert suggestion.stats["status"] == "optimal"
    moved = {m["slot_id"] for m in suggestion.moves}
    new = db.session.scalar(select(Slot).join(Slot.proposal).where(Slot.proposal.has(title="New")))
    assert moved == {s.id for s in free} | {new.id}
    assert pinned.id not in moved and placed.id not in moved
    for move in suggestion.moves:
        assert move["version"] == 1
        assert move["from_room_id"] is None and move["from_starts_at"] is None
        assert move["room_id"] in (tejo.id, sado.id)
        dt.datetime.fromisoformat(move["starts_at"])
    # Nothing changed yet.
    assert {k: v for k, v in places(event).items() if k in before} == before
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "schedule.suggestion.make")
    )
    assert entry.details["moves"] == 5


def test_the_suggested_places_break_no_hard_rule_once_accepted(event, rooms, olga):
    ana = make_user(name="Ana Lima")
    make_talk(event, ana, title="Ana one")
    make_talk(event, ana, title="Ana two", type_name="Tutorial")
    make_talk(event, title="Other", room=rooms[0], starts_at=lisbon(27, 10), pinned=True)
    available(event, ana, (lisbon(27, 9), lisbon(27, 12)))
    suggestion = suggest(event, olga)
    count = suggestions.apply(event=event, suggestion=suggestion, actor=olga, now=LATER)
    assert count == 2
    assert hard_conflicts_of_moved(event, suggestion) == []


def test_only_organizers_may_ask(event, rooms):
    stranger = make_user()
    with pytest.raises(PermissionDenied):
        suggest(event, stranger)
    reviewer = make_user()
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    with pytest.raises(PermissionDenied):
        suggest(event, reviewer)


@pytest.mark.parametrize("limit", [0, 601, -5])
def test_a_time_limit_out_of_range_is_refused(event, rooms, olga, limit):
    with pytest.raises(ValidationFailed) as caught:
        suggest(event, olga, time_limit=limit)
    assert caught.value.errors == {"time_limit": "Choose a time limit from 1 to 600 seconds."}
    assert db.session.scalar(select(ScheduleSuggestion)) is None


def test_an_unknown_mode_is_refused(event, rooms, olga):
    with pytest.raises(ValidationFailed) as caught:
        suggest(event, olga, mode="shuffle")
    assert "mode" in caught.value.errors


def test_the_events_time_limit_is_the_default(event, rooms, olga):
    db.session.add(
        ScheduleSettings(
            event_id=event.id, severities={}, solver_time_limit_seconds=7, updated_at=NOW
        )
    )
    db.session.flush()
    assert suggestions.default_time_limit(event) == 7
    make_talk(event, title="A talk")
    suggestion = suggestions.suggest(event=event, actor=olga, now=NOW, workers=1)
    assert suggestion.stats["time_limit"] == 7


# Infeasible, explained ------------------------------------------------------------------------


def test_a_session_too_big_for_every_room_is_named_with_the_largest_room(event, rooms, olga):
    big = make_talk(event, title="Keynote-sized", expected_audience=150)
    make_talk(event, title="Ordinary")
    suggestion = suggest(event, olga)
    assert suggestion.stats["status"] == "infeasible"
    (entry,) = suggestion.unplaced
    assert entry["slot_id"] == big.id
    assert entry["title"] == "Keynote-sized"
    assert entry["reasons"] == [
        "No room holds its expected audience of 150 (largest: Sala Tejo, 60)."
    ]
    assert len(suggestion.moves) == 1


def test_two_talks_of_a_speaker_with_time_for_one_cannot_be_placed_together(event, rooms, olga):
    ana = make_user(name="Ana Lima")
    first = make_talk(event, ana, title="First", type_name="Tutorial")
    second = make_talk(event, ana, title="Second", type_name="Tutorial")
    available(event, ana, (lisbon(27, 9), lisbon(27, 11)))
    suggestion = suggest(event, olga)
    assert suggestion.stats["status"] == "infeasible"
    assert suggestion.stats["cores"] == [sorted([first.id, second.id])]
    (entry,) = suggestion.unplaced
    other = "First" if entry["title"] == "Second" else "Second"
    assert entry["reasons"][0].startswith(f"It cannot be placed together with “{other}”")
    assert "they share Ana Lima" in entry["reasons"][0]
    assert len(suggestion.moves) == 1


# Repairs and releases -------------------------------------------------------------------------


def test_a_repair_after_removing_a_room_moves_only_the_sessions_that_were_in_it(event, olga):
    tejo = make_room(event, "Sala Tejo")
    sado = make_room(event, "Sala Sado")
    lis = make_room(event, "Sala Lis")
    stay = [
        make_talk(event, title="Tejo 9", room=tejo, starts_at=lisbon(27, 9)),
        make_talk(event, title="Sado 9", room=sado, starts_at=lisbon(27, 9)),
        make_talk(event, title="Tejo 10", room=tejo, starts_at=lisbon(27, 10)),
    ]
    lost = [
        make_talk(event, title="Lis 9", room=lis, starts_at=lisbon(27, 9)),
        make_talk(event, title="Lis 10", room=lis, starts_at=lisbon(27, 10)),
    ]
    before = places(event)
    assert room_setup.delete_room(actor=olga, event=event, room=lis, now=NOW) == 2

    suggestion = suggest(event, olga, mode="repair")

    assert {m["slot_id"] for m in suggestion.moves} == {s.id for s in lost}
    suggestions.apply(event=event, suggestion=suggestion, actor=olga, now=LATER)
    after = places(event)
    assert all(after[s.id] == before[s.id] for s in stay)
    assert all(after[s.id][0] in (tejo.id, sado.id) for s in lost)
    assert hard_conflicts_of_moved(event, suggestion) == []


def test_a_repair_moves_the_session_whose_room_closed_and_nothing_else(event, rooms, olga):
    from organizer.models import RoomWindow

    tejo, sado = rooms
    stays = make_talk(event, title="Stays", room=tejo, starts_at=lisbon(27, 9))
    closed = make_talk(event, title="Closed", room=sado, starts_at=lisbon(27, 14))
    db.session.add(RoomWindow(room_id=sado.id, starts_at=lisbon(27, 9), ends_at=lisbon(27, 12)))
    db.session.flush()
    suggestion = suggest(event, olga, mode="repair")
    assert [m["slot_id"] for m in suggestion.moves] == [closed.id]
    (move,) = suggestion.moves
    assert move["from_room_id"] == sado.id
    assert dt.datetime.fromisoformat(move["from_starts_at"]) == lisbon(27, 14)
    assert stays.id not in {m["slot_id"] for m in suggestion.moves}


def test_sessions_go_back_where_the_latest_release_had_them(event, rooms, olga):
    tejo, sado = rooms
    slots = [
        make_talk(event, title="A", room=sado, starts_at=lisbon(28, 15)),
        make_talk(event, title="B", room=tejo, starts_at=lisbon(27, 16, 30)),
        make_talk(event, title="C", room=sado, starts_at=lisbon(27, 11, 15)),
    ]
    released = {s.id: (s.room_id, s.starts_at) for s in slots}
    db.session.add(
        ScheduleRelease(
            event_id=event.id,
            number=1,
            released_at=NOW,
            sessions=release_snapshot.snapshot(event),
            changes=[],
        )
    )
    for slot in slots:  # taken off the grid since
        slot.room_id = None
        slot.starts_at = None
    db.session.flush()
    assert suggestions.release_places(event) == released
    suggestion = suggest(event, olga)
    assert {
        m["slot_id"]: (m["room_id"], dt.datetime.fromisoformat(m["starts_at"]))
        for m in suggestion.moves
    } == released
    assert suggestion.stats["penalties"].get("release", 0) == 0


# Accepting and discarding ---------------------------------------------------------------------


def test_accepting_all_moves_every_session_through_the_editor(event, rooms, olga):
    slots = [make_talk(event, title=f"Talk {n}") for n in range(3)]
    suggestion = suggest(event, olga)
    assert suggestions.apply(event=event, suggestion=suggestion, actor=olga, now=LATER) == 3
    assert suggestion.status is SuggestionStatus.APPLIED
    assert suggestion.decided_at == LATER
    for slot, move in zip(
        sorted(slots, key=lambda s: s.id),
        sorted(suggestion.moves, key=lambda m: m["slot_id"]),
        strict=True,
    ):
        assert slot.room_id == move["room_id"]
        assert slot.starts_at == dt.datetime.fromisoformat(move["starts_at"])
    edits = db.session.scalars(select(ScheduleEdit).where(ScheduleEdit.event_id == event.id))
    assert sorted(e.slot_id for e in edits) == sorted(s.id for s in slots)
    with pytest.raises(WrongState, match="already accepted"):
        suggestions.apply(event=event, suggestion=suggestion, actor=olga, now=LATER)


def test_accepting_some_moves_only_those(event, rooms, olga):
    slots = [make_talk(event, title=f"Talk {n}") for n in range(3)]
    suggestion = suggest(event, olga)
    chosen = [slots[0].id, slots[2].id]
    assert (
        suggestions.apply(
            event=event, suggestion=suggestion, slot_ids=chosen, actor=olga, now=LATER
        )
        == 2
    )
    assert slots[0].starts_at is not None and slots[2].starts_at is not None
    assert slots[1].starts_at is None
    assert suggestion.stats["applied"] == chosen


def test_accepting_nothing_or_a_stranger_is_refused(event, rooms, olga):
    make_talk(event, title="One")
    suggestion = suggest(event, olga)
    with pytest.raises(ValidationFailed, match="at least one"):
        suggestions.apply(event=event, suggestion=suggestion, slot_ids=[], actor=olga, now=NOW)
    with pytest.raises(ValidationFailed, match="from this suggestion"):
        suggestions.apply(
            event=event, suggestion=suggestion, slot_ids=[999999], actor=olga, now=NOW
        )
    assert suggestion.status is SuggestionStatus.DRAFT


def test_a_session_changed_since_refuses_the_acceptance_naming_it(event, rooms, olga):
    pedro = make_user(name="Pedro Planner")
    grant_role(pedro, event, EventRoleName.ORGANIZER)
    first = make_talk(event, title="First")
    second = make_talk(event, title="Second")
    suggestion = suggest(event, olga)
    from organizer.services.scheduling import editor

    editor.move(
        event=event,
        slot=second,
        room_id=rooms[1].id,
        starts_at=lisbon(28, 17),
        version=second.version,
        actor=pedro,
        now=LATER,
    )
    with pytest.raises(WrongState) as caught:
        suggestions.apply(event=event, suggestion=suggestion, actor=olga, now=LATER)
    assert "Pedro Planner changed “Second”" in caught.value.message
    assert "Nothing was changed" in caught.value.message
    assert first.starts_at is None  # checked before any move is made
    # Without it, the rest can still be accepted.
    assert (
        suggestions.apply(
            event=event, suggestion=suggestion, slot_ids=[first.id], actor=olga, now=LATER
        )
        == 1
    )


def test_discarding(event, rooms, olga):
    make_talk(event, title="One")
    suggestion = suggest(event, olga)
    suggestions.discard(event=event, suggestion=suggestion, actor=olga, now=LATER)
    assert suggestion.status is SuggestionStatus.DISCARDED
    assert suggestion.decided_at == LATER
    with pytest.raises(WrongState, match="discarded"):
        suggestions.apply(event=event, suggestion=suggestion, actor=olga, now=LATER)
    with pytest.raises(WrongState, match="discarded"):
        suggestions.discard(event=event, suggestion=suggestion, actor=olga, now=LATER)
    with pytest.raises(PermissionDenied):
        suggestions.discard(event=event, suggestion=suggestion, actor=make_user(), now=LATER)


def test_another_events_suggestion_is_not_found(event, rooms, olga):
    make_talk(event, title="One")
    suggestion = suggest(event, olga)
    other = make_event(organizer=olga)
    with pytest.raises(NotFound):
        suggestions.suggestion_by_public_id(other, suggestion.public_id)
    with pytest.raises(NotFound):
        suggestions.apply(event=other, suggestion=suggestion, actor=olga, now=LATER)


def test_recent_lists_the_newest_first(event, rooms, olga):
    make_talk(event, title="One")
    first = suggest(event, olga)
    second = suggestions.suggest(
        event=event, actor=olga, now=LATER, time_limit=5, workers=1, mode="repair"
    )
    assert suggestions.recent(event) == [second, first]
