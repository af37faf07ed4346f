"""Representation monitoring: the opt-in self-identification survey and its aggregates.

THE PRIVACY RULE: this module (with organizer/models/ and the demo loader) is the only code
that imports the Survey* models; tests/representation/test_privacy.py checks it. Everything
else goes through the functions here, which return either aggregates (`tabulate`) or the
current person's own response (`my_response`). Nothing here returns another person's answers,
and nothing here is read by a decision about a person (review, grants, scheduling).

A response has no user key, no timestamp and no address. The only tie to a person is a
SurveyLink, kept while the event's cycle is open so that people can see, change or delete
their answers and the pipeline stages they reach can be recorded on the response as flags.
`purge` drops the links (and the text of self-descriptions) at the purge date; what remains
is anonymous counts.

Respondents' own actions (saving, changing, deleting answers) are deliberately NOT written to
the audit log: an audit entry names its actor and time, so it would tie a person to the fact
that they answered (and when), which the response itself is built not to record. Organizers'
set-up changes are audited as usual; they carry no answers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.orm import selectinload

from organizer import permissions
from organizer.enums import GrantState, ProposalState, SurveyKind
from organizer.errors import NotFound, PermissionDenied, ValidationFailed
from organizer.extensions import db
from organizer.models import (
    Event,
    GrantApplication,
    GrantProgramme,
    Proposal,
    ProposalSpeaker,
    SurveyAnswer,
    SurveyConsentVersion,
    SurveyLink,
    SurveyOption,
    SurveyQuestion,
    SurveyResponse,
    SurveySettings,
    SurveyTarget,
    User,
)
from organizer.services import audit, noise
from organizer.services.ordering import swap_with_neighbour

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


# Read views --------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Stage:
    key: str
    label: Any  # lazy-translated
    group: str  # "all" | "talks" | "grants"


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
class Cell:
    key: str  # an option key, SELF_DESCRIBED or NO_ANSWER
    label: str
    count: int
    key_sum: int = 0  # the record keys of the people counted, summed (services/noise.py)


@dataclasses.dataclass(frozen=True)
class QuestionTable:
    question_key: str
    stage_key: str
    respondents: int
    answered: int
    cells: list[Cell]
    key_sum: int = 0  # everyone at the stage: record keys with answers, summed (content_key)


@dataclasses.dataclass(frozen=True)
class StageSummary:
    key: str
    label: str
    people: int
    respondents: int
    key_sum: int = 0  # the record keys of the respondents at the stage, summed


@dataclasses.dataclass(frozen=True)
class Tabulation:
    event_ids: list[int]
    stages: list[StageSummary]
    questions: list[QuestionInfo]
    tables: dict[tuple[str, str], QuestionTable]
    k: int


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


@dataclasses.dataclass(frozen=True)
class MyResponse:
    """The current person's own answers; for their own pages only."""

    public_id: str
    consent_version: int
    answers: dict[str, list[str]]  # question key -> option keys
    self_described: dict[str, str]  # question key -> text


def _settings(event: Event) -> SurveySettings | None:
    return db.session.scalar(select(SurveySettings).where(SurveySettings.event_id == event.id))


def settings_of(event: Event) -> SettingsInfo | None:
    settings = _settings(event)
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


def _today(now: dt.datetime | None) -> dt.date:
    return (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).date()


def _cycle_closed(settings: SurveySettings, now: dt.datetime | None) -> bool:
    return settings.purged_at is not None or settings.purge_on <= _today(now)


def offered(event: Event, *, now: dt.datetime | None = None) -> bool:
    """Whether the survey exists and takes answers (for the links that offer it)."""
    settings = _settings(event)
    return settings is not None and settings.is_open and not _cycle_closed(settings, now)


def _option_info(option: SurveyOption) -> OptionInfo:
    return OptionInfo(
        key=option.key,
        label=option.label,
        retired=option.retired,
        prefer_not_to_say=option.prefer_not_to_say,
    )


def _question_info(question: SurveyQuestion) -> QuestionInfo:
    return QuestionInfo(
        key=question.key,
        text=question.text,
        explanation=question.explanation,
        kind=SurveyKind(question.kind),
        allow_self_describe=question.allow_self_describe,
        retired=question.retired,
        options=[
            _option_info(o) for o in sorted(question.options, key=lambda o: (o.position, o.id or 0))
        ],
    )


def _questions(event: Event) -> list[SurveyQuestion]:
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
    return [_question_info(q) for q in _questions(event) if include_retired or not q.retired]


def asked(event: Event) -> list[QuestionInfo]:
    """What the form asks: questions and options that are not retired."""
    return [
        dataclasses.replace(q, options=[o for o in q.options if not o.retired])
        for q in questions_of(event, include_retired=False)
    ]


# Default questions (the Open Demographics approach) ---------------------------------------

