"""The base of every form: one filter for what people type, on every field.

`Form` (for pages) and `SubForm` (without CSRF, for FormField) attach `TextGuard` to each field
as it is bound, so that no form can forget it: `tests/hygiene/test_forms.py` fails when a form
class in the app derives from anything else. The rule itself is `services.text.problem` (the
same function guards the text that does not come through a form).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import jsonify, request
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage
from wtforms import FieldList, PasswordField, TextAreaField
from wtforms import Form as PlainForm
from wtforms.fields.core import Field
from wtforms.meta import DefaultMeta
from wtforms.validators import StopValidation

from organizer.errors import ValidationFailed
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
        for entry in getattr(field, "entries", ()):  # none yet when bound
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


def _json_strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield path, str(key)
            yield from _json_strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_strings(item, f"{path}[{index}]")


def refuse_unsafe_text() -> Any:
    """Before every request: the text that reaches views without a form (path segments, the
    query string, JSON bodies) is held to the same rule as form fields, so that a NUL in a
    slug or a lone surrogate in the schedule editor's JSON is a 400 with a reason, not a
    database error. Form posts are left to their forms, which put the message next to the
    field. JSON strings may hold line breaks (a form behind it decides per field)."""
    found = None
    for name, value in [*(request.view_args or {}).items(), *request.args.items(multi=True)]:
        if isinstance(value, str):
            found = found or text.problem(name) or text.problem(value)
    if request.is_json and found is None:
        body = request.get_json(silent=True)
        for name, value in _json_strings(body):
            found = found or text.problem(name) or text.problem(value, multiline=True)
    if found is None:
        return None
    if request.is_json:
        return jsonify(error=found), 400
    raise ValidationFailed(found)  # the error page shows the reason, with status 400
