"""Co-speakers: inviting someone by address to speak on a proposal, their accepting, and
removing them."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from flask_babel import gettext as _
from sqlalchemy import select

from organizer import permissions
from organizer.enums import (
    ProposalState,
    SpeakerRole,
)
from organizer.errors import NotFound, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import (
    Proposal,
    ProposalSpeaker,
    User,
)
from organizer.services import audit, notifications
from organizer.services.cfp.call import call_of
from organizer.services.cfp.deadlines import EDITABLE_STATES, require_open_for
from organizer.services.mail import external_url
from organizer.services.reviewing import interests

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_co_speaker(
    *, actor: User, proposal: Proposal, email: str, now: dt.datetime
) -> ProposalSpeaker:
    permissions.require(permissions.can_invite_co_speakers(actor, proposal))
    if proposal.state not in EDITABLE_STATES:
        raise WrongState(_("Co-speakers can only be added while the proposal can be changed."))
    require_open_for(call_of(proposal.event), [s.user for s in proposal.speakers if s.user], now)
    email = email.strip().lower()
    if not EMAIL_PATTERN.match(email):
        raise ValidationFailed({"email": _("Enter an email address, e.g. name@example.org.")})
    if any(s.email == email for s in proposal.speakers):
        raise ValidationFailed({"email": _("This person is already a speaker or invited.")})
    limit = proposal.session_type.max_speakers
    if len(proposal.speakers) >= limit:
        raise ValidationFailed(
            {
                "email": _(
                    "A %(type)s has at most %(n)s speakers, you included.",
                    type=proposal.session_type.name,
                    n=limit,
                )
            }
        )
    token = secrets.token_urlsafe(32)
    speaker = ProposalSpeaker(
        email=email, role=SpeakerRole.CO_SPEAKER, token_hash=_hash(token), invited_at=now
    )
    proposal.speakers.append(speaker)
    db.session.flush()
    audit.record(
        action="proposal.co_speaker.invite",
        actor=actor,
        now=now,
        object_type="proposal",
        object_id=proposal.id,
        event=proposal.event,
        details={"email": email},
    )
    notifications.tell_address(
        email,
        "co_speaker_invitation",
        about=(proposal, email, speaker.token_hash[:16]),  # a new invitation, a new mail
        context={
            "proposal": proposal,
            "inviter": actor,
            "accept_url": external_url("cfp.join", event_slug=proposal.event.slug, token=token),
        },
        now=now,
        event=proposal.event,
    )
    return speaker


def remove_speaker(*, actor: User, speaker: ProposalSpeaker, now: dt.datetime) -> None:
    proposal = speaker.proposal
    permissions.require(permissions.can_invite_co_speakers(actor, proposal))
    if speaker.role == SpeakerRole.PRIMARY:
        raise WrongState(_("The person who submitted a proposal cannot be removed from it."))
    if proposal.state not in EDITABLE_STATES:
        raise WrongState(_("Speakers can only be changed while the proposal can be changed."))
    proposal.speakers.remove(speaker)
    db.session.flush()
    audit.record(
        action="proposal.co_speaker.remove",
        actor=actor,
        now=now,
        object_type="proposal",
        object_id=proposal.id,
        event=proposal.event,
        details={"email": speaker.email},
    )


def speaker_in_proposal(proposal: Proposal, speaker_id: int) -> ProposalSpeaker:
    speaker = next((s for s in proposal.speakers if s.id == speaker_id), None)
    if speaker is None:
        raise NotFound()
    return speaker


def invitation_for_token(token: str) -> ProposalSpeaker:
    speaker = db.session.scalar(
        select(ProposalSpeaker).where(ProposalSpeaker.token_hash == _hash(token))
    )
    if speaker is None:
        raise NotFound(_("This invitation link is not valid. Ask the speaker to invite you again."))
    return speaker


def accept_co_speaker(*, token: str, user: User, now: dt.datetime) -> ProposalSpeaker:
    speaker = invitation_for_token(token)
    proposal = speaker.proposal
    if speaker.user_id is not None:
        if speaker.user_id == user.id:
            raise WrongState(_("You have already accepted this invitation."))
        raise WrongState(_("This invitation has already been accepted by someone else."))
    if proposal.state in (ProposalState.WITHDRAWN, ProposalState.CANCELLED):
        raise WrongState(_("This proposal was withdrawn, so the invitation no longer applies."))
    if user.email != speaker.email:
        raise WrongState(
            _(
                "This invitation was sent to %(email)s. Sign in with that address to accept it.",
                email=speaker.email,
            )
        )
    if permissions.is_speaker(user, proposal):
        raise WrongState(_("You are already a speaker of this proposal."))
    call = call_of(proposal.event)
    interests.refuse_team_submission(
        actor=user,
        event=proposal.event,
        allowed=call is None or call.team_may_apply,
        what="invitation",
    )
    speaker.user_id = user.id
    speaker.accepted_at = now
    db.session.flush()
    db.session.refresh(proposal, ["speakers"])
    audit.record(
        action="proposal.co_speaker.accept",
        actor=user,
        now=now,
        object_type="proposal",
        object_id=proposal.id,
        event=proposal.event,
    )
    return speaker
