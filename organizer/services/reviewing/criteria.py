"""Review criteria and their weighting, shared by the call's reviews (ReviewCriterion) and
grant reviews (GrantCriterion): what makes a criterion right, what makes a score right, and
how the scores of one review weigh into one number. Each side keeps its own permission check,
lookup and audit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from organizer.extensions import db

CRITERION_NAME_MAX = 100
CRITERION_DESCRIPTION_MAX = 500
COMMENT_MAX = 5000  # a reviewer's comment for the committee


def name_taken_among(
    model: type[Any], owner: Any, owner_id: int, criterion: Any | None
) -> Callable[[str], bool]:
    """For `validate_criterion`: whether another criterion of the same owner (`owner` is the
    column, e.g. `ReviewCriterion.event_id`) has a name, ignoring case."""

    def taken(candidate: str) -> bool:
        found = db.session.scalar(
            select(model.id).where(
                owner == owner_id,
                func.lower(model.name) == candidate.lower(),
                model.id != (criterion.id if criterion is not None else -1),
            )
        )
        return found is not None

    return taken


def validate_criterion(
    *,
    name: str,
    description: str,
    weight: int | None,
    scale_min: int | None,
    scale_max: int | None,
    scale_span_max: int,
    name_taken: Callable[[str], bool],
    missing_name: str,
) -> dict[str, str]:
    """Field name -> message, empty when the criterion is right. `name` and `description` are
    already stripped; `name_taken(name)` asks whether another criterion of the same event or
    programme has that name (asked only for a name that is otherwise right)."""
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = missing_name
    elif len(name) > CRITERION_NAME_MAX:
        errors["name"] = _("Use at most %(max)d characters.", max=CRITERION_NAME_MAX)
    elif name_taken(name):
        errors["name"] = _("Another criterion is already called “%(name)s”.", name=name)
    if len(description) > CRITERION_DESCRIPTION_MAX:
        errors["description"] = _("Use at most %(max)d characters.", max=CRITERION_DESCRIPTION_MAX)
    if weight is None or not 1 <= weight <= 100:
        errors["weight"] = _("The weight must be a whole number from 1 to 100.")
    if scale_min is None or scale_max is None:
        errors["scale_max"] = _("Enter the lowest and the highest score.")
    elif scale_min >= scale_max:
        errors["scale_max"] = _("The highest score must be above the lowest score.")
    elif scale_max - scale_min > scale_span_max:
        errors["scale_max"] = _("A scale can span at most %(span)d points.", span=scale_span_max)
    return errors


def check_scores(criteria: Iterable[Any], scores: dict[int, Any]) -> tuple[dict[int, int], dict]:
    """The scores a review keeps (criterion id -> score) and what is wrong (field ->
    message): every criterion needs a whole number on its scale."""
    kept: dict[int, int] = {}
    errors: dict[str, str] = {}
    for criterion in criteria:
        value = scores.get(criterion.id)
        field = f"score-{criterion.id}"
        if value is None:
            errors[field] = _("Give a score for “%(name)s”.", name=criterion.name)
        elif (
            not isinstance(value, int)
            or isinstance(value, bool)
            or not criterion.scale_min <= value <= criterion.scale_max
        ):
            errors[field] = _(
                "Score “%(name)s” from %(low)d to %(high)d.",
                name=criterion.name,
                low=criterion.scale_min,
                high=criterion.scale_max,
            )
        else:
            kept[criterion.id] = value
    return kept, errors


def check_review(
    criteria: Iterable[Any], scores: dict[int, Any], *, abstain: bool, comment: str
) -> tuple[dict[int, int], dict[str, str]]:
    """`check_scores` (no scores when abstaining) and the comment's length."""
    kept, errors = ({}, {}) if abstain else check_scores(criteria, scores)
    if len(comment) > COMMENT_MAX:
        errors["comment"] = _("Use at most %(max)d characters.", max=COMMENT_MAX)
    return kept, errors


def weighted_score(
    scores: Iterable[tuple[int, int]], criteria_by_id: dict[int, Any]
) -> float | None:
    """A number from 0 to 10: each (criterion id, score) placed on 0..1 by its criterion's
    scale, the weighted mean of those, times 10. None without scores. Scores of deleted
    criteria are ignored; scores left outside a since-changed scale are clamped."""
    total = weights = 0.0
    for criterion_id, score in scores:
        criterion = criteria_by_id.get(criterion_id)
        if criterion is None:
            continue
        span = criterion.scale_max - criterion.scale_min
        fraction = min(1.0, max(0.0, (score - criterion.scale_min) / span))
        total += criterion.weight * fraction
        weights += criterion.weight
    if not weights:
        return None
    return total / weights * 10


def review_score(review: Any, criteria_by_id: dict[int, Any]) -> float | None:
    """One review's score from 0 to 10 (`weighted_score`); None for an abstention."""
    if review.abstained:
        return None
    return weighted_score(((s.criterion_id, s.score) for s in review.scores), criteria_by_id)
