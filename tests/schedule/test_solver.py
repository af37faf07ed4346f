"""The automatic scheduler, pure (a Plan in, a Result out): its results break no hard rule as
the conflict code sees it, pinned and placed sessions stay put, the soft rules pull the way
their weights say, a repair moves as little as it can, and a session that cannot be placed
comes with reasons that name what is in the way. Times are Lisbon wall clock; the plans'
days are Saturday 27 and Sunday 28 March 2027 (summer time from 01:00 on the 28th)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from organizer.enums import SlotKind
from organizer.services.scheduling import conflicts
from organizer.services.scheduling.plan import Person, Plan, Session
from organizer.services.scheduling.solver import run as solver
from tests.bench.scheduling_data import (
    ZONE,
    at,
    empty_plan,
    make_plan,
    place,
    plenary,
    room,
    talk,
)

set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "organizer-hypothesis")

SAT = dt.date(2027, 3, 27)
SUN = dt.date(2027, 3, 28)
EN = "\N{EN DASH}"
ANA, BO, CAI = 1, 2, 3


def plan_of(*sessions: Session, rooms=None, days: int = 2, **fields) -> Plan:
    plan = empty_plan(
        rooms=rooms or [room(10, "Sala Tejo"), room(11, "Sala Sado")],
        days=days,
        hours=fields.pop("hours", (9, 18)),
        granularity=fields.pop("granularity", 15),
        buffer=fields.pop("buffer", 10),
    )
    plan.sessions = {s.id: s for s in sessions}
    plan.people = {
        ANA: Person(ANA, "Ana Lima"),
        BO: Person(BO, "Bo Chen"),
        CAI: Person(CAI, "Cai Rocha"),
        **fields.pop("people", {}),
    }
    plan.availability = fields.pop("availability", {})
    assert not fields, fields
    return plan


def run(plan: Plan, **kwargs) -> solver.Result:
    kwargs.setdefault("time_limit", 5)
    kwargs.setdefault("workers", 1)
    return solver.solve(plan, **kwargs)


def hard_conflicts(plan: Plan, result: solver.Result) -> list[conflicts.Conflict]:
    """Checked independently of solver.check: the conflict code on the plan as applied."""
    applied = plan
    for sid, (room_id, starts_at) in result.placements.items():
        applied = applied.with_session(
            dataclasses.replace(applied.sessions[sid], room_id=room_id, starts_at=starts_at)
        )
    return [
        c
        for c in conflicts.find_conflicts(applied, include_ignored=True)
        if c.rule in solver.HARD_RULES and any(i in result.placements for i in c.session_ids)
    ]


def assert_sound(plan: Plan, result: solver.Result, mode: str = "suggest") -> None:
    """What every result owes: no hard conflict on what it placed, on the grid, only the
    sessions it was given, pinned ones untouched, and a reason for each one left out."""
    assert hard_conflicts(plan, result) == []
    zone = ZoneInfo(plan.timezone)
    free = set(solver.free_sessions(plan, mode))
    assert set(result.to_place) == free
    for sid, (room_id, starts_at) in result.placements.items():
        assert sid in free
        assert not plan.sessions[sid].pinned
        assert room_id in plan.rooms
        local = starts_at.astimezone(zone)
        assert (local.hour * 60 + local.minute) % plan.granularity == 0
        assert local.second == 0
    for sid in free:
        assert (sid in result.placements) != (sid in result.unplaced), sid
        if sid in result.unplaced:
            assert result.unplaced[sid] and all(result.unplaced[sid])


# Every result is sound ------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_workshops_get_schedules_that_break_no_rule(seed):
    plan = make_plan(sessions=40, rooms=3, days=2, seed=seed)
    result = run(plan, seed=seed)
    assert_sound(plan, result)
    assert result.status in ("optimal", "feasible", "infeasible")
    # The generator's workshops fit: every session has a place.
    assert len(result.placements) == len(result.to_place) - len(result.unplaced)
    assert len(result.unplaced) <= 1
    assert result.wall_seconds < result.time_limit + 2


@pytest.mark.parametrize("seed", [5, 6])
def test_a_repair_of_a_random_workshop_keeps_what_breaks_no_rule(seed):
    plan = make_plan(sessions=40, rooms=3, days=2, seed=seed)
    first = run(plan, seed=seed)
    placed = solver.apply(plan, first.placements)
    # A late change: the first room closes on Sunday.
    closed = placed.rooms[100]
    placed.rooms[100] = dataclasses.replace(
        closed, windows=((placed.days[0].starts_at, placed.days[0].ends_at),)
    )
    result = run(placed, mode="repair", seed=seed)
    assert_sound(placed, result, "repair")
    moved = {
        sid
        for sid, spot in result.placements.items()
        if spot != (placed.sessions[sid].room_id, placed.sessions[sid].starts_at)
    }
    in_closed_room = {
        s.id
        for s in placed.placed()
        if s.room_id == 100 and not s.all_rooms and s.starts_at >= placed.days[1].starts_at
    }
    assert moved == in_closed_room - set(result.unplaced)


def _random_plan(draw) -> Plan:
    """Small plans with room windows, restricted speakers, buffers, pinned and placed sessions
    (which may already conflict with each other) and all-rooms items."""
    granularity = draw(st.sampled_from([5, 10, 15]))
    n_rooms = draw(st.integers(1, 3))
    rooms = []
    for n in range(n_rooms):
        windows = ()
        if draw(st.booleans()):
            start = draw(st.integers(9, 14))
            windows = ((at(SAT, start), at(SAT, start + draw(st.integers(1, 4)))),)
            if draw(st.booleans()):
                windows += ((at(SUN, 9), at(SUN, 18)),)
        rooms.append(
            room(
                100 + n,
                f"Room {n}",
                capacity=draw(st.sampled_from([None, 30, 80])),
                step_free=draw(st.booleans()),
                windows=windows,
            )
        )
    people = {
        p: Person(p, f"Person {p}", needs_step_free=draw(st.integers(0, 9)) == 0)
        for p in range(1, 6)
    }
    availability = {}
    for p in people:
        if draw(st.booleans()):
            day = draw(st.sampled_from([SAT, SUN]))
            start = draw(st.integers(9, 16))
            availability[p] = ((at(day, start), at(day, start + draw(st.integers(1, 4)))),)
    sessions: list[Session] = []
    for sid in range(1, draw(st.integers(2, 9)) + 1):
        speakers = draw(st.lists(st.integers(1, 5), min_size=0, max_size=2, unique=True))
        session = talk(
            sid,
            *speakers,
            duration=draw(st.sampled_from([15, 20, 30, 45, 60])),
            track_id=draw(st.sampled_from([None, 1, 2])),
            expected_audience=draw(st.sampled_from([None, 20, 50])),
            preferred_part=draw(st.sampled_from(["", "morning", "afternoon"])),
            preferred_day=draw(st.sampled_from([None, SAT, SUN])),
        )
        how = draw(st.sampled_from(["free", "free", "placed", "pinned"]))
        if how != "free":
            day = draw(st.sampled_from([SAT, SUN]))
            start = at(day, draw(st.integers(9, 16)), draw(st.sampled_from([0, 15, 30])))
            session = place(session, rooms[0].id, start, pinned=how == "pinned")
        sessions.append(session)
    if draw(st.booleans()):
        sessions.append(plenary(50, "Lunch", at(SAT, 12, 30), 60, rooms[0].id))
    if draw(st.booleans()):
        free_plenary = dataclasses.replace(
            plenary(51, "Keynote", at(SUN, 9), 45, rooms[0].id),
            room_id=None,
            starts_at=None,
            pinned=False,
        )
        sessions.append(free_plenary)
    plan = empty_plan(rooms=rooms, days=2, hours=(9, 18), granularity=granularity, buffer=10)
    plan.sessions = {s.id: s for s in sessions}
    plan.people = people
    plan.availability = availability
    return plan


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), mode=st.sampled_from(["suggest", "repair"]))
def test_any_plan_gets_a_result_that_breaks_no_rule(data, mode):
    plan = _random_plan(data.draw)
    result = run(plan, mode=mode, time_limit=3)
    assert_sound(plan, result, mode)
    if result.status in ("optimal", "feasible"):
        assert not result.unplaced


# Pinned and placed sessions -------------------------------------------------------------------


def test_pinned_and_placed_sessions_stay_put_and_the_others_go_around_them():
    pinned = place(talk(1, ANA, duration=60), 10, at(SAT, 9), pinned=True)
    placed = place(talk(2, BO, duration=60), 11, at(SAT, 9))
    free = [talk(3, ANA, duration=60), talk(4, BO, duration=60), talk(5, CAI, duration=60)]
    plan = plan_of(
        pinned,
        placed,
        *free,
        days=1,
        hours=(9, 11),
        availability={ANA: ((at(SAT, 9), at(SAT, 11)),), BO: ((at(SAT, 9), at(SAT, 11)),)},
    )
    result = run(plan)
    assert_sound(plan, result)
    assert set(result.placements) == {3, 4}
    assert result.placements[3][1] == at(SAT, 10) and result.placements[4][1] == at(SAT, 10)
    # Two rooms, two hours, two taken: the third new session has no place.
    assert result.status == "infeasible"
    assert 5 in result.unplaced


def test_a_repair_never_moves_a_pinned_session_even_with_a_conflict():
    pinned = place(talk(1, ANA, duration=60), 10, at(SAT, 9), pinned=True)
    other = place(talk(2, BO, duration=60), 10, at(SAT, 9, 30))
    plan = plan_of(pinned, other)
    result = run(plan, mode="repair")
    assert_sound(plan, result, "repair")
    assert 1 not in result.placements
    assert result.placements[2] != (10, at(SAT, 9, 30))


def test_an_all_rooms_item_takes_every_room():
    keynote = dataclasses.replace(
        plenary(1, "Keynote", at(SAT, 9), 60, 10), room_id=None, starts_at=None, pinned=False
    )
    talks = [place(talk(2, ANA, duration=60), 11, at(SAT, 9))]
    plan = plan_of(keynote, *talks, days=1, hours=(9, 11))
    result = run(plan)
    assert_sound(plan, result)
    assert result.placements[1][1] == at(SAT, 10)


# Soft rules -----------------------------------------------------------------------------------


def test_a_track_stays_in_one_room_and_overlaps_itself_as_little_as_possible():
    sessions = [talk(n, n, duration=30, track_id=7) for n in range(1, 5)]
    plan = plan_of(*sessions, days=1, people={n: Person(n, f"P{n}") for n in range(1, 5)})
    result = run(plan)
    assert result.status == "optimal"
    assert len({r for r, _start in result.placements.values()}) == 1
    assert result.penalties.get("track_rooms", 0) == 0
    assert result.penalties.get("shared_audience", 0) == 0


def test_a_track_is_spread_over_the_days():
    sessions = [talk(n, n, duration=30, track_id=7) for n in range(1, 5)]
    plan = plan_of(*sessions, people={n: Person(n, f"P{n}") for n in range(1, 5)})
    result = run(plan)
    days = [starts.astimezone(ZoneInfo(ZONE)).date() for _r, starts in result.placements.values()]
    assert days.count(SAT) == days.count(SUN) == 2


def test_preferred_day_and_part_are_kept_when_they_can_be():
    morning = talk(1, ANA, preferred_day=SUN, preferred_part="morning")
    afternoon = talk(2, BO, preferred_part="afternoon")
    plan = plan_of(morning, afternoon)
    result = run(plan)
    assert result.status == "optimal"
    start = result.placements[1][1].astimezone(ZoneInfo(ZONE))
    assert start.date() == SUN and start.hour < 13
    assert result.placements[2][1].astimezone(ZoneInfo(ZONE)).hour >= 13
    assert result.penalties.get("preferences", 0) == 0


def test_shared_audience_outweighs_a_preferred_day():
    # Both want Saturday, where they can only come 09:00-09:45: together they would overlap.
    first = talk(1, ANA, duration=45, preferred_day=SAT, track_id=1)
    second = talk(2, BO, duration=45, preferred_day=SAT, track_id=2)
    window = {
        ANA: ((at(SAT, 9), at(SAT, 9, 45)), (at(SUN, 9), at(SUN, 18))),
        BO: ((at(SAT, 9), at(SAT, 9, 45)), (at(SUN, 9), at(SUN, 18))),
    }
    plan = plan_of(first, second, availability=window)
    alone = run(plan)
    assert {s.astimezone(ZoneInfo(ZONE)).date() for _r, s in alone.placements.values()} == {SAT}
    shared = run(plan, shared_audience={(1, 2): 5})
    days = sorted(s.astimezone(ZoneInfo(ZONE)).date() for _r, s in shared.placements.values())
    assert days == [SAT, SUN]
    assert shared.penalties["shared_audience"] == 0


def test_released_sessions_go_back_where_the_release_had_them():
    sessions = [talk(n, n, duration=30) for n in range(1, 4)]
    release = {1: (11, at(SUN, 14)), 2: (10, at(SAT, 16, 30)), 3: (11, at(SAT, 9))}
    plan = plan_of(*sessions, people={n: Person(n, f"P{n}") for n in range(1, 4)})
    result = run(plan, release=release)
    assert result.placements == release
    assert result.penalties.get("release", 0) == 0


def test_released_place_that_is_taken_now_costs_and_the_session_goes_elsewhere():
    pinned = place(talk(1, ANA, duration=60), 10, at(SAT, 9), pinned=True)
    moved = talk(2, BO, duration=30)
    plan = plan_of(pinned, moved, rooms=[room(10, "Sala Tejo")])
    result = run(plan, release={2: (10, at(SAT, 9))})
    assert_sound(plan, result)
    assert result.placements[2] != (10, at(SAT, 9))
    assert result.penalties["release"] == solver.Weights().release


# Repairs --------------------------------------------------------------------------------------


def test_a_repair_moves_only_the_sessions_of_the_room_that_was_lost():
    sessions = [
        place(talk(1, ANA), 10, at(SAT, 9)),
        place(talk(2, BO), 10, at(SAT, 10)),
        place(talk(3, CAI), 11, at(SAT, 9)),
        place(talk(4, 4), 11, at(SAT, 10)),
        place(talk(5, 5), 12, at(SAT, 9)),
    ]
    rooms = [room(10, "Sala Tejo"), room(11, "Sala Sado"), room(12, "Sala Lis")]
    people = {n: Person(n, f"P{n}") for n in (4, 5)}
    plan = plan_of(*sessions, rooms=rooms, people=people)
    # Sala Lis is lost: it is only open on Sunday now.
    plan.rooms[12] = dataclasses.replace(plan.rooms[12], windows=((at(SUN, 9), at(SUN, 18)),))
    result = run(plan, mode="repair")
    assert_sound(plan, result, "repair")
    moves = {
        sid: spot
        for sid, spot in result.placements.items()
        if spot != (plan.sessions[sid].room_id, plan.sessions[sid].starts_at)
    }
    assert set(moves) == {5}
    assert result.penalties["moves"] == solver.Weights().move
    assert result.status == "optimal"


def test_a_repair_keeps_back_to_back_sessions_of_a_speaker_in_one_room():
    sessions = [
        place(talk(1, ANA, duration=30), 10, at(SAT, 9)),
        place(talk(2, ANA, duration=30), 10, at(SAT, 9, 30)),
    ]
    plan = plan_of(*sessions, buffer=15)
    result = run(plan, mode="repair")
    assert result.placements == {1: (10, at(SAT, 9)), 2: (10, at(SAT, 9, 30))}
    assert result.objective == 0


def test_a_repair_moves_a_session_whose_speaker_cancelled_their_morning():
    sessions = [
        place(talk(1, ANA, duration=30), 10, at(SAT, 9)),
        place(talk(2, BO, duration=30), 10, at(SAT, 14)),
    ]
    plan = plan_of(*sessions, availability={ANA: ((at(SAT, 13), at(SAT, 18)),)})
    result = run(plan, mode="repair")
    assert_sound(plan, result, "repair")
    assert result.placements[2] == (10, at(SAT, 14))
    assert at(SAT, 13) <= result.placements[1][1]


def test_between_rooms_a_speaker_gets_the_buffer():
    first = talk(1, ANA, duration=45)
    second = talk(2, ANA, duration=45)
    plan = plan_of(
        first,
        second,
        buffer=15,
        availability={ANA: ((at(SAT, 9), at(SAT, 11)),)},
        rooms=[room(10, "Sala Tejo", windows=((at(SAT, 9), at(SAT, 10)),)), room(11, "Sala Sado")],
    )
    result = run(plan)
    assert_sound(plan, result)
    (_r1, s1), (_r2, s2) = sorted(result.placements.values(), key=lambda p: p[1])
    gap = s2 - (s1 + dt.timedelta(minutes=45))
    assert gap >= dt.timedelta(minutes=15) or _r1 == _r2


def test_a_repair_keeps_clear_of_a_session_that_has_to_stay_where_it_is():
    # Ana can only come 09:00-10:00, where Bo's session already is (and he too can only come
    # then): Ana's session cannot move, so it stays at 10:00, and the new session goes after.
    ana = place(talk(1, ANA, duration=60, title="Ana's"), 10, at(SAT, 10))
    bo = place(talk(2, BO, duration=60, title="Bo's"), 10, at(SAT, 9))
    new = talk(3, CAI, duration=60, title="New")
    window = ((at(SAT, 9), at(SAT, 10)),)
    plan = plan_of(
        ana,
        bo,
        new,
        rooms=[room(10, "Sala Tejo")],
        days=1,
        hours=(9, 12),
        availability={ANA: window, BO: window},
    )
    result = run(plan, mode="repair")
    assert_sound(plan, result, "repair")
    assert result.status == "infeasible"
    assert result.placements == {2: (10, at(SAT, 9)), 3: (10, at(SAT, 11))}
    assert result.unplaced[1][0].startswith("It cannot be placed together with “Bo's”")
    assert "only Sala Tejo suit them" in result.unplaced[1][0]
    assert result.unplaced[1][-1] == "It stays where it is."


def test_when_the_first_guess_fails_the_solver_still_places_everyone():
    # The released place of the short talk splits the day so the long one no longer fits;
    # placing everyone matters more than the release.
    short = talk(1, ANA, duration=60)
    long = talk(2, BO, duration=300)
    plan = plan_of(short, long, rooms=[room(10, "Sala Tejo")], days=1, hours=(9, 15))
    result = run(plan, release={1: (10, at(SAT, 11))})
    assert_sound(plan, result)
    assert result.status == "optimal"
    assert set(result.placements) == {1, 2}
    assert result.penalties["release"] == solver.Weights().release


# Infeasibility, explained ---------------------------------------------------------------------


def reasons(plan: Plan, sid: int) -> str:
    result = run(plan)
    assert result.status == "infeasible"
    assert sid not in result.placements
    return " ".join(result.unplaced[sid])


def test_no_room_holds_the_expected_audience():
    plan = plan_of(
        talk(1, ANA, expected_audience=150),
        rooms=[room(10, "Sala Tejo", 40), room(11, "Sala Sado", 60)],
    )
    assert reasons(plan, 1) == (
        "No room holds its expected audience of 150 (largest: Sala Sado, 60)."
    )


def test_a_speaker_who_needs_step_free_access_and_no_room_has_it():
    plan = plan_of(
        talk(1, ANA),
        rooms=[room(10, "Sala Tejo", step_free=False)],
        people={ANA: Person(ANA, "Ana Lima", needs_step_free=True)},
    )
    assert reasons(plan, 1) == "Ana Lima needs a step-free room, and none of the rooms is."


def test_availability_shorter_than_the_session():
    plan = plan_of(talk(1, ANA, duration=45), availability={ANA: ((at(SAT, 9), at(SAT, 10)),)})
    plan.sessions[1] = dataclasses.replace(plan.sessions[1], duration=90)
    assert reasons(plan, 1) == (
        f"Ana Lima is available only Sat 27 Mar 09:00{EN}10:00, shorter than its 90 minutes."
    )


def test_availability_outside_the_days_hours():
    plan = plan_of(talk(1, ANA), availability={ANA: ((at(SAT, 19), at(SAT, 22)),)})
    assert reasons(plan, 1) == (
        f"The availability of Ana Lima (Sat 27 Mar 19:00{EN}22:00) never overlaps the day's "
        "hours for 30 minutes."
    )


def test_two_speakers_who_are_never_there_together():
    plan = plan_of(
        talk(1, ANA, BO),
        availability={ANA: ((at(SAT, 9), at(SAT, 12)),), BO: ((at(SUN, 9), at(SUN, 12)),)},
    )
    assert reasons(plan, 1) == (
        "The availability of Ana Lima and Bo Chen never overlaps for 30 minutes within the "
        "day's hours."
    )


def test_a_session_longer_than_any_day():
    plan = plan_of(talk(1, ANA, duration=600))
    assert reasons(plan, 1) == ("It is 600 minutes long; the longest day is open 540 minutes.")


def test_rooms_closed_when_the_speaker_can_come():
    plan = plan_of(
        talk(1, ANA),
        rooms=[room(10, "Sala Tejo", windows=((at(SUN, 9), at(SUN, 12)),))],
        availability={ANA: ((at(SAT, 9), at(SAT, 12)),)},
    )
    assert reasons(plan, 1) == (
        "No room that suits it is open for 30 minutes at a time when its speakers can come: "
        f"Sala Tejo (open Sun 28 Mar 09:00{EN}12:00)."
    )


def test_everything_taken_by_sessions_that_stay():
    keynote = place(talk(1, BO, duration=180, title="Opening"), 10, at(SAT, 9), pinned=True)
    own = place(talk(2, ANA, duration=160, title="Ana's other talk"), 11, at(SAT, 9))
    plan = plan_of(
        keynote,
        own,
        talk(3, ANA),
        availability={ANA: ((at(SAT, 9), at(SAT, 12)),)},
    )
    text = reasons(plan, 3)
    assert "“Opening”" in text and "“Ana's other talk”" in text
    assert "Ana Lima speaks in some of them" in text


def test_two_sessions_of_one_speaker_who_has_time_for_only_one():
    first = talk(1, ANA, duration=60, title="Morning talk")
    second = talk(2, ANA, duration=60, title="Second talk")
    third = talk(3, BO, title="Unrelated")
    plan = plan_of(first, second, third, availability={ANA: ((at(SAT, 9), at(SAT, 10, 30)),)})
    result = run(plan)
    assert_sound(plan, result)
    assert result.status == "infeasible"
    assert result.cores == [(1, 2)]
    assert 3 in result.placements
    assert len([s for s in (1, 2) if s in result.placements]) == 1
    (left_out,) = [s for s in (1, 2) if s in result.unplaced]
    other = "“Morning talk”" if left_out == 2 else "“Second talk”"
    text = " ".join(result.unplaced[left_out])
    assert f"It cannot be placed together with {other}" in text
    assert f"they share Ana Lima, available Sat 27 Mar 09:00{EN}10:30" in text


def test_no_days_and_no_rooms_are_said_plainly():
    no_days = plan_of(talk(1, ANA), days=0)
    assert "no days" in reasons(no_days, 1)
    no_rooms = plan_of(talk(1, ANA), rooms=[])
    no_rooms.rooms = {}
    assert reasons(no_rooms, 1) == "The event has no rooms yet."


def test_nothing_to_place_is_optimal_at_once():
    plan = plan_of(place(talk(1, ANA), 10, at(SAT, 9)))
    result = run(plan)
    assert result.status == "optimal"
    assert result.placements == {} and result.unplaced == {}


# Runs -----------------------------------------------------------------------------------------


def test_the_result_reports_its_figures():
    plan = make_plan(sessions=20, rooms=2, days=2, seed=9)
    result = run(plan, time_limit=4)
    assert result.status == "optimal"
    assert result.gap == 0.0
    assert result.objective == result.bound
    assert result.objective == sum(result.penalties.values())
    assert 0 < result.first_solution_seconds <= result.wall_seconds
    assert result.time_limit == 4
    assert result.solutions >= 1


def test_grid_starts_follow_the_local_clock_across_the_clock_change():
    # 10-minute grid; on Sunday Lisbon is UTC+1.
    plan = plan_of(talk(1, ANA), granularity=10, availability={ANA: ((at(SUN, 9), at(SUN, 10)),)})
    result = run(plan)
    start = result.placements[1][1]
    assert start.astimezone(ZoneInfo(ZONE)).minute % 10 == 0
    assert start.tzinfo is not None and start.utcoffset() == dt.timedelta(0)


def test_a_container_takes_its_talks_speakers_availability():
    child = dataclasses.replace(talk(2, ANA, duration=20), parent_id=1)
    block = Session(
        id=1,
        public_id="block",
        kind=SlotKind.CONTAINER,
        title="Lightning talks",
        duration=60,
        child_ids=(2,),
    )
    plan = plan_of(block, child, availability={ANA: ((at(SUN, 14), at(SUN, 15)),)})
    result = run(plan)
    assert set(result.placements) == {1}
    assert result.placements[1][1] == at(SUN, 14)


def test_modes():
    plan = plan_of(
        place(talk(1, ANA), 10, at(SAT, 9)),
        place(talk(2, BO), 10, at(SAT, 10), pinned=True),
        talk(3, CAI),
    )
    assert solver.free_sessions(plan, "suggest") == [3]
    assert solver.free_sessions(plan, "repair") == [1, 3]
    with pytest.raises(ValueError, match="mode"):
        solver.free_sessions(plan, "shuffle")