# Each: key, kind, text, explanation, options [(key, label)]; every question also gets
# "Prefer not to say" and allows self-description.
DEFAULT_QUESTIONS: list[dict[str, Any]] = [
    {
        "key": "gender_identity",
        "kind": SurveyKind.MULTIPLE,
        "text": _l("What is your gender identity? Choose all that apply."),
        "explanation": _l(
            "Fields like ours have long had far fewer women and non-binary people in the room. "
            "We ask to see whether our call, review and grants change that."
        ),
        "options": [
            ("woman", _l("Woman")),
            ("man", _l("Man")),
            ("non_binary", _l("Non-binary")),
            ("genderqueer", _l("Genderqueer or genderfluid")),
            ("agender", _l("Agender")),
        ],
    },
    {
        "key": "trans_experience",
        "kind": SurveyKind.SINGLE,
        "text": _l("Do you identify as trans, or have a trans history?"),
        "explanation": _l(
            "Trans people are often left out of counts that ask about gender only. "
            "This lets us see whether they reach our programme."
        ),
        "options": [("yes", _l("Yes")), ("no", _l("No"))],
    },
    {
        "key": "underrepresented_group",
        "kind": SurveyKind.SINGLE,
        "text": _l(
            "Do you belong to a racial or ethnic group that is under-represented in our field "
            "where you live?"
        ),
        "explanation": _l(
            "Which groups are under-represented differs from country to country, so we ask "
            "about where you live rather than naming groups. Organizers may add categories "
            "that fit their region."
        ),
        "options": [("yes", _l("Yes")), ("no", _l("No")), ("unsure", _l("I am not sure"))],
    },
    {
        "key": "disability",
        "kind": SurveyKind.SINGLE,
        "text": _l("Do you have a disability or a chronic illness?"),
        "explanation": _l(
            "Disabled people and people with chronic illness meet barriers at events. We ask "
            "to learn whether they reach us, not what your needs are: tell the organizers "
            "those separately so that we can meet them."
        ),
        "options": [("yes", _l("Yes")), ("no", _l("No"))],
    },
    {
        "key": "caregiving",
        "kind": SurveyKind.SINGLE,
        "text": _l("Do you care for a child or another person who depends on you?"),
        "explanation": _l(
            "Caring for others makes travelling to events hard. We ask to see whether our "
            "grants and timing let carers take part."
        ),
        "options": [("yes", _l("Yes")), ("no", _l("No"))],
    },
    {
        "key": "first_generation",
        "kind": SurveyKind.SINGLE,
        "text": _l("Are you, or were you, the first in your family to go to university?"),
        "explanation": _l(
            "Family background shapes who gets into research. We ask to see whether our "
            "call reaches people without academic family networks."
        ),
        "options": [
            ("yes", _l("Yes")),
            ("no", _l("No")),
            ("no_university", _l("I have not been to university")),
        ],
    },
    {
        "key": "career_stage",
        "kind": SurveyKind.SINGLE,
        "text": _l("Which best describes your career stage?"),
        "explanation": _l(
            "Early-career people often find it hardest to get a talk accepted or travel paid. "
            "We ask to see how each stage fares."
        ),
        "options": [
            ("student", _l("Student")),
            ("early_career", _l("Early career (e.g. doctoral student, postdoc, junior role)")),
            ("mid_career", _l("Mid career")),
            ("senior", _l("Senior (e.g. professor, lead, manager)")),
            ("outside", _l("Outside research or industry (e.g. independent, retired)")),
        ],
    },
    {
        "key": "region",
        "kind": SurveyKind.SINGLE,
        "text": _l("In which world region do you live?"),
        "explanation": _l(
            "Visas and travel costs keep many people away from events held far from them. "
            "We ask to see whether our grants help."
        ),
        "options": [
            ("africa", _l("Africa")),
            ("asia", _l("Asia")),
            ("europe", _l("Europe")),
            ("latin_america", _l("Latin America and the Caribbean")),
            ("middle_east", _l("Middle East and North Africa")),
            ("north_america", _l("North America")),
            ("oceania", _l("Oceania")),
        ],
    },
    {
        "key": "first_time",
        "kind": SurveyKind.SINGLE,
        "text": _l("Is this your first time at an event like this?"),
        "explanation": _l(
            "We want to welcome newcomers, not only the people who always come. We ask to see "
            "whether we do."
        ),
        "options": [("yes", _l("Yes")), ("no", _l("No"))],
    },
]

DEFAULT_CONSENT = _l(
    "I agree that my answers are stored to count, in aggregate, who our call, review and "
    "grants reach. My answers are linked to my account only until the purge date, so that I "
    "can change or delete them; after it they are anonymous and self-descriptions are deleted. "
    "Nobody, organizers included, can see my individual answers, and they never affect a "
    "decision about me."
)


def _add_prefer_not(question: SurveyQuestion, position: int) -> None:
    question.options.append(
        SurveyOption(
            key=PREFER_NOT_TO_SAY,
            label=str(_l("Prefer not to say")),
            position=position,
            prefer_not_to_say=True,
        )
    )


