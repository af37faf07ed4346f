"""The organizers' grant pages: programmes and their set-up, applications, allocation, offers."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from organizer.enums import AllocationStatus, EventRoleName, GrantKind, GrantState
from organizer.extensions import db
from organizer.models import (
    AllocationRun,
    GrantCriterion,
    GrantMessage,
    GrantProgramme,
    GrantQuestion,
    LetterTemplate,
)
from organizer.services.grants import allocation, offers
from tests.factories import (
    grant_role,
    login_as,
    make_application,
    make_event,
    make_programme,
    make_user,
)
from tests.grants.test_offers import score


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@pytest.fixture
def admin(client):
    organizer = make_user(name="Olga Organizer")
    event = make_event(organizer=organizer)
    programme = make_programme(event, budget=100_000, min_fraction=50, name="Travel grants")
    login_as(client, organizer)
    return client, event, programme, organizer


def url(event, programme=None, path=""):
    base = f"/manage/{event.slug}/grants"
    return f"{base}/{programme.public_id}{path}" if programme else base + path


def test_every_page_renders_for_organizers(admin):
    client, event, programme, _organizer = admin
    application = make_application(programme, affiliation="University of Ghana")
    question = GrantQuestion(programme_id=programme.id, text="Why?", kind="text")
    db.session.add(question)
    db.session.flush()
    criterion = db.session.scalars(
        select(GrantCriterion).where(GrantCriterion.programme_id == programme.id)
    ).first()
    pages = [
        url(event),
        url(event, path="/new"),
        url(event, path="/letter"),
        url(event, programme),
        url(event, programme, "/delete"),
        url(event, programme, "/questions"),
        url(event, programme, f"/questions/{question.id}"),
        url(event, programme, f"/questions/{question.id}/delete"),
        url(event, programme, "/criteria"),
        url(event, programme, f"/criteria/{criterion.id}"),
        url(event, programme, f"/criteria/{criterion.id}/delete"),
        url(event, programme, "/applications"),
        url(event, programme, "/applications?state=submitted"),
        url(event, programme, f"/applications/{application.public_id}"),
        url(event, programme, f"/applications/{application.public_id}/reject"),
        url(event, programme, "/allocation"),
        url(event, programme, "/offers"),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
    body = client.get(url(event, programme, f"/applications/{application.public_id}")).text
    assert application.applicant.display_name in body and "University of Ghana" in body


def test_reviewers_applicants_and_other_organizers_get_403(admin):
    client, event, programme, _organizer = admin
    application = make_application(programme)
    pages = [
        url(event),
        url(event, path="/new"),
        url(event, path="/letter"),
        url(event, programme),
        url(event, programme, "/questions"),
        url(event, programme, "/criteria"),
        url(event, programme, "/applications"),
        url(event, programme, f"/applications/{application.public_id}"),
        url(event, programme, "/allocation"),
        url(event, programme, "/allocation/send"),
        url(event, programme, "/offers"),
    ]
    reviewer = make_user()
    grant_role(reviewer, event, EventRoleName.GRANT_REVIEWER)
    elsewhere = make_user()
    make_event(organizer=elsewhere)
    for person in (reviewer, application.applicant, elsewhere):
        login_as(client, person)
        for page in pages:
            assert client.get(page).status_code == 403, (person.email, page)
        assert client.post(url(event, programme, "/allocation")).status_code == 403
        assert client.post(url(event, programme, "/offers/next")).status_code == 403


def test_another_events_programme_or_application_is_404(admin):
    client, event, programme, organizer = admin
    other_event = make_event(organizer=organizer)
    other = make_programme(other_event)
    stranger = make_application(other)
    draft = make_application(programme, state=GrantState.DRAFT)
    assert client.get(url(event, other, "/applications")).status_code == 404
    assert (
        client.get(url(event, programme, f"/applications/{stranger.public_id}")).status_code == 404
    )
    assert client.get(url(event, programme, f"/applications/{draft.public_id}")).status_code == 404


# Programmes and their set-up ---------------------------------------------------------------


def programme_form(**overrides):
    return {
        "name": "Scholarships",
        "kind": "both",
        "description": "Help to come.",
        "eligibility": "Students.",
        "opens_at": "2026-12-01",
        "opens_time": "00:00",
        "closes_at": "2027-01-31",
        "closes_time": "23:59",
        "budget": "2500.50",
        "registration_fee": "150",
        "request_cap": "",
        "min_fraction": "60",
        "cap_travel": "1000",
        "anonymous_review": "y",
        "respond_days": "10",
        **overrides,
    }


def test_create_and_edit_a_programme(admin):
    client, event, _programme, _organizer = admin
    response = client.post(url(event, path="/new"), data=programme_form())
    assert response.status_code == 302
    created = db.session.scalars(
        select(GrantProgramme).where(GrantProgramme.name == "Scholarships")
    ).one()
    assert created.budget == 250_050
    assert created.registration_fee == 15_000
    assert created.request_cap is None
    assert created.category_caps == {"travel": 100_000}
    assert created.kind == GrantKind.BOTH and created.min_fraction == 60
    # In Lisbon's winter time, midnight is 00:00 UTC.
    assert created.opens_at.replace(tzinfo=dt.UTC) == dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    page = client.get(response.location).text
    assert 'value="2500.50"' in page and 'value="1000.00"' in page

    response = client.post(
        url(event, created), data=programme_form(budget="3000", cap_travel="", request_cap="800")
    )
    assert response.status_code == 302
    db.session.refresh(created)
    assert created.budget == 300_000 and created.category_caps == {}
    assert created.request_cap == 80_000


def test_bad_programme_input_stays_in_the_form(admin):
    client, event, _programme, _organizer = admin
    response = client.post(
        url(event, path="/new"), data=programme_form(budget="-5", cap_visa="ten", name="Kept name")
    )
    assert response.status_code == 400
    assert "Enter an amount of zero or more." in response.text
    assert "Enter a number" in response.text
    assert 'value="Kept name"' in response.text
    assert (
        db.session.scalar(select(GrantProgramme).where(GrantProgramme.name == "Kept name")) is None
    )


def test_questions_criteria_and_the_letter(admin):
    client, event, programme, _organizer = admin
    response = client.post(
        url(event, programme, "/questions"),
        data={"text": "Dietary needs?", "kind": "text", "max_file_kb": "5120"},
    )
    assert response.status_code == 302
    first = db.session.scalars(
        select(GrantQuestion).where(GrantQuestion.programme_id == programme.id)
    ).one()
    client.post(
        url(event, programme, "/questions"),
        data={"text": "Anything else?", "kind": "long_text", "max_file_kb": "5120"},
    )
    page = client.get(url(event, programme, "/questions"))
    assert f'action="{url(event, programme, f"/questions/{first.id}/move")}"' in page.text
    response = client.post(
        url(event, programme, f"/questions/{first.id}/move"), data={"direction": "down"}
    )
    assert response.status_code == 302
    texts = [
        q.text
        for q in db.session.scalars(
            select(GrantQuestion)
            .where(GrantQuestion.programme_id == programme.id)
            .order_by(GrantQuestion.position)
        )
    ]
    assert texts == ["Anything else?", "Dietary needs?"]
    first_id = first.id
    assert client.post(url(event, programme, f"/questions/{first_id}/delete")).status_code == 302
    assert db.session.scalar(select(GrantQuestion.id).where(GrantQuestion.id == first_id)) is None

    response = client.post(
        url(event, programme, "/criteria"),
        data={"name": "First time", "weight": "3", "scale_min": "1", "scale_max": "5"},
    )
    assert response.status_code == 302
    assert db.session.scalar(select(GrantCriterion).where(GrantCriterion.name == "First time"))

    response = client.post(
        url(event, path="/letter"),
        data={"body": "Dear consul, {passport_name} is invited.", "signer_name": "Olga"},
    )
    assert response.status_code == 302
    assert db.session.scalar(select(LetterTemplate).where(LetterTemplate.event_id == event.id))
    response = client.post(
        url(event, path="/letter"), data={"body": "Hi {nonsense}", "signer_name": "Olga"}
    )
    assert response.status_code == 400 and "{nonsense}" in response.text


# One application ---------------------------------------------------------------------------


def test_messages_internal_notes_requests_pins_and_rejection(admin, mailbox):
    client, event, programme, _organizer = admin
    application = make_application(programme)
    page = url(event, programme, f"/applications/{application.public_id}")
    applicant = application.applicant.email

    assert client.post(page, data={"body": "Committee only", "note": "y"}).status_code == 302
    assert not mailbox.to(applicant)
    assert client.post(page, data={"body": "Hello there", "send": "y"}).status_code == 302
    assert len(mailbox.to(applicant)) == 1
    assert client.post(page, data={"body": "Your budget?", "ask": "y"}).status_code == 302
    db.session.refresh(application)
    assert application.state == GrantState.INFO_NEEDED
    notes = db.session.scalars(
        select(GrantMessage.internal).where(GrantMessage.application_id == application.id)
    ).all()
    assert sorted(notes) == [False, False, True]
    body = client.get(page).text
    assert "Committee only" in body and "Internal note" in body
    assert client.post(page, data={"body": "", "send": "y"}).status_code == 400

    assert client.post(page + "/pin", data={"pin": "skip"}).status_code == 302
    db.session.refresh(application)
    assert application.pin == "skip"
    assert client.post(page + "/pin", data={"pin": "bogus"}).status_code == 400

    assert client.post(page + "/reject").status_code == 302
    db.session.refresh(application)
    assert application.state == GrantState.REJECTED
    assert "grant" in mailbox.last(applicant)["Subject"].lower()
    response = client.post(page + "/reject")
    assert response.status_code == 409


def test_applications_list_filters_and_constant_queries(admin, assert_constant_queries):
    client, event, programme, _organizer = admin
    waiting = make_application(programme, state=GrantState.WAITLISTED)
    submitted = make_application(programme)
    score(submitted, 4)
    body = client.get(url(event, programme, "/applications?state=waitlisted")).text
    assert waiting.applicant.display_name in body
    assert submitted.applicant.display_name not in body

    def grow():
        for value in (2, 5):
            application = make_application(programme)
            score(application, value)
            application.pin = "fund"
        offered = make_application(programme, state=GrantState.WAITLISTED)
        offers.offer_next(actor=_organizer, programme=programme, now=utcnow(), respond_by=None)
        return offered

    assert_constant_queries([url(event, programme, "/applications")], grow)


# Allocation and offers ---------------------------------------------------------------------


def amounts_field(run, application, category):
    line = next(line for line in run.lines if line.application_id == application.id)
    return f"amount-{line.id}-{category}"


def test_allocate_adjust_and_send_offers(admin, mailbox):
    client, event, programme, _organizer = admin
    best = make_application(programme, requested={"travel": 50_000, "lodging": 20_000})
    good = make_application(programme, requested={"travel": 40_000})
    low = make_application(programme, requested={"travel": 30_000})
    score(best, 5)
    score(good, 4)
    score(low, 1)
    page = url(event, programme, "/allocation")

    assert client.post(page).status_code == 302
    run = allocation.latest_run(programme)
    assert run.status == AllocationStatus.DRAFT
    assert allocation.run_total(run) <= programme.budget
    body = client.get(page).text
    assert "Left" in body and "This proposal" in body and best.applicant.display_name in body

    # More than requested, or more than the budget: refused, nothing saved, the typed
    # amounts stay on the page.
    before = {line.id: dict(line.amounts) for line in run.lines}
    field = amounts_field(run, low, "travel")
    response = client.post(page + "/adjust", data={field: "301"})
    assert response.status_code == 400
    assert 'value="301"' in response.text and "At most what was requested" in response.text
    assert allocation.run_total(run) == programme.budget  # the optimiser spends it all
    short = next(line for line in run.lines if line.total < line.application.requested_total)
    category = next(
        c for c, v in short.application.requested.items() if short.amounts.get(c, 0) < v
    )
    field = amounts_field(run, short.application, category)
    full = str(short.application.requested[category] // 100)
    response = client.post(page + "/adjust", data={field: full})
    assert response.status_code == 400
    assert "over its budget" in response.text
    db.session.expire_all()
    assert {line.id: dict(line.amounts) for line in run.lines} == before

    # Lower the best's lodging and give the freed money to nobody: saved.
    field = amounts_field(run, best, "lodging")
    response = client.post(page + "/adjust", data={field: "100"})
    assert response.status_code == 302
    db.session.expire_all()
    line = next(line for line in run.lines if line.application_id == best.id)
    assert line.amounts.get("lodging") == 10_000 and line.adjusted

    # Send: a confirmation page, then the offers go out by mail.
    confirm = client.get(page + "/send")
    assert confirm.status_code == 200 and "respond_date" in confirm.text
    respond_by = (utcnow() + dt.timedelta(days=10)).date().isoformat()
    response = client.post(
        page + "/send", data={"respond_date": respond_by, "respond_time": "23:59"}
    )
    assert response.status_code == 302
    assert response.location.endswith("/offers")
    db.session.expire_all()
    assert run.status == AllocationStatus.COMMITTED
    offered = [a for a in (best, good, low) if a.state == GrantState.OFFERED]
    assert best in offered
    assert allocation.committed_total(programme) <= programme.budget
    for application in offered:
        mail = mailbox.last(application.applicant.email)
        assert "offer" in mail["Subject"].lower()
        assert respond_by in mailbox.text(mail)
    for application in {best, good, low} - set(offered):
        assert application.state == GrantState.WAITLISTED
        assert "Waiting list" in mailbox.last(application.applicant.email)["Subject"]
    offers_page = client.get(url(event, programme, "/offers")).text
    assert best.applicant.display_name in offers_page
    # A committed run cannot be sent twice.
    assert client.get(page + "/send").status_code == 302


def test_discard_a_draft(admin):
    client, event, programme, _organizer = admin
    make_application(programme)
    page = url(event, programme, "/allocation")
    client.post(page)
    assert client.get(page + "/discard").status_code == 200
    assert client.post(page + "/discard").status_code == 302
    run = db.session.scalars(select(AllocationRun)).one()
    assert run.status == AllocationStatus.DISCARDED


def offer(programme, organizer, application, amount, respond_by):
    from tests.grants.test_offers import make_run

    offers.commit_run(
        actor=organizer,
        run=make_run(programme, [(application, {"travel": amount})]),
        respond_by=respond_by,
        now=utcnow(),
    )


def test_decline_and_expiry_release_money_and_the_waitlist_moves_up(admin, mailbox):
    client, event, programme, organizer = admin
    soon = utcnow() + dt.timedelta(days=1)
    declining = make_application(programme, requested={"travel": 50_000})
    lapsing = make_application(programme, requested={"travel": 50_000})
    offer(programme, organizer, declining, 50_000, soon)
    offer(programme, organizer, lapsing, 50_000, soon)
    first = make_application(programme, requested={"travel": 50_000}, state=GrantState.WAITLISTED)
    second = make_application(programme, requested={"travel": 50_000}, state=GrantState.WAITLISTED)
    score(first, 5)
    score(second, 3)
    page = url(event, programme, "/offers")
    body = client.get(page).text
    assert body.index(first.applicant.display_name) < body.index(second.applicant.display_name)

    # Nothing left: offering the next sends nothing.
    client.post(page + "/next", data={"respond_date": "2027-01-10", "respond_time": "12:00"})
    db.session.expire_all()
    assert first.state == GrantState.WAITLISTED

    offers.respond(actor=declining.applicant, application=declining, accept=False, now=utcnow())
    db.session.commit()
    response = client.post(
        page + "/next", data={"respond_date": "2027-01-10", "respond_time": "12:00"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert first.state == GrantState.OFFERED and second.state == GrantState.WAITLISTED
    assert "offer" in mailbox.last(first.applicant.email)["Subject"].lower()

    lapsing.award.respond_by = utcnow() - dt.timedelta(minutes=1)
    assert client.post(page + "/expire").status_code == 302
    db.session.expire_all()
    assert lapsing.state == GrantState.EXPIRED
    assert allocation.remaining_budget(programme) == 50_000
    client.post(page + "/next", data={"respond_date": "2027-01-10", "respond_time": "12:00"})
    db.session.expire_all()
    assert second.state == GrantState.OFFERED
    assert allocation.committed_total(programme) == 100_000 == programme.budget


def test_offer_next_refuses_a_past_respond_by_date(admin):
    client, event, programme, _organizer = admin
    make_application(programme, state=GrantState.WAITLISTED)
    response = client.post(
        url(event, programme, "/offers/next"),
        data={"respond_date": "2020-01-01", "respond_time": "12:00"},
    )
    assert response.status_code == 400
    assert "must be in the future" in response.text


def test_reminders_are_sent_once(admin, mailbox):
    client, event, programme, organizer = admin
    application = make_application(programme)
    offer(programme, organizer, application, 10_000, utcnow() + dt.timedelta(days=2))
    mailbox.clear()
    page = url(event, programme, "/offers")
    client.post(page + "/remind")
    client.post(page + "/remind")
    reminders = [
        m for m in mailbox.to(application.applicant.email) if m["Subject"].startswith("Action")
    ]
    assert len(reminders) == 1
    assert re.search(r"/grants", mailbox.text(reminders[0]))


def test_allocation_and_offers_pages_run_constant_queries(admin, assert_constant_queries):
    client, event, programme, organizer = admin
    programme.budget = 10_000_000

    def grow():
        for value in (2, 5):
            score(make_application(programme, requested={"travel": 1_000}), value)
        for value in (3, 1):
            waiting = make_application(
                programme, state=GrantState.WAITLISTED, requested={"travel": 1_000}
            )
            score(waiting, value)
        offers.offer_next(
            actor=organizer,
            programme=programme,
            respond_by=utcnow() + dt.timedelta(days=3),
            now=utcnow(),
        )
        db.session.commit()
        assert client.post(url(event, programme, "/allocation")).status_code == 302

    assert_constant_queries(
        [
            url(event, programme, "/allocation"),
            url(event, programme, "/allocation/send"),
            url(event, programme, "/offers"),
        ],
        grow,
    )
