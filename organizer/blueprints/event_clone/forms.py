"""The form that starts a new edition from an event."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField
from wtforms.validators import InputRequired, Length, Regexp

from organizer.blueprints._common import DateInput
from organizer.blueprints._forms import Form


class CloneForm(Form):
    name = StringField(
        _l("Name of the new edition"),
        validators=[
            InputRequired(_l("Enter the new edition's name.")),
            Length(max=200, message=_l("Use at most 200 characters.")),
        ],
    )
    slug = StringField(
        _l("Web address"),
        validators=[
            InputRequired(_l("Choose a web address.")),
            Length(min=3, max=50, message=_l("Use between 3 and 50 characters.")),
            Regexp(
                r"^[a-z0-9][a-z0-9-]*[a-z0-9]$",
                message=_l("Use lower-case letters, digits and hyphens, e.g. mlworkshop-2028."),
            ),
        ],
        description=_l("The new edition's pages live at /this-address/."),
        filters=[lambda value: value.strip().lower() if value else value],
        render_kw={"autocapitalize": "none", "spellcheck": "false"},
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
