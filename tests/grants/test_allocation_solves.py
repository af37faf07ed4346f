"""A grant programme's allocation as a solve run by the task queue (services/solves.py): the
run form starts it with its time limit, its progress page leads to the draft, impossible pins
fail it in words, a cancel stops it, and only the event's organizers may follow it. The
suite's queue is immediate: a run started by the form has ended when the redirect comes."""

from __future__ import annotations

import datetime as dt
import random
import re
import time

import pytest
from sqlalchemy import select

from organizer.enums import AllocationStatus, SolveKind, SolveState
from organizer.errors import NotFound, PermissionDenied, ValidationFailed
from organizer.extensions import db
from organizer.models import AllocationRun, OutboxMessage, Solve
from organizer.queue import huey
from organizer.services import solves, solving
from organizer.services.grants import allocation
from tests.factories import NOW, login_as, make_programme
from tests.grants.test_allocation import World

LATER = NOW + dt.timedelta(seconds=3)


@pytest.fixture
def world(app):
    huey.flush()
    world = World(budget=60_000)
    world.best = world.application(5, {"travel": 40_000})
    world.good = world.application(4, {"travel": 30_000})
    return world


def start(world, time_limit=7):
    solve = solves.start_allocation(
        programme=world.programme, actor=world.organizer, now=NOW, time_limit=time_limit
    )
    db.session.commit()
    return solve


def page(world, solve, end=""):
    slug, pid = world.event.slug, world.programme.public_id
    return f"/manage/{slug}/grants/{pid}/allocation/runs/{solve.public_id}{end}"


def allocation_url(world):
    return f"/manage/{world.event.slug}/grants/{world.programme.public_id}/allocation"


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


# The service -----------------------------------------------------------------------------------


def test_a_run_makes_the_programmes_draft_with_its_time_limit(world):
    solve = start(world)
    assert (solve.kind, solve.state, solve.programme) == (
        SolveKind.GRANT_ALLOCATION,
        SolveState.QUEUED,
        world.programme,
    )
    assert solves.carry_out(solve.public_id, clock=lambda: LATER) is SolveState.DONE
    db.session.refresh(solve)
    run = db.session.get(AllocationRun, solve.allocation_run_id)
    assert run is not None and run.status is AllocationStatus.DRAFT
    assert run.settings["time_limit"] == 7  # the form's limit is the optimiser's
    assert solve.progress == "Finished: 2 of 2 applications funded."
    assert solves.status(solve, now=LATER).result_public_id == world.programme.public_id
    [mail] = db.session.scalars(select(OutboxMessage)).all()
    assert mail.subject.startswith(f"Finished: The allocation of “{world.programme.name}”")
    assert page(world, solve) in mail.body_text


@pytest.mark.parametrize("limit", [0, 301])
def test_a_time_limit_out_of_bounds_is_refused(world, limit):
    with pytest.raises(ValidationFailed) as refused:
        start(world, time_limit=limit)
    assert "time_limit" in refused.value.errors


def test_impossible_pins_fail_the_run_in_words(world):
    for _ in range(3):  # at least 3 x 25,000 with partial awards: more than 60,000
        world.application(3, {"travel": 50_000}, pin="fund")
    solve = start(world)
    assert solves.carry_out(solve.public_id, clock=lambda: LATER) is SolveState.FAILED
    db.session.refresh(solve)
    assert "must-fund" in solve.error and solve.allocation_run_id is None
    assert allocation.latest_run(world.programme) is None


def test_a_stop_ends_a_busy_optimiser_at_once():
    """2,000 applications keep CP-SAT busy for seconds; the watch's stop ends it at its first
    look, long before the time limit."""
    rng = random.Random(7)
    items = [
        allocation.Item(
            id=n,
            score=rng.randint(10, 100) / 10,
            requested={
                "travel": rng.randint(200, 2_000) * 100,
                "lodging": rng.randint(0, 900) * 100,
            },
        )
        for n in range(2_000)
    ]
    phases = []

    def watch(phase, seconds):
        phases.append(phase)
        return True

    started = time.monotonic()
    with pytest.raises(solving.Stopped):
        allocation.solve(items, budget=50_000_000, min_fraction=50, time_limit=60, watch=watch)
    assert phases == ["fund"]
    assert time.monotonic() - started < 20


