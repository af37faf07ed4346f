"""The seven conflict rules, each with the sessions it names and a message a person can act on,
and the case where the rule does not fire. Times are Lisbon wall clock (`lisbon(day, h, m)`); the
factories' event runs on Saturday 27 and Sunday 28 March 2027, and Lisbon moves from UTC+0 to
UTC+1 at 01:00 on the 28th."""

from __future__ import annotations

import datetime as dt

import pytest

from organizer.enums import ConflictRule, ContainerKind, ProposalState, Severity, SlotKind
from organizer.extensions import db
from organizer.models import (
    RoomWindow,
    ScheduleDay,
    ScheduleSettings,
    SpeakerAvailability,
    SpeakerProfile,
)
from organizer.services.scheduling.conflicts import conflicts_of, find_conflicts
from organizer.services.scheduling.plan import build_plan
from tests.factories import (
    NOW,
    lisbon,
    make_day,
    make_event_days,
    make_room,
    make_schedule_event,
    make_slot,
    make_talk,
    make_user,
)

EN = "\N{EN DASH}"
SAT = dt.date(2027, 3, 27)
SUN = dt.date(2027, 3, 28)


@pytest.fixture
def event():
    return make_schedule_event(make_user(name="Olga Organizer"), hours=None)


@pytest.fixture
def rooms(event):
    """Room A and Room B, both step-free, 100 seats."""
    return make_room(event, "Room A"), make_room(event, "Room B")


@pytest.fixture
def days(event):
    return make_event_days(event, 9, 18)


@pytest.fixture
def ana():
    return make_user(name="Ana")


def profile(event, user, **fields):
    row = SpeakerProfile(event_id=event.id, user_id=user.id, updated_at=NOW, **fields)
    db.session.add(row)
    db.session.flush()
    return row


def settings(event, **fields):
    row = ScheduleSettings(event_id=event.id, updated_at=NOW, **{"severities": {}, **fields})
    db.session.add(row)
    db.session.flush()
    return row


def found(event, rule=None, *, include_ignored=False):
    conflicts = find_conflicts(build_plan(event), include_ignored=include_ignored)
    return [c for c in conflicts if rule is None or c.rule is rule]


# --- a speaker in two places at once -------------------------------------------------------


def test_a_speaker_in_two_rooms_at_once_is_double_booked(event, rooms, days, ana):
    a, b = rooms
    graphs = make_talk(event, ana, title="Graphs", room=a, starts_at=lisbon(27, 10))
    trees = make_talk(event, ana, title="Trees", room=b, starts_at=lisbon(27, 10, 10))

    [conflict] = found(event)

    assert conflict.rule is ConflictRule.SPEAKER_DOUBLE_BOOKED
    assert conflict.severity is Severity.BLOCKS_RELEASE
    assert set(conflict.session_ids) == {graphs.id, trees.id}
    assert conflict.message == (
        f"Ana is in two places at once: “Graphs” (Room A, Sat 27 Mar 10:00{EN}10:20) "
        f"and “Trees” (Room B, Sat 27 Mar 10:10{EN}10:30)."
    )


def test_a_co_speaker_counts_as_a_speaker(event, rooms, days, ana):
    a, b = rooms
    first = make_talk(event, title="Graphs", room=a, starts_at=lisbon(27, 10), co_speakers=(ana,))
    second = make_talk(event, ana, title="Trees", room=b, starts_at=lisbon(27, 10))

    [conflict] = found(event)

    assert conflict.rule is ConflictRule.SPEAKER_DOUBLE_BOOKED
    assert set(conflict.session_ids) == {first.id, second.id}
    assert conflict.message.startswith("Ana is in two places at once")


def test_a_speaker_with_time_to_walk_between_rooms_is_fine(event, rooms, days, ana):
    a, b = rooms
    make_talk(event, ana, title="Graphs", room=a, starts_at=lisbon(27, 10))
    make_talk(event, ana, title="Trees", room=b, starts_at=lisbon(27, 10, 30))  # 10 minutes to walk

    assert found(event) == []


