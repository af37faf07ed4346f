"""The base of every form: one filter for what people type, on every field.

`Form` (for pages) and `SubForm` (without CSRF, for FormField) attach `TextGuard` to each field
as it is bound, so that no form can forget it: `tests/hygiene/test_forms.py` fails when a form
class in the app derives from anything else. The rule itself is `services.text.problem` (the
same function guards the text that does not come through a form).
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage
from wtforms import FieldList, PasswordField, TextAreaField
from wtforms import Form as PlainForm
from wtforms.fields.core import Field
from wtforms.meta import DefaultMeta
from wtforms.validators import StopValidation

from organizer.services import text


class TextGuard:
    """Refuses what `text.problem` refuses in a field's submitted values, before the field's
    own validators run (so that `Optional` cannot wave through a value made of control
    characters, which count as whitespace), and normalises a multi-line field's line breaks.

    File names are not checked: `services.uploads` rewrites them to letters, digits and
    dashes, so nothing of them is kept as typed."""

    field_flags: dict[str, Any] = {}

    def __init__(self, *, multiline: bool, bidi: bool) -> None:
        self.multiline = multiline
        self.bidi = bidi

    def __call__(self, form: Any, field: Field) -> None:
        for value in field.raw_data or ():
            if isinstance(value, FileStorage) or not isinstance(value, str):
                continue
            message = text.problem(value, multiline=self.multiline, bidi=self.bidi)
            if message is not None:
                raise StopValidation(message)
        if self.multiline and isinstance(field.data, str):
            field.data = text.normalise_lines(field.data)


def guard(field: Field) -> Field:
    """Put the guard first in `field`'s validators (and in every entry of a FieldList)."""
    if any(isinstance(v, TextGuard) for v in field.validators):
        return field
    field.validators = [
        TextGuard(
            multiline=isinstance(field, TextAreaField), bidi=not isinstance(field, PasswordField)
        ),
        *field.validators,
    ]
    if isinstance(field, FieldList):
        add_entry = field._add_entry

        def guarded_entry(*args: Any, **kwargs: Any) -> Field:
            return guard(add_entry(*args, **kwargs))

        field._add_entry = guarded_entry  # type: ignore[method-assign]
        for entry in field.entries:
            guard(entry)
    return field


class GuardedMeta(DefaultMeta):
    def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Field:
        return guard(super().bind_field(form, unbound_field, options))


class Form(FlaskForm):
    """Every page's form derives from this (CSRF from Flask-WTF, the text guard from here)."""

    class Meta(GuardedMeta):
        pass


class SubForm(PlainForm):
    """A form nested with FormField (no CSRF of its own: the outer form has it)."""

    class Meta(GuardedMeta):
        pass
