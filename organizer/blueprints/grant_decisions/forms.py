"""Forms of the organizers' grant decision pages: applications, messages, pins, the
allocation and offers. Respond-by dates and times are typed in the event's zone."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from organizer.blueprints._common import DateInput
from organizer.blueprints._forms import Form
from organizer.blueprints._setup_forms import TimeInput, WholeNumber, ZonedForm
from organizer.services.grants.allocation import (
    BASIS_REQUESTS,
    BASIS_REVIEWERS,
    MAX_TIME_LIMIT,
    MIN_TIME_LIMIT,
)

LIMIT_MESSAGE = _l("Enter a time limit from 1 to 300 seconds, e.g. 10.")


class ApplicationFilterForm(Form):
    class Meta:
        csrf = False

    state = RadioField(_l("State"), choices=[], default="", validators=[Optional()])


class MessageForm(Form):
    body = TextAreaField(
        _l("Message"),
        validators=[
            InputRequired(_l("Write the message.")),
            Length(max=5000, message=_l("Use at most 5,000 characters.")),
        ],
        render_kw={"rows": 5},
    )
    send = SubmitField(_l("Send to the applicant"))
    note = SubmitField(_l("Save as an internal note"))
    ask = SubmitField(_l("Ask for more information"))


PIN_CHOICES = [
    SelectChoice("", _l("No pin: the optimiser decides")),
    SelectChoice("fund", _l("Must fund")),
    SelectChoice("skip", _l("Must not fund")),
]


class PinForm(Form):
    pin = RadioField(_l("Pin for the allocation"), choices=PIN_CHOICES, default="")
    submit = SubmitField(_l("Save the pin"))


class RunForm(Form):
    basis = RadioField(
        _l("Base the amounts on"),
        choices=[
            SelectChoice(BASIS_REQUESTS, _l("What the applicants asked for")),
            SelectChoice(
                BASIS_REVIEWERS,
                _l(
                    "What the reviewers recommend (the middle of their recommended amounts), "
                    "or the request where no reviewer recommended an amount"
                ),
            ),
        ],
        default=BASIS_REQUESTS,
        validators=[Optional()],  # left out: the requests
        description=_l(
            "The optimiser awards at most this amount to each application, and at least the "
            "minimum fraction of it for a partial award."
        ),
    )
    time_limit = WholeNumber(
        _l("Time limit, in seconds"),
        validators=[
            Optional(),
            NumberRange(min=MIN_TIME_LIMIT, max=MAX_TIME_LIMIT, message=LIMIT_MESSAGE),
        ],
        description=_l(
            "From 1 to 300; 10 is enough for a few hundred applications. The optimiser runs "
            "in the background: you can follow it, cancel it, or leave and get a mail when it "
            "is done."
        ),
        render_kw={"min": MIN_TIME_LIMIT, "max": MAX_TIME_LIMIT, "inputmode": "numeric"},
    )
    submit = SubmitField(_l("Run the allocation"))


class CommitForm(ZonedForm):
    time_fields = ("respond_time",)

    respond_date = DateInput(
        _l("Respond-by date"), validators=[InputRequired(_l("Enter the respond-by date."))]
    )
    respond_time = TimeInput(
        _l("Respond-by time"), validators=[InputRequired(_l("Enter the respond-by time."))]
    )
    submit = SubmitField(_l("Send the offers"))


class OfferNextForm(CommitForm):
    submit = SubmitField(_l("Offer the next on the waiting list"))
