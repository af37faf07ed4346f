"""Money after an accepted offer: receipts, exchange rates, receipt review and payouts.

Per category four amounts are kept apart: requested (the application), awarded (the award),
claimed (receipts not rejected, in the programme's currency) and approved (receipts the
organizers approved); what may be paid is `payable = min(awarded, approved)` per category.
Payouts are per application. Paying more than is payable needs an explicit reason, which the
audit log keeps.

A receipt in another currency keeps its own amount and gets a converted amount once the
organizers have entered a rate for its currency and date (there are no network lookups).
Everything is integer minor units.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
from collections import defaultdict
from collections.abc import Iterable, Sequence

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from organizer import permissions
from organizer.enums import GrantCategory, GrantState, ReceiptState
from organizer.errors import NotFound, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import (
    Event,
    ExchangeRate,
    GrantApplication,
    GrantProgramme,
    Payout,
    Receipt,
    User,
)
from organizer.services import audit, money, uploads
from organizer.services.events import known_currencies
from organizer.services.reviewing import interests
from organizer.services.reviewing.questions import FileInput

RECEIPT_KINDS = ("pdf", "png", "jpeg")
RECEIPT_MAX_KB = 5 * 1024
DESCRIPTION_MAX = 300
REASON_MAX = 500
REFERENCE_MAX = 200
RATE_MAX = decimal.Decimal("9999999999")  # Numeric(18, 8)
CATEGORY_ORDER = [c.value for c in GrantCategory]


def _manage(actor: object, programme: GrantProgramme) -> None:
    permissions.require(permissions.can_manage_grants(actor, programme.event))


def awarded_categories(application: GrantApplication) -> list[str]:
    """The categories the award covers (with money), in the usual order."""
    award = application.award
    if award is None:
        return []
    return [c for c in CATEGORY_ORDER if award.amounts.get(c, 0) > 0]


def currency_choices(programme: GrantProgramme) -> list[str]:
    """The programme's currency first, then every other known ISO 4217 code."""
    return [programme.currency, *sorted(known_currencies() - {programme.currency})]


# Receipts ----------------------------------------------------------------------------------


def add_receipt(
    *,
    actor: User,
    application: GrantApplication,
    file: FileInput | None,
    category: str,
    amount: int,
    currency: str,
    spent_on: dt.date | None,
    description: str,
    now: dt.datetime,
) -> Receipt:
    """A grantee sends a receipt for one category of their accepted award. The file is checked
    by its bytes (PDF, JPEG or PNG, at most 5 MB), whatever its name says."""
    permissions.require(permissions.is_applicant(actor, application))
    if not permissions.accepts_receipts(application):
        raise WrongState(_("You can send receipts once you have accepted a grant."))
    programme = application.programme
    description = (description or "").strip()
    errors: dict[str, str] = {}
    if category not in awarded_categories(application):
        errors["category"] = _("Choose one of the categories of your grant.")
    if amount <= 0:
        errors["amount"] = _("Enter the amount on the receipt, more than zero.")
    if currency not in known_currencies():
        errors["currency"] = _("Choose the currency of the receipt.")
    if spent_on is None:
        errors["spent_on"] = _("Enter the date on the receipt.")
    elif spent_on > now.date() + dt.timedelta(days=1):
        errors["spent_on"] = _("The date on the receipt cannot be in the future.")
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = _("Use at most %(n)s characters.", n=DESCRIPTION_MAX)
    if file is None:
        errors["file"] = _("Choose the file of the receipt (PDF, JPEG or PNG).")
    if errors:
        raise ValidationFailed(errors)
    assert file is not None
    assert spent_on is not None
    upload = uploads.store(
        stream=file.stream,
        filename=file.filename,
        field="file",
        allowed=RECEIPT_KINDS,
        max_kb=RECEIPT_MAX_KB,
        owner=actor,
        event=programme.event,
        now=now,
    )
    receipt = Receipt(
        application_id=application.id,
        upload_id=upload.id,
        category=category,
        description=description,
        spent_on=spent_on,
        amount=amount,
        currency=currency,
        created_at=now,
    )
    receipt.application = application
    receipt.upload = upload
    _convert(receipt, programme, _rate_on(programme, currency, spent_on))
    db.session.add(receipt)
    db.session.flush()
    audit.record(
        action="receipt.submit",
        actor=actor,
        now=now,
        object_type="receipt",
        object_id=receipt.public_id,
        event=programme.event,
        details={
            "application": application.public_id,
            "category": category,
            "amount": amount,
            "currency": currency,
            "converted": receipt.converted,
        },
    )
    return receipt


