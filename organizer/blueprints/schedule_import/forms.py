"""The forms of a schedule import: a file or an address, then the confirmation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from organizer.blueprints._forms import Form


class UploadForm(Form):
    file = FileField(
        _l("Schedule file"),
        validators=[FileRequired(_l("Choose a file."))],
        description=_l("A schedule.xml (frab) or schedule.json, as pretalx and frab publish them."),
        render_kw={"accept": ".xml,.json,application/xml,application/json"},
    )
    upload = SubmitField(_l("Upload and preview"))


class AddressForm(Form):
    url = StringField(
        _l("Address of the schedule"),
        validators=[
            InputRequired(_l("Enter the address.")),
            Length(max=2000, message=_l("Use at most 2000 characters.")),
        ],
        description=_l(
            "e.g. https://pretalx.example.org/conf-2026/schedule/export/schedule.json. It is "
            "fetched in the background; the preview appears on the next page."
        ),
        render_kw={"type": "url", "inputmode": "url", "autocomplete": "url"},
    )
    fetch = SubmitField(_l("Fetch and preview"))


class ConfirmForm(Form):
    mode = RadioField(
        _l("Import as"),
        choices=[
            SelectChoice("draft", _l("A draft to edit in the schedule editor")),
            SelectChoice("release", _l("A released schedule (the next version)")),
        ],
        default="draft",
        validators=[InputRequired(_l("Choose how to import."))],
    )
    confirm = SubmitField(_l("Import"))
