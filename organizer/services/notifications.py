"""Every mail the app sends is queued here, and nowhere else (tests/core/test_layers.py).

A mail is named by its purpose (the template `templates/mail/<purpose>.txt`) and by what it
is about: the ids that make it one mail. Together they are its idempotency key, built by
`mail_key` only, so that a retried request, a double click or a second run of a job queues
nothing twice. Recipients read it in their own language, never in the language of whoever
acted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select

from organizer.extensions import db
from organizer.models import Event, OutboxMessage, User
from organizer.services import mail


def mail_key(purpose: str, *about: object) -> str:
    """`purpose:part:part…`: model objects stand for their id, datetimes for the UTC minute,
    anything else for its text. Put the recipient in `about` when one thing mails several
    people, and a version or a time bucket when the same thing may rightly be mailed again."""
    return ":".join([purpose, *(_key_part(part) for part in about)])


def already_queued(keys: Iterable[str]) -> set[str]:
    """Which of these idempotency keys some mail already carries (one query; none for no keys):
    periodic reminders skip them, so running a task twice mails nobody twice."""
    wanted = list(keys)
    if not wanted:
        return set()
    return set(
        db.session.scalars(
            select(OutboxMessage.idempotency_key).where(OutboxMessage.idempotency_key.in_(wanted))
        )
    )


def _key_part(part: object) -> str:
    if isinstance(part, dt.datetime):
        return part.astimezone(dt.UTC).strftime("%Y%m%dT%H%M")
    identifier = getattr(part, "id", None)
    if identifier is not None and not isinstance(part, (str, int)):
        return str(identifier)
    return str(part)


def tell(
    user: User,
    purpose: str,
    *,
    about: Sequence[object],
    context: dict[str, Any],
    now: dt.datetime,
    event: Event | None = None,
    attachments: list[dict[str, str]] | None = None,
) -> OutboxMessage:
    """Mail a person with an account, in their language."""
    return tell_address(
        user.email,
        purpose,
        about=about,
        context=context,
        now=now,
        event=event,
        locale=user.locale,
        attachments=attachments,
    )


def tell_address(
    to: str,
    purpose: str,
    *,
    about: Sequence[object],
    context: dict[str, Any],
    now: dt.datetime,
    event: Event | None = None,
    locale: str | None = None,
    attachments: list[dict[str, str]] | None = None,
) -> OutboxMessage:
    """Mail an address (someone invited, or an account that is being deleted)."""
    return mail.queue_mail(
        to=to,
        purpose=purpose,
        context=context,
        now=now,
        event=event,
        locale=locale,
        attachments=attachments,
        idempotency_key=mail_key(purpose, *about),
    )


def tell_in_organizers_words(
    to: str,
    purpose: str,
    *,
    subject: str,
    body: str,
    about: Sequence[object],
    now: dt.datetime,
    event: Event | None = None,
) -> OutboxMessage:
    """A plain-text mail whose words organizers wrote (an event's own template, filled in)."""
    return mail.queue_text(
        to=to,
        purpose=purpose,
        subject=subject,
        body=body,
        now=now,
        event=event,
        idempotency_key=mail_key(purpose, *about),
    )
