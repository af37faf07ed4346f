"""A source event with at least one row of every configuration section, and people's data
beside it (a proposal with a review, a grant application, a registration, a survey answer)
that a clone must leave behind."""

from __future__ import annotations

import pytest

from organizer.enums import (
    ContainerKind,
    EventRoleName,
    GrantKind,
    OthersReviews,
    PlenaryKind,
    ProposalState,
    QuestionKind,
    SlotKind,
    SurveyKind,
)
from organizer.extensions import db
from organizer.models import (
    GrantQuestion,
    LetterTemplate,
    MailTemplate,
    PrintSettings,
    Review,
    ReviewCriterion,
    ReviewPhase,
    RoomWindow,
    ScheduleSettings,
    Tag,
)
from organizer.services.representation import answering, question_setup, survey_setup
from tests.factories import (
    NOW,
    grant_role,
    lisbon,
    make_application,
    make_cfp,
    make_event,
    make_event_days,
    make_programme,
    make_proposal,
    make_question,
    make_room,
    make_slot,
    make_user,
    track,
)
from tests.registration_factories import (
    make_place_kind,
    make_registration,
    make_registration_question,
    make_settings,
)


@pytest.fixture
def organizer():
    return make_user(name="Ana Organizer")


@pytest.fixture
def source(organizer):
    """Mangrove 2027, 27-28 March in Lisbon (summer time starts on the 28th at 01:00)."""
    event = make_event(
        organizer=organizer,
        slug="mangrove-2027",
        name="Mangrove 2027",
        description="Low-resource speech.",
        code_of_conduct="Be kind; ask first.",
        currency="EUR",
    )
    make_cfp(event, languages=["en", "pt"], abstract_max_length=800)
    methods = track(event, "Methods")
    methods.colour = "#dff0d8"
    make_question(
        event,
        kind=QuestionKind.SINGLE_CHOICE,
        text="Level?",
        choices=["Beginner", "Expert"],
        required=True,
    )
    db.session.add(Tag(event_id=event.id, name="needs mentor"))
    criterion = db.session.scalars(
        db.select(ReviewCriterion).where(ReviewCriterion.event_id == event.id)
    ).one()
    criterion.tracks = [methods]
    db.session.add(
        ReviewPhase(
            event_id=event.id,
            name="First round",
            starts_at=lisbon(1, 9, month=1),
            ends_at=lisbon(31, 18, month=1),
            others_reviews=OthersReviews.ALWAYS,
        )
    )
    db.session.add(
        MailTemplate(
            event_id=event.id,
            purpose="accepted",
            subject="Welcome to {event}",
            body="Dear {name}, you are in.",
            updated_at=NOW,
        )
    )
    db.session.add(
        LetterTemplate(
            event_id=event.id, body="To the consulate", signer_name="Ana", updated_at=NOW
        )
    )
    hall = make_room(
        event, "Main hall", capacity=120, hearing_loop=True, accessibility_notes="Lift"
    )
    db.session.add(RoomWindow(room_id=hall.id, starts_at=lisbon(27, 9), ends_at=lisbon(27, 13)))
    db.session.add(ScheduleSettings(event_id=event.id, granularity_minutes=10, updated_at=NOW))
    make_event_days(event)
    make_slot(event, kind=SlotKind.PLENARY, plenary_kind=PlenaryKind.LUNCH, title="Lunch",
              room=hall, starts_at=lisbon(28, 12, 30), all_rooms=True, pinned=True)  # fmt: skip
    make_slot(event, kind=SlotKind.CONTAINER, container_kind=ContainerKind.LIGHTNING)
    db.session.add(
        PrintSettings(event_id=event.id, paper="letter", sections=["grid"], updated_at=NOW)
    )
    programme = make_programme(
        event,
        kind=GrantKind.TRAVEL,
        budget=1_234_567,
        request_cap=90_000,
        category_caps={"travel": 800_000},
    )
    db.session.add(
        GrantQuestion(programme_id=programme.id, text="Visa?", kind=QuestionKind.BOOLEAN)
    )
    make_settings(
        event,
        opens_at=lisbon(1, 10, month=2),
        closes_at=lisbon(20, 23, month=3),
        capacity=80,
        fee_note="Pay at the door",
    )
    make_place_kind(event, "Remote", capacity=200)
    make_registration_question(event, "T-shirt size")
    survey_setup.ensure_survey(actor=organizer, event=event, now=NOW)
    question_setup.add_question(
        actor=organizer,
        event=event,
        text="Which field?",
        explanation="To see whom the call reaches.",
        kind=SurveyKind.SINGLE,
        allow_self_describe=False,
        options=["Linguistics", "Computing"],
        now=NOW,
    )
    survey_setup.set_target(
        actor=organizer,
        event=event,
        question_key="which_field",
        option_key="linguistics",
        stage_key="respondents",
        percent=40,
        now=NOW,
    )
    db.session.flush()
    return event


@pytest.fixture
def peoples_data(source):
    """One of each kind of people's data in the source."""
    reviewer = make_user(name="Rui Reviewer")
    grant_role(reviewer, source, EventRoleName.REVIEWER)
    proposal = make_proposal(source, state=ProposalState.SUBMITTED)
    db.session.add(
        Review(
            proposal_id=proposal.id,
            reviewer_id=reviewer.id,
            proposal_version=1,
            created_at=NOW,
            updated_at=NOW,
        )
    )
    programme = make_programme(source, name="Second programme")
    make_application(programme)
    make_registration(source, name="Rosa Registered")
    answering.save_response(
        actor=make_user(),
        event=source,
        answers={},
        self_described={},
        consent=True,
        response_public_id=None,
        now=NOW,
    )
    db.session.flush()
    return proposal
