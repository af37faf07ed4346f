"""The editor's overview of all days: one column per day with each session's time, room,
track and conflicts, the sessions to schedule, and a plain "Move to…" form on every session
that moves it to another day through the editor's own move (its rules, its conflict checks,
its journal), with errors next to the fields; who may use it, CSRF, its number of queries, and
a move across the change to summer time."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import itertools
import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from organizer.enums import ConflictRule, EventRoleName, Severity, SlotKind
from organizer.extensions import db
from organizer.models import RoomWindow, ScheduleEdit, Slot
from tests.factories import (
    grant_role,
    lisbon,
    login_as,
    make_day,
    make_slot,
    make_talk,
    make_user,
    track,
)
from tests.schedule_editor.conftest import Workshop, place, reload, settings

UTC = dt.UTC


def text(html: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def item(html: str, slot: Slot) -> str:
    """One session's entry on the overview (up to its "Move to…" form)."""
    marker = f'id="item-{slot.public_id}"'
    assert marker in html, slot.display_title
    return html.split(marker, 1)[1].split("<details", 1)[0]


def column(html: str, day: str) -> str:
    """A day's column, from its heading to the next day's."""
    marker = f'<section class="overview-day" id="day-{day}"'
    assert marker in html, day
    return html.split(marker, 1)[1].split('<section class="overview-day"', 1)[0]


def field_error(html: str, slot: Slot, name: str) -> str:
    field_id = f"move-{slot.public_id}-{name}"
    match = re.search(rf'id="{field_id}-error">\s*<span[^>]*>[^<]*</span>\s*([^<]+)', html)
    assert match, f"no error shown for {name}"
    assert f'aria-describedby="{field_id}-hint {field_id}-error"' in html or (
        f'aria-describedby="{field_id}-error"' in html
    )
    return html_lib.unescape(match.group(1).strip())


def flash(html: str) -> str:
    match = re.search(r'<div class="flashes" role="status">(.*?)</div>', html, re.S)
    return text(match.group(1)) if match else ""


def move(client, workshop: Workshop, slot: Slot, day: str, room: int, start: str, **extra):
    prefix = f"move-{slot.public_id}-"
    data = {
        f"{prefix}day": day,
        f"{prefix}room": str(workshop.rooms[room].id),
        f"{prefix}start": start,
        f"{prefix}version": str(reload(slot).version),
        **extra,
    }
    return client.post(workshop.url(f"overview/{slot.public_id}/move"), data=data)


# The page -------------------------------------------------------------------------------------


def test_every_day_in_a_column_and_the_sessions_to_schedule(client, workshop):
    place(workshop, workshop.alpha, 0, 10)
    place(workshop, workshop.gamma, 2, 9, 30, day=28)
    lunch = make_slot(
        workshop.event,
        kind=SlotKind.PLENARY,
        title="Lunch",
        duration_minutes=60,
        all_rooms=True,
        room=workshop.rooms[0],
        starts_at=lisbon(27, 12),
    )
    response = client.get(workshop.url("overview"))
    assert response.status_code == 200
    html = response.text
    assert "<h1>Schedule: all days</h1>" in html
    assert "Times in Europe/Lisbon" in html
    saturday, sunday = column(html, "2027-03-27"), column(html, "2027-03-28")
    assert "Saturday 27 March" in saturday and "Open 09:00\N{EN DASH}18:00" in text(saturday)
    # In the order they start, with their time, room, track and speakers.
    assert saturday.index("Alpha methods") < saturday.index("Lunch")
    assert "10:00\N{EN DASH}10:20 · Aula Magna" in text(item(html, workshop.alpha))
    assert "Sara Speaker" in text(item(html, workshop.alpha))
    assert "12:00\N{EN DASH}13:00, all rooms" in text(item(html, lunch))
    gamma = text(item(html, workshop.gamma))
    assert "09:30\N{EN DASH}09:50 · Sala Três" in gamma and "Track: Applications" in gamma
    assert "Gamma applications" in sunday and "Alpha methods" not in sunday
    # Beta waits, with its length.
    waiting = html.split('id="unscheduled-title"', 1)[1]
    assert "Beta pipelines" in waiting and "20 minutes" in text(item(html, workshop.beta))
    # Each session has its form, with labels, in the event's zone.
    form = html.split(f'id="item-{workshop.gamma.public_id}"', 1)[1].split("</form>", 1)[0]
    assert "<summary>Move to…" in form
    assert "<legend>Move “Gamma applications” to</legend>" in form
    for name in ("day", "room", "start"):
        assert f'<label for="move-{workshop.gamma.public_id}-{name}">' in form
    assert '<option selected value="2027-03-28">Sunday 28 March</option>' in form
    assert re.search(r'<input[^>]*id="move-[^"]*-start"[^>]*value="09:30"', form)
    # The tabs: "All days" is this page; the editor links here.
    assert re.search(r'href="[^"]*/schedule/overview"[^>]*aria-current="page">All days', html)
    assert 'href="/manage/grid/schedule/overview">All days</a>' in client.get(workshop.url()).text