def test_only_the_events_organizers_start_and_follow_runs(world):
    with pytest.raises(PermissionDenied):
        solves.start_allocation(
            programme=world.programme, actor=world.reviewer, now=NOW, time_limit=5
        )
    solve = start(world)
    with pytest.raises(PermissionDenied):
        solves.solve_by_public_id(
            actor=world.reviewer,
            event=world.event,
            public_id=solve.public_id,
            programme=world.programme,
        )
    other = make_programme(world.event, name="Another programme")
    for programme in (other, None):  # another programme's address, or the scheduler's
        with pytest.raises(NotFound):
            solves.solve_by_public_id(
                actor=world.organizer,
                event=world.event,
                public_id=solve.public_id,
                programme=programme,
            )


# The pages -------------------------------------------------------------------------------------


def test_the_run_button_starts_a_run_whose_page_leads_to_the_draft(client, world):
    login_as(client, world.organizer)
    form = text(client.get(allocation_url(world)))
    assert "Time limit, in seconds" in form and 'value="10"' in form
    response = client.post(allocation_url(world), data={"time_limit": "12"})
    assert response.status_code == 302
    solve = db.session.scalars(select(Solve)).one()
    assert response.headers["Location"].endswith(page(world, solve))
    assert solve.state is SolveState.DONE and solve.time_limit == 12
    assert allocation.latest_run(world.programme).settings["time_limit"] == 12
    done = client.get(page(world, solve))
    assert done.status_code == 302 and done.headers["Location"].endswith(allocation_url(world))
    assert "The allocation ran." in text(client.get(allocation_url(world)))
    status = client.get(page(world, solve, ".json")).get_json()
    assert status["state"] == "done" and status["result_url"].endswith(allocation_url(world))


def test_a_bad_time_limit_is_shown_next_to_the_field(client, world):
    login_as(client, world.organizer)
    response = client.post(allocation_url(world), data={"time_limit": "900"})
    assert response.status_code == 400
    assert "Enter a time limit from 1 to 300 seconds" in text(response)
    assert db.session.scalars(select(Solve)).all() == []


def test_a_waiting_run_shows_its_progress_and_can_be_cancelled(client, world):
    login_as(client, world.organizer)
    solve = start(world)
    response = client.get(page(world, solve))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    assert 'role="status" aria-live="polite"' in html
    assert "Waiting for its turn" in text(response)
    listed = text(client.get(allocation_url(world)))
    assert "Under way" in listed and page(world, solve) in listed
    assert "Stop the allocation now?" in text(client.get(page(world, solve, "/cancel")))
    cancelled = client.post(page(world, solve, "/cancel"))
    assert cancelled.status_code == 302
    db.session.refresh(solve)
    assert solve.state is SolveState.CANCELLED
    assert solves.carry_out(solve.public_id, clock=lambda: LATER) is SolveState.CANCELLED
    assert allocation.latest_run(world.programme) is None


def test_only_the_events_organizers_reach_a_runs_pages(client, world):
    solve = start(world)
    login_as(client, world.reviewer)
    for end in ("", ".json", "/cancel"):
        assert client.get(page(world, solve, end)).status_code == 403
    assert client.post(page(world, solve, "/cancel")).status_code == 403


def test_a_runs_page_runs_the_same_queries_however_many_runs(
    client, world, assert_constant_queries
):
    login_as(client, world.organizer)
    solve = start(world)

    def grow():
        for _ in range(3):
            start(world)
            world.application(3, {"travel": 1_000})

    assert_constant_queries([page(world, solve), page(world, solve, ".json")], grow)
