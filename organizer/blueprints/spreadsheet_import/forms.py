"""The spreadsheet import forms: the upload, one select per column, and the confirmation."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice

from organizer.blueprints._forms import Form
from organizer.services.imports.spreadsheet_fields import Field
from organizer.services.imports.spreadsheet_read import Row


class UploadForm(Form):
    file = FileField(
        _l("Spreadsheet (CSV or XLSX)"),
        validators=[FileRequired(_l("Choose a CSV or XLSX file."))],
        description=_l(
            "As Google Forms or Microsoft Forms export it: one header row, then one row per "
            "answer. At most 10 MB and 10,000 rows."
        ),
    )
    submit = SubmitField(_l("Upload and choose the columns"))


class MappingForm(Form):
    """Built per file: a select for each column (`column-<n>`), added by `mapping_form`."""

    submit = SubmitField(_l("Check the rows"))


def _examples(samples: list[Row], index: int) -> str:
    """The first answers of a column, as a hint under its select."""
    values = [row.cell(index) for row in samples]
    shown = ", ".join(f"“{v[:60]}{'…' if len(v) > 60 else ''}”" for v in values if v)
    return str(_l("First answers: %(values)s", values=shown)) if shown else ""


def mapping_form(
    headers: tuple[str, ...],
    fields: list[Field],
    mapping: dict[str, int],
    samples: list[Row],
    **kwargs: Any,
) -> MappingForm:
    choices = [SelectChoice("", str(_l("Do not import")))] + [
        SelectChoice(f.key, f"{f.label} *" if f.required else str(f.label)) for f in fields
    ]
    by_column = {index: key for key, index in mapping.items()}

    class ForThisFile(MappingForm):
        pass

    for index, header in enumerate(headers):
        label = header or str(_l("Column %(n)s (no header)", n=index + 1))
        setattr(
            ForThisFile,
            f"column-{index}",
            SelectField(
                label,
                choices=choices,
                default=by_column.get(index, ""),
                description=_examples(samples, index),
            ),
        )
    return ForThisFile(**kwargs)


def columns_of(form: MappingForm, count: int) -> dict[int, str]:
    return {index: form[f"column-{index}"].data or "" for index in range(count)}


class ImportForm(Form):
    expected = HiddenField()
    # Rows with problems at the check shown: without "skip", refused here at once (the worker
    # checks again, and is the one that decides).
    bad_rows = HiddenField()
    skip_listed = BooleanField(
        _l("Skip the rows listed with problems and import only the good rows"),
        description=_l("Without this, nothing is imported while any row has a problem."),
    )
    submit = SubmitField(_l("Import"))
