"""The money pages: receipts only for the grantee and organizers (also by guessed ids and file
URLs), files as attachments with nosniff, rates, review, payouts with an override, the CSV and
the visa letter."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import select

from organizer.enums import EventRoleName, GrantState, ReceiptState
from organizer.extensions import db
from organizer.models import AuditEntry, LetterTemplate, Payout, Receipt
from organizer.services.grants import reimbursement
from organizer.services.reviewing.questions import FileInput
from tests.factories import (
    NOW,
    grant_role,
    login_as,
    make_application,
    make_event,
    make_programme,
    make_user,
)
from tests.grants.test_reimbursement import PDF, PNG, SPENT, award


@pytest.fixture
def world():
    organizer = make_user()
    event = make_event(organizer=organizer)
    programme = make_programme(event)
    grantee = make_user(name="Ama Grantee")
    application = make_application(
        programme, grantee, motivation='=HYPERLINK("http://evil")', state=GrantState.ACCEPTED
    )
    award(application, {"travel": 30_000, "lodging": 20_000})
    other = make_application(programme, state=GrantState.ACCEPTED)
    award(other, {"travel": 10_000})
    return {
        "organizer": organizer,
        "event": event,
        "programme": programme,
        "grantee": grantee,
        "application": application,
        "other": other,
    }


def receipts_url(w, application=None):
    application = application or w["application"]
    return f"/{w['event'].slug}/grants/applications/{application.public_id}/receipts"


def money_url(w, rest=""):
    return f"/manage/{w['event'].slug}/grants/{w['programme'].public_id}/money{rest}"


def post_receipt(client, w, data=PDF, name="ticket.pdf", **fields):
    form = {
        "category": "travel",
        "amount": "120.50",
        "currency": "EUR",
        "spent_on": SPENT.isoformat(),
        "description": "Train",
        "file": (io.BytesIO(data), name),
        **fields,
    }
    return client.post(receipts_url(w), data=form, content_type="multipart/form-data")


def a_receipt(w, amount=10_000, currency="EUR", data=PDF, name="r.pdf"):
    return reimbursement.add_receipt(
        actor=w["grantee"],
        application=w["application"],
        file=FileInput(io.BytesIO(data), name),
        category="travel",
        amount=amount,
        currency=currency,
        spent_on=SPENT,
        description="",
        now=NOW,
    )


def test_the_grantee_sends_a_receipt_and_sees_it(client, world):
    login_as(client, world["grantee"])
    page = client.get(receipts_url(world))
    assert page.status_code == 200
    assert "Send a receipt" in page.text
    response = post_receipt(client, world)
    assert response.status_code == 302
    receipt = db.session.scalars(select(Receipt)).one()
    assert (receipt.amount, receipt.currency, receipt.converted) == (12_050, "EUR", 12_050)
    page = client.get(receipts_url(world))
    assert "ticket.pdf" in page.text and "waiting for review" in page.text
    assert "€120.50" in page.text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"amount": "-5"}, "zero or more"),
        ({"amount": "abc"}, "Enter a number"),
        ({"amount": ""}, "more than zero"),
        ({"currency": "JPY", "amount": "10.5"}, "no decimals"),
        ({"category": "visa"}, "categories of your grant"),
        ({"data": b"GIF89a not a pdf"}, "not an accepted type"),
        ({"spent_on": "yesterday"}, "YYYY-MM-DD"),
    ],
)
def test_bad_receipts_get_a_message_and_keep_the_input(client, world, fields, message):
    login_as(client, world["grantee"])
    data = fields.pop("data", PDF)
    response = post_receipt(client, world, data=data, **fields)
    assert response.status_code == 400
    assert message in response.text
    assert 'value="Train"' in response.text
    assert db.session.scalars(select(Receipt)).all() == []


def test_a_png_named_pdf_is_refused_and_a_png_served_as_png(client, world):
    login_as(client, world["grantee"])
    refused = post_receipt(client, world, data=PNG, name="scan.pdf")
    assert refused.status_code == 400
    assert "its name says PDF" in refused.text
    assert post_receipt(client, world, data=PNG, name="scan.png").status_code == 302
    receipt = db.session.scalars(select(Receipt)).one()
    response = client.get(f"/{world['event'].slug}/grants/receipts/{receipt.public_id}/file")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "scan.png" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox"
    assert "no-store" in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]
    response.close()


def test_receipts_only_for_the_grantee_and_organizers(client, world):
    receipt = a_receipt(world)
    file_url = f"/{world['event'].slug}/grants/receipts/{receipt.public_id}/file"
    # Another grantee of the same programme: 404 on the page and the file
    login_as(client, world["other"].applicant)
    assert client.get(receipts_url(world)).status_code == 404
    assert client.get(file_url).status_code == 404
    assert client.get(receipts_url(world, world["other"])).status_code == 200
    # A grant reviewer is not an organizer
    reviewer = make_user()
    grant_role(reviewer, world["event"], EventRoleName.GRANT_REVIEWER)
    login_as(client, reviewer)
    assert client.get(file_url).status_code == 404
    assert client.get(money_url(world)).status_code == 403
    # Guessed ids
    login_as(client, world["grantee"])
    assert client.get(f"/{world['event'].slug}/grants/receipts/nope/file").status_code == 404
    assert (
        client.get(f"/{world['event'].slug}/grants/applications/nope/receipts").status_code == 404
    )
    # The file under another event's address
    assert (
        client.get(f"/{make_event().slug}/grants/receipts/{receipt.public_id}/file").status_code
        == 404
    )
    # The organizers may read it
    login_as(client, world["organizer"])
    response = client.get(file_url)
    response.close()
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")


def test_organizers_review_receipts_and_enter_rates(client, world):
    jpy = a_receipt(world, amount=12_000, currency="JPY")
    login_as(client, world["organizer"])
    overview = client.get(money_url(world))
    assert overview.status_code == 200
    assert "Ama Grantee" in overview.text and "rate needed" in overview.text
    review_url = money_url(world, f"/receipts/{jpy.public_id}")
    page = client.get(review_url)
    assert "Rate needed" in page.text
    response = client.post(review_url, data={"decision": "approve"})
    assert response.status_code == 409
    assert "exchange rate for JPY" in response.text
    response = client.post(
        money_url(world, "/rates"),
        data={"currency": "JPY", "on_date": SPENT.isoformat(), "rate": "0,0061"},
    )
    assert response.status_code == 302
    assert db.session.get(Receipt, jpy.id).converted == 7_320
    response = client.post(money_url(world, "/rates"), data={"currency": "JPY", "rate": "x"})
    assert response.status_code == 400 and "as a number" in response.text
    response = client.post(review_url, data={"decision": "reject", "reason": ""})
    assert response.status_code == 400 and "Say why" in response.text
    assert client.post(review_url, data={"decision": "approve"}).status_code == 302
    assert db.session.get(Receipt, jpy.id).state == ReceiptState.APPROVED
    waiting = client.get(money_url(world, "/receipts"))
    assert "No receipt is waiting" in waiting.text


def test_payouts_need_an_override_beyond_payable(client, world):
    receipt = a_receipt(world, amount=10_000)
    reimbursement.review_receipt(
        actor=world["organizer"], receipt=receipt, approve=True, reason="", now=NOW
    )
    login_as(client, world["organizer"])
    url = money_url(world, f"/grantees/{world['application'].public_id}")
    page = client.get(url)
    assert page.status_code == 200 and "Override" in page.text
    data = {"amount": "150", "paid_on": "2026-11-25", "reference": "SEPA"}
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert "more than the €100.00 payable" in response.text
    response = client.post(url, data={**data, "override": "y"})
    assert response.status_code == 400 and "Say why" in response.text
    assert db.session.scalars(select(Payout)).all() == []
    response = client.post(url, data={**data, "override": "y", "override_reason": "Lost taxi"})
    assert response.status_code == 302
    payout = db.session.scalars(select(Payout)).one()
    assert payout.amount == 15_000 and payout.override_reason == "Lost taxi"
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "payout.override")
    ).one()
    assert entry.details["override_reason"] == "Lost taxi"
    # The grantee sees what was paid
    login_as(client, world["grantee"])
    assert "€150.00" in client.get(receipts_url(world)).text


def test_overview_queries_do_not_grow_with_grantees(client, world, assert_constant_queries):
    login_as(client, world["organizer"])

    def grow():
        for _ in range(3):
            application = make_application(world["programme"], state=GrantState.ACCEPTED)
            award(application, {"travel": 5_000})
            reimbursement.add_receipt(
                actor=application.applicant,
                application=application,
                file=FileInput(io.BytesIO(PDF), "a.pdf"),
                category="travel",
                amount=1_000,
                currency="EUR",
                spent_on=SPENT,
                description="",
                now=NOW,
            )

    assert_constant_queries([money_url(world), money_url(world, "/receipts")], grow)


def test_csv_has_no_motivation_unless_asked_and_guards_formulas(client, world):
    receipt = a_receipt(world, amount=10_000)
    reimbursement.review_receipt(
        actor=world["organizer"], receipt=receipt, approve=True, reason="", now=NOW
    )
    reimbursement.record_payout(
        actor=world["organizer"],
        application=world["application"],
        amount=5_000,
        paid_on=dt.date(2026, 12, 1),
        reference="",
        now=NOW,
    )
    world["grantee"].display_name = "=cmd|' /C calc'!A0"
    login_as(client, world["organizer"])
    response = client.get(money_url(world, "/export.csv"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.text)))
    header, *lines = rows
    assert len(lines) == 2
    assert "Motivation and need" not in header
    assert "HYPERLINK" not in response.text
    mine = next(r for r in lines if r[0] == world["application"].public_id)
    row = dict(zip(header, mine, strict=True))
    assert row["Name"] == "'=cmd|' /C calc'!A0"
    assert row["Awarded: travel"] == "300.00" and row["Awarded total"] == "500.00"
    assert row["Approved claims"] == "100.00" and row["Paid"] == "50.00"
    assert row["Last payout"] == "2026-12-01" and row["Currency"] == "EUR"
    for column in header:
        assert column.lower() not in {"country", "need", "gender", "city"}
    with_need = client.get(money_url(world, "/export.csv?include_need=1")).text
    assert "Motivation and need" in with_need
    assert "'=HYPERLINK" in with_need


def test_the_visa_letter_page(client, world):
    db.session.add(
        LetterTemplate(
            event_id=world["event"].id,
            body="We invite {passport_name} to {event}.",
            signer_name="Chair",
            updated_at=NOW,
        )
    )
    url = f"/{world['event'].slug}/grants/letter"
    login_as(client, make_user())
    response = client.get(url)
    assert response.status_code == 403 and "Invitation letters are for" in response.text
    assert client.post(url, data={"passport_name": "X"}).status_code == 403
    login_as(client, world["grantee"])
    assert client.get(url).status_code == 200
    response = client.post(url, data={"passport_name": ""})
    assert response.status_code == 400 and "exactly as it is written" in response.text
    response = client.post(url, data={"passport_name": "Ama <b>Mensah</b>"})
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert response.headers["Content-Disposition"].startswith("attachment")
