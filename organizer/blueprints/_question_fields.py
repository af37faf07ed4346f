"""The fields for organizers' own questions on the forms people fill in: a proposal (Question)
and a grant application (GrantQuestion) ask them the same way, and the services check the
answers with the same rules (`services.reviewing.questions`)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from organizer.blueprints._common import CheckboxGroupField
from organizer.blueprints._forms import Form
from organizer.enums import QuestionKind
from organizer.services import uploads
from organizer.services.reviewing.questions import LONG_TEXT_MAX, TEXT_MAX, FileInput

QuestionNames = list[tuple[Any, str]]


def question_field_name(question: Any) -> str:
    """The same key the service uses for the question's errors."""
    return f"question-{question.id}"


def _size(kb: int) -> str:
    return f"{kb // 1024} MB" if kb >= 1024 and kb % 1024 == 0 else f"{kb} KB"


def _file_hint(question: Any, answer: Any | None) -> str:
    """What is accepted, how large, and what was sent before."""
    parts = [question.help_text] if question.help_text else []
    parts.append(
        _(
            "Accepted: %(kinds)s, up to %(size)s.",
            kinds=uploads.describe_kinds(question.file_kinds),
            size=_size(question.max_file_kb),
        )
    )
    if answer is not None and answer.upload is not None:
        parts.append(
            _(
                "Already sent: %(name)s. Choose a file only to replace it.",
                name=answer.upload.filename,
            )
        )
    return " ".join(parts)


def question_field(question: Any, answer: Any | None) -> Any:
    """An unbound field for one question; `answer` is the saved one, if any (for a file, the
    hint names what was sent)."""
    label = question.text if question.required else _("%(text)s (optional)", text=question.text)
    hint = question.help_text
    kind = question.kind
    if kind == QuestionKind.TEXT:
        return StringField(label, description=hint, render_kw={"maxlength": TEXT_MAX})
    if kind == QuestionKind.LONG_TEXT:
        return TextAreaField(
            label, description=hint, render_kw={"rows": 5, "maxlength": LONG_TEXT_MAX}
        )
    if kind == QuestionKind.SINGLE_CHOICE:
        return RadioField(
            label,
            description=hint,
            choices=[SelectChoice(c, c) for c in question.choices],
            validate_choice=False,
        )
    if kind == QuestionKind.MULTIPLE_CHOICE:
        return CheckboxGroupField(
            label,
            description=hint,
            choices=[SelectChoice(c, c) for c in question.choices],
            validate_choice=False,
        )
    if kind == QuestionKind.BOOLEAN:
        return RadioField(
            label,
            description=hint,
            choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))],
            validate_choice=False,
        )
    accept = ",".join(
        f".{uploads.FILE_KINDS[k].extension},{uploads.FILE_KINDS[k].content_type}"
        for k in question.file_kinds
        if k in uploads.FILE_KINDS
    )
    return FileField(label, description=_file_hint(question, answer), render_kw={"accept": accept})


def add_question_fields(
    attrs: dict[str, Any], questions: list[Any], answers: dict[int, Any]
) -> QuestionNames:
    """Adds a field per question to the attributes of a form class being built; returns each
    question with its field name, in order."""
    names = []
    for question in questions:
        name = question_field_name(question)
        attrs[name] = question_field(question, answers.get(question.id))
        names.append((question, name))
    return names


def saved_answers(names: QuestionNames, answers: dict[int, Any]) -> dict[str, Any]:
    """The form data that pre-fills the questions from saved answers (a file cannot be)."""
    data = {}
    for question, name in names:
        answer = answers.get(question.id)
        if answer is not None and question.kind != QuestionKind.FILE:
            data[name] = answer.value
    return data


def answers_and_files(
    form: Form, names: QuestionNames
) -> tuple[dict[int, Any], dict[int, FileInput]]:
    """What the form holds for the questions, by question id: answers, and the files sent."""
    answers: dict[int, Any] = {}
    files: dict[int, FileInput] = {}
    for question, name in names:
        value = form[name].data
        if question.kind == QuestionKind.FILE:
            if value is not None and getattr(value, "filename", ""):
                files[question.id] = FileInput(value.stream, value.filename)
        else:
            answers[question.id] = value
    return answers, files
