"""Answers to organizers' own questions, shared by the call for talks (Question) and grant
programmes (GrantQuestion): both have the same fields, so one set of rules checks both."""

from __future__ import annotations

import dataclasses
from typing import IO, Any, Protocol

from flask_babel import gettext as _

from organizer.enums import QuestionKind

TEXT_MAX = 300
LONG_TEXT_MAX = 5_000


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
