"""The Plan: what it holds, how availability is resolved, merge, and the number of queries it
takes to build (the same for 3 sessions as for 30)."""

from __future__ import annotations

import datetime as dt

import pytest

from organizer.enums import ConflictRule, ProposalState, Severity, SlotKind
from organizer.extensions import db
from organizer.models import RoomWindow, ScheduleSettings, SpeakerAvailability, SpeakerProfile
from organizer.services.scheduling.plan import (
    DEFAULT_SEVERITY,
    build_plan,
    merge,
    severities_of,
)
from tests.factories import (
    NOW,
    lisbon,
    make_cfp,
    make_event,
    make_event_days,
    make_proposal,
    make_room,
    make_schedule_event,
    make_slot,
    make_talk,
    make_user,
    session_type,
    track,
)


@pytest.fixture
def event():
    return make_schedule_event(make_user())


def profile(event, user, **fields):
    row = SpeakerProfile(event_id=event.id, user_id=user.id, updated_at=NOW, **fields)
    db.session.add(row)
    db.session.flush()
    return row


def available(event, user, start, end, *, for_event=None):
    db.session.add(
        SpeakerAvailability(
            event_id=(for_event or event).id, user_id=user.id, starts_at=start, ends_at=end
        )
    )
    db.session.flush()


def at(hour, minute=0):
    return dt.datetime(2027, 3, 27, hour, minute, tzinfo=dt.UTC)


# --- merge -------------------------------------------------------------------------------------


def test_merge_joins_overlapping_and_touching_intervals_in_order():
    assert merge([(at(14), at(15)), (at(9), at(11)), (at(10), at(12)), (at(12), at(13))]) == (
        (at(9), at(13)),
        (at(14), at(15)),
    )


def test_merge_keeps_disjoint_and_nested_intervals_right():
    assert merge([(at(9), at(17)), (at(10), at(11))]) == ((at(9), at(17)),)
    assert merge([(at(9), at(10)), (at(10, 1), at(11))]) == (
        (at(9), at(10)),
        (at(10, 1), at(11)),
    )
    assert merge([]) == ()


# --- availability ------------------------------------------------------------------------------


def test_a_speaker_without_a_profile_or_answers_is_always_free(event):
    ana, bea = make_user(), make_user()
    profile(event, bea)  # a profile, but no per-day answers
    make_talk(event, ana)
    make_talk(event, bea)

    plan = build_plan(event)

    assert set(plan.people) == {ana.id, bea.id}
    assert ana.id not in plan.availability
    assert bea.id not in plan.availability


def test_profile_days_become_utc_intervals(event):
    ana = make_user()
    profile(event, ana, availability={"2027-03-27": "afternoon", "2027-03-28": "none"})
    make_talk(event, ana)

    plan = build_plan(event)

    assert plan.availability[ana.id] == ((lisbon(27, 13), lisbon(27, 20)),)


def test_explicit_intervals_override_the_profile_and_are_merged(event):
    ana = make_user()
    profile(event, ana, availability={"2027-03-27": "none", "2027-03-28": "none"})
    available(event, ana, lisbon(27, 10), lisbon(27, 12))
    available(event, ana, lisbon(27, 11), lisbon(27, 13))
    available(event, ana, lisbon(28, 9), lisbon(28, 10))
    other = make_event()
    available(event, ana, lisbon(27, 15), lisbon(27, 16), for_event=other)  # not this event's
    make_talk(event, ana)

    plan = build_plan(event)

    assert plan.availability[ana.id] == (
        (lisbon(27, 10), lisbon(27, 13)),
        (lisbon(28, 9), lisbon(28, 10)),
    )


def test_people_carry_their_scheduling_needs(event):
    ana = make_user(name="Ana")
    profile(event, ana, remote=True, timezone="America/Bogota", needs_step_free=True)
    make_talk(event, ana)

    person = build_plan(event).people[ana.id]

    assert (person.name, person.remote, person.timezone, person.needs_step_free) == (
        "Ana",
        True,
        "America/Bogota",
        True,
    )


# --- settings ----------------------------------------------------------------------------------


def test_defaults_without_settings(event):
    plan = build_plan(event)

    assert plan.granularity == 15
    assert plan.buffer == dt.timedelta(minutes=10)
    assert plan.severities == DEFAULT_SEVERITY
    assert plan.timezone == "Europe/Lisbon"


def test_settings_and_severities(event):
    db.session.add(
        ScheduleSettings(
            event_id=event.id,
            granularity_minutes=5,
            speaker_buffer_minutes=0,
            severities={"too_long": "blocks_saving", "room_overlap": "nonsense", "other": "x"},
            updated_at=NOW,
        )
    )
    db.session.flush()

    plan = build_plan(event)

    assert plan.granularity == 5
    assert plan.buffer == dt.timedelta(0)
    assert plan.severities[ConflictRule.TOO_LONG] is Severity.BLOCKS_SAVING
    # An unknown severity keeps the rule's default.
    assert plan.severities[ConflictRule.ROOM_OVERLAP] is Severity.BLOCKS_RELEASE
    assert set(plan.severities) == set(ConflictRule)
    assert severities_of(None) == DEFAULT_SEVERITY


# --- sessions ----------------------------------------------------------------------------------


