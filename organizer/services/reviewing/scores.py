"""Scores, for talks and grants alike: writing a review's scores, reading every score of many
reviews at once, and correcting for harsh and generous reviewers.

The weighting of one review's scores into a number from 0 to 10 is in `criteria.py`.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from organizer.extensions import db


def review_by(model: type[Any], subject: Any, subject_id: int, reviewer: Any) -> Any:
    """The reviewer's review (`model`) of one proposal or application (`subject` is the
    column naming it), its scores loaded; None before they wrote one."""
    return db.session.scalar(
        select(model)
        .where(subject == subject_id, model.reviewer_id == reviewer.id)
        .options(selectinload(model.scores))
    )


def write_review(
    review: Any,
    kept: dict[int, int],
    score_model: type[Any],
    *,
    abstain: bool,
    comment: str,
    now: dt.datetime,
) -> None:
    """What saving a review means for talks and grants alike: its abstention, comment and
    scores (`kept`, criterion id -> score; none when abstaining) rewritten."""
    db.session.add(review)
    review.abstained = bool(abstain)
    review.comment = comment
    review.updated_at = now
    replace_scores(review, kept, new=score_model)


def replace_scores(review: Any, kept: dict[int, int], *, new: type[Any]) -> None:
    """Make the review's scores exactly `kept` (criterion id -> score), changing rows in
    place: deleting and re-inserting one criterion's score in the same flush would break the
    (review, criterion) unique constraint. `new` is the score model."""
    by_criterion = {score.criterion_id: score for score in review.scores}
    for criterion_id, score in list(by_criterion.items()):
        if criterion_id not in kept:
            review.scores.remove(score)
    for criterion_id, value in kept.items():
        if criterion_id in by_criterion:
            by_criterion[criterion_id].score = value
        else:
            review.scores.append(new(criterion_id=criterion_id, score=value))


def scores_by_review(
    score_model: type[Any], review_model: type[Any], subject: Any, in_scope: Select
) -> dict[int, list[tuple[int, int]]]:
    """Review id -> [(criterion id, score)] for every review whose subject (`subject`, e.g.
    `Review.proposal_id`) is in `in_scope`. One query, plain rows: building objects for every
    review and score took most of the time of the ranking pages."""
    found: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for review_id, criterion_id, score in db.session.execute(
        select(score_model.review_id, score_model.criterion_id, score_model.score)
        .join(review_model, review_model.id == score_model.review_id)
        .where(subject.in_(in_scope))
    ):
        found[review_id].append((criterion_id, score))
    return found


def normalised_by_subject(scored: Iterable[tuple[int, int, float]]) -> dict[int, list[float]]:
    """Per-reviewer normalisation. `scored` holds (reviewer id, subject id, score) for every
    scored review; each score becomes its z-score among all the scores its reviewer gave
    ((score - their mean) / their population standard deviation; 0 when that is 0 or they
    gave only one). Subject id -> its reviews' z-scores."""
    scored = list(scored)
    by_reviewer: dict[int, list[float]] = defaultdict(list)
    for reviewer_id, _subject_id, value in scored:
        by_reviewer[reviewer_id].append(value)
    spread_of = {
        reviewer_id: (statistics.fmean(values), statistics.pstdev(values))
        for reviewer_id, values in by_reviewer.items()
    }
    z_of: dict[int, list[float]] = defaultdict(list)
    for reviewer_id, subject_id, value in scored:
        mean, std = spread_of[reviewer_id]
        z_of[subject_id].append((value - mean) / std if std > 0 else 0.0)
    return z_of
