"""The editor's pages without JavaScript: the grid, the list of sessions to schedule and the
conflicts, the conflicts page, a session's page and its plain forms (place, unschedule, resize,
details, put into a block), undo, who may see them, and their number of queries."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import itertools
import re

import pytest
from sqlalchemy import select

from organizer.enums import ContainerKind, EventRoleName, PlenaryKind, ProposalState, SlotKind
from organizer.extensions import db
from organizer.models import ScheduleSettings, Slot, SpeakerProfile
from tests.factories import (
    NOW,
    grant_role,
    lisbon,
    login_as,
    make_cfp,
    make_event,
    make_proposal,
    make_room,
    make_schedule_event,
    make_slot,
    make_talk,
    make_user,
    session_type,
    track,
)
from tests.schedule_editor.conftest import place, reload

UTC = dt.UTC


def text(html: str) -> str:
    """The page's text with tags removed and spaces collapsed."""
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def part(html: str, element_id: str, end: str = "</ul>") -> str:
    """From the element with this id to the end of its list."""
    assert f'id="{element_id}"' in html, element_id
    return html.split(f'id="{element_id}"', 1)[1].split(end, 1)[0]


def cell(html: str, room_id: int, start: str) -> str:
    match = re.search(
        rf'<td data-room="{room_id}" data-start="{start}"[^>]*>(.*?)</td>', html, re.S
    )
    assert match, (room_id, start)
    return match.group(1)


def field_error(html: str, name: str) -> str:
    match = re.search(rf'id="{name}-error">\s*<span[^>]*>[^<]*</span>\s*([^<]+)', html)
    assert match, f"no error shown for {name}"
    return html_lib.unescape(match.group(1).strip())


def flash(html: str) -> str:
    match = re.search(r'<div class="flashes" role="status">(.*?)</div>', html, re.S)
    return text(match.group(1)) if match else ""


# The editor page ------------------------------------------------------------------------------


def test_the_editor_shows_the_grid_the_sessions_to_schedule_and_the_conflicts(client, workshop):
    place(workshop, workshop.alpha, 0, 10)
    response = client.get(workshop.url())
    assert response.status_code == 200
    html = response.text
    assert (
        "<caption>Schedule for Saturday 27 March: rooms in columns, times in rows</caption>" in html
    )
    for room in workshop.rooms:
        assert re.search(rf'<th scope="col" data-room="{room.id}">{room.name}', html)
    times = re.findall(r'<th scope="row" class="schedule-grid__time"><time[^>]*>([\d:]+)<', html)
    assert times[0] == "09:00" and times[-1] == "17:45" and len(times) == 36
    # Alpha's card sits in its room at 10:00 and says who, when and where.
    alpha = cell(html, workshop.rooms[0].id, "10:00")
    assert 'rowspan="2"' in html.split('data-start="10:00"', 1)[1].split(">", 1)[0]
    assert 'aria-label="“Alpha methods”, Aula Magna, Sat 27 Mar 10:00\N{EN DASH}10:20"' in alpha
    assert "10:00\N{EN DASH}10:20" in text(alpha) and "Sara Speaker" in text(alpha)
    assert f'href="{workshop.session_url(workshop.alpha)}"' in alpha
    # The others wait in the list.
    waiting = text(part(html, "unscheduled-list"))
    assert "Beta pipelines" in waiting and "Gamma applications" in waiting
    assert "Alpha methods" not in waiting
    assert 'id="unscheduled-count">2<' in html
    assert '<p id="no-conflicts">No conflicts.</p>' in html
    # The tools around it, and the keys explained.
    assert 'id="undo-form" hidden' in html
    for label in ("Suggest a schedule", "Releases", "Set-up", "All conflicts, by severity"):
        assert label in html
    assert '<h2 id="keys-title">Keyboard</h2>' in html
    assert 'aria-live="polite"' in html and 'role="alert"' in html
    assert "js/schedule-editor.js" in html and "css/schedule.css" in html


