"""Organizers' set-up of an event's survey: creating it, its settings and consent text, and the
shares they aim for at each stage (targets).
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select

from organizer import permissions
from organizer.errors import NotFound, ValidationFailed
from organizer.extensions import db
from organizer.models import (
    Event,
    SurveyConsentVersion,
    SurveyOption,
    SurveyQuestion,
    SurveySettings,
    SurveyTarget,
    User,
)
from organizer.services import audit
from organizer.services.representation.defaults import DEFAULT_CONSENT, DEFAULT_QUESTIONS
from organizer.services.representation.pipeline import stage_by_key
from organizer.services.representation.survey import (
    CONSENT_MAX,
    DEFAULT_K,
    MAX_K,
    MIN_K,
    PURGE_AFTER_DAYS,
    SettingsInfo,
    add_prefer_not,
    option_row,
    question_row,
    settings_of,
    settings_row,
)


def ensure_survey(*, actor: User, event: Event, now: dt.datetime) -> SettingsInfo:
    """Create the event's survey with its defaults, once; later calls change nothing."""
    permissions.require(permissions.can_view_representation(actor, event))
    if settings_row(event) is None:
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
            add_prefer_not(question, len(spec["options"]))
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
    settings = settings_row(event)
    if settings is None:
        raise NotFound(_("This event has no survey yet."))
    consent_text = (consent_text or "").strip()
    errors = _check_settings(settings, event, k=k, purge_on=purge_on, consent_text=consent_text)
    if errors:
        raise ValidationFailed(errors)
    before = _audited(settings)
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
    audit.record(
        action="representation.settings",
        actor=actor,
        now=now,
        object_type="survey",
        event=event,
        details=audit.changes(before, _audited(settings)),
    )
    info = settings_of(event)
    assert info is not None
    return info


def _check_settings(
    settings: SurveySettings,
    event: Event,
    *,
    k: int | None,
    purge_on: dt.date | None,
    consent_text: str,
) -> dict[str, str]:
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
    return errors


def _audited(settings: SurveySettings) -> dict[str, object]:
    """What the audit entry of a settings change compares."""
    return {
        "k": settings.k,
        "purge_on": settings.purge_on,
        "is_open": settings.is_open,
        "consent_version": settings.consent_version,
    }


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
    option = option_row(question_row(event, question_key), option_key)
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