def ensure_survey(*, actor: User, event: Event, now: dt.datetime) -> SettingsInfo:
    """Create the event's survey with its defaults, once; later calls change nothing."""
    permissions.require(permissions.can_view_representation(actor, event))
    if _settings(event) is None:
        consent = str(DEFAULT_CONSENT)
        db.session.add(
            SurveySettings(
                event_id=event.id,
                is_open=True,
                k=DEFAULT_K,
                purge_on=event.ends_on + dt.timedelta(days=PURGE_AFTER_DAYS),
                consent_text=consent,
                consent_version=1,
                updated_at=now,
            )
        )
        db.session.add(
            SurveyConsentVersion(event_id=event.id, version=1, text=consent, created_at=now)
        )
        existing = set(
            db.session.scalars(
                select(SurveyQuestion.key).where(SurveyQuestion.event_id == event.id)
            )
        )
        for position, spec in enumerate(DEFAULT_QUESTIONS):
            if spec["key"] in existing:
                continue
            question = SurveyQuestion(
                event_id=event.id,
                key=spec["key"],
                text=str(spec["text"]),
                explanation=str(spec["explanation"]),
                kind=spec["kind"],
                allow_self_describe=True,
                position=position,
            )
            for index, (key, label) in enumerate(spec["options"]):
                question.options.append(SurveyOption(key=key, label=str(label), position=index))
            _add_prefer_not(question, len(spec["options"]))
            db.session.add(question)
        db.session.flush()
        audit.record(
            action="representation.survey_created",
            actor=actor,
            now=now,
            object_type="survey",
            event=event,
        )
    info = settings_of(event)
    assert info is not None
    return info


# Settings and consent --------------------------------------------------------------------


def save_settings(
    *,
    actor: User,
    event: Event,
    k: int | None,
    purge_on: dt.date | None,
    is_open: bool,
    consent_text: str,
    now: dt.datetime,
) -> SettingsInfo:
    """Change k, the purge date, open/closed and the consent text. A changed consent text is
    a new version; responses keep the version they agreed to."""
    permissions.require(permissions.can_view_representation(actor, event))
    settings = _settings(event)
    if settings is None:
        raise NotFound(_("This event has no survey yet."))
    consent_text = (consent_text or "").strip()
    errors: dict[str, str] = {}
    if k is None or k < MIN_K:
        errors["k"] = _(
            "Choose at least %(min)d: smaller groups can be picked out from the counts.",
            min=MIN_K,
        )
    elif k > MAX_K:
        errors["k"] = _("Choose at most %(max)d.", max=MAX_K)
    if purge_on is None:
        errors["purge_on"] = _("Enter the date on which the links to people are deleted.")
    elif settings.purged_at is not None and purge_on != settings.purge_on:
        errors["purge_on"] = _(
            "The answers were already made anonymous on %(date)s; the date cannot change.",
            date=settings.purge_on.isoformat(),
        )
    elif purge_on < event.ends_on:
        errors["purge_on"] = _(
            "Choose a date on or after the event's last day (%(date)s), so that the stages "
            "people reach can still be counted.",
            date=event.ends_on.isoformat(),
        )
    if not consent_text:
        errors["consent_text"] = _("Enter the text people agree to.")
    elif len(consent_text) > CONSENT_MAX:
        errors["consent_text"] = _("Keep it under %(max)d characters.", max=CONSENT_MAX)
    if errors:
        raise ValidationFailed(errors)
    before = {
        "k": settings.k,
        "purge_on": settings.purge_on,
        "is_open": settings.is_open,
        "consent_version": settings.consent_version,
    }
    settings.k = k
    settings.purge_on = purge_on
    settings.is_open = is_open
    if consent_text != settings.consent_text:
        settings.consent_text = consent_text
        settings.consent_version += 1
        db.session.add(
            SurveyConsentVersion(
                event_id=event.id,
                version=settings.consent_version,
                text=consent_text,
                created_at=now,
            )
        )
    settings.updated_at = now
    db.session.flush()
    after = {
        "k": settings.k,
        "purge_on": settings.purge_on,
        "is_open": settings.is_open,
        "consent_version": settings.consent_version,
    }
    audit.record(
        action="representation.settings",
        actor=actor,
        now=now,
        object_type="survey",
        event=event,
        details=audit.changes(before, after),
    )
    info = settings_of(event)
    assert info is not None
    return info


# Question set-up ---------------------------------------------------------------------------


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


def _question(event: Event, question_key: str) -> SurveyQuestion:
    question = db.session.scalar(
        select(SurveyQuestion)
        .where(SurveyQuestion.event_id == event.id, SurveyQuestion.key == question_key)
        .options(selectinload(SurveyQuestion.options))
    )
    if question is None:
        raise NotFound(_("This question is not in the survey."))
    return question


def _option(question: SurveyQuestion, option_key: str) -> SurveyOption:
    option = next((o for o in question.options if o.key == option_key), None)
    if option is None:
        raise NotFound(_("This option is not in the question."))
    return option


def question_of(event: Event, question_key: str) -> QuestionInfo:
    return _question_info(_question(event, question_key))


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
    question = _question(event, question_key)
    text, explanation = (text or "").strip(), (explanation or "").strip()
    errors = _check_wording(text, explanation)
    labels = {key: (label or "").strip() for key, label in (option_labels or {}).items()}
    for key, label in labels.items():
        _option(question, key)
        errors.update(_check_label(label, f"option_{key}"))
    if errors:
        raise ValidationFailed(errors)
    question.text = text
    question.explanation = explanation
    question.allow_self_describe = allow_self_describe
    for key, label in labels.items():
        _option(question, key).label = label
    db.session.flush()
    _audit_setup(actor, event, now, "question_edited", question=question.key, text=text)
    return _question_info(question)


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
    if _settings(event) is None:
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
    existing = _questions(event)
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
    _add_prefer_not(question, len(labels))
    db.session.add(question)
    db.session.flush()
    _audit_setup(actor, event, now, "question_added", question=question.key, text=text)
    return _question_info(question)


