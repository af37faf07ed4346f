"""Scores on review forms: one radio group per criterion, for the call's reviewers
(ReviewCriterion) and the grants committee (GrantCriterion) alike. Both criteria have a name,
a description and a scale from `scale_min` to `scale_max`. Also how both save a posted review, and
what both say when a reviewer declares or withdraws a conflict of interest."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from organizer.blueprints._common import attempt


def score_field_name(criterion: Any) -> str:
    """The form field of a criterion: the key the service uses for its errors."""
    return f"score-{criterion.id}"


def _score_choices(criterion: Any) -> list[SelectChoice]:
    choices = []
    for value in range(criterion.scale_min, criterion.scale_max + 1):
        if value == criterion.scale_min:
            label = _l("%(value)d (lowest)", value=value)
        elif value == criterion.scale_max:
            label = _l("%(value)d (highest)", value=value)
        else:
            label = str(value)
        choices.append(SelectChoice(value, label))
    return choices


def _score_hint(criterion: Any) -> str:
    scale = str(
        _l(
            "From %(low)d (lowest) to %(high)d (highest).",
            low=criterion.scale_min,
            high=criterion.scale_max,
        )
    )
    return f"{criterion.description} {scale}".strip() if criterion.description else scale


def add_score_fields(form_class: type, criteria: list[Any]) -> None:
    """Adds one optional radio group per criterion to a form class made for one request."""
    for criterion in criteria:
        setattr(
            form_class,
            score_field_name(criterion),
            RadioField(
                criterion.name,
                choices=_score_choices(criterion),
                coerce=int,
                validators=[Optional()],
                description=_score_hint(criterion),
            ),
        )


def saved_scores(review: Any) -> dict[str, int]:
    """The form data that pre-fills the score fields from a saved review."""
    return {f"score-{score.criterion_id}": score.score for score in review.scores}


class ScoredForm:
    """Reads the score fields of a form built with `add_score_fields` for `criteria`."""

    criteria: list[Any]

    def score_fields(self) -> list[Any]:
        return [self[score_field_name(c)] for c in self.criteria]  # type: ignore[index]

    def scores(self) -> dict[int, int]:
        chosen: dict[int, int] = {}
        for criterion in self.criteria:
            value = self[score_field_name(criterion)].data  # type: ignore[index]
            if isinstance(value, int):
                chosen[criterion.id] = value
        return chosen


def interest_message(action: str) -> str:
    """What a reviewer is told once their conflict of interest is declared ("declare") or
    withdrawn (any other action)."""
    if action == "declare":
        return _("Your conflict of interest is recorded. You will not review it.")
    return _("Your declaration of a conflict of interest is withdrawn.")


def review_posted(form: Any, save: Callable[[], object]) -> int | None:
    """On a POST of the review `form`, `attempt` to `save` it (one service call) and say so:
    None once saved; else the status of the page that shows the form again (400 for its own
    errors, the service's refusal), and 200 for a GET."""
    if request.method != "POST":
        return 200
    if not form.validate_on_submit():
        return 400
    saved = attempt(save, form=form, success=_("Your review is saved."))
    return None if saved.ok else saved.status
