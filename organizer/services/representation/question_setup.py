"""Organizers' changes to the questions and options. Keys, kinds and options never go away,
so that editions stay comparable: questions and options are retired, not deleted.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _

from organizer import permissions
from organizer.enums import SurveyKind
from organizer.errors import NotFound, ValidationFailed
from organizer.extensions import db
from organizer.models import Event, SurveyOption, SurveyQuestion, User
from organizer.services import audit
from organizer.services.ordering import swap_with_neighbour
from organizer.services.representation.survey import (
    EXPLANATION_MAX,
    KEY_MAX,
    OPTION_LABEL_MAX,
    PREFER_NOT_TO_SAY,
    QUESTION_TEXT_MAX,
    OptionInfo,
    QuestionInfo,
    add_prefer_not,
    option_info,
    option_row,
    question_info,
    question_row,
    question_rows,
    settings_row,
)


def _slug_key(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    key = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    return (key or "item")[: KEY_MAX - 4].strip("_") or "item"


def _unique_key(text: str, taken: Iterable[str]) -> str:
    taken = set(taken)
    base = _slug_key(text)
    key, number = base, 2
    while key in taken or key.startswith("_"):
        key = f"{base}_{number}"
        number += 1
    return key


def _check_wording(text: str, explanation: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not text:
        errors["text"] = _("Enter the question.")
    elif len(text) > QUESTION_TEXT_MAX:
        errors["text"] = _("Keep the question under %(max)d characters.", max=QUESTION_TEXT_MAX)
    if len(explanation) > EXPLANATION_MAX:
        errors["explanation"] = _("Keep it under %(max)d characters.", max=EXPLANATION_MAX)
    return errors


def _check_label(label: str, field: str = "label") -> dict[str, str]:
    if not label:
        return {field: _("Enter the option's label.")}
    if len(label) > OPTION_LABEL_MAX:
        return {field: _("Keep each option under %(max)d characters.", max=OPTION_LABEL_MAX)}
    return {}


def _audit_setup(actor: User, event: Event, now: dt.datetime, action: str, **details: Any):
    audit.record(
        action=f"representation.{action}",
        actor=actor,
        now=now,
        object_type="survey_question",
        object_id=details.get("question"),
        event=event,
        details=details,
    )


def update_question(
    *,
    actor: User,
    event: Event,
    question_key: str,
    text: str,
    explanation: str,
    allow_self_describe: bool,
    option_labels: dict[str, str] | None = None,
    now: dt.datetime,
) -> QuestionInfo:
    """Change a question's wording (its key, kind and options stay, so that editions stay
    comparable); `option_labels` may rename options by key."""
    permissions.require(permissions.can_view_representation(actor, event))
    question = question_row(event, question_key)
    text, explanation = (text or "").strip(), (explanation or "").strip()
    errors = _check_wording(text, explanation)
    labels = {key: (label or "").strip() for key, label in (option_labels or {}).items()}
    for key, label in labels.items():
        option_row(question, key)
        errors.update(_check_label(label, f"option_{key}"))
    if errors:
        raise ValidationFailed(errors)
    question.text = text
    question.explanation = explanation
    question.allow_self_describe = allow_self_describe
    for key, label in labels.items():
        option_row(question, key).label = label
    db.session.flush()
    _audit_setup(actor, event, now, "question_edited", question=question.key, text=text)
    return question_info(question)


def add_question(
    *,
    actor: User,
    event: Event,
    text: str,
    explanation: str,
    kind: SurveyKind,
    allow_self_describe: bool,
    options: list[str],
    now: dt.datetime,
) -> QuestionInfo:
    """A new question at the end, with its options and "Prefer not to say". Its key comes
    from its text and is unique in the event."""
    permissions.require(permissions.can_view_representation(actor, event))
    if settings_row(event) is None:
        raise NotFound(_("This event has no survey yet."))
    text, explanation = (text or "").strip(), (explanation or "").strip()
    labels = [label.strip() for label in options if label and label.strip()]
    errors = _check_wording(text, explanation)
    if not labels:
        errors["options"] = _("Give at least one option, one per line.")
    for label in labels:
        errors.update(_check_label(label, "options"))
    if len({label.casefold() for label in labels}) != len(labels):
        errors["options"] = _("Each option must be different.")
    if errors:
        raise ValidationFailed(errors)
    existing = question_rows(event)
    question = SurveyQuestion(
        event_id=event.id,
        key=_unique_key(text, (q.key for q in existing)),
        text=text,
        explanation=explanation,
        kind=kind,
        allow_self_describe=allow_self_describe,
        position=max((q.position for q in existing), default=-1) + 1,
    )
    taken: set[str] = {PREFER_NOT_TO_SAY}
    for index, label in enumerate(labels):
        key = _unique_key(label, taken)
        taken.add(key)
        question.options.append(SurveyOption(key=key, label=label, position=index))
    add_prefer_not(question, len(labels))
    db.session.add(question)
    db.session.flush()
    _audit_setup(actor, event, now, "question_added", question=question.key, text=text)
    return question_info(question)


def add_option(
    *, actor: User, event: Event, question_key: str, label: str, now: dt.datetime
) -> OptionInfo:
    """A new option, before "Prefer not to say" (e.g. a category that fits the region)."""
    permissions.require(permissions.can_view_representation(actor, event))
    question = question_row(event, question_key)
    label = (label or "").strip()
    errors = _check_label(label)
    if not errors and any(o.label.casefold() == label.casefold() for o in question.options):
        errors["label"] = _("The question already has this option.")
    if errors:
        raise ValidationFailed(errors)
    option = SurveyOption(key=_unique_key(label, (o.key for o in question.options)), label=label)
    ordered = [o for o in question.options if not o.prefer_not_to_say]
    ordered.append(option)
    ordered.extend(o for o in question.options if o.prefer_not_to_say)
    question.options.append(option)
    for position, item in enumerate(ordered):
        item.position = position
    db.session.flush()
    _audit_setup(actor, event, now, "option_added", question=question.key, option=option.key)
    return option_info(option)


def set_question_retired(
    *, actor: User, event: Event, question_key: str, retired: bool, now: dt.datetime
) -> None:
    """Stop asking a question (or ask it again). Its answers stay and are still counted."""
    permissions.require(permissions.can_view_representation(actor, event))
    question = question_row(event, question_key)
    question.retired = retired
    db.session.flush()
    action = "question_retired" if retired else "question_unretired"
    _audit_setup(actor, event, now, action, question=question.key)


def set_option_retired(
    *,
    actor: User,
    event: Event,
    question_key: str,
    option_key: str,
    retired: bool,
    now: dt.datetime,
) -> None:
    """Stop offering an option (or offer it again). Options are never deleted, so that old
    answers stay readable; "Prefer not to say" stays on every question."""
    permissions.require(permissions.can_view_representation(actor, event))
    question = question_row(event, question_key)
    option = option_row(question, option_key)
    if retired and not permissions.can_retire_survey_option(actor, event, option):
        raise ValidationFailed({"": _("“Prefer not to say” stays on every question.")})
    option.retired = retired
    db.session.flush()
    action = "option_retired" if retired else "option_unretired"
    _audit_setup(actor, event, now, action, question=question.key, option=option.key)


def move_question(*, actor: User, event: Event, question_key: str, direction: int) -> None:
    permissions.require(permissions.can_view_representation(actor, event))
    question = question_row(event, question_key)
    swap_with_neighbour(question_rows(event), question, direction)
