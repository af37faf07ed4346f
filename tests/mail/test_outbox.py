import contextvars
import datetime as dt
import smtplib

import pytest
from sqlalchemy import select, update

from organizer.enums import OutboxState
from organizer.extensions import db
from organizer.models import OutboxMessage
from organizer.services import mail
from tests.factories import NOW, make_user


def queue(to="a@example.org", key=None):
    user = make_user(email=to)
    return mail.queue_mail(
        to=to, purpose="password_changed", context={"user": user}, now=NOW, idempotency_key=key
    )


class Broken:
    def __init__(self):
        self.calls = 0

    def send(self, message):
        self.calls += 1
        raise smtplib.SMTPServerDisconnected("connection lost")


def test_queued_mail_is_delivered_through_smtp_with_both_parts(mailbox):
    user = make_user(email="both@example.org", name="Dana <b>")
    message = mail.queue_mail(
        to=user.email,
        purpose="verify_email",
        context={"user": user, "verify_url": "https://x.test/verify/abc"},
        now=NOW,
    )
    counts = mail.deliver(now=NOW)
    assert counts["sent"] == 1
    received = mailbox.last("both@example.org")
    assert received["From"] == "Workshop <noreply@organizer.test>"
    assert received["Message-ID"] == f"<{message.public_id}@organizer.test>"
    assert "Hello Dana <b>," in mailbox.text(received)  # plain text is not HTML-escaped
    assert "Hello Dana &lt;b&gt;," in mailbox.html(received)  # HTML is
    db.session.refresh(message)
    assert (message.state, message.attempts, message.sent_at) == (OutboxState.SENT, 1, NOW)


def test_delivering_twice_sends_once(mailbox):
    queue()
    mail.deliver(now=NOW)
    assert mail.deliver(now=NOW)["sent"] == 0
    assert len(mailbox.to("a@example.org")) == 1


def test_idempotency_key_queues_one_message():
    first = queue(key="same")
    second = mail.queue_mail(
        to="a@example.org",
        purpose="password_changed",
        context={"user": make_user()},
        now=NOW,
        idempotency_key="same",
    )
    assert first.id == second.id


def test_subject_cannot_carry_a_header():
    user = make_user(name="x")
    message = mail.queue_mail(
        to="a@example.org",
        purpose="team_invitation",
        event=type("E", (), {"name": "Evil\r\nBcc: victim@example.org", "id": None})(),
        context={
            "inviter": user,
            "role": type("R", (), {"label": "Reviewer"})(),
            "accept_url": "u",
            "expires_at": NOW,
        },
        now=NOW,
    )
    assert "\n" not in message.subject and "\r" not in message.subject


def test_failures_are_retried_with_backoff_then_given_up(app):
    message = queue()
    backend = Broken()
    now = NOW
    for attempt in range(1, app.config["MAIL_MAX_ATTEMPTS"]):
        counts = mail.deliver(now=now, backend=backend)
        assert counts["retry"] == 1
        db.session.refresh(message)
        assert message.state == OutboxState.QUEUED
        assert message.next_attempt_at == now + dt.timedelta(minutes=2**attempt)
        assert "connection lost" in message.last_error
        assert mail.deliver(now=now, backend=backend)["skipped"] == 1  # not due yet
        now = message.next_attempt_at
    assert mail.deliver(now=now, backend=backend)["failed"] == 1
    db.session.refresh(message)
    assert message.state == OutboxState.FAILED
    assert backend.calls == app.config["MAIL_MAX_ATTEMPTS"]


def test_a_message_claimed_by_another_sender_is_skipped_until_the_claim_is_stale(mailbox):
    message = queue()
    db.session.execute(update(OutboxMessage).values(state=OutboxState.SENDING, claimed_at=NOW))
    assert mail.deliver(now=NOW + dt.timedelta(minutes=1))["skipped"] == 1
    assert mailbox.to("a@example.org") == []
    # a sender that died mid-send leaves its claim; after a while another takes over
    assert mail.deliver(now=NOW + mail.STALE_CLAIM + dt.timedelta(seconds=1))["sent"] == 1
    db.session.refresh(message)
    assert message.state == OutboxState.SENT


def test_unreachable_smtp_server_after_commit_keeps_the_change(app, client):
    """The request's change is committed even if delivery fails; the outbox keeps the mail."""
    from tests.conftest import free_port

    saved = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()  # nothing listens there
    try:
        response = client.post(
            "/register",
            data={"display_name": "Offline", "password": "x" * 12, "email": "offline@example.org"},
        )
    finally:
        app.config["MAIL_PORT"] = saved
    assert response.status_code == 302
    message = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.to_address == "offline@example.org")
    )
    assert message.state == OutboxState.QUEUED
    assert message.attempts == 1


