"""The bulk mail forms: compose (group, track, subject, text) and the confirmation to send."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange

from organizer.blueprints._forms import Form
from organizer.models import MailBatch, Track
from organizer.services import bulk_mail


class ComposeForm(Form):
    group = RadioField(
        _l("Who gets the mail"),
        choices=[SelectChoice(key, group.label) for key, group in bulk_mail.GROUPS.items()],
        validators=[InputRequired(_l("Choose who the mail goes to."))],
    )
    track = SelectField(
        _l("Track"),
        description=_l("For mails to speakers only: limit them to the speakers of one track."),
        coerce=lambda value: int(value) if value not in (None, "", "None") else None,
    )
    subject = StringField(
        _l("Subject"),
        validators=[
            InputRequired(_l("Enter a subject.")),
            Length(max=200, message=_l("Keep the subject to 200 characters or fewer.")),
        ],
    )
    body = TextAreaField(
        _l("Text of the mail"),
        validators=[
            InputRequired(_l("Enter the text of the mail.")),
            Length(max=20000, message=_l("Keep the text to 20,000 characters or fewer.")),
        ],
        description=_l(
            "Plain text. Placeholders in braces, e.g. {name}, are filled in for each person."
        ),
        render_kw={"rows": 14},
    )
    submit = SubmitField(_l("Preview"))

    def __init__(self, *args, tracks: list[Track], batch: MailBatch | None = None, **kwargs):  # type: ignore[no-untyped-def]
        if batch is not None and "formdata" not in kwargs:
            kwargs.setdefault("group", batch.group)
            kwargs.setdefault("track", batch.track_id)
            kwargs.setdefault("subject", batch.subject)
            kwargs.setdefault("body", batch.body)
        super().__init__(*args, **kwargs)
        self.track.choices = [SelectChoice("", _l("All tracks"))] + [
            SelectChoice(t.id, t.name) for t in tracks
        ]


class SendForm(Form):
    """ "Send to N people": N is what the organizer saw; the service refuses another count."""

    expected = IntegerField(validators=[InputRequired(), NumberRange(min=1)])
    submit = SubmitField(_l("Send"))


class DiscardForm(Form):
    submit = SubmitField(_l("Discard this draft"))
