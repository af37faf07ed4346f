"""The rules of a review criterion, shared by the call's reviews (ReviewCriterion) and grant
reviews (GrantCriterion). Each service keeps its own permission check, lookup and audit."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _

CRITERION_NAME_MAX = 100
CRITERION_DESCRIPTION_MAX = 500


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