def test_conflicts_are_marked_as_in_the_day_view(client, workshop):
    place(workshop, workshop.alpha, 0, 10)
    place(workshop, workshop.beta, 1, 10)  # Sara in two rooms at once
    html = client.get(workshop.url("overview")).text
    for slot in (workshop.alpha, workshop.beta):
        entry = item(html, slot)
        assert "⚠</span> 1 conflict, Blocks a release" in entry
        tag = re.search(rf'<li id="item-{slot.public_id}"[^>]*>', html).group(0)
        assert "card--conflict card--blocks_release" in tag
    assert "Blocks a release: 1" in text(html)
    day_html = client.get(workshop.url()).text
    assert "⚠</span> 1 conflict, Blocks a release" in day_html


def test_the_editor_help_says_plus_and_minus_resize_blocks_too(client, workshop):
    html = client.get(workshop.url()).text
    assert "plus and minus change the length of plenary items and blocks" in html


# Moving between days ---------------------------------------------------------------------------


def test_move_a_session_to_another_day(client, workshop):
    place(workshop, workshop.alpha, 0, 10)
    response = move(client, workshop, workshop.alpha, "2027-03-28", 1, "11:00")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/manage/grid/schedule/overview#item-{workshop.alpha.public_id}"
    )
    saved = reload(workshop.alpha)
    assert saved.room_id == workshop.rooms[1].id
    assert saved.starts_at == lisbon(28, 11)
    # The editor's journal has it, so undo in the editor takes it back.
    edit = db.session.scalar(select(ScheduleEdit).order_by(ScheduleEdit.id.desc()))
    assert edit.action == "move" and edit.slot_id == saved.id
    assert edit.before["starts_at"] == lisbon(27, 10).isoformat()
    html = client.get(workshop.url("overview")).text
    assert "“Alpha methods” is placed: Sala Dois, 28 Mar 11:00." in flash(html)
    assert "Alpha methods" in column(html, "2027-03-28")
    assert "Alpha methods" not in column(html, "2027-03-27")
    assert "Undo moving “Alpha methods”" in client.get(workshop.url()).text


def test_a_session_to_schedule_is_placed_from_the_overview(client, workshop):
    response = move(client, workshop, workshop.beta, "2027-03-27", 2, "15:45")
    assert response.status_code == 302
    assert reload(workshop.beta).starts_at == lisbon(27, 15, 45)


def test_across_the_change_to_summer_time_the_wall_clock_time_stays(client, workshop):
    """Lisbon moves to summer time on 28 March 2027 at 01:00: 10:00 on Saturday is 10:00 UTC,
    10:00 on Sunday is 09:00 UTC. Moving a session from one to the other keeps 10:00."""
    place(workshop, workshop.alpha, 0, 10)
    assert reload(workshop.alpha).starts_at == dt.datetime(2027, 3, 27, 10, 0, tzinfo=UTC)
    html = client.get(workshop.url("overview")).text
    form = html.split(f'id="item-{workshop.alpha.public_id}"', 1)[1].split("</form>", 1)[0]
    typed = re.search(r'id="move-[^"]*-start"[^>]*value="([^"]+)"', form).group(1)
    assert typed == "10:00"  # what the form offers: the wall-clock time, kept as it is
    assert move(client, workshop, workshop.alpha, "2027-03-28", 0, typed).status_code == 302
    saved = reload(workshop.alpha)
    assert saved.starts_at.astimezone(UTC) == dt.datetime(2027, 3, 28, 9, 0, tzinfo=UTC)
    html = client.get(workshop.url("overview")).text
    assert "10:00\N{EN DASH}10:20 · Aula Magna" in text(item(html, workshop.alpha))
    assert 'datetime="2027-03-28T09:00:00+00:00"' in item(html, workshop.alpha)