def test_a_conflict_shows_on_the_cards_and_in_the_list(client, workshop):
    place(workshop, workshop.alpha, 0, 10)
    place(workshop, workshop.beta, 1, 10)
    html = client.get(workshop.url()).text
    beta = cell(html, workshop.rooms[1].id, "10:00")
    assert "⚠</span> 1 conflict, Blocks a release" in beta
    assert "card--conflict card--blocks_release" in beta
    items = part(html, "conflict-list")
    assert "Blocks a release" in items
    assert "A speaker in two places at once" in items
    assert "Sara Speaker is in two places at once" in text(items)
    assert f'href="{workshop.session_url(workshop.beta)}"' in items
    assert '<p id="no-conflicts" hidden>' in html


def test_the_editor_makes_sessions_of_newly_accepted_proposals(client):
    organizer = make_user()
    event = make_schedule_event(organizer)
    make_room(event, "Only room")
    proposal = make_proposal(event, state=ProposalState.ACCEPTED, title="Fresh acceptance")
    make_proposal(event, state=ProposalState.SUBMITTED, title="Still in review")
    login_as(client, organizer)
    html = client.get(f"/manage/{event.slug}/schedule/").text
    waiting = text(part(html, "unscheduled-list"))
    assert "Fresh acceptance" in waiting and "Still in review" not in waiting
    slot = db.session.scalar(select(Slot).where(Slot.proposal_id == proposal.id))
    assert slot is not None and slot.starts_at is None
    assert db.session.scalar(select(ScheduleSettings).where(ScheduleSettings.event_id == event.id))


def test_day_tabs_lead_to_the_other_day(client, workshop):
    place(workshop, workshop.gamma, 2, 9, 30, day=28)
    html = client.get(workshop.url()).text
    assert re.search(r'href="[^"]*day=2027-03-27"[^>]*aria-current="page">Saturday 27 March', html)
    assert re.search(r'href="[^"]*day=2027-03-28"[^>]*>Sunday 28 March', html)
    html = client.get(workshop.url("?day=2027-03-28")).text
    assert "Schedule for Sunday 28 March" in html
    assert "Gamma applications" in cell(html, workshop.rooms[2].id, "09:30")
    # A day that is not in the schedule shows the first.
    assert "Schedule for Saturday 27 March" in client.get(workshop.url("?day=2030-01-01")).text


def test_empty_states_say_what_to_do_next(client):
    organizer = make_user()
    event = make_schedule_event(organizer, hours=None)
    login_as(client, organizer)
    html = client.get(f"/manage/{event.slug}/schedule/").text
    assert "Add the schedule's days first" in html
    assert f'href="/manage/{event.slug}/schedule/setup/days"' in html
    assert "There are no rooms yet" in html
    assert "Nothing to schedule yet: accepted and confirmed proposals appear here" in text(html)
    assert "<table" not in html


def test_filters_narrow_the_sessions_to_schedule(client, workshop):
    tutorial = session_type(workshop.event, "Tutorial")
    long_one = make_proposal(
        workshop.event,
        state=ProposalState.CONFIRMED,
        title="Delta tutorial",
        session_type=tutorial,
    )
    make_slot(workshop.event, long_one)
    applications = track(workshop.event, "Applications")
    html = client.get(workshop.url(f"?track={applications.id}")).text
    waiting = text(part(html, "unscheduled-list"))
    assert "Gamma applications" in waiting and "Beta pipelines" not in waiting
    assert "1 of 4" in text(part(html, "unscheduled-count", "</span>"))
    assert re.search(rf'<option selected value="{applications.id}">Applications', html)
    html = client.get(workshop.url(f"?type={tutorial.id}")).text
    waiting = text(part(html, "unscheduled-list"))
    assert "Delta tutorial 90 minutes" in waiting and "Beta pipelines" not in waiting
    html = client.get(workshop.url("?duration=20")).text
    waiting = text(part(html, "unscheduled-list"))
    assert "Delta tutorial" not in waiting and "Alpha methods" in waiting
    assert re.search(r'<option value="90">90 minutes</option>', html)
    html = client.get(workshop.url("?duration=35")).text
    assert "No session to schedule matches these filters." in html
    # Nonsense filters are ignored rather than refused.
    assert client.get(workshop.url("?track=abc&duration=x")).status_code == 200