def test_back_to_back_in_two_rooms_is_short_of_the_buffer(event, rooms, days, ana):
    a, b = rooms
    graphs = make_talk(event, ana, title="Graphs", room=a, starts_at=lisbon(27, 10))
    trees = make_talk(event, ana, title="Trees", room=b, starts_at=lisbon(27, 10, 25))

    [conflict] = found(event)

    assert conflict.rule is ConflictRule.SPEAKER_DOUBLE_BOOKED
    assert conflict.session_ids == (graphs.id, trees.id)
    assert conflict.message == (
        f"Ana has 5 minutes to get from “Graphs” (Room A, Sat 27 Mar 10:00{EN}10:20) to "
        f"“Trees” (Room B, Sat 27 Mar 10:25{EN}10:45); the event allows 10 minutes between "
        "rooms."
    )


def test_back_to_back_in_two_rooms_with_no_buffer_is_fine(event, rooms, days, ana):
    a, b = rooms
    make_talk(event, ana, title="Graphs", room=a, starts_at=lisbon(27, 10))
    make_talk(event, ana, title="Trees", room=b, starts_at=lisbon(27, 10, 20))
    assert [c.rule for c in found(event)] == [ConflictRule.SPEAKER_DOUBLE_BOOKED]

    settings(event, speaker_buffer_minutes=0)

    assert found(event) == []


def test_back_to_back_in_the_same_room_never_needs_the_buffer(event, rooms, days, ana):
    a, _ = rooms
    settings(event, speaker_buffer_minutes=30)
    make_talk(event, ana, title="Graphs", room=a, starts_at=lisbon(27, 10))
    make_talk(event, ana, title="Trees", room=a, starts_at=lisbon(27, 10, 20))

    assert found(event) == []


def test_a_speaker_in_a_lightning_block_and_a_talk_at_once(event, rooms, days, ana):
    a, b = rooms
    block = make_slot(event, kind=SlotKind.CONTAINER, room=a, starts_at=lisbon(27, 11))
    make_talk(event, ana, title="Tiny idea", parent_id=block.id)
    other = make_talk(event, ana, title="Big idea", room=b, starts_at=lisbon(27, 11, 10))

    [conflict] = found(event)

    assert conflict.rule is ConflictRule.SPEAKER_DOUBLE_BOOKED
    assert set(conflict.session_ids) == {block.id, other.id}
    assert "“Lightning talks” (Room A, Sat 27 Mar 11:00" in conflict.message
    assert "“Big idea” (Room B, Sat 27 Mar 11:10" in conflict.message


# --- two sessions in one room ----------------------------------------------------------------


def test_two_sessions_overlapping_in_one_room(event, rooms, days):
    a, _ = rooms
    graphs = make_talk(event, title="Graphs", room=a, starts_at=lisbon(27, 10))
    trees = make_talk(event, title="Trees", room=a, starts_at=lisbon(27, 10, 10))

    [conflict] = found(event)

    assert conflict.rule is ConflictRule.ROOM_OVERLAP
    assert conflict.session_ids == (graphs.id, trees.id)
    assert conflict.message == (
        f"“Graphs” (Room A, Sat 27 Mar 10:00{EN}10:20) and “Trees” (Room A, Sat 27 Mar "
        f"10:10{EN}10:30) overlap in Room A."
    )


def test_back_to_back_sessions_in_one_room_do_not_overlap(event, rooms, days):
    a, b = rooms
    make_talk(event, title="Graphs", room=a, starts_at=lisbon(27, 10))
    make_talk(event, title="Trees", room=a, starts_at=lisbon(27, 10, 20))
    make_talk(event, title="Roots", room=b, starts_at=lisbon(27, 10, 5))  # another room

    assert found(event) == []


def test_a_plenary_item_in_all_rooms_overlaps_sessions_in_every_room(event, rooms, days):
    a, b = rooms
    coffee = make_slot(
        event, kind=SlotKind.PLENARY, all_rooms=True, room=a, starts_at=lisbon(27, 10)
    )
    in_b = make_talk(event, title="Graphs", room=b, starts_at=lisbon(27, 10, 15))

    [conflict] = found(event)

    assert conflict.rule is ConflictRule.ROOM_OVERLAP
    assert set(conflict.session_ids) == {coffee.id, in_b.id}
    assert conflict.message == (
        f"“Coffee break” (all rooms, Sat 27 Mar 10:00{EN}10:30) and “Graphs” (Room B, Sat 27 "
        f"Mar 10:15{EN}10:35) overlap in Room B."
    )