@pytest.mark.parametrize(
    ("rule", "day", "room", "start", "words"),
    [
        (ConflictRule.SPEAKER_DOUBLE_BOOKED, "2027-03-28", 1, "10:00", "Sara Speaker is in two"),
        (ConflictRule.ROOM_OVERLAP, "2027-03-28", 0, "10:00", "Aula Magna"),
        (ConflictRule.OUTSIDE_HOURS, "2027-03-27", 0, "17:45", "Not saved:"),
    ],
)
def test_a_conflict_that_blocks_saving_is_told_at_the_start_field(
    client, workshop, rule, day, room, start, words
):
    settings(workshop.event, severities={rule.value: Severity.BLOCKS_SAVING.value})
    place(workshop, workshop.alpha, 0, 10, day=28)
    gamma = make_talk(
        workshop.event, make_user(name="Other"), title="Long one", duration_minutes=30
    )
    place(workshop, workshop.beta, 2, 9)
    target = workshop.beta if rule is not ConflictRule.OUTSIDE_HOURS else gamma
    before = reload(target).starts_at
    response = move(client, workshop, target, day, room, start)
    assert response.status_code == 409
    html = response.text
    message = field_error(html, target, "start")
    assert message.startswith("Not saved:") and words in message
    assert "There is a problem" in html
    # The form is open, with what was typed; nothing was saved, nothing else changed.
    assert f'id="item-{target.public_id}"' in html
    form = html.split(f'id="item-{target.public_id}"', 1)[1].split("</form>", 1)[0]
    assert '<details class="move-to" open>' in form
    assert f'<option selected value="{day}">' in form
    assert reload(target).starts_at == before
    assert reload(workshop.alpha).starts_at == lisbon(28, 10)
    assert db.session.scalar(select(func.count()).select_from(ScheduleEdit)) == 0


def test_wrong_fields_are_told_per_field(client, workshop):
    response = move(client, workshop, workshop.beta, "2027-03-27", 0, "10:07")
    assert response.status_code == 400
    assert "Start times are on a 15-minute grid" in field_error(
        response.text, workshop.beta, "start"
    )
    prefix = f"move-{workshop.beta.public_id}-"
    response = client.post(
        workshop.url(f"overview/{workshop.beta.public_id}/move"),
        data={
            f"{prefix}day": "someday",
            f"{prefix}room": "999",
            f"{prefix}start": "",
            f"{prefix}version": "1",
        },
    )
    assert response.status_code == 400
    html = response.text
    assert field_error(html, workshop.beta, "day") == "Choose one of the schedule's days."
    assert field_error(html, workshop.beta, "room") == "Choose one of this event's rooms."
    assert field_error(html, workshop.beta, "start") == "Enter a start time."
    assert reload(workshop.beta).starts_at is None


def test_a_stale_form_is_a_409_with_the_session_as_it_is_now(client, workshop):
    other = make_user(name="Pedro Planner")
    grant_role(other, workshop.event, EventRoleName.ORGANIZER)
    place(workshop, workshop.alpha, 0, 10)
    seen = reload(workshop.alpha).version
    workshop.alpha.starts_at = lisbon(27, 16)
    workshop.alpha.updated_by_id = other.id
    db.session.flush()
    prefix = f"move-{workshop.alpha.public_id}-"
    response = client.post(
        workshop.url(f"overview/{workshop.alpha.public_id}/move"),
        data={
            f"{prefix}day": "2027-03-28",
            f"{prefix}room": str(workshop.rooms[0].id),
            f"{prefix}start": "09:00",
            f"{prefix}version": str(seen),
        },
    )
    assert response.status_code == 409
    html = response.text
    assert "Pedro Planner changed “Alpha methods”" in flash(html)
    assert "16:00\N{EN DASH}16:20" in text(item(html, workshop.alpha))
    assert f'value="{reload(workshop.alpha).version}"' in html
    assert reload(workshop.alpha).starts_at == lisbon(27, 16)


