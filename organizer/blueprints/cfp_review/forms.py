"""Forms of the reviewers' pages."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, Length, Optional

from organizer.blueprints._common import CheckboxGroupField
from organizer.blueprints._forms import Form
from organizer.blueprints._scoring import ScoredForm, add_score_fields, saved_scores
from organizer.models import Review, ReviewCriterion, Track
from organizer.services.cfp.reviews import COMMENT_MAX, NOTE_MAX
from organizer.services.reviewing.interests import REASON_MAX as CONFLICT_REASON_MAX


class ReviewForm(ScoredForm, Form):
    """The fixed part of a review; `review_form` adds one radio group per criterion."""

    comment = TextAreaField(
        _l("Comment for the committee"),
        validators=[
            Optional(),
            Length(max=COMMENT_MAX, message=_l("Use at most %(max)d characters.")),
        ],
        description=_l("Only organizers and other reviewers read this. Markdown is not rendered."),
    )
    note_to_speaker = TextAreaField(
        _l("Note to the speaker (optional)"),
        validators=[
            Optional(),
            Length(max=NOTE_MAX, message=_l("Use at most %(max)d characters.")),
        ],
        description=_l(
            "This may be sent to the speaker with the decision. Be kind and specific; "
            "do not sign it."
        ),
    )
    abstain = BooleanField(
        _l("I abstain"),
        description=_l(
            "Abstain when you cannot judge this proposal fairly or lack the expertise; "
            "scores are then not needed and not kept."
        ),
    )
    submit = SubmitField(_l("Save my review"))


def review_form(
    criteria: list[ReviewCriterion], review: Review | None, **kwargs: Any
) -> ReviewForm:
    """A review form with one radio group per criterion, filled from `review` on a GET."""

    class Scored(ReviewForm):
        pass

    add_score_fields(Scored, criteria)
    data: dict[str, Any] = {}
    if review is not None:
        data = {
            "comment": review.comment,
            "note_to_speaker": review.note_to_speaker,
            "abstain": review.abstained,
        }
        data.update(saved_scores(review))
    form = Scored(data=data, **kwargs)
    form.criteria = criteria
    return form


class PreferencesForm(Form):
    track_ids = CheckboxGroupField(
        _l("Tracks I would like to review"),
        coerce=int,
        validators=[Optional()],
        description=_l("Choose none to review proposals of every track."),
    )
    submit = SubmitField(_l("Save my preferences"))

    def set_tracks(self, tracks: list[Track]) -> None:
        self.track_ids.choices = [SelectChoice(t.id, t.name) for t in tracks]


class ConflictForm(Form):
    action = HiddenField(validators=[AnyOf(["declare", "withdraw"])])
    reason = TextAreaField(
        _l("Reason (optional)"),
        validators=[
            Optional(),
            Length(max=CONFLICT_REASON_MAX, message=_l("Use at most %(max)d characters.")),
        ],
        description=_l(
            "Only organizers see it, e.g. “a former colleague” or “I may have guessed the author”."
        ),
    )