def test_a_plenary_item_in_one_room_leaves_the_others_free(event, rooms, days):
    a, b = rooms
    make_slot(event, kind=SlotKind.PLENARY, room=a, starts_at=lisbon(27, 10))
    make_talk(event, title="Graphs", room=b, starts_at=lisbon(27, 10, 15))

    assert found(event) == []


# --- outside the day's or room's hours ---------------------------------------------------------


def test_a_session_ending_at_the_end_of_the_day_is_fine(event, rooms, days):
    make_talk(event, title="Last word", room=rooms[0], starts_at=lisbon(27, 17, 40))  # 17:40-18:00
    assert found(event) == []


def test_a_session_one_minute_past_the_end_of_the_day(event, rooms, days):
    late = make_talk(
        event, title="Last word", room=rooms[0], starts_at=lisbon(27, 17, 40), duration_minutes=21
    )

    [conflict] = found(event)

    assert conflict.rule is ConflictRule.OUTSIDE_HOURS
    assert conflict.session_ids == (late.id,)
    assert conflict.message == (
        f"“Last word” (Room A, Sat 27 Mar 17:40{EN}18:01) is outside the schedule: the day's "
        f"hours are Sat 27 Mar 09:00{EN}18:00."
    )


def test_a_session_before_the_day_opens(event, rooms, days):
    early = make_talk(event, title="Dawn", room=rooms[0], starts_at=lisbon(27, 8, 50))

    [conflict] = found(event)

    assert conflict.rule is ConflictRule.OUTSIDE_HOURS
    assert conflict.session_ids == (early.id,)
    assert "is outside the schedule" in conflict.message
    assert f"Sat 27 Mar 08:50{EN}09:10" in conflict.message


def test_a_session_on_a_day_that_is_not_in_the_schedule(event, rooms, days):
    make_talk(event, title="Eve", room=rooms[0], starts_at=lisbon(26, 10))

    [conflict] = found(event)

    assert conflict.rule is ConflictRule.OUTSIDE_HOURS
    assert conflict.message == (
        f"“Eve” (Room A, Fri 26 Mar 10:00{EN}10:20) is outside the schedule: it is not within "
        "any of the event's days and hours."
    )


def test_a_session_crossing_midnight_into_the_next_day_is_outside_hours(event, rooms):
    # Saturday runs to midnight and Sunday starts at midnight: the two days touch, but a
    # session belongs to one day, so one that runs from Saturday into Sunday is refused.
    db.session.add(
        ScheduleDay(
            event_id=event.id,
            day=SAT,
            starts_at=lisbon(27, 9),
            ends_at=lisbon(28, 0),
        )
    )
    make_day(event, SUN, 0, 18)
    fits = make_talk(event, title="Nightcap", room=rooms[0], starts_at=lisbon(27, 23, 40))  # 24:00
    crosses = make_talk(event, title="Night owl", room=rooms[1], starts_at=lisbon(27, 23, 50))

    conflicts = found(event)

    assert [c.session_ids for c in conflicts] == [(crosses.id,)]
    assert fits.id not in conflicts[0].session_ids
    assert conflicts[0].rule is ConflictRule.OUTSIDE_HOURS
    assert conflicts[0].message == (
        f"“Night owl” (Room B, Sat 27 Mar 23:50{EN}Sun 28 Mar 00:10) is outside the schedule: "
        f"the day's hours are Sat 27 Mar 09:00{EN}24:00."
    )


