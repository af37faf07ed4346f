"""The survey's set-up as configuration sections for cloning and archives
(services/archive/config.py): settings and consent text, questions, options and targets.

It lives here because only this package may name the survey models (the privacy rule, see
__init__). Responses, answers and links are people's data and are never copied; a copied survey
starts open, at consent version 1, unpurged.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from organizer.extensions import db
from organizer.models import (
    Event,
    SurveyConsentVersion,
    SurveyOption,
    SurveyQuestion,
    SurveySettings,
    SurveyTarget,
)
from organizer.services.archive.rows import Section


def _first_consent_version(event: Event, settings: Any, now: dt.datetime) -> None:
    db.session.add(
        SurveyConsentVersion(
            event_id=event.id, version=1, text=settings.consent_text, created_at=now
        )
    )


SECTIONS = [
    Section(
        name="survey.settings",
        model=SurveySettings,
        reset={"is_open": True, "consent_version": 1, "purged_at": None},
        after_load=_first_consent_version,
        history=("survey_consent_version",),
    ),
    Section(name="survey.questions", model=SurveyQuestion),
    Section(
        name="survey.options",
        model=SurveyOption,
        owner="survey.questions",
        owner_column="question_id",
    ),
    Section(
        name="survey.targets", model=SurveyTarget, owner="survey.options", owner_column="option_id"
    ),
]