def add_option(
    *, actor: User, event: Event, question_key: str, label: str, now: dt.datetime
) -> OptionInfo:
    """A new option, before "Prefer not to say" (e.g. a category that fits the region)."""
    permissions.require(permissions.can_view_representation(actor, event))
    question = _question(event, question_key)
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
    return _option_info(option)


def set_question_retired(
    *, actor: User, event: Event, question_key: str, retired: bool, now: dt.datetime
) -> None:
    """Stop asking a question (or ask it again). Its answers stay and are still counted."""
    permissions.require(permissions.can_view_representation(actor, event))
    question = _question(event, question_key)
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
    question = _question(event, question_key)
    option = _option(question, option_key)
    if retired and option.prefer_not_to_say:
        raise ValidationFailed({"": _("“Prefer not to say” stays on every question.")})
    option.retired = retired
    db.session.flush()
    action = "option_retired" if retired else "option_unretired"
    _audit_setup(actor, event, now, action, question=question.key, option=option.key)


def move_question(*, actor: User, event: Event, question_key: str, direction: int) -> None:
    permissions.require(permissions.can_view_representation(actor, event))
    question = _question(event, question_key)
    swap_with_neighbour(_questions(event), question, direction)


# Pipeline stages ---------------------------------------------------------------------------

StagePeople = Callable[[Event], set[int]]

RESPONDENTS = Stage("respondents", _l("Everyone who answered"), "all")
STAGES: list[Stage] = [RESPONDENTS]
# Each stage but "respondents": event -> ids of the people who reached it. A new pipeline
# (registration, say) calls `register_stage` and the flags, tables and dashboards pick it up.
STAGE_PEOPLE: dict[str, StagePeople] = {}


def register_stage(stage: Stage, people: StagePeople) -> None:
    if stage.key in STAGE_PEOPLE:
        raise ValueError(f"stage {stage.key!r} is registered twice")
    STAGES.append(stage)
    STAGE_PEOPLE[stage.key] = people


def stage_by_key(key: str) -> Stage | None:
    return next((s for s in STAGES if s.key == key), None)


def _speakers(event: Event, *conditions: Any) -> set[int]:
    return set(
        db.session.scalars(
            select(ProposalSpeaker.user_id)
            .join(Proposal, Proposal.id == ProposalSpeaker.proposal_id)
            .where(
                Proposal.event_id == event.id,
                ProposalSpeaker.user_id.is_not(None),
                *conditions,
            )
        )
    )


def _applicants(event: Event, states: Iterable[GrantState], *conditions: Any) -> set[int]:
    return set(
        db.session.scalars(
            select(GrantApplication.applicant_id)
            .join(GrantProgramme, GrantProgramme.id == GrantApplication.programme_id)
            .where(
                GrantProgramme.event_id == event.id,
                GrantApplication.state.in_(list(states)),
                *conditions,
            )
        )
    )


register_stage(
    Stage("proposal_submitted", _l("Proposals submitted"), "talks"),
    lambda event: _speakers(
        event, Proposal.state != ProposalState.DRAFT, Proposal.submitted_at.is_not(None)
    ),
)
register_stage(
    Stage("proposal_accepted", _l("Proposals accepted"), "talks"),
    # Declined counts as accepted: the committee chose the talk; declining was the speaker's.
    lambda event: _speakers(
        event,
        Proposal.state.in_(
            [ProposalState.ACCEPTED, ProposalState.CONFIRMED, ProposalState.DECLINED]
        ),
    ),
)
register_stage(
    Stage("speaker_confirmed", _l("Speakers confirmed"), "talks"),
    lambda event: _speakers(event, Proposal.state == ProposalState.CONFIRMED),
)
register_stage(
    Stage("grant_applied", _l("Grant applications"), "grants"),
    # Like proposals: everyone who sent an application, also if they withdrew it later.
    lambda event: _applicants(
        event,
        [s for s in GrantState if s != GrantState.DRAFT],
        GrantApplication.submitted_at.is_not(None),
    ),
)
register_stage(
    Stage("grant_offered", _l("Grants offered"), "grants"),
    lambda event: _applicants(
        event,
        [GrantState.OFFERED, GrantState.ACCEPTED, GrantState.DECLINED, GrantState.EXPIRED],
    ),
)
register_stage(
    Stage("grant_accepted", _l("Grants accepted"), "grants"),
    lambda event: _applicants(event, [GrantState.ACCEPTED]),
)


def stage_people(event: Event) -> dict[str, set[int]]:
    """Who is at each pipeline stage now (one query per stage)."""
    return {key: people(event) for key, people in STAGE_PEOPLE.items()}


def _stages_for(user_id: int, people: dict[str, set[int]]) -> list[str]:
    return [s.key for s in STAGES if s.key in people and user_id in people[s.key]]


