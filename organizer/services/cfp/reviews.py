"""Reviews of proposals: writing one, declaring an interest, and whose reviews a reviewer may
read. Scores are checked and weighed by services/reviewing/criteria.py.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from organizer import permissions
from organizer.enums import (
    OthersReviews,
)
from organizer.errors import NotFound, PermissionDenied, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import (
    Cfp,
    Event,
    Proposal,
    ProposalInterest,
    Review,
    ReviewScore,
    User,
)
from organizer.services.cfp.assignment import assignment_of, record_assignment
from organizer.services.cfp.call import call_of
from organizer.services.cfp.proposals import proposals_query
from organizer.services.cfp.review_setup import (
    REVIEWABLE_STATES,
    ReviewRules,
    criteria_for,
    require_reviewer,
    rules,
)
from organizer.services.reviewing import interests, redaction
from organizer.services.reviewing.criteria import COMMENT_MAX as REVIEW_COMMENT_MAX
from organizer.services.reviewing.criteria import check_review
from organizer.services.reviewing.scores import review_by, write_review

COMMENT_MAX = REVIEW_COMMENT_MAX
NOTE_MAX = 2000


def reviewable_proposals_query(event: Event, *, viewer: User) -> Select[tuple[Proposal]]:
    """Every proposal `viewer` may open as a reviewer, with what a list shows loaded up front:
    their own proposals (`services/reviewing/interests.py`) are left out, and so are those
    whose text may name their speaker until an organizer resolves it (`redaction.text_held`)."""
    return proposals_query(event).where(
        Proposal.state.in_(REVIEWABLE_STATES),
        ~interests.own_proposal(viewer),
        Proposal.id.not_in(redaction.text_held(event)),
    )


def declare_interest(
    *, actor: User, proposal: Proposal, reason: str, now: dt.datetime
) -> ProposalInterest:
    """Declare (or re-declare, with a new reason) an interest. An assignment the reviewer has
    not yet acted on is dropped, so that automatic assignment can give the proposal to
    someone else; a review already written stays (and so does its assignment)."""
    require_reviewer(actor, proposal.event)
    if proposal.state not in REVIEWABLE_STATES:
        raise NotFound(_("That proposal is not open for review."))
    interest = interests.declare(
        interests.PROPOSAL, user=actor, subject_id=proposal.id, reason=reason, now=now
    )
    if review_of(proposal, actor) is None:
        assignment = assignment_of(proposal, actor)
        if assignment is not None:
            db.session.delete(assignment)
            record_assignment(
                "review.unassign",
                actor=actor,
                proposal=proposal,
                reviewer=actor,
                now=now,
                because="conflict",
            )
    db.session.flush()
    return interest


def withdraw_interest(*, actor: User, proposal: Proposal, now: dt.datetime) -> None:
    require_reviewer(actor, proposal.event)
    interests.retract(interests.PROPOSAL, user=actor, subject_id=proposal.id)


def interests_in(proposal: Proposal) -> list[ProposalInterest]:
    """The reviewers who declared an interest in the proposal, and why (organizers only)."""
    return list(
        db.session.scalars(
            select(ProposalInterest)
            .where(ProposalInterest.proposal_id == proposal.id)
            .options(selectinload(ProposalInterest.user))
            .order_by(ProposalInterest.created_at)
        )
    )


def interests_of(event: Event, user: User) -> set[int]:
    """The ids of the event's proposals `user` declared an interest in."""
    return set(
        db.session.scalars(
            select(ProposalInterest.proposal_id)
            .join(Proposal, Proposal.id == ProposalInterest.proposal_id)
            .where(ProposalInterest.user_id == user.id, Proposal.event_id == event.id)
        )
    )


def status_label(my_review: Review | None) -> str:
    """Where a reviewer stands with a proposal, in words."""
    if my_review is None:
        return _("Not started")
    return _("Abstained") if my_review.abstained else _("Scored")


def review_of(proposal: Proposal, reviewer: User) -> Review | None:
    return review_by(Review, Review.proposal_id, proposal.id, reviewer)


def save_review(
    *,
    actor: User,
    proposal: Proposal,
    scores: dict[int, int],
    comment: str,
    note_to_speaker: str,
    abstain: bool,
    now: dt.datetime,
    cfp: Cfp | None = None,
) -> Review:
    """Write or rewrite the actor's review. Any reviewer of the event may review any proposal
    they do not speak on, assigned or not. Abstaining keeps no scores."""
    event = proposal.event
    if not permissions.can_review_proposal(actor, proposal):
        raise PermissionDenied(_("You cannot review this proposal."))
    if proposal.state not in REVIEWABLE_STATES:
        raise WrongState(_("This proposal is no longer open for review."))
    if cfp is None:
        cfp = call_of(event)
    if not rules(event, cfp=cfp, now=now).can_review:
        raise WrongState(_("Review is closed at the moment; your review was not saved."))
    if interests.has_declared(interests.PROPOSAL, actor.id, proposal.id):
        raise PermissionDenied(
            _(
                "You declared a conflict of interest with this proposal. "
                "Withdraw it first if you want to review it."
            )
        )
    comment = (comment or "").strip()
    note_to_speaker = (note_to_speaker or "").strip()
    kept, errors = check_review(
        criteria_for(event, proposal), scores, abstain=abstain, comment=comment
    )
    if len(note_to_speaker) > NOTE_MAX:
        errors["note_to_speaker"] = _("Use at most %(max)d characters.", max=NOTE_MAX)
    if errors:
        raise ValidationFailed(errors)

    review = review_of(proposal, actor) or Review(proposal=proposal, reviewer=actor, created_at=now)
    write_review(review, kept, ReviewScore, abstain=abstain, comment=comment, now=now)
    review.note_to_speaker = note_to_speaker
    review.proposal_version = proposal.version
    db.session.flush()
    return review


def visible_other_reviews(*, viewer: User, proposal: Proposal, rules: ReviewRules) -> list[Review]:
    """Other people's reviews of the proposal that the viewer may read now. Organizers read
    them all; a reviewer according to `rules.others_reviews`, and never on a proposal they
    speak on or declared an interest in."""
    event = proposal.event
    if not permissions.can_manage_cfp(viewer, event):
        if not permissions.can_review_proposal(viewer, proposal):
            return []
        if rules.others_reviews == OthersReviews.NEVER:
            return []
        if interests.has_declared(interests.PROPOSAL, viewer.id, proposal.id):
            return []
        if rules.others_reviews == OthersReviews.AFTER_OWN and review_of(proposal, viewer) is None:
            return []
    return list(
        db.session.scalars(
            select(Review)
            .where(Review.proposal_id == proposal.id, Review.reviewer_id != viewer.id)
            .options(selectinload(Review.scores), selectinload(Review.reviewer))
            .order_by(Review.created_at, Review.id)
        )
    )
