"""Organizers' own questions and the answers to them, for the call for talks (Question,
Answer) and grant programmes (GrantQuestion, GrantAnswer): both have the same columns
(models/reviewing.py), so one set of rules checks, stores and compares both.

A new kind of question is a `QuestionKind` plus its rule in `validate_answer` (and its field
in blueprints/_question_fields.py); the call and every programme then offer it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable
from typing import IO, Any, Protocol

from flask_babel import gettext as _

from organizer.enums import QuestionKind
from organizer.models import Event, Upload, User
from organizer.services import uploads

TEXT_MAX = 300
LONG_TEXT_MAX = 5_000
HELP_TEXT_MAX = 500
QUESTION_TEXT_MAX = 300
FILE_KB_MAX = 10 * 1024
CHOICE_KINDS = (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)


@dataclasses.dataclass(frozen=True, kw_only=True)
class QuestionSettings:
    """A question as an organizer sets it up, for the call (Question) or a grant programme
    (GrantQuestion)."""

    text: str
    kind: QuestionKind
    help_text: str = ""
    choices: tuple[str, ...] = ()
    required: bool = False
    visible_to_reviewers: bool = True
    file_kinds: tuple[str, ...] = ()
    max_file_kb: int = 5120

    def clean_choices(self) -> list[str]:
        """The choices without blank lines or surrounding spaces."""
        return [c.strip() for c in self.choices if c.strip()]


def validate_question_settings(settings: QuestionSettings) -> dict[str, str]:
    """The rules every organizer's question follows: field name -> message, empty when the
    settings are right."""
    errors: dict[str, str] = {}
    text = settings.text.strip()
    choices = settings.clean_choices()
    if not text:
        errors["text"] = _("Enter the question.")
    elif len(text) > QUESTION_TEXT_MAX:
        errors["text"] = _("Keep the question under 300 characters.")
    if len(settings.help_text.strip()) > HELP_TEXT_MAX:  # the column's size
        errors["help_text"] = _("Keep the help text to 500 characters or fewer.")
    if settings.kind in CHOICE_KINDS and len(choices) < 2:
        errors["choices"] = _("Give at least two choices, one per line.")
    if len(set(choices)) != len(choices):
        errors["choices"] = _("Each choice may appear only once.")
    if settings.kind == QuestionKind.FILE:
        if not settings.file_kinds or not set(settings.file_kinds) <= set(uploads.FILE_KINDS):
            errors["file_kinds"] = _("Choose at least one accepted file type.")
        if not 1 <= settings.max_file_kb <= FILE_KB_MAX:
            errors["max_file_kb"] = _("Choose a size limit between 1 KB and 10,240 KB.")
    return errors


def apply_question_settings(question: Any, settings: QuestionSettings) -> None:
    """Copy checked settings onto a Question or GrantQuestion, keeping choices only for choice
    questions and file types only for file questions."""
    question.text = settings.text.strip()
    question.kind = settings.kind
    question.help_text = settings.help_text.strip()
    question.choices = settings.clean_choices() if settings.kind in CHOICE_KINDS else []
    question.required = settings.required
    question.visible_to_reviewers = settings.visible_to_reviewers
    question.file_kinds = list(settings.file_kinds) if settings.kind == QuestionKind.FILE else []
    question.max_file_kb = settings.max_file_kb


@dataclasses.dataclass(frozen=True)
class FileInput:
    """A file someone sent with a form, before it is checked and stored."""

    stream: IO[bytes]
    filename: str


class QuestionLike(Protocol):
    kind: QuestionKind
    required: bool
    choices: list[str]


class AnswerLike(Protocol):
    upload_id: int | None


def validate_answer(
    question: QuestionLike,
    value: Any,
    file: FileInput | None,
    existing: AnswerLike | None,
    *,
    submit: bool,
) -> str | None:
    """The message for a wrong answer, or None. Required questions must be answered only to
    submit (a draft may leave them empty); a file is checked by its bytes when it is stored."""
    kind = question.kind
    if kind == QuestionKind.FILE:
        if (
            submit
            and question.required
            and file is None
            and (existing is None or not existing.upload_id)
        ):
            return _("Attach a file.")
        return None
    if value in (None, "", []):
        return _("Answer this question.") if submit and question.required else None
    if kind in (QuestionKind.TEXT, QuestionKind.LONG_TEXT):
        limit = TEXT_MAX if kind == QuestionKind.TEXT else LONG_TEXT_MAX
        if len(str(value)) > limit:
            return _("Keep the answer to %(n)s characters or fewer.", n=limit)
    elif kind == QuestionKind.SINGLE_CHOICE:
        if value not in question.choices:
            return _("Choose one of the options.")
    elif kind == QuestionKind.MULTIPLE_CHOICE:
        if not isinstance(value, list) or not set(value) <= set(question.choices):
            return _("Choose from the options.")
    elif kind == QuestionKind.BOOLEAN and value not in ("yes", "no"):
        return _("Answer yes or no.")
    return None


def validate_answers(
    questions: Iterable[Any],
    answers: dict[int, Any],
    files: dict[int, FileInput],
    existing: dict[int, Any],
    *,
    submit: bool,
) -> dict[str, str]:
    """`validate_answer` for every question, keyed by the form's field ("question-<id>")."""
    errors: dict[str, str] = {}
    for question in questions:
        message = validate_answer(
            question,
            answers.get(question.id),
            files.get(question.id),
            existing.get(question.id),
            submit=submit,
        )
        if message:
            errors[f"question-{question.id}"] = message
    return errors


def store_files(
    questions: Iterable[Any],
    files: dict[int, FileInput],
    *,
    owner: User,
    event: Event,
    now: dt.datetime,
) -> dict[int, Upload]:
    """Check and keep the files sent for file questions: question id -> upload. Files sent
    for anything else are ignored."""
    by_id = {q.id: q for q in questions if q.kind == QuestionKind.FILE}
    stored = {}
    for question_id, file in files.items():
        question = by_id.get(question_id)
        if question is None:
            continue
        stored[question_id] = uploads.store(
            stream=file.stream,
            filename=file.filename,
            field=f"question-{question_id}",
            allowed=question.file_kinds,
            max_kb=question.max_file_kb,
            owner=owner,
            event=event,
            now=now,
        )
    return stored


def store_answer(
    answers: list[Any], question: Any, value: Any, upload: Upload | None, *, new: Callable[..., Any]
) -> None:
    """Write one answer into `answers` (a proposal's or an application's list), making it with
    `new(question=…)`. An empty answer is removed; a file question without a new file keeps
    the file sent earlier."""
    answer = next((a for a in answers if a.question_id == question.id), None)
    if question.kind == QuestionKind.FILE:
        if upload is None:
            return
        if answer is None:
            answer = new(question=question)
            answers.append(answer)
        answer.upload = upload
        answer.value = None
        return
    if value in (None, "", []):
        if answer is not None:
            answers.remove(answer)
        return
    if answer is None:
        answer = new(question=question)
        answers.append(answer)
    answer.value = value.strip() if isinstance(value, str) else value


def snapshot(answers: Iterable[Any]) -> dict[int, Any]:
    """What the answers say (value and file), to tell whether a save changed any."""
    return {a.question_id: (a.value, a.upload.id if a.upload else None) for a in answers}