def refresh_stages(event: Event) -> dict[str, set[int]]:
    """Bring the stage flags of every linked response up to date; a constant number of
    queries whatever the number of responses. Returns the people at each stage."""
    people = stage_people(event)
    links = db.session.execute(
        select(SurveyLink.user_id, SurveyResponse)
        .join(SurveyResponse, SurveyResponse.id == SurveyLink.response_id)
        .where(SurveyLink.event_id == event.id)
    ).all()
    for user_id, response in links:
        stages = _stages_for(user_id, people)
        if list(response.stages or []) != stages:
            response.stages = stages
    db.session.flush()
    return people


# The respondent's side ---------------------------------------------------------------------


def _link(event: Event, user: User) -> SurveyLink | None:
    return db.session.scalar(
        select(SurveyLink).where(SurveyLink.event_id == event.id, SurveyLink.user_id == user.id)
    )


def my_response(event: Event, user: User) -> MyResponse | None:
    """The person's own answers for this event, or None."""
    if user is None or not getattr(user, "id", None):
        return None
    link = _link(event, user)
    if link is None:
        return None
    response = db.session.scalar(
        select(SurveyResponse)
        .where(SurveyResponse.id == link.response_id)
        .options(selectinload(SurveyResponse.answers))
    )
    assert response is not None
    keys = {q.id: (q.key, {o.id: o.key for o in q.options}) for q in _questions(event)}
    answers: dict[str, list[str]] = {}
    described: dict[str, str] = {}
    for answer in response.answers:
        question_key, options = keys[answer.question_id]
        if answer.option_id is not None:
            answers.setdefault(question_key, []).append(options[answer.option_id])
        elif answer.self_described:
            described[question_key] = answer.self_described
    return MyResponse(
        public_id=response.public_id,
        consent_version=response.consent_version,
        answers=answers,
        self_described=described,
    )


def answered_events(user: User) -> set[int]:
    """Ids of the events for which the person has saved answers (for their account page)."""
    return set(db.session.scalars(select(SurveyLink.event_id).where(SurveyLink.user_id == user.id)))


def survey_events_for(user: User, *, now: dt.datetime) -> list[tuple[Event, bool]]:
    """For the person's account page: the events whose survey they answered (still linked),
    and those whose open survey they may take because they sent a proposal or a grant
    application there; with whether they answered. Three queries."""
    answered = answered_events(user)
    taking_part = set(
        db.session.scalars(
            select(Proposal.event_id)
            .join(ProposalSpeaker, ProposalSpeaker.proposal_id == Proposal.id)
            .where(ProposalSpeaker.user_id == user.id)
        )
    ) | set(
        db.session.scalars(
            select(GrantProgramme.event_id)
            .join(GrantApplication, GrantApplication.programme_id == GrantProgramme.id)
            .where(GrantApplication.applicant_id == user.id)
        )
    )
    rows = db.session.execute(
        select(Event, SurveySettings)
        .join(SurveySettings, SurveySettings.event_id == Event.id)
        .where(Event.id.in_(answered | taking_part))
        .order_by(Event.starts_on.desc(), Event.id)
    ).all()
    return [
        (event, event.id in answered)
        for event, settings in rows
        if event.id in answered or (settings.is_open and not _cycle_closed(settings, now))
    ]


def _validate_answers(
    questions: list[SurveyQuestion],
    answers: dict[str, list[str]],
    self_described: dict[str, str],
) -> tuple[dict[str, str], list[tuple[SurveyQuestion, SurveyOption | None, str | None]]]:
    errors: dict[str, str] = {}
    rows: list[tuple[SurveyQuestion, SurveyOption | None, str | None]] = []
    by_key = {q.key: q for q in questions}
    for key in set(answers) | set(self_described):
        chosen = [k for k in dict.fromkeys(answers.get(key) or []) if k]
        text = (self_described.get(key) or "").strip()
        if not chosen and not text:
            continue
        question = by_key.get(key)
        if question is None:
            errors[key] = _("This question is not in the survey.")
            continue
        if question.retired:
            errors[key] = _("This question is no longer asked: leave it out.")
            continue
        options = {o.key: o for o in question.options}
        picked = []
        for option_key in chosen:
            option = options.get(option_key)
            if option is None:
                errors[key] = _("“%(option)s” is not one of the answers.", option=option_key)
                break
            if option.retired:
                errors[key] = _("“%(option)s” is no longer offered.", option=option.label)
                break
            picked.append(option)
        if key in errors:
            continue
        if question.kind == SurveyKind.SINGLE and (len(picked) > 1 or (picked and text)):
            errors[key] = _("Choose one answer, or describe yourself in your own words.")
            continue
        if any(o.prefer_not_to_say for o in picked) and (len(picked) > 1 or text):
            errors[key] = _("“Prefer not to say” cannot be combined with other answers.")
            continue
        if text and not question.allow_self_describe:
            errors[self_field(key)] = _("This question takes no self-description.")
            continue
        if len(text) > SELF_DESCRIBED_MAX:
            errors[self_field(key)] = _("Keep it under %(max)d characters.", max=SELF_DESCRIBED_MAX)
            continue
        rows.extend((question, option, None) for option in picked)
        if text:
            rows.append((question, None, text))
    return errors, rows


