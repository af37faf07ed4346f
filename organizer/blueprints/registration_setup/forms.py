"""Forms of registration's set-up: the settings, a kind of place, a question, the code of
conduct."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from organizer.blueprints._forms import Form
from organizer.blueprints._setup_forms import (
    MARKDOWN_HINT,
    QuestionSetupForm,
    WholeNumber,
    ZonedForm,
    date_time_fields,
    description_field,
    name_field,
)


class SettingsForm(ZonedForm):
    time_fields = ("opens_time", "closes_time", "purge_time")

    opens_at, opens_time, closes_at, closes_time = date_time_fields(
        (_l("Opens on"), _l("Enter the day registration opens as YYYY-MM-DD.")),
        (_l("Opens at"), _l("Enter the time registration opens, e.g. 09:00.")),
        (_l("Closes on"), _l("Enter the day registration closes as YYYY-MM-DD.")),
        (_l("Closes at"), _l("Enter the time registration closes, e.g. 23:59.")),
    )
    capacity = WholeNumber(
        _l("Seats in all (optional)"),
        validators=[
            Optional(),
            NumberRange(min=0, message=_l("Enter 0 or more, or leave it empty for no limit.")),
        ],
        description=_l(
            "Leave it empty for no limit. When every seat is held, new registrations go to "
            "the waiting list. Confirmed speakers and grantees keep their reserved seats."
        ),
        render_kw={"min": 0, "inputmode": "numeric"},
    )
    moderated = BooleanField(
        _l("Approve each registration"),
        description=_l(
            "Registrations wait for an organizer's approval before they hold a seat. "
            "Switching this off leaves those already waiting for you to approve or reject."
        ),
    )
    fee_due = BooleanField(
        _l("A fee is due"),
        description=_l(
            "There is no online payment: say below how people pay. Registration-waiver "
            "grants waive the fee."
        ),
    )
    fee_note = TextAreaField(
        _l("How the fee is paid"),
        validators=[Optional(), Length(max=500, message=_l("Use at most 500 characters."))],
        description=_l("e.g. “€40 on site, by card or in cash; students €10.” Shown on the form."),
        render_kw={"rows": 3, "maxlength": 500},
    )
    offer_days = WholeNumber(
        _l("Days to answer a seat offer"),
        default=3,
        validators=[
            InputRequired(_l("Enter a number of days from 1 to 30.")),
            NumberRange(min=1, max=30, message=_l("Choose from 1 to 30 days.")),
        ],
        description=_l(
            "When a seat frees, the first person on the waiting list is offered it and has "
            "this many days to answer; then it goes to the next person."
        ),
        render_kw={"min": 1, "max": 30, "inputmode": "numeric"},
    )
    purge_at, purge_time = date_time_fields(
        (_l("Delete access needs on"), _l("Enter the day access needs are deleted as YYYY-MM-DD.")),
        (_l("Delete access needs at"), _l("Enter the time, e.g. 00:00.")),
    )
    submit = SubmitField(_l("Save settings"))


class PlaceKindForm(Form):
    name = name_field(_l("Enter a name, e.g. In person."))
    description = description_field(
        300,
        _l("Use at most 300 characters."),
        _l("Shown on the registration form, e.g. “Join the talks online; no lunch.”"),
    )
    capacity = WholeNumber(
        _l("Seats of this kind (optional)"),
        validators=[
            Optional(),
            NumberRange(min=0, message=_l("Enter 0 or more, or leave it empty.")),
        ],
        description=_l(
            "Leave it empty when only the overall number of seats limits it. It can't be "
            "lower than the seats of this kind already held."
        ),
        render_kw={"min": 0, "inputmode": "numeric"},
    )
    submit = SubmitField(_l("Save kind of place"))


class RegistrationQuestionForm(QuestionSetupForm):
    """Registration has no reviewers: every answer is for the organizers only."""

    required_label = _l("Required: nobody can register without an answer")
    hidden_answers_hint = ""
    visible_to_reviewers = None  # type: ignore[assignment]


class CodeOfConductForm(Form):
    text = TextAreaField(
        _l("Code of conduct"),
        validators=[
            InputRequired(_l("Enter the code of conduct.")),
            Length(max=20000, message=_l("Use at most 20,000 characters.")),
        ],
        description=MARKDOWN_HINT,
        render_kw={"rows": 12},
    )
    submit = SubmitField(_l("Save as a new version"))
