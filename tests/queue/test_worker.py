"""The queue with real workers: mail a request committed is sent by the worker, not the
request; the periodic tasks hold their lock; several workers deliver each message once."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import func, select

from organizer import queue, tasks
from organizer.blueprints._common import commit
from organizer.enums import OutboxState
from organizer.extensions import db
from organizer.models import OutboxMessage
from organizer.queue import huey, last_run, last_skip
from organizer.services import mail
from tests.factories import NOW, make_user
from tests.queue.conftest import running_worker, wait_until


def queue_message(to: str) -> OutboxMessage:
    user = make_user(email=to)
    return mail.queue_mail(to=to, purpose="password_changed", context={"user": user}, now=NOW)


def states() -> dict[OutboxState, int]:
    rows = db.session.execute(
        select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
    )
    db.session.commit()  # end the read, so that the next one sees the worker's commits
    return dict(rows.all())


def test_the_request_only_enqueues_and_the_worker_sends(in_queue_app, mailbox, tmp_path):
    message = queue_message("queued@example.org")
    commit()  # the request's commit: the mail is handed to the queue, not to the relay
    assert huey.pending_count() == 1
    assert mailbox.to("queued@example.org") == []
    assert states() == {OutboxState.QUEUED: 1}

    with running_worker(in_queue_app, log=tmp_path / "worker.log"):
        wait_until(lambda: mailbox.to("queued@example.org"), what="the mail")
        wait_until(lambda: states() == {OutboxState.SENT: 1}, what="the outbox to say sent")
    received = mailbox.last("queued@example.org")
    assert received["Message-ID"] == f"<{message.public_id}@organizer.test>"
    assert huey.pending_count() == 0
    # deliver_mail returned its counts, and nothing keeps them: nobody reads task results, and
    # kept they would pile up in the store for ever. Only the queue's own records remain.
    stored = {k.decode() if isinstance(k, bytes) else k for k in huey.all_results()}
    assert stored == set(queue.records())


def test_a_periodic_task_skips_its_turn_while_another_worker_holds_its_lock(
    in_queue_app, mailbox, tmp_path
):
    queue_message("sweep@example.org")
    db.session.commit()  # committed without a task: only the sweep will find it
    with running_worker(in_queue_app, log=tmp_path / "worker.log"):
        with queue.lock("send_mail", expires=mail.STALE_CLAIM):  # another worker's sweep
            tasks.send_mail()
            wait_until(lambda: last_skip("send_mail"), what="the sweep to skip its turn")
            assert mailbox.to("sweep@example.org") == []
            assert last_run("send_mail") is None
        tasks.send_mail()  # (Huey keeps no results of periodic tasks: their last run tells)
        wait_until(lambda: mailbox.to("sweep@example.org"), what="the sweep to send it")
        wait_until(lambda: last_run("send_mail"), what="the sweep's record")
    # (the clock's own turn at the top of a minute may be the run that sent it)
    assert len(mailbox.to("sweep@example.org")) == 1


def test_three_workers_claiming_at_once_deliver_each_message_exactly_once(
    in_queue_app, mailbox, tmp_path
):
    addresses = [f"many{n}@example.org" for n in range(30)]
    ids = [queue_message(address).id for address in addresses]
    db.session.commit()
    for _ in range(3):  # three tasks for the same messages, and three sweeps
        tasks.deliver_mail(ids)
        tasks.send_mail()
    with contextlib.ExitStack() as workers:
        for n in range(3):
            workers.enter_context(running_worker(in_queue_app, log=tmp_path / f"worker{n}.log"))
        wait_until(lambda: states() == {OutboxState.SENT: 30}, what="30 sent", timeout=90)
        wait_until(lambda: huey.pending_count() == 0, what="an empty queue")
    received = [m["Message-ID"] for m in mailbox.messages if m["To"] in addresses]
    assert len(received) == 30 and len(set(received)) == 30


def test_a_lock_left_by_a_killed_worker_is_taken_over_once_it_has_expired(in_queue_app):
    queue.huey.put("lock:send_mail", "2026-01-01T00:00:00+00:00")  # held since long ago
    expires = mail.STALE_CLAIM
    with (
        queue.lock("send_mail", expires=expires),
        pytest.raises(queue.Locked),  # a fresh lock is respected
        queue.lock("send_mail", expires=expires),
    ):
        pass
    assert queue.huey.get("lock:send_mail", peek=True) is None  # released


def test_a_task_logs_with_the_id_of_the_request_that_enqueued_it(in_queue_app, tmp_path):
    queue_message("traced@example.org")
    with in_queue_app.test_request_context(headers={"X-Request-ID": "trace-me-0123456789"}):
        commit()
    log_file = tmp_path / "worker.log"
    with running_worker(in_queue_app, log=log_file):
        # (the clock's sweep may send the mail first; the task still runs, and logs)
        wait_until(lambda: "messages a request queued" in log_file.read_text(), what="the task")
    log = log_file.read_text()
    line = next(line for line in log.splitlines() if "messages a request queued" in line)
    assert line.endswith("request_id=trace-me-0123456789"), log