def save_response(
    *,
    actor: User,
    event: Event,
    answers: dict[str, list[str]],
    self_described: dict[str, str],
    consent: bool,
    response_public_id: str | None,
    now: dt.datetime,
) -> MyResponse:
    """Create or replace the person's one response for this event (whatever their roles).
    Any question may be skipped. Nothing changes unless everything is valid."""
    # Not audited on purpose: see the module's docstring.
    settings = _settings(event)
    if settings is None or not settings.is_open:
        raise ValidationFailed({"": _("This event's survey is closed.")})
    if _cycle_closed(settings, now):
        raise ValidationFailed(
            {"": _("This event's survey cycle is over: answers can no longer be saved.")}
        )
    link = _link(event, actor)
    own_id = None
    if link is not None:
        own_id = db.session.scalar(
            select(SurveyResponse.public_id).where(SurveyResponse.id == link.response_id)
        )
    if response_public_id and response_public_id != own_id:
        raise PermissionDenied(
            _("These are not your answers: you can only change your own. Reload the page.")
        )
    if not consent:
        raise ValidationFailed(
            {"consent": _("Tick the box to agree, or leave the survey: it is optional.")}
        )
    errors, rows = _validate_answers(_questions(event), answers or {}, self_described or {})
    if errors:
        raise ValidationFailed(errors)
    if link is None:
        response = SurveyResponse(event_id=event.id, consent_version=settings.consent_version)
        db.session.add(response)
        db.session.flush()
        db.session.add(SurveyLink(event_id=event.id, user_id=actor.id, response_id=response.id))
    else:
        response = db.session.get(SurveyResponse, link.response_id)
        assert response is not None
        db.session.execute(delete(SurveyAnswer).where(SurveyAnswer.response_id == response.id))
        db.session.expire(response, ["answers"])
        response.consent_version = settings.consent_version
    for question, option, text in rows:
        db.session.add(
            SurveyAnswer(
                response_id=response.id,
                question_id=question.id,
                option_id=option.id if option else None,
                self_described=text,
            )
        )
    response.stages = _stages_for(actor.id, stage_people(event))
    db.session.flush()
    mine = my_response(event, actor)
    assert mine is not None
    return mine


def delete_response(*, actor: User, event: Event, now: dt.datetime) -> None:
    """Delete the person's answers for real: the response, its answers and the link."""
    # Not audited on purpose: see the module's docstring.
    link = _link(event, actor)
    if link is None:
        raise NotFound(
            _(
                "You have no answers linked to your account for this event (after the purge "
                "date they are anonymous and nobody can find them)."
            )
        )
    response_id = link.response_id
    db.session.delete(link)
    db.session.flush()
    db.session.execute(delete(SurveyAnswer).where(SurveyAnswer.response_id == response_id))
    db.session.execute(delete(SurveyResponse).where(SurveyResponse.id == response_id))
    db.session.expire_all()


def own_answers_for_export(user: User) -> list[dict[str, Any]]:
    """The person's own answers in every event whose survey still links them (for the
    "download my data" archive; GDPR article 15). After the purge a response has no link, so
    nobody, the person included, can find it: it is then not their data in any usable sense,
    and it is not exported. Four queries, whatever the number of events."""
    rows = db.session.execute(
        select(SurveyLink.event_id, Event.slug, SurveyResponse)
        .join(SurveyResponse, SurveyResponse.id == SurveyLink.response_id)
        .join(Event, Event.id == SurveyLink.event_id)
        .where(SurveyLink.user_id == user.id)
        .order_by(Event.slug)
    ).all()
    if not rows:
        return []
    response_ids = [response.id for _event_id, _slug, response in rows]
    answers = list(
        db.session.scalars(
            select(SurveyAnswer)
            .where(SurveyAnswer.response_id.in_(response_ids))
            .order_by(SurveyAnswer.id)
        )
    )
    questions = {
        q.id: q
        for q in db.session.scalars(
            select(SurveyQuestion)
            .where(SurveyQuestion.event_id.in_([event_id for event_id, _s, _r in rows]))
            .options(selectinload(SurveyQuestion.options))
        )
    }
    result = []
    for _event_id, slug, response in rows:
        given: list[dict[str, Any]] = []
        for answer in answers:
            if answer.response_id != response.id:
                continue
            question = questions[answer.question_id]
            option = next((o for o in question.options if o.id == answer.option_id), None)
            given.append(
                {
                    "question": question.text,
                    "option": option.label if option is not None else None,
                    "self_described": answer.self_described,
                }
            )
        result.append(
            {
                "event": slug,
                "response": response.public_id,
                "consent_version": response.consent_version,
                "stages": list(response.stages or []),
                "answers": given,
            }
        )
    return result