# Who may, CSRF -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [EventRoleName.REVIEWER, EventRoleName.GRANT_REVIEWER])
def test_reviewers_may_neither_see_nor_move(app, workshop, role):
    place(workshop, workshop.alpha, 0, 10)
    person = make_user()
    grant_role(person, workshop.event, role)
    client = app.test_client()
    login_as(client, person)
    assert client.get(workshop.url("overview")).status_code == 403
    assert move(client, workshop, workshop.alpha, "2027-03-28", 0, "10:00").status_code == 403
    assert reload(workshop.alpha).starts_at == lisbon(27, 10)


def test_signed_out_people_are_sent_to_sign_in(app, workshop):
    response = app.test_client().get(workshop.url("overview"))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_another_events_session_is_404(client, workshop):
    response = client.post(workshop.url("overview/no-such-session/move"), data={})
    assert response.status_code == 404


@pytest.fixture
def csrf_on(app: Flask):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def test_a_move_needs_the_forms_csrf_token(client, workshop, csrf_on):
    place(workshop, workshop.alpha, 0, 10)
    response = move(client, workshop, workshop.alpha, "2027-03-28", 0, "10:00")
    assert response.status_code == 400
    assert reload(workshop.alpha).starts_at == lisbon(27, 10)
    html = client.get(workshop.url("overview")).text
    prefix = f"move-{workshop.alpha.public_id}-"
    token = re.search(rf'name="{prefix}csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = move(
        client, workshop, workshop.alpha, "2027-03-28", 0, "10:00", **{f"{prefix}csrf_token": token}
    )
    assert response.status_code == 302
    assert reload(workshop.alpha).starts_at == lisbon(28, 10)


# Queries --------------------------------------------------------------------------------------


def test_the_overview_does_not_query_per_session_or_day(client, workshop, assert_constant_queries):
    event = workshop.event
    counter = itertools.count()
    days = iter([dt.date(2027, 3, 29), dt.date(2027, 3, 30)])

    def grow() -> None:
        make_day(event, next(days))
        themes = [track(event, "Methods"), track(event, "Applications")]
        for _ in range(6):
            n = next(counter)
            slot = make_talk(event, make_user(), title=f"Talk {n}", track=themes[n % 2])
            if n % 2:
                slot.room_id = workshop.rooms[n % 3].id
                slot.starts_at = lisbon(27 + n % 4, 9 + n % 8)  # some overlap: conflicts
            if n % 5 == 0:
                block = make_slot(event, kind=SlotKind.CONTAINER, duration_minutes=30)
                slot.parent_id = block.id
        db.session.flush()

    assert_constant_queries([workshop.url("overview")], grow)


def test_a_room_closed_that_day_refuses_the_move_when_that_blocks_saving(client, workshop):
    """Sala Três is open on Saturday only; moving a session there on Sunday is outside its
    opening times, which this event set to block saving."""
    settings(
        workshop.event, severities={ConflictRule.OUTSIDE_HOURS.value: Severity.BLOCKS_SAVING.value}
    )
    db.session.add(
        RoomWindow(room_id=workshop.rooms[2].id, starts_at=lisbon(27, 9), ends_at=lisbon(27, 18))
    )
    place(workshop, workshop.gamma, 2, 11)
    response = move(client, workshop, workshop.gamma, "2027-03-28", 2, "11:00")
    assert response.status_code == 409
    message = field_error(response.text, workshop.gamma, "start")
    assert message.startswith("Not saved:") and "Sala Três" in message
    assert reload(workshop.gamma).starts_at == lisbon(27, 11)
    # Another room that Sunday is fine.
    assert move(client, workshop, workshop.gamma, "2027-03-28", 1, "11:00").status_code == 302
    assert reload(workshop.gamma).starts_at == lisbon(28, 11)
