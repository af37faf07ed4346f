"""The scheduler's solves through the browser: the form starts one and shows its progress page
(which leads to the suggestion once done), the page and its JSON while it waits or runs,
cancelling with a confirmation, a failure in words, and queries that do not grow. The suite's
queue is immediate: a solve started by the form has run when the redirect comes back."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from organizer.enums import EventRoleName, SolveState
from organizer.extensions import db
from organizer.models import ScheduleSuggestion, Solve
from organizer.queue import huey
from organizer.services import solves
from tests.factories import (
    NOW,
    grant_role,
    login_as,
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
    event = make_schedule_event(olga, slug="solving")
    make_room(event, "Sala Tejo")
    make_talk(event, title="Talk A")
    make_talk(event, title="Talk B")
    return event


@pytest.fixture
def signed_in(client, olga):
    huey.flush()
    login_as(client, olga)
    return client


def queued(event, actor, **fields):
    solve = Solve(
        kind="schedule",
        event_id=event.id,
        mode="suggest",
        requested_by_id=actor.id,
        time_limit=30,
        created_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5),
        **fields,
    )
    db.session.add(solve)
    db.session.commit()
    return solve


def url(event, solve, end=""):
    return f"/manage/{event.slug}/schedule/solves/{solve.public_id}{end}"


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_the_form_starts_a_solve_whose_page_leads_to_the_suggestion(signed_in, event, olga):
    response = signed_in.post(
        f"/manage/{event.slug}/schedule/suggest", data={"mode": "repair", "time_limit": "9"}
    )
    assert response.status_code == 302
    solve = db.session.scalars(select(Solve)).one()
    assert response.headers["Location"].endswith(url(event, solve))
    assert (solve.state, solve.mode, solve.time_limit) == (SolveState.DONE, "repair", 9)
    assert solve.requested_by == olga
    suggestion = db.session.scalars(select(ScheduleSuggestion)).one()
    assert solve.suggestion == suggestion and suggestion.stats["time_limit"] == 9
    page = signed_in.get(url(event, solve))
    assert page.status_code == 302
    assert page.headers["Location"].endswith(f"/schedule/suggestions/{suggestion.public_id}")
    status = signed_in.get(url(event, solve, ".json")).get_json()
    assert status["state"] == "done" and status["finished"] is True
    assert status["result_url"].endswith(f"/schedule/suggestions/{suggestion.public_id}")


def test_a_waiting_solve_reloads_itself_and_offers_to_cancel(signed_in, event, olga):
    solve = queued(event, olga)
    response = signed_in.get(url(event, solve))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    assert 'role="status" aria-live="polite"' in html
    assert "js/solve-progress.js" in html
    words = text(response)
    assert "Waiting for its turn" in words and "30 seconds" in words
    assert "Olga Organizer gets a mail" in words
    assert f'href="{url(event, solve, "/cancel")}"' in html
    # Looking at it marks it seen: a solve that ends now mails nobody.
    assert solves.last_seen(solve) is not None
    status = signed_in.get(url(event, solve, ".json")).get_json()
    assert status["state"] == "queued" and status["finished"] is False
    assert status["time_limit"] == 30 and 5 <= status["elapsed"] < 60
    assert status["result_url"] is None


def test_a_running_solve_shows_its_progress(signed_in, event, olga):
    started = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=10)
    solve = queued(event, olga, state=SolveState.RUNNING, started_at=started, percent=40)
    solve.progress = "2 schedules found so far; the best places 2 of 2 sessions."
    db.session.commit()
    words = text(signed_in.get(url(event, solve)))
    assert "Running" in words and "2 schedules found so far" in words
    assert '<progress max="100" value="40"' in signed_in.get(url(event, solve)).get_data(
        as_text=True
    )
    status = signed_in.get(url(event, solve, ".json")).get_json()
    assert (status["state"], status["percent"]) == ("running", 40)
    assert status["progress"].startswith("2 schedules")


def test_cancelling_asks_first_then_stops_the_solve(signed_in, event, olga):
    solve = queued(event, olga)
    confirm = signed_in.get(url(event, solve, "/cancel"))
    assert confirm.status_code == 200
    assert "Stop the automatic scheduler now?" in text(confirm)
    response = signed_in.post(url(event, solve, "/cancel"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/manage/{event.slug}/schedule/suggest")
    db.session.refresh(solve)
    assert solve.state is SolveState.CANCELLED
    # The worker that takes it now does nothing.
    assert solves.carry_out(solve.public_id, clock=lambda: NOW) is SolveState.CANCELLED
    assert db.session.scalars(select(ScheduleSuggestion)).all() == []
    page = signed_in.get(url(event, solve))
    assert "Cancelled" in text(page) and "http-equiv" not in page.get_data(as_text=True)
    assert signed_in.post(url(event, solve, "/cancel")).status_code == 409


def test_a_failed_solve_says_why_in_words(signed_in, event, olga):
    solve = queued(
        event,
        olga,
        state=SolveState.FAILED,
        error="The account that asked for this solve no longer exists.",
        finished_at=NOW,
    )
    response = signed_in.get(url(event, solve))
    words = text(response)
    assert response.status_code == 200
    assert "Failed" in words and "no longer exists" in words
    assert "Cancel the solve" not in words


def test_a_solve_whose_worker_stopped_shows_as_failed_and_a_new_one_can_start(
    signed_in, event, olga
):
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=30) - solves.STALLED_MARGIN * 2
    solve = queued(event, olga, state=SolveState.RUNNING, started_at=long_ago)
    page = signed_in.get(url(event, solve))
    words = text(page)
    assert "Failed" in words and "worker running this solve stopped" in words
    assert "start the solve again" in words
    assert "http-equiv" not in page.get_data(as_text=True)  # it no longer reloads
    assert "Cancel the solve" not in words
    polled = signed_in.get(url(event, solve, ".json")).get_json()
    assert polled["finished"] is True and polled["state"] == "failed"
    index = signed_in.get(f"/manage/{event.slug}/schedule/suggest").get_data(as_text=True)
    assert url(event, solve) not in index  # no longer under way
    started = signed_in.post(
        f"/manage/{event.slug}/schedule/suggest", data={"mode": "suggest", "time_limit": "5"}
    )
    assert started.status_code == 302
    assert db.session.scalars(select(Solve).where(Solve.state == SolveState.DONE)).one()


def test_only_the_events_organizers_may_follow_a_solve(client, event, olga):
    solve = queued(event, olga)
    reviewer = make_user()
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    login_as(client, reviewer)
    for end in ("", ".json", "/cancel"):
        assert client.get(url(event, solve, end)).status_code == 403
    assert client.post(url(event, solve, "/cancel")).status_code == 403
    other = make_schedule_event(olga, slug="elsewhere")
    login_as(client, olga)
    for end in ("", ".json", "/cancel"):
        assert client.get(url(other, solve, end)).status_code == 404


def test_the_progress_page_runs_the_same_queries_however_long_it_runs(
    signed_in, event, olga, assert_constant_queries
):
    solve = queued(event, olga, state=SolveState.RUNNING, started_at=NOW)

    def grow():
        solve.progress = solve.progress + "x"
        solve.percent = min(99, solve.percent + 30)
        for _ in range(3):
            make_talk(event)
            queued(event, make_user())
        db.session.flush()

    assert_constant_queries([url(event, solve), url(event, solve, ".json")], grow)


def test_the_scheduler_page_lists_the_solves_under_way(signed_in, event, olga):
    waiting = queued(event, olga)
    running = queued(event, olga, state=SolveState.RUNNING, started_at=dt.datetime.now(dt.UTC))
    finished = queued(event, olga, state=SolveState.CANCELLED, finished_at=NOW)
    html = signed_in.get(f"/manage/{event.slug}/schedule/suggest").get_data(as_text=True)
    assert "Under way" in html
    assert url(event, waiting) in html and url(event, running) in html
    assert url(event, finished) not in html
    assert "Waiting for its turn" in html and "started by Olga Organizer" in html
