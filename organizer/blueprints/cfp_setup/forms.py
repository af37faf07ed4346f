"""Forms of the call's set-up pages. Dates and times are typed in the event's time zone; the
views turn them into UTC with `_setup_views.utc_from_local`."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, Optional

from organizer.blueprints._common import CheckboxGroupField, DateInput
from organizer.blueprints._forms import Form
from organizer.blueprints._setup_forms import (
    MARKDOWN_HINT,
    CriterionSetupForm,
    QuestionSetupForm,
    TimeInput,
    WholeNumber,
    ZonedForm,
    date_time_fields,
    description_field,
    name_field,
)
from organizer.enums import OthersReviews
from organizer.services import placeholders
from organizer.services.cfp.decision_mails import PLACEHOLDERS

LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")

OTHERS_REVIEWS_CHOICES = [
    SelectChoice(OthersReviews.NEVER.value, _l("Never: each reviewer sees only their own")),
    SelectChoice(
        OthersReviews.AFTER_OWN.value,
        _l("After their own: once they have reviewed (or abstained from) the proposal"),
    ),
    SelectChoice(OthersReviews.ALWAYS.value, _l("Always, even before writing their own")),
]


class CallForm(ZonedForm):
    time_fields = ("opens_time", "closes_time")

    opens_at, opens_time, closes_at, closes_time = date_time_fields(
        (_l("Opening date"), _l("Enter the day the call opens.")),
        (_l("Opening time"), _l("Enter the time the call opens.")),
        (_l("Closing date"), _l("Enter the day the call closes.")),
        (_l("Closing time"), _l("Enter the time the call closes.")),
    )
    text = TextAreaField(
        _l("Text of the call"),
        validators=[Optional(), Length(max=20000, message=_l("Use at most 20,000 characters."))],
        description=MARKDOWN_HINT,
        render_kw={"rows": 10},
    )
    anonymous_review = BooleanField(
        _l("Anonymous review: reviewers do not see who the speakers are"),
        description=_l(
            "Reviewers read the proposal without the speakers' names, biographies or "
            "affiliations. Organizers always see everything, and can redact a title or an "
            "abstract that gives the speakers away."
        ),
    )
    team_may_apply = BooleanField(
        _l("Members of the organizing team may submit proposals"),
        description=_l(
            "The team is everyone with a role in this event: organizers, reviewers and grant "
            "reviewers. Their own proposals are never in their review list, ranking or "
            "decisions: another organizer decides on them. When unticked, they cannot submit "
            "or accept a co-speaker invitation. The call's page and form say which applies."
        ),
    )
    reviews_per_proposal = WholeNumber(
        _l("Reviews per proposal"),
        validators=[InputRequired(_l("Enter how many reviews each proposal needs."))],
        description=_l("How many reviewers are assigned to each proposal, from 1 to 20."),
        render_kw={"min": 1, "max": 20, "inputmode": "numeric"},
    )
    others_reviews = RadioField(
        _l("When reviewers see the other reviews of a proposal"),
        choices=OTHERS_REVIEWS_CHOICES,
        default=OthersReviews.AFTER_OWN.value,
        validators=[InputRequired(_l("Choose when reviewers see each other's reviews."))],
        description=_l("Review phases, if you set any, override this while they run."),
    )
    abstract_max_length = WholeNumber(
        _l("Longest abstract, in characters"),
        validators=[InputRequired(_l("Enter the longest abstract allowed."))],
        description=_l("Between 100 and 10,000 characters."),
        render_kw={"min": 100, "max": 10000, "inputmode": "numeric"},
    )
    languages = StringField(
        _l("Languages of the talks"),
        validators=[InputRequired(_l("Enter at least one language code, e.g. en."))],
        description=_l(
            "Language codes separated by commas, e.g. “en, pt”. Speakers choose one of them."
        ),
        render_kw={"autocapitalize": "none", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Save the call"))

    def language_codes(self) -> tuple[str, ...]:
        codes = [c.strip().lower() for c in (self.languages.data or "").split(",")]
        return tuple(dict.fromkeys(c for c in codes if c))

    def validate_languages(self, field: StringField) -> None:
        wrong = [c for c in self.language_codes() if not LANGUAGE_CODE.match(c)]
        if wrong:
            raise ValidationError(
                _l(
                    "“%(codes)s” is not a language code. Use two or three letters, e.g. en, pt.",
                    codes=", ".join(wrong),
                )
            )


class SessionTypeForm(Form):
    name = name_field(_l("Enter a name, e.g. Talk."))
    description = description_field(
        2000,
        _l("Use at most 2,000 characters."),
        _l("Shown to speakers when they choose the type."),
    )
    duration_minutes = WholeNumber(
        _l("Length in minutes"),
        validators=[InputRequired(_l("Enter the length in minutes."))],
        render_kw={"min": 1, "max": 1440, "inputmode": "numeric"},
    )
    max_speakers = WholeNumber(
        _l("Most speakers"),
        default=2,
        validators=[InputRequired(_l("Enter how many speakers may give it."))],
        description=_l("The person who submits counts as one."),
        render_kw={"min": 1, "max": 20, "inputmode": "numeric"},
    )
    submit = SubmitField(_l("Save session type"))


class TrackForm(Form):
    name = name_field(_l("Enter a name, e.g. Methods."))
    description = description_field(
        2000,
        _l("Use at most 2,000 characters."),
        _l("Shown to speakers when they choose the track."),
    )
    colour = StringField(
        _l("Colour (optional)"),
        validators=[Optional(), Length(max=7, message=_l("Use # and six digits, e.g. #dbeafe."))],
        description=_l(
            "A light background for the track's sessions in the schedule editor and on the "
            "public grid, as # and six hexadecimal digits, e.g. #dbeafe (blue), #fde68a "
            "(yellow), #bbf7d0 (green). It must leave the sessions' text readable (4.5:1); the "
            "track's name is always shown too. Leave empty for none."
        ),
        render_kw={"autocapitalize": "none", "spellcheck": "false", "placeholder": "#dbeafe"},
    )
    submit = SubmitField(_l("Save track"))


class QuestionForm(QuestionSetupForm):
    required_label = _l("Required: a proposal cannot be submitted without an answer")
    hidden_answers_hint = _l(
        "Untick for answers meant for organizers only, e.g. travel or access needs: "
        "hidden answers are seen only by organizers, never by reviewers."
    )


class CriterionForm(CriterionSetupForm):
    track_ids = CheckboxGroupField(
        _l("Only for these tracks"),
        coerce=int,
        choices=[],
        description=_l("Tick none to use this criterion for every proposal."),
    )

    def __init__(self, *args: Any, tracks: list[Any] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.track_ids.choices = [SelectChoice(t.id, t.name) for t in tracks]


class PhaseForm(ZonedForm):
    time_fields = ("starts_time", "ends_time")

    name = name_field(
        _l("Enter a name for the phase."), description=_l("e.g. “First round” or “Discussion”.")
    )
    starts_at, starts_time, ends_at, ends_time = date_time_fields(
        (_l("Start date"), _l("Enter the day the phase starts.")),
        (_l("Start time"), _l("Enter the time the phase starts.")),
        (_l("End date"), _l("Enter the day the phase ends.")),
        (_l("End time"), _l("Enter the time the phase ends.")),
    )
    can_review = BooleanField(
        _l("Reviewers may score during this phase"),
        default=True,
        description=_l("Untick for a phase where reviewers only read, e.g. a discussion."),
    )
    others_reviews = RadioField(
        _l("When reviewers see the other reviews during this phase"),
        choices=OTHERS_REVIEWS_CHOICES,
        default=OthersReviews.AFTER_OWN.value,
        validators=[InputRequired(_l("Choose when reviewers see each other's reviews."))],
    )
    submit = SubmitField(_l("Save phase"))


def _check_placeholders(field: Any) -> None:
    unknown = placeholders.unknown(field.data or "", PLACEHOLDERS)
    if unknown:
        raise ValidationError(placeholders.unknown_message(unknown))


class MailTemplateForm(Form):
    subject = StringField(
        _l("Subject"),
        validators=[
            InputRequired(_l("Enter a subject.")),
            Length(max=200, message=_l("Keep the subject to 200 characters or fewer.")),
        ],
    )
    body = TextAreaField(
        _l("Text of the mail"),
        validators=[InputRequired(_l("Enter the text of the mail."))],
        description=_l("Plain text. Placeholders in braces, e.g. {speaker_name}, are filled in."),
        render_kw={"rows": 16},
    )
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Save"))

    def validate_subject(self, field: StringField) -> None:
        _check_placeholders(field)

    def validate_body(self, field: TextAreaField) -> None:
        _check_placeholders(field)


class ExtensionForm(ZonedForm):
    time_fields = ("until_time",)

    email = EmailField(
        _l("Email address"),
        validators=[
            InputRequired(_l("Enter the email address of the person's account.")),
            Length(max=254, message=_l("Use at most 254 characters.")),
            Email(
                message=_l("Enter an email address like name@example.org."),
                check_deliverability=False,
            ),
        ],
        description=_l("The address of their account on this site."),
    )
    until = DateInput(
        _l("New deadline: date"), validators=[InputRequired(_l("Enter the day it ends."))]
    )
    until_time = TimeInput(
        _l("New deadline: time"), validators=[InputRequired(_l("Enter the time it ends."))]
    )
    submit = SubmitField(_l("Grant the extension"))
