"""The form that releases the schedule as a new version."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, TextAreaField
from wtforms.validators import Length

from organizer.blueprints._forms import Form
from organizer.services.scheduling.releases import COMMENT_MAX


class ReleaseForm(Form):
    comment = TextAreaField(
        _l("Comment (optional)"),
        validators=[Length(max=COMMENT_MAX)],
        description=_l(
            "Shown with this version on the public list of changes and in the speakers' "
            "mails, e.g. “The keynote moved to Sunday morning.”"
        ),
    )
    # The preview the organizer saw: releasing is refused if the schedule changed since.
    expected = HiddenField()
