"""Applications without HTTP: validation, deadline, lowering after it, one per programme,
withdrawing, information needed and the thread."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import pytest
from sqlalchemy import select

from organizer.enums import EventRoleName, GrantKind, GrantState, QuestionKind
from organizer.errors import NotFound, PermissionDenied, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import (
    AuditEntry,
    GrantApplication,
    GrantAward,
    GrantQuestion,
    OutboxMessage,
)
from organizer.services.grants import applications as apps
from organizer.services.grants import messages as grant_messages
from organizer.services.grants.applications import ApplicationInput
from tests.factories import (
    GRANTS_CLOSE,
    GRANTS_OPEN,
    NOW,
    grant_role,
    make_application,
    make_cfp,
    make_event,
    make_programme,
    make_proposal,
    make_user,
)

PDF = b"%PDF-1.7\n" + b"0" * 64


@pytest.fixture
def event():
    return make_event(currency="EUR")


@pytest.fixture
def programme(event):
    return make_programme(event, kind=GrantKind.TRAVEL, request_cap=150_000)


def data(**changes) -> ApplicationInput:
    values = {
        "motivation": "I build speech models for Twi.",
        "country": "gh",
        "city": "Accra",
        "need": "cannot_attend",
        "requested": {"travel": 60_000, "lodging": 30_000},
    }
    return ApplicationInput(**{**values, **changes})


def outbox(purpose: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == purpose)))


def submit(programme, applicant, **changes) -> GrantApplication:
    return apps.save_application(
        actor=applicant,
        programme=programme,
        application=None,
        data=data(**changes),
        submit=True,
        now=NOW,
    )


def test_draft_then_submit_mails_the_applicant(programme):
    applicant = make_user()
    draft = apps.save_application(
        actor=applicant,
        programme=programme,
        application=None,
        data=data(motivation="", city=""),
        submit=False,
        now=NOW,
    )
    assert draft.state == GrantState.DRAFT
    assert not outbox("grant_submitted")
    submitted = apps.save_application(
        actor=applicant,
        programme=programme,
        application=draft,
        data=data(),
        submit=True,
        now=NOW,
        version=draft.version,
    )
    assert submitted.state == GrantState.SUBMITTED
    assert submitted.submitted_at == NOW
    assert submitted.country == "GH"
    assert submitted.requested_total == 90_000
    [mail] = outbox("grant_submitted")
    assert mail.to_address == applicant.email
    assert submitted.public_id in mail.body_text
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_type == "grant_application")
    ).all()
    assert actions == ["grant_application.create", "grant_application.submit"]


def test_every_rule_is_reported_at_once(programme):
    with pytest.raises(ValidationFailed) as caught:
        submit(
            programme,
            make_user(),
            motivation="",
            country="XX",
            city="",
            need="desperate",
            requested={"travel": -5, "lodging": 0},
            own_contribution=-1,
        )
    assert set(caught.value.errors) == {
        "motivation",
        "country",
        "city",
        "need",
        "amount-travel",
        "own_contribution",
    }
    assert db.session.scalar(select(GrantApplication.id)) is None


def test_non_numeric_amounts_from_the_form_come_with_the_other_errors(programme):
    with pytest.raises(ValidationFailed) as caught:
        submit(
            programme,
            make_user(),
            city="",
            requested={"lodging": 10_000},
            input_errors={"amount-travel": "Enter a number, e.g. 120 or 120.50."},
        )
    assert set(caught.value.errors) == {"city", "amount-travel"}


def test_over_the_cap_is_refused_with_the_numbers(programme):
    with pytest.raises(ValidationFailed) as caught:
        submit(programme, make_user(), requested={"travel": 100_000, "lodging": 60_000})
    message = caught.value.errors["amount-travel"]
    assert "€1,600.00" in message
    assert "€1,500.00" in message


def test_categories_are_those_of_the_programme(event, programme):
    with pytest.raises(ValidationFailed) as caught:
        submit(programme, make_user(), requested={"registration": 15_000, "travel": 1})
    assert "amounts" in caught.value.errors
    waiver = make_programme(event, kind=GrantKind.WAIVER, registration_fee=15_000)
    with pytest.raises(ValidationFailed) as caught:
        submit(waiver, make_user(), requested={"registration": 10})
    assert "€150.00" in caught.value.errors["amount-registration"]
    application = submit(waiver, make_user(), requested={"registration": 15_000})
    assert application.requested == {"registration": 15_000}


def test_submitting_needs_an_amount(programme):
    with pytest.raises(ValidationFailed) as caught:
        submit(programme, make_user(), requested={"travel": 0})
    assert caught.value.errors == {"amount-travel": "Enter at least one amount you ask for."}


def test_deadline_to_the_second(programme):
    last_second = GRANTS_CLOSE - dt.timedelta(seconds=1)
    on_time = apps.save_application(
        actor=make_user(),
        programme=programme,
        application=None,
        data=data(),
        submit=True,
        now=last_second,
    )
    assert on_time.state == GrantState.SUBMITTED
    with pytest.raises(WrongState, match="deadline has passed"):
        apps.save_application(
            actor=make_user(),
            programme=programme,
            application=None,
            data=data(),
            submit=True,
            now=GRANTS_CLOSE,
        )
    with pytest.raises(WrongState, match="not open"):
        apps.save_application(
            actor=make_user(),
            programme=programme,
            application=None,
            data=data(),
            submit=True,
            now=GRANTS_OPEN - dt.timedelta(seconds=1),
        )


def test_a_draft_cannot_be_sent_after_the_deadline(programme):
    applicant = make_user()
    draft = apps.save_application(
        actor=applicant, programme=programme, application=None, data=data(), submit=False, now=NOW
    )
    with pytest.raises(WrongState, match="draft can no longer"):
        apps.save_application(
            actor=applicant,
            programme=programme,
            application=draft,
            data=data(),
            submit=True,
            now=GRANTS_CLOSE,
        )


def test_after_the_deadline_only_lowering(programme):
    applicant = make_user()
    application = submit(programme, applicant)
    after = GRANTS_CLOSE + dt.timedelta(days=1)
    assert apps.only_lowering(application, now=after)
    # Raising an amount: refused on that field.
    with pytest.raises(ValidationFailed) as caught:
        apps.save_application(
            actor=applicant,
            programme=programme,
            application=application,
            data=data(requested={"travel": 70_000, "lodging": 30_000}),
            submit=False,
            now=after,
        )
    assert "can only be lowered" in caught.value.errors["amount-travel"]
    # Lowering with another change: refused as a whole, nothing saved changes.
    with pytest.raises(WrongState, match="only lower the amounts"):
        apps.save_application(
            actor=applicant,
            programme=programme,
            application=application,
            data=data(requested={"travel": 50_000, "lodging": 30_000}, city="Kumasi"),
            submit=False,
            now=after,
        )
    db.session.expire(application)
    assert application.city == "Accra"
    assert application.requested == {"travel": 60_000, "lodging": 30_000}
    # Lowering alone: saved.
    apps.save_application(
        actor=applicant,
        programme=programme,
        application=application,
        data=data(requested={"travel": 50_000, "lodging": 0}),
        submit=False,
        now=after,
    )
    assert application.requested == {"travel": 50_000}
    assert application.requested_total == 50_000


def test_a_stale_tab_is_refused(programme):
    applicant = make_user()
    application = submit(programme, applicant)
    old = application.version
    apps.save_application(
        actor=applicant,
        programme=programme,
        application=application,
        data=data(city="Kumasi"),
        submit=False,
        now=NOW,
        version=old,
    )
    assert application.version == old + 1
    with pytest.raises(WrongState, match="another tab"):
        apps.save_application(
            actor=applicant,
            programme=programme,
            application=application,
            data=data(city="Tamale"),
            submit=False,
            now=NOW,
            version=old,
        )


def test_a_save_that_changes_nothing_keeps_the_version(programme):
    applicant = make_user()
    application = submit(programme, applicant)
    version = application.version
    apps.save_application(
        actor=applicant,
        programme=programme,
        application=application,
        data=data(),
        submit=False,
        now=NOW,
        version=version,
    )
    assert application.version == version


def test_one_application_per_programme(programme):
    applicant = make_user()
    first = submit(programme, applicant)
    with pytest.raises(apps.AlreadyApplied) as caught:
        submit(programme, applicant)
    assert caught.value.application is first
    assert "already applied" in caught.value.message


def test_a_proposal_link_only_to_ones_own_proposal(event, programme):
    make_cfp(event)
    applicant = make_user()
    mine = make_proposal(event, applicant)
    theirs = make_proposal(event, make_user())
    elsewhere_event = make_event()
    make_cfp(elsewhere_event)
    elsewhere = make_proposal(elsewhere_event, applicant)
    for proposal in (theirs, elsewhere):
        with pytest.raises(ValidationFailed) as caught:
            submit(programme, applicant, presenting=True, proposal_public_id=proposal.public_id)
        assert "proposal" in caught.value.errors
    application = submit(programme, applicant, presenting=True, proposal_public_id=mine.public_id)
    assert application.proposal_id == mine.id


def test_custom_questions_and_files(programme):
    required = GrantQuestion(
        programme_id=programme.id, text="First time?", kind=QuestionKind.BOOLEAN, required=True
    )
    letter = GrantQuestion(
        programme_id=programme.id,
        text="Letter",
        kind=QuestionKind.FILE,
        file_kinds=["pdf"],
        position=1,
    )
    db.session.add_all([required, letter])
    db.session.flush()
    with pytest.raises(ValidationFailed) as caught:
        submit(programme, make_user())
    assert caught.value.errors == {f"question-{required.id}": "Answer this question."}
    application = submit(
        programme,
        make_user(),
        answers={required.id: "yes"},
        files={letter.id: apps.FileInput(io.BytesIO(PDF), "letter.pdf")},
    )
    values = {a.question_id: (a.value, a.upload) for a in application.answers}
    assert values[required.id] == ("yes", None)
    assert values[letter.id][1].filename == "letter.pdf"


def test_others_cannot_edit_and_get_404_when_reading(event, programme):
    application = submit(programme, make_user())
    stranger = make_user()
    with pytest.raises(PermissionDenied):
        apps.save_application(
            actor=stranger,
            programme=programme,
            application=application,
            data=data(),
            submit=False,
            now=NOW,
        )
    with pytest.raises(NotFound):
        apps.application_for_applicant(event, application.public_id, stranger)
    with pytest.raises(NotFound):
        apps.application_for_applicant(event, "guessed", application.applicant)
    assert apps.my_applications(event, stranger) == []
    assert apps.my_applications(event, application.applicant) == [application]


def test_withdraw_any_time_before_accepting(programme):
    applicant = make_user()
    application = submit(programme, applicant)
    application.state = GrantState.OFFERED
    application.award = GrantAward(
        amounts={"travel": 60_000},
        total=60_000,
        respond_by=NOW + dt.timedelta(days=7),
        offered_at=NOW,
    )
    db.session.flush()
    with pytest.raises(PermissionDenied):
        apps.withdraw(actor=make_user(), application=application, now=NOW)
    apps.withdraw(actor=applicant, application=application, now=GRANTS_CLOSE)
    assert application.state == GrantState.WITHDRAWN
    assert outbox("grant_withdrawn")
    with pytest.raises(WrongState, match="already withdrawn"):
        apps.withdraw(actor=applicant, application=application, now=NOW)
    accepted = make_application(make_programme(programme.event), applicant)
    accepted.state = GrantState.ACCEPTED
    with pytest.raises(WrongState, match="accepted your grant"):
        apps.withdraw(actor=applicant, application=accepted, now=NOW)


def test_information_needed_then_the_applicants_reply(event, programme):
    reviewer = make_user()
    grant_role(reviewer, event, EventRoleName.GRANT_REVIEWER)
    applicant = make_user()
    application = submit(programme, applicant)
    grant_messages.request_info(
        actor=reviewer, application=application, body="Which airport do you fly from?", now=NOW
    )
    assert application.state == GrantState.INFO_NEEDED
    [mail] = outbox("grant_info_needed")
    assert mail.to_address == applicant.email
    assert "Which airport" in mail.body_text
    # The applicant may still edit while information is needed.
    assert apps.is_editable(application, now=NOW)
    grant_messages.post_message(
        actor=applicant, application=application, body="From Kotoka.", internal=False, now=NOW
    )
    assert application.state == GrantState.SUBMITTED
    with pytest.raises(PermissionDenied):
        grant_messages.request_info(actor=applicant, application=application, body="?", now=NOW)
    with pytest.raises(PermissionDenied):
        grant_messages.post_message(
            actor=make_user(), application=application, body="Hi", internal=False, now=NOW
        )


def test_the_thread_keeps_internal_notes_apart(event, programme):
    organizer = make_user()
    grant_role(organizer, event, EventRoleName.ORGANIZER)
    applicant = make_user()
    application = submit(programme, applicant)
    grant_messages.post_message(
        actor=organizer, application=application, body="Strong case.", internal=True, now=NOW
    )
    grant_messages.post_message(
        actor=organizer,
        application=application,
        body="Can you share costs?",
        internal=False,
        now=NOW + dt.timedelta(minutes=1),
    )
    bodies = [m.body for m in grant_messages.thread(application, include_internal=False)]
    assert bodies == ["Can you share costs?"]
    everything = [m.body for m in grant_messages.thread(application, include_internal=True)]
    assert everything == ["Strong case.", "Can you share costs?"]
    # Only the message to the applicant is mailed.
    [mail] = outbox("grant_message")
    assert "Can you share costs?" in mail.body_text
    assert "Strong case" not in mail.body_text
    with pytest.raises(PermissionDenied):
        grant_messages.post_message(
            actor=applicant, application=application, body="x", internal=True, now=NOW
        )
    with pytest.raises(ValidationFailed):
        grant_messages.post_message(
            actor=applicant, application=application, body="  ", internal=False, now=NOW
        )


def test_countries_are_named_and_sorted():
    found = apps.countries()
    codes = [code for code, _ in found]
    assert "GH" in codes
    assert len(codes) == len(set(codes)) >= 240
    names = [name for _, name in found]
    assert names == sorted(names, key=str.casefold)
    assert apps.country_name("gh") == "Ghana"


def test_input_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        data().city = "x"  # type: ignore[misc]
