"""The automatic scheduler run by a real worker: started, its progress page says it waits, the
worker runs it, the page leads to the suggestion, and its starter (who was not watching) gets a
mail; a solve cancelled before the worker takes it is left alone; a solve whose worker is
killed fails instead of running for ever."""

from __future__ import annotations

import datetime as dt
import signal

from sqlalchemy import select

from organizer import queue, tasks
from organizer.enums import SolveState
from organizer.extensions import db
from organizer.models import OutboxMessage, ScheduleSuggestion, Solve
from organizer.queue import huey
from organizer.services import solves
from tests.factories import NOW, login_as, make_room, make_schedule_event, make_talk, make_user
from tests.queue.conftest import running_worker, wait_until


def start(in_queue_app, time_limit=4, talks=4):
    """What the form does: the record, the commit, then the task."""
    organizer = make_user(name="Olga Organizer", email="olga.solves@example.org")
    event = make_schedule_event(organizer, slug="queued-solve")
    make_room(event, "Aula Magna")
    for n in range(talks):
        make_talk(event, make_user(), title=f"Talk {n}")
    solve = solves.start_schedule(
        event=event, actor=organizer, now=NOW, mode="suggest", time_limit=time_limit
    )
    db.session.commit()
    tasks.run_solve(solve.public_id)
    client = in_queue_app.test_client()
    login_as(client, organizer)
    return client, solve, f"/manage/{event.slug}/schedule/solves/{solve.public_id}"


def ran(log):
    return any(
        "organizer.tasks.run_solve" in line and "executed in" in line
        for line in log.read_text().splitlines()
    )


def state_of(solve):
    db.session.commit()  # a fresh look at what the worker wrote
    return db.session.scalar(select(Solve.state).where(Solve.id == solve.id))


def test_a_worker_runs_the_scheduler_and_the_page_leads_to_its_suggestion(
    in_queue_app, tmp_path, mailbox
):
    client, solve, page = start(in_queue_app)
    waiting = client.get(page)
    assert waiting.status_code == 200
    assert "Waiting for its turn" in waiting.get_data(as_text=True)
    assert client.get(page + ".json").get_json()["state"] == "queued"

    with running_worker(in_queue_app, log=tmp_path / "worker.log"):
        wait_until(lambda: state_of(solve) is SolveState.DONE, what="the solve")
        wait_until(lambda: ran(tmp_path / "worker.log"), what="the task")
    suggestion = db.session.scalars(select(ScheduleSuggestion)).one()
    done = client.get(page)
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/schedule/suggestions/{suggestion.public_id}")
    assert len(suggestion.moves) == 4 and suggestion.stats["time_limit"] == 4
    # Its page was looked at moments before it finished: no mail.
    assert mailbox.to("olga.solves@example.org") == []
    log = (tmp_path / "worker.log").read_text()
    assert log.count("Executing organizer.tasks.run_solve") == 1, log


def test_whoever_started_it_and_left_gets_a_mail_with_the_link(in_queue_app, tmp_path, mailbox):
    client, solve, page = start(in_queue_app)
    with running_worker(in_queue_app, log=tmp_path / "worker.log"):
        wait_until(lambda: mailbox.to("olga.solves@example.org"), what="the mail")
    message = mailbox.last("olga.solves@example.org")
    assert message["Subject"].startswith("Finished: The automatic scheduler")
    assert mailbox.link(message, page) == page
    assert state_of(solve) is SolveState.DONE
    assert client.get(page).status_code == 302  # on to the suggestion


def test_a_solve_cancelled_while_it_waits_is_left_alone(in_queue_app, tmp_path, mailbox):
    client, solve, page = start(in_queue_app)
    confirm = client.get(page + "/cancel")
    assert confirm.status_code == 200
    solves.cancel(actor=solve.requested_by, solve=solve, now=NOW)  # the confirmed POST
    db.session.commit()
    with running_worker(in_queue_app, log=tmp_path / "worker.log"):
        wait_until(lambda: ran(tmp_path / "worker.log"), what="the task")
    assert state_of(solve) is SolveState.CANCELLED
    assert db.session.scalars(select(ScheduleSuggestion)).all() == []
    assert db.session.scalars(select(OutboxMessage)).all() == []
    assert "Cancelled" in client.get(page).get_data(as_text=True)
    assert mailbox.to("olga.solves@example.org") == []


def test_a_solve_whose_worker_is_killed_fails_instead_of_running_for_ever(
    in_queue_app, tmp_path, monkeypatch
):
    """The worker is killed (SIGKILL: no goodbye) while the solve runs. Its last heartbeat
    stays behind; once it is older than WORKER_GONE_AFTER (a minute; 3 s here, in this
    process), the page shows the solve failed and the routine job records it so."""
    # Enough talks that the search is still on when the worker is killed.
    client, solve, page = start(in_queue_app, time_limit=120, talks=40)
    with running_worker(in_queue_app, log=tmp_path / "worker.log") as worker:
        wait_until(lambda: state_of(solve) is SolveState.RUNNING, what="the solve to run")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    assert state_of(solve) is SolveState.RUNNING  # nobody said the last word
    assert huey.get(f"solve-worker:{solve.public_id}", peek=True)  # who ran it
    monkeypatch.setattr(queue, "WORKER_GONE_AFTER", dt.timedelta(seconds=3))
    wait_until(
        lambda: client.get(page + ".json").get_json()["state"] == "failed",
        what="the page to say it failed",
        timeout=30,
    )
    assert "worker running this solve stopped" in client.get(page).get_data(as_text=True)
    assert solves.recover(now=dt.datetime.now(dt.UTC)) == 1
    assert state_of(solve) is SolveState.FAILED
