"""A proposal's answers are read in a constant number of queries on every page that shows
them (the speaker's, the committee's and the reviewer's), however many questions the call
asks: no query per answer for its question or its file."""

from __future__ import annotations

import datetime as dt

import pytest

from organizer.enums import EventRoleName, QuestionKind
from organizer.extensions import db
from organizer.models import Answer, ReviewAssignment, Upload
from tests.factories import (
    NOW,
    grant_role,
    login_as,
    make_cfp,
    make_event,
    make_proposal,
    make_question,
    make_user,
)


def _more_answers(event, proposal):
    def grow() -> None:
        for i in range(3):
            text = make_question(event, visible_to_reviewers=True, text=f"Question {i}")
            db.session.add(Answer(proposal_id=proposal.id, question_id=text.id, value="Yes"))
            upload = Upload(
                event_id=event.id,
                filename="slides.pdf",
                content_type="application/pdf",
                size=10,
                sha256="0" * 64,
                created_at=NOW,
            )
            db.session.add(upload)
            file = make_question(
                event, kind=QuestionKind.FILE, visible_to_reviewers=True, text=f"File {i}"
            )
            db.session.flush()
            db.session.add(Answer(proposal_id=proposal.id, question_id=file.id, upload=upload))
        db.session.flush()

    return grow


@pytest.mark.parametrize("call_open", [True, False], ids=["editable", "read-only"])
def test_the_speakers_proposal_page(client, assert_constant_queries, call_open):
    now = dt.datetime.now(dt.UTC)
    event = make_event()
    make_cfp(
        event,
        opens_at=now - dt.timedelta(days=30),
        closes_at=now + dt.timedelta(days=10 if call_open else -1),
    )
    speaker = make_user()
    login_as(client, speaker)
    proposal = make_proposal(event, speaker)
    assert_constant_queries(
        [f"/{event.slug}/cfp/proposals/{proposal.public_id}"], _more_answers(event, proposal)
    )


def test_the_committees_proposal_page(client, assert_constant_queries):
    organizer = make_user()
    event = make_event(organizer=organizer)
    make_cfp(event)
    login_as(client, organizer)
    proposal = make_proposal(event)
    assert_constant_queries(
        [f"/manage/{event.slug}/cfp/proposals/{proposal.public_id}"],
        _more_answers(event, proposal),
    )


def test_the_reviewers_proposal_page(client, assert_constant_queries):
    event = make_event()
    make_cfp(event)
    reviewer = make_user()
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    login_as(client, reviewer)
    proposal = make_proposal(event)
    db.session.add(ReviewAssignment(proposal=proposal, reviewer=reviewer, created_at=NOW))
    assert_constant_queries(
        [f"/review/{event.slug}/proposals/{proposal.public_id}"], _more_answers(event, proposal)
    )
