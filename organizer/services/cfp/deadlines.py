"""Deadlines of the call and personal extensions.

Deadlines are checked here, on the server, to the second and in UTC: a proposal may be
changed while `now < deadline`, where the deadline is the call's closing time or a later
personal extension of one of its speakers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from organizer import permissions
from organizer.enums import (
    ProposalState,
)
from organizer.errors import ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import (
    Cfp,
    CfpExtension,
    Event,
    Proposal,
    User,
)
from organizer.services import audit
from organizer.services.cfp.call import call_of

EDITABLE_STATES = (ProposalState.DRAFT, ProposalState.SUBMITTED)


def extension_of(event: Event, user: User) -> CfpExtension | None:
    return db.session.scalar(
        select(CfpExtension).where(
            CfpExtension.event_id == event.id, CfpExtension.user_id == user.id
        )
    )


def deadline_for(cfp: Cfp, users: Iterable[User]) -> dt.datetime:
    """The call's closing time, or the latest personal extension among `users`."""
    ids = [u.id for u in users]
    latest = db.session.scalar(
        select(func.max(CfpExtension.until)).where(
            CfpExtension.event_id == cfp.event_id, CfpExtension.user_id.in_(ids)
        )
    )
    return deadline_with(cfp, [latest] if latest is not None else [])


def deadline_with(cfp: Cfp, extensions: Iterable[dt.datetime]) -> dt.datetime:
    """The call's closing time, or the latest of the speakers' extensions `extensions` (their
    `until`) when that is later: the rule `deadline_for` reads from the database, for lists
    that load every extension at once."""
    return max([cfp.closes_at, *extensions])


def proposal_deadline(cfp: Cfp, proposal: Proposal) -> dt.datetime:
    return deadline_for(cfp, [s.user for s in proposal.speakers if s.user is not None])


def is_editable(cfp: Cfp, proposal: Proposal, *, now: dt.datetime) -> bool:
    return proposal.state in EDITABLE_STATES and now < proposal_deadline(cfp, proposal)


def require_open_for(cfp: Cfp | None, users: Iterable[User], now: dt.datetime) -> Cfp:
    if cfp is None:
        raise WrongState(_("This event has no call for talks."))
    if now < cfp.opens_at:
        raise WrongState(_("The call for talks is not open yet."))
    if now >= deadline_for(cfp, users):
        raise WrongState(
            _("The deadline has passed. Proposals can no longer be submitted or changed.")
        )
    return cfp


def grant_extension(
    *, actor: User, event: Event, email: str, until: dt.datetime, now: dt.datetime
) -> CfpExtension:
    permissions.require(permissions.can_manage_cfp(actor, event))
    cfp = call_of(event)
    email = email.strip().lower()
    user = db.session.scalar(select(User).where(User.email == email))
    errors = {}
    if user is None:
        errors["email"] = _("No account uses this address. Ask the person to register first.")
    if cfp is not None and until <= cfp.closes_at:
        errors["until"] = _("An extension must end after the call closes.")
    if errors:
        raise ValidationFailed(errors)
    assert user is not None
    extension = extension_of(event, user)
    if extension is None:
        extension = CfpExtension(event_id=event.id, user_id=user.id, until=until, created_at=now)
        db.session.add(extension)
    extension.until = until
    extension.granted_by_id = actor.id
    db.session.flush()
    audit.record(
        action="cfp.extension.grant",
        actor=actor,
        now=now,
        object_type="user",
        object_id=user.id,
        event=event,
        details={"email": email, "until": until.isoformat()},
    )
    return extension


def revoke_extension(*, actor: User, event: Event, extension: CfpExtension, now: dt.datetime):
    permissions.require(permissions.can_manage_cfp(actor, event))
    db.session.delete(extension)
    audit.record(
        action="cfp.extension.revoke",
        actor=actor,
        now=now,
        object_type="user",
        object_id=extension.user_id,
        event=event,
    )


def extensions(event: Event) -> list[CfpExtension]:
    return list(
        db.session.scalars(
            select(CfpExtension)
            .where(CfpExtension.event_id == event.id)
            .options(selectinload(CfpExtension.user))
            .order_by(CfpExtension.until)
        )
    )
