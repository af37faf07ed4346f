"""The schedule set-up pages over HTTP: who may open them, what they save, how they say what is
wrong (keeping what was typed), and lists whose number of queries does not grow."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from organizer.enums import (
    ConflictRule,
    EventRoleName,
    ProposalState,
    Severity,
    SlotKind,
)
from organizer.extensions import db
from organizer.models import (
    Room,
    RoomWindow,
    ScheduleDay,
    ScheduleSettings,
    Slot,
    SpeakerAvailability,
    SpeakerProfile,
)
from tests.factories import (
    NOW,
    grant_role,
    lisbon,
    login_as,
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


def url(event, path: str = "") -> str:
    return f"/manage/{event.slug}/schedule/setup/{path}"


def field_error(html: str, field: str) -> str:
    """The message shown next to a field, checking that the input points at it."""
    match = re.search(rf'id="{field}-error">\s*<span[^>]*>[^<]*</span>\s*([^<]+)', html)
    assert match, f"no error shown for {field}"
    assert re.search(rf'aria-describedby="[^"]*{field}-error', html), field
    return match.group(1).strip()


@pytest.fixture
def organizer(client):
    person = make_user(name="Olga Organizer")
    event = make_schedule_event(person, hours=None, slug="sched", name="Schedule Workshop")
    login_as(client, person)
    return person, event


@pytest.fixture
def event(organizer):
    return organizer[1]


def settings_form(**changes) -> dict[str, str]:
    values = {
        "granularity_minutes": "15",
        "speaker_buffer_minutes": "10",
        "solver_time_limit_seconds": "10",
        **{f"severity_{rule.value}": "warning" for rule in ConflictRule},
    }
    return {**values, **changes}


def room_form(**changes) -> dict[str, str]:
    return {
        "name": "Main hall",
        "capacity": "120",
        "step_free": "y",
        "accessibility_notes": "Lift by the door.",
        "stream_url": "https://meet.example.org/main",
        **changes,
    }


def all_pages(event) -> list[str]:
    """Every page, with real ids."""
    days = make_event_days(event)
    room = make_room(event, "Aula")
    item = make_slot(event, kind=SlotKind.CONTAINER)
    speaker = make_user()
    make_talk(event, speaker)
    return [
        url(event),
        url(event, "rooms"),
        url(event, "rooms/new"),
        url(event, f"rooms/{room.id}"),
        url(event, f"rooms/{room.id}/delete"),
        url(event, "days"),
        url(event, f"days/{days[0].id}"),
        url(event, f"days/{days[0].id}/delete"),
        url(event, "items"),
        url(event, "items/new-plenary"),
        url(event, "items/new-block"),
        url(event, f"items/{item.id}"),
        url(event, f"items/{item.id}/delete"),
        url(event, "speakers"),
        url(event, f"speakers/{speaker.id}"),
        url(event, f"speakers/{speaker.id}/availability/reset"),
    ]


# Access --------------------------------------------------------------------------------------


def test_every_page_opens_for_organizers_with_the_tabs(client, event):
    for page_url in all_pages(event):
        response = client.get(page_url)
        assert response.status_code == 200, page_url
        assert 'aria-label="Schedule set-up"' in response.text
        assert 'aria-current="page"' in response.text or 'aria-current="true"' in response.text


def test_anonymous_visitors_sign_in_and_others_are_refused(client, event):
    pages = all_pages(event)
    for page_url in pages:
        response = client.get(page_url)
        assert response.status_code == 200, page_url
    with client.session_transaction() as session:
        session.clear()
    for page_url in pages:
        response = client.get(page_url)
        assert response.status_code == 302, page_url
        assert response.location.startswith("/login?next="), page_url
    reviewer = make_user()
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    login_as(client, reviewer)
    for page_url in pages:
        assert client.get(page_url).status_code == 403, page_url
    assert client.post(url(event, "rooms/new"), data=room_form()).status_code == 403
    assert db.session.scalar(select(Room).where(Room.name == "Main hall")) is None


def test_another_events_rooms_days_items_and_speakers_are_not_found(client, event):
    other = make_event(slug="other")
    make_cfp(other)
    room = make_room(other, "Elsewhere")
    day = make_day(other, dt.date(2027, 3, 27))
    item = make_slot(other, kind=SlotKind.PLENARY)
    container = make_slot(other, kind=SlotKind.CONTAINER)
    speaker = make_user()
    talk = make_talk(other, speaker)
    own_talk = make_slot(event)  # a talk is not an item
    for page_url in (
        url(event, f"rooms/{room.id}"),
        url(event, f"rooms/{room.id}/delete"),
        url(event, f"days/{day.id}"),
        url(event, f"days/{day.id}/delete"),
        url(event, f"items/{item.id}"),
        url(event, f"items/{item.id}/delete"),
        url(event, f"items/{own_talk.id}"),
        url(event, f"speakers/{speaker.id}"),
    ):
        assert client.get(page_url).status_code == 404, page_url
    for page_url, data in (
        (url(event, f"rooms/{room.id}"), room_form()),
        (url(event, f"rooms/{room.id}/move"), {"direction": "up"}),
        (url(event, f"rooms/{room.id}/delete"), {}),
        (url(event, f"days/{day.id}/delete"), {}),
        (url(event, f"items/{container.id}/talks"), {"add-talk": str(talk.id)}),
        (url(event, f"speakers/{speaker.id}/availability/reset"), {}),
    ):
        assert client.post(page_url, data=data).status_code == 404, page_url
    assert db.session.get(Room, room.id) is not None
    assert db.session.get(ScheduleDay, day.id) is not None


# Settings ------------------------------------------------------------------------------------


def test_settings_page_shows_defaults_and_saves(client, event):
    page = client.get(url(event))
    assert page.status_code == 200
    assert "walking time between rooms" in page.text
    assert "<legend>A speaker in two places at once</legend>" in page.text
    assert 'value="blocks_saving"' in page.text and "Blocks a release" in page.text
    assert re.search(r'value="15"[^>]*checked|checked[^>]*value="15"', page.text)
    assert db.session.scalar(select(ScheduleSettings)) is None  # a visit saves nothing
    response = client.post(
        url(event),
        data=settings_form(
            granularity_minutes="5",
            speaker_buffer_minutes="20",
            severity_room_overlap="blocks_saving",
        ),
    )
    assert response.status_code == 302 and response.location == url(event)
    saved = db.session.scalars(select(ScheduleSettings)).one()
    assert (saved.granularity_minutes, saved.speaker_buffer_minutes) == (5, 20)
    assert saved.severities["room_overlap"] == Severity.BLOCKS_SAVING.value
    page = client.get(url(event))
    assert re.search(r'value="5"[^>]*checked|checked[^>]*value="5"', page.text)


def test_settings_bad_input_keeps_what_was_typed(client, event):
    response = client.post(
        url(event), data=settings_form(speaker_buffer_minutes="300", solver_time_limit_seconds="42")
    )
    assert response.status_code == 400
    assert "from 0 to 240 minutes" in field_error(response.text, "speaker_buffer_minutes")
    assert 'value="300"' in response.text and 'value="42"' in response.text
    assert "There is a problem" in response.text
    assert db.session.scalar(select(ScheduleSettings.solver_time_limit_seconds)) is None


def test_a_coarser_grid_is_refused_while_sessions_would_be_stranded(client, event):
    db.session.add(
        ScheduleSettings(event_id=event.id, granularity_minutes=5, severities={}, updated_at=NOW)
    )
    make_event_days(event)
    slot = make_slot(event, room=make_room(event, "Aula"), starts_at=lisbon(27, 10, 5))
    response = client.post(url(event), data=settings_form(granularity_minutes="15"))
    assert response.status_code == 400
    message = field_error(response.text, "granularity_minutes")
    assert message.startswith("1 session starts off the 15-minute grid")
    assert slot.display_title in message and "10:05" in message
    assert db.session.scalar(select(ScheduleSettings.granularity_minutes)) == 5


# Rooms ---------------------------------------------------------------------------------------


def test_adding_editing_and_ordering_rooms(client, event):
    empty = client.get(url(event, "rooms"))
    assert "No rooms yet" in empty.text
    response = client.post(url(event, "rooms/new"), data=room_form(hearing_loop="y"))
    assert response.status_code == 302 and response.location == url(event, "rooms")
    room = db.session.scalars(select(Room).where(Room.event_id == event.id)).one()
    assert (room.capacity, room.step_free, room.hearing_loop, room.captioning) == (
        120,
        True,
        True,
        False,
    )
    assert room.stream_url == "https://meet.example.org/main" and not room.stream_public
    make_room(event, "Library", step_free=False, capacity=None)
    page = client.get(url(event, "rooms"))
    assert "step-free, hearing loop" in page.text
    assert "no step-free access, hearing loop or captioning" in page.text
    assert "whenever the day is" in page.text and "unknown" in page.text
    response = client.post(
        url(event, f"rooms/{room.id}"), data=room_form(name="Great hall", stream_public="y")
    )
    assert response.status_code == 302
    db.session.refresh(room)
    assert room.name == "Great hall" and room.stream_public and not room.hearing_loop
    page = client.get(url(event, "rooms"))
    assert f'action="{url(event, f"rooms/{room.id}/move")}"' in page.text
    response = client.post(url(event, f"rooms/{room.id}/move"), data={"direction": "down"})
    assert response.status_code == 302
    names = db.session.scalars(
        select(Room.name).where(Room.event_id == event.id).order_by(Room.position)
    ).all()
    assert names == ["Library", "Great hall"]


def test_room_form_errors_keep_what_was_typed(client, event):
    make_room(event, "Main hall")
    response = client.post(
        url(event, "rooms/new"),
        data=room_form(name="main HALL", capacity="-3", stream_url="ftp://files.example.org"),
    )
    assert response.status_code == 400
    assert "already a room called “main HALL”" in field_error(response.text, "name")
    assert "from 0 to" in field_error(response.text, "capacity")
    assert "https://" in field_error(response.text, "stream_url")
    assert 'value="main HALL"' in response.text and "Lift by the door." in response.text
    assert 'value="ftp://files.example.org"' in response.text
    assert db.session.scalar(select(Room.id).where(Room.name == "main HALL")) is None
    response = client.post(url(event, "rooms/new"), data=room_form(name="", capacity="lots"))
    assert response.status_code == 400
    assert "Enter the room" in field_error(response.text, "name")
    assert "whole number" in field_error(response.text, "capacity")


def test_room_windows_are_added_in_the_event_zone_and_removed(client, event):
    make_event_days(event)
    room = make_room(event, "Aula")
    page = client.get(url(event, f"rooms/{room.id}"))
    assert "open whenever the day is" in page.text
    assert '<option value="2027-03-28">Sunday 28 March</option>' in page.text
    response = client.post(
        url(event, f"rooms/{room.id}/windows"),
        data={"window-day": "2027-03-28", "window-starts": "13:00", "window-ends": "17:30"},
    )
    assert response.status_code == 302
    window = db.session.scalars(select(RoomWindow)).one()
    assert window.starts_at == dt.datetime(2027, 3, 28, 12, tzinfo=UTC)  # summer time
    window_id = window.id
    page = client.get(url(event, f"rooms/{room.id}"))
    assert "13:00" in page.text and "17:30" in page.text
    response = client.post(
        url(event, f"rooms/{room.id}/windows"),
        data={"window-day": "2027-03-27", "window-starts": "07:00", "window-ends": "10:00"},
    )
    assert response.status_code == 400
    assert "a window has to fit inside it" in field_error(response.text, "window-starts")
    assert 'value="07:00"' in response.text and 'value="10:00"' in response.text
    assert '<option selected value="2027-03-27">' in response.text
    assert 'value="Aula"' in response.text  # the room's own form still shows the room
    remove = url(event, f"rooms/{room.id}/windows/{window_id}/delete")
    assert client.post(remove).status_code == 302
    assert db.session.scalars(select(RoomWindow)).all() == []
    assert client.post(remove).status_code == 404


def test_deleting_a_room_says_how_many_sessions_become_unscheduled(client, event):
    make_event_days(event)
    room = make_room(event, "Aula")
    talks = [make_slot(event, room=room, starts_at=lisbon(27, h)) for h in (10, 11)]
    page = client.get(url(event, f"rooms/{room.id}/delete"))
    assert "2 sessions are placed in it. They will become unscheduled" in page.text
    room_id = room.id
    response = client.post(url(event, f"rooms/{room_id}/delete"))
    assert response.status_code == 302 and response.location == url(event, "rooms")
    assert db.session.get(Room, room_id) is None
    for talk in talks:
        db.session.refresh(talk)
        assert talk.room_id is None and talk.starts_at is None


# Days ----------------------------------------------------------------------------------------


def test_adding_the_event_days_and_changing_hours_across_dst(client, event):
    page = client.get(url(event, "days"))
    assert "No days yet" in page.text and "Add the event's days" in page.text
    response = client.post(url(event, "days/event-days"))
    assert response.status_code == 302
    saturday, sunday = db.session.scalars(select(ScheduleDay).order_by(ScheduleDay.day)).all()
    assert saturday.starts_at == dt.datetime(2027, 3, 27, 9, tzinfo=UTC)
    assert sunday.starts_at == dt.datetime(2027, 3, 28, 8, tzinfo=UTC)
    page = client.get(url(event, "days"))
    assert "Add the event's days" not in page.text and page.text.count("09:00") >= 2
    response = client.post(
        url(event, f"days/{sunday.id}"), data={"starts": "10:00", "ends": "23:55"}
    )
    assert response.status_code == 302
    db.session.refresh(sunday)
    assert sunday.starts_at == dt.datetime(2027, 3, 28, 9, tzinfo=UTC)
    assert sunday.ends_at == dt.datetime(2027, 3, 28, 22, 55, tzinfo=UTC)
    response = client.post(
        url(event, f"days/{sunday.id}"), data={"starts": "18:00", "ends": "10:00"}
    )
    assert response.status_code == 400
    assert "end after it starts" in field_error(response.text, "ends")
    assert 'value="18:00"' in response.text


def test_adding_a_day_outside_the_event_is_refused_with_the_date_kept(client, event):
    response = client.post(
        url(event, "days"), data={"day": "2027-04-02", "starts": "09:00", "ends": "12:00"}
    )
    assert response.status_code == 400
    assert "Choose one of the event" in field_error(response.text, "day")
    assert 'value="2027-04-02"' in response.text and 'value="12:00"' in response.text
    response = client.post(
        url(event, "days"), data={"day": "2027-03-28", "starts": "09:00", "ends": "12:00"}
    )
    assert response.status_code == 302
    assert db.session.scalars(select(ScheduleDay.day)).all() == [dt.date(2027, 3, 28)]


def test_a_day_with_placed_sessions_is_not_deleted(client, event):
    saturday, sunday = make_event_days(event)
    make_slot(event, room=make_room(event, "Aula"), starts_at=lisbon(28, 10))
    page = client.get(url(event, f"days/{sunday.id}/delete"))
    assert "1 session is placed on it" in page.text
    response = client.post(url(event, f"days/{sunday.id}/delete"))
    assert response.status_code == 409
    assert "1 session is placed on Sunday 28 March" in response.text
    assert db.session.get(ScheduleDay, sunday.id) is not None
    saturday_id = saturday.id
    response = client.post(url(event, f"days/{saturday_id}/delete"))
    assert response.status_code == 302
    assert db.session.get(ScheduleDay, saturday_id) is None


# Plenary items and blocks --------------------------------------------------------------------


def test_adding_a_plenary_item_and_the_items_list(client, event):
    assert "No plenary items or blocks yet" in client.get(url(event, "items")).text
    response = client.post(
        url(event, "items/new-plenary"),
        data={"kind": "lunch", "title": "", "duration_minutes": "60", "all_rooms": "y"},
    )
    assert response.status_code == 302 and response.location == url(event, "items")
    lunch = db.session.scalars(select(Slot).where(Slot.kind == SlotKind.PLENARY)).one()
    assert (lunch.title, lunch.duration_minutes, lunch.all_rooms) == ("Lunch", 60, True)
    page = client.get(url(event, "items"))
    assert "Lunch" in page.text and "not placed yet" in page.text and "60 min" in page.text
    response = client.post(
        url(event, f"items/{lunch.id}"),
        data={"kind": "social", "title": "Dinner by the river", "duration_minutes": "120"},
    )
    assert response.status_code == 302
    db.session.refresh(lunch)
    assert (lunch.title, lunch.all_rooms) == ("Dinner by the river", False)


def test_an_item_off_the_grid_is_refused_with_the_values_kept(client, event):
    response = client.post(
        url(event, "items/new-plenary"),
        data={"kind": "keynote", "title": "Opening keynote", "duration_minutes": "50"},
    )
    assert response.status_code == 400
    assert "multiple of 15" in field_error(response.text, "duration_minutes")
    assert 'value="Opening keynote"' in response.text and 'value="50"' in response.text
    assert re.search(r'checked[^>]*value="keynote"|value="keynote"[^>]*checked', response.text)
    assert db.session.scalars(select(Slot)).all() == []


def test_a_blocks_talks_are_added_ordered_and_removed(client, event):
    response = client.post(
        url(event, "items/new-block"),
        data={"kind": "lightning", "title": "Lightning talks", "duration_minutes": "30"},
    )
    assert response.status_code == 302
    block = db.session.scalars(select(Slot).where(Slot.kind == SlotKind.CONTAINER)).one()
    first = make_proposal(event, state=ProposalState.ACCEPTED, title="First words")
    second = make_proposal(event, state=ProposalState.CONFIRMED, title="Second thoughts")
    make_proposal(event, state=ProposalState.SUBMITTED, title="Not accepted")
    page = client.get(url(event, f"items/{block.id}"))  # the talks get their slots here
    assert "First words" in page.text and "Second thoughts" in page.text
    assert "Not accepted" not in page.text and "No talks yet" in page.text
    slots = {s.proposal_id: s for s in db.session.scalars(select(Slot).where(Slot.kind == "talk"))}
    for proposal in (first, second):
        response = client.post(
            url(event, f"items/{block.id}/talks"), data={"add-talk": str(slots[proposal.id].id)}
        )
        assert response.status_code == 302
    page = client.get(url(event, f"items/{block.id}"))
    assert "The talks need 40 minutes; the block is 30 minutes long." in page.text
    assert "Too short" in page.text
    assert page.text.index("First words") < page.text.index("Second thoughts")
    second_slot = slots[second.id]
    response = client.post(
        url(event, f"items/{block.id}/talks/{second_slot.id}/move"), data={"direction": "up"}
    )
    assert response.status_code == 302
    db.session.refresh(block)
    assert [c.proposal_id for c in block.children] == [second.id, first.id]
    response = client.post(url(event, f"items/{block.id}/talks/{second_slot.id}/remove"))
    assert response.status_code == 302
    db.session.refresh(block)
    assert [c.proposal_id for c in block.children] == [first.id]
    response = client.post(url(event, f"items/{block.id}/talks"), data={"add-talk": "999999"})
    assert response.status_code == 400
    assert "Choose an accepted talk" in field_error(response.text, "add-talk")
    block_id = block.id
    page = client.get(url(event, f"items/{block_id}/delete"))
    assert "Its 1 talk goes back" in page.text
    response = client.post(url(event, f"items/{block_id}/delete"))
    assert response.status_code == 302
    assert db.session.get(Slot, block_id) is None
    db.session.refresh(slots[first.id])
    assert slots[first.id].parent_id is None


# Speakers ------------------------------------------------------------------------------------


def test_speakers_list_and_a_remote_speakers_times_in_their_zone(client, event):
    ana = make_user(name="Ana Andrade")
    bea = make_user(name="Beatriz Bogotá")
    make_talk(event, ana, title="Rivers")
    make_talk(event, bea, state=ProposalState.ACCEPTED, title="Lakes")
    db.session.add(
        SpeakerProfile(
            event_id=event.id,
            user_id=ana.id,
            availability={"2027-03-27": "morning", "2027-03-28": "none"},
            updated_at=NOW,
        )
    )
    page = client.get(url(event, "speakers"))
    assert page.status_code == 200
    assert "Ana Andrade" in page.text and "Beatriz Bogotá" in page.text
    assert "Any time" in page.text and "Sat 27 Mar 08:00–13:00" in page.text  # noqa: RUF001
    response = client.post(
        url(event, f"speakers/{bea.id}"),
        data={"remote": "y", "timezone": "America/Bogota", "needs_step_free": "y"},
    )
    assert response.status_code == 302
    profile = db.session.scalars(
        select(SpeakerProfile).where(SpeakerProfile.user_id == bea.id)
    ).one()
    assert (profile.remote, profile.timezone, profile.needs_step_free) == (
        True,
        "America/Bogota",
        True,
    )
    page = client.get(url(event, f"speakers/{bea.id}"))
    assert "In the speaker&#39;s time zone, America/Bogota" in page.text
    assert '<option value="2027-03-26">Friday 26 March</option>' in page.text
    assert '<option selected value="2027-03-27">Saturday 27 March</option>' in page.text
    response = client.post(
        url(event, f"speakers/{bea.id}/availability"),
        data={"interval-day": "2027-03-28", "interval-starts": "04:00", "interval-ends": "08:00"},
    )
    assert response.status_code == 302
    row = db.session.scalars(select(SpeakerAvailability)).one()
    assert (row.starts_at, row.ends_at) == (
        dt.datetime(2027, 3, 28, 9, tzinfo=UTC),
        dt.datetime(2027, 3, 28, 13, tzinfo=UTC),
    )
    page = client.get(url(event, f"speakers/{bea.id}"))
    assert "Sun 28 Mar 04:00–08:00" in page.text  # noqa: RUF001 (their zone)
    assert "Sun 28 Mar 10:00–14:00" in page.text  # noqa: RUF001 (Lisbon, summer time)
    page = client.get(url(event, "speakers"))
    assert "Yes, from America/Bogota" in page.text and "Needed" in page.text
    response = client.post(
        url(event, f"speakers/{bea.id}/availability"),
        data={"interval-day": "2027-03-28", "interval-starts": "07:00", "interval-ends": "06:00"},
    )
    assert response.status_code == 400
    assert "end after it starts" in field_error(response.text, "interval-ends")
    assert 'value="07:00"' in response.text and 'value="06:00"' in response.text
    response = client.post(url(event, f"speakers/{bea.id}/availability/{row.id}/delete"))
    assert response.status_code == 302
    assert db.session.scalars(select(SpeakerAvailability)).all() == []


def test_speaker_page_shows_their_own_answers_and_resets_entered_times(client, event):
    ana = make_user(name="Ana Andrade")
    make_talk(event, ana)
    db.session.add(
        SpeakerProfile(
            event_id=event.id, user_id=ana.id, availability={"2027-03-28": "none"}, updated_at=NOW
        )
    )
    db.session.add(
        SpeakerAvailability(
            event_id=event.id, user_id=ana.id, starts_at=lisbon(27, 9), ends_at=lisbon(27, 12)
        )
    )
    page = client.get(url(event, f"speakers/{ana.id}"))
    assert "Not available" in page.text and "All day (08:00 to 20:00)" in page.text
    assert "Use the speaker's own answers again" in page.text
    response = client.post(url(event, f"speakers/{ana.id}/availability/reset"))
    assert response.status_code == 302 and response.location == url(event, f"speakers/{ana.id}")
    assert db.session.scalars(select(SpeakerAvailability)).all() == []
    response = client.post(
        url(event, f"speakers/{ana.id}"), data={"remote": "y", "timezone": "Nowhere/Atlantis"}
    )
    assert response.status_code == 400
    assert "time zone from the list" in field_error(response.text, "timezone")


# Lists do not run a query per row ------------------------------------------------------------


def test_lists_run_the_same_number_of_queries_however_long(event, assert_constant_queries):
    make_event_days(event)

    def grow():
        room = make_room(event)
        room.windows.append(RoomWindow(starts_at=lisbon(27, 9), ends_at=lisbon(27, 12)))
        speaker = make_user()
        co = make_user()
        db.session.add(
            SpeakerProfile(
                event_id=event.id,
                user_id=speaker.id,
                availability={"2027-03-27": "morning"},
                remote=True,
                timezone="America/Bogota",
                updated_at=NOW,
            )
        )
        make_slot(
            event,
            make_proposal(event, speaker, state=ProposalState.CONFIRMED, co_speakers=(co,)),
            room=room,
            starts_at=lisbon(27, 10),
        )
        block = make_slot(event, kind=SlotKind.CONTAINER, room=room, starts_at=lisbon(27, 11))
        talk = make_talk(event, state=ProposalState.ACCEPTED)
        talk.parent_id = block.id
        make_slot(event, kind=SlotKind.PLENARY)
        db.session.flush()

    assert_constant_queries(
        [url(event, "rooms"), url(event, "items"), url(event, "speakers")], grow
    )
