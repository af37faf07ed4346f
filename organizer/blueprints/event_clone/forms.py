"""The form that starts a new edition from an event."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField
from wtforms.validators import InputRequired, Length

from organizer.blueprints._common import DateInput, event_address_field
from organizer.blueprints._forms import Form


class CloneForm(Form):
    name = StringField(
        _l("Name of the new edition"),
        validators=[
            InputRequired(_l("Enter the new edition's name.")),
            Length(max=200, message=_l("Use at most 200 characters.")),
        ],
    )
    slug = event_address_field(
        format_message=_l("Use lower-case letters, digits and hyphens, e.g. mlworkshop-2028."),
        description=_l("The new edition's pages live at /this-address/."),
    )
    starts_on = DateInput(
        _l("First day"),
        validators=[InputRequired(_l("Enter the first day as YYYY-MM-DD."))],
        description=_l(
            "The new edition lasts as many days as this one. Every date is moved by the same "
            "number of days, at the same time of day."
        ),
    )
    submit = SubmitField(_l("Create the new edition"))
