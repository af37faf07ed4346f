"""The survey's rows and their read-only views, shared by the modules of the package: the
settings, the questions and options, and the limits every step checks.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from organizer.enums import SurveyKind
from organizer.errors import NotFound
from organizer.extensions import db
from organizer.models import (
    Event,
    SurveyConsentVersion,
    SurveyOption,
    SurveyQuestion,
    SurveySettings,
)

DEFAULT_K = 5
MIN_K = 3
MAX_K = 100
PUBLIC_K = 10  # the report uses at least this for anything marked public
PURGE_AFTER_DAYS = 180
SELF_DESCRIBED_MAX = 200
QUESTION_TEXT_MAX = 300
OPTION_LABEL_MAX = 200
EXPLANATION_MAX = 2_000
CONSENT_MAX = 5_000
KEY_MAX = 60
SELF_DESCRIBED = "_self_described"
NO_ANSWER = "_no_answer"
PREFER_NOT_TO_SAY = "prefer_not_to_say"


def self_field(question_key: str) -> str:
    """The form field (and error key) of a question's self-description."""
    return f"{question_key}__self"


@dataclasses.dataclass(frozen=True)
class OptionInfo:
    key: str
    label: str
    retired: bool
    prefer_not_to_say: bool


@dataclasses.dataclass(frozen=True)
class QuestionInfo:
    key: str
    text: str
    explanation: str
    kind: SurveyKind
    allow_self_describe: bool
    retired: bool
    options: list[OptionInfo]

    def option(self, key: str) -> OptionInfo | None:
        return next((o for o in self.options if o.key == key), None)


@dataclasses.dataclass(frozen=True)
class SettingsInfo:
    """An event's survey settings, read-only (for the set-up form and the methodology note)."""

    event_id: int
    is_open: bool
    k: int
    purge_on: dt.date
    consent_text: str
    consent_version: int
    purged_at: dt.datetime | None
    updated_at: dt.datetime
    consent_versions: list[tuple[int, str]]  # every version used, oldest first


def settings_row(event: Event) -> SurveySettings | None:
    return db.session.scalar(select(SurveySettings).where(SurveySettings.event_id == event.id))


def settings_of(event: Event) -> SettingsInfo | None:
    settings = settings_row(event)
    if settings is None:
        return None
    versions = db.session.execute(
        select(SurveyConsentVersion.version, SurveyConsentVersion.text)
        .where(SurveyConsentVersion.event_id == event.id)
        .order_by(SurveyConsentVersion.version)
    ).all()
    return SettingsInfo(
        event_id=event.id,
        is_open=settings.is_open,
        k=settings.k,
        purge_on=settings.purge_on,
        consent_text=settings.consent_text,
        consent_version=settings.consent_version,
        purged_at=settings.purged_at,
        updated_at=settings.updated_at,
        consent_versions=[(v, t) for v, t in versions],
    )


def today(now: dt.datetime | None) -> dt.date:
    return (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).date()


def cycle_closed(settings: SurveySettings, now: dt.datetime | None) -> bool:
    return settings.purged_at is not None or settings.purge_on <= today(now)


def offered(event: Event, *, now: dt.datetime | None = None) -> bool:
    """Whether the survey exists and takes answers (for the links that offer it)."""
    settings = settings_row(event)
    return settings is not None and settings.is_open and not cycle_closed(settings, now)


def option_info(option: SurveyOption) -> OptionInfo:
    return OptionInfo(
        key=option.key,
        label=option.label,
        retired=option.retired,
        prefer_not_to_say=option.prefer_not_to_say,
    )


def question_info(question: SurveyQuestion) -> QuestionInfo:
    return QuestionInfo(
        key=question.key,
        text=question.text,
        explanation=question.explanation,
        kind=SurveyKind(question.kind),
        allow_self_describe=question.allow_self_describe,
        retired=question.retired,
        options=[
            option_info(o) for o in sorted(question.options, key=lambda o: (o.position, o.id or 0))
        ],
    )


def question_rows(event: Event) -> list[SurveyQuestion]:
    return list(
        db.session.scalars(
            select(SurveyQuestion)
            .where(SurveyQuestion.event_id == event.id)
            .options(selectinload(SurveyQuestion.options))
            .order_by(SurveyQuestion.position, SurveyQuestion.id)
        )
    )


def questions_of(event: Event, *, include_retired: bool = True) -> list[QuestionInfo]:
    """The survey's questions in order; respondents see only the ones still asked, and of
    those only the options still offered (use `asked`)."""
    return [question_info(q) for q in question_rows(event) if include_retired or not q.retired]


def asked(event: Event) -> list[QuestionInfo]:
    """What the form asks: questions and options that are not retired."""
    return [
        dataclasses.replace(q, options=[o for o in q.options if not o.retired])
        for q in questions_of(event, include_retired=False)
    ]


def question_row(event: Event, question_key: str) -> SurveyQuestion:
    question = db.session.scalar(
        select(SurveyQuestion)
        .where(SurveyQuestion.event_id == event.id, SurveyQuestion.key == question_key)
        .options(selectinload(SurveyQuestion.options))
    )
    if question is None:
        raise NotFound(_("This question is not in the survey."))
    return question


def option_row(question: SurveyQuestion, option_key: str) -> SurveyOption:
    option = next((o for o in question.options if o.key == option_key), None)
    if option is None:
        raise NotFound(_("This option is not in the question."))
    return option


def question_of(event: Event, question_key: str) -> QuestionInfo:
    return question_info(question_row(event, question_key))


def add_prefer_not(question: SurveyQuestion, position: int) -> None:
    question.options.append(
        SurveyOption(
            key=PREFER_NOT_TO_SAY,
            label=str(_l("Prefer not to say")),
            position=position,
            prefer_not_to_say=True,
        )
    )
