"""Forms of the automatic scheduler: asking for a suggestion, and accepting it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, NumberRange

from organizer.blueprints._forms import Form
from organizer.blueprints._setup_forms import WholeNumber
from organizer.services.scheduling.suggestions import MAX_TIME_LIMIT, MIN_TIME_LIMIT

LIMIT_MESSAGE = _l("Enter a time limit from 1 to 600 seconds, e.g. 30.")


class SuggestForm(Form):
    mode = RadioField(
        _l("What to do"),
        choices=[
            SelectChoice("suggest", _l("Suggest for unscheduled sessions")),
            SelectChoice("repair", _l("Repair after a change")),
        ],
        default="suggest",
        validators=[InputRequired(_l("Choose what to do."))],
        description=_l(
            "Suggesting places the sessions that have no place yet; everything on the grid "
            "stays. Repairing may also move sessions on the grid, as few as it can, so that "
            "none breaks a rule after a late change (a speaker's times, a room lost). Pinned "
            "sessions never move."
        ),
    )
    time_limit = WholeNumber(
        _l("Time limit, in seconds"),
        validators=[
            InputRequired(LIMIT_MESSAGE),
            NumberRange(min=MIN_TIME_LIMIT, max=MAX_TIME_LIMIT, message=LIMIT_MESSAGE),
        ],
        description=_l(
            "From 1 to 600. The scheduler stops after this long at most; a longer limit "
            "can find a better schedule for a large programme. It runs in the background: "
            "you can follow it, cancel it, or leave and get a mail when it is done."
        ),
        render_kw={"min": MIN_TIME_LIMIT, "max": MAX_TIME_LIMIT, "inputmode": "numeric"},
    )
    submit = SubmitField(_l("Suggest a schedule"))


class AcceptForm(Form):
    """The moves ticked in the suggestion's table (by session public id), and which button."""

    moves = SelectMultipleField(_l("Changes to accept"), choices=[])
    scope = StringField(validators=[AnyOf(["selected", "all"])])
