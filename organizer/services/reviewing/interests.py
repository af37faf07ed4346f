"""Conflicts of interest ("interests" in code: "conflict" is the schedule's word), for talks and
grants alike.

Reviewers declare an interest (`ProposalInterest` for proposals, `GrantInterest` for grant
applications); those are rows, written by `declare` and `retract` (`DeclaredInterest` says
where each kind lives). A person's own submissions are an interest too, and they are computed
here every time from who speaks on what and who applied for what, never stored, so
that nobody has to remember to declare them and a change (a co-speaker accepting, an
invitation sent to a reviewer's address) counts at once.

What counts as one's own, for talks and grants alike:

- a proposal on which the person is a speaker, primary or co-speaker, or to whose address an
  invitation to co-speak is still open (the invitation shows them the proposal);
- a grant application the person made, or one linked to a proposal that is their own in the
  sense above (their co-speaker's travel grant).

`permissions.is_own_proposal` and `permissions.is_own_application` say the same in Python
for one object whose speakers are loaded; the functions here are the SQL form used by lists,
so that a page's number of queries does not grow with the data. `tests/review/
test_own_conflicts.py` checks that the two agree.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, delete, exists, or_, select, union

from organizer import permissions
from organizer.errors import PermissionDenied, ValidationFailed
from organizer.extensions import db
from organizer.models import (
    Event,
    GrantApplication,
    GrantInterest,
    GrantProgramme,
    Proposal,
    ProposalInterest,
    ProposalSpeaker,
    User,
)


def _speaker_is(user: User) -> ColumnElement[bool]:
    """The `ProposalSpeaker` row is `user`: accepted, or still invited at their address."""
    return or_(
        ProposalSpeaker.user_id == user.id,
        and_(ProposalSpeaker.user_id.is_(None), ProposalSpeaker.email == user.email.lower()),
    )


def own_proposal(user: User, proposal_id: Any = Proposal.id) -> ColumnElement[bool]:
    """SQL: the proposal (`proposal_id`, by default `Proposal.id`) is `user`'s own."""
    return exists().where(ProposalSpeaker.proposal_id == proposal_id, _speaker_is(user))


def own_application(user: User) -> ColumnElement[bool]:
    """SQL: the `GrantApplication` is `user`'s own, or linked to their own proposal."""
    return or_(
        GrantApplication.applicant_id == user.id,
        and_(
            GrantApplication.proposal_id.is_not(None),
            own_proposal(user, GrantApplication.proposal_id),
        ),
    )


def own_proposal_ids(event: Event, user: Any) -> set[int]:
    """The ids of `user`'s own proposals in the event (drafts included). One query; none for
    an anonymous visitor."""
    if not isinstance(user, User):
        return set()
    return set(
        db.session.scalars(
            select(ProposalSpeaker.proposal_id)
            .join(Proposal, Proposal.id == ProposalSpeaker.proposal_id)
            .where(Proposal.event_id == event.id, _speaker_is(user))
        )
    )


def own_proposal_pairs(event: Event) -> list[tuple[int, int]]:
    """(proposal id, user id) for every person and their own proposals in the event: the
    accepted speakers, and the accounts an open invitation is addressed to. One query."""
    return [
        (proposal_id, user_id)
        for proposal_id, user_id in db.session.execute(
            select(ProposalSpeaker.proposal_id, User.id)
            .join(Proposal, Proposal.id == ProposalSpeaker.proposal_id)
            .join(
                User,
                or_(
                    User.id == ProposalSpeaker.user_id,
                    and_(ProposalSpeaker.user_id.is_(None), User.email == ProposalSpeaker.email),
                ),
            )
            .where(Proposal.event_id == event.id)
        )
    ]


def own_application_ids(event: Event, user: Any) -> set[int]:
    """The ids of `user`'s own grant applications in the event. One query."""
    if not isinstance(user, User):
        return set()
    return set(
        db.session.scalars(
            select(GrantApplication.id)
            .join(GrantProgramme, GrantProgramme.id == GrantApplication.programme_id)
            .where(GrantProgramme.event_id == event.id, own_application(user))
        )
    )


def barred_proposal_ids(event: Event, user: User) -> set[int]:
    """Every proposal of the event `user` must not review: their own and those they declared
    an interest in. One query."""
    own = (
        select(ProposalSpeaker.proposal_id.label("id"))
        .join(Proposal, Proposal.id == ProposalSpeaker.proposal_id)
        .where(Proposal.event_id == event.id, _speaker_is(user))
    )
    declared = (
        select(ProposalInterest.proposal_id.label("id"))
        .join(Proposal, Proposal.id == ProposalInterest.proposal_id)
        .where(Proposal.event_id == event.id, ProposalInterest.user_id == user.id)
    )
    return set(db.session.scalars(select(union(own, declared).subquery().c.id)))