def test_sessions_rooms_and_days(event):
    second = make_room(event, "Second", position=2, capacity=40, step_free=False)
    first = make_room(event, "First", position=1)
    db.session.add(RoomWindow(room_id=first.id, starts_at=lisbon(27, 12), ends_at=lisbon(27, 14)))
    db.session.add(RoomWindow(room_id=first.id, starts_at=lisbon(27, 9), ends_at=lisbon(27, 12)))
    ana, bea = make_user(), make_user()
    tutorial = make_proposal(
        event,
        ana,
        state=ProposalState.ACCEPTED,
        co_speakers=(bea,),
        session_type=session_type(event, "Tutorial"),
        track=track(event, "Applications"),
    )
    placed = make_slot(event, tutorial, room=second, starts_at=lisbon(27, 10), pinned=True)
    block = make_slot(event, kind=SlotKind.CONTAINER)
    inside = make_talk(event, bea, parent_id=block.id)

    plan = build_plan(event)

    assert list(plan.rooms) == [first.id, second.id]
    assert plan.rooms[first.id].windows == ((lisbon(27, 9), lisbon(27, 14)),)
    assert (plan.rooms[second.id].capacity, plan.rooms[second.id].step_free) == (40, False)
    assert [d.day for d in plan.days] == [dt.date(2027, 3, 27), dt.date(2027, 3, 28)]
    assert plan.days[1].starts_at == lisbon(28, 9)
    session = plan.sessions[placed.id]
    assert session.speaker_ids == (ana.id, bea.id)
    assert (session.duration, session.required_minutes) == (90, 90)
    assert session.ends_at == lisbon(27, 11, 30)
    assert (session.pinned, session.state, session.title) == (True, "accepted", tutorial.title)
    assert session.track_id == track(event, "Applications").id
    assert plan.sessions[block.id].child_ids == (inside.id,)
    assert plan.sessions[block.id].required_minutes == 20
    assert plan.sessions[inside.id].parent_id == block.id
    assert plan.speakers_of(plan.sessions[block.id]) == (bea.id,)
    assert [s.id for s in plan.placed()] == [placed.id]
    assert {s.id for s in plan.top_level()} == {placed.id, block.id}
    assert plan.day_of(lisbon(28, 9)) is plan.days[1]
    assert plan.day_of(lisbon(28, 18)) is None  # the end is not inside the day


def test_with_session_leaves_the_plan_as_it_was(event):
    slot = make_slot(event)
    plan = build_plan(event)
    moved = plan.sessions[slot.id].__class__(
        **{**plan.sessions[slot.id].__dict__, "starts_at": lisbon(27, 10)}
    )

    trial = plan.with_session(moved)

    assert trial.sessions[slot.id].starts_at == lisbon(27, 10)
    assert plan.sessions[slot.id].starts_at is None


# --- queries -----------------------------------------------------------------------------------


def grow(event, count):
    """`count` placed talks, each with its own speaker (profile and explicit availability),
    a room with a window per three talks, a block holding two more talks, and a break."""
    rooms = [make_room(event) for _ in range(count // 3)]
    for room in rooms:
        db.session.add(RoomWindow(room_id=room.id, starts_at=lisbon(27, 9), ends_at=lisbon(27, 18)))
    for n in range(count):
        speaker = make_user()
        profile(event, speaker, availability={"2027-03-27": "morning"})
        available(event, speaker, lisbon(27, 9), lisbon(27, 18))
        proposal = make_proposal(event, speaker, state=ProposalState.CONFIRMED)
        make_slot(event, proposal, room=rooms[n % len(rooms)], starts_at=lisbon(27, 9 + n % 8))
    block = make_slot(event, kind=SlotKind.CONTAINER, room=rooms[0], starts_at=lisbon(28, 10))
    for _ in range(2):
        make_slot(
            event,
            make_proposal(event, make_user(), state=ProposalState.CONFIRMED),
            parent_id=block.id,
        )
    make_slot(event, kind=SlotKind.PLENARY, all_rooms=True, room=rooms[0], starts_at=lisbon(28, 9))
    db.session.add(ScheduleSettings(event_id=event.id, severities={}, updated_at=NOW))
    db.session.flush()


def count_queries(event, queries):
    db.session.expire_all()  # nothing already loaded
    assert event.timezone  # but the event, as a request has it
    queries.clear()
    plan = build_plan(event)
    return len(queries), plan


def test_build_plan_runs_the_same_number_of_queries_however_big(queries):
    small, large = make_event(), make_event()
    for event in (small, large):
        make_cfp(event)
        make_event_days(event, 9, 18)
    grow(small, 3)
    grow(large, 30)

    few, small_plan = count_queries(small, queries)
    many, large_plan = count_queries(large, queries)

    assert len(small_plan.sessions) == 3 + 2 + 2
    assert len(large_plan.sessions) == 30 + 2 + 2
    assert len(large_plan.rooms) == 10
    assert len(large_plan.availability) == 32 - 2  # the block's speakers have no profile
    assert few == many
    # settings, slots, proposals, their speakers, users (and their roles), tracks, session
    # types, containers' children, rooms, their windows, days, profiles, explicit availability
    assert many <= 15  # 14, and one for the stars of the public schedule
