"""The event archive's forms: ask for a new export, upload an archive to import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import StringField, SubmitField
from wtforms.validators import Length, Optional

from organizer.blueprints._forms import Form


class ExportForm(Form):
    submit = SubmitField(_l("Make a new archive"))


class ImportForm(Form):
    archive = FileField(
        _l("Event archive (.zip)"),
        description=_l("A file made by “Export the whole event” here or on another instance."),
    )
    slug = StringField(
        _l("Address of the new event"),
        description=_l(
            "Lowercase letters, digits and hyphens. Leave empty to use the archive's own."
        ),
        validators=[Optional(), Length(max=50, message=_l("Use at most 50 characters."))],
    )
    submit = SubmitField(_l("Import into a new event"))
