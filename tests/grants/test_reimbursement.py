"""Receipts, exchange rates, receipt review and payouts: amounts stay integers in minor units,
payable is min(awarded, approved) per category, and paying more needs an audited override."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from sqlalchemy import select

from organizer.enums import GrantState, ReceiptState
from organizer.errors import NotFound, PermissionDenied, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import AuditEntry, GrantApplication, GrantAward
from organizer.services import money
from organizer.services.grants import reimbursement
from organizer.services.reviewing.questions import FileInput
from tests.factories import NOW, make_application, make_event, make_programme, make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SPENT = dt.date(2026, 11, 20)


def pdf(name: str = "receipt.pdf", data: bytes = PDF) -> FileInput:
    return FileInput(stream=io.BytesIO(data), filename=name)


def award(application: GrantApplication, amounts: dict[str, int]) -> GrantAward:
    grant = GrantAward(
        application_id=application.id,
        amounts=amounts,
        total=sum(amounts.values()),
        respond_by=NOW + dt.timedelta(days=14),
        offered_at=NOW,
        responded_at=NOW,
    )
    db.session.add(grant)
    application.state = GrantState.ACCEPTED
    db.session.flush()
    db.session.refresh(application)
    return grant


@pytest.fixture
def setup():
    organizer = make_user()
    event = make_event(organizer=organizer, currency="EUR")
    programme = make_programme(event)
    grantee = make_user()
    application = make_application(programme, grantee, state=GrantState.ACCEPTED)
    award(application, {"travel": 30_000, "lodging": 20_000})
    return organizer, event, programme, grantee, application


def add(application, actor, **overrides):
    values = {
        "file": pdf(),
        "category": "travel",
        "amount": 10_000,
        "currency": "EUR",
        "spent_on": SPENT,
        "description": "Train ticket",
        "now": NOW,
    }
    values.update(overrides)
    return reimbursement.add_receipt(actor=actor, application=application, **values)


def test_receipt_in_the_programmes_currency_is_converted_at_once(setup):
    _, _, _, grantee, application = setup
    receipt = add(application, grantee)
    assert receipt.converted == 10_000
    assert receipt.state == ReceiptState.SUBMITTED
    assert receipt.upload.content_type == "application/pdf"


def test_jpy_receipt_waits_for_a_rate_and_keeps_both_amounts(setup):
    organizer, _, programme, grantee, application = setup
    receipt = add(application, grantee, amount=12_000, currency="JPY")  # ¥12,000
    assert receipt.converted is None
    assert reimbursement.summary(application).needing_rate == 1
    assert [(m.currency, m.on_date) for m in reimbursement.missing_rates(programme)] == [
        ("JPY", SPENT)
    ]
    with pytest.raises(WrongState, match="exchange rate for JPY"):
        reimbursement.review_receipt(
            actor=organizer, receipt=receipt, approve=True, reason="", now=NOW
        )
    converted = reimbursement.set_rate(
        actor=organizer,
        programme=programme,
        currency="JPY",
        on_date=SPENT,
        rate=Decimal("0.0061"),
        now=NOW,
    )
    assert converted == 1
    assert receipt.amount == 12_000 and receipt.currency == "JPY"
    assert receipt.converted == 7_320  # 12000 * 0.0061 = 73.20 EUR
    assert reimbursement.missing_rates(programme) == []
    # A corrected rate re-converts waiting receipts
    reimbursement.set_rate(
        actor=organizer,
        programme=programme,
        currency="JPY",
        on_date=SPENT,
        rate=Decimal("0.0062"),
        now=NOW,
    )
    assert receipt.converted == 7_440


def test_kwd_receipt_converts_with_three_decimals(setup):
    organizer, _, programme, grantee, application = setup
    reimbursement.set_rate(
        actor=organizer,
        programme=programme,
        currency="KWD",
        on_date=SPENT,
        rate=Decimal("2.98765"),
        now=NOW,
    )
    receipt = add(application, grantee, amount=12_345, currency="KWD")  # 12.345 KWD
    assert receipt.converted == 3_688  # 36.8825... EUR, half up to the cent
    assert money.fmt(receipt.amount, "KWD", "en") == "KWD12.345"
    assert money.fmt(receipt.converted, "EUR", "en") == "€36.88"


def test_a_eur_receipt_for_a_jpy_programme():
    organizer = make_user()
    event = make_event(organizer=organizer, currency="JPY")
    programme = make_programme(event)
    grantee = make_user()
    application = make_application(programme, grantee, requested={"travel": 50_000})
    award(application, {"travel": 50_000})
    reimbursement.set_rate(
        actor=organizer,
        programme=programme,
        currency="EUR",
        on_date=SPENT,
        rate=Decimal("163.5"),
        now=NOW,
    )
    receipt = add(application, grantee, amount=12_050, currency="EUR")  # €120.50
    assert receipt.converted == 19_702  # ¥19,701.75 rounded half up
    assert money.fmt(receipt.converted, "JPY", "en") == "¥19,702"


def test_only_the_grantee_of_an_accepted_award_sends_receipts(setup):
    organizer, _, programme, _, application = setup
    with pytest.raises(PermissionDenied):
        add(application, make_user())
    with pytest.raises(PermissionDenied):
        add(application, organizer)
    offered = make_application(programme, state=GrantState.OFFERED)
    award(offered, {"travel": 100})
    offered.state = GrantState.OFFERED
    with pytest.raises(WrongState, match="accepted a grant"):
        add(offered, offered.applicant)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "visa"}, "category"),  # not in the award
        ({"amount": 0}, "amount"),
        ({"currency": "XYZ"}, "currency"),
        ({"spent_on": None}, "spent_on"),
        ({"spent_on": dt.date(2027, 6, 1)}, "spent_on"),
        ({"file": pdf("receipt.pdf", b"GIF89a fake")}, "file"),
        ({"file": pdf("receipt.pdf", b"")}, "file"),
        ({"file": pdf("big.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024))}, "file"),
    ],
)
def test_bad_receipts_are_refused_with_a_message_for_the_field(setup, overrides, field):
    _, _, _, grantee, application = setup
    with pytest.raises(ValidationFailed) as caught:
        add(application, grantee, **overrides)
    assert field in caught.value.errors


def test_a_receipt_that_is_not_what_its_name_says_is_refused(setup):
    _, _, _, grantee, application = setup
    with pytest.raises(ValidationFailed) as caught:
        add(application, grantee, file=pdf("scan.pdf", PNG))
    assert "is a PNG, but its name says PDF" in caught.value.errors["file"]
    receipt = add(application, grantee, file=pdf("scan", PNG))  # no extension: the bytes decide
    assert receipt.upload.content_type == "image/png"
    assert receipt.upload.filename == "scan.png"


def test_approve_and_reject(setup):
    organizer, _, _, grantee, application = setup
    first = add(application, grantee, amount=10_000)
    second = add(application, grantee, amount=5_000, category="lodging")
    with pytest.raises(PermissionDenied):
        reimbursement.review_receipt(actor=grantee, receipt=first, approve=True, reason="", now=NOW)
    with pytest.raises(ValidationFailed) as caught:
        reimbursement.review_receipt(
            actor=organizer, receipt=second, approve=False, reason="  ", now=NOW
        )
    assert "reason" in caught.value.errors
    reimbursement.review_receipt(actor=organizer, receipt=first, approve=True, reason="", now=NOW)
    reimbursement.review_receipt(
        actor=organizer, receipt=second, approve=False, reason="Not legible", now=NOW
    )
    assert first.state == ReceiptState.APPROVED
    assert second.state == ReceiptState.REJECTED and second.reject_reason == "Not legible"
    with pytest.raises(WrongState):
        reimbursement.review_receipt(
            actor=organizer, receipt=first, approve=False, reason="x", now=NOW
        )
    summary = reimbursement.summary(application)
    assert (summary.claimed, summary.approved) == (10_000, 10_000)
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "receipt.approve" in actions and "receipt.reject" in actions


def test_payable_is_the_smaller_of_awarded_and_approved_per_category(setup):
    organizer, _, _, grantee, application = setup
    # travel: awarded 300, approved 350 -> 300; lodging: awarded 200, approved 120 -> 120
    for amount, category in [(20_000, "travel"), (15_000, "travel"), (12_000, "lodging")]:
        receipt = add(application, grantee, amount=amount, category=category)
        reimbursement.review_receipt(
            actor=organizer, receipt=receipt, approve=True, reason="", now=NOW
        )
    waiting = add(application, grantee, amount=7_000, category="lodging")
    summary = reimbursement.summary(application)
    lines = {line.category: line for line in summary.lines}
    assert (lines["travel"].awarded, lines["travel"].approved, lines["travel"].payable) == (
        30_000,
        35_000,
        30_000,
    )
    assert (lines["lodging"].claimed, lines["lodging"].approved, lines["lodging"].payable) == (
        19_000,
        12_000,
        12_000,
    )
    assert lines["travel"].requested == 40_000
    assert summary.payable == 42_000 and summary.awarded == 50_000
    assert summary.waiting == 1
    assert waiting.state == ReceiptState.SUBMITTED


def test_paid_never_exceeds_payable_without_an_audited_override(setup):
    organizer, _, programme, grantee, application = setup
    receipt = add(application, grantee, amount=10_000)
    reimbursement.review_receipt(actor=organizer, receipt=receipt, approve=True, reason="", now=NOW)
    reimbursement.record_payout(
        actor=organizer,
        application=application,
        amount=6_000,
        paid_on=SPENT,
        reference="SEPA 1",
        now=NOW,
    )
    with pytest.raises(ValidationFailed) as caught:
        reimbursement.record_payout(
            actor=organizer,
            application=application,
            amount=4_001,
            paid_on=SPENT,
            reference="SEPA 2",
            now=NOW,
        )
    assert "more than the €100.00 payable" in caught.value.errors["amount"]
    assert reimbursement.summary(application).paid == 6_000
    reimbursement.record_payout(
        actor=organizer,
        application=application,
        amount=4_000,
        paid_on=SPENT,
        reference="SEPA 2",
        now=NOW,
    )
    payout = reimbursement.record_payout(
        actor=organizer,
        application=application,
        amount=2_500,
        paid_on=dt.date(2026, 11, 25),
        reference="Cash at the desk",
        override_reason="Taxi receipt lost; approved by the treasurer",
        now=NOW,
    )
    assert payout.override_reason.startswith("Taxi")
    summary = reimbursement.summary(application)
    assert summary.paid == 12_500 and summary.last_paid_on == dt.date(2026, 11, 25)
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "payout.override")
    ).one()
    assert entry.details["override_reason"] == "Taxi receipt lost; approved by the treasurer"
    assert entry.details["payable"] == 10_000 and entry.details["paid_total"] == 12_500
    totals = reimbursement.programme_totals(programme)
    assert (totals.paid, totals.payable, totals.awarded) == (12_500, 10_000, 50_000)


def test_payouts_are_for_organizers_and_need_positive_amounts(setup):
    organizer, _, _, grantee, application = setup
    with pytest.raises(PermissionDenied):
        reimbursement.record_payout(
            actor=grantee, application=application, amount=1, paid_on=SPENT, reference="", now=NOW
        )
    with pytest.raises(ValidationFailed) as caught:
        reimbursement.record_payout(
            actor=organizer,
            application=application,
            amount=0,
            paid_on=None,
            reference="",
            now=NOW,
        )
    assert set(caught.value.errors) == {"amount", "paid_on"}


def test_set_rate_refuses_bad_input(setup):
    organizer, _, programme, grantee, _ = setup
    with pytest.raises(PermissionDenied):
        reimbursement.set_rate(
            actor=grantee,
            programme=programme,
            currency="JPY",
            on_date=SPENT,
            rate=Decimal(1),
            now=NOW,
        )
    with pytest.raises(ValidationFailed) as caught:
        reimbursement.set_rate(
            actor=organizer,
            programme=programme,
            currency="EUR",
            on_date=None,
            rate=Decimal(0),
            now=NOW,
        )
    assert set(caught.value.errors) == {"currency", "on_date", "rate"}


def test_receipt_for_hides_other_peoples_receipts(setup):
    organizer, event, _, grantee, application = setup
    receipt = add(application, grantee)
    assert reimbursement.receipt_for(event, receipt.public_id, grantee) is receipt
    assert reimbursement.receipt_for(event, receipt.public_id, organizer) is receipt
    with pytest.raises(NotFound):
        reimbursement.receipt_for(event, receipt.public_id, make_user())
    with pytest.raises(NotFound):
        reimbursement.receipt_for(make_event(), receipt.public_id, grantee)
