"""The applicants' grant pages over HTTP: the programme list, applying, editing, the thread,
withdrawing, answering an offer, and that nobody reaches another person's application. Views
use the real clock, so programmes here open and close relative to it."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import func, select

from organizer.enums import EventRoleName, GrantKind, GrantState, QuestionKind
from organizer.extensions import db
from organizer.models import GrantApplication, GrantAward, GrantMessage, GrantQuestion
from organizer.services.grants import messages as grant_messages
from tests.factories import (
    grant_role,
    login_as,
    make_application,
    make_cfp,
    make_event,
    make_programme,
    make_proposal,
    make_user,
)


def real_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def open_programme(event=None, **fields):
    event = event or make_event(currency="EUR")
    values = {
        "opens_at": real_now() - dt.timedelta(days=1),
        "closes_at": real_now() + dt.timedelta(days=10),
        "kind": GrantKind.BOTH,
        "request_cap": 150_000,
        "registration_fee": 15_000,
    }
    return make_programme(event, **{**values, **fields})


def form(*, draft: bool = False, **changes) -> dict[str, object]:
    values: dict[str, object] = {
        "motivation": "I work on speech recognition for Twi.",
        "role": "PhD student",
        "country": "GH",
        "city": "Accra",
        "need": "cannot_attend",
        "amount-travel": "450.50",
        "amount-lodging": "200",
        "own_contribution": "50",
        "other_funding": "",
    }
    values.update(changes)
    values["save_draft" if draft else "submit_application"] = "1"
    return values


def apply_url(programme) -> str:
    return f"/{programme.event.slug}/grants/{programme.public_id}/apply"


def app_url(application) -> str:
    event = application.programme.event
    return f"/{event.slug}/grants/applications/{application.public_id}"


def only_application() -> GrantApplication:
    return db.session.scalars(select(GrantApplication)).one()


def test_the_programme_list_is_public_and_hides_the_budget(client):
    programme = open_programme(description="Help with **travel**.", budget=987_654)
    closed = open_programme(
        programme.event,
        opens_at=real_now() - dt.timedelta(days=20),
        closes_at=real_now() - dt.timedelta(days=1),
    )
    response = client.get(f"/{programme.event.slug}/grants")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert programme.name in page
    assert closed.name in page
    assert "<strong>travel</strong>" in page
    assert "9,876.54" not in page
    assert apply_url(programme) in page
    assert apply_url(closed) not in page
    assert "Closed for applications." in page


def test_a_draft_event_has_no_grant_page(client):
    programme = open_programme(make_event(is_public=False))
    assert client.get(f"/{programme.event.slug}/grants").status_code == 404


def test_apply_with_money_typed_as_people_type_it(client, mailbox):
    programme = open_programme()
    applicant = make_user()
    login_as(client, applicant)
    page = client.get(apply_url(programme)).get_data(as_text=True)
    assert "Travel, in EUR" in page
    assert "At most €1,500.00 in all per person." in page
    assert 'value="GH"' in page
    response = client.post(apply_url(programme), data=form(**{"amount-registration": "y"}))
    assert response.status_code == 302
    application = only_application()
    assert response.location == app_url(application)
    assert application.state == GrantState.SUBMITTED
    assert application.requested == {"registration": 15_000, "travel": 45_050, "lodging": 20_000}
    assert application.own_contribution == 5_000
    assert "Grant application received" in mailbox.last(applicant.email)["Subject"]
    # The list now links to it; "Apply" goes there too.
    listing = client.get(f"/{programme.event.slug}/grants").get_data(as_text=True)
    assert app_url(application) in listing
    again = client.get(apply_url(programme))
    assert again.status_code == 302
    assert again.location == app_url(application)


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("amount-travel", "-20", "Enter an amount of zero or more."),
        ("amount-travel", "lots", "Enter a number"),
        ("amount-lodging", "12.345", "2 decimal places at most"),
        ("amount-travel", "1400", "gives at most €1,500.00"),
    ],
)
def test_bad_amounts_are_shown_next_to_the_field_and_input_stays(client, field, typed, message):
    programme = open_programme()
    login_as(client, make_user())
    response = client.post(apply_url(programme), data=form(city="", **{field: typed}))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert "Enter the city you travel from." in page  # everything at once
    assert f'value="{typed}"' in page
    assert "I work on speech recognition for Twi." in page
    assert db.session.scalar(select(func.count(GrantApplication.id))) == 0


def test_a_second_application_gets_a_link_to_the_first(client):
    programme = open_programme()
    applicant = make_user()
    first = make_application(programme, applicant)
    login_as(client, applicant)
    response = client.post(apply_url(programme), data=form())
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "already applied" in page
    assert app_url(first) in page
    assert db.session.scalar(select(func.count(GrantApplication.id))) == 1


def test_a_proposal_can_be_linked(client):
    programme = open_programme()
    make_cfp(programme.event)
    applicant = make_user()
    proposal = make_proposal(programme.event, applicant, title="Tiny priors")
    login_as(client, applicant)
    page = client.get(apply_url(programme)).get_data(as_text=True)
    assert "Tiny priors" in page
    response = client.post(
        apply_url(programme), data=form(presenting="y", proposal=proposal.public_id)
    )
    assert response.status_code == 302
    assert only_application().proposal_id == proposal.id


def test_edit_then_read_only_after_an_offer(client):
    programme = open_programme()
    applicant = make_user()
    application = make_application(programme, applicant)
    login_as(client, applicant)
    page = client.get(app_url(application)).get_data(as_text=True)
    assert "Edit the application" in page
    response = client.post(
        app_url(application), data=form(city="Kumasi", version=str(application.version))
    )
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.city == "Kumasi"
    # A stale tab.
    stale = client.post(app_url(application), data=form(city="Tamale", version="1"))
    assert stale.status_code == 409
    assert "another tab" in stale.get_data(as_text=True)
    application.state = GrantState.REJECTED
    page = client.get(app_url(application)).get_data(as_text=True)
    assert "Edit the application" not in page
    assert "can no longer be changed" in page
    assert client.post(app_url(application), data=form(city="X")).status_code == 409


def test_the_thread_shows_no_internal_notes_and_a_reply_returns_it(client):
    programme = open_programme()
    organizer = make_user()
    grant_role(organizer, programme.event, EventRoleName.ORGANIZER)
    applicant = make_user()
    application = make_application(programme, applicant)
    grant_messages.post_message(
        actor=organizer,
        application=application,
        body="Internal: strong.",
        internal=True,
        now=real_now(),
    )
    grant_messages.request_info(
        actor=organizer, application=application, body="Which airport?", now=real_now()
    )
    login_as(client, applicant)
    page = client.get(app_url(application)).get_data(as_text=True)
    assert "Which airport?" in page
    assert "Internal: strong." not in page
    assert "The grants committee" in page
    assert organizer.display_name not in page
    empty = client.post(f"{app_url(application)}/messages", data={"body": ""})
    assert empty.status_code == 400
    response = client.post(f"{app_url(application)}/messages", data={"body": "Kotoka."})
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.state == GrantState.SUBMITTED
    assert db.session.scalar(select(func.count(GrantMessage.id))) == 3


def test_withdraw_asks_first(client, mailbox):
    programme = open_programme()
    applicant = make_user()
    application = make_application(programme, applicant)
    login_as(client, applicant)
    confirm = client.get(f"{app_url(application)}/withdraw")
    assert confirm.status_code == 200
    assert "cannot undo this" in confirm.get_data(as_text=True)
    assert client.post(f"{app_url(application)}/withdraw").status_code == 302
    db.session.refresh(application)
    assert application.state == GrantState.WITHDRAWN
    assert "withdrawn" in mailbox.last(applicant.email)["Subject"]


def offered(programme, applicant, *, respond_by):
    application = make_application(programme, applicant, state=GrantState.OFFERED)
    application.award = GrantAward(
        amounts={"travel": 40_000, "lodging": 20_000},
        total=60_000,
        respond_by=respond_by,
        offered_at=real_now(),
    )
    db.session.flush()
    return application


def test_accept_an_offer_on_my_applications(client):
    programme = open_programme()
    applicant = make_user()
    application = offered(programme, applicant, respond_by=real_now() + dt.timedelta(days=5))
    login_as(client, applicant)
    page = client.get(f"/{programme.event.slug}/grants/mine").get_data(as_text=True)
    assert "€600.00" in page
    assert "Accept the grant" in page
    response = client.post(f"{app_url(application)}/respond", data={"accept": "1"})
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.state == GrantState.ACCEPTED
    again = client.post(f"{app_url(application)}/respond", data={"accept": "1"})
    assert again.status_code == 409
    assert "already accepted" in again.get_data(as_text=True)


def test_accepting_too_late_is_refused(client):
    programme = open_programme()
    applicant = make_user()
    application = offered(programme, applicant, respond_by=real_now() - dt.timedelta(minutes=1))
    login_as(client, applicant)
    response = client.post(f"{app_url(application)}/respond", data={"accept": "1"})
    assert response.status_code == 409
    assert "expired" in response.get_data(as_text=True)
    db.session.refresh(application)
    assert application.state == GrantState.OFFERED


def test_another_applicant_gets_404_everywhere(client):
    programme = open_programme()
    owner = make_user()
    application = offered(programme, owner, respond_by=real_now() + dt.timedelta(days=5))
    login_as(client, make_user())
    base = app_url(application)
    assert client.get(base).status_code == 404
    assert client.post(base, data=form()).status_code == 404
    assert client.post(f"{base}/messages", data={"body": "hi"}).status_code == 404
    assert client.get(f"{base}/withdraw").status_code == 404
    assert client.post(f"{base}/withdraw").status_code == 404
    assert client.post(f"{base}/respond", data={"accept": "1"}).status_code == 404
    guessed = f"/{programme.event.slug}/grants/applications/not-a-real-id"
    assert client.get(guessed).status_code == 404
    # From another event, even for the owner.
    login_as(client, owner)
    other = make_event()
    assert client.get(f"/{other.slug}/grants/applications/{application.public_id}").status_code == (
        404
    )
    db.session.refresh(application)
    assert application.state == GrantState.OFFERED


def test_my_applications_runs_constant_queries(client, assert_constant_queries):
    programme = open_programme()
    applicant = make_user()
    login_as(client, applicant)

    def grow() -> None:
        other = open_programme(programme.event)
        offered(other, applicant, respond_by=real_now() + dt.timedelta(days=3))
        make_application(open_programme(programme.event), applicant)

    assert_constant_queries(
        [f"/{programme.event.slug}/grants/mine", f"/{programme.event.slug}/grants"], grow
    )


def test_custom_questions_on_the_form(client):
    programme = open_programme()
    choice = GrantQuestion(
        programme_id=programme.id,
        text="First time at such a workshop?",
        kind=QuestionKind.BOOLEAN,
        required=True,
    )
    letter = GrantQuestion(
        programme_id=programme.id,
        text="Letter from your supervisor",
        kind=QuestionKind.FILE,
        file_kinds=["pdf"],
        position=1,
    )
    db.session.add_all([choice, letter])
    db.session.flush()
    login_as(client, make_user())
    missing = client.post(apply_url(programme), data=form())
    assert missing.status_code == 400
    assert "Answer this question." in missing.get_data(as_text=True)
    response = client.post(
        apply_url(programme),
        data={
            **form(),
            f"question-{choice.id}": "yes",
            f"question-{letter.id}": (io.BytesIO(b"%PDF-1.7\n" + b"0" * 64), "letter.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    application = only_application()
    page = client.get(app_url(application)).get_data(as_text=True)
    assert "letter.pdf" in page


def test_after_the_deadline_only_lower(client):
    programme = open_programme()
    applicant = make_user()
    application = make_application(programme, applicant, requested={"travel": 40_000})
    programme.closes_at = real_now() - dt.timedelta(minutes=1)
    login_as(client, applicant)
    page = client.get(app_url(application)).get_data(as_text=True)
    assert "you can still lower the amounts" in page
    kept = {
        "motivation": application.motivation,
        "country": "GH",
        "city": "Accra",
        "need": "cannot_attend",
        "save_draft": "1",
    }
    higher = client.post(app_url(application), data={**kept, "amount-travel": "500"})
    assert higher.status_code == 400
    assert "can only be lowered" in higher.get_data(as_text=True)
    moved = client.post(
        app_url(application), data={**kept, "amount-travel": "300", "city": "Kumasi"}
    )
    assert moved.status_code == 409
    db.session.refresh(application)
    assert application.requested == {"travel": 40_000}
    lower = client.post(app_url(application), data={**kept, "amount-travel": "300"})
    assert lower.status_code == 302
    db.session.refresh(application)
    assert application.requested == {"travel": 30_000}


def test_decline_an_offer(client):
    programme = open_programme()
    applicant = make_user()
    application = offered(programme, applicant, respond_by=real_now() + dt.timedelta(days=5))
    login_as(client, applicant)
    response = client.post(f"{app_url(application)}/respond", data={"decline": "1"})
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.state == GrantState.DECLINED