# Who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["", "data.json", "conflicts"])
def test_signed_out_people_are_sent_to_sign_in(app, workshop, path):
    response = app.test_client().get(workshop.url(path))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [EventRoleName.REVIEWER, EventRoleName.GRANT_REVIEWER])
def test_reviewers_may_not_see_the_editor(app, workshop, role):
    person = make_user()
    grant_role(person, workshop.event, role)
    client = app.test_client()
    login_as(client, person)
    for path in ("", "conflicts", f"sessions/{workshop.alpha.public_id}"):
        assert client.get(workshop.url(path)).status_code == 403, path
    response = client.post(
        workshop.session_url(workshop.alpha, "move"),
        data={"room": workshop.rooms[0].id, "day": "2027-03-27", "start": "10:00", "version": 1},
    )
    assert response.status_code == 403
    assert reload(workshop.alpha).starts_at is None


def test_another_events_session_is_404_here(client, workshop):
    other = make_event(organizer=workshop.organizer)
    make_cfp(other)
    foreign = make_slot(other)
    assert client.get(workshop.url(f"sessions/{foreign.public_id}")).status_code == 404
    assert client.get(workshop.url("sessions/nothing-here")).status_code == 404
    response = client.post(
        workshop.url(f"sessions/{foreign.public_id}/move"),
        data={"room": workshop.rooms[0].id, "day": "2027-03-27", "start": "10:00", "version": 1},
    )
    assert response.status_code == 404
    assert reload(foreign).starts_at is None


def test_a_missing_event_is_404(client, workshop):
    assert client.get("/manage/no-such-event/schedule/").status_code == 404


# The conflicts page ---------------------------------------------------------------------------


def test_the_conflicts_page_groups_by_severity(client, workshop):
    place(workshop, workshop.alpha, 0, 10)
    place(workshop, workshop.beta, 1, 10)
    workshop.gamma.expected_audience = 50
    place(workshop, workshop.gamma, 2, 15)  # Sala Três seats 20
    html = client.get(workshop.url("conflicts")).text
    assert "<h1>Conflicts</h1>" in html
    blocking = html.index('id="severity-blocks_release"')
    warning = html.index('id="severity-warning"')
    assert blocking < warning
    assert "Sara Speaker is in two places at once" in html[blocking:warning]
    assert "expects 50 people; Sala Três seats 20" in html[warning:]
    assert f'href="{workshop.session_url(workshop.gamma)}"' in html[warning:]


def test_the_conflicts_page_without_conflicts(client, workshop):
    html = client.get(workshop.url("conflicts")).text
    assert "No conflicts." in html and "Back to the editor" in html


# A session's page ----------------------------------------------------------------------------


