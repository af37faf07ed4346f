"""Forms of the money pages: receipts, the visa letter, receipt review, rates and payouts.
Amounts are typed as text and parsed with money.parse in the right currency by the view."""

from __future__ import annotations

import decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from organizer.blueprints._common import DateInput
from organizer.blueprints._forms import Form
from organizer.enums import category_label
from organizer.errors import ValidationFailed
from organizer.models import GrantApplication, GrantProgramme
from organizer.services.grants import reimbursement
from organizer.services.uploads import FILE_KINDS

AMOUNT_HINT = _l("A number as printed, e.g. 120.50, without the currency sign.")


def _currency_choices(codes: list[str]) -> list[SelectChoice]:
    return [SelectChoice(code, code) for code in codes]


class ReceiptForm(Form):
    file = FileField(
        _l("Receipt"),
        description=_l("A PDF, JPEG or PNG file of at most 5 MB: a scan or a photo is fine."),
        render_kw={
            "accept": ",".join(
                f".{FILE_KINDS[k].extension},{FILE_KINDS[k].content_type}"
                for k in reimbursement.RECEIPT_KINDS
            )
            + ",.jpeg"
        },
    )
    category = SelectField(_l("What it was for"), validate_choice=False)
    amount = StringField(_l("Amount"), description=AMOUNT_HINT, render_kw={"inputmode": "decimal"})
    currency = SelectField(_l("Currency of the receipt"), validate_choice=False)
    spent_on = DateInput(
        _l("Date on the receipt"),
        validators=[Optional()],
        description=_l("As YYYY-MM-DD, e.g. 2027-03-26."),
    )
    description = StringField(
        _l("Note (optional)"),
        validators=[Length(max=300, message=_l("Use at most 300 characters."))],
        description=_l("E.g. “Train from Accra to Lisbon, outward”."),
        render_kw={"maxlength": 300},
    )
    submit = SubmitField(_l("Send the receipt"))

    def __init__(self, *args: Any, application: GrantApplication, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        programme = application.programme
        self.category.choices = [
            SelectChoice(c, str(category_label(c)))
            for c in reimbursement.awarded_categories(application)
        ]
        self.currency.choices = _currency_choices(reimbursement.currency_choices(programme))
        if not self.currency.data:
            self.currency.data = programme.currency


class LetterForm(Form):
    passport_name = StringField(
        _l("Your name as in your passport"),
        validators=[
            InputRequired(_l("Enter your name exactly as it is written in your passport."))
        ],
        description=_l(
            "Type it exactly as printed, with every given name. We put it on the letter and "
            "do not keep it."
        ),
        render_kw={"autocomplete": "name", "maxlength": 150, "spellcheck": "false"},
    )
    submit = SubmitField(_l("Download the letter (PDF)"))


class ReviewReceiptForm(Form):
    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("approve", _l("Approve")),
            SelectChoice("reject", _l("Reject")),
        ],
        validators=[InputRequired(_l("Choose to approve or reject the receipt."))],
    )
    reason = TextAreaField(
        _l("Reason (needed to reject)"),
        validators=[Length(max=500, message=_l("Use at most 500 characters."))],
        description=_l("The grantee reads it: say what to send instead, if anything."),
        render_kw={"rows": 3, "maxlength": 500},
    )
    submit = SubmitField(_l("Save the decision"))


class RateForm(Form):
    currency = SelectField(_l("Currency of the receipts"), validate_choice=False)
    on_date = DateInput(
        _l("Date"),
        validators=[Optional()],
        description=_l("The receipts' date, as YYYY-MM-DD."),
    )
    rate = StringField(
        _l("Rate"),
        description=_l("What one unit of that currency was worth, e.g. 0.0061."),
        render_kw={"inputmode": "decimal", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Save the rate"))

    def __init__(self, *args: Any, programme: GrantProgramme, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency.choices = _currency_choices(reimbursement.currency_choices(programme)[1:])
        self.rate.description = _l(
            "How many %(currency)s one unit of that currency was worth, e.g. 0.0061.",
            currency=programme.currency,
        )

    def rate_value(self) -> decimal.Decimal | None:
        text = (self.rate.data or "").strip().replace(",", ".")
        if not text:
            return None
        try:
            value = decimal.Decimal(text)
        except decimal.InvalidOperation as error:
            raise ValidationFailed(
                {"rate": str(_l("Enter the rate as a number, e.g. 0.0061."))}
            ) from error
        return value


class PayoutForm(Form):
    amount = StringField(
        _l("Amount paid"), description=AMOUNT_HINT, render_kw={"inputmode": "decimal"}
    )
    paid_on = DateInput(_l("Paid on"), validators=[Optional()], description=_l("As YYYY-MM-DD."))
    reference = StringField(
        _l("Reference (optional)"),
        validators=[Length(max=200, message=_l("Use at most 200 characters."))],
        description=_l("E.g. the bank transfer's reference."),
        render_kw={"maxlength": 200},
    )
    override = BooleanField(_l("Override: pay more than is payable"))
    override_reason = TextAreaField(
        _l("Reason for the override"),
        validators=[Length(max=500, message=_l("Use at most 500 characters."))],
        description=_l(
            "Needed only with the override. It is kept in the audit log with your name."
        ),
        render_kw={"rows": 2, "maxlength": 500},
    )
    submit = SubmitField(_l("Record the payout"))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.override.data and not (self.override_reason.data or "").strip():
            self.override_reason.errors = [
                *self.override_reason.errors,
                _l("Say why you pay more than is payable."),
            ]
            return False
        return valid

    def reason(self) -> str:
        return (self.override_reason.data or "").strip() if self.override.data else ""