def test_file_backend_writes_eml_and_logs_a_line(app, tmp_path, capfd):
    queue(to="file@example.org")
    counts = mail.deliver(now=NOW, backend=mail.FileBackend(str(tmp_path)))
    assert counts["sent"] == 1
    [eml] = list(tmp_path.glob("*.eml"))
    assert b"To: file@example.org" in eml.read_bytes()
    out, err = capfd.readouterr()
    assert "INFO organizer.services.mail: mail to file@example.org" in err
    assert "mail to" not in out


def test_send_mail_command(app, mailbox):
    message = queue(to="cli@example.org")
    message.next_attempt_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)  # due
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert "sent 1" in result.output
    assert mailbox.to("cli@example.org")


@pytest.mark.parametrize("backend", ["smtp", "file"])
def test_backend_from_config(app, backend):
    chosen = mail.backend_from_config({**app.config, "MAIL_BACKEND": backend})
    assert type(chosen).__name__.lower().startswith(backend)


def test_an_unexpected_error_counts_as_an_attempt_and_the_next_message_still_goes(mailbox):
    class Picky:
        def send(self, message):
            if message["To"] == "bad@example.org":
                raise ValueError("cannot encode this")
            mailbox.messages.append(message)

    bad, good = queue(to="bad@example.org"), queue(to="good@example.org")
    counts = mail.deliver(now=NOW, backend=Picky())
    assert (counts["retry"], counts["sent"]) == (1, 1)
    db.session.refresh(bad)
    assert (bad.state, bad.attempts) == (OutboxState.QUEUED, 1)
    assert "ValueError" in bad.last_error
    assert good.id and mailbox.to("good@example.org")


def test_links_in_mail_come_from_base_url_even_outside_a_request(app):
    saved = app.config["BASE_URL"]
    app.config["BASE_URL"] = "https://workshop.example.org/prefix/"
    try:
        with app.app_context():  # no request: as in a command or a job
            url = mail.external_url("auth.verify_email", token="abc")
    finally:
        app.config["BASE_URL"] = saved
    assert url == "https://workshop.example.org/prefix/verify/abc"


def test_mail_renders_outside_a_request(app):
    """Commands and scheduled jobs queue mail with only an application context."""
    user = make_user(email="job@example.org", name="Jo")
    with app.app_context():
        message = mail.queue_mail(
            to=user.email,
            locale=user.locale,
            purpose="password_changed",
            context={"user": user},
            now=NOW,
        )
    assert message.subject == "Your password was changed"
    assert message.body_text.startswith("Hello Jo,")


def test_links_in_mail_from_a_command_without_base_url(app):
    # `flask send-reminders` runs outside any request; a development install has no BASE_URL.
    def outside_any_request() -> str:
        with app.app_context():
            return mail.external_url("public.home")

    saved = app.config["SERVER_NAME"], app.config["BASE_URL"]
    app.config["SERVER_NAME"], app.config["BASE_URL"] = None, ""
    try:
        # A fresh context has no request, as under a command (the test itself runs in one).
        link = contextvars.Context().run(outside_any_request)
    finally:
        app.config["SERVER_NAME"], app.config["BASE_URL"] = saved
    assert link == "http://127.0.0.1:5000/"


def test_a_long_run_keeps_its_later_messages_from_a_second_sender(mailbox):
    """Claims are stamped when each message is claimed, not when the run began: a run that
    has taken longer than STALE_CLAIM still owns the message it is sending."""
    messages = [queue(to=f"slow{n}@example.org") for n in range(3)]
    db.session.commit()
    elapsed = [0.0]
    second_sender_sent = []

    class SlowRelay:  # six minutes per message; a second sender looks while the third goes
        def send(self, email_message):
            elapsed[0] += 6 * 60
            if email_message["To"] == "slow2@example.org":
                later = NOW + dt.timedelta(seconds=elapsed[0])
                counts = mail.deliver(now=later, ids=[messages[2].id])
                second_sender_sent.append(counts["sent"])
            mail.backend_from_config(mail.current_app.config).send(email_message)

    counts = mail.deliver(now=NOW, backend=SlowRelay(), clock=lambda: elapsed[0])
    assert counts["sent"] == 3
    assert second_sender_sent == [0]  # the claim (12 minutes into the run) was fresh
    assert len(mailbox.to("slow2@example.org")) == 1