def test_a_session_page_says_what_where_and_who(client, workshop):
    profile = SpeakerProfile(
        event_id=workshop.event.id,
        user_id=workshop.alpha.proposal.speakers[0].user_id,
        remote=True,
        timezone="America/Sao_Paulo",
        needs_step_free=True,
        updated_at=NOW,
    )
    db.session.add(profile)
    place(workshop, workshop.alpha, 2, 10)  # Sala Três is not step-free
    html = client.get(workshop.session_url(workshop.alpha)).text
    assert "<h1>Alpha methods</h1>" in html
    page = text(html)
    assert "Where Sala Três, Sat 27 Mar 10:00\N{EN DASH}10:20" in page
    assert "Sara Speaker · speaks remotely (America/Sao_Paulo) · needs step-free access" in page
    assert "asked for step-free access" in page
    assert "confirmed by its speakers" in page
    proposal = workshop.alpha.proposal.public_id
    assert f'href="/manage/{workshop.slug}/cfp/proposals/{proposal}"' in html
    # The place form holds where it is now, with the version it was read at.
    assert re.search(rf'<option selected value="{workshop.rooms[2].id}">Sala Três', html)
    assert '<option selected value="2027-03-27">Saturday 27 March' in html
    assert re.search(r'<input[^>]*id="start"[^>]*step="900"[^>]*value="10:00"', html)
    assert f'name="version" value="{reload(workshop.alpha).version}"' in html
    assert "Unschedule" in html
    assert "Length in minutes" not in html  # talks keep their proposal's length


