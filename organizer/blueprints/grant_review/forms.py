"""Forms of the grants committee's review pages."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, Length, Optional

from organizer.blueprints._forms import Form
from organizer.blueprints._scoring import ScoredForm, add_score_fields, saved_scores
from organizer.models import GrantCriterion, GrantReview
from organizer.services import money
from organizer.services.grants.review import COMMENT_MAX, CONFLICT_REASON_MAX


class GrantReviewForm(ScoredForm, Form):
    """The fixed part of a review; `review_form` adds one radio group per criterion."""

    comment = TextAreaField(
        _l("Comment for the committee"),
        validators=[
            Optional(),
            Length(max=COMMENT_MAX, message=_l("Use at most %(max)d characters.")),
        ],
        description=_l("Only the grants committee reads this. Markdown is not rendered."),
    )
    recommended_amount = StringField(
        _l("Recommended amount (optional)"),
        validators=[Optional()],
    )
    abstain = BooleanField(
        _l("I abstain"),
        description=_l(
            "Abstain when you cannot judge this application fairly; scores and the "
            "recommended amount are then not needed and not kept."
        ),
    )
    submit = SubmitField(_l("Save my review"))

    def amount(self, currency: str) -> int | None:
        """The recommended amount in minor units, None when left empty. Raises
        ValidationFailed (keyed by the field) for what is not an amount."""
        text = (self.recommended_amount.data or "").strip()
        if not text:
            return None
        return money.parse(text, currency, field="recommended_amount")


def review_form(
    criteria: list[GrantCriterion],
    review: GrantReview | None,
    *,
    currency: str,
    requested_total: int,
) -> GrantReviewForm:
    """A review form with one radio group per criterion, filled from `review` on a GET."""

    class Scored(GrantReviewForm):
        pass

    add_score_fields(Scored, criteria)
    data: dict[str, Any] = {}
    if review is not None:
        data = {
            "comment": review.comment,
            "recommended_amount": money.for_input(review.recommended_amount, currency),
            "abstain": review.abstained,
        }
        data.update(saved_scores(review))
    form = Scored(data=data)
    form.criteria = criteria
    form.recommended_amount.description = _l(
        "What you would award in total, in %(currency)s: at most the %(total)s requested. "
        "E.g. 450 or 450.50, without a sign.",
        currency=currency,
        total=money.fmt(requested_total, currency),
    )
    return form


class ConflictForm(Form):
    action = HiddenField(validators=[AnyOf(["declare", "withdraw"])])
    reason = TextAreaField(
        _l("Reason (optional)"),
        validators=[
            Optional(),
            Length(max=CONFLICT_REASON_MAX, message=_l("Use at most %(max)d characters.")),
        ],
        description=_l(
            "Only organizers see it, e.g. “a former colleague” or “I know who this is”."
        ),
    )