def forget_person(*, user: User) -> int:
    """Account deletion: unlink the person's responses the way `purge` does, one event early.
    The stage flags are brought up to date first, then the link and the text of
    self-descriptions are dropped; the anonymous counts stay. Not audited (see the module's
    docstring). Returns the number of links dropped."""
    event_ids = list(
        db.session.scalars(select(SurveyLink.event_id).where(SurveyLink.user_id == user.id))
    )
    for event in db.session.scalars(select(Event).where(Event.id.in_(event_ids))):
        refresh_stages(event)
    response_ids = list(
        db.session.scalars(select(SurveyLink.response_id).where(SurveyLink.user_id == user.id))
    )
    if not response_ids:
        return 0
    db.session.execute(
        update(SurveyAnswer)
        .where(
            SurveyAnswer.response_id.in_(response_ids),
            SurveyAnswer.self_described.is_not(None),
            SurveyAnswer.self_described != "",
        )
        .values(self_described="")
    )
    dropped = db.session.execute(delete(SurveyLink).where(SurveyLink.user_id == user.id)).rowcount
    db.session.flush()
    return dropped


# Retention ---------------------------------------------------------------------------------


def purge(*, now: dt.datetime) -> dict[str, int]:
    """For every survey whose purge date has come: record the stages people reached one last
    time, then drop the links to people and the text of self-descriptions (the fact that
    someone described themselves stays counted). Safe to run daily; counts what it did."""
    counts = {"events": 0, "links": 0, "self_described": 0}
    due = list(
        db.session.scalars(
            select(SurveySettings).where(
                SurveySettings.purged_at.is_(None), SurveySettings.purge_on <= _today(now)
            )
        )
    )
    for settings in due:
        event = db.session.get(Event, settings.event_id)
        assert event is not None
        refresh_stages(event)
        counts["links"] += db.session.execute(
            delete(SurveyLink).where(SurveyLink.event_id == event.id)
        ).rowcount
        response_ids = select(SurveyResponse.id).where(SurveyResponse.event_id == event.id)
        counts["self_described"] += db.session.execute(
            update(SurveyAnswer)
            .where(
                SurveyAnswer.response_id.in_(response_ids),
                SurveyAnswer.self_described.is_not(None),
                SurveyAnswer.self_described != "",
            )
            .values(self_described="")
        ).rowcount
        settings.purged_at = now
        counts["events"] += 1
        audit.record(
            action="representation.purged",
            actor=None,
            now=now,
            object_type="survey",
            event=event,
        )
    db.session.flush()
    db.session.expire_all()
    return counts


# Aggregates --------------------------------------------------------------------------------


def tabulate(events: list[Event]) -> Tabulation:
    """Counts per question and stage, pooled over `events` by question and option keys (the
    first event's questions give the order and wording). A linked response counts at the
    stages its person is at now (what `refresh_stages` would store); an anonymous one at its
    stored flags. Reads only, so a page showing the counts writes nothing. Cells are raw
    counts with the sums of their record keys: noise and suppression are the caller's job
    (`suppression.summarise`)."""
    questions: dict[str, QuestionInfo] = {}
    option_keys: dict[int, tuple[str, str]] = {}  # option id -> (question key, option key)
    question_keys: dict[int, str] = {}
    people_at: dict[str, int] = {s.key: 0 for s in STAGES}
    ks: list[int] = []
    records: dict[int, Record] = {}  # response id -> what the tables count of it
    for event in events:
        settings = _settings(event)
        if settings is not None:
            ks.append(settings.k)
        people = stage_people(event)
        for key, ids in people.items():
            people_at[key] += len(ids)
        for question in _questions(event):
            info = _question_info(question)
            question_keys[question.id] = question.key
            for option in question.options:
                option_keys[option.id] = (question.key, option.key)
            if question.key not in questions:
                questions[question.key] = info
            else:
                known = questions[question.key]
                extra = [o for o in info.options if known.option(o.key) is None]
                if extra:
                    questions[question.key] = dataclasses.replace(
                        known, options=known.options + extra
                    )
        for response_id, stages, record_key, user_id in db.session.execute(
            select(
                SurveyResponse.id,
                SurveyResponse.stages,
                SurveyResponse.record_key,
                SurveyLink.user_id,
            )
            .outerjoin(SurveyLink, SurveyLink.response_id == SurveyResponse.id)
            .where(SurveyResponse.event_id == event.id)
        ):
            if user_id is not None:
                stages = _stages_for(user_id, people)
            records[response_id] = Record(record_key=record_key, stages=list(stages or []))
        for response_id, question_id, option_id, text in db.session.execute(
            select(
                SurveyAnswer.response_id,
                SurveyAnswer.question_id,
                SurveyAnswer.option_id,
                SurveyAnswer.self_described,
            )
            .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
            .where(SurveyResponse.event_id == event.id)
        ):
            record = records[response_id]
            if option_id is not None:
                question_key, option_key = option_keys[option_id]
                record.chosen.setdefault(question_key, set()).add(option_key)
            elif text is not None:
                record.described.add(question_keys[question_id])
    return count_tables(
        list(records.values()),
        list(questions.values()),
        people_at=people_at,
        event_ids=[e.id for e in events],
        k=max(ks, default=DEFAULT_K),
    )


@dataclasses.dataclass
class Record:
    """One response as the tables count it: no answer text, no person."""

    record_key: int
    stages: list[str]  # pipeline stages reached, without "respondents"
    chosen: dict[str, set[str]] = dataclasses.field(default_factory=dict)  # question -> options
    described: set[str] = dataclasses.field(default_factory=set)  # questions self-described

    def content_key(self) -> int:
        answers = [(q, o) for q, options in self.chosen.items() for o in options]
        answers.extend((q, SELF_DESCRIBED) for q in self.described)
        return noise.content_key(self.record_key, answers)