def test_durations_are_real_minutes_across_the_change_to_summer_time(event, rooms):
    # On Sunday 28 March the clocks in Lisbon go from 01:00 to 02:00: the day below, "00:00 to
    # 04:00" on the wall clock, lasts three real hours (00:00-03:00 UTC). A session's duration
    # is the time people spend in it, so a 90-minute tutorial at 00:30 ends at 03:00 on the
    # wall clock (02:00 UTC), not at 02:00: the hour that does not exist is not counted.
    make_day(event, SUN, 0, 4)
    a, b = rooms
    night = make_talk(
        event, title="Night class", type_name="Tutorial", room=a, starts_at=lisbon(28, 0, 30)
    )
    # 02:30 summer time is 01:30 UTC; 90 real minutes later it is 04:00 on the wall clock,
    # exactly the end of the day.
    last = make_talk(
        event, title="Last class", type_name="Tutorial", room=b, starts_at=lisbon(28, 2, 30)
    )

    plan = build_plan(event)

    assert plan.sessions[night.id].ends_at == lisbon(28, 3)
    assert lisbon(28, 3) == dt.datetime(2027, 3, 28, 2, 0, tzinfo=dt.UTC)
    assert plan.sessions[last.id].ends_at == lisbon(28, 4)
    assert find_conflicts(plan) == []


def test_one_step_too_late_across_the_change_to_summer_time(event, rooms):
    make_day(event, SUN, 0, 4)
    late = make_talk(
        event, title="Late class", type_name="Tutorial", room=rooms[0], starts_at=lisbon(28, 2, 45)
    )

    [conflict] = found(event)

    assert conflict.rule is ConflictRule.OUTSIDE_HOURS
    assert conflict.session_ids == (late.id,)
    assert conflict.message == (
        f"“Late class” (Room A, Sun 28 Mar 02:45{EN}04:15) is outside the schedule: the day's "
        f"hours are Sun 28 Mar 00:00{EN}04:00."
    )


def test_a_session_outside_its_rooms_windows(event, rooms, days):
    a, b = rooms
    db.session.add_all(
        [
            RoomWindow(room_id=a.id, starts_at=lisbon(27, 9), ends_at=lisbon(27, 12)),
            RoomWindow(room_id=a.id, starts_at=lisbon(28, 14), ends_at=lisbon(28, 18)),
        ]
    )
    db.session.flush()
    inside = make_talk(event, title="Morning", room=a, starts_at=lisbon(27, 11, 40))  # to 12:00
    outside = make_talk(event, title="Noon", room=a, starts_at=lisbon(27, 12))
    make_talk(event, title="Elsewhere", room=b, starts_at=lisbon(27, 12))  # Room B has no windows

    [conflict] = found(event)

    assert conflict.rule is ConflictRule.OUTSIDE_HOURS
    assert conflict.session_ids == (outside.id,)
    assert inside.id not in conflict.session_ids
    assert conflict.message == (
        f"“Noon” (Room A, Sat 27 Mar 12:00{EN}12:20) is outside the hours of Room A, which is "
        f"open Sat 27 Mar 09:00{EN}12:00; Sun 28 Mar 14:00{EN}18:00."
    )


# --- longer than the slot --------------------------------------------------------------------


def test_a_talk_longer_than_its_slot(event, rooms, days):
    short = make_talk(
        event, title="Graphs", room=rooms[0], starts_at=lisbon(27, 10), duration_minutes=15
    )
    make_talk(event, title="Trees", room=rooms[1], starts_at=lisbon(27, 10), duration_minutes=30)

    [conflict] = found(event)

    assert conflict.rule is ConflictRule.TOO_LONG
    assert conflict.severity is Severity.WARNING
    assert conflict.session_ids == (short.id,)
    assert conflict.message == (
        f"“Graphs” (Room A, Sat 27 Mar 10:00{EN}10:15) needs 20 minutes; its slot has 15."
    )


def test_a_block_whose_talks_need_more_than_its_length(event, rooms, days):
    block = make_slot(event, kind=SlotKind.CONTAINER, room=rooms[0], starts_at=lisbon(27, 11))
    make_talk(event, title="One", parent_id=block.id, position=0)
    make_talk(event, title="Two", parent_id=block.id, position=1)

    [conflict] = found(event)

    assert conflict.rule is ConflictRule.TOO_LONG
    assert conflict.session_ids == (block.id,)
    assert conflict.message == (
        f"The talks in “Lightning talks” (Room A, Sat 27 Mar 11:00{EN}11:30) need 40 "
        "minutes; the block has 30."
    )


