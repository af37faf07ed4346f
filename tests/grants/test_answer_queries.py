"""A grant application's answers are read in a constant number of queries on the applicant's
and the organizers' application pages, however many questions the programme asks: no query
per answer for its question or its file."""

from __future__ import annotations

import datetime as dt

from organizer.enums import QuestionKind
from organizer.extensions import db
from organizer.models import GrantAnswer, GrantQuestion, Upload
from tests.factories import NOW, login_as, make_application, make_event, make_programme, make_user


def _more_answers(programme, application):
    def grow() -> None:
        for i in range(3):
            text = GrantQuestion(programme_id=programme.id, text=f"Q {i}", kind=QuestionKind.TEXT)
            file = GrantQuestion(programme_id=programme.id, text=f"F {i}", kind=QuestionKind.FILE)
            upload = Upload(
                event_id=programme.event_id,
                filename="quote.pdf",
                content_type="application/pdf",
                size=10,
                sha256="0" * 64,
                created_at=NOW,
            )
            db.session.add_all([text, file, upload])
            db.session.flush()
            db.session.add_all(
                [
                    GrantAnswer(application_id=application.id, question_id=text.id, value="Yes"),
                    GrantAnswer(application_id=application.id, question_id=file.id, upload=upload),
                ]
            )
        db.session.flush()

    return grow


def test_application_pages_read_answers_in_constant_queries(client, assert_constant_queries):
    now = dt.datetime.now(dt.UTC)
    organizer = make_user()
    event = make_event(organizer=organizer)
    # Open now, so that the applicant's page shows the edit form (it reads the answers too).
    programme = make_programme(
        event, opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=9)
    )
    applicant = make_user()
    application = make_application(programme, applicant)
    grow = _more_answers(programme, application)
    login_as(client, applicant)
    assert_constant_queries([f"/{event.slug}/grants/applications/{application.public_id}"], grow)
    login_as(client, organizer)
    assert_constant_queries(
        [f"/manage/{event.slug}/grants/{programme.public_id}/applications/{application.public_id}"],
        grow,
    )
