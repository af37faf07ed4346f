"""The check-in buttons: a POST with its CSRF token and the search to go back to."""

from __future__ import annotations

from wtforms import HiddenField

from organizer.blueprints._forms import Form


class CheckInForm(Form):
    """ "Checked in" and "Undo" alike: nothing to fill, the search kept for the way back."""

    q = HiddenField()
