from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional

from organizer.blueprints._common import DateInput
from organizer.blueprints._forms import Form
from organizer.services.api_tokens import NAME_MAX


class NewTokenForm(Form):
    name = StringField(
        _l("Name"),
        validators=[
            InputRequired(_l("Give the token a name, so that you recognise it.")),
            Length(max=NAME_MAX),
        ],
        description=_l("What the token is for, e.g. “Programme committee spreadsheet”."),
        render_kw={"autocomplete": "off"},
    )
    event = SelectField(
        _l("Event"),
        validators=[Optional()],
        description=_l(
            "Limit the token to one event where you have a role, or let it read every event "
            "you can read."
        ),
    )
    expires_on = DateInput(
        _l("Expires on (optional)"),
        validators=[Optional()],
        description=_l("The token stops working at the end of this day (UTC). At most a year."),
    )
    read_only = BooleanField(
        _l("Read-only"),
        default=True,
        description=_l(
            "The API only reads today. A read-only token is refused any other kind of request, "
            "also when the API can change things one day. Keep it ticked unless you know you "
            "will need that."
        ),
    )
    submit = SubmitField(_l("Create token"))


class RevokeTokenForm(Form):
    submit = SubmitField(_l("Revoke token"))
