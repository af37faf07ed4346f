"""After a round: accepted speakers confirm or decline before their deadline, are reminded as it
nears, and organizers may cancel a session.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from organizer import permissions
from organizer.enums import (
    ProposalState,
)
from organizer.errors import WrongState
from organizer.extensions import db
from organizer.models import (
    Event,
    Proposal,
    ProposalSpeaker,
    User,
)
from organizer.services import audit, notifications
from organizer.services.cfp.decision_mails import format_deadline, mails_for
from organizer.services.cfp.decisions import state_label
from organizer.services.cfp.proposals import tell_speakers

REMINDER_WINDOW = dt.timedelta(days=3)


def respond(*, actor: User, proposal: Proposal, confirm: bool, now: dt.datetime) -> None:
    """An accepted speaker confirms or declines, before the deadline."""
    permissions.require(permissions.is_speaker(actor, proposal))
    if proposal.state != ProposalState.ACCEPTED:
        raise WrongState(
            _(
                "This proposal is %(state)s, so there is nothing to confirm.",
                state=state_label(proposal.state),
            )
        )
    if proposal.respond_by is not None and now >= proposal.respond_by:
        raise WrongState(
            _(
                "The deadline to confirm passed on %(deadline)s. Write to the organizers at "
                "%(contact)s.",
                deadline=format_deadline(proposal.event, proposal.respond_by),
                contact=proposal.event.contact_email,
            )
        )
    proposal.state = ProposalState.CONFIRMED if confirm else ProposalState.DECLINED
    db.session.flush()
    audit.record(
        action="proposal.confirm" if confirm else "proposal.decline",
        actor=actor,
        now=now,
        object_type="proposal",
        object_id=proposal.id,
        event=proposal.event,
    )
    tell_speakers(
        proposal,
        "proposal_confirmed" if confirm else "proposal_declined",
        now=now,
        event=proposal.event,
    )


def cancel(*, actor: User, proposal: Proposal, now: dt.datetime) -> None:
    """Organizers take an accepted or confirmed session off the schedule."""
    permissions.require(permissions.can_manage_cfp(actor, proposal.event))
    if not permissions.can_cancel_proposal(proposal):
        raise WrongState(_("Only accepted or confirmed proposals can be cancelled."))
    before = proposal.state
    proposal.state = ProposalState.CANCELLED
    db.session.flush()
    audit.record(
        action="proposal.cancel",
        actor=actor,
        now=now,
        object_type="proposal",
        object_id=proposal.id,
        event=proposal.event,
        details={"state": [before.value, "cancelled"]},
    )
    tell_speakers(proposal, "proposal_cancelled", now=now, event=proposal.event)


def unconfirmed(event: Event) -> list[Proposal]:
    """Accepted and not yet answered, the most urgent first."""
    return list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.event_id == event.id, Proposal.state == ProposalState.ACCEPTED)
            .options(selectinload(Proposal.speakers).selectinload(ProposalSpeaker.user))
            .order_by(Proposal.respond_by, Proposal.title)
        )
    )


def send_reminders(
    *,
    event: Event,
    now: dt.datetime,
    actor: User | None = None,
    window: dt.timedelta = REMINDER_WINDOW,
) -> int:
    """Remind accepted speakers whose deadline is within `window`, once per deadline
    (safe to run from cron every hour: the idempotency key stops repeats). `actor` is the
    organizer who pressed the button; None when the `send-reminders` command runs it."""
    if actor is not None:
        permissions.require(permissions.can_manage_cfp(actor, event))
    due = [
        p
        for p in unconfirmed(event)
        if p.respond_by is not None and p.respond_by - window <= now < p.respond_by
    ]
    sent = 0
    for preview in mails_for(
        event,
        due,
        lambda p: (ProposalState.ACCEPTED, "confirmation_reminder"),
        lambda p: p.respond_by,
    ):
        assert preview.proposal.respond_by is not None
        message = notifications.tell_in_organizers_words(
            preview.to,
            "confirmation_reminder",
            subject=preview.subject,
            body=preview.body,
            about=(preview.proposal, preview.to, preview.proposal.respond_by),  # once a deadline
            now=now,
            event=event,
        )
        if message.created_at == now:
            sent += 1
    return sent


def events_awaiting_confirmation() -> list[Event]:
    """Events with accepted proposals whose speakers have not answered yet."""
    return list(
        db.session.scalars(
            select(Event)
            .where(
                Event.id.in_(
                    select(Proposal.event_id).where(Proposal.state == ProposalState.ACCEPTED)
                )
            )
            .order_by(Event.id)
        )
    )