def test_a_block_with_room_for_its_talks_is_fine(event, rooms, days):
    block = make_slot(event, kind=SlotKind.CONTAINER, room=rooms[0], starts_at=lisbon(27, 11))
    make_talk(event, title="One", parent_id=block.id)
    # A withdrawn talk left in the block no longer needs time.
    make_talk(event, title="Gone", parent_id=block.id, state=ProposalState.WITHDRAWN)

    assert found(event) == []
    assert build_plan(event).sessions[block.id].required_minutes == 20


def test_a_poster_session_needs_its_longest_poster_not_the_sum(event, rooms, days):
    # Posters hang side by side; lightning talks follow one another.
    posters = make_slot(
        event,
        kind=SlotKind.CONTAINER,
        container_kind=ContainerKind.POSTER,
        title="Posters",
        room=rooms[0],
        starts_at=lisbon(27, 11),
    )
    make_talk(event, title="One", parent_id=posters.id)
    make_talk(event, title="Two", parent_id=posters.id)
    assert found(event) == []
    assert build_plan(event).sessions[posters.id].required_minutes == 20

    make_talk(event, title="Long", type_name="Tutorial", parent_id=posters.id)

    [conflict] = found(event)
    assert conflict.rule is ConflictRule.TOO_LONG
    assert conflict.message == (
        f"The talks in “Posters” (Room A, Sat 27 Mar 11:00{EN}11:30) need 90 minutes; the "
        "block has 30."
    )


# --- capacity --------------------------------------------------------------------------------


def test_expected_audience_over_the_rooms_capacity(event, days):
    small = make_room(event, "Small room", capacity=30)
    crowded = make_talk(
        event, title="Hot topic", room=small, starts_at=lisbon(27, 10), expected_audience=45
    )

    [conflict] = found(event)

    assert conflict.rule is ConflictRule.OVER_CAPACITY
    assert conflict.session_ids == (crowded.id,)
    assert conflict.message == (
        f"“Hot topic” (Small room, Sat 27 Mar 10:00{EN}10:20) expects 45 people; Small room "
        "seats 30."
    )


def test_an_audience_that_fits_or_is_unknown_is_fine(event, days):
    small = make_room(event, "Small room", capacity=30)
    unknown = make_room(event, "Unknown room", capacity=None)
    make_talk(event, title="Full", room=small, starts_at=lisbon(27, 10), expected_audience=30)
    make_talk(event, title="Guess", room=small, starts_at=lisbon(27, 11))
    make_talk(event, title="Big", room=unknown, starts_at=lisbon(27, 10), expected_audience=500)

    assert found(event) == []


# --- step-free access ------------------------------------------------------------------------


def test_a_step_free_need_not_met(event, days, ana):
    stairs = make_room(event, "Attic", step_free=False)
    profile(event, ana, needs_step_free=True)
    up = make_talk(event, ana, title="Up here", room=stairs, starts_at=lisbon(27, 10))

    [conflict] = found(event)

    assert conflict.rule is ConflictRule.STEP_FREE
    assert conflict.session_ids == (up.id,)
    assert conflict.message == (
        "Ana asked for step-free access, and Attic is not step-free "
        f"(“Up here” (Attic, Sat 27 Mar 10:00{EN}10:20))."
    )


def test_step_free_needs_met_or_not_asked(event, days, ana):
    stairs = make_room(event, "Attic", step_free=False)
    ground = make_room(event, "Ground floor", step_free=True)
    profile(event, ana, needs_step_free=True)
    make_talk(event, ana, title="Down here", room=ground, starts_at=lisbon(27, 10))
    make_talk(event, title="Someone else", room=stairs, starts_at=lisbon(27, 10))

    assert found(event) == []


def test_a_step_free_need_in_a_block_is_the_blocks(event, days, ana):
    stairs = make_room(event, "Attic", step_free=False)
    profile(event, ana, needs_step_free=True)
    block = make_slot(event, kind=SlotKind.CONTAINER, room=stairs, starts_at=lisbon(27, 11))
    make_talk(event, ana, title="Tiny idea", parent_id=block.id)

    [conflict] = found(event)

    assert conflict.rule is ConflictRule.STEP_FREE
    assert conflict.session_ids == (block.id,)


