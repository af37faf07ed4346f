from typing import Any

from babel import Locale
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional

from organizer.blueprints._forms import Form
from organizer.services.accounts import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH

EMAIL_VALIDATORS = [
    InputRequired(_l("Enter your email address.")),
    Length(max=254, message=_l("An email address has at most 254 characters.")),
    Email(message=_l("Enter an email address like name@example.org."), check_deliverability=False),
]
PASSWORD_HINT = _l(
    "At least %(n)d characters. A few unrelated words make a strong password.",
    n=PASSWORD_MIN_LENGTH,
)


def new_password_field(label: str) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            InputRequired(_l("Choose a password.")),
            Length(
                min=PASSWORD_MIN_LENGTH,
                max=PASSWORD_MAX_LENGTH,
                message=_l("Use between %(min)d and %(max)d characters."),
            ),
        ],
        description=PASSWORD_HINT,
        render_kw={"autocomplete": "new-password"},
    )


def display_name_field() -> StringField:
    return StringField(
        _l("Your name"),
        validators=[
            InputRequired(_l("Enter the name you want others to see.")),
            Length(max=100, message=_l("Use at most 100 characters.")),
        ],
        description=_l("As you would like it on a badge or in the programme."),
        render_kw={"autocomplete": "name"},
    )


class RegisterForm(Form):
    display_name = display_name_field()
    email = EmailField(
        _l("Email address"), validators=EMAIL_VALIDATORS, render_kw={"autocomplete": "email"}
    )
    password = new_password_field(_l("Password"))
    submit = SubmitField(_l("Create account"))


class LoginForm(Form):
    email = EmailField(
        _l("Email address"), validators=EMAIL_VALIDATORS, render_kw={"autocomplete": "username"}
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device"))
    submit = SubmitField(_l("Sign in"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        days = max(1, current_app.config["SESSION_LIFETIME_SECONDS"] // 86400)
        self.remember.label.text = ngettext(
            "Keep me signed in on this device for %(num)d day",
            "Keep me signed in on this device for %(num)d days",
            days,
        )


class ForgotPasswordForm(Form):
    email = EmailField(
        _l("Email address"), validators=EMAIL_VALIDATORS, render_kw={"autocomplete": "email"}
    )
    submit = SubmitField(_l("Send reset link"))


class ResetPasswordForm(Form):
    password = new_password_field(_l("New password"))
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            InputRequired(_l("Repeat the new password.")),
            EqualTo("password", message=_l("The two passwords are different.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Save new password"))


class ChangePasswordForm(Form):
    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = new_password_field(_l("New password"))
    submit = SubmitField(_l("Change password"))


class ProfileForm(Form):
    display_name = display_name_field()
    pronouns = StringField(
        _l("Pronouns (optional)"),
        validators=[Optional(), Length(max=40, message=_l("Use at most 40 characters."))],
        description=_l("Shown next to your name where it appears, e.g. she/her, they/them."),
    )
    locale = SelectField(_l("Language"), description=_l("For pages and mail sent to you."))
    submit = SubmitField(_l("Save profile"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.locale.choices = [
            SelectChoice(code, Locale.parse(code).get_display_name(code).capitalize())
            for code in current_app.config["LOCALES"]
        ]


class ResendVerificationForm(Form):
    submit = SubmitField(_l("Send the verification link again"))


class LogoutForm(Form):
    submit = SubmitField(_l("Sign out"))


class SignOutEverywhereForm(Form):
    submit = SubmitField(_l("Sign out everywhere"))
