"""Answers to organizers' own questions, shared by the call for talks (Question) and grant
programmes (GrantQuestion): both have the same fields, so one set of rules checks both."""

from __future__ import annotations

import dataclasses
from typing import IO, Any, Protocol

from flask_babel import gettext as _

from organizer.enums import QuestionKind
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