# --- availability ----------------------------------------------------------------------------


def test_profile_availability_follows_the_change_to_summer_time(event, rooms):
    # "Morning" is 08:00-13:00 in Lisbon: 08:00-13:00 UTC on Saturday, 07:00-12:00 UTC on
    # Sunday. A day without an answer counts as "all day" (08:00-20:00), as the form shows it.
    make_event_days(event, 8, 18)
    a, b = rooms
    profile(event, ana := make_user(name="Ana"), availability={"2027-03-28": "morning"})
    make_talk(event, ana, title="Saturday early", room=a, starts_at=lisbon(27, 8))
    make_talk(event, ana, title="Sunday early", room=a, starts_at=lisbon(28, 8))
    # to 13:00
    make_talk(event, ana, title="Sunday before noon", room=b, starts_at=lisbon(28, 12, 40))

    plan = build_plan(event)

    assert lisbon(27, 8) == dt.datetime(2027, 3, 27, 8, 0, tzinfo=dt.UTC)
    assert lisbon(28, 8) == dt.datetime(2027, 3, 28, 7, 0, tzinfo=dt.UTC)
    assert plan.availability[ana.id] == (
        (lisbon(27, 8), lisbon(27, 20)),
        (lisbon(28, 8), lisbon(28, 13)),
    )
    assert find_conflicts(plan) == []


def test_a_session_outside_the_profiles_morning(event, rooms):
    make_event_days(event, 8, 18)
    ana = make_user(name="Ana")
    profile(event, ana, availability={"2027-03-28": "morning"})
    late = make_talk(event, ana, title="Lunchtime", room=rooms[0], starts_at=lisbon(28, 12, 50))

    [conflict] = found(event)

    assert conflict.rule is ConflictRule.SPEAKER_UNAVAILABLE
    assert conflict.severity is Severity.WARNING
    assert conflict.session_ids == (late.id,)
    assert conflict.message == (
        f"Ana is not available for “Lunchtime” (Room A, Sun 28 Mar 12:50{EN}13:10). They can "
        f"speak: Sat 27 Mar 08:00{EN}20:00; Sun 28 Mar 08:00{EN}13:00 (Europe/Lisbon time)."
    )


def test_a_speaker_who_can_come_on_no_day(event, rooms, days):
    ana = make_user(name="Ana")
    profile(event, ana, availability={"2027-03-27": "none", "2027-03-28": "none"})
    slot = make_talk(event, ana, title="Graphs", room=rooms[0], starts_at=lisbon(27, 10))

    [conflict] = found(event)

    assert conflict.rule is ConflictRule.SPEAKER_UNAVAILABLE
    assert conflict.session_ids == (slot.id,)
    assert conflict.message == (
        f"Ana said they cannot speak at any time of the event, and is scheduled for “Graphs” "
        f"(Room A, Sat 27 Mar 10:00{EN}10:20)."
    )


def test_explicit_availability_replaces_the_profiles_days(event, rooms, days, ana):
    a, b = rooms
    profile(event, ana, availability={"2027-03-27": "all", "2027-03-28": "all"})
    db.session.add(
        SpeakerAvailability(
            event_id=event.id, user_id=ana.id, starts_at=lisbon(27, 14), ends_at=lisbon(27, 16)
        )
    )
    db.session.flush()
    morning = make_talk(event, ana, title="Morning", room=a, starts_at=lisbon(27, 10))
    make_talk(event, ana, title="Afternoon", room=b, starts_at=lisbon(27, 14))

    [conflict] = found(event)

    assert conflict.rule is ConflictRule.SPEAKER_UNAVAILABLE
    assert conflict.session_ids == (morning.id,)
    assert f"They can speak: Sat 27 Mar 14:00{EN}16:00 (Europe/Lisbon time)." in conflict.message