def test_place_from_the_form_without_javascript(client, workshop):
    version = reload(workshop.beta).version
    response = client.post(
        workshop.session_url(workshop.beta, "move"),
        data={
            "room": workshop.rooms[1].id,
            "day": "2027-03-28",
            "start": "14:15",
            "version": version,
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(workshop.session_url(workshop.beta))
    saved = reload(workshop.beta)
    assert saved.room_id == workshop.rooms[1].id
    assert saved.starts_at == dt.datetime(2027, 3, 28, 13, 15, tzinfo=UTC)  # summer time
    html = client.get(response.headers["Location"]).text
    assert "“Beta pipelines” is placed: Sala Dois, 28 Mar 14:15." in flash(html)


def test_the_form_goes_back_where_it_was_sent_from(client, workshop):
    response = client.post(
        workshop.session_url(workshop.beta, "move"),
        data={
            "room": workshop.rooms[1].id,
            "day": "2027-03-27",
            "start": "14:15",
            "version": reload(workshop.beta).version,
            "back": "/manage/grid/schedule/?day=2027-03-27",
        },
    )
    assert response.headers["Location"].endswith("/manage/grid/schedule/?day=2027-03-27")
    response = client.post(
        workshop.session_url(workshop.beta, "unschedule"),
        data={"version": reload(workshop.beta).version, "back": "https://evil.example/"},
    )
    assert response.headers["Location"].endswith(workshop.session_url(workshop.beta))


def test_a_start_off_the_grid_keeps_what_was_typed(client, workshop):
    response = client.post(
        workshop.session_url(workshop.beta, "move"),
        data={
            "room": workshop.rooms[2].id,
            "day": "2027-03-28",
            "start": "10:07",
            "version": reload(workshop.beta).version,
        },
    )
    assert response.status_code == 400
    html = response.text
    assert "Start times are on a 15-minute grid" in field_error(html, "start")
    assert "There is a problem" in html
    assert re.search(rf'<option selected value="{workshop.rooms[2].id}">Sala Três', html)
    assert '<option selected value="2027-03-28">Sunday 28 March' in html
    assert re.search(r'<input[^>]*id="start"[^>]*value="10:07"', html)
    assert reload(workshop.beta).starts_at is None


def test_a_form_with_nonsense_says_so_per_field(client, workshop):
    response = client.post(
        workshop.session_url(workshop.beta, "move"),
        data={"room": "999", "day": "someday", "start": "soon", "version": "1"},
    )
    assert response.status_code == 400
    html = response.text
    assert field_error(html, "room") == "Choose one of this event's rooms."
    assert field_error(html, "day") == "Choose one of the schedule's days."
    assert "Enter a time as HH:MM" in field_error(html, "start")
    assert re.search(r'<input[^>]*id="start"[^>]*value="soon"', html)


def test_a_stale_form_is_a_409_page_with_the_current_values(client, workshop, second_organizer):
    seen = reload(workshop.beta).version
    workshop.beta.room_id = workshop.rooms[2].id
    workshop.beta.starts_at = lisbon(27, 16)
    workshop.beta.updated_by_id = second_organizer.id
    workshop.beta.updated_at = NOW
    db.session.flush()
    response = client.post(
        workshop.session_url(workshop.beta, "move"),
        data={"room": workshop.rooms[0].id, "day": "2027-03-27", "start": "09:00", "version": seen},
    )
    assert response.status_code == 409
    html = response.text
    assert "Pedro Planner changed “Beta pipelines”" in flash(html)
    assert "Where Sala Três, Sat 27 Mar 16:00\N{EN DASH}16:20" in text(html)
    # The form now holds what is there, and the version to try again with.
    assert re.search(rf'<option selected value="{workshop.rooms[2].id}">Sala Três', html)
    assert re.search(r'<input[^>]*id="start"[^>]*value="16:00"', html)
    assert f'name="version" value="{reload(workshop.beta).version}"' in html
    saved = reload(workshop.beta)
    assert saved.room_id == workshop.rooms[2].id and saved.starts_at == lisbon(27, 16)


def test_unschedule_from_the_form(client, workshop):
    place(workshop, workshop.alpha, 0, 10)
    response = client.post(
        workshop.session_url(workshop.alpha, "unschedule"),
        data={"version": reload(workshop.alpha).version},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "“Alpha methods” is back in the list of sessions to schedule." in flash(response.text)
    assert reload(workshop.alpha).starts_at is None


def test_resize_a_plenary_item_from_its_page(client, workshop):
    keynote = make_slot(
        workshop.event,
        kind=SlotKind.PLENARY,
        plenary_kind=PlenaryKind.KEYNOTE,
        title="Opening keynote",
        duration_minutes=60,
        room=workshop.rooms[0],
        starts_at=lisbon(27, 9),
    )
    html = client.get(workshop.session_url(keynote)).text
    assert "Keynote" in html and "Length in minutes" in html
    assert "A multiple of 15 minutes" in html
    response = client.post(
        workshop.session_url(keynote, "resize"),
        data={"duration": "50", "version": reload(keynote).version},
    )
    assert response.status_code == 400
    assert "multiple of 15 minutes" in field_error(response.text, "duration")
    assert re.search(r'<input[^>]*id="duration"[^>]*value="50"', response.text)
    response = client.post(
        workshop.session_url(keynote, "resize"),
        data={"duration": "75", "version": reload(keynote).version},
    )
    assert response.status_code == 302
    assert reload(keynote).duration_minutes == 75


def test_details_are_saved_and_checked(client, workshop):
    url = workshop.session_url(workshop.alpha)
    response = client.post(
        url,
        data={
            "version": reload(workshop.alpha).version,
            "expected_audience": "35",
            "pinned": "y",
            "stream_url": "ftp://nope",
            "preferred_day": "2027-03-28",
            "preferred_part": "morning",
        },
    )
    assert response.status_code == 400
    assert "starts with https://" in field_error(response.text, "stream_url")
    assert re.search(r'<input[^>]*id="expected_audience"[^>]*value="35"', response.text)
    response = client.post(
        url,
        data={
            "version": reload(workshop.alpha).version,
            "expected_audience": "35",
            "pinned": "y",
            "stream_url": "https://meet.example/alpha",
            "stream_public": "y",
            "preferred_day": "2027-03-28",
            "preferred_part": "morning",
        },
        follow_redirects=True,
    )
    assert "The details of “Alpha methods” are saved." in flash(response.text)
    saved = reload(workshop.alpha)
    assert saved.expected_audience == 35 and saved.pinned
    assert saved.stream_url == "https://meet.example/alpha" and saved.stream_public
    assert saved.preferred_day == dt.date(2027, 3, 28) and saved.preferred_part == "morning"
    assert "Pinned" in text(response.text)


def test_put_a_talk_into_a_block(client, workshop):
    block = make_slot(
        workshop.event,
        kind=SlotKind.CONTAINER,
        container_kind=ContainerKind.LIGHTNING,
        title="Lightning round",
        duration_minutes=30,
    )
    html = client.get(workshop.session_url(workshop.gamma)).text
    assert re.search(rf'<option value="{block.public_id}">Lightning round', html)
    response = client.post(
        workshop.session_url(workshop.gamma, "contain"),
        data={"container": block.public_id, "version": reload(workshop.gamma).version},
        follow_redirects=True,
    )
    assert "“Gamma applications” is now in “Lightning round”." in flash(response.text)
    assert reload(workshop.gamma).parent_id == block.id
    assert "Where in “Lightning round”" in text(response.text)
    response = client.post(
        workshop.session_url(workshop.gamma, "contain"),
        data={"container": "not-a-block", "version": reload(workshop.gamma).version},
    )
    assert response.status_code == 400
    assert field_error(response.text, "container") == "Choose a lightning block or poster session."


# Undo, without JavaScript ---------------------------------------------------------------------


def test_undo_from_the_editor(client, workshop):
    client.post(
        workshop.session_url(workshop.beta, "move"),
        data={
            "room": workshop.rooms[1].id,
            "day": "2027-03-27",
            "start": "11:00",
            "version": reload(workshop.beta).version,
        },
    )
    html = client.get(workshop.url()).text
    assert re.search(
        r'<form method="post" action="[^"]*/undo" class="inline-form" id="undo-form">', html
    )
    assert ">Undo moving “Beta pipelines”</button>" in html
    response = client.post(
        workshop.url("undo"), data={"back": "/manage/grid/schedule/?day=2027-03-27"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/manage/grid/schedule/?day=2027-03-27")
    assert reload(workshop.beta).starts_at is None
    html = client.get(response.headers["Location"]).text
    assert "Undone: “Beta pipelines” is back (not scheduled)." in flash(html)
    response = client.post(workshop.url("undo"))
    assert response.status_code == 400
    assert "There is no change of yours to undo." in flash(response.text)


# Query counts -------------------------------------------------------------------------------


def test_the_editor_and_its_json_do_not_query_per_session(
    client, workshop, assert_constant_queries
):
    """5 sessions, then 50: placed and waiting talks with co-speakers and profiles, conflicts,
    blocks with talks in them, plenary items; the number of queries stays the same."""
    event = workshop.event
    counter = itertools.count()
    sizes = iter([5, 45])
    client.post(  # an undo entry, so that the undo label is read too
        workshop.session_url(workshop.beta, "move"),
        json={
            "room_id": workshop.rooms[1].id,
            "day": "2027-03-27",
            "start": "11:00",
            "version": reload(workshop.beta).version,
        },
    )

    def grow() -> None:
        for _ in range(next(sizes)):
            n = next(counter)
            speaker = make_user()
            db.session.add(
                SpeakerProfile(
                    event_id=event.id, user_id=speaker.id, remote=n % 2 == 0, updated_at=NOW
                )
            )
            slot = make_talk(event, speaker, title=f"Talk {n}", co_speakers=(make_user(),))
            if n % 3 == 0:
                slot.room_id = workshop.rooms[n % 3].id
                slot.starts_at = lisbon(27 + n % 2, 9 + n % 8)  # some overlap: conflicts
            if n % 5 == 0:
                block = make_slot(event, kind=SlotKind.CONTAINER, duration_minutes=30)
                slot.parent_id = block.id
            if n % 7 == 0:
                make_slot(
                    event,
                    kind=SlotKind.PLENARY,
                    all_rooms=True,
                    room=workshop.rooms[0],
                    starts_at=lisbon(27, 12 + n % 4),
                )
        db.session.flush()

    counts = assert_constant_queries(
        [
            workshop.url(),
            workshop.url("data.json"),
            workshop.url("conflicts"),
            workshop.url(f"sessions/{workshop.alpha.public_id}"),
        ],
        grow,
    )
    assert counts[workshop.url("data.json")] < 25, counts
