"""Mail through the outbox.

`queue_mail` renders a template and writes an OutboxMessage in the caller's transaction, so
mail exists if and only if the change it reports was committed. `deliver` runs after the commit
(a queue task enqueued after the request, and the worker's every-minute sweep): it claims each
message with a conditional UPDATE so that two senders never send it at the same time, and
retries failures with backoff.

The guarantee: every message is delivered at least once, and twice only when a sender stops
(killed, or the database gone) after the relay accepted the message and before the outcome
was recorded. That resend, after STALE_CLAIM, carries the same Message-ID, so the relay and
the recipient's client can recognise it. docs/operator.md says the same.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from jinja2 import TemplateNotFound
from sqlalchemy import ColumnElement, case, func, or_, select, update

from organizer.enums import OutboxState
from organizer.extensions import db
from organizer.models import Event, OutboxMessage
from organizer.services import text

log = logging.getLogger(__name__)

SESSION_KEY = "organizer.outbox_ids"  # ids queued in the current transaction
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"
STALE_CLAIM = dt.timedelta(minutes=10)  # a sender that crashed mid-send leaves a claim this old
INTERRUPTED = "An earlier attempt stopped before its outcome was recorded."


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link for mail. With BASE_URL set (required in production) the host never
    comes from the request, so a forged Host header cannot redirect a reset link."""
    base = current_app.config.get("BASE_URL", "")
    if not base and not has_request_context() and not current_app.config.get("SERVER_NAME"):
        # A command on a development install (production requires BASE_URL): links point
        # at the address `make run` serves.
        base = DEVELOPMENT_BASE_URL
    if base:
        return url_under(base, endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def url_under(base: str, endpoint: str, **values: Any) -> str:
    """The absolute address of `endpoint` under the site root `base` (e.g.
    "https://example.org/organizer"), bound to it rather than to a request, so that it also
    works in commands and the worker."""
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path.rstrip("/") or "/", url_scheme=parts.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def calendar_host() -> str:
    """The host in calendar UIDs (`<slot uuid>@<host>`): the site's own, from BASE_URL (or the
    server name), so that the mails and the feeds give a session the same UID."""
    return urlsplit(external_url("public.home")).hostname or "localhost"


def queue_mail(
    *,
    to: str,
    purpose: str,
    context: dict[str, Any],
    now: dt.datetime,
    event: Event | None = None,
    idempotency_key: str | None = None,
    locale: str | None = None,
    attachments: list[dict[str, str]] | None = None,
) -> OutboxMessage:
    """Render templates/mail/<purpose>.txt (and .html when present) into the outbox, in the
    recipient's language (`locale`, e.g. their profile's), not the language of whoever acted."""
    if idempotency_key is not None:
        existing = db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == idempotency_key)
        )
        if existing is not None:
            return existing
    env = current_app.jinja_env
    context = {"site_name": current_app.config["SITE_NAME"], "event": event, **context}
    with force_locale(locale or current_app.config["DEFAULT_LOCALE"]):
        text_template = env.get_template(f"mail/{purpose}.txt")
        body_text = text_template.render(context)
        subject = str(text_template.make_module(context).subject)  # {% set subject = ... %}
        subject = text.one_line(subject)  # no header injection through a line break
        try:
            body_html = env.get_template(f"mail/{purpose}.html").render(context, subject=subject)
        except TemplateNotFound:
            body_html = None  # a plain-text-only mail
    return _add_message(
        to=to,
        purpose=purpose,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        event=event,
        idempotency_key=idempotency_key,
        now=now,
        attachments=attachments,
    )


def queue_text(
    *,
    to: str,
    purpose: str,
    subject: str,
    body: str,
    now: dt.datetime,
    event: Event | None = None,
    idempotency_key: str | None = None,
) -> OutboxMessage:
    """Queue a plain-text mail whose words were written by organizers (an event's own
    template, already filled in). The subject is flattened to one line."""
    if idempotency_key is not None:
        existing = db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == idempotency_key)
        )
        if existing is not None:
            return existing
    return _add_message(
        to=to,
        purpose=purpose,
        subject=text.one_line(subject)[:300],
        body_text=body,
        body_html=None,
        event=event,
        idempotency_key=idempotency_key,
        now=now,
    )


def is_deliverable(address: str) -> bool:
    """False for addresses on the reserved `.invalid` top-level domain (RFC 2606), such as the
    placeholder of someone an import named without an address: no server would take them."""
    return not address.rstrip(".").lower().endswith(".invalid")


def _add_message(
    *,
    to: str,
    purpose: str,
    subject: str,
    body_text: str,
    body_html: str | None,
    event: Event | None,
    idempotency_key: str | None,
    now: dt.datetime,
    attachments: list[dict[str, str]] | None = None,
) -> OutboxMessage:
    message = OutboxMessage(
        attachments=list(attachments or []),
        to_address=to,
        purpose=purpose,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        event_id=event.id if event is not None else None,
        idempotency_key=idempotency_key,
        created_at=now,
        next_attempt_at=now,
    )
    receivable = is_deliverable(to)
    if not receivable:  # kept, so that organizers can see who was not told
        message.state = OutboxState.FAILED
        message.last_error = "no address to send to"
    db.session.add(message)
    db.session.flush()
    if receivable:
        db.session.info.setdefault(SESSION_KEY, []).append(message.id)
    return message