def _rate_on(programme: GrantProgramme, currency: str, on_date: dt.date) -> ExchangeRate | None:
    if currency == programme.currency:
        return None
    return db.session.scalar(
        select(ExchangeRate).where(
            ExchangeRate.programme_id == programme.id,
            ExchangeRate.currency == currency,
            ExchangeRate.on_date == on_date,
        )
    )


def _convert(receipt: Receipt, programme: GrantProgramme, rate: ExchangeRate | None) -> None:
    if receipt.currency == programme.currency:
        receipt.converted, receipt.rate = receipt.amount, None
    elif rate is None:
        receipt.converted, receipt.rate = None, None
    else:
        receipt.rate = rate.rate
        receipt.converted = money.convert(
            receipt.amount,
            rate=decimal.Decimal(rate.rate),
            source=receipt.currency,
            target=programme.currency,
        )


def receipts_of(application: GrantApplication) -> list[Receipt]:
    """An application's receipts, newest first (for the grantee's page and the organizers')."""
    return list(
        db.session.scalars(
            select(Receipt)
            .where(Receipt.application_id == application.id)
            .options(selectinload(Receipt.upload))
            .order_by(Receipt.created_at.desc(), Receipt.id.desc())
        )
    )


def receipt_for(event: Event, public_id: str, user: object) -> Receipt:
    """A receipt of the event that `user` may read; NotFound otherwise (also for guessed ids)."""
    receipt = db.session.scalar(
        select(Receipt)
        .join(GrantApplication, GrantApplication.id == Receipt.application_id)
        .join(GrantProgramme, GrantProgramme.id == GrantApplication.programme_id)
        .where(Receipt.public_id == public_id, GrantProgramme.event_id == event.id)
        .options(selectinload(Receipt.upload))
    )
    if receipt is None or not permissions.can_download_receipt(user, receipt):
        raise NotFound()
    return receipt


def receipt_in_programme(programme: GrantProgramme, public_id: str) -> Receipt:
    receipt = db.session.scalar(
        select(Receipt)
        .join(GrantApplication, GrantApplication.id == Receipt.application_id)
        .where(Receipt.public_id == public_id, GrantApplication.programme_id == programme.id)
        .options(
            selectinload(Receipt.upload),
            selectinload(Receipt.application).selectinload(GrantApplication.applicant),
        )
    )
    if receipt is None:
        raise NotFound()
    return receipt


def waiting_receipts(programme: GrantProgramme) -> list[Receipt]:
    """Receipts not yet reviewed, oldest first; those without a rate can only be rejected."""
    return list(
        db.session.scalars(
            select(Receipt)
            .join(GrantApplication, GrantApplication.id == Receipt.application_id)
            .where(
                GrantApplication.programme_id == programme.id,
                Receipt.state == ReceiptState.SUBMITTED,
            )
            .options(
                selectinload(Receipt.upload),
                selectinload(Receipt.application).selectinload(GrantApplication.applicant),
            )
            .order_by(Receipt.created_at, Receipt.id)
        )
    )


