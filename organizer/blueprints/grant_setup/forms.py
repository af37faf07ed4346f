"""Forms of the organizers' grant set-up pages: programmes, questions, criteria and the
invitation letter. Amounts are typed in major units of the programme's currency ("1200.50")
and parsed by the views with `money.parse`; dates and times are typed in the event's zone."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from organizer.blueprints._forms import Form
from organizer.blueprints._setup_forms import (
    MARKDOWN_HINT,
    CriterionSetupForm,
    QuestionSetupForm,
    WholeNumber,
    ZonedForm,
    date_time_fields,
)
from organizer.enums import GrantCategory, GrantKind
from organizer.services.grants.applications import CATEGORY_LABELS

__all__ = ["CriterionForm", "GrantQuestionForm", "LetterForm", "ProgrammeForm"]

KIND_CHOICES = [
    SelectChoice(GrantKind.TRAVEL.value, _l("Travel grant")),
    SelectChoice(GrantKind.WAIVER.value, _l("Registration waiver (scholarship)")),
    SelectChoice(GrantKind.BOTH.value, _l("Both: registration waiver and travel grant")),
]
MONEY_HINT = _l("In %(currency)s, e.g. 1200 or 1200.50, without the currency sign.")


class ProgrammeForm(ZonedForm):
    time_fields = ("opens_time", "closes_time")
    money_fields = ("budget", "registration_fee", "request_cap")

    name = StringField(
        _l("Name"),
        validators=[
            InputRequired(_l("Enter a name, e.g. Travel grants.")),
            Length(max=150, message=_l("Use at most 150 characters.")),
        ],
    )
    kind = RadioField(
        _l("What the programme offers"),
        choices=KIND_CHOICES,
        default=GrantKind.TRAVEL.value,
        validators=[InputRequired(_l("Choose what the programme offers."))],
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=10000, message=_l("Use at most 10,000 characters."))],
        description=MARKDOWN_HINT,
        render_kw={"rows": 6},
    )
    eligibility = TextAreaField(
        _l("Who may apply"),
        validators=[Optional(), Length(max=10000, message=_l("Use at most 10,000 characters."))],
        description=MARKDOWN_HINT,
        render_kw={"rows": 4},
    )
    opens_at, opens_time, closes_at, closes_time = date_time_fields(
        (_l("Opening date"), _l("Enter the day applications open.")),
        (_l("Opening time"), _l("Enter the time applications open.")),
        (_l("Closing date"), _l("Enter the day applications close.")),
        (_l("Closing time"), _l("Enter the time applications close.")),
    )
    budget = StringField(
        _l("Budget"),
        validators=[InputRequired(_l("Enter the budget."))],
        render_kw={"inputmode": "decimal"},
    )
    registration_fee = StringField(
        _l("Registration fee"),
        render_kw={"inputmode": "decimal"},
    )
    request_cap = StringField(
        _l("Most one person may ask for"),
        render_kw={"inputmode": "decimal"},
    )
    min_fraction = WholeNumber(
        _l("Smallest partial award, in percent of the request"),
        default=50,
        validators=[InputRequired(_l("Enter a percentage from 1 to 100."))],
        description=_l(
            "Awards may be partial, down to this share of what was asked for; 100 means only "
            "full awards."
        ),
        render_kw={"min": 1, "max": 100, "inputmode": "numeric"},
    )
    anonymous_review = BooleanField(
        _l("Anonymous review: reviewers do not see who applied"),
        default=True,
        description=_l("Reviewers see no name, email address or affiliation. Organizers do."),
    )
    team_may_apply = BooleanField(
        _l("Members of the organizing team may apply"),
        default=True,
        description=_l(
            "The team is everyone with a role in this event: organizers, reviewers and grant "
            "reviewers. Their own applications are never in their review list, ranking or "
            "allocation: another organizer decides on them. When unticked, they cannot submit "
            "an application. The programme's page and form say which applies."
        ),
    )
    respond_days = WholeNumber(
        _l("Days to answer an offer"),
        default=14,
        validators=[InputRequired(_l("Enter a number of days from 1 to 90."))],
        description=_l("The default respond-by date of offers, counted from when they are sent."),
        render_kw={"min": 1, "max": 90, "inputmode": "numeric"},
    )
    submit = SubmitField(_l("Save the programme"))

    def __init__(self, *args, currency: str = "EUR", **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.currency = currency
        hint = str(MONEY_HINT % {"currency": currency})
        self.budget.description = hint
        self.registration_fee.description = f"{_l('What a waiver costs the budget.')} {hint}"
        self.request_cap.description = f"{_l('Leave empty for no cap.')} {hint}"
        for category in GrantCategory:
            self[f"cap_{category.value}"].description = hint

    def cap_fields(self) -> list:  # type: ignore[type-arg]
        return [self[f"cap_{c.value}"] for c in GrantCategory]


for _category in GrantCategory:
    setattr(
        ProgrammeForm,
        f"cap_{_category.value}",
        StringField(
            _l("Cap on %(category)s", category=CATEGORY_LABELS[_category]),
            render_kw={"inputmode": "decimal"},
        ),
    )


class GrantQuestionForm(QuestionSetupForm):
    required_label = _l("Required: an application cannot be sent without an answer")
    hidden_answers_hint = _l(
        "Untick for answers meant for organizers only: hidden answers are never shown to "
        "grant reviewers."
    )


class CriterionForm(CriterionSetupForm):
    name_required_message = _l("Enter a name for the criterion, e.g. Need.")


class LetterForm(Form):
    body = TextAreaField(
        _l("Text of the letter"),
        validators=[InputRequired(_l("Write the letter's text."))],
        description=_l("Plain text. Placeholders in braces, e.g. {passport_name}, are filled in."),
        render_kw={"rows": 16},
    )
    signer_name = StringField(
        _l("Signed by"),
        validators=[
            InputRequired(_l("Enter the name of the person who signs the letter.")),
            Length(max=150, message=_l("Use at most 150 characters.")),
        ],
    )
    signer_title = StringField(
        _l("Their title"),
        validators=[Optional(), Length(max=150, message=_l("Use at most 150 characters."))],
        description=_l("e.g. Chair of the organizing committee."),
    )
    submit = SubmitField(_l("Save the letter"))
