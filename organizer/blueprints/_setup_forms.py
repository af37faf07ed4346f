"""Form pieces shared by the organizers' set-up pages of the call for talks and of the grant
programmes: custom questions, review criteria, times typed in the event's zone, and the small
move and confirm forms. What differs between the two (a proposal or an application, reviewers
or grant reviewers) is a class attribute of the subclass."""

from __future__ import annotations

import itertools
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from organizer.blueprints._common import CheckboxGroupField, DateInput
from organizer.blueprints._forms import Form
from organizer.enums import QuestionKind
from organizer.services.uploads import FILE_KINDS

MARKDOWN_HINT = _l(
    "You can use Markdown: **bold**, *italic*, [links](https://example.org), lists with -."
)

QUESTION_KIND_CHOICES = [SelectChoice(kind.value, kind.label) for kind in QuestionKind]


class TimeInput(TimeField):
    """A time field that takes 23:59 or 23:59:00 and says what to type when it cannot read it."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(
            label,
            validators,
            format=["%H:%M", "%H:%M:%S"],
            invalid_value_message=_l("Enter a time as HH:MM on a 24-hour clock, e.g. 23:59."),
            **kwargs,
        )


class WholeNumber(IntegerField):
    """An integer field whose parse error says what to type."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_l("Enter a whole number, e.g. 3.")) from error


def _zone_hint(zone: str) -> str:
    return str(_l("In the event's time zone, %(zone)s, on a 24-hour clock.", zone=zone))


def date_time_fields(*labels_and_messages: tuple[Any, Any]) -> list[Any]:
    """Required date and time fields in turn (a date, then its time), each from its label and
    the message for when it is empty: the start and end of a period typed in the event's zone
    (name the time fields in the ZonedForm's `time_fields`)."""
    kinds = itertools.cycle((DateInput, TimeInput))
    return [
        kind(label, validators=[InputRequired(message)])
        for kind, (label, message) in zip(kinds, labels_and_messages, strict=False)
    ]


def name_field(missing: Any, **kwargs: Any) -> Any:
    """A required "Name" of at most 100 characters; `missing` says what to type when empty."""
    return StringField(
        _l("Name"),
        validators=[
            InputRequired(missing),
            Length(max=100, message=_l("Use at most 100 characters.")),
        ],
        **kwargs,
    )


def description_field(max_chars: int, too_long: Any, hint: Any) -> Any:
    """An optional "Description" of at most `max_chars` characters (`too_long` says so),
    three rows high, with a `hint` below it."""
    return TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=max_chars, message=too_long)],
        description=hint,
        render_kw={"rows": 3},
    )


class ZonedForm(Form):
    """A form with date and time pairs typed in the event's zone; the time fields say which."""

    time_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, zone: str = "UTC", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        for name in self.time_fields:
            self[name].description = _zone_hint(zone)


class QuestionSetupForm(Form):
    """A custom question of a form people fill in. Subclasses name what cannot be sent without
    an answer (`required_label`) and who never sees a hidden answer (`hidden_answers_hint`);
    a form whose answers no reviewer reads sets `visible_to_reviewers = None`."""

    required_label: Any
    hidden_answers_hint: Any

    text = StringField(
        _l("Question"),
        validators=[
            InputRequired(_l("Enter the question.")),
            Length(max=300, message=_l("Keep the question under 300 characters.")),
        ],
    )
    help_text = StringField(
        _l("Help text"),
        validators=[Optional(), Length(max=500, message=_l("Use at most 500 characters."))],
        description=_l("Shown under the question, e.g. what a good answer contains."),
    )
    kind = RadioField(
        _l("Kind of answer"),
        choices=QUESTION_KIND_CHOICES,
        default=QuestionKind.TEXT.value,
        validators=[InputRequired(_l("Choose the kind of answer."))],
    )
    choices = TextAreaField(
        _l("Choices"),
        description=_l(
            "Only for “one choice” and “any number of choices” questions: one choice per "
            "line, at least two. Ignored for other kinds."
        ),
        render_kw={"rows": 5},
    )
    required = BooleanField()
    visible_to_reviewers = BooleanField(_l("Visible to reviewers"), default=True)
    file_kinds = CheckboxGroupField(
        _l("Accepted file types"),
        choices=[SelectChoice(key, kind.label) for key, kind in FILE_KINDS.items()],
        description=_l("Only for file questions: choose at least one."),
    )
    max_file_kb = WholeNumber(
        _l("Largest file, in KB"),
        default=5120,
        validators=[InputRequired(_l("Enter the size limit in KB, e.g. 5120 for 5 MB."))],
        description=_l("Only for file questions: from 1 to 10,240 KB (1,024 KB = 1 MB)."),
        render_kw={"min": 1, "max": 10240, "inputmode": "numeric"},
    )
    submit = SubmitField(_l("Save question"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.required.label.text = self.required_label
        if self.visible_to_reviewers is not None:  # a subclass without reviewers drops it
            self.visible_to_reviewers.description = self.hidden_answers_hint

    def choice_lines(self) -> tuple[str, ...]:
        return tuple(line.strip() for line in (self.choices.data or "").splitlines())


class CriterionSetupForm(Form):
    """A review criterion. Subclasses give the message for a missing name
    (`name_required_message`), e.g. with an example that fits what is reviewed."""

    name_required_message: Any = _l("Enter a name for the criterion.")

    name = name_field(_l("Enter a name for the criterion."))
    description = description_field(
        500,
        _l("Use at most 500 characters."),
        _l("What reviewers should look at, shown next to the score."),
    )
    weight = WholeNumber(
        _l("Weight"),
        default=1,
        validators=[InputRequired(_l("Enter a weight from 1 to 100."))],
        description=_l("How much this criterion counts in the overall score, from 1 to 100."),
        render_kw={"min": 1, "max": 100, "inputmode": "numeric"},
    )
    scale_min = WholeNumber(
        _l("Lowest score"),
        default=1,
        validators=[InputRequired(_l("Enter the lowest score."))],
        render_kw={"inputmode": "numeric"},
    )
    scale_max = WholeNumber(
        _l("Highest score"),
        default=5,
        validators=[InputRequired(_l("Enter the highest score."))],
        render_kw={"inputmode": "numeric"},
    )
    submit = SubmitField(_l("Save criterion"))

    def values(self) -> dict[str, Any]:
        """What the services' save_criterion take from the form."""
        return {
            "name": self.name.data or "",
            "description": self.description.data or "",
            "weight": self.weight.data,
            "scale_min": self.scale_min.data,
            "scale_max": self.scale_max.data,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A new list: the unbound field's validators are shared by every instance.
        self.name.validators = [
            InputRequired(self.name_required_message),
            *self.name.validators[1:],
        ]


class MoveForm(Form):
    direction = HiddenField(validators=[AnyOf(["up", "down"])])


class ConfirmForm(Form):
    """An empty form: a CSRF token and a button, for confirmed POST actions."""

    submit = SubmitField(_l("Confirm"))