def test_a_remote_speaker_reads_times_in_their_own_zone(event, rooms, days):
    bea = make_user(name="Bea")
    profile(event, bea, remote=True, timezone="America/Bogota")
    # 14:00-16:00 in Lisbon (UTC+0 on Saturday) is 09:00-11:00 in Bogotá (UTC-5).
    db.session.add(
        SpeakerAvailability(
            event_id=event.id, user_id=bea.id, starts_at=lisbon(27, 14), ends_at=lisbon(27, 16)
        )
    )
    db.session.flush()
    early = make_talk(event, bea, title="Remote", room=rooms[0], starts_at=lisbon(27, 10))

    [conflict] = found(event)

    assert conflict.session_ids == (early.id,)
    assert conflict.message == (
        f"Bea is not available for “Remote” (Room A, Sat 27 Mar 10:00{EN}10:20), which is "
        f"Sat 27 Mar 05:00{EN}05:20 their time (America/Bogota). They can speak: Sat 27 Mar "
        f"09:00{EN}11:00 (America/Bogota time)."
    )


def test_a_speaker_without_availability_is_always_free(event, rooms, days, ana):
    profile(event, ana)  # no per-day answers
    make_talk(event, ana, title="Any time", room=rooms[0], starts_at=lisbon(27, 17))
    assert found(event) == []


# --- severities ------------------------------------------------------------------------------


def test_an_ignored_rule_is_left_out_unless_asked_for(event, rooms, days):
    a, _ = rooms
    settings(event, severities={"room_overlap": "ignored"})
    first = make_talk(event, title="Graphs", room=a, starts_at=lisbon(27, 10))
    second = make_talk(event, title="Trees", room=a, starts_at=lisbon(27, 10, 10))

    assert found(event) == []
    [conflict] = found(event, include_ignored=True)
    assert conflict.rule is ConflictRule.ROOM_OVERLAP
    assert conflict.severity is Severity.IGNORED
    assert conflict.session_ids == (first.id, second.id)


def test_conflicts_come_most_severe_first(event, days, ana):
    settings(event, severities={"over_capacity": "blocks_saving", "room_overlap": "warning"})
    small = make_room(event, "Small room", capacity=10)
    stairs = make_room(event, "Attic", step_free=False)
    profile(event, ana, needs_step_free=True)
    # step-free: release
    make_talk(event, ana, title="Up here", room=stairs, starts_at=lisbon(27, 10))
    make_talk(event, title="Crowded", room=small, starts_at=lisbon(27, 10), expected_audience=20)
    make_talk(event, title="Squeezed", room=small, starts_at=lisbon(27, 10, 10))  # overlap: warning

    conflicts = found(event)

    assert [(c.rule, c.severity) for c in conflicts] == [
        (ConflictRule.OVER_CAPACITY, Severity.BLOCKS_SAVING),
        (ConflictRule.STEP_FREE, Severity.BLOCKS_RELEASE),
        (ConflictRule.ROOM_OVERLAP, Severity.WARNING),
    ]


def test_conflicts_of_one_session_and_their_json(event, rooms, days):
    a, b = rooms
    first = make_talk(event, title="Graphs", room=a, starts_at=lisbon(27, 10))
    second = make_talk(event, title="Trees", room=a, starts_at=lisbon(27, 10, 10))
    alone = make_talk(event, title="Alone", room=b, starts_at=lisbon(27, 10))
    plan = build_plan(event)

    assert conflicts_of(plan, alone.id) == []
    [conflict] = conflicts_of(plan, second.id)
    assert conflict.as_json(plan) == {
        "rule": "room_overlap",
        "rule_label": "Two sessions overlapping in one room",
        "severity": "blocks_release",
        "severity_label": "Blocks a release",
        "sessions": [first.public_id, second.public_id],
        "message": conflict.message,
    }


# --- what is in the plan ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "state", [ProposalState.WITHDRAWN, ProposalState.CANCELLED, ProposalState.DECLINED]
)
def test_talks_no_longer_on_the_programme_do_not_conflict(event, rooms, days, ana, state):
    a, _ = rooms
    kept = make_talk(event, ana, title="Kept", room=a, starts_at=lisbon(27, 10))
    gone = make_talk(event, ana, title="Gone", room=a, starts_at=lisbon(27, 10), state=state)

    plan = build_plan(event)

    assert gone.id not in plan.sessions
    assert kept.id in plan.sessions
    assert find_conflicts(plan) == []
