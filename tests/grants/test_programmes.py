"""Programme set-up without HTTP: settings, questions, criteria, the letter template."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select

from organizer.enums import GrantCategory, GrantKind, GrantState, QuestionKind
from organizer.errors import NotFound, PermissionDenied, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import AuditEntry, GrantReview, GrantReviewScore
from organizer.services.grants import programmes
from organizer.services.grants.programmes import ProgrammeSettings
from organizer.services.reviewing.questions import QuestionSettings
from tests.factories import (
    GRANTS_CLOSE,
    GRANTS_OPEN,
    NOW,
    make_application,
    make_event,
    make_programme,
    make_user,
)


@pytest.fixture
def organizer():
    return make_user()


@pytest.fixture
def event(organizer):
    return make_event(organizer=organizer, currency="EUR")


def settings(**changes) -> ProgrammeSettings:
    values = {
        "name": "Travel grants",
        "kind": GrantKind.TRAVEL,
        "opens_at": GRANTS_OPEN,
        "closes_at": GRANTS_CLOSE,
        "budget": 500_000,
        "description": "Help to come.",
        "request_cap": 150_000,
    }
    return ProgrammeSettings(**{**values, **changes})


def test_create_and_change_a_programme(organizer, event):
    programme = programmes.save_programme(
        actor=organizer, event=event, programme=None, settings=settings(), now=NOW
    )
    assert programme.currency == "EUR"
    assert programme.public_id
    changed = programmes.save_programme(
        actor=organizer,
        event=event,
        programme=programme,
        settings=settings(budget=600_000, name="Travel"),
        now=NOW,
    )
    assert changed.id == programme.id
    assert changed.budget == 600_000
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "grants.programme.save")
    ).all()
    assert len(entries) == 2
    assert entries[1].details["budget"] == [500_000, 600_000]
    assert programmes.programme_by_public_id(event, programme.public_id) is programme
    assert programmes.programmes(event) == [programme]


def test_settings_are_checked_all_at_once(organizer, event):
    with pytest.raises(ValidationFailed) as caught:
        programmes.save_programme(
            actor=organizer,
            event=event,
            programme=None,
            settings=settings(
                name="",
                closes_at=GRANTS_OPEN,
                budget=-1,
                request_cap=0,
                min_fraction=0,
                kind=GrantKind.BOTH,
                registration_fee=0,
            ),
            now=NOW,
        )
    assert set(caught.value.errors) == {
        "name",
        "closes_at",
        "budget",
        "request_cap",
        "min_fraction",
        "registration_fee",
    }


def test_names_are_unique_per_event(organizer, event):
    programmes.save_programme(
        actor=organizer, event=event, programme=None, settings=settings(), now=NOW
    )
    with pytest.raises(ValidationFailed) as caught:
        programmes.save_programme(
            actor=organizer,
            event=event,
            programme=None,
            settings=settings(name="travel GRANTS"),
            now=NOW,
        )
    assert "already a programme" in caught.value.errors["name"]


def test_only_organizers_set_up_programmes(event):
    with pytest.raises(PermissionDenied):
        programmes.save_programme(
            actor=make_user(), event=event, programme=None, settings=settings(), now=NOW
        )


def test_a_programme_of_another_event_is_not_found(organizer, event):
    other = make_programme(make_event())
    with pytest.raises(NotFound):
        programmes.programme_by_public_id(event, other.public_id)


def test_categories_follow_the_kind(event):
    waiver = make_programme(event, kind=GrantKind.WAIVER)
    travel = make_programme(event, kind=GrantKind.TRAVEL)
    both = make_programme(event, kind=GrantKind.BOTH)
    assert programmes.categories_for(waiver) == [GrantCategory.REGISTRATION]
    assert GrantCategory.REGISTRATION not in programmes.categories_for(travel)
    assert GrantCategory.TRAVEL in programmes.categories_for(travel)
    assert programmes.categories_for(both) == list(GrantCategory)


def test_a_programme_with_applications_cannot_be_deleted(organizer, event):
    programme = make_programme(event)
    make_application(programme, state=GrantState.DRAFT)
    empty = make_programme(event)
    programmes.delete_programme(actor=organizer, programme=empty, now=NOW)
    programmes.delete_programme(actor=organizer, programme=programme, now=NOW)  # drafts only
    kept = make_programme(event)
    make_application(kept)
    with pytest.raises(WrongState, match="1 people have applied"):
        programmes.delete_programme(actor=organizer, programme=kept, now=NOW)


def test_questions_are_saved_moved_and_deleted(organizer, event):
    programme = make_programme(event)
    first = programmes.save_question(
        actor=organizer,
        programme=programme,
        question=None,
        settings=QuestionSettings(text="First time?", kind=QuestionKind.BOOLEAN),
        now=NOW,
    )
    second = programmes.save_question(
        actor=organizer,
        programme=programme,
        question=None,
        settings=QuestionSettings(
            text="Diet", kind=QuestionKind.SINGLE_CHOICE, choices=("Vegan", "Any")
        ),
        now=NOW,
    )
    assert programmes.questions(programme) == [first, second]
    programmes.move_question(actor=organizer, programme=programme, question=second, direction=-1)
    assert programmes.questions(programme) == [second, first]
    with pytest.raises(ValidationFailed) as caught:
        programmes.save_question(
            actor=organizer,
            programme=programme,
            question=None,
            settings=QuestionSettings(text="", kind=QuestionKind.SINGLE_CHOICE, choices=("A",)),
            now=NOW,
        )
    assert set(caught.value.errors) == {"text", "choices"}
    programmes.delete_question(actor=organizer, programme=programme, question=first, now=NOW)
    assert programmes.questions(programme) == [second]


def test_criteria_rules(organizer, event):
    programme = make_programme(event)  # comes with Need and Contribution
    names = [c.name for c in programmes.criteria(programme)]
    assert names == ["Need", "Contribution"]
    first_time = programmes.save_criterion(
        actor=organizer,
        programme=programme,
        criterion=None,
        name="First time",
        description="",
        weight=1,
        scale_min=0,
        scale_max=1,
        now=NOW,
    )
    assert programmes.criteria(programme)[-1] == first_time
    with pytest.raises(ValidationFailed) as caught:
        programmes.save_criterion(
            actor=organizer,
            programme=programme,
            criterion=None,
            name="need",
            description="",
            weight=0,
            scale_min=3,
            scale_max=3,
            now=NOW,
        )
    assert set(caught.value.errors) == {"name", "weight", "scale_max"}
    # A scored criterion stays.
    need = programmes.criteria(programme)[0]
    review = GrantReview(
        application=make_application(programme),
        reviewer=organizer,
        application_version=1,
        created_at=NOW,
        updated_at=NOW,
    )
    review.scores.append(GrantReviewScore(criterion_id=need.id, score=4))
    db.session.add(review)
    db.session.flush()
    with pytest.raises(WrongState, match="already scored"):
        programmes.delete_criterion(actor=organizer, programme=programme, criterion=need, now=NOW)
    programmes.delete_criterion(actor=organizer, programme=programme, criterion=first_time, now=NOW)
    assert [c.name for c in programmes.criteria(programme)] == ["Need", "Contribution"]


def test_letter_template(organizer, event):
    assert programmes.letter_template(event) is None
    with pytest.raises(ValidationFailed) as caught:
        programmes.save_letter_template(
            actor=organizer,
            event=event,
            body="Dear {passport_name}, welcome to {venue} on {when}.",
            signer_name="",
            signer_title="",
            now=NOW,
        )
    assert "{when}" in caught.value.errors["body"]
    assert "signer_name" in caught.value.errors
    template = programmes.save_letter_template(
        actor=organizer,
        event=event,
        body="Dear {passport_name}, welcome to {event} on {dates}.",
        signer_name="Ada Organizer",
        signer_title="Chair",
        now=NOW + dt.timedelta(hours=1),
    )
    assert programmes.letter_template(event) is template
    assert set(programmes.LETTER_PLACEHOLDERS) >= {"passport_name", "event", "dates"}
    with pytest.raises(PermissionDenied):
        programmes.save_letter_template(
            actor=make_user(),
            event=event,
            body="x",
            signer_name="x",
            signer_title="",
            now=NOW,
        )


def test_settings_dataclass_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings().name = "x"  # type: ignore[misc]
