"""The ranking of reviewed proposals: each proposal's review figures, with scores normalised per
reviewer (services/reviewing/scores.py).
"""

from __future__ import annotations

import dataclasses
import statistics
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select, true
from sqlalchemy.orm import selectinload

from organizer.extensions import db
from organizer.models import (
    Event,
    Proposal,
    Review,
    ReviewCriterion,
    ReviewScore,
    User,
)
from organizer.services.cfp.review_setup import REVIEWABLE_STATES
from organizer.services.reviewing import criteria, interests, scores


@dataclasses.dataclass(frozen=True)
class Ranked:
    proposal: Proposal
    count: int  # reviews with a score
    abstentions: int
    mean: float | None
    median: float | None
    spread: float | None  # highest minus lowest score
    normalised: float | None  # mean of the reviews' z-scores within each reviewer
    disagreement: bool
    changed_since_review: bool


def own_reviewable_count(event: Event, viewer: User) -> int:
    """How many of the event's reviewable proposals are `viewer`'s own (pages that leave
    them out say so). One query."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Proposal)
            .where(
                Proposal.event_id == event.id,
                Proposal.state.in_(REVIEWABLE_STATES),
                interests.own_proposal(viewer),
            )
        )
        or 0
    )


def ranking(
    event: Event,
    *,
    disagreement_threshold: float = 3.0,
    only: Proposal | None = None,
    viewer: User | None = None,
) -> list[Ranked]:
    """Every reviewable proposal with its review statistics, best first.

    `normalised` corrects for harsh and generous reviewers: each review's score becomes its
    z-score among all the scored reviews its reviewer wrote in the event ((score - their mean)
    / their population standard deviation; 0 when that is 0 or they wrote only one), and a
    proposal gets the mean of its reviews' z-scores. Sorted by normalised (None last), then
    mean, then id. A constant number of queries. `only` limits the result to one proposal
    (its normalised score still depends on every review its reviewers wrote). With `viewer`,
    the viewer's own proposals are left out: nobody sees the ranking of their own.
    """
    proposals = db.session.scalars(
        select(Proposal)
        .where(Proposal.event_id == event.id, Proposal.state.in_(REVIEWABLE_STATES))
        .where(Proposal.id == only.id if only is not None else true())
        .where(~interests.own_proposal(viewer) if viewer is not None else true())
        .options(
            selectinload(Proposal.track),
            selectinload(Proposal.session_type),
            selectinload(Proposal.tags),
        )
        .order_by(Proposal.id)
    ).all()
    reviews, scored = _scored_reviews(event)
    by_proposal: dict[int, list[Any]] = defaultdict(list)
    for review in reviews:
        by_proposal[review.proposal_id].append(review)
    values_of: dict[int, list[float]] = defaultdict(list)
    for _reviewer_id, proposal_id, value in scored:
        values_of[proposal_id].append(value)
    z_of = scores.normalised_by_subject(scored)
    ranked = []
    for proposal in proposals:
        values = values_of.get(proposal.id, [])
        own_reviews = by_proposal.get(proposal.id, [])
        spread = max(values) - min(values) if values else None
        ranked.append(
            Ranked(
                proposal=proposal,
                count=len(values),
                abstentions=sum(1 for r in own_reviews if r.abstained),
                mean=statistics.fmean(values) if values else None,
                median=statistics.median(values) if values else None,
                spread=spread,
                normalised=statistics.fmean(z_of[proposal.id]) if values else None,
                disagreement=spread is not None and spread >= disagreement_threshold,
                changed_since_review=any(
                    r.proposal_version < proposal.version for r in own_reviews
                ),
            )
        )
    ranked.sort(
        key=lambda r: (
            r.normalised is None,
            -(r.normalised or 0.0),
            r.mean is None,
            -(r.mean or 0.0),
            r.proposal.id,
        )
    )
    return ranked


def _scored_reviews(event: Event) -> tuple[list[Any], list[tuple[int, int, float]]]:
    """Every review of the event's reviewable proposals, as plain rows (at 1,000 proposals x 3
    reviews building objects took most of the time of the list and ranking pages), and
    (reviewer id, proposal id, score) for those with a score. Three queries."""
    criteria_by_id = {
        c.id: c
        for c in db.session.scalars(
            select(ReviewCriterion).where(ReviewCriterion.event_id == event.id)
        )
    }
    in_event = select(Proposal.id).where(
        Proposal.event_id == event.id, Proposal.state.in_(REVIEWABLE_STATES)
    )
    reviews = db.session.execute(
        select(
            Review.id, Review.proposal_id, Review.reviewer_id, Review.abstained,
            Review.proposal_version,
        )
        .where(Review.proposal_id.in_(in_event))
        .order_by(Review.id)
    ).all()  # fmt: skip
    scores_of = scores.scores_by_review(ReviewScore, Review, Review.proposal_id, in_event)
    scored = []
    for review in reviews:
        if review.abstained:
            continue
        value = criteria.weighted_score(scores_of[review.id], criteria_by_id)
        if value is not None:
            scored.append((review.reviewer_id, review.proposal_id, value))
    return list(reviews), scored
