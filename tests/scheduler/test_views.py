"""The scheduler's pages: asking for a suggestion, reading it in words, accepting it whole or in
part, and discarding it; who may, what a bad limit says, and queries that do not grow."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from organizer import permissions
from organizer.enums import EventRoleName, SuggestionStatus
from organizer.extensions import db
from organizer.models import ScheduleSettings, ScheduleSuggestion, Slot
from tests.factories import (
    NOW,
    grant_role,
    lisbon,
    login_as,
    make_event,
    make_room,
    make_schedule_event,
    make_talk,
    make_user,
)


@pytest.fixture
def olga():
    return make_user(name="Olga Organizer")


@pytest.fixture
def event(olga):
    return make_schedule_event(olga, slug="sched")


@pytest.fixture
def rooms(event):
    return make_room(event, "Sala Tejo"), make_room(event, "Sala Sado")


@pytest.fixture
def signed_in(client, olga):
    login_as(client, olga)
    return client


def ask(client, event, **form):
    data = {"mode": "suggest", "time_limit": "5", **form}
    return client.post(f"/manage/{event.slug}/schedule/suggest", data=data)


def latest(event):
    return db.session.scalar(
        select(ScheduleSuggestion)
        .where(ScheduleSuggestion.event_id == event.id)
        .order_by(ScheduleSuggestion.id.desc())
    )


def page(event, suggestion, end=""):
    return f"/manage/{event.slug}/schedule/suggestions/{suggestion.public_id}{end}"


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


# Who may --------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, event):
    response = client.get(f"/manage/{event.slug}/schedule/suggest")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_people_who_do_not_organize_the_event_get_403(client, event, rooms):
    make_talk(event, title="One")
    suggestion = ScheduleSuggestion(event_id=event.id, mode="suggest", created_at=NOW)
    db.session.add(suggestion)
    db.session.flush()
    reviewer = make_user()
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    for person in (make_user(), reviewer):
        login_as(client, person)
        for url in (
            f"/manage/{event.slug}/schedule/suggest",
            page(event, suggestion),
            page(event, suggestion, "/discard"),
        ):
            assert client.get(url).status_code == 403, url
        assert ask(client, event).status_code == 403
        assert client.post(page(event, suggestion, "/accept")).status_code == 403
    assert latest(event) == suggestion


def test_another_events_suggestion_is_404(signed_in, event, olga, rooms):
    make_talk(event, title="One")
    assert ask(signed_in, event).status_code == 302
    suggestion = latest(event)
    other = make_event(organizer=olga)
    for end in ("", "/discard"):
        assert signed_in.get(page(other, suggestion, end)).status_code == 404
    assert (
        signed_in.post(page(other, suggestion, "/accept"), data={"scope": "all"}).status_code == 404
    )
    assert signed_in.get(f"/manage/{event.slug}/schedule/suggestions/nope").status_code == 404


# Asking ---------------------------------------------------------------------------------------


def test_the_page_explains_and_offers_the_events_limit(signed_in, event):
    db.session.add(
        ScheduleSettings(
            event_id=event.id, severities={}, solver_time_limit_seconds=42, updated_at=NOW
        )
    )
    response = signed_in.get(f"/manage/{event.slug}/schedule/suggest")
    assert response.status_code == 200
    html = text(response)
    assert "Suggest for unscheduled sessions" in html and "Repair after a change" in html
    assert re.search(r'name="time_limit"[^>]*value="42"', html)
    assert "No suggestion yet." in html


def test_asking_shows_the_suggestion_in_words(signed_in, event, rooms):
    talks = [make_talk(event, title=f"Talk {n}") for n in range(3)]
    response = ask(signed_in, event)
    suggestion = latest(event)
    assert response.status_code == 302
    # The solve ran at once (the suite's queue is immediate): its progress page leads on.
    progress = signed_in.get(response.headers["Location"])
    assert progress.status_code == 302
    assert progress.headers["Location"].endswith(page(event, suggestion))
    html = text(signed_in.get(page(event, suggestion)))
    assert "Optimal: no better schedule exists under these weights." in html
    assert "3 changes" in html
    for slot in talks:
        assert f">{slot.proposal.title}</label>" in html
    assert html.count('name="moves"') == 3
    assert html.count(" checked") == 3
    assert "Not scheduled" in html
    listed = text(signed_in.get(f"/manage/{event.slug}/schedule/suggest"))
    assert "Waiting for your decision" in listed and "Optimal" in listed


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0", "Enter a time limit from 1 to 600 seconds, e.g. 30."),
        ("601", "Enter a time limit from 1 to 600 seconds, e.g. 30."),
        ("soon", "Enter a whole number, e.g. 3."),
        ("", "Enter a time limit from 1 to 600 seconds, e.g. 30."),
    ],
)
def test_a_bad_time_limit_is_400_and_keeps_what_was_chosen(signed_in, event, rooms, typed, message):
    make_talk(event, title="One")
    response = ask(signed_in, event, mode="repair", time_limit=typed)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    assert message in html
    assert re.search(r'id="time_limit-error"', html)
    assert re.search(r'value="repair"[^>]*checked|checked[^>]*value="repair"', html)
    if typed:
        assert re.search(rf'name="time_limit"[^>]*value="{typed}"', html)
    assert latest(event) is None


def test_a_suggestion_that_cannot_place_everything_says_why(signed_in, event, rooms):
    make_talk(event, title="Huge", expected_audience=500)
    ask(signed_in, event)
    html = text(signed_in.get(page(event, latest(event))))
    assert "Not every session can be placed: 1 cannot, for the reasons below." in html
    assert "No room holds its expected audience of 500 (largest: Sala" in html
    assert "Nothing to change" in html


# Accepting ------------------------------------------------------------------------------------


def test_accepting_selected_moves_applies_only_those(signed_in, event, rooms):
    talks = [make_talk(event, title=f"Talk {n}") for n in range(3)]
    ask(signed_in, event)
    suggestion = latest(event)
    chosen = [talks[0].public_id, talks[2].public_id]
    response = signed_in.post(
        page(event, suggestion, "/accept"), data={"moves": chosen, "scope": "selected"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/manage/{event.slug}/schedule/")
    assert talks[0].starts_at is not None and talks[2].starts_at is not None
    assert talks[1].starts_at is None
    assert latest(event).status is SuggestionStatus.APPLIED
    html = text(signed_in.get(page(event, suggestion)))
    assert 'name="moves"' not in html and "Accepted" in html


def test_accept_all_ignores_the_ticks(signed_in, event, rooms):
    talks = [make_talk(event, title=f"Talk {n}") for n in range(2)]
    ask(signed_in, event)
    response = signed_in.post(page(event, latest(event), "/accept"), data={"scope": "all"})
    assert response.status_code == 302
    assert all(t.starts_at is not None for t in talks)


def test_accepting_nothing_is_400_with_a_message(signed_in, event, rooms):
    make_talk(event, title="One")
    ask(signed_in, event)
    response = signed_in.post(page(event, latest(event), "/accept"), data={"scope": "selected"})
    assert response.status_code == 400
    assert "Choose at least one change to accept." in text(response)
    assert latest(event).status is SuggestionStatus.DRAFT


def test_a_session_changed_since_is_409_and_nothing_is_applied(signed_in, event, rooms):
    first = make_talk(event, title="First")
    second = make_talk(event, title="Second")
    ask(signed_in, event)
    suggestion = latest(event)
    second.room_id, second.starts_at = rooms[1].id, lisbon(28, 17)
    db.session.flush()
    response = signed_in.post(page(event, suggestion, "/accept"), data={"scope": "all"})
    assert response.status_code == 409
    html = text(response)
    assert "changed “Second” after this suggestion was made" in html
    assert "Changed since" in html
    assert first.starts_at is None
    assert latest(event).status is SuggestionStatus.DRAFT


def test_a_refused_acceptance_changes_nothing(signed_in, event, rooms):
    db.session.add(
        ScheduleSettings(
            event_id=event.id,
            severities={"room_overlap": "blocks_saving"},
            granularity_minutes=15,
            updated_at=NOW,
        )
    )
    first = make_talk(event, title="First")
    make_talk(event, title="Second")
    ask(signed_in, event)
    suggestion = latest(event)
    last = suggestion.moves[-1]
    # Someone puts a new session where the last move goes: a room overlap that blocks saving.
    make_talk(
        event,
        title="Squatter",
        room=db.session.get(type(rooms[0]), last["room_id"]),
        starts_at=dt.datetime.fromisoformat(last["starts_at"]),
    )
    response = signed_in.post(page(event, suggestion, "/accept"), data={"scope": "all"})
    assert response.status_code == 409
    assert "The suggestion cannot be applied" in text(response)
    assert "overlap" in text(response)
    placed = db.session.scalars(
        select(Slot).where(Slot.id.in_([m["slot_id"] for m in suggestion.moves]))
    )
    assert all(s.starts_at is None for s in placed)
    assert first.starts_at is None
    assert latest(event).status is SuggestionStatus.DRAFT


def test_an_accepted_suggestion_cannot_be_accepted_again(signed_in, event, rooms):
    make_talk(event, title="One")
    ask(signed_in, event)
    suggestion = latest(event)
    assert (
        signed_in.post(page(event, suggestion, "/accept"), data={"scope": "all"}).status_code == 302
    )
    response = signed_in.post(page(event, suggestion, "/accept"), data={"scope": "all"})
    assert response.status_code == 409
    assert "already accepted" in text(response)


def test_a_move_that_is_not_in_the_suggestion_is_400(signed_in, event, rooms):
    make_talk(event, title="One")
    ask(signed_in, event)
    response = signed_in.post(
        page(event, latest(event), "/accept"), data={"moves": ["forged"], "scope": "selected"}
    )
    assert response.status_code == 400
    assert latest(event).status is SuggestionStatus.DRAFT


# Discarding -----------------------------------------------------------------------------------


def test_discarding_asks_first(signed_in, event, rooms):
    slot = make_talk(event, title="One")
    ask(signed_in, event)
    suggestion = latest(event)
    confirm = signed_in.get(page(event, suggestion, "/discard"))
    assert confirm.status_code == 200
    assert "Discard this suggestion without changing the schedule?" in text(confirm)
    response = signed_in.post(page(event, suggestion, "/discard"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/manage/{event.slug}/schedule/suggest")
    assert latest(event).status is SuggestionStatus.DISCARDED
    assert slot.starts_at is None
    again = signed_in.post(page(event, suggestion, "/discard"))
    assert again.status_code == 409


# Queries --------------------------------------------------------------------------------------


def test_the_pages_queries_do_not_grow_with_moves_or_suggestions(
    signed_in, event, rooms, olga, assert_constant_queries
):
    suggestion = ScheduleSuggestion(
        event_id=event.id,
        mode="suggest",
        created_by_id=olga.id,
        created_at=NOW,
        stats={"status": "optimal", "time_limit": 5, "placed": 0, "to_place": 0},
        moves=[],
        unplaced=[],
    )
    db.session.add(suggestion)
    db.session.flush()
    count = [0]

    def grow():
        moves = list(suggestion.moves)
        unplaced = list(suggestion.unplaced)
        for _ in range(3):
            count[0] += 1
            slot = make_talk(event, title=f"Talk {count[0]}")
            moves.append(
                {
                    "slot_id": slot.id,
                    "public_id": slot.public_id,
                    "title": f"Talk {count[0]}",
                    "version": slot.version,
                    "room_id": rooms[count[0] % 2].id,
                    "starts_at": lisbon(27, 9 + count[0] % 8).isoformat(),
                    "from_room_id": None,
                    "from_starts_at": None,
                }
            )
            other = make_talk(event, title=f"Unplaced {count[0]}")
            unplaced.append(
                {"slot_id": other.id, "public_id": other.public_id, "title": "x", "reasons": ["y"]}
            )
            db.session.add(
                ScheduleSuggestion(
                    event_id=event.id,
                    mode="repair",
                    created_by_id=make_user().id,
                    created_at=NOW,
                    stats={"status": "feasible"},
                )
            )
        suggestion.moves = moves
        suggestion.unplaced = unplaced
        db.session.flush()

    assert_constant_queries(
        [page(event, suggestion), f"/manage/{event.slug}/schedule/suggest"], grow
    )


def test_only_a_draft_suggestion_may_be_decided_and_only_by_the_schedules_managers(
    event, rooms, olga
):
    suggestion = ScheduleSuggestion(
        event_id=event.id, mode="suggest", created_at=NOW, status=SuggestionStatus.DRAFT
    )
    outsider = make_user(name="Otto Outsider")
    assert permissions.can_decide_suggestion(olga, event, suggestion)
    assert not permissions.can_decide_suggestion(outsider, event, suggestion)
    for status in (SuggestionStatus.APPLIED, SuggestionStatus.DISCARDED):
        suggestion.status = status
        assert not permissions.can_decide_suggestion(olga, event, suggestion)
