"""The organizers' choice of paper layout and of whose badges to print (a GET form: it only
reads, so it carries no CSRF token and its address can be bookmarked)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SubmitField
from wtforms.validators import InputRequired

from organizer.blueprints._forms import SubForm


class BadgesForm(SubForm):
    layout = RadioField(
        _l("Paper layout"),
        validators=[InputRequired(_l("Choose a paper layout."))],
    )
    selection = RadioField(
        _l("Whose badges"),
        description=_l("Only confirmed registrations get a badge."),
        validators=[InputRequired(_l("Choose whose badges to print."))],
    )
    submit = SubmitField(_l("Make the badges (PDF)"))