def count_tables(
    records: list[Record],
    questions: list[QuestionInfo],
    *,
    people_at: dict[str, int],
    event_ids: list[int],
    k: int,
) -> Tabulation:
    """The tables of `tabulate`, from records already read (pure: no database)."""
    people_at = {**people_at, RESPONDENTS.key: len(records)}
    at_stages = {
        s.key: [r for r in records if s.key == RESPONDENTS.key or s.key in r.stages] for s in STAGES
    }
    stage_sums = {key: noise.key_sum(r.record_key for r in rs) for key, rs in at_stages.items()}
    contents = {id(r): r.content_key() for r in records}
    content_sums = {
        key: noise.key_sum(contents[id(r)] for r in rs) for key, rs in at_stages.items()
    }
    tables: dict[tuple[str, str], QuestionTable] = {}
    for question in questions:
        for stage in STAGES:
            at_stage = at_stages[stage.key]
            members: dict[str, list[int]] = {o.key: [] for o in question.options}
            self_keys: list[int] = []
            silent: list[int] = []
            for record in at_stage:
                picked = record.chosen.get(question.key, set())
                wrote = question.key in record.described
                if question.kind == SurveyKind.SINGLE and picked:
                    picked, wrote = {sorted(picked)[0]} if len(picked) > 1 else picked, False
                for option_key in picked:
                    members.setdefault(option_key, []).append(record.record_key)
                if wrote:
                    self_keys.append(record.record_key)
                if not picked and not wrote:
                    silent.append(record.record_key)
            cells = [
                Cell(o.key, o.label, len(members[o.key]), noise.key_sum(members[o.key]))
                for o in question.options
                if not o.retired or members[o.key]
            ]
            cells.append(
                Cell(
                    SELF_DESCRIBED,
                    str(_l("Self-described")),
                    len(self_keys),
                    noise.key_sum(self_keys),
                )
            )
            cells.append(Cell(NO_ANSWER, str(_l("No answer")), len(silent), noise.key_sum(silent)))
            tables[(question.key, stage.key)] = QuestionTable(
                question_key=question.key,
                stage_key=stage.key,
                respondents=len(at_stage),
                answered=len(at_stage) - len(silent),
                cells=cells,
                key_sum=content_sums[stage.key],
            )
    return Tabulation(
        event_ids=event_ids,
        stages=[
            StageSummary(
                key=s.key,
                label=str(s.label),
                people=people_at.get(s.key, 0),
                respondents=len(at_stages[s.key]),
                key_sum=stage_sums[s.key],
            )
            for s in STAGES
        ],
        questions=questions,
        tables=tables,
        k=k,
    )


def targets(event: Event) -> dict[tuple[str, str, str], int]:
    """(question key, option key, stage key) -> the percent organizers aim for."""
    rows = db.session.execute(
        select(SurveyQuestion.key, SurveyOption.key, SurveyTarget.stage, SurveyTarget.percent)
        .join(SurveyOption, SurveyOption.id == SurveyTarget.option_id)
        .join(SurveyQuestion, SurveyQuestion.id == SurveyOption.question_id)
        .where(SurveyQuestion.event_id == event.id)
    ).all()
    return {(q, o, s): p for q, o, s, p in rows}


def set_target(
    *,
    actor: User,
    event: Event,
    question_key: str,
    option_key: str,
    stage_key: str,
    percent: int | None,
    now: dt.datetime,
) -> None:
    """Set (or with None, remove) the share an option should reach at a stage."""
    permissions.require(permissions.can_view_representation(actor, event))
    option = _option(_question(event, question_key), option_key)
    if stage_by_key(stage_key) is None:
        raise ValidationFailed({"stage": _("Choose one of the stages.")})
    if percent is not None and not 0 <= percent <= 100:
        raise ValidationFailed({"percent": _("Enter a percentage between 0 and 100.")})
    target = db.session.scalar(
        select(SurveyTarget).where(
            SurveyTarget.option_id == option.id, SurveyTarget.stage == stage_key
        )
    )
    if percent is None:
        if target is not None:
            db.session.delete(target)
    elif target is None:
        db.session.add(SurveyTarget(option_id=option.id, stage=stage_key, percent=percent))
    else:
        target.percent = percent
    db.session.flush()
    audit.record(
        action="representation.target",
        actor=actor,
        now=now,
        object_type="survey_target",
        event=event,
        details={
            "question": question_key,
            "option": option_key,
            "stage": stage_key,
            "percent": percent,
        },
    )


def comparable_events(event: Event, user: User) -> list[Event]:
    """Other events with a survey whose representation the user may view, newest first."""
    candidates = db.session.scalars(
        select(Event)
        .join(SurveySettings, SurveySettings.event_id == Event.id)
        .where(Event.id != event.id)
        .order_by(Event.starts_on.desc(), Event.id.desc())
    )
    return [e for e in candidates if permissions.can_view_representation(user, e)]
