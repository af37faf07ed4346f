"""The message thread of a grant application: the applicant and the committee write to each
other, the committee leaves internal notes, and asks for more information (the application
then waits for the applicant's answer).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from organizer import permissions
from organizer.enums import GrantState
from organizer.errors import PermissionDenied, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import GrantApplication, GrantMessage, User
from organizer.services import audit
from organizer.services.grants.applications import tell_applicant

MESSAGE_MAX = 5_000


def thread(application: GrantApplication, *, include_internal: bool) -> list[GrantMessage]:
    query = (
        select(GrantMessage)
        .where(GrantMessage.application_id == application.id)
        .options(selectinload(GrantMessage.author))
        .order_by(GrantMessage.created_at, GrantMessage.id)
    )
    if not include_internal:
        query = query.where(GrantMessage.internal.is_(False))
    return list(db.session.scalars(query))


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationFailed({"body": _("Write a message.")})
    if len(body) > MESSAGE_MAX:
        raise ValidationFailed(
            {"body": _("Keep the message to %(n)s characters or fewer.", n=MESSAGE_MAX)}
        )
    return body


def _add(
    actor: User, application: GrantApplication, body: str, *, internal: bool, now: dt.datetime
) -> GrantMessage:
    message = GrantMessage(
        application_id=application.id,
        author_id=actor.id,
        body=_clean_body(body),
        internal=internal,
        created_at=now,
    )
    db.session.add(message)
    return message


def post_message(
    *,
    actor: User,
    application: GrantApplication,
    body: str,
    internal: bool,
    now: dt.datetime,
) -> GrantMessage:
    """A message in the application's thread. Applicants write to the committee (never an
    internal note); the committee writes to the applicant (who gets a mail) or leaves an
    internal note. An applicant's answer while information is needed sends the application
    back to the committee."""
    event = application.programme.event
    from_applicant = permissions.is_applicant(actor, application)
    if from_applicant:
        if internal:
            raise PermissionDenied()
        if application.state == GrantState.DRAFT:
            raise WrongState(
                _("Submit your application first; then you can write to the committee.")
            )
    elif not permissions.can_review_grants(actor, event):
        raise PermissionDenied()
    message = _add(actor, application, body, internal=internal, now=now)
    state_before = application.state
    if from_applicant and application.state == GrantState.INFO_NEEDED:
        application.state = GrantState.SUBMITTED
        application.updated_at = now
    changed = state_before != application.state
    _record(
        "message",
        actor,
        application,
        message,
        now=now,
        internal=internal,
        from_applicant=from_applicant,
        **({"state": [state_before.value, application.state.value]} if changed else {}),
    )
    if not from_applicant and not internal:
        tell_applicant(
            application, "grant_message", now=now, context={"body": message.body}, about=(message,)
        )
    return message


def request_info(
    *, actor: User, application: GrantApplication, body: str, now: dt.datetime
) -> GrantMessage:
    """The committee asks the applicant for more: the application waits in INFO_NEEDED
    (the applicant may still edit it) and the applicant gets a mail with the question."""
    event = application.programme.event
    permissions.require(permissions.can_review_grants(actor, event))
    if not permissions.committee_may_ask_for_info(application):
        raise WrongState(
            _("Information can only be asked for while the application is being reviewed.")
        )
    message = _add(actor, application, body, internal=False, now=now)
    before = application.state
    application.state = GrantState.INFO_NEEDED
    application.updated_at = now
    state = [before.value, GrantState.INFO_NEEDED.value]
    _record("request_info", actor, application, message, now=now, state=state)
    tell_applicant(
        application, "grant_info_needed", now=now, context={"body": message.body}, about=(message,)
    )
    return message


def _record(
    action: str,
    actor: User,
    application: GrantApplication,
    message: GrantMessage,
    *,
    now: dt.datetime,
    **details: Any,
) -> None:
    """Audit a message in its application's log (never its text)."""
    db.session.flush()
    audit.record(
        action=f"grant_application.{action}",
        actor=actor,
        now=now,
        object_type="grant_application",
        object_id=application.id,
        event=application.programme.event,
        details={"message_id": message.id, **details},
    )
