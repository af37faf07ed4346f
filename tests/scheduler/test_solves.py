"""Solves on the database (services/solves.py): a run of the automatic scheduler as a record
that a task fills in: queued, running (with its progress), done (pointing at its suggestion),
failed (saying why) or cancelled; who may follow it; the mail when nobody was watching."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import select

from organizer import queue, tasks
from organizer.enums import EventRoleName, SolveState
from organizer.errors import NotFound, PermissionDenied, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import EventRole, OutboxMessage, ScheduleSuggestion, Solve
from organizer.queue import huey
from organizer.services import solves
from organizer.services.scheduling.plan import build_plan
from organizer.services.scheduling.solver import run as solver
from tests.bench.scheduling_data import make_plan
from tests.factories import (
    NOW,
    grant_role,
    make_event,
    make_room,
    make_schedule_event,
    make_talk,
    make_user,
)

LATER = NOW + dt.timedelta(seconds=4)


@pytest.fixture
def olga():
    return make_user(name="Olga Organizer")


@pytest.fixture
def event(olga):
    event = make_schedule_event(olga)
    make_room(event, "Sala Tejo")
    make_room(event, "Sala Sado")
    for n in range(3):
        make_talk(event, title=f"Talk {n}")
    return event


@pytest.fixture(autouse=True)
def _empty_queue(app):
    huey.flush()  # the seen markers of earlier tests
    yield
    huey.flush()


def start(event, actor, **kwargs):
    kwargs.setdefault("mode", "suggest")
    kwargs.setdefault("time_limit", 5)
    solve = solves.start_schedule(event=event, actor=actor, now=NOW, **kwargs)
    db.session.commit()
    return solve


def clock():
    return LATER


def mails(purpose=solves.MAIL_PURPOSE):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == purpose)).all()


def test_starting_makes_a_queued_record_and_running_it_keeps_the_suggestion(event, olga):
    solve = start(event, olga, mode="repair", time_limit=7)
    assert solve.state is SolveState.QUEUED
    assert (solve.kind, solve.mode, solve.time_limit) == ("schedule", "repair", 7)
    assert solve.requested_by == olga and solve.started_at is None

    assert solves.carry_out(solve.public_id, clock=clock) is SolveState.DONE
    db.session.refresh(solve)
    assert solve.state is SolveState.DONE
    assert solve.started_at == LATER and solve.finished_at == LATER
    assert solve.progress == "Finished: 3 of 3 sessions have a place."
    assert solve.percent == 100
    suggestion = solve.suggestion
    assert suggestion is not None and suggestion.mode == "repair"
    assert suggestion.created_by == olga and len(suggestion.moves) == 3
    # The form's time limit is the solver's.
    assert suggestion.stats["time_limit"] == 7
    status = solves.status(solve, now=LATER + dt.timedelta(minutes=5))
    assert (status.state, status.elapsed, status.time_limit) == (SolveState.DONE, 0, 7)
    assert status.result_public_id == suggestion.public_id


@pytest.mark.parametrize(
    ("mode", "limit", "field"),
    [("suggest", 0, "time_limit"), ("suggest", 601, "time_limit"), ("shuffle", 5, "mode")],
)
def test_a_bad_request_is_refused_before_anything_is_queued(event, olga, mode, limit, field):
    with pytest.raises(ValidationFailed) as refused:
        solves.start_schedule(event=event, actor=olga, now=NOW, mode=mode, time_limit=limit)
    assert field in refused.value.errors
    assert db.session.scalars(select(Solve)).all() == []


def test_only_the_events_organizers_start_follow_and_cancel(event, olga):
    reviewer = make_user()
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    with pytest.raises(PermissionDenied):
        solves.start_schedule(event=event, actor=reviewer, now=NOW, mode="suggest", time_limit=5)
    solve = start(event, olga)
    with pytest.raises(PermissionDenied):
        solves.solve_by_public_id(actor=reviewer, event=event, public_id=solve.public_id)
    with pytest.raises(PermissionDenied):
        solves.cancel(actor=reviewer, solve=solve, now=LATER)
    other = make_event(organizer=olga)
    with pytest.raises(NotFound):
        solves.solve_by_public_id(actor=olga, event=other, public_id=solve.public_id)
    assert solves.solve_by_public_id(actor=olga, event=event, public_id=solve.public_id) == solve


def test_a_solve_cancelled_before_a_worker_takes_it_does_nothing(event, olga):
    solve = start(event, olga)
    solves.cancel(actor=olga, solve=solve, now=LATER)
    db.session.commit()
    assert solves.carry_out(solve.public_id, clock=clock) is SolveState.CANCELLED
    db.session.refresh(solve)
    assert solve.state is SolveState.CANCELLED and solve.started_at is None
    assert db.session.scalars(select(ScheduleSuggestion)).all() == []
    assert mails() == []
    with pytest.raises(WrongState):
        solves.cancel(actor=olga, solve=solve, now=LATER)


def test_the_watch_writes_progress_and_stops_a_cancelled_solve(event, olga):
    solve = start(event, olga, time_limit=10)
    solve.state = SolveState.RUNNING
    db.session.commit()
    look = solves._watch(solve.id, solve.time_limit)
    sofar = solver.Sofar(
        phase="optimise", seconds=2.5, total=3, solutions=2, objective=40.0, placed=3
    )
    assert look(sofar) is False  # keep going
    db.session.refresh(solve)
    assert solve.progress == "2 schedules found so far; the best places 3 of 3 sessions."
    assert solve.percent == 25
    solves.cancel(actor=olga, solve=solve, now=LATER)
    db.session.commit()
    assert look(sofar) is True  # stop
    db.session.refresh(solve)
    assert solve.progress == "Cancelled."  # a cancelled record is not written over


def test_the_solver_stops_when_its_watch_says_so(event):
    plan = build_plan(event)
    phases = []

    def watch(sofar):
        phases.append(sofar.phase)
        return sofar.phase == "start"

    with pytest.raises(solver.Stopped):
        solver.solve(plan, time_limit=5, workers=1, watch=watch)
    assert phases == ["start"]
    seen = []
    result = solver.solve(plan, time_limit=5, workers=1, watch=lambda s: seen.append(s) or False)
    assert len(result.placements) == 3 and seen[0].phase == "start" and seen[0].total == 3


def test_whoever_left_gets_a_mail_when_it_is_done(event, olga):
    solve = start(event, olga)
    solves.carry_out(solve.public_id, clock=clock)
    [message] = mails()
    assert message.to_address == olga.email
    assert message.subject.startswith("Finished: The automatic scheduler")
    assert f"/schedule/solves/{solve.public_id}" in message.body_text
    assert "3 of 3 sessions have a place" in message.body_text


def test_whoever_is_watching_gets_no_mail(event, olga):
    solve = start(event, olga)
    solves.seen(solve, now=LATER - solves.LEFT_AFTER + dt.timedelta(seconds=1))
    solves.carry_out(solve.public_id, clock=clock)
    assert solve.state is SolveState.DONE
    assert mails() == []
    # Seen, but longer ago than LEFT_AFTER: they left.
    again = start(event, olga)
    solves.seen(again, now=LATER - solves.LEFT_AFTER)
    solves.carry_out(again.public_id, clock=clock)
    assert len(mails()) == 1


def test_a_solve_that_cannot_run_fails_and_says_why(event, olga):
    solve = start(event, olga)
    db.session.execute(EventRole.__table__.delete().where(EventRole.user_id == olga.id))
    db.session.commit()
    assert solves.carry_out(solve.public_id, clock=clock) is SolveState.FAILED
    db.session.refresh(solve)
    assert solve.state is SolveState.FAILED and solve.finished_at == LATER
    assert "organizers" in solve.error
    [message] = mails()
    assert message.subject.startswith("Failed:") and solve.error in message.body_text


def test_a_stop_ends_a_running_cp_sat_search_at_once():
    """400 sessions keep CP-SAT busy far beyond a minute; the watch's stop ends the search
    within a look or two, not at the time limit."""
    plan = make_plan(sessions=400, rooms=10, days=3, seed=1)
    looks = []

    def watch(sofar):
        looks.append(sofar.phase)
        return sofar.phase == "optimise"

    started = time.monotonic()
    with pytest.raises(solver.Stopped):
        solver.solve(plan, time_limit=60, workers=2, watch=watch)
    assert looks[-1] == "optimise"
    assert time.monotonic() - started < 20


# A solve whose worker stopped ------------------------------------------------------------------


def left_running(event, actor, *, started_at=NOW, time_limit=5, worker=None):
    """A solve a worker took (running, as carry_out's first step leaves it) and then died."""
    solve = start(event, actor, time_limit=time_limit)
    solve.state, solve.started_at = SolveState.RUNNING, started_at
    solve.progress = "Searching for a schedule."
    db.session.commit()
    if worker is not None:
        huey.put(f"solve-worker:{solve.public_id}", worker)
    return solve


def test_a_solve_running_past_its_time_limit_is_failed_and_a_fresh_one_is_not(event, olga):
    at = NOW + dt.timedelta(seconds=5) + solves.STALLED_MARGIN + dt.timedelta(seconds=1)
    old = left_running(event, olga, started_at=NOW, time_limit=5)
    fresh = left_running(event, olga, started_at=at - dt.timedelta(seconds=10), time_limit=5)
    assert solves.stopped(old, now=at) and not solves.stopped(fresh, now=at)
    # The progress page shows it failed at once, without writing; the lists leave it out.
    shown = solves.status(old, now=at)
    assert shown.state is SolveState.FAILED
    assert "worker running this solve stopped" in shown.error
    assert solves.status(fresh, now=at).state is SolveState.RUNNING
    assert solves.under_way(event, now=at) == [fresh]

    assert solves.recover(now=at) == 1
    db.session.refresh(old)
    db.session.refresh(fresh)
    assert old.state is SolveState.FAILED and old.finished_at == at
    assert old.error == solves.worker_stopped_text()
    assert fresh.state is SolveState.RUNNING and fresh.finished_at is None
    [message] = mails()  # nobody was watching: whoever started it is told
    assert message.to_address == olga.email and message.subject.startswith("Failed:")
    assert solves.recover(now=at) == 0  # once
    # The organizer starts it again.
    again = start(event, olga)
    assert solves.carry_out(again.public_id, clock=clock) is SolveState.DONE


def test_a_solve_whose_worker_has_no_heartbeat_has_stopped(event, olga):
    at = NOW + dt.timedelta(minutes=2)  # well within its time limit
    solve = left_running(event, olga, time_limit=300, worker="box:4242")
    huey.put("worker:box:4242", (at - dt.timedelta(seconds=10)).isoformat())
    assert not solves.stopped(solve, now=at)  # its worker is alive
    huey.put("worker:box:4242", (at - queue.WORKER_GONE_AFTER).isoformat())
    assert solves.stopped(solve, now=at)  # killed: its last heartbeat stayed behind
    huey.delete("worker:box:4242")
    assert solves.stopped(solve, now=at)  # stopped and gone
    # Not in its first minute: the worker that has just taken it has surely beaten since.
    assert not solves.stopped(solve, now=NOW + dt.timedelta(seconds=30))
    assert solves.recover(now=at) == 1
    db.session.refresh(solve)
    assert solve.state is SolveState.FAILED
    assert huey.get(f"solve-worker:{solve.public_id}", peek=True) is None


def test_a_solve_run_outside_a_worker_is_judged_by_its_time_limit_alone(event, olga):
    solve = left_running(event, olga, time_limit=300)  # no worker recorded (immediate queue)
    assert not solves.stopped(solve, now=NOW + dt.timedelta(minutes=9))
    assert solves.stopped(solve, now=NOW + dt.timedelta(minutes=10, seconds=1))


def test_the_worker_running_a_solve_is_recorded_while_it_runs(event, olga, monkeypatch):
    monkeypatch.setattr(queue, "this_worker", "box:7")
    solve = start(event, olga)
    recorded = []
    original = solves._solve_schedule

    def watched(item, clock):
        recorded.append(huey.get(f"solve-worker:{item.public_id}", peek=True))
        return original(item, clock)

    monkeypatch.setattr(solves, "_solve_schedule", watched)
    assert solves.carry_out(solve.public_id, clock=clock) is SolveState.DONE
    assert recorded == ["box:7"]
    assert huey.get(f"solve-worker:{solve.public_id}", peek=True) is None  # done: forgotten
    # Cancelled before the worker took it: nothing is left recorded either.
    cancelled = start(event, olga)
    solves.cancel(actor=olga, solve=cancelled, now=NOW)
    db.session.commit()
    assert solves.carry_out(cancelled.public_id, clock=clock) is SolveState.CANCELLED
    assert huey.get(f"solve-worker:{cancelled.public_id}", peek=True) is None


def test_the_periodic_task_records_stopped_solves(event, olga):
    now = dt.datetime.now(dt.UTC)
    old = left_running(event, olga, started_at=now - dt.timedelta(minutes=20))
    fresh = left_running(event, olga, started_at=now - dt.timedelta(seconds=5))
    result = tasks.recover_solves.call_local()
    assert result["stopped"] == 1 and result["sent"] == 1  # the mail to whoever started it
    assert queue.last_run("recover_solves")["result"]["stopped"] == 1
    db.session.refresh(old)
    db.session.refresh(fresh)
    assert (old.state, fresh.state) == (SolveState.FAILED, SolveState.RUNNING)