def take_queued_ids() -> list[int]:
    """Ids queued in the transaction that has just committed (see blueprints._common.commit)."""
    return db.session.info.pop(SESSION_KEY, [])


def forget_queued_ids() -> None:
    db.session.info.pop(SESSION_KEY, None)


class MailBackend(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class SmtpBackend:
    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config

    def send(self, message: EmailMessage) -> None:
        cfg = self.config
        context = ssl.create_default_context()
        if cfg["MAIL_USE_SSL"]:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"], context=context
            )
        else:
            smtp = smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"])
        with smtp:
            if cfg["MAIL_USE_STARTTLS"] and not cfg["MAIL_USE_SSL"]:
                smtp.starttls(context=context)
            if cfg["MAIL_USERNAME"]:
                smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
            smtp.send_message(message)


class FileBackend:
    """Development: each message becomes an .eml file in MAIL_OUTBOX_DIR, with a log line."""

    def __init__(self, directory: str) -> None:
        self.directory = Path(directory)

    def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        message_id = message["Message-ID"].strip("<>").split("@")[0]
        path = self.directory / f"{message_id}.eml"
        path.write_bytes(bytes(message))
        log.info("mail to %s: %s -> %s", message["To"], message["Subject"], path)


def backend_from_config(config: dict[str, Any]) -> MailBackend:
    if config["MAIL_BACKEND"] == "smtp":
        return SmtpBackend(config)
    if config["MAIL_BACKEND"] == "file":
        return FileBackend(config["MAIL_OUTBOX_DIR"])
    raise ValueError(f"unknown MAIL_BACKEND {config['MAIL_BACKEND']!r}")


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    domain = parseaddr(sender)[1].partition("@")[2] or "localhost"
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = text.one_line(message.subject)  # stored one-line; kept so if edited
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = f"<{message.public_id}@{domain}>"
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    for attachment in message.attachments or []:
        maintype, _, subtype = attachment["content_type"].partition("/")
        email.add_attachment(
            attachment["content"].encode(),
            maintype=maintype,
            subtype=subtype,
            filename=text.one_line(attachment["filename"]),
        )
    return email


def _due(now: dt.datetime) -> ColumnElement[bool]:
    """Waiting for its (next) attempt, or claimed by a sender that has evidently died."""
    return or_(
        (OutboxMessage.state == OutboxState.QUEUED) & (OutboxMessage.next_attempt_at <= now),
        (OutboxMessage.state == OutboxState.SENDING)
        & (OutboxMessage.claimed_at < now - STALE_CLAIM),
    )


def _claim(message_id: int, now: dt.datetime) -> bool:
    """Take a message for sending, stamped with `now` (the moment of this claim, not of the
    run: a long run must not leave its later messages with claims that look stale); False
    when another sender took it first."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, _due(now))
        .values(
            state=OutboxState.SENDING,
            claimed_at=now,
            attempts=OutboxMessage.attempts + 1,  # counted when claimed, so a crash counts too
            last_error=case(
                (OutboxMessage.state == OutboxState.SENDING, INTERRUPTED),
                else_=OutboxMessage.last_error,
            ),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def deliver(
    *,
    now: dt.datetime,
    ids: list[int] | None = None,
    backend: MailBackend | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, int]:
    """Send due messages (all of them, or only `ids`). Commits per message: this is the worker
    that runs after the request's transaction, not part of it. Each claim is stamped with the
    run's clock (`now` plus the seconds `clock` says have passed since the run began)."""
    config = current_app.config
    backend = backend or backend_from_config(config)
    unsent = OutboxMessage.state.in_([OutboxState.QUEUED, OutboxState.SENDING])
    if ids is not None:
        unsent = unsent & OutboxMessage.id.in_(ids)
    due_ids = list(
        db.session.scalars(select(OutboxMessage.id).where(unsent, _due(now)).order_by("id"))
    )
    waiting = db.session.scalar(select(func.count()).where(unsent)) - len(due_ids)
    counts = {"sent": 0, "failed": 0, "retry": 0, "skipped": waiting}
    started = clock()
    for message_id in due_ids:
        claimed_at = now + dt.timedelta(seconds=clock() - started)
        if not _claim(message_id, claimed_at):
            counts["skipped"] += 1
            continue
        message = db.session.get(OutboxMessage, message_id, populate_existing=True)
        assert message is not None
        if message.last_error == INTERRUPTED:
            # The relay may have the message already; it goes again under the same Message-ID.
            log.warning("mail %s: an earlier send was interrupted; sending again", message.id)
        try:
            backend.send(build_email(message, config["MAIL_SENDER"]))
        except Exception as error:  # any failure is an attempt, and the next message still goes
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            message.claimed_at = None
            if message.attempts >= config["MAIL_MAX_ATTEMPTS"]:
                message.state = OutboxState.FAILED
                counts["failed"] += 1
            else:
                message.state = OutboxState.QUEUED
                message.next_attempt_at = now + dt.timedelta(minutes=2**message.attempts)
                counts["retry"] += 1
            log.warning("mail %s to %s failed: %s", message.id, message.to_address, error)
        else:
            message.state = OutboxState.SENT
            message.sent_at = now
            message.last_error = None
            counts["sent"] += 1
            log.info("mail %s (%s) sent, attempt %s", message.id, message.purpose, message.attempts)
        db.session.commit()
    return counts
