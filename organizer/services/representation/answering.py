"""The respondent's side: a person's own answers, saved, changed, deleted and exported.

Not audited on purpose: see the package's docstring.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from organizer.enums import SurveyKind
from organizer.errors import NotFound, PermissionDenied, ValidationFailed
from organizer.extensions import db
from organizer.models import (
    Event,
    GrantApplication,
    GrantProgramme,
    Proposal,
    ProposalSpeaker,
    Registration,
    SurveyAnswer,
    SurveyLink,
    SurveyOption,
    SurveyQuestion,
    SurveyResponse,
    SurveySettings,
    User,
)
from organizer.services.representation.pipeline import stage_people, stages_for
from organizer.services.representation.survey import (
    SELF_DESCRIBED_MAX,
    cycle_closed,
    question_rows,
    self_field,
    settings_row,
)


@dataclasses.dataclass(frozen=True)
class MyResponse:
    """The current person's own answers; for their own pages only."""

    public_id: str
    consent_version: int
    answers: dict[str, list[str]]  # question key -> option keys
    self_described: dict[str, str]  # question key -> text


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
    keys = {q.id: (q.key, {o.id: o.key for o in q.options}) for q in question_rows(event)}
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
    application there, or registered; with whether they answered. Four queries."""
    answered = answered_events(user)
    taking_part = (
        set(
            db.session.scalars(
                select(Proposal.event_id)
                .join(ProposalSpeaker, ProposalSpeaker.proposal_id == Proposal.id)
                .where(ProposalSpeaker.user_id == user.id)
            )
        )
        | set(
            db.session.scalars(
                select(GrantProgramme.event_id)
                .join(GrantApplication, GrantApplication.programme_id == GrantProgramme.id)
                .where(GrantApplication.applicant_id == user.id)
            )
        )
        | set(
            db.session.scalars(select(Registration.event_id).where(Registration.user_id == user.id))
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
        if event.id in answered or (settings.is_open and not cycle_closed(settings, now))
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
    settings = settings_row(event)
    if settings is None or not settings.is_open:
        raise ValidationFailed({"": _("This event's survey is closed.")})
    if cycle_closed(settings, now):
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
    errors, rows = _validate_answers(question_rows(event), answers or {}, self_described or {})
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
    response.stages = stages_for(actor.id, stage_people(event))
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