def refuse_team_submission(
    *, actor: User, event: Event, allowed: bool, what: str = "proposal"
) -> None:
    """When the call (`Cfp.team_may_apply`) or the grant programme
    (`GrantProgramme.team_may_apply`) does not let the event's team take part, a member of it
    (anyone with a role in the event, or a site admin: `permissions.is_team_member`) cannot
    submit a proposal, accept a co-speaker invitation, or submit an application."""
    if allowed or not permissions.is_team_member(actor, event):
        return
    if what == "grant":
        message = _(
            "Members of this event's organizing team (organizers, reviewers and grant "
            "reviewers) may not apply to this grant programme; you can still save it as a draft."
        )
    elif what == "invitation":
        message = _(
            "Members of this event's organizing team (organizers, reviewers and grant "
            "reviewers) may not speak on proposals to this call, so you cannot accept this "
            "invitation."
        )
    else:
        message = _(
            "Members of this event's organizing team (organizers, reviewers and grant "
            "reviewers) may not submit proposals to this call; you can still save it as a draft."
        )
    raise PermissionDenied(message)


def refuse_own_proposal(actor: User, proposal: Proposal) -> None:
    """Who reviews a proposal, and what reviewers read of it, is not for its own speakers to
    choose, even when they organize."""
    if permissions.is_own_proposal(actor, proposal):
        raise PermissionDenied(
            _("This is your own proposal: another organizer must handle its review.")
        )


def refuse_own_application(actor: User, application: GrantApplication) -> None:
    """Organizers never decide on their own grant application's award (its pin, offer,
    amount or refusal): another organizer must."""
    if permissions.is_own_application(actor, application):
        raise PermissionDenied(
            _(
                "Application %(reference)s is your own, or linked to a proposal you speak on: "
                "another organizer must decide on it.",
                reference=application.public_id[:8].upper(),
            )
        )


def barred_proposal(user: User) -> ColumnElement[bool]:
    """SQL: `Proposal` is one `user` must not review (own, or a declared interest)."""
    return or_(
        own_proposal(user),
        exists().where(
            ProposalInterest.proposal_id == Proposal.id, ProposalInterest.user_id == user.id
        ),
    )


def barred_application(user: User) -> ColumnElement[bool]:
    """SQL: `GrantApplication` is one `user` must not review (own, or a declared interest)."""
    return or_(
        own_application(user),
        exists().where(
            GrantInterest.application_id == GrantApplication.id, GrantInterest.user_id == user.id
        ),
    )


# Declared interests ------------------------------------------------------------------------

REASON_MAX = 300


@dataclasses.dataclass(frozen=True)
class DeclaredInterest:
    """Where a kind of thing keeps its declared interests: the model and the column naming
    the thing (`PROPOSAL`, `APPLICATION`)."""

    model: type[Any]
    subject: str  # the column: "proposal_id" or "application_id"

    def row(self, user_id: int, subject_id: int) -> Any:
        column = getattr(self.model, self.subject)
        return db.session.scalar(
            select(self.model).where(self.model.user_id == user_id, column == subject_id)
        )


PROPOSAL = DeclaredInterest(ProposalInterest, "proposal_id")
APPLICATION = DeclaredInterest(GrantInterest, "application_id")


def has_declared(kind: DeclaredInterest, user_id: int, subject_id: int) -> bool:
    return kind.row(user_id, subject_id) is not None


def declare(
    kind: DeclaredInterest, *, user: User, subject_id: int, reason: str, now: dt.datetime
) -> Any:
    """Declare (or re-declare, with a new reason) an interest; the caller checks who may."""
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise ValidationFailed({"reason": _("Use at most %(max)d characters.", max=REASON_MAX)})
    interest = kind.row(user.id, subject_id)
    if interest is None:
        interest = kind.model(user_id=user.id, reason=reason, created_at=now)
        setattr(interest, kind.subject, subject_id)
        db.session.add(interest)
    else:
        interest.reason = reason
    return interest


def retract(kind: DeclaredInterest, *, user: User, subject_id: int) -> None:
    db.session.execute(
        delete(kind.model).where(
            kind.model.user_id == user.id, getattr(kind.model, kind.subject) == subject_id
        )
    )
    db.session.flush()
