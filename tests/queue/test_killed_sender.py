"""The mail guarantee with a sender killed mid-send (docs/operator.md, "Mail"): the message is
sent again after the claim has gone stale, under the same Message-ID, and never lost."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import signal
import subprocess
import sys
import threading

import pytest
from aiosmtpd.controller import Controller

from organizer.enums import OutboxState
from organizer.extensions import db
from organizer.services import mail
from tests.conftest import free_port
from tests.queue.conftest import PROJECT_ROOT, worker_environment
from tests.queue.test_worker import queue_message


class StallingRelay:
    """A relay that takes the message and then does not answer until released: the sender
    is killed while it waits for the "250 OK"."""

    def __init__(self) -> None:
        self.received: list[email.message.EmailMessage] = []
        self.got_message = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.received.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        self.got_message.set()
        while not self.release.is_set():
            await asyncio.sleep(0.05)
        return "250 OK"


@pytest.fixture
def stalling_relay():
    relay = StallingRelay()
    port = free_port()
    controller = Controller(relay, hostname="127.0.0.1", port=port)
    controller.start()
    yield relay, port
    relay.release.set()
    controller.stop()


def test_a_sender_killed_after_the_relay_took_the_message_resends_it_with_the_same_id(
    in_queue_app, queue_app, stalling_relay, mailbox, tmp_path
):
    if queue_app.config["QUEUE_BACKEND"] != "sqlite":
        pytest.skip("about the outbox, not the queue: once is enough")
    relay, port = stalling_relay
    message = queue_message("killed@example.org")
    db.session.commit()

    with (tmp_path / "send-mail.log").open("wb") as log:
        sender = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "send-mail"],
            cwd=PROJECT_ROOT,
            env=worker_environment(queue_app, ORGANIZER_MAIL_PORT=str(port)),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        assert relay.got_message.wait(60), (tmp_path / "send-mail.log").read_text()
    finally:
        sender.send_signal(signal.SIGKILL)
        sender.wait()
    relay.release.set()

    db.session.refresh(message)
    assert (message.state, message.attempts) == (OutboxState.SENDING, 1)
    claimed_at = message.claimed_at.replace(tzinfo=dt.UTC)
    db.session.commit()

    # While the claim is fresh, nobody else sends it (the killed sender might still be alive).
    assert mail.deliver(now=claimed_at + dt.timedelta(minutes=1))["sent"] == 0
    assert mailbox.to("killed@example.org") == []

    later = claimed_at + mail.STALE_CLAIM + dt.timedelta(seconds=1)
    assert mail.deliver(now=later)["sent"] == 1
    db.session.refresh(message)
    assert (message.state, message.attempts, message.last_error) == (OutboxState.SENT, 2, None)
    resent = mailbox.last("killed@example.org")
    assert resent["Message-ID"] == relay.received[0]["Message-ID"]
    assert resent["Message-ID"] == f"<{message.public_id}@organizer.test>"