def review_receipt(
    *, actor: User, receipt: Receipt, approve: bool, reason: str, now: dt.datetime
) -> None:
    """Organizers approve a receipt (once its amount is in the programme's currency) or reject
    it with a reason the grantee reads. Never on one's own application's receipts."""
    programme = receipt.application.programme
    _manage(actor, programme)
    interests.refuse_own_application(actor, receipt.application)
    if not permissions.receipt_awaits_review(receipt):
        raise WrongState(_("This receipt has already been reviewed."))
    reason = (reason or "").strip()
    if approve:
        if receipt.converted is None:
            raise WrongState(
                _(
                    "Enter the exchange rate for %(currency)s on %(date)s before approving "
                    "this receipt.",
                    currency=receipt.currency,
                    date=receipt.spent_on.isoformat(),
                )
            )
        receipt.state = ReceiptState.APPROVED
        receipt.reject_reason = ""
    else:
        if not reason:
            raise ValidationFailed(
                {"reason": _("Say why the receipt is rejected: the grantee reads it.")}
            )
        if len(reason) > REASON_MAX:
            raise ValidationFailed({"reason": _("Use at most %(n)s characters.", n=REASON_MAX)})
        receipt.state = ReceiptState.REJECTED
        receipt.reject_reason = reason
    receipt.reviewed_by_id = actor.id
    receipt.reviewed_at = now
    db.session.flush()
    audit.record(
        action="receipt.approve" if approve else "receipt.reject",
        actor=actor,
        now=now,
        object_type="receipt",
        object_id=receipt.public_id,
        event=programme.event,
        details={
            "application": receipt.application.public_id,
            "category": receipt.category,
            "converted": receipt.converted,
            **({} if approve else {"reason": reason}),
        },
    )


# Exchange rates ----------------------------------------------------------------------------


def rates(programme: GrantProgramme) -> list[ExchangeRate]:
    return list(
        db.session.scalars(
            select(ExchangeRate)
            .where(ExchangeRate.programme_id == programme.id)
            .order_by(ExchangeRate.on_date.desc(), ExchangeRate.currency)
        )
    )


@dataclasses.dataclass(frozen=True)
class MissingRate:
    currency: str
    on_date: dt.date
    receipts: int


def missing_rates(programme: GrantProgramme) -> list[MissingRate]:
    """Currency and date pairs that waiting receipts need a rate for."""
    counts: dict[tuple[str, dt.date], int] = defaultdict(int)
    for receipt in db.session.scalars(
        select(Receipt)
        .join(GrantApplication, GrantApplication.id == Receipt.application_id)
        .where(
            GrantApplication.programme_id == programme.id,
            Receipt.state == ReceiptState.SUBMITTED,
            Receipt.converted.is_(None),
        )
    ):
        counts[(receipt.currency, receipt.spent_on)] += 1
    return [MissingRate(c, d, n) for (c, d), n in sorted(counts.items())]


def set_rate(
    *,
    actor: User,
    programme: GrantProgramme,
    currency: str,
    on_date: dt.date | None,
    rate: decimal.Decimal | None,
    now: dt.datetime,
) -> int:
    """Enter (or correct) what one unit of `currency` was worth in the programme's currency on
    a day, and convert every waiting receipt of that currency and day. Returns how many."""
    _manage(actor, programme)
    currency = (currency or "").strip().upper()
    errors: dict[str, str] = {}
    if currency not in known_currencies():
        errors["currency"] = _("Choose a currency.")
    elif currency == programme.currency:
        errors["currency"] = _(
            "Receipts in %(currency)s need no rate: it is the programme's currency.",
            currency=currency,
        )
    if on_date is None:
        errors["on_date"] = _("Enter the date of the rate.")
    if rate is None or not rate.is_finite() or rate <= 0 or rate >= RATE_MAX:
        errors["rate"] = _("Enter a rate above zero, e.g. 0.0061.")
    elif -rate.as_tuple().exponent > 8:  # type: ignore[operator]
        errors["rate"] = _("Use at most 8 decimal places.")
    if errors:
        raise ValidationFailed(errors)
    assert on_date is not None
    assert rate is not None
    existing = _rate_on(programme, currency, on_date)
    before = str(existing.rate) if existing is not None else None
    if existing is None:
        existing = ExchangeRate(
            programme_id=programme.id,
            currency=currency,
            on_date=on_date,
            rate=rate,
            created_at=now,
        )
        db.session.add(existing)
    else:
        existing.rate = rate
    db.session.flush()
    waiting = db.session.scalars(
        select(Receipt)
        .join(GrantApplication, GrantApplication.id == Receipt.application_id)
        .where(
            GrantApplication.programme_id == programme.id,
            Receipt.state == ReceiptState.SUBMITTED,
            Receipt.currency == currency,
            Receipt.spent_on == on_date,
        )
    ).all()
    for receipt in waiting:
        _convert(receipt, programme, existing)
    db.session.flush()
    audit.record(
        action="exchange_rate.set",
        actor=actor,
        now=now,
        object_type="grant_programme",
        object_id=programme.public_id,
        event=programme.event,
        details={
            "currency": currency,
            "on_date": on_date.isoformat(),
            "rate": [before, str(rate)],
            "receipts_converted": len(waiting),
        },
    )
    return len(waiting)


