"""Forms of the schedule editor: the plain place form and the other forms of a session's page,
undo, and the filters of the unscheduled list. The browser's JSON actions are read with the
same forms (without their CSRF field: the token comes in a header), so both paths check input
the same way."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from organizer.blueprints._forms import Form
from organizer.blueprints._setup_forms import TimeInput, WholeNumber
from organizer.services.scheduling.editor_view import GridOptions

STALE_FORM = _l("This form is missing the session's version. Reload the page and try again.")


def _optional_int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class VersionForm(Form):
    """A change to one session names the version it was made against."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(STALE_FORM)])
    back = HiddenField()


class TargetForm(Form):
    """A place on the grid: room, day and start (in the event's zone)."""

    room = SelectField(
        _l("Room"), validate_choice=False, validators=[InputRequired(_l("Choose a room."))]
    )
    day = SelectField(
        _l("Day"), validate_choice=False, validators=[InputRequired(_l("Choose a day."))]
    )
    start = TimeInput(_l("Start"), validators=[InputRequired(_l("Enter a start time."))])

    def __init__(self, *args: Any, options: GridOptions | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if options is None:
            return
        self.room.choices = [SelectChoice(str(i), name) for i, name in options.rooms]
        self.day.choices = [SelectChoice(d.isoformat(), label) for d, label in options.days]
        self.start.description = _l(
            "In the event's time zone, %(zone)s, on a 24-hour clock, in steps of %(n)d minutes.",
            zone=options.zone,
            n=options.granularity,
        )
        self.start.render_kw = {"step": options.granularity * 60}

    def validate_room(self, field: Any) -> None:
        if field.data not in {str(c.value) for c in field.choices or ()}:
            raise ValidationError(_l("Choose one of this event's rooms."))

    def validate_day(self, field: Any) -> None:
        if field.data not in {c.value for c in field.choices or ()}:
            raise ValidationError(_l("Choose one of the schedule's days."))

    @property
    def room_id(self) -> int:
        return int(self.room.data)

    @property
    def day_date(self) -> dt.date:
        return dt.date.fromisoformat(self.day.data)


class PlaceForm(TargetForm):
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(STALE_FORM)])
    back = HiddenField()
    submit = SubmitField(_l("Place"))


class UnscheduleForm(VersionForm):
    submit = SubmitField(_l("Unschedule"))


class ResizeForm(VersionForm):
    duration = WholeNumber(
        _l("Length in minutes"),
        validators=[
            InputRequired(_l("Enter the length in minutes.")),
            NumberRange(min=1, max=1440, message=_l("Enter a length from 1 to 1,440 minutes.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    submit = SubmitField(_l("Change length"))

    def __init__(self, *args: Any, granularity: int = 15, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.duration.description = _l(
            "A multiple of %(n)d minutes: the grid's step.", n=granularity
        )
        self.duration.render_kw = {"inputmode": "numeric", "min": granularity, "step": granularity}


class ContainerForm(VersionForm):
    container = SelectField(
        _l("Block"),
        validate_choice=False,
        validators=[InputRequired(_l("Choose a block."))],
    )
    position = WholeNumber(
        _l("Position in the block"),
        validators=[Optional(), NumberRange(min=1, message=_l("Enter 1 or more."))],
        description=_l("1 is first. Leave it empty to put the talk last."),
        render_kw={"inputmode": "numeric", "min": 1},
    )
    submit = SubmitField(_l("Put into block"))

    def __init__(
        self,
        *args: Any,
        containers: list[tuple[str, str]] = (),  # type: ignore[assignment]
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.container.choices = [SelectChoice(pid, title) for pid, title in containers]

    def validate_container(self, field: Any) -> None:
        if field.data not in {c.value for c in field.choices}:
            raise ValidationError(_l("Choose a lightning block or poster session."))


PARTS = [
    SelectChoice("", _l("No preference")),
    SelectChoice("morning", _l("Morning")),
    SelectChoice("afternoon", _l("Afternoon")),
]


class DetailsForm(VersionForm):
    expected_audience = WholeNumber(
        _l("Expected audience"),
        validators=[Optional(), NumberRange(min=0, message=_l("Enter 0 or more people."))],
        description=_l("Your estimate, in people: compared with the room's seats."),
        render_kw={"inputmode": "numeric", "min": 0},
    )
    pinned = BooleanField(
        _l("Pinned"),
        description=_l("The automatic scheduler leaves a pinned session where it is."),
    )
    stream_url = StringField(
        _l("Stream or meeting link"),
        validators=[Optional(), Length(max=500, message=_l("Use at most 500 characters."))],
        description=_l("For remote speakers or a hybrid session, starting with https://."),
        render_kw={"inputmode": "url", "autocomplete": "url"},
    )
    stream_public = BooleanField(
        _l("Show the link to attendees"),
        description=_l("Otherwise only organizers see it."),
    )
    preferred_day = SelectField(_l("Preferred day"), validate_choice=False)
    preferred_part = SelectField(_l("Preferred part of the day"), choices=PARTS)
    submit = SubmitField(_l("Save details"))

    def __init__(
        self,
        *args: Any,
        days: list[tuple[dt.date, str]] = (),  # type: ignore[assignment]
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.preferred_day.choices = [
            SelectChoice("", _l("No preference")),
            *(SelectChoice(d.isoformat(), label) for d, label in days),
        ]

    def validate_preferred_day(self, field: Any) -> None:
        if field.data and field.data not in {c.value for c in field.choices}:
            raise ValidationError(_l("Choose one of the event's days."))

    @property
    def preferred_date(self) -> dt.date | None:
        return dt.date.fromisoformat(self.preferred_day.data) if self.preferred_day.data else None


class UndoForm(Form):
    back = HiddenField()
    submit = SubmitField(_l("Undo"))


class FilterForm(Form):
    """The unscheduled list's filters, sent with GET so that a filtered editor has an address."""

    class Meta:
        csrf = False

    day = HiddenField()
    track = SelectField(_l("Track"), validate_choice=False, validators=[Optional()])
    type = SelectField(_l("Session type"), validate_choice=False, validators=[Optional()])
    duration = SelectField(_l("Length"), validate_choice=False, validators=[Optional()])
    submit = SubmitField(_l("Filter"))

    def offer(
        self, *, tracks: list[tuple[int, str]], types: list[tuple[int, str]], durations: list[int]
    ) -> None:
        """The choices, once the editor knows which tracks, types and lengths there are."""
        self.track.choices = [
            SelectChoice("", _l("Any track")),
            *(SelectChoice(str(i), name) for i, name in tracks),
        ]
        self.type.choices = [
            SelectChoice("", _l("Any type")),
            *(SelectChoice(str(i), name) for i, name in types),
        ]
        self.duration.choices = [
            SelectChoice("", _l("Any length")),
            *(SelectChoice(str(n), _l("%(num)d minutes", num=n)) for n in durations),
        ]

    def ids(self) -> tuple[int | None, int | None, int | None]:
        """The chosen track, type and length; anything unreadable counts as not chosen."""
        return (
            _optional_int(self.track.data),
            _optional_int(self.type.data),
            _optional_int(self.duration.data),
        )
