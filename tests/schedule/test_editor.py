"""The editor's changes: their validation, conflicts that block saving, undo, and two organizers
changing the same session (optimistic concurrency through Slot.version).

Tests run inside one outer transaction with the session in SAVEPOINTs (tests/conftest.py): a
`db.session.commit()` here stands for the end of a request, and `db.session.rollback()` for the
view's rollback after a refused change; it undoes only what came after the last commit."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from organizer.enums import EventRoleName, ProposalState, SlotKind
from organizer.errors import NotFound, PermissionDenied, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import ScheduleEdit, ScheduleSettings, Slot
from organizer.services.scheduling import editor
from organizer.services.scheduling.conflicts import find_conflicts
from organizer.services.scheduling.plan import build_plan
from tests.factories import (
    NOW,
    grant_role,
    lisbon,
    make_cfp,
    make_event,
    make_proposal,
    make_room,
    make_schedule_event,
    make_slot,
    make_talk,
    make_user,
)

LATER = NOW + dt.timedelta(minutes=5)


@pytest.fixture
def olga():
    return make_user(name="Olga Organizer")


@pytest.fixture
def pedro():
    return make_user(name="Pedro Planner")


@pytest.fixture
def event(olga, pedro):
    event = make_schedule_event(olga)
    grant_role(pedro, event, EventRoleName.ORGANIZER)
    return event


@pytest.fixture
def rooms(event):
    return make_room(event, "Room A"), make_room(event, "Room B")


def settings(event, **fields):
    row = ScheduleSettings(event_id=event.id, updated_at=NOW, **{"severities": {}, **fields})
    db.session.add(row)
    db.session.flush()
    return row


def move(event, slot, room, start, actor, *, version=None, now=NOW):
    return editor.move(
        event=event,
        slot=slot,
        room_id=room.id,
        starts_at=start,
        version=slot.version if version is None else version,
        actor=actor,
        now=now,
    )


def edits(slot):
    return list(
        db.session.scalars(
            select(ScheduleEdit).where(ScheduleEdit.slot_id == slot.id).order_by(ScheduleEdit.id)
        )
    )


def place_of(slot):
    return slot.room_id, slot.starts_at


def details(**fields):
    values = {
        "expected_audience": None,
        "pinned": False,
        "stream_url": "",
        "stream_public": False,
        "preferred_day": None,
        "preferred_part": "",
        **fields,
    }
    return editor.SlotDetails(**values)


# --- move ------------------------------------------------------------------------------------


def test_move_places_a_session_and_journals_it(event, rooms, olga):
    a, _ = rooms
    slot = make_talk(event, title="Graphs")
    assert slot.version == 1

    move(event, slot, a, lisbon(27, 10), olga, now=LATER)

    assert place_of(slot) == (a.id, lisbon(27, 10))
    assert slot.version == 2
    assert slot.updated_by_id == olga.id
    assert slot.updated_at == LATER
    [edit] = edits(slot)
    assert (edit.action, edit.actor_id, edit.version_after) == ("move", olga.id, 2)
    assert edit.before["room_id"] is None
    assert edit.after["room_id"] == a.id
    assert edit.after["starts_at"] == lisbon(27, 10).isoformat()


def test_move_takes_a_talk_out_of_its_block(event, rooms, olga):
    a, b = rooms
    block = make_slot(event, kind=SlotKind.CONTAINER, room=a, starts_at=lisbon(27, 11))
    slot = make_talk(event, title="Tiny", parent_id=block.id)

    move(event, slot, b, lisbon(27, 11), olga)

    assert slot.parent_id is None
    assert build_plan(event).sessions[block.id].child_ids == ()


def test_move_refuses_a_room_of_another_event(event, rooms, olga):
    elsewhere = make_room(make_event(), "Elsewhere")
    slot = make_talk(event, title="Graphs")

    with pytest.raises(ValidationFailed) as error:
        move(event, slot, elsewhere, lisbon(27, 10), olga)

    assert error.value.errors == {"room": "Choose one of this event's rooms."}
    assert slot.room_id is None


def test_move_refuses_a_day_that_is_not_a_schedule_day(event, rooms, olga):
    slot = make_talk(event, title="Graphs")

    with pytest.raises(ValidationFailed) as error:
        move(event, slot, rooms[0], lisbon(26, 10), olga)

    assert error.value.errors == {"day": "Choose one of the schedule's days."}


def test_move_refuses_a_start_off_the_grid(event, rooms, olga):
    slot = make_talk(event, title="Graphs")

    with pytest.raises(ValidationFailed) as error:
        move(event, slot, rooms[0], lisbon(27, 10, 5), olga)

    assert error.value.errors == {
        "start": "Start times are on a 15-minute grid (for example 09:00, 09:15)."
    }
    assert slot.room_id is None


def test_a_five_minute_grid_accepts_ten_past_five(event, rooms, olga):
    settings(event, granularity_minutes=5)
    slot = make_talk(event, title="Graphs")

    move(event, slot, rooms[0], lisbon(27, 10, 5), olga)

    assert slot.starts_at == lisbon(27, 10, 5)


def test_the_grid_is_the_events_wall_clock_after_the_change_to_summer_time(event, rooms, olga):
    slot = make_talk(event, title="Sunday")

    move(event, slot, rooms[0], lisbon(28, 9, 15), olga)  # 08:15 UTC

    assert slot.starts_at == dt.datetime(2027, 3, 28, 8, 15, tzinfo=dt.UTC)


def test_move_refuses_a_time_without_a_zone(event, rooms, olga):
    slot = make_talk(event, title="Graphs")

    with pytest.raises(ValidationFailed) as error:
        move(event, slot, rooms[0], dt.datetime(2027, 3, 27, 10, 0), olga)

    assert error.value.errors == {"start": "The start time needs a time zone."}


def test_move_refuses_a_withdrawn_talk(event, rooms, olga):
    slot = make_talk(event, title="Gone", state=ProposalState.WITHDRAWN)

    with pytest.raises(ValidationFailed, match="Only accepted or confirmed talks"):
        move(event, slot, rooms[0], lisbon(27, 10), olga)


def test_a_session_of_another_event_is_not_found(event, rooms, olga):
    other = make_event(organizer=olga)
    make_cfp(other)
    stranger = make_talk(other, title="Elsewhere")

    with pytest.raises(NotFound):
        move(event, stranger, rooms[0], lisbon(27, 10), olga)
    with pytest.raises(NotFound):
        editor.unschedule(event=event, slot=stranger, version=None, actor=olga, now=NOW)
    with pytest.raises(NotFound):
        editor.resize(
            event=event, slot=stranger, duration_minutes=30, version=None, actor=olga, now=NOW
        )
    with pytest.raises(NotFound):
        editor.update_details(
            event=event, slot=stranger, details=details(), version=None, actor=olga, now=NOW
        )
    assert stranger.version == 1


# --- permission --------------------------------------------------------------------------------


def test_a_reviewer_may_not_change_the_schedule(event, rooms):
    reviewer = make_user(name="Rita Reviewer")
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    slot = make_talk(event, title="Graphs")

    with pytest.raises(PermissionDenied) as error:
        move(event, slot, rooms[0], lisbon(27, 10), reviewer)
    with pytest.raises(PermissionDenied):
        editor.undo_last(event=event, actor=reviewer, now=NOW)

    assert error.value.status_code == 403
    assert "organizers" in error.value.message
    assert slot.room_id is None
    assert edits(slot) == []


def test_an_organizer_of_another_event_may_not_either(event, rooms):
    outsider = make_user()
    make_event(organizer=outsider)
    slot = make_talk(event, title="Graphs")

    with pytest.raises(PermissionDenied):
        move(event, slot, rooms[0], lisbon(27, 10), outsider)


# --- unschedule, resize, containers ------------------------------------------------------------


def test_unschedule_takes_a_session_off_the_grid(event, rooms, olga):
    slot = make_talk(event, title="Graphs", room=rooms[0], starts_at=lisbon(27, 10))

    editor.unschedule(event=event, slot=slot, version=slot.version, actor=olga, now=NOW)

    assert place_of(slot) == (None, None)
    assert [e.action for e in edits(slot)] == ["unschedule"]
    assert not build_plan(event).sessions[slot.id].placed


def test_resize_in_whole_grid_steps(event, rooms, olga):
    slot = make_talk(event, title="Graphs", room=rooms[0], starts_at=lisbon(27, 10))

    editor.resize(event=event, slot=slot, duration_minutes=45, version=1, actor=olga, now=NOW)

    assert slot.duration_minutes == 45
    assert edits(slot)[0].before["duration_minutes"] == 20


@pytest.mark.parametrize("minutes", [20, 0, -15, 1455])
def test_resize_refuses_a_length_off_the_grid(event, rooms, olga, minutes):
    slot = make_talk(event, title="Graphs")

    with pytest.raises(ValidationFailed) as error:
        editor.resize(
            event=event, slot=slot, duration_minutes=minutes, version=1, actor=olga, now=NOW
        )

    assert error.value.errors == {
        "duration": "A length is a multiple of 15 minutes, up to 24 hours."
    }
    assert slot.duration_minutes == 20


def test_put_talks_in_a_block_in_order(event, rooms, olga):
    block = make_slot(event, kind=SlotKind.CONTAINER, room=rooms[0], starts_at=lisbon(27, 11))
    first, second, third = (make_talk(event, title=t) for t in ("First", "Second", "Third"))
    placed = make_talk(event, title="Placed", room=rooms[1], starts_at=lisbon(27, 10))

    for slot in (first, second):
        editor.put_in_container(
            event=event, slot=slot, container=block, position=None, version=1, actor=olga, now=NOW
        )
    editor.put_in_container(
        event=event, slot=third, container=block, position=0, version=1, actor=olga, now=NOW
    )
    editor.put_in_container(
        event=event, slot=placed, container=block, position=2, version=1, actor=olga, now=NOW
    )

    db.session.expire(block, ["children"])
    assert [c.display_title for c in block.children] == ["Third", "First", "Placed", "Second"]
    assert [c.position for c in block.children] == [0, 1, 2, 3]
    assert place_of(placed) == (None, None)
    plan = build_plan(event)
    assert set(plan.sessions[block.id].child_ids) == {first.id, second.id, third.id, placed.id}
    assert plan.sessions[block.id].required_minutes == 80


def test_put_in_container_refuses_what_is_not_a_block(event, rooms, olga):
    slot = make_talk(event, title="Graphs")
    other_talk = make_talk(event, title="Not a block")
    coffee = make_slot(event, kind=SlotKind.PLENARY)
    block = make_slot(event, kind=SlotKind.CONTAINER)

    for target in (other_talk, coffee):
        with pytest.raises(ValidationFailed) as error:
            editor.put_in_container(
                event=event,
                slot=slot,
                container=target,
                position=None,
                version=1,
                actor=olga,
                now=NOW,
            )
        assert error.value.errors == {"container": "Choose a lightning block or poster session."}
    with pytest.raises(ValidationFailed) as error:
        editor.put_in_container(
            event=event,
            slot=coffee,
            container=block,
            position=None,
            version=1,
            actor=olga,
            now=NOW,
        )
    assert error.value.errors == {"container": "Only talks go into a block."}
    assert slot.parent_id is None
    assert coffee.parent_id is None


def test_put_in_container_refuses_a_block_of_another_event(event, olga):
    other = make_event(organizer=olga)
    block = make_slot(other, kind=SlotKind.CONTAINER)
    slot = make_talk(event, title="Graphs")

    with pytest.raises(ValidationFailed):
        editor.put_in_container(
            event=event, slot=slot, container=block, position=None, version=1, actor=olga, now=NOW
        )


def test_put_in_container_refuses_a_withdrawn_talk(event, olga):
    block = make_slot(event, kind=SlotKind.CONTAINER)
    gone = make_talk(event, title="Gone", state=ProposalState.WITHDRAWN)

    with pytest.raises(ValidationFailed, match="Only accepted or confirmed talks"):
        editor.put_in_container(
            event=event, slot=gone, container=block, position=None, version=1, actor=olga, now=NOW
        )


# --- details -----------------------------------------------------------------------------------


def test_update_details_saves_them(event, olga):
    slot = make_talk(event, title="Graphs")

    editor.update_details(
        event=event,
        slot=slot,
        details=details(
            expected_audience=40,
            pinned=True,
            stream_url="  https://stream.example.org/a  ",
            stream_public=True,
            preferred_day=dt.date(2027, 3, 28),
            preferred_part="morning",
        ),
        version=1,
        actor=olga,
        now=NOW,
    )

    assert (slot.expected_audience, slot.pinned, slot.stream_url, slot.stream_public) == (
        40,
        True,
        "https://stream.example.org/a",
        True,
    )
    assert (slot.preferred_day, slot.preferred_part) == (dt.date(2027, 3, 28), "morning")
    assert [e.action for e in edits(slot)] == ["details"]


def test_a_stream_without_a_link_is_not_public(event, olga):
    slot = make_talk(event, title="Graphs")

    editor.update_details(
        event=event,
        slot=slot,
        details=details(stream_public=True),
        version=1,
        actor=olga,
        now=NOW,
    )

    assert slot.stream_public is False


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"stream_url": "stream.example.org/a"},
            {"stream_url": "A stream link starts with https:// (or http://)."},
        ),
        (
            {"stream_url": "ftp://stream.example.org/a"},
            {"stream_url": "A stream link starts with https:// (or http://)."},
        ),
        (
            {"stream_url": "https://"},
            {"stream_url": "A stream link starts with https:// (or http://)."},
        ),
        (
            {"stream_url": "https://example.org/" + "a" * 500},
            {"stream_url": "Keep the stream link to 500 characters or fewer."},
        ),
        (
            {"preferred_day": dt.date(2027, 3, 29)},
            {"preferred_day": "Choose one of the event's days."},
        ),
        (
            {"preferred_part": "evening"},
            {"preferred_part": "Choose morning, afternoon or no preference."},
        ),
        (
            {"expected_audience": -1, "preferred_day": dt.date(2027, 3, 26)},
            {
                "expected_audience": "The expected audience cannot be negative.",
                "preferred_day": "Choose one of the event's days.",
            },
        ),
    ],
)
def test_update_details_refuses_bad_values(event, olga, fields, errors):
    slot = make_talk(event, title="Graphs")

    with pytest.raises(ValidationFailed) as error:
        editor.update_details(
            event=event, slot=slot, details=details(**fields), version=1, actor=olga, now=NOW
        )

    assert error.value.errors == errors
    assert slot.version == 1
    assert edits(slot) == []


# --- ensure_slots, ensure_settings ---------------------------------------------------------------


def test_ensure_slots_gives_each_accepted_or_confirmed_proposal_one_slot(event):
    accepted = make_proposal(event, state=ProposalState.ACCEPTED)
    confirmed = make_proposal(event, state=ProposalState.CONFIRMED)
    others = [
        make_proposal(event, state=state)
        for state in (
            ProposalState.SUBMITTED,
            ProposalState.REJECTED,
            ProposalState.WAITLISTED,
            ProposalState.WITHDRAWN,
            ProposalState.DECLINED,
            ProposalState.CANCELLED,
        )
    ]
    already = make_talk(event, title="Has one")
    elsewhere = make_event()
    make_cfp(elsewhere)
    make_proposal(elsewhere, state=ProposalState.CONFIRMED)

    made = editor.ensure_slots(event=event, now=NOW)

    slots = {
        s.proposal_id: s for s in db.session.scalars(select(Slot).where(Slot.event_id == event.id))
    }
    assert made == 2
    assert set(slots) == {accepted.id, confirmed.id, already.proposal_id}
    assert not {p.id for p in others} & set(slots)
    assert slots[accepted.id].kind is SlotKind.TALK
    assert slots[accepted.id].duration_minutes == 20
    assert slots[accepted.id].starts_at is None
    assert editor.ensure_slots(event=event, now=NOW) == 0
    assert db.session.scalar(select(func.count(Slot.id)).where(Slot.event_id == event.id)) == 3


def test_ensure_settings_creates_the_defaults_once(event):
    first = editor.ensure_settings(event, NOW)
    second = editor.ensure_settings(event, NOW)

    assert first.id == second.id
    assert (first.granularity_minutes, first.speaker_buffer_minutes) == (15, 10)
    assert first.severities == {}


# --- conflicts that block saving ----------------------------------------------------------------


def test_a_change_creating_a_conflict_that_blocks_saving_is_refused(event, rooms, olga):
    a, b = rooms
    settings(event, severities={"room_overlap": "blocks_saving"})
    make_talk(event, title="Graphs", room=a, starts_at=lisbon(27, 10))
    trees = make_talk(event, title="Trees", room=b, starts_at=lisbon(27, 10))
    db.session.commit()

    with pytest.raises(WrongState) as error:
        move(event, trees, a, lisbon(27, 10, 15), olga)
    db.session.rollback()

    assert error.value.status_code == 409
    assert error.value.message.startswith("Not saved: “Graphs” (Room A, Sat 27 Mar 10:00")
    assert "overlap in Room A" in error.value.message
    assert place_of(trees) == (b.id, lisbon(27, 10))
    assert trees.version == 1
    assert edits(trees) == []


def test_the_same_change_is_saved_when_the_rule_is_a_warning(event, rooms, olga):
    a, b = rooms
    settings(event, severities={"room_overlap": "warning"})
    graphs = make_talk(event, title="Graphs", room=a, starts_at=lisbon(27, 10))
    trees = make_talk(event, title="Trees", room=b, starts_at=lisbon(27, 10))

    move(event, trees, a, lisbon(27, 10, 15), olga)
    db.session.commit()

    assert place_of(trees) == (a.id, lisbon(27, 10, 15))
    [conflict] = find_conflicts(build_plan(event))
    assert set(conflict.session_ids) == {graphs.id, trees.id}


def test_a_conflict_there_before_does_not_block_other_changes(event, rooms, olga):
    # "Blocks saving" refuses the change that makes a conflict; a conflict that was already
    # there (the rule was set afterwards) must not stop organizers from working on it.
    a, _ = rooms
    graphs = make_talk(event, title="Graphs", room=a, starts_at=lisbon(27, 10))
    make_talk(event, title="Trees", room=a, starts_at=lisbon(27, 10, 10))
    settings(event, severities={"room_overlap": "blocks_saving"})

    editor.update_details(
        event=event,
        slot=graphs,
        details=details(stream_url="https://stream.example.org/graphs"),
        version=1,
        actor=olga,
        now=NOW,
    )
    move(event, graphs, a, lisbon(27, 9, 45), olga)  # still overlapping: not a new conflict

    assert graphs.stream_url == "https://stream.example.org/graphs"
    assert place_of(graphs) == (a.id, lisbon(27, 9, 45))


def test_putting_a_talk_in_a_block_can_double_book_its_speaker(event, rooms, olga):
    a, b = rooms
    settings(event, severities={"speaker_double_booked": "blocks_saving"})
    ana = make_user(name="Ana")
    block = make_slot(event, kind=SlotKind.CONTAINER, room=a, starts_at=lisbon(27, 11))
    make_talk(event, ana, title="Big idea", room=b, starts_at=lisbon(27, 11))
    tiny = make_talk(event, ana, title="Tiny idea")
    db.session.commit()

    with pytest.raises(WrongState, match="Ana is in two places at once"):
        editor.put_in_container(
            event=event, slot=tiny, container=block, position=None, version=1, actor=olga, now=NOW
        )
    db.session.rollback()

    assert tiny.parent_id is None
    assert build_plan(event).sessions[block.id].child_ids == ()


def test_resizing_into_the_next_session_can_be_refused(event, rooms, olga):
    a, _ = rooms
    settings(event, severities={"room_overlap": "blocks_saving"})
    graphs = make_talk(event, title="Graphs", room=a, starts_at=lisbon(27, 10))
    make_talk(event, title="Trees", room=a, starts_at=lisbon(27, 10, 30))
    db.session.commit()

    editor.resize(event=event, slot=graphs, duration_minutes=30, version=1, actor=olga, now=NOW)
    with pytest.raises(WrongState, match="overlap in Room A"):
        editor.resize(event=event, slot=graphs, duration_minutes=45, version=2, actor=olga, now=NOW)
    db.session.rollback()

    assert graphs.duration_minutes == 20  # the rollback undoes everything since the commit


def test_other_services_check_blocking_conflicts_the_same_way(event, rooms):
    a, _ = rooms
    settings(event, severities={"room_overlap": "blocks_saving"})
    make_talk(event, title="Graphs", room=a, starts_at=lisbon(27, 10))
    coffee = make_slot(event, kind=SlotKind.PLENARY, title="Coffee")
    assert editor.blocking_before(make_event()) is None  # no settings: nothing blocks

    before = editor.blocking_before(event)
    assert before == set()
    coffee.room_id, coffee.starts_at = a.id, lisbon(27, 10)
    db.session.flush()

    with pytest.raises(WrongState, match=r"“Coffee” .* overlap in Room A"):
        editor.refuse_new_blocking(event, before)
    editor.refuse_new_blocking(event, editor.blocking_before(event))  # now it was there before


# --- undo --------------------------------------------------------------------------------------


def test_undo_puts_a_session_back(event, rooms, olga):
    a, b = rooms
    slot = make_talk(event, title="Graphs", room=a, starts_at=lisbon(27, 10))
    move(event, slot, b, lisbon(27, 14), olga)

    returned = editor.undo_last(event=event, actor=olga, now=LATER)

    assert returned is slot
    assert place_of(slot) == (a.id, lisbon(27, 10))
    assert slot.version == 3
    assert [(e.action, e.undone_at) for e in edits(slot)] == [("move", LATER), ("undo", LATER)]
    assert editor.last_edit(event, olga) is None


def test_undo_puts_details_back(event, olga):
    slot = make_talk(event, title="Graphs")
    editor.update_details(
        event=event,
        slot=slot,
        details=details(expected_audience=80, pinned=True, stream_url="https://x.example/s"),
        version=1,
        actor=olga,
        now=NOW,
    )

    editor.undo_last(event=event, actor=olga, now=NOW)

    assert (slot.expected_audience, slot.pinned, slot.stream_url) == (None, False, "")


def test_a_second_undo_undoes_my_change_before_not_someone_elses(event, rooms, olga, pedro):
    a, b = rooms
    graphs = make_talk(event, title="Graphs", room=a, starts_at=lisbon(27, 10))
    trees = make_talk(event, title="Trees", room=a, starts_at=lisbon(27, 11))
    move(event, graphs, b, lisbon(27, 14), olga)
    move(event, trees, b, lisbon(27, 15), pedro)
    move(event, graphs, b, lisbon(27, 16), olga)

    editor.undo_last(event=event, actor=olga, now=NOW)
    assert place_of(graphs) == (b.id, lisbon(27, 14))
    editor.undo_last(event=event, actor=olga, now=NOW)

    assert place_of(graphs) == (a.id, lisbon(27, 10))
    assert place_of(trees) == (b.id, lisbon(27, 15))  # Pedro's change stays
    with pytest.raises(ValidationFailed, match="There is no change of yours to undo"):
        editor.undo_last(event=event, actor=olga, now=NOW)
    editor.undo_last(event=event, actor=pedro, now=NOW)
    assert place_of(trees) == (a.id, lisbon(27, 11))


def test_undo_is_refused_when_someone_changed_the_session_since(event, rooms, olga, pedro):
    a, b = rooms
    slot = make_talk(event, title="Graphs", room=a, starts_at=lisbon(27, 10))
    move(event, slot, b, lisbon(27, 14), olga)
    move(event, slot, b, lisbon(27, 16), pedro)

    with pytest.raises(WrongState) as error:
        editor.undo_last(event=event, actor=olga, now=NOW)

    assert error.value.message == (
        "Pedro Planner changed “Graphs” after your change, so undoing it would overwrite their "
        "work. Change it by hand instead."
    )
    assert place_of(slot) == (b.id, lisbon(27, 16))


def test_undo_is_refused_after_an_unjournaled_change(event, rooms, olga, pedro):
    # Changes made elsewhere (the block pages, the automatic scheduler) also bump the version.
    a, b = rooms
    slot = make_talk(event, title="Graphs", room=a, starts_at=lisbon(27, 10))
    move(event, slot, b, lisbon(27, 14), olga)
    slot.pinned = True
    slot.updated_by_id = pedro.id
    db.session.flush()

    with pytest.raises(WrongState, match="Pedro Planner changed “Graphs” after your change"):
        editor.undo_last(event=event, actor=olga, now=NOW)


def test_undo_is_refused_when_the_room_is_gone(event, rooms, olga):
    a, b = rooms
    slot = make_talk(event, title="Graphs", room=a, starts_at=lisbon(27, 10))
    move(event, slot, b, lisbon(27, 14), olga)
    db.session.delete(a)
    db.session.flush()

    with pytest.raises(WrongState) as error:
        editor.undo_last(event=event, actor=olga, now=NOW)

    assert error.value.message == (
        "“Graphs” cannot go back: the room it was in has been deleted. Place it by hand instead."
    )
    assert place_of(slot) == (b.id, lisbon(27, 14))


def test_undo_after_my_block_was_reordered_says_so(event, olga):
    block = make_slot(event, kind=SlotKind.CONTAINER)
    first, second = make_talk(event, title="First"), make_talk(event, title="Second")
    for slot in (first, second):
        editor.put_in_container(
            event=event,
            slot=slot,
            container=block,
            position=None,
            version=None,
            actor=olga,
            now=NOW,
        )
    editor.put_in_container(
        event=event, slot=second, container=block, position=0, version=None, actor=olga, now=NOW
    )  # renumbers First, whose version changes outside its journal
    editor.undo_last(event=event, actor=olga, now=NOW)  # Second goes back to the end
    editor.undo_last(event=event, actor=olga, now=NOW)  # Second leaves the block

    with pytest.raises(WrongState, match="“First” has changed since your last change to it"):
        editor.undo_last(event=event, actor=olga, now=NOW)
    assert first.parent_id == block.id


def test_undo_is_refused_when_it_would_create_a_conflict_that_blocks_saving(
    event, rooms, olga, pedro
):
    a, b = rooms
    settings(event, severities={"room_overlap": "blocks_saving"})
    graphs = make_talk(event, title="Graphs", room=a, starts_at=lisbon(27, 10))
    trees = make_talk(event, title="Trees", room=b, starts_at=lisbon(27, 14))
    move(event, graphs, b, lisbon(27, 11), olga)
    move(event, trees, a, lisbon(27, 10), pedro)  # takes the place Graphs left
    db.session.commit()

    with pytest.raises(WrongState, match="overlap in Room A"):
        editor.undo_last(event=event, actor=olga, now=NOW)
    db.session.rollback()

    assert place_of(graphs) == (b.id, lisbon(27, 11))
    assert editor.last_edit(event, olga).action == "move"


# --- two organizers, one session ---------------------------------------------------------------


def test_a_stale_version_is_refused_and_names_who_changed_it(event, rooms, olga, pedro):
    a, b = rooms
    slot = make_talk(event, title="Graphs", room=a, starts_at=lisbon(27, 10))
    db.session.commit()
    olgas_version = pedros_version = slot.version  # both load the editor

    move(event, slot, b, lisbon(27, 14), olga, version=olgas_version, now=lisbon(27, 8, 30))
    db.session.commit()
    with pytest.raises(WrongState) as error:
        move(event, slot, a, lisbon(27, 16), pedro, version=pedros_version)
    db.session.rollback()

    assert error.value.status_code == 409
    assert error.value.message == (
        "Olga Organizer changed “Graphs” at 08:30 while you were editing. Your change was not "
        "saved; the schedule now shows their version, so you can try again."
    )
    assert place_of(slot) == (b.id, lisbon(27, 14))  # Olga's change is still there
    assert slot.updated_by_id == olga.id
    assert [e.actor_id for e in edits(slot)] == [olga.id]


def test_my_own_change_in_another_tab_is_named_as_mine(event, rooms, olga):
    a, b = rooms
    slot = make_talk(event, title="Graphs", room=a, starts_at=lisbon(27, 10))

    move(event, slot, b, lisbon(27, 14), olga, version=1)
    with pytest.raises(WrongState, match=r"You changed “Graphs” at \d\d:\d\d in another window"):
        move(event, slot, a, lisbon(27, 16), olga, version=1)


@pytest.mark.parametrize(
    "change",
    [
        lambda event, slot, actor: editor.unschedule(
            event=event, slot=slot, version=1, actor=actor, now=NOW
        ),
        lambda event, slot, actor: editor.resize(
            event=event, slot=slot, duration_minutes=30, version=1, actor=actor, now=NOW
        ),
        lambda event, slot, actor: editor.update_details(
            event=event, slot=slot, details=details(pinned=True), version=1, actor=actor, now=NOW
        ),
    ],
    ids=["unschedule", "resize", "details"],
)
def test_every_change_checks_the_version(event, rooms, olga, pedro, change):
    slot = make_talk(event, title="Graphs", room=rooms[0], starts_at=lisbon(27, 10))
    move(event, slot, rooms[1], lisbon(27, 14), olga, version=1)

    with pytest.raises(WrongState, match="Olga Organizer changed “Graphs”"):
        change(event, slot, pedro)
    assert slot.version == 2


def test_two_changes_that_both_passed_the_version_check(event, rooms, olga, pedro):
    # Pedro's request read version 1 and checks it; Olga's request saves between his check and
    # his write. Simulated by bumping the row with Core SQL (which the ORM does not see) just
    # before Pedro's flush: his UPDATE ... WHERE version = 1 then matches no row.
    a, b = rooms
    slot = make_talk(event, title="Graphs", room=a, starts_at=lisbon(27, 10))
    db.session.commit()
    assert slot.version == 1  # loaded: the ORM will write "WHERE version = 1"
    table = Slot.__table__

    def olga_saves_first(session, flush_context, instances):
        session.connection().execute(
            sa.update(table)
            .where(table.c.id == slot.id)
            .values(version=table.c.version + 1, updated_by_id=olga.id)
        )

    session = db.session()
    sa.event.listen(session, "before_flush", olga_saves_first, once=True)
    try:
        with pytest.raises(WrongState) as error:
            move(event, slot, b, lisbon(27, 16), pedro, version=1)
    finally:
        if sa.event.contains(session, "before_flush", olga_saves_first):
            sa.event.remove(session, "before_flush", olga_saves_first)

    assert error.value.status_code == 409
    assert error.value.message == (
        "Someone else changed “Graphs” at the same moment, so your change was not saved. "
        "Reload the schedule and try again."
    )
    assert isinstance(error.value.__cause__, sa.orm.exc.StaleDataError)
    db.session.rollback()
    # The rollback also undoes the simulated write (it was in the same transaction); what
    # matters is that Pedro's change was not written over it.
    assert place_of(slot) == (a.id, lisbon(27, 10))
    assert edits(slot) == []


def test_a_version_bumped_behind_the_orms_back_before_the_change(event, rooms, olga, pedro):
    a, b = rooms
    slot = make_talk(event, title="Graphs", room=a, starts_at=lisbon(27, 10))
    db.session.commit()
    assert slot.version == 1
    table = Slot.__table__
    db.session.connection().execute(
        sa.update(table).where(table.c.id == slot.id).values(version=2, updated_by_id=olga.id)
    )

    with pytest.raises(WrongState):
        move(event, slot, b, lisbon(27, 16), pedro, version=1)
    db.session.rollback()

    assert place_of(slot) == (a.id, lisbon(27, 10))
