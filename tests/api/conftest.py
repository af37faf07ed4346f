"""A world for the read API: one event with its whole team, a call, reviews, a grant
programme, registrations and a released schedule; tokens; and `api`, a client that sends a
bearer token and checks every answer against the OpenAPI document."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from organizer.enums import EventRoleName, ProposalState
from organizer.extensions import db
from organizer.models import Event, Review, ReviewCriterion, ReviewScore, User
from organizer.services import api_tokens
from organizer.services.scheduling import releases
from tests.api.openapi_check import check_response
from tests.factories import (
    NOW,
    grant_role,
    lisbon,
    make_application,
    make_programme,
    make_room,
    make_schedule_event,
    make_talk,
    make_user,
)
from tests.registration_factories import make_registration


def real_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def token_for(user: User, *, event: Event | None = None, **fields: Any) -> str:
    made = api_tokens.create_api_token(
        actor=user,
        name=fields.pop("name", "script"),
        event=event,
        expires_at=fields.pop("expires_at", None),
        now=fields.pop("now", real_now()),
        **fields,
    )
    db.session.commit()
    return made.secret


def add_review(proposal, reviewer, *, score: int = 3) -> Review:
    criterion = db.session.query(ReviewCriterion).filter_by(event_id=proposal.event_id).first()
    review = Review(
        proposal_id=proposal.id,
        reviewer_id=reviewer.id,
        comment="Solid.",
        created_at=NOW,
        updated_at=NOW,
        proposal_version=proposal.version,
    )
    db.session.add(review)
    db.session.flush()
    if criterion is not None:
        db.session.add(ReviewScore(review_id=review.id, criterion_id=criterion.id, score=score))
    db.session.flush()
    return review


@dataclass
class World:
    event: Event
    organizer: User
    reviewer: User
    grant_reviewer: User
    applicant: User
    stranger: User
    proposal: Any
    application: Any


@pytest.fixture
def world() -> World:
    organizer = make_user(name="Olga Organizer")
    event = make_schedule_event(organizer, slug="api-event", name="API Workshop")
    reviewer = make_user(name="Rui Reviewer")
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    grant_reviewer = make_user(name="Gil Grantreviewer")
    grant_role(grant_reviewer, event, EventRoleName.GRANT_REVIEWER)
    applicant = make_user(name="Ana Applicant", email="ana@example.org")
    stranger = make_user(name="Sam Stranger")
    room = make_room(event, "Aula")
    talk = make_talk(
        event,
        applicant,
        title="Speech for all",
        state=ProposalState.CONFIRMED,
        room=room,
        starts_at=lisbon(27, 10),
    )
    add_review(talk.proposal, reviewer)
    programme = make_programme(event)
    application = make_application(programme, applicant)
    make_registration(event, applicant, needs=["step_free"], notes="secret access note")
    db.session.flush()
    releases.release(event=event, actor=organizer, now=NOW, notify=False)
    db.session.commit()
    return World(
        event=event,
        organizer=organizer,
        reviewer=reviewer,
        grant_reviewer=grant_reviewer,
        applicant=applicant,
        stranger=stranger,
        proposal=talk.proposal,
        application=application,
    )


class Api:
    """GET/POST with a bearer token; every answer checked against the OpenAPI document."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def request(self, method: str, url: str, token: str | None = None, **kw: Any) -> Any:
        headers = kw.pop("headers", {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        response = self.client.open(url, method=method, headers=headers, **kw)
        if method == "GET":
            response.body = check_response(method, url, response)
        return response

    def get(self, url: str, token: str | None = None, **kw: Any) -> Any:
        return self.request("GET", url, token, **kw)


@pytest.fixture
def api(client) -> Api:
    return Api(client)