# Summaries ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CategoryLine:
    category: str
    requested: int
    awarded: int
    claimed: int  # receipts not rejected, converted to the programme's currency
    approved: int
    payable: int  # min(awarded, approved)


@dataclasses.dataclass(frozen=True)
class Summary:
    currency: str
    lines: list[CategoryLine]
    requested: int
    awarded: int
    claimed: int
    approved: int
    payable: int
    paid: int
    last_paid_on: dt.date | None
    waiting: int  # receipts not yet reviewed
    needing_rate: int  # of those, receipts in another currency without a rate yet

    @property
    def left_to_pay(self) -> int:
        return max(self.payable - self.paid, 0)


def _summarise(
    application: GrantApplication, receipts: Sequence[Receipt], payouts: Sequence[Payout]
) -> Summary:
    award = application.award
    awarded = award.amounts if award is not None else {}
    claimed: dict[str, int] = defaultdict(int)
    approved: dict[str, int] = defaultdict(int)
    waiting = needing_rate = 0
    for receipt in receipts:
        if receipt.state == ReceiptState.SUBMITTED:
            waiting += 1
            needing_rate += receipt.converted is None
        if receipt.state == ReceiptState.REJECTED or receipt.converted is None:
            continue
        claimed[receipt.category] += receipt.converted
        if receipt.state == ReceiptState.APPROVED:
            approved[receipt.category] += receipt.converted
    used = set(application.requested) | set(awarded) | set(claimed)
    lines = []
    for category in [c for c in CATEGORY_ORDER if c in used]:
        award_c = awarded.get(category, 0)
        lines.append(
            CategoryLine(
                category=category,
                requested=application.requested.get(category, 0),
                awarded=award_c,
                claimed=claimed[category],
                approved=approved[category],
                payable=min(award_c, approved[category]),
            )
        )
    return Summary(
        currency=application.programme.currency,
        lines=lines,
        requested=sum(line.requested for line in lines),
        awarded=sum(line.awarded for line in lines),
        claimed=sum(line.claimed for line in lines),
        approved=sum(line.approved for line in lines),
        payable=sum(line.payable for line in lines),
        paid=sum(p.amount for p in payouts),
        last_paid_on=max((p.paid_on for p in payouts), default=None),
        waiting=waiting,
        needing_rate=needing_rate,
    )


def summaries(applications: Iterable[GrantApplication]) -> dict[int, Summary]:
    """Summaries of many applications in two queries, by application id."""
    applications = list(applications)
    ids = [a.id for a in applications]
    receipts: dict[int, list[Receipt]] = defaultdict(list)
    payouts: dict[int, list[Payout]] = defaultdict(list)
    if ids:
        for receipt in db.session.scalars(select(Receipt).where(Receipt.application_id.in_(ids))):
            receipts[receipt.application_id].append(receipt)
        for payout in db.session.scalars(select(Payout).where(Payout.application_id.in_(ids))):
            payouts[payout.application_id].append(payout)
    return {a.id: _summarise(a, receipts[a.id], payouts[a.id]) for a in applications}


def summary(application: GrantApplication) -> Summary:
    return summaries([application])[application.id]


def payouts_of(application: GrantApplication) -> list[Payout]:
    return list(
        db.session.scalars(
            select(Payout)
            .where(Payout.application_id == application.id)
            .order_by(Payout.paid_on.desc(), Payout.id.desc())
        )
    )


@dataclasses.dataclass(frozen=True)
class GranteeRow:
    application: GrantApplication
    summary: Summary


@dataclasses.dataclass(frozen=True)
class ProgrammeTotals:
    currency: str
    budget: int
    rows: list[GranteeRow]  # by the grantee's name
    awarded: int
    claimed: int
    approved: int
    payable: int
    paid: int
    waiting: int
    needing_rate: int


