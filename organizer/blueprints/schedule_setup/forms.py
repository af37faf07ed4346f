"""Forms of the schedule's set-up pages. Hours of rooms and days are typed in the event's zone;
a remote speaker's availability in the speaker's own zone. The rules (ranges, uniqueness, the
grid) are checked by `services.scheduling.setup`, whose messages land next to these fields."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from organizer.blueprints._common import DateInput
from organizer.blueprints._forms import Form
from organizer.blueprints._setup_forms import TimeInput, WholeNumber, ZonedForm
from organizer.enums import ContainerKind, PlenaryKind, Severity
from organizer.services.events import time_zone_names
from organizer.services.scheduling import (
    day_setup,
    item_setup,
    room_setup,
    rules,
    setup,
    speaker_setup,
)
from organizer.services.scheduling.rules.base import Rule


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# Settings ------------------------------------------------------------------------------------


class _SettingsBase(Form):
    granularity_minutes = RadioField(
        _l("Grid"),
        choices=[SelectChoice(str(n), _l("%(n)d minutes", n=n)) for n in setup.GRANULARITIES],
        validate_choice=False,
        validators=[InputRequired(_l("Choose the grid."))],
        description=_l(
            "Sessions start, and last, in steps of this many minutes. A coarser grid cannot be "
            "chosen while placed sessions start between its steps."
        ),
    )
    speaker_buffer_minutes = WholeNumber(
        _l("Speakers' walking time, in minutes"),
        validators=[InputRequired(_l("Enter the walking time in minutes, e.g. 10."))],
        description=_l(
            "The walking time between rooms: a speaker with sessions in two different rooms "
            "needs at least this many minutes between them. From 0 to 240."
        ),
        render_kw={"min": 0, "max": 240, "inputmode": "numeric"},
    )
    solver_time_limit_seconds = WholeNumber(
        _l("Time limit of the automatic scheduler, in seconds"),
        validators=[InputRequired(_l("Enter the time limit in seconds, e.g. 10."))],
        description=_l(
            "How long the automatic scheduler may search for a better schedule. From 1 to 600."
        ),
        render_kw={"min": 1, "max": 600, "inputmode": "numeric"},
    )
    submit = SubmitField(_l("Save settings"))

    rule_fields: list[tuple[Rule, str]]

    def fill(self, current: setup.SettingsInput) -> None:
        self.granularity_minutes.data = str(current.granularity_minutes)
        self.speaker_buffer_minutes.data = current.speaker_buffer_minutes
        self.solver_time_limit_seconds.data = current.solver_time_limit_seconds
        for rule, name in self.rule_fields:
            self[name].data = current.severities[rule.code]

    def as_input(self) -> setup.SettingsInput:
        return setup.SettingsInput(
            granularity_minutes=_int_or_none(self.granularity_minutes.data),
            speaker_buffer_minutes=self.speaker_buffer_minutes.data,
            solver_time_limit_seconds=self.solver_time_limit_seconds.data,
            severities={rule.code: self[name].data or "" for rule, name in self.rule_fields},
        )


def settings_form(**kwargs: Any) -> _SettingsBase:
    """The settings form, with one radio group per conflict rule of the registry."""
    attrs: dict[str, Any] = {}
    names = []
    choices = [SelectChoice(s.value, s.label) for s in Severity]
    for rule in rules.all_rules():
        name = setup.severity_field(rule.code)
        attrs[name] = RadioField(
            rule.label,
            choices=choices,
            validate_choice=False,
            validators=[InputRequired(_l("Choose what this kind of conflict does."))],
            description=rule.explanation,
        )
        names.append((rule, name))
    form = type("SettingsForm", (_SettingsBase,), attrs)(**kwargs)
    form.rule_fields = names
    return form


# Rooms ---------------------------------------------------------------------------------------


class RoomForm(Form):
    name = StringField(
        _l("Name"),
        validators=[
            InputRequired(_l("Enter the room's name, e.g. Main hall.")),
            Length(max=100, message=_l("Use at most 100 characters.")),
        ],
        render_kw={"maxlength": 100},
    )
    capacity = WholeNumber(
        _l("Capacity (optional)"),
        description=_l("Seats. Leave it empty when you do not know."),
        render_kw={"min": 0, "inputmode": "numeric"},
    )
    step_free = BooleanField(
        _l("Step-free access"),
        description=_l("People using a wheelchair can reach the room and its stage."),
    )
    hearing_loop = BooleanField(_l("Hearing loop"))
    captioning = BooleanField(_l("Live captioning"))
    accessibility_notes = TextAreaField(
        _l("Accessibility notes (optional)"),
        description=_l("e.g. where the lift is, seating for wheelchair users, quiet room."),
        render_kw={"rows": 3, "maxlength": room_setup.NOTES_MAX},
    )
    stream_url = URLField(
        _l("Stream or meeting link (optional)"),
        description=_l("A full address starting with https://, for remote speakers and attendees."),
        render_kw={
            "maxlength": room_setup.URL_MAX,
            "autocapitalize": "none",
            "spellcheck": "false",
        },
    )
    stream_public = BooleanField(
        _l("Show the link to attendees"),
        description=_l("Otherwise only organizers see it."),
    )
    submit = SubmitField(_l("Save room"))

    def as_input(self) -> room_setup.RoomInput:
        return room_setup.RoomInput(
            name=self.name.data or "",
            capacity=self.capacity.data,
            step_free=bool(self.step_free.data),
            hearing_loop=bool(self.hearing_loop.data),
            captioning=bool(self.captioning.data),
            accessibility_notes=self.accessibility_notes.data or "",
            stream_url=(self.stream_url.data or "").strip(),
            stream_public=bool(self.stream_public.data),
        )


class WindowForm(ZonedForm):
    """A period in which a room can be used, on one schedule day."""

    time_fields = ("starts", "ends")

    day = SelectField(
        _l("Day"), validate_choice=False, validators=[InputRequired(_l("Choose a day."))]
    )
    starts = TimeInput(_l("From"), validators=[InputRequired(_l("Enter when the room opens."))])
    ends = TimeInput(_l("To"), validators=[InputRequired(_l("Enter when the room closes."))])
    submit = SubmitField(_l("Add the window"))

    def __init__(self, *args: Any, days: list[dt.date], **kwargs: Any) -> None:
        super().__init__(*args, prefix="window", **kwargs)
        self.day.choices = [
            SelectChoice(d.isoformat(), format_date(d, "EEEE d MMMM")) for d in days
        ]

    def chosen_day(self) -> dt.date | None:
        return _date_or_none(self.day.data)


def _date_or_none(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        return None


# Days ----------------------------------------------------------------------------------------


class DayHoursForm(ZonedForm):
    time_fields = ("starts", "ends")

    starts = TimeInput(
        _l("Starts at"), validators=[InputRequired(_l("Enter when the day starts."))]
    )
    ends = TimeInput(_l("Ends at"), validators=[InputRequired(_l("Enter when the day ends."))])
    submit = SubmitField(_l("Save hours"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ends.description = _(
            "In the event's time zone, %(zone)s, on a 24-hour clock. The day ends on the same "
            "date, at 23:55 at the latest.",
            zone=self.zone,
        )

    def hours(self) -> day_setup.DayHours:
        return day_setup.DayHours(starts=self.starts.data, ends=self.ends.data)


class NewDayForm(DayHoursForm):
    day = DateInput(_l("Date"), validators=[InputRequired(_l("Enter the date, e.g. 2027-03-27."))])
    submit = SubmitField(_l("Add the day"))


# Plenary items and containers ----------------------------------------------------------------


class _ItemForm(Form):
    title = StringField(
        _l("Title (optional)"),
        validators=[Length(max=200, message=_l("Use at most 200 characters."))],
        description=_l("Leave it empty to use the kind's name."),
        render_kw={"maxlength": 200},
    )
    duration_minutes = WholeNumber(
        _l("Length, in minutes"),
        validators=[InputRequired(_l("Enter the length in minutes, e.g. 30."))],
        render_kw={"min": 5, "max": 1440, "inputmode": "numeric"},
    )

    def __init__(self, *args: Any, step: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.duration_minutes.description = _("A multiple of %(n)d minutes (the grid).", n=step)


class PlenaryForm(_ItemForm):
    kind = RadioField(
        _l("Kind"),
        choices=[SelectChoice(k.value, _l(k.label)) for k in PlenaryKind],
        default=PlenaryKind.BREAK.value,
        validate_choice=False,
        validators=[InputRequired(_l("Choose a kind of item."))],
    )
    all_rooms = BooleanField(
        _l("In all rooms at once"),
        description=_l("Nothing else can be placed in any room while it runs, e.g. lunch."),
    )
    submit = SubmitField(_l("Save the item"))

    def as_input(self) -> item_setup.ItemInput:
        return item_setup.ItemInput(
            kind=self.kind.data or "",
            title=self.title.data or "",
            duration_minutes=self.duration_minutes.data,
            all_rooms=bool(self.all_rooms.data),
        )


class ContainerForm(_ItemForm):
    kind = RadioField(
        _l("Kind"),
        choices=[SelectChoice(k.value, _l(k.label)) for k in ContainerKind],
        default=ContainerKind.LIGHTNING.value,
        validate_choice=False,
        validators=[InputRequired(_l("Choose a kind of block."))],
    )
    submit = SubmitField(_l("Save the block"))

    def as_input(self) -> item_setup.ItemInput:
        return item_setup.ItemInput(
            kind=self.kind.data or "",
            title=self.title.data or "",
            duration_minutes=self.duration_minutes.data,
        )


class AddTalkForm(Form):
    talk = SelectField(
        _l("Talk"), validate_choice=False, validators=[InputRequired(_l("Choose a talk."))]
    )
    submit = SubmitField(_l("Add to the block"))

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, prefix="add", **kwargs)
        self.talk.choices = [SelectChoice(str(i), title) for i, title in choices]

    def talk_id(self) -> int | None:
        return _int_or_none(self.talk.data)


# Speakers ------------------------------------------------------------------------------------


class SpeakerForm(Form):
    remote = BooleanField(_l("Speaks remotely"))
    timezone = SelectField(
        _l("Their time zone"),
        validate_choice=False,
        description=_l(
            "Only for remote speakers: the times below are typed and shown in this zone."
        ),
    )
    needs_step_free = BooleanField(_l("Needs step-free access to the room and stage"))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = [SelectChoice(z, z) for z in time_zone_names()]

    def as_input(self) -> speaker_setup.SpeakerSettings:
        return speaker_setup.SpeakerSettings(
            remote=bool(self.remote.data),
            timezone=self.timezone.data or "",
            needs_step_free=bool(self.needs_step_free.data),
        )


class IntervalForm(Form):
    """A time in which a speaker can speak, typed in the speaker's zone."""

    day = SelectField(
        _l("Date"), validate_choice=False, validators=[InputRequired(_l("Choose a date."))]
    )
    starts = TimeInput(_l("From"), validators=[InputRequired(_l("Enter when it starts."))])
    ends = TimeInput(_l("To"), validators=[InputRequired(_l("Enter when it ends."))])
    submit = SubmitField(_l("Add the time"))

    def __init__(self, *args: Any, dates: list[dt.date], zone: str, **kwargs: Any) -> None:
        super().__init__(*args, prefix="interval", **kwargs)
        self.day.choices = [
            SelectChoice(d.isoformat(), format_date(d, "EEEE d MMMM")) for d in dates
        ]
        hint = _("In the speaker's time zone, %(zone)s, on a 24-hour clock.", zone=zone)
        self.starts.description = hint
        self.ends.description = hint

    def chosen_day(self) -> dt.date | None:
        return _date_or_none(self.day.data)
