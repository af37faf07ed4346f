"""Seats capacity never takes away: confirmed speakers of the event and people holding an
accepted grant. Their registration is confirmed even when the event is full, and an accepted
grant from a programme that waives the registration fee marks it waived."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select

from organizer import permissions
from organizer.enums import GrantKind, GrantState, ProposalState, RegistrationState, ReservedFor
from organizer.extensions import db
from organizer.models import (
    Event,
    GrantApplication,
    GrantProgramme,
    Proposal,
    ProposalSpeaker,
    Registration,
    User,
)
from organizer.services import audit
from organizer.services.registration import mailing

WAIVER_KINDS = (GrantKind.WAIVER, GrantKind.BOTH)


@dataclasses.dataclass(frozen=True)
class Reservation:
    reserved_for: ReservedFor | None
    waived: bool


def _speakers(event: Event):  # type: ignore[no-untyped-def]
    return (
        select(ProposalSpeaker.user_id)
        .join(Proposal, Proposal.id == ProposalSpeaker.proposal_id)
        .where(
            Proposal.event_id == event.id,
            Proposal.state == ProposalState.CONFIRMED,
            ProposalSpeaker.user_id.is_not(None),
        )
    )


def _grantees(event: Event):  # type: ignore[no-untyped-def]
    return (
        select(GrantApplication.applicant_id, GrantProgramme.kind)
        .join(GrantProgramme, GrantProgramme.id == GrantApplication.programme_id)
        .where(GrantProgramme.event_id == event.id, GrantApplication.state == GrantState.ACCEPTED)
    )


def reservation_for(event: Event, user: User) -> Reservation:
    """Whether `user` has a reserved seat at `event`, and whether their fee is waived."""
    speaker = db.session.scalar(_speakers(event).where(ProposalSpeaker.user_id == user.id).limit(1))
    kinds = {
        kind
        for _user_id, kind in db.session.execute(
            _grantees(event).where(GrantApplication.applicant_id == user.id)
        )
    }
    waived = bool(kinds & set(WAIVER_KINDS))
    if speaker is not None:
        return Reservation(ReservedFor.SPEAKER, waived)
    if kinds:
        return Reservation(ReservedFor.GRANTEE, waived)
    return Reservation(None, False)


def invite_reserved(*, event: Event, actor: User, now: dt.datetime) -> int:
    """Mail every confirmed speaker and accepted grantee who has not registered an invitation
    to take their reserved seat (once per person: pressing the button again sends only to
    people who were not invited yet). Returns how many invitations were queued."""
    permissions.require(permissions.can_manage_event(actor, event))
    registered = set(
        db.session.scalars(
            select(Registration.user_id).where(
                Registration.event_id == event.id,
                Registration.state.not_in((RegistrationState.CANCELLED,)),
            )
        )
    )
    reasons: dict[int, ReservedFor] = {}
    for user_id, _kind in db.session.execute(_grantees(event)):
        reasons[user_id] = ReservedFor.GRANTEE
    for user_id in db.session.scalars(_speakers(event)):
        reasons[user_id] = ReservedFor.SPEAKER
    wanted = [uid for uid in reasons if uid not in registered]
    people = (
        db.session.scalars(select(User).where(User.id.in_(wanted)).order_by(User.id)).all()
        if wanted
        else []
    )
    for person in people:
        mailing.invite(event, person, reason=reasons[person.id].value, now=now)
    audit.record(
        action="registration.invite_reserved",
        actor=actor,
        now=now,
        object_type="event",
        object_id=event.slug,
        event=event,
        details={"invited": len(people)},
    )
    return len(people)
