"""Forms of two-factor sign-in: the second step, enrolment, recovery codes, switching off."""

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from organizer.blueprints._forms import Form

CODE_HINT = _l("The 6 digits your authenticator app shows now, or one of your recovery codes.")


def code_field(label: str, hint: str = CODE_HINT, *, digits_only: bool = False) -> StringField:
    extra = {"inputmode": "numeric"} if digits_only else {}
    return StringField(
        label,
        validators=[
            InputRequired(_l("Enter the code.")),
            Length(max=40, message=_l("A code has 6 digits; a recovery code 10 characters.")),
        ],
        description=hint,
        render_kw={
            "autocomplete": "one-time-code",
            "autocapitalize": "none",
            "spellcheck": "false",
            "size": "14",
            **extra,
        },
    )


class TwoFactorSignInForm(Form):
    code = code_field(_l("Code"))
    submit = SubmitField(_l("Continue"))


class StartTwoFactorForm(Form):
    submit = SubmitField(_l("Set up two-factor sign-in"))


class ConfirmTwoFactorForm(Form):
    code = code_field(
        _l("Code from your app"),
        _l("After adding the key, your app shows 6 digits that change every 30 seconds."),
        digits_only=True,
    )
    submit = SubmitField(_l("Switch on two-factor sign-in"))


class RegenerateRecoveryCodesForm(Form):
    code = code_field(_l("Current code"))
    submit = SubmitField(_l("Make new recovery codes"))


class DisableTwoFactorForm(Form):
    password = PasswordField(
        _l("Your password"),
        validators=[InputRequired(_l("Enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    code = code_field(_l("Current code"))
    submit = SubmitField(_l("Switch off two-factor sign-in"))