def grantees(programme: GrantProgramme) -> list[GrantApplication]:
    """Applications with an accepted award, or with money already paid or claimed."""
    with_money = select(Payout.application_id).union(select(Receipt.application_id))
    return list(
        db.session.scalars(
            select(GrantApplication)
            .where(
                GrantApplication.programme_id == programme.id,
                (GrantApplication.state == GrantState.ACCEPTED)
                | GrantApplication.id.in_(with_money),
            )
            .options(
                selectinload(GrantApplication.applicant),
                selectinload(GrantApplication.award),
                selectinload(GrantApplication.programme),
            )
            .order_by(GrantApplication.id)
        )
    )


def programme_totals(programme: GrantProgramme) -> ProgrammeTotals:
    """Every grantee's amounts and the programme's totals, in a constant number of queries."""
    applications = grantees(programme)
    by_id = summaries(applications)
    rows = sorted(
        (GranteeRow(a, by_id[a.id]) for a in applications),
        key=lambda row: row.application.applicant.display_name.casefold(),
    )
    return ProgrammeTotals(
        currency=programme.currency,
        budget=programme.budget,
        rows=rows,
        awarded=sum(r.summary.awarded for r in rows),
        claimed=sum(r.summary.claimed for r in rows),
        approved=sum(r.summary.approved for r in rows),
        payable=sum(r.summary.payable for r in rows),
        paid=sum(r.summary.paid for r in rows),
        waiting=sum(r.summary.waiting for r in rows),
        needing_rate=sum(r.summary.needing_rate for r in rows),
    )


def grantee_in_programme(programme: GrantProgramme, public_id: str) -> GrantApplication:
    application = db.session.scalar(
        select(GrantApplication)
        .where(
            GrantApplication.programme_id == programme.id,
            GrantApplication.public_id == public_id,
        )
        .options(selectinload(GrantApplication.applicant), selectinload(GrantApplication.award))
    )
    if application is None:
        raise NotFound()
    return application


# Payouts -----------------------------------------------------------------------------------


def record_payout(
    *,
    actor: User,
    application: GrantApplication,
    amount: int,
    paid_on: dt.date | None,
    reference: str,
    override_reason: str = "",
    now: dt.datetime,
) -> Payout:
    """Organizers record money paid to a grantee. The total paid may not exceed what is
    payable (approved receipts, up to the award per category) unless `override_reason` says
    why; such an override is written to the audit log with its reason. Nobody records a
    payout to their own application."""
    programme = application.programme
    _manage(actor, programme)
    interests.refuse_own_application(actor, application)
    if application.award is None:
        raise WrongState(_("This application has no award to pay."))
    reference = (reference or "").strip()
    override_reason = (override_reason or "").strip()
    errors: dict[str, str] = {}
    if amount <= 0:
        errors["amount"] = _("Enter the amount paid, more than zero.")
    if paid_on is None:
        errors["paid_on"] = _("Enter the date of the payment.")
    if len(reference) > REFERENCE_MAX:
        errors["reference"] = _("Use at most %(n)s characters.", n=REFERENCE_MAX)
    if len(override_reason) > REASON_MAX:
        errors["override_reason"] = _("Use at most %(n)s characters.", n=REASON_MAX)
    if errors:
        raise ValidationFailed(errors)
    assert paid_on is not None
    current = summary(application)
    total = current.paid + amount
    over = total > current.payable
    if over and not override_reason:
        raise ValidationFailed(
            {
                "amount": _(
                    "This would make %(total)s paid in total, more than the %(payable)s payable "
                    "(approved receipts, up to the award in each category). Lower the amount, "
                    "or pay more on purpose: tick the override and say why.",
                    total=money.fmt(total, programme.currency),
                    payable=money.fmt(current.payable, programme.currency),
                )
            }
        )
    payout = Payout(
        application_id=application.id,
        amount=amount,
        paid_on=paid_on,
        reference=reference,
        override_reason=override_reason if over else "",
        recorded_by_id=actor.id,
        created_at=now,
    )
    db.session.add(payout)
    db.session.flush()
    audit.record(
        action="payout.override" if over else "payout.record",
        actor=actor,
        now=now,
        object_type="grant_application",
        object_id=application.public_id,
        event=programme.event,
        details={
            "amount": amount,
            "currency": programme.currency,
            "paid_on": paid_on.isoformat(),
            "reference": reference,
            "paid_total": total,
            "payable": current.payable,
            **({"override_reason": override_reason} if over else {}),
        },
    )
    return payout
