"""The whole grant loop over HTTP, each person in their own session, mail read from the SMTP
test server: apply → anonymous review → allocate within the budget → offer mail → accept →
upload a receipt → approve → payout."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from organizer.enums import EventRoleName, GrantState, ReceiptState
from organizer.extensions import db
from organizer.models import GrantApplication, GrantCriterion, Payout, Receipt
from tests.factories import grant_role, login_as, make_event, make_programme, make_user

SAMPLE_RECEIPT = Path(__file__).resolve().parents[2] / "fixtures" / "uploads" / "sample-receipt.pdf"


def test_apply_review_allocate_offer_accept_claim_pay(app, client, mailbox):
    # `client` makes app.test_client() build TestClients: one request, one app context.
    now = dt.datetime.now(dt.UTC)
    organizer = make_user(name="Olga Organizer")
    event = make_event(organizer=organizer)
    programme = make_programme(
        event,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=9),
        budget=100_000,  # €1,000.00: enough for one of the two applicants in full
        min_fraction=80,
    )
    reviewer = make_user(name="Greta Grantreviewer")
    grant_role(reviewer, event, EventRoleName.GRANT_REVIEWER)
    ama = make_user(name="Ama Applicant", email="ama@example.org")
    bo = make_user(name="Bo Applicant", email="bo@example.org")
    browsers = {}
    for person in (organizer, reviewer, ama, bo):
        browsers[person.id] = app.test_client()
        login_as(browsers[person.id], person)
    slug, pid = event.slug, programme.public_id

    # 1. Two people apply; each asks for more than half of the budget.
    for person, travel in ((ama, "700"), (bo, "650")):
        response = browsers[person.id].post(
            f"/{slug}/grants/{pid}/apply",
            data={
                "motivation": "I build speech tools for my community.",
                "country": "GH",
                "city": "Accra",
                "need": "cannot_attend",
                "amount-travel": travel,
                "amount-lodging": "100",
                "own_contribution": "0",
                "submit_application": "x",
            },
        )
        assert response.status_code == 302, response.text
    applications = {
        a.applicant_id: a
        for a in db.session.scalars(
            select(GrantApplication).where(GrantApplication.programme_id == programme.id)
        )
    }
    assert {a.state for a in applications.values()} == {GrantState.SUBMITTED}
    assert applications[ama.id].requested == {"travel": 70_000, "lodging": 10_000}

    # 2. The grant reviewer scores both without seeing who they are; Ama higher.
    criteria = list(
        db.session.scalars(
            select(GrantCriterion).where(GrantCriterion.programme_id == programme.id)
        )
    )
    committee = browsers[reviewer.id]
    for person, score, recommended in ((ama, "5", "800"), (bo, "3", "750")):
        url = f"/review/{slug}/grants/applications/{applications[person.id].public_id}"
        page = committee.get(url)
        assert page.status_code == 200
        for secret in (person.display_name, person.email):
            assert secret not in page.text
        data = {f"score-{c.id}": score for c in criteria}
        data |= {"comment": "Strong case.", "recommended_amount": recommended}
        assert committee.post(url, data=data).status_code == 302

    # 3. The organizer runs the allocation: within the budget, Ama is funded.
    admin = browsers[organizer.id]
    allocation = f"/manage/{slug}/grants/{pid}/allocation"
    assert admin.post(allocation, data={"submit": "x"}).status_code in (200, 302)
    page = admin.get(allocation)
    assert page.status_code == 200
    assert admin.get(f"{allocation}/send").status_code == 200  # the confirmation page
    respond_by = now + dt.timedelta(days=14)
    response = admin.post(
        f"{allocation}/send",
        data={
            "respond_date": f"{respond_by:%Y-%m-%d}",
            "respond_time": "23:59",
            "submit": "x",
        },
    )
    assert response.status_code == 302, response.text
    for application in applications.values():
        db.session.refresh(application)
    assert applications[ama.id].state == GrantState.OFFERED
    assert applications[bo.id].state == GrantState.WAITLISTED
    assert applications[ama.id].award.total <= programme.budget
    offer = mailbox.last("ama@example.org")
    assert "grant" in offer["Subject"].lower()
    assert f"/{slug}/grants/mine" in mailbox.text(offer)

    # 4. Ama accepts; a second accept is refused with a clear message.
    grantee = browsers[ama.id]
    respond = f"/{slug}/grants/applications/{applications[ama.id].public_id}/respond"
    assert grantee.post(respond, data={"accept": "x"}).status_code == 302
    again = grantee.post(respond, data={"accept": "x"})
    assert again.status_code == 409
    assert "already accepted" in again.text
    db.session.refresh(applications[ama.id])
    assert applications[ama.id].state == GrantState.ACCEPTED

    # 5. She uploads a receipt for her flight; the organizer approves it and pays.
    receipts = f"/{slug}/grants/applications/{applications[ama.id].public_id}/receipts"
    with SAMPLE_RECEIPT.open("rb") as handle:
        response = grantee.post(
            receipts,
            data={
                "file": (handle, "ticket.pdf"),
                "category": "travel",
                "amount": "640",
                "currency": event.currency,
                "spent_on": f"{now:%Y-%m-%d}",
                "description": "Flight ACC-LIS",
                "submit": "x",
            },
            content_type="multipart/form-data",
        )
    assert response.status_code == 302, response.text
    receipt = db.session.scalar(select(Receipt))
    assert (receipt.amount, receipt.converted, receipt.state) == (
        64_000,
        64_000,
        ReceiptState.SUBMITTED,
    )
    money = f"/manage/{slug}/grants/{pid}/money"
    response = admin.post(f"{money}/receipts/{receipt.public_id}", data={"decision": "approve"})
    assert response.status_code == 302, response.text
    db.session.refresh(receipt)
    assert receipt.state == ReceiptState.APPROVED
    payouts = f"{money}/grantees/{applications[ama.id].public_id}"
    response = admin.post(
        payouts, data={"amount": "640", "paid_on": f"{now:%Y-%m-%d}", "reference": "SEPA 1"}
    )
    assert response.status_code == 302, response.text
    # Paying more than was approved is refused without an override.
    refused = admin.post(payouts, data={"amount": "1", "paid_on": f"{now:%Y-%m-%d}"})
    assert refused.status_code == 400
    assert [p.amount for p in db.session.scalars(select(Payout))] == [64_000]
    summary = grantee.get(receipts)
    assert "640.00" in summary.text
