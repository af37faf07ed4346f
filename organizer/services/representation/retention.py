"""Unlinking responses from people: at the survey's purge date, and one person early when
their account is deleted. What remains is anonymous counts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, select, update

from organizer.extensions import db
from organizer.models import Event, SurveyAnswer, SurveyLink, SurveyResponse, SurveySettings, User
from organizer.services import audit
from organizer.services.representation.pipeline import refresh_stages
from organizer.services.representation.survey import today


def purge(*, now: dt.datetime) -> dict[str, int]:
    """For every survey whose purge date has come: record the stages people reached one last
    time, then drop the links to people and the text of self-descriptions (the fact that
    someone described themselves stays counted). Safe to run daily; counts what it did."""
    counts = {"events": 0, "links": 0, "self_described": 0}
    due = list(
        db.session.scalars(
            select(SurveySettings).where(
                SurveySettings.purged_at.is_(None), SurveySettings.purge_on <= today(now)
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
        counts["self_described"] += _blank_self_descriptions(
            select(SurveyResponse.id).where(SurveyResponse.event_id == event.id)
        )
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
    _blank_self_descriptions(response_ids)
    dropped = db.session.execute(delete(SurveyLink).where(SurveyLink.user_id == user.id)).rowcount
    db.session.flush()
    return dropped


def _blank_self_descriptions(response_ids: Any) -> int:
    """Empty the text of the self-descriptions of these responses (a list of ids or a
    subquery); the fact that someone described themselves stays counted."""
    return db.session.execute(
        update(SurveyAnswer)
        .where(
            SurveyAnswer.response_id.in_(response_ids),
            SurveyAnswer.self_described.is_not(None),
            SurveyAnswer.self_described != "",
        )
        .values(self_described="")
    ).rowcount
