from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import InputRequired

from organizer.blueprints._forms import Form


class DeleteAccountForm(Form):
    password = PasswordField(
        _l("Your password"),
        validators=[InputRequired(_l("Enter your password."))],
        description=_l("We ask again so that nobody else can do this from a device you left."),
        render_kw={"autocomplete": "current-password"},
    )
    confirmation = StringField(
        _l("Type your email address to confirm"),
        validators=[InputRequired(_l("Type your email address to confirm."))],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Delete my account for good"))
