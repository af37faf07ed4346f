"""A person with something in every section of their data (Ana), and a second applicant with
distinctive data of their own (Bo), in a released, scheduled event with grants and a survey."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import itertools

import pytest

from organizer.enums import EventRoleName, GrantState, ProposalState, QuestionKind, ReceiptState
from organizer.extensions import db
from organizer.models import (
    Agenda,
    AgendaStar,
    Answer,
    CfpExtension,
    GrantAnswer,
    GrantAward,
    GrantCriterion,
    GrantMessage,
    GrantQuestion,
    GrantReview,
    GrantReviewScore,
    LoginFailure,
    Payout,
    ProposalInterest,
    Receipt,
    Review,
    ReviewAssignment,
    ReviewCriterion,
    ReviewScore,
    SpeakerAvailability,
    SpeakerProfile,
    TeamInvitation,
    User,
)
from organizer.services import audit, feeds, uploads
from organizer.services.mail import queue_text
from organizer.services.representation import answering, survey, survey_setup
from organizer.services.scheduling import releases
from tests.factories import (
    NOW,
    grant_role,
    lisbon,
    make_application,
    make_programme,
    make_proposal,
    make_question,
    make_room,
    make_schedule_event,
    make_talk,
    make_user,
)
from tests.registration_factories import (
    make_place_kind,
    make_registration,
    make_registration_question,
    make_settings,
)

PDF = b"%PDF-1.4\n% Ana's slides\n" + bytes(range(256)) + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"ana-photo" * 20
RECEIPT = b"%PDF-1.4\n% train ticket Accra-Lisbon\n%%EOF\n"
BO_PDF = b"%PDF-1.4\n% Bo's private file\n%%EOF\n"

BO_STRINGS = (
    "Bo Chen",
    "bo.chen@example.org",
    "Bo's confidential title",
    "Bo's abstract about tidal maps",
    "Bo's secret motivation",
    "Bo's bio from Taipei",
    "bo-private.pdf",
    "Bo's registration note",
    "Bo's badge",
)


@dataclasses.dataclass
class World:
    organizer: User
    co_organizer: User
    ana: User
    bo: User
    event: object
    programme: object
    confirmed: object  # Ana's confirmed, scheduled talk (a Slot)
    draft: object
    submitted: object
    bo_proposal: object
    application: object
    bo_application: object
    agenda: Agenda
    uploads: dict


def add_registrations(event, ana: User, bo: User) -> None:
    """Both registered: Ana with an answer and access needs, Bo with distinctive ones."""
    make_settings(event)
    kind = make_place_kind(event, "In person")
    shirt = make_registration_question(event, "T-shirt size")
    make_registration(
        event,
        ana,
        place_kind=kind,
        badge_name="Ana L.",
        affiliation="Ana's lab",
        needs=["step_free"],
        dietary=["vegan"],
        notes="Ana's access note",
        answers={shirt: "M"},
    )
    make_registration(
        event, bo, badge_name="Bo's badge", notes="Bo's registration note", answers={shirt: "XL"}
    )


def store(data: bytes, name: str, owner: User, event, kinds=("pdf",)):
    return uploads.store(
        stream=io.BytesIO(data),
        filename=name,
        field="file",
        allowed=list(kinds),
        max_kb=100,
        owner=owner,
        event=event,
        now=NOW,
    )


_extras = itertools.count()


def add_proposal_extras(world: World, n: int) -> None:
    """More of everything for Ana (to show that the export's queries do not grow)."""
    event, ana, bo = world.event, world.ana, world.bo
    for _ in range(n):
        i = next(_extras)
        extra = make_proposal(event, ana, title=f"Extra {i}", notes="note")
        question = make_question(event, kind=QuestionKind.TEXT, text=f"Q{i}")
        db.session.add(Answer(proposal_id=extra.id, question_id=question.id, value="yes"))
        other = make_proposal(event, bo, title=f"Bo extra {i}")
        review = Review(
            proposal_id=other.id,
            reviewer_id=ana.id,
            comment="fine",
            proposal_version=1,
            created_at=NOW,
            updated_at=NOW,
        )
        db.session.add(review)
        db.session.flush()
        criterion = db.session.query(ReviewCriterion).filter_by(event_id=event.id).first()
        db.session.add(ReviewScore(review_id=review.id, criterion_id=criterion.id, score=3))
        programme = make_programme(event, name=f"Extra programme {i}")
        application = make_application(programme, ana, state=GrantState.SUBMITTED)
        db.session.add(
            GrantMessage(application_id=application.id, author_id=ana.id, body="hi", created_at=NOW)
        )
        store(PDF + bytes([i]), f"extra-{i}.pdf", ana, event)
        audit.record(
            action="proposal.submit",
            actor=ana,
            now=NOW,
            object_type="proposal",
            object_id=extra.id,
            event=event,
        )
        queue_text(to=ana.email, purpose="test", subject=f"Hi {i}", body="text", now=NOW)
    db.session.flush()


@pytest.fixture
def world(app) -> World:
    feeds.clear_cache()
    organizer = make_user(name="Olga Organizer")
    co_organizer = make_user(name="Carl Coorganizer")
    ana = make_user(name="Ana Lima", email="ana.lima@example.org")
    bo = make_user(name="Bo Chen", email="bo.chen@example.org")
    event = make_schedule_event(organizer, slug="trust-2027", name="Trust Workshop")
    grant_role(co_organizer, event, EventRoleName.ORGANIZER)
    grant_role(ana, event, EventRoleName.REVIEWER)
    room = make_room(event, "Aula Magna")
    confirmed = make_talk(
        event, ana, title="Ana's confirmed talk", room=room, starts_at=lisbon(27, 10)
    )
    bo_talk = make_talk(event, bo, title="Bo's other talk", room=room, starts_at=lisbon(27, 11))

    file_question = make_question(
        event, kind=QuestionKind.FILE, text="Slides", file_kinds=["pdf"], max_file_kb=100
    )
    text_question = make_question(event, kind=QuestionKind.TEXT, text="Anything else?")
    draft = make_proposal(event, ana, state=ProposalState.DRAFT, title="Ana's draft")
    slides = store(PDF, "slides.pdf", ana, event)
    db.session.add(Answer(proposal_id=draft.id, question_id=file_question.id, upload_id=slides.id))
    submitted = make_proposal(
        event, ana, title="Ana's submitted proposal", notes="Ana's note to organizers"
    )
    db.session.add(
        Answer(proposal_id=submitted.id, question_id=text_question.id, value="Ana's answer")
    )
    bo_proposal = make_proposal(
        event,
        bo,
        title="Bo's confidential title",
        abstract="Bo's abstract about tidal maps",
        notes="Bo's private note",
    )
    bo_file = store(BO_PDF, "bo-private.pdf", bo, event)
    db.session.add(
        Answer(proposal_id=bo_proposal.id, question_id=file_question.id, upload_id=bo_file.id)
    )

    photo = store(PNG, "ana.png", ana, event, kinds=("png",))
    db.session.add_all(
        [
            SpeakerProfile(
                event_id=event.id,
                user_id=ana.id,
                bio="Ana's bio from Porto",
                photo_id=photo.id,
                availability={"2027-03-27": "morning"},
                updated_at=NOW,
            ),
            SpeakerProfile(
                event_id=event.id, user_id=bo.id, bio="Bo's bio from Taipei", updated_at=NOW
            ),
            SpeakerAvailability(
                event_id=event.id, user_id=ana.id, starts_at=lisbon(27, 9), ends_at=lisbon(27, 13)
            ),
        ]
    )

    criterion = db.session.query(ReviewCriterion).filter_by(event_id=event.id).first()
    if criterion is None:
        criterion = ReviewCriterion(event_id=event.id, name="Relevance", position=0)
        db.session.add(criterion)
        db.session.flush()
    review = Review(
        proposal_id=bo_proposal.id,
        reviewer_id=ana.id,
        comment="Ana's review comment",
        proposal_version=1,
        created_at=NOW,
        updated_at=NOW,
    )
    db.session.add(review)
    db.session.flush()
    db.session.add(ReviewScore(review_id=review.id, criterion_id=criterion.id, score=4))
    db.session.add(
        ProposalInterest(
            proposal_id=bo_talk.proposal_id,
            user_id=ana.id,
            reason="Ana's colleague",
            created_at=NOW,
        )
    )

    programme = make_programme(event, name="Travel grants")
    question = GrantQuestion(
        programme_id=programme.id, text="Visa needed?", kind=QuestionKind.TEXT, position=0
    )
    db.session.add(question)
    db.session.flush()
    application = make_application(
        programme, ana, state=GrantState.ACCEPTED, motivation="Ana's motivation"
    )
    db.session.add(GrantAnswer(application_id=application.id, question_id=question.id, value="no"))
    db.session.add(
        GrantAward(
            application_id=application.id,
            amounts={"travel": 40_000},
            total=40_000,
            respond_by=NOW + dt.timedelta(days=14),
            offered_at=NOW,
            responded_at=NOW,
        )
    )
    receipt_file = store(RECEIPT, "ticket.pdf", ana, event)
    db.session.add(
        Receipt(
            application_id=application.id,
            upload_id=receipt_file.id,
            category="travel",
            description="Train",
            spent_on=dt.date(2027, 3, 20),
            amount=35_000,
            currency="EUR",
            converted=35_000,
            state=ReceiptState.APPROVED,
            created_at=NOW,
        )
    )
    db.session.add(
        Payout(
            application_id=application.id,
            amount=35_000,
            paid_on=dt.date(2027, 4, 2),
            reference="SEPA 1",
            created_at=NOW,
        )
    )
    db.session.add_all(
        [
            GrantMessage(
                application_id=application.id,
                author_id=ana.id,
                body="Ana asks about the visa",
                created_at=NOW,
            ),
            GrantMessage(
                application_id=application.id,
                author_id=organizer.id,
                body="Internal: Ana is great",
                internal=True,
                created_at=NOW,
            ),
        ]
    )
    bo_application = make_application(
        programme, bo, state=GrantState.SUBMITTED, motivation="Bo's secret motivation"
    )
    grant_role(ana, event, EventRoleName.GRANT_REVIEWER)
    grant_review = GrantReview(
        application_id=bo_application.id,
        reviewer_id=ana.id,
        comment="Ana's grant review",
        application_version=1,
        created_at=NOW,
        updated_at=NOW,
    )
    db.session.add(grant_review)
    db.session.flush()
    grant_criterion = db.session.query(GrantCriterion).filter_by(programme_id=programme.id).first()
    db.session.add(
        GrantReviewScore(review_id=grant_review.id, criterion_id=grant_criterion.id, score=5)
    )
    db.session.add_all(
        [
            TeamInvitation(
                event_id=event.id,
                email=ana.email,
                role=EventRoleName.ORGANIZER,
                token_hash="a" * 64,
                invited_by_id=organizer.id,
                created_at=NOW,
                expires_at=NOW + dt.timedelta(days=7),
            ),
            CfpExtension(
                event_id=event.id,
                user_id=ana.id,
                until=NOW + dt.timedelta(days=30),
                created_at=NOW,
            ),
            ReviewAssignment(proposal_id=bo_proposal.id, reviewer_id=ana.id, created_at=NOW),
            LoginFailure(
                account_key="k" * 64, client_key="c" * 64, occurred_at=NOW, user_id=ana.id
            ),
        ]
    )

    db.session.commit()
    releases.release(event=event, actor=organizer, now=NOW, comment="")
    db.session.commit()
    agenda = Agenda(
        event_id=event.id, user_id=ana.id, token="ana-agenda-token", created_at=NOW, updated_at=NOW
    )
    db.session.add(agenda)
    db.session.flush()
    db.session.add(AgendaStar(agenda_id=agenda.id, slot_id=bo_talk.id, created_at=NOW))

    survey_setup.ensure_survey(actor=organizer, event=event, now=NOW)
    question_info = survey.asked(event)[0]
    answering.save_response(
        actor=ana,
        event=event,
        answers={question_info.key: [question_info.options[0].key]},
        self_described={},
        consent=True,
        response_public_id=None,
        now=NOW,
    )
    answering.save_response(
        actor=bo,
        event=event,
        answers={question_info.key: [question_info.options[1].key]},
        self_described={},
        consent=True,
        response_public_id=None,
        now=NOW,
    )
    queue_text(to=ana.email, purpose="test", subject="Your proposal", body="Hello Ana", now=NOW)
    queue_text(to=bo.email, purpose="test", subject="Bo's mail", body="Hello Bo Chen", now=NOW)
    audit.record(
        action="decision.publish",
        actor=organizer,
        now=NOW,
        object_type="proposal",
        object_id=submitted.id,
        event=event,
        details={"state": ["submitted", "accepted"], "round": 1},
    )
    audit.record(
        action="team.invite",
        actor=organizer,
        now=NOW,
        object_type="invitation",
        event=event,
        details={"email": ana.email, "role": "reviewer"},
    )
    add_registrations(event, ana, bo)
    db.session.commit()
    return World(
        organizer=organizer,
        co_organizer=co_organizer,
        ana=ana,
        bo=bo,
        event=event,
        programme=programme,
        confirmed=confirmed,
        draft=draft,
        submitted=submitted,
        bo_proposal=bo_proposal,
        application=application,
        bo_application=bo_application,
        agenda=agenda,
        uploads={"slides": slides, "photo": photo, "receipt": receipt_file, "bo": bo_file},
    )
