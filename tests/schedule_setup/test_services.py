"""The schedule set-up rules without HTTP: settings and the grid, rooms and windows, days across
the DST change, plenary items and blocks, and speakers' times in their own zone."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from organizer.enums import (
    ConflictRule,
    ContainerKind,
    PlenaryKind,
    ProposalState,
    Severity,
    SlotKind,
)
from organizer.errors import NotFound, PermissionDenied, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import (
    AuditEntry,
    Room,
    RoomWindow,
    ScheduleDay,
    Slot,
    SpeakerAvailability,
    SpeakerProfile,
)
from organizer.services.scheduling import day_setup, item_setup, room_setup, setup, speaker_setup
from organizer.services.scheduling.plan import DEFAULT_SEVERITY, build_plan
from tests.factories import (
    NOW,
    lisbon,
    make_cfp,
    make_day,
    make_event,
    make_event_days,
    make_proposal,
    make_room,
    make_schedule_event,
    make_slot,
    make_talk,
    make_user,
)

UTC = dt.UTC


@pytest.fixture
def organizer():
    return make_user(name="Olga Organizer")


@pytest.fixture
def event(organizer):
    return make_schedule_event(organizer, hours=None)


def actions(event) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.event_id == event.id).order_by(AuditEntry.id)
        )
    )


def settings_input(**changes) -> setup.SettingsInput:
    values = {
        "granularity_minutes": 15,
        "speaker_buffer_minutes": 10,
        "solver_time_limit_seconds": 10,
        "severities": {rule.value: DEFAULT_SEVERITY[rule].value for rule in ConflictRule},
        **changes,
    }
    return setup.SettingsInput(**values)


def hours(start: str, end: str) -> day_setup.DayHours:
    return day_setup.DayHours(starts=dt.time.fromisoformat(start), ends=dt.time.fromisoformat(end))


# Settings ------------------------------------------------------------------------------------


def test_settings_are_saved_with_severities_and_audited(event, organizer):
    severities = {rule.value: Severity.WARNING.value for rule in ConflictRule}
    severities[ConflictRule.ROOM_OVERLAP.value] = Severity.BLOCKS_SAVING.value
    saved = setup.save_settings(
        actor=organizer,
        event=event,
        data=settings_input(
            granularity_minutes=5,
            speaker_buffer_minutes=0,
            solver_time_limit_seconds=600,
            severities=severities,
        ),
        now=NOW,
    )
    assert (saved.granularity_minutes, saved.speaker_buffer_minutes) == (5, 0)
    assert saved.solver_time_limit_seconds == 600
    plan = build_plan(event)
    assert plan.severities[ConflictRule.ROOM_OVERLAP] is Severity.BLOCKS_SAVING
    assert plan.severities[ConflictRule.STEP_FREE] is Severity.WARNING
    assert plan.granularity == 5 and plan.buffer == dt.timedelta(0)
    assert actions(event) == ["schedule.settings"]
    # Saving the same again changes nothing and records nothing.
    setup.save_settings(
        actor=organizer,
        event=event,
        data=settings_input(
            granularity_minutes=5,
            speaker_buffer_minutes=0,
            solver_time_limit_seconds=600,
            severities=severities,
        ),
        now=NOW,
    )
    assert actions(event) == ["schedule.settings"]


def test_settings_out_of_range_name_each_field(event, organizer):
    severities = {rule.value: Severity.WARNING.value for rule in ConflictRule}
    severities[ConflictRule.TOO_LONG.value] = "sometimes"
    with pytest.raises(ValidationFailed) as failed:
        setup.save_settings(
            actor=organizer,
            event=event,
            data=settings_input(
                granularity_minutes=7,
                speaker_buffer_minutes=241,
                solver_time_limit_seconds=0,
                severities=severities,
            ),
            now=NOW,
        )
    assert set(failed.value.errors) == {
        "granularity_minutes",
        "speaker_buffer_minutes",
        "solver_time_limit_seconds",
        "severity_too_long",
    }


def test_a_coarser_grid_is_refused_while_sessions_start_off_it(event, organizer):
    setup.save_settings(
        actor=organizer, event=event, data=settings_input(granularity_minutes=5), now=NOW
    )
    room = make_room(event, "Aula")
    make_event_days(event)
    early = make_slot(event, room=room, starts_at=lisbon(27, 10, 5), title="")
    make_slot(event, room=room, starts_at=lisbon(28, 11, 50))
    make_slot(event, room=room, starts_at=lisbon(28, 14, 0))  # on every grid
    with pytest.raises(ValidationFailed) as failed:
        setup.save_settings(
            actor=organizer, event=event, data=settings_input(granularity_minutes=15), now=NOW
        )
    message = failed.value.errors["granularity_minutes"]
    assert message.startswith("2 sessions start off the 15-minute grid")
    assert f"“{early.display_title}” at 10:05" in message and "move them first" in message
    # 10 minutes keeps 11:50 but not 10:05: one session in the way.
    with pytest.raises(ValidationFailed) as failed:
        setup.save_settings(
            actor=organizer, event=event, data=settings_input(granularity_minutes=10), now=NOW
        )
    assert failed.value.errors["granularity_minutes"].startswith("1 session starts off")
    early.starts_at = lisbon(27, 10, 0)
    db.session.flush()
    saved = setup.save_settings(
        actor=organizer, event=event, data=settings_input(granularity_minutes=10), now=NOW
    )
    assert saved.granularity_minutes == 10


def test_only_organizers_change_the_set_up(event):
    stranger = make_user()
    room = make_room(event, "Aula")
    calls = [
        lambda: setup.save_settings(actor=stranger, event=event, data=settings_input(), now=NOW),
        lambda: room_setup.save_room(
            actor=stranger, event=event, room=None, data=room_setup.RoomInput(name="X"), now=NOW
        ),
        lambda: room_setup.delete_room(actor=stranger, event=event, room=room, now=NOW),
        lambda: day_setup.add_event_days(actor=stranger, event=event, now=NOW),
        lambda: item_setup.save_item(
            actor=stranger,
            event=event,
            slot=None,
            kind=SlotKind.PLENARY,
            data=item_setup.ItemInput(kind="lunch", title="", duration_minutes=60),
            now=NOW,
        ),
        lambda: speaker_setup.reset_speaker_availability(
            actor=stranger, event=event, user=stranger, now=NOW
        ),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert db.session.scalar(select(Room.name).where(Room.event_id == event.id)) == "Aula"


# Rooms ---------------------------------------------------------------------------------------


def test_rooms_are_saved_with_unique_names_and_https_links(event, organizer):
    data = room_setup.RoomInput(
        name="  Main hall ",
        capacity=120,
        step_free=True,
        captioning=True,
        accessibility_notes="Lift by the entrance.",
        stream_url="https://meet.example.org/main",
        stream_public=True,
    )
    room = room_setup.save_room(actor=organizer, event=event, room=None, data=data, now=NOW)
    assert (room.name, room.capacity, room.step_free, room.hearing_loop) == (
        "Main hall",
        120,
        True,
        False,
    )
    second = room_setup.save_room(
        actor=organizer, event=event, room=None, data=room_setup.RoomInput(name="Library"), now=NOW
    )
    assert [r.name for r in room_setup.rooms_of(event)] == ["Main hall", "Library"]
    with pytest.raises(ValidationFailed) as failed:
        room_setup.save_room(
            actor=organizer,
            event=event,
            room=second,
            data=room_setup.RoomInput(
                name="MAIN HALL", capacity=-1, stream_url="http://x.org", stream_public=False
            ),
            now=NOW,
        )
    assert "already a room called “MAIN HALL”" in failed.value.errors["name"]
    assert set(failed.value.errors) == {"name", "capacity", "stream_url"}
    with pytest.raises(ValidationFailed) as failed:
        room_setup.save_room(
            actor=organizer,
            event=event,
            room=second,
            data=room_setup.RoomInput(name="Library", stream_public=True),
            now=NOW,
        )
    assert set(failed.value.errors) == {"stream_public"}
    # The room keeps its own name when edited.
    room_setup.save_room(
        actor=organizer,
        event=event,
        room=room,
        data=room_setup.RoomInput(name="Main hall"),
        now=NOW,
    )
    assert room.stream_url == "" and room.captioning is False
    assert actions(event) == ["schedule.room.save"] * 3


def test_moving_a_room_swaps_it_with_its_neighbour(event, organizer):
    first, _, third = (make_room(event, name) for name in ("A", "B", "C"))
    room_setup.move_room(actor=organizer, event=event, room=third, direction=-1)
    assert [r.name for r in room_setup.rooms_of(event)] == ["A", "C", "B"]
    room_setup.move_room(actor=organizer, event=event, room=first, direction=-1)  # already first
    assert [r.name for r in room_setup.rooms_of(event)] == ["A", "C", "B"]


def test_deleting_a_room_unschedules_its_sessions(event, organizer):
    make_event_days(event)
    room = make_room(event, "Aula")
    other = make_room(event, "Library")
    talk = make_slot(event, room=room, starts_at=lisbon(27, 10))
    lunch = make_slot(
        event, kind=SlotKind.PLENARY, room=room, starts_at=lisbon(27, 12), all_rooms=True
    )
    elsewhere = make_slot(event, room=other, starts_at=lisbon(27, 10))
    room.windows.append(RoomWindow(starts_at=lisbon(27, 9), ends_at=lisbon(27, 12)))
    db.session.flush()
    version = talk.version
    assert room_setup.delete_room(actor=organizer, event=event, room=room, now=NOW) == 2
    for slot in (talk, lunch):
        db.session.refresh(slot)
        assert slot.room_id is None and slot.starts_at is None
    assert talk.version > version  # an editor holding the old version gets a conflict
    db.session.refresh(elsewhere)
    assert elsewhere.room_id == other.id
    assert db.session.scalar(select(Room).where(Room.name == "Aula")) is None
    assert db.session.scalars(select(RoomWindow)).all() == []
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.event_id == event.id)).one()
    assert entry.action == "schedule.room.delete" and entry.details["unscheduled"] == 2


def test_a_window_has_to_fit_its_day_and_not_overlap(event, organizer):
    make_day(event, dt.date(2027, 3, 27), 9, 18)
    make_day(event, dt.date(2027, 3, 28), 9, 18)  # the DST change day
    room = make_room(event, "Aula")

    def add(day, start, end):
        return room_setup.add_window(
            actor=organizer,
            event=event,
            room=room,
            day=day,
            starts=dt.time.fromisoformat(start),
            ends=dt.time.fromisoformat(end),
            now=NOW,
        )

    window = add(dt.date(2027, 3, 28), "13:00", "18:00")
    assert (window.starts_at, window.ends_at) == (lisbon(28, 13), lisbon(28, 18))
    assert window.starts_at == dt.datetime(2027, 3, 28, 12, tzinfo=UTC)  # summer time
    with pytest.raises(ValidationFailed) as failed:
        add(dt.date(2027, 3, 27), "08:00", "19:00")
    assert set(failed.value.errors) == {"starts", "ends"}
    assert "runs from 09:00 to 18:00" in failed.value.errors["starts"]
    with pytest.raises(ValidationFailed) as failed:
        add(dt.date(2027, 3, 28), "12:00", "14:00")
    assert "overlaps the window" in failed.value.errors["starts"]
    with pytest.raises(ValidationFailed) as failed:
        add(dt.date(2027, 3, 29), "10:00", "11:00")
    assert set(failed.value.errors) == {"day"}
    with pytest.raises(ValidationFailed) as failed:
        add(dt.date(2027, 3, 27), "11:00", "10:00")
    assert set(failed.value.errors) == {"ends"}
    assert build_plan(event).rooms[room.id].windows == ((lisbon(28, 13), lisbon(28, 18)),)
    room_setup.remove_window(actor=organizer, event=event, room=room, window_id=window.id, now=NOW)
    assert room.windows == []
    with pytest.raises(NotFound):
        room_setup.remove_window(
            actor=organizer, event=event, room=room, window_id=window.id, now=NOW
        )


# Days ----------------------------------------------------------------------------------------


def test_event_days_across_the_dst_change(event, organizer):
    make_day(event, dt.date(2027, 3, 27), 10, 17)  # already there: kept as it is
    assert day_setup.add_event_days(actor=organizer, event=event, now=NOW) == 1
    first, second = day_setup.days_of(event)
    assert first.starts_at == dt.datetime(2027, 3, 27, 10, tzinfo=UTC)
    # 09:00 in Lisbon is 08:00 UTC on the 28th (summer time), 09:00 UTC the day before.
    assert second.day == dt.date(2027, 3, 28)
    assert second.starts_at == dt.datetime(2027, 3, 28, 8, tzinfo=UTC)
    assert second.ends_at == dt.datetime(2027, 3, 28, 17, tzinfo=UTC)
    day_setup.update_day(
        actor=organizer, event=event, schedule_day=first, hours=hours("09:00", "18:00"), now=NOW
    )
    assert first.starts_at == dt.datetime(2027, 3, 27, 9, tzinfo=UTC)
    assert day_setup.add_event_days(actor=organizer, event=event, now=NOW) == 0
    assert actions(event) == ["schedule.day.add", "schedule.day.save"]


def test_a_day_is_one_of_the_event_dates_with_hours_on_the_grid(event, organizer):
    def add(day, start="09:00", end="18:00"):
        return day_setup.add_day(
            actor=organizer, event=event, day=day, hours=hours(start, end), now=NOW
        )

    day = add(dt.date(2027, 3, 28), "08:30", "23:45")
    assert day.ends_at == dt.datetime(2027, 3, 28, 22, 45, tzinfo=UTC)
    with pytest.raises(ValidationFailed) as failed:
        add(dt.date(2027, 3, 29))
    assert "27 March 2027 to 28 March 2027" in failed.value.errors["day"]
    with pytest.raises(ValidationFailed) as failed:
        add(dt.date(2027, 3, 28))
    assert "already a schedule day" in failed.value.errors["day"]
    with pytest.raises(ValidationFailed) as failed:
        add(dt.date(2027, 3, 27), "18:00", "09:00")
    assert set(failed.value.errors) == {"ends"}
    with pytest.raises(ValidationFailed) as failed:
        add(dt.date(2027, 3, 27), "09:07", "18:00")
    assert "steps of 5 minutes" in failed.value.errors["starts"]
    assert [d.day for d in day_setup.days_of(event)] == [dt.date(2027, 3, 28)]


def test_a_day_with_sessions_cannot_be_deleted(event, organizer):
    saturday, sunday = make_event_days(event)
    room = make_room(event, "Aula")
    make_slot(event, room=room, starts_at=lisbon(28, 10))
    make_slot(event, room=room, starts_at=lisbon(28, 14))
    room.windows.append(RoomWindow(starts_at=lisbon(27, 9), ends_at=lisbon(27, 12)))
    room.windows.append(RoomWindow(starts_at=lisbon(28, 9), ends_at=lisbon(28, 12)))
    db.session.flush()
    with pytest.raises(WrongState, match="2 sessions are placed on Sunday 28 March"):
        day_setup.delete_day(actor=organizer, event=event, schedule_day=sunday, now=NOW)
    day_setup.delete_day(actor=organizer, event=event, schedule_day=saturday, now=NOW)
    assert [d.day for d in day_setup.days_of(event)] == [dt.date(2027, 3, 28)]
    db.session.refresh(room)
    assert [w.starts_at for w in room.windows] == [lisbon(28, 9)]  # Saturday's went with it
    assert db.session.scalar(select(ScheduleDay).where(ScheduleDay.id == saturday.id)) is None


# Plenary items and blocks --------------------------------------------------------------------


def test_plenary_items_take_their_title_from_the_kind_and_lengths_on_the_grid(event, organizer):
    lunch = item_setup.save_item(
        actor=organizer,
        event=event,
        slot=None,
        kind=SlotKind.PLENARY,
        data=item_setup.ItemInput(kind="lunch", title=" ", duration_minutes=60, all_rooms=True),
        now=NOW,
    )
    assert (lunch.title, lunch.plenary_kind, lunch.all_rooms) == ("Lunch", PlenaryKind.LUNCH, True)
    with pytest.raises(ValidationFailed) as failed:
        item_setup.save_item(
            actor=organizer,
            event=event,
            slot=lunch,
            kind=SlotKind.PLENARY,
            data=item_setup.ItemInput(kind="picnic", title="x", duration_minutes=50),
            now=NOW,
        )
    assert set(failed.value.errors) == {"kind", "duration_minutes"}
    assert "multiple of 15" in failed.value.errors["duration_minutes"]
    with pytest.raises(ValidationFailed):  # a plenary item is not turned into a block
        item_setup.save_item(
            actor=organizer,
            event=event,
            slot=lunch,
            kind=SlotKind.CONTAINER,
            data=item_setup.ItemInput(kind="poster", title="x", duration_minutes=60),
            now=NOW,
        )
    block = item_setup.save_item(
        actor=organizer,
        event=event,
        slot=None,
        kind=SlotKind.CONTAINER,
        data=item_setup.ItemInput(
            kind="poster", title="Posters", duration_minutes=90, all_rooms=True
        ),
        now=NOW,
    )
    assert (block.container_kind, block.all_rooms) == (ContainerKind.POSTER, False)
    assert [s.title for s in item_setup.items_of(event)] == ["Lunch", "Posters"]
    assert actions(event) == ["schedule.item.save"] * 2


def test_a_placed_item_change_that_blocks_saving_is_refused(event, organizer):
    setup.save_settings(
        actor=organizer,
        event=event,
        data=settings_input(
            severities={
                **{rule.value: Severity.WARNING.value for rule in ConflictRule},
                ConflictRule.ROOM_OVERLAP.value: Severity.BLOCKS_SAVING.value,
            }
        ),
        now=NOW,
    )
    make_event_days(event)
    room = make_room(event, "Aula")
    make_slot(event, room=make_room(event, "Library"), starts_at=lisbon(27, 12, 30))
    lunch = make_slot(
        event, kind=SlotKind.PLENARY, room=room, starts_at=lisbon(27, 12), duration_minutes=60
    )
    item_setup.save_item(  # in its own room only, it overlaps nothing
        actor=organizer,
        event=event,
        slot=lunch,
        kind=SlotKind.PLENARY,
        data=item_setup.ItemInput(kind="lunch", title="Lunch", duration_minutes=60),
        now=NOW,
    )
    with pytest.raises(WrongState, match="Not saved"):
        item_setup.save_item(
            actor=organizer,
            event=event,
            slot=lunch,
            kind=SlotKind.PLENARY,
            data=item_setup.ItemInput(
                kind="lunch", title="Lunch", duration_minutes=60, all_rooms=True
            ),
            now=NOW,
        )


def test_talks_in_a_block_keep_their_order_and_go_back_when_it_is_deleted(event, organizer):
    block = make_slot(event, kind=SlotKind.CONTAINER, duration_minutes=30)
    talks = [make_talk(event, state=state) for state in (ProposalState.ACCEPTED,) * 3]
    placed = make_slot(event, room=make_room(event, "Aula"), starts_at=lisbon(27, 10))
    make_event_days(event)
    assert {t.id for t in item_setup.talks_to_add(event)} == {t.id for t in talks}
    for talk in talks:
        item_setup.add_to_container(
            actor=organizer, event=event, container=block, talk_id=talk.id, now=NOW
        )
    with pytest.raises(ValidationFailed) as failed:  # placed talks are not offered
        item_setup.add_to_container(
            actor=organizer, event=event, container=block, talk_id=placed.id, now=NOW
        )
    assert set(failed.value.errors) == {"talk"}
    db.session.refresh(block)
    assert [c.id for c in block.children] == [t.id for t in talks]
    assert item_setup.talks_to_add(event) == []
    item_setup.move_in_container(
        actor=organizer, event=event, container=block, talk_id=talks[2].id, direction=-1, now=NOW
    )
    db.session.refresh(block)
    assert [c.id for c in block.children] == [talks[0].id, talks[2].id, talks[1].id]
    item_setup.remove_from_container(
        actor=organizer, event=event, container=block, talk_id=talks[0].id, now=NOW
    )
    db.session.refresh(block)
    assert [c.id for c in block.children] == [talks[2].id, talks[1].id]
    with pytest.raises(NotFound):
        item_setup.remove_from_container(
            actor=organizer, event=event, container=block, talk_id=placed.id, now=NOW
        )
    assert item_setup.delete_item(actor=organizer, event=event, slot=block, now=NOW) == 2
    for talk in talks:
        db.session.refresh(talk)
        assert talk.parent_id is None and talk.starts_at is None
    assert db.session.get(Slot, block.id) is None


# Speakers ------------------------------------------------------------------------------------


def test_a_remote_speakers_times_are_typed_in_their_zone(event, organizer):
    speaker = make_user(name="Beatriz Bogotá")
    make_talk(event, speaker)
    speaker_setup.save_speaker_settings(
        actor=organizer,
        event=event,
        user=speaker,
        data=speaker_setup.SpeakerSettings(
            remote=True, timezone="America/Bogota", needs_step_free=True
        ),
        now=NOW,
    )
    profile = db.session.scalars(
        select(SpeakerProfile).where(SpeakerProfile.user_id == speaker.id)
    ).one()
    assert (profile.remote, profile.timezone, profile.needs_step_free) == (
        True,
        "America/Bogota",
        True,
    )
    # Saturday 00:00 in Lisbon is Friday evening in Bogotá.
    assert speaker_setup.speaker_dates(event, "America/Bogota") == [
        dt.date(2027, 3, 26),
        dt.date(2027, 3, 27),
        dt.date(2027, 3, 28),
    ]
    for day, start, end in ((27, "04:00", "08:00"), (28, "05:00", "07:30")):
        speaker_setup.add_speaker_interval(
            actor=organizer,
            event=event,
            user=speaker,
            day=dt.date(2027, 3, day),
            starts=dt.time.fromisoformat(start),
            ends=dt.time.fromisoformat(end),
            now=NOW,
        )
    rows = speaker_setup.explicit_availability(event, speaker)
    # Bogotá is UTC-5 all year: 04:00 there is 09:00 UTC (09:00 in Lisbon on the 27th, 10:00
    # on the 28th, after the change to summer time).
    assert [(r.starts_at, r.ends_at) for r in rows] == [
        (dt.datetime(2027, 3, 27, 9, tzinfo=UTC), dt.datetime(2027, 3, 27, 13, tzinfo=UTC)),
        (dt.datetime(2027, 3, 28, 10, tzinfo=UTC), dt.datetime(2027, 3, 28, 12, 30, tzinfo=UTC)),
    ]
    assert build_plan(event).availability[speaker.id] == tuple(
        (r.starts_at, r.ends_at) for r in rows
    )
    with pytest.raises(ValidationFailed) as failed:
        speaker_setup.add_speaker_interval(
            actor=organizer,
            event=event,
            user=speaker,
            day=dt.date(2027, 3, 27),
            starts=dt.time(7, 0),
            ends=dt.time(9, 0),
            now=NOW,
        )
    assert "overlaps Sat 27 Mar 04:00–08:00" in failed.value.errors["starts"]  # noqa: RUF001
    with pytest.raises(ValidationFailed) as failed:
        speaker_setup.add_speaker_interval(
            actor=organizer,
            event=event,
            user=speaker,
            day=dt.date(2027, 3, 30),
            starts=dt.time(7, 0),
            ends=dt.time(9, 0),
            now=NOW,
        )
    assert set(failed.value.errors) == {"day"}
    speaker_setup.remove_speaker_interval(
        actor=organizer, event=event, user=speaker, interval_id=rows[0].id, now=NOW
    )
    assert (
        speaker_setup.reset_speaker_availability(
            actor=organizer, event=event, user=speaker, now=NOW
        )
        == 1
    )
    assert db.session.scalars(select(SpeakerAvailability)).all() == []
    assert speaker.id not in build_plan(event).availability  # any time again
    assert actions(event) == ["schedule.speaker"] + ["schedule.speaker_availability"] * 4


def test_speaker_settings_refuse_unknown_zones_and_forget_the_zone_when_not_remote(
    event, organizer
):
    speaker = make_user()
    make_proposal(event, speaker, state=ProposalState.ACCEPTED)
    with pytest.raises(ValidationFailed) as failed:
        speaker_setup.save_speaker_settings(
            actor=organizer,
            event=event,
            user=speaker,
            data=speaker_setup.SpeakerSettings(
                remote=True, timezone="Mars/Olympus", needs_step_free=False
            ),
            now=NOW,
        )
    assert set(failed.value.errors) == {"timezone"}
    profile = speaker_setup.save_speaker_settings(
        actor=organizer,
        event=event,
        user=speaker,
        data=speaker_setup.SpeakerSettings(
            remote=False, timezone="Asia/Tokyo", needs_step_free=False
        ),
        now=NOW,
    )
    assert profile.timezone == ""
    assert speaker_setup.speaker_zone(event, profile) == "Europe/Lisbon"


def test_only_speakers_of_accepted_talks_of_this_event_are_found(event):
    accepted = make_user()
    make_proposal(event, accepted, state=ProposalState.ACCEPTED)
    submitted = make_user()
    make_proposal(event, submitted)
    other_event = make_event()
    make_cfp(other_event)
    elsewhere = make_user()
    make_proposal(other_event, elsewhere, state=ProposalState.CONFIRMED)
    assert speaker_setup.speaker_in_event(event, accepted.id) == accepted
    for user in (submitted, elsewhere):
        with pytest.raises(NotFound):
            speaker_setup.speaker_in_event(event, user.id)


def test_speaker_rows_show_zone_and_availability(event):
    local = make_user(name="Ana")
    remote = make_user(name="Bruno")
    make_talk(event, local, title="Rivers")
    make_talk(event, remote, state=ProposalState.ACCEPTED, title="Lakes")
    db.session.add(
        SpeakerProfile(
            event_id=event.id,
            user_id=remote.id,
            remote=True,
            timezone="America/Bogota",
            availability={"2027-03-27": "morning"},
            updated_at=NOW,
        )
    )
    db.session.flush()
    ana, bruno = speaker_setup.speaker_rows(event)
    assert (ana.person.name, ana.zone, ana.availability, ana.titles) == (
        "Ana",
        "Europe/Lisbon",
        None,
        ("Rivers",),
    )
    assert bruno.zone == "America/Bogota" and bruno.person.remote
    assert bruno.availability[0] == (lisbon(27, 8), lisbon(27, 13))
