"""The editor's JSON: the state (data.json) and the actions the browser's script sends (move,
unschedule, resize, undo, check), their errors, and two organizers editing the same session."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from organizer.enums import ConflictRule, EventRoleName, Severity, SlotKind
from organizer.extensions import db
from organizer.models import ScheduleEdit, Slot
from tests import conftest as harness
from tests.factories import (
    grant_role,
    lisbon,
    login_as,
    make_cfp,
    make_event,
    make_room,
    make_slot,
    make_user,
)
from tests.schedule_editor.conftest import Workshop, place, reload, settings

UTC = dt.UTC


def sessions(state: dict) -> dict[str, dict]:
    return {s["public_id"]: s for s in state["sessions"]}


def move_body(workshop: Workshop, slot: Slot, room: int, start: str, day: str = "2027-03-27"):
    return {
        "room_id": workshop.rooms[room].id,
        "day": day,
        "start": start,
        "version": reload(slot).version,
    }


# The state ------------------------------------------------------------------------------------


def test_data_json_has_the_whole_state(client, workshop):
    place(workshop, workshop.alpha, 0, 10)
    response = client.get(workshop.url("data.json"))
    assert response.status_code == 200
    state = response.get_json()
    assert [r["name"] for r in state["rooms"]] == ["Aula Magna", "Sala Dois", "Sala Três"]
    assert state["rooms"][0] == {
        "id": workshop.rooms[0].id,
        "name": "Aula Magna",
        "capacity": 120,
        "step_free": True,
    }
    assert [d["date"] for d in state["days"]] == ["2027-03-27", "2027-03-28"]
    first = state["days"][0]
    assert (first["start"], first["end"]) == ("09:00", "18:00")
    assert first["starts_at"] == "2027-03-27T09:00:00+00:00"  # Lisbon is on UTC in winter
    # Summer time from the 28th: 09:00 in Lisbon is 08:00 UTC.
    assert state["days"][1]["starts_at"] == "2027-03-28T08:00:00+00:00"
    assert state["granularity"] == 15
    alpha = sessions(state)[workshop.alpha.public_id]
    assert alpha["title"] == "Alpha methods"
    assert alpha["speakers"] == ["Sara Speaker"]
    assert alpha["track"] == "Methods"
    assert alpha["type"] == "Talk"
    assert alpha["duration"] == 20
    assert alpha["room_id"] == workshop.rooms[0].id
    assert alpha["starts_at"] == "2027-03-27T10:00:00+00:00"
    assert (alpha["start"], alpha["day"]) == ("10:00", "2027-03-27")
    assert alpha["state"] == "confirmed"
    assert alpha["version"] == reload(workshop.alpha).version
    assert alpha["url"] == workshop.session_url(workshop.alpha)
    assert alpha["label"].startswith("“Alpha methods”, Aula Magna, Sat 27 Mar 10:00")
    beta = sessions(state)[workshop.beta.public_id]
    assert beta["starts_at"] is None and beta["room_id"] is None
    assert beta["state"] == "accepted"
    assert state["conflicts"] == []
    assert state["undo"] is None
    # The grid: 36 rows of 15 minutes; alpha's cell at 10:00 in the first room.
    rows = state["grid"]["2027-03-27"]["rows"]
    assert len(rows) == 36
    assert rows[4]["start"] == "10:00"
    cell = next(c for c in rows[4]["cells"] if c["room_id"] == workshop.rooms[0].id)
    assert cell["sessions"] == [workshop.alpha.public_id]
    assert cell["rowspan"] == 2  # 20 minutes cover two 15-minute rows
    assert all(c["room_id"] != workshop.rooms[0].id for c in rows[5]["cells"])  # covered
    assert {"room_id": workshop.rooms[1].id, "row": 4} in rows[4]["cells"]  # empty


def test_a_container_shows_its_talks_and_a_plenary_item_spans_the_rooms(client, workshop):
    block = make_slot(
        workshop.event,
        kind=SlotKind.CONTAINER,
        title="Lightning round",
        duration_minutes=45,
        room=workshop.rooms[1],
        starts_at=lisbon(27, 14),
    )
    workshop.gamma.parent_id = block.id
    make_slot(
        workshop.event,
        kind=SlotKind.PLENARY,
        title="Lunch",
        duration_minutes=60,
        all_rooms=True,
        room=workshop.rooms[0],
        starts_at=lisbon(27, 12, 30),
    )
    db.session.flush()
    state = client.get(workshop.url("data.json")).get_json()
    by_title = {s["title"]: s for s in state["sessions"]}
    assert by_title["Lightning round"]["children"] == [workshop.gamma.public_id]
    assert by_title["Gamma applications"]["parent"] == block.public_id
    assert by_title["Lunch"]["all_rooms"] and by_title["Lunch"]["resizable"]
    rows = state["grid"]["2027-03-27"]["rows"]
    lunch_row = next(r for r in rows if r["start"] == "12:30")
    assert lunch_row["starts_at"] == "2027-03-27T12:30:00+00:00"
    assert lunch_row["cells"] == [
        {
            "room_id": workshop.rooms[0].id,
            "row": 14,
            "rowspan": 4,
            "colspan": 3,
            "sessions": [by_title["Lunch"]["public_id"]],
        }
    ]
    assert next(r for r in rows if r["start"] == "12:45")["cells"] == []


# Moving --------------------------------------------------------------------------------------


def test_move_saves_and_answers_with_the_new_state(client, workshop):
    response = client.post(
        workshop.session_url(workshop.beta, "move"),
        json=move_body(workshop, workshop.beta, 1, "11:15"),
    )
    assert response.status_code == 200, response.get_json()
    state = response.get_json()
    beta = sessions(state)[workshop.beta.public_id]
    assert (beta["room_id"], beta["start"], beta["day"]) == (
        workshop.rooms[1].id,
        "11:15",
        "2027-03-27",
    )
    assert state["undo"] == "Undo moving “Beta pipelines”"
    assert "Beta pipelines" in state["message"]
    saved = reload(workshop.beta)
    assert saved.room_id == workshop.rooms[1].id
    assert saved.starts_at == dt.datetime(2027, 3, 27, 11, 15, tzinfo=UTC)


def test_move_reads_the_time_in_the_event_zone_across_summer_time(client, workshop):
    response = client.post(
        workshop.session_url(workshop.beta, "move"),
        json=move_body(workshop, workshop.beta, 0, "09:00", day="2027-03-28"),
    )
    assert response.status_code == 200
    assert reload(workshop.beta).starts_at == dt.datetime(2027, 3, 28, 8, 0, tzinfo=UTC)


def test_move_off_the_grid_is_a_400_with_a_message_and_the_state(client, workshop):
    before = reload(workshop.beta).version
    response = client.post(
        workshop.session_url(workshop.beta, "move"),
        json=move_body(workshop, workshop.beta, 0, "10:07"),
    )
    assert response.status_code == 400
    body = response.get_json()
    assert "15-minute grid" in body["error"]
    assert workshop.beta.public_id in sessions(body["state"])
    saved = reload(workshop.beta)
    assert saved.starts_at is None and saved.version == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"room_id": None}, "Choose a room."),
        ({"room_id": 999999}, "Choose one of this event's rooms."),
        ({"day": "2027-04-01"}, "Choose one of the schedule's days."),
        ({"start": "half past ten"}, "Enter a time as HH:MM"),
        ({"version": None}, "missing the session's version"),
    ],
)
def test_move_with_bad_input_says_what_is_wrong(client, workshop, change, message):
    body = {**move_body(workshop, workshop.beta, 0, "10:00"), **change}
    body = {k: v for k, v in body.items() if v is not None}
    response = client.post(workshop.session_url(workshop.beta, "move"), json=body)
    assert response.status_code == 400
    assert message in response.get_json()["error"]
    assert reload(workshop.beta).starts_at is None


def test_an_unknown_session_is_a_404_with_the_state(client, workshop):
    response = client.post(
        workshop.url("sessions/no-such-session/move"),
        json={"room_id": workshop.rooms[0].id, "day": "2027-03-27", "start": "10:00", "version": 1},
    )
    assert response.status_code == 404
    body = response.get_json()
    assert body["error"] == "There is no such session in this schedule."
    assert "sessions" in body["state"]


def test_another_events_session_is_not_found(client, workshop):
    elsewhere = make_event(organizer=workshop.organizer)
    make_cfp(elsewhere)
    foreign = make_slot(elsewhere)
    response = client.post(
        workshop.url(f"sessions/{foreign.public_id}/unschedule"), json={"version": 1}
    )
    assert response.status_code == 404


def test_two_organizers_moving_the_same_session_one_wins_and_nothing_is_lost(
    app: Flask, client, workshop, second_organizer
):
    """The concurrency test over HTTP: both read version N; the first move is saved, the second
    (made against version N) gets a 409 that names the first organizer, and the database keeps
    the first move."""
    pedro = app.test_client()
    assert isinstance(pedro, harness.TestClient)  # its own session, as in production
    login_as(pedro, second_organizer)
    olga_state = client.get(workshop.url("data.json")).get_json()
    pedro_state = pedro.get(workshop.url("data.json")).get_json()
    version = sessions(olga_state)[workshop.beta.public_id]["version"]
    assert sessions(pedro_state)[workshop.beta.public_id]["version"] == version

    first = pedro.post(
        workshop.session_url(workshop.beta, "move"),
        json={
            "room_id": workshop.rooms[2].id,
            "day": "2027-03-27",
            "start": "16:00",
            "version": version,
        },
    )
    assert first.status_code == 200
    second = client.post(
        workshop.session_url(workshop.beta, "move"),
        json={
            "room_id": workshop.rooms[0].id,
            "day": "2027-03-27",
            "start": "09:30",
            "version": version,
        },
    )
    assert second.status_code == 409
    body = second.get_json()
    assert "Pedro Planner changed “Beta pipelines”" in body["error"]
    assert "was not saved" in body["error"]
    # The answer carries Pedro's version, so Olga's screen shows what is really there.
    theirs = sessions(body["state"])[workshop.beta.public_id]
    assert (theirs["room_id"], theirs["start"]) == (workshop.rooms[2].id, "16:00")
    assert theirs["version"] == version + 1
    saved = reload(workshop.beta)
    assert saved.room_id == workshop.rooms[2].id
    assert saved.starts_at == dt.datetime(2027, 3, 27, 16, 0, tzinfo=UTC)
    assert saved.updated_by_id == second_organizer.id
    # Olga tries again against the version she was shown: saved.
    again = client.post(
        workshop.session_url(workshop.beta, "move"),
        json={
            "room_id": workshop.rooms[0].id,
            "day": "2027-03-27",
            "start": "09:30",
            "version": theirs["version"],
        },
    )
    assert again.status_code == 200


def test_a_conflict_that_blocks_saving_refuses_the_move(client, workshop):
    settings(
        workshop.event,
        severities={ConflictRule.SPEAKER_DOUBLE_BOOKED.value: Severity.BLOCKS_SAVING.value},
    )
    place(workshop, workshop.alpha, 0, 10)
    response = client.post(
        workshop.session_url(workshop.beta, "move"),
        json=move_body(workshop, workshop.beta, 1, "10:00"),
    )
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error.startswith("Not saved:")
    assert "Sara Speaker is in two places at once" in error
    assert reload(workshop.beta).starts_at is None
    assert db.session.scalar(select(func.count()).select_from(ScheduleEdit)) == 0


# Conflicts, live ------------------------------------------------------------------------------


def test_a_double_booking_shows_on_both_cards_and_in_the_list(client, workshop):
    place(workshop, workshop.alpha, 0, 10)
    state = client.post(
        workshop.session_url(workshop.beta, "move"),
        json=move_body(workshop, workshop.beta, 1, "10:00"),
    ).get_json()
    assert len(state["conflicts"]) == 1
    conflict = state["conflicts"][0]
    assert conflict["rule"] == "speaker_double_booked"
    assert conflict["severity"] == "blocks_release"
    assert conflict["severity_label"] == "Blocks a release"
    assert set(conflict["sessions"]) == {workshop.alpha.public_id, workshop.beta.public_id}
    assert "Sara Speaker is in two places at once" in conflict["message"]
    beta = sessions(state)[workshop.beta.public_id]
    assert beta["conflict_count"] == 1
    assert beta["conflict_label"] == "1 conflict, Blocks a release"
    assert beta["label"].endswith("1 conflict, Blocks a release")
    # Moved away: gone.
    state = client.post(
        workshop.session_url(workshop.beta, "move"),
        json=move_body(workshop, workshop.beta, 1, "15:00"),
    ).get_json()
    assert state["conflicts"] == []
    assert sessions(state)[workshop.beta.public_id]["conflict_count"] == 0


def test_check_tells_the_conflicts_of_a_move_without_saving_it(client, workshop):
    place(workshop, workshop.alpha, 0, 10)
    version = reload(workshop.beta).version
    response = client.post(
        workshop.session_url(workshop.beta, "check"),
        json={"room_id": workshop.rooms[1].id, "day": "2027-03-27", "start": "10:00"},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert [c["rule"] for c in body["conflicts"]] == ["speaker_double_booked"]
    assert body["summary"].startswith("1 conflict: Sara Speaker is in two places at once")
    saved = reload(workshop.beta)
    assert saved.starts_at is None and saved.version == version
    # Somewhere free: no conflict.
    body = client.post(
        workshop.session_url(workshop.beta, "check"),
        json={"room_id": workshop.rooms[1].id, "day": "2027-03-27", "start": "11:00"},
    ).get_json()
    assert body == {"conflicts": [], "summary": "No conflicts there."}


def test_check_refuses_a_place_off_the_grid(client, workshop):
    response = client.post(
        workshop.session_url(workshop.beta, "check"),
        json={"room_id": workshop.rooms[1].id, "day": "2027-03-27", "start": "10:10"},
    )
    assert response.status_code == 400
    assert "15-minute grid" in response.get_json()["error"]


# Unschedule, resize, undo ----------------------------------------------------------------------


def test_unschedule_puts_the_session_back_in_the_list(client, workshop):
    place(workshop, workshop.alpha, 0, 10)
    response = client.post(
        workshop.session_url(workshop.alpha, "unschedule"),
        json={"version": reload(workshop.alpha).version},
    )
    assert response.status_code == 200
    alpha = sessions(response.get_json())[workshop.alpha.public_id]
    assert alpha["starts_at"] is None and alpha["room_id"] is None
    assert reload(workshop.alpha).starts_at is None


def test_unschedule_with_a_stale_version_is_a_409(client, workshop):
    place(workshop, workshop.alpha, 0, 10)
    stale = reload(workshop.alpha).version - 1
    response = client.post(
        workshop.session_url(workshop.alpha, "unschedule"), json={"version": stale}
    )
    assert response.status_code == 409
    assert reload(workshop.alpha).starts_at is not None


def test_resize_a_plenary_item_in_grid_steps(client, workshop):
    coffee = make_slot(
        workshop.event, kind=SlotKind.PLENARY, room=workshop.rooms[0], starts_at=lisbon(27, 11)
    )
    response = client.post(
        workshop.session_url(coffee, "resize"),
        json={"duration_minutes": 45, "version": reload(coffee).version},
    )
    assert response.status_code == 200
    assert sessions(response.get_json())[coffee.public_id]["duration"] == 45
    assert reload(coffee).duration_minutes == 45
    response = client.post(
        workshop.session_url(coffee, "resize"),
        json={"duration_minutes": 50, "version": reload(coffee).version},
    )
    assert response.status_code == 400
    assert "multiple of 15 minutes" in response.get_json()["error"]
    assert reload(coffee).duration_minutes == 45


def test_undo_puts_back_the_last_change(client, workshop):
    client.post(
        workshop.session_url(workshop.beta, "move"),
        json=move_body(workshop, workshop.beta, 1, "11:15"),
    )
    response = client.post(workshop.url("undo"), json={})
    assert response.status_code == 200
    state = response.get_json()
    assert sessions(state)[workshop.beta.public_id]["starts_at"] is None
    assert state["undo"] is None
    assert reload(workshop.beta).starts_at is None
    # Nothing more to undo.
    response = client.post(workshop.url("undo"), json={})
    assert response.status_code == 400
    assert response.get_json()["error"] == "There is no change of yours to undo."


def test_undo_after_someone_else_changed_the_session_is_refused(
    app, client, workshop, second_organizer
):
    client.post(
        workshop.session_url(workshop.beta, "move"),
        json=move_body(workshop, workshop.beta, 1, "11:15"),
    )
    pedro = app.test_client()
    login_as(pedro, second_organizer)
    pedro.post(
        workshop.session_url(workshop.beta, "move"),
        json=move_body(workshop, workshop.beta, 2, "12:00"),
    )
    response = client.post(workshop.url("undo"), json={})
    assert response.status_code == 409
    assert "after your change" in response.get_json()["error"]
    assert reload(workshop.beta).room_id == workshop.rooms[2].id


# Who may ------------------------------------------------------------------------------------


def test_json_endpoints_need_an_organizer_of_this_event(app, client, workshop):
    reviewer = make_user()
    grant_role(reviewer, workshop.event, EventRoleName.REVIEWER)
    outsider = app.test_client()
    login_as(outsider, reviewer)
    assert outsider.get(workshop.url("data.json")).status_code == 403
    response = outsider.post(
        workshop.session_url(workshop.beta, "move"),
        json=move_body(workshop, workshop.beta, 0, "10:00"),
    )
    assert response.status_code == 403
    assert response.get_json() == {"error": "You may not change this schedule."}
    assert reload(workshop.beta).starts_at is None
    anonymous = app.test_client()
    response = anonymous.get(workshop.url("data.json"))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_organizer_of_another_event_may_not(app, workshop):
    other = make_user()
    make_event(organizer=other)
    make_room(workshop.event)
    client = app.test_client()
    login_as(client, other)
    assert client.get(workshop.url("data.json")).status_code == 403


def test_overlaps_share_a_cell_and_every_card_is_drawn_once(client, workshop):
    """An all-rooms lunch that a talk overlaps in one room: the lunch is drawn in the first
    room, the others say it covers them; a session before the day's hours is listed apart."""
    lunch = make_slot(
        workshop.event,
        kind=SlotKind.PLENARY,
        title="Lunch",
        duration_minutes=60,
        all_rooms=True,
        room=workshop.rooms[0],
        starts_at=lisbon(27, 12, 30),
    )
    place(workshop, workshop.alpha, 1, 13)  # inside lunch, in Sala Dois
    place(workshop, workshop.beta, 2, 8, 30)  # before the day starts at 09:00
    state = client.get(workshop.url("data.json")).get_json()
    rows = state["grid"]["2027-03-27"]["rows"]
    cells = [c for row in rows for c in row["cells"]]
    drawn = [pid for c in cells for pid in c.get("sessions", [])]
    assert sorted(drawn) == sorted([lunch.public_id, workshop.alpha.public_id])
    by_room = {c["room_id"]: c for c in next(r for r in rows if r["start"] == "12:30")["cells"]}
    assert by_room[workshop.rooms[0].id]["sessions"] == [lunch.public_id]
    assert by_room[workshop.rooms[1].id]["sessions"] == [workshop.alpha.public_id]
    assert by_room[workshop.rooms[1].id]["also"] == [lunch.public_id]
    assert by_room[workshop.rooms[1].id]["rowspan"] == 4  # 12:30 to 13:30
    assert by_room[workshop.rooms[2].id]["also"] == [lunch.public_id]
    assert state["off_grid"] == [workshop.beta.public_id]
    assert {c["rule"] for c in state["conflicts"]} >= {"room_overlap", "outside_hours"}


@pytest.fixture
def csrf_on(app: Flask):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def test_json_actions_need_the_csrf_token_in_a_header(client, workshop, csrf_on):
    url = workshop.session_url(workshop.beta, "move")
    body = move_body(workshop, workshop.beta, 0, "10:00")
    assert client.post(url, json=body).status_code == 400
    assert reload(workshop.beta).starts_at is None
    page = client.get(workshop.url()).text
    token = re.search(r'data-csrf="([^"]+)"', page).group(1)
    response = client.post(url, json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert reload(workshop.beta).starts_at == lisbon(27, 10)
