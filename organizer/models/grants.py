"""Scholarships and travel grants: programmes, applications, committee review, allocation,
awards, receipts and payouts. Money is always an integer in minor units of the programme's
ISO 4217 currency (a receipt keeps its own currency beside the converted amount)."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from organizer.enums import (
    AllocationStatus,
    GrantKind,
    GrantState,
    NeedLevel,
    ReceiptState,
)
from organizer.models.base import Base, PublicId, new_public_id, str_enum
from organizer.models.reviewing import (
    AnswerColumns,
    CriterionColumns,
    DeclaredInterestColumns,
    QuestionColumns,
    ReviewColumns,
    ScoreColumns,
    criterion_checks,
)

if TYPE_CHECKING:
    from organizer.models.accounts import User
    from organizer.models.cfp import Proposal, Upload
    from organizer.models.events import Event


class GrantProgramme(Base):
    __tablename__ = "grant_programme"
    __table_args__ = (
        UniqueConstraint("event_id", "name"),
        CheckConstraint("closes_at > opens_at", name="closes_after_open"),
        CheckConstraint("budget >= 0", name="budget_not_negative"),
        CheckConstraint("min_fraction between 1 and 100", name="min_fraction"),
        CheckConstraint("length(currency) = 3", name="currency_iso4217"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId, unique=True, default=new_public_id)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(150))
    kind: Mapped[GrantKind] = mapped_column(str_enum(GrantKind, "grant_kind"))
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown
    eligibility: Mapped[str] = mapped_column(Text, default="")  # Markdown
    opens_at: Mapped[dt.datetime]
    closes_at: Mapped[dt.datetime]
    currency: Mapped[str] = mapped_column(String(3))  # the event's, when the programme is made
    budget: Mapped[int]  # minor units
    registration_fee: Mapped[int] = mapped_column(default=0)  # what a waiver costs the budget
    request_cap: Mapped[int | None]  # the most one application may ask for, minor units
    # Awards may be partial, down to this percentage of what was asked for.
    min_fraction: Mapped[int] = mapped_column(default=50)
    # Optional caps on the total awarded per category: {"travel": 500000, ...}.
    category_caps: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    anonymous_review: Mapped[bool] = mapped_column(default=True)
    respond_days: Mapped[int] = mapped_column(default=14)  # offers are answered within
    # Whether the event's team may apply; the programme's pages say so
    # (services/reviewing/interests.py).
    team_may_apply: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]

    event: Mapped[Event] = relationship()

    def is_open(self, now: dt.datetime) -> bool:
        return self.opens_at <= now < self.closes_at


class GrantQuestion(QuestionColumns, Base):
    """A programme's own question, answered once per application (as in the call for talks)."""

    __tablename__ = "grant_question"

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("grant_programme.id", ondelete="CASCADE"), index=True
    )


class GrantCriterion(CriterionColumns, Base):
    __tablename__ = "grant_criterion"
    __table_args__ = (UniqueConstraint("programme_id", "name"), *criterion_checks())

    programme_id: Mapped[int] = mapped_column(
        ForeignKey("grant_programme.id", ondelete="CASCADE"), index=True
    )


class GrantApplication(Base):
    __tablename__ = "grant_application"
    __table_args__ = (
        UniqueConstraint("programme_id", "applicant_id"),  # one application per programme
        CheckConstraint("requested_total >= 0", name="requested_not_negative"),
        CheckConstraint("own_contribution >= 0", name="contribution_not_negative"),
        CheckConstraint("pin is null or pin in ('fund', 'skip')", name="pin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId, unique=True, default=new_public_id)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("grant_programme.id", ondelete="CASCADE"), index=True
    )
    applicant_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    state: Mapped[GrantState] = mapped_column(
        str_enum(GrantState, "grant_state"), default=GrantState.DRAFT, index=True
    )
    motivation: Mapped[str] = mapped_column(Text, default="")
    role: Mapped[str] = mapped_column(String(200), default="")  # current role, optional
    affiliation: Mapped[str] = mapped_column(String(200), default="")  # optional
    presenting: Mapped[bool] = mapped_column(default=False)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id", ondelete="SET NULL"))
    country: Mapped[str] = mapped_column(String(2), default="")  # ISO 3166-1 alpha-2
    city: Mapped[str] = mapped_column(String(100), default="")
    need: Mapped[NeedLevel | None] = mapped_column(str_enum(NeedLevel, "need_level"))
    # Minor units per GrantCategory value, e.g. {"travel": 45000, "lodging": 30000}.
    requested: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    requested_total: Mapped[int] = mapped_column(default=0)
    own_contribution: Mapped[int] = mapped_column(default=0)
    other_funding: Mapped[str] = mapped_column(Text, default="")
    pin: Mapped[str | None] = mapped_column(String(4))  # organizers: must fund / must not fund
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime]
    submitted_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime]

    programme: Mapped[GrantProgramme] = relationship()
    applicant: Mapped[User] = relationship()
    proposal: Mapped[Proposal | None] = relationship()
    answers: Mapped[list[GrantAnswer]] = relationship(
        back_populates="application", cascade="all, delete-orphan"
    )
    award: Mapped[GrantAward | None] = relationship(
        back_populates="application", cascade="all, delete-orphan", uselist=False
    )


class GrantAnswer(AnswerColumns, Base):
    __tablename__ = "grant_answer"
    __table_args__ = (UniqueConstraint("application_id", "question_id"),)
    question_table = "grant_question"

    application_id: Mapped[int] = mapped_column(
        ForeignKey("grant_application.id", ondelete="CASCADE"), index=True
    )

    application: Mapped[GrantApplication] = relationship(back_populates="answers")
    question: Mapped[GrantQuestion] = relationship()
    upload: Mapped[Upload | None] = relationship()


class GrantReview(ReviewColumns, Base):
    __tablename__ = "grant_review"
    __table_args__ = (
        UniqueConstraint("application_id", "reviewer_id"),
        CheckConstraint(
            "recommended_amount is null or recommended_amount >= 0", name="recommended"
        ),
    )
    score_class = "GrantReviewScore"

    application_id: Mapped[int] = mapped_column(
        ForeignKey("grant_application.id", ondelete="CASCADE"), index=True
    )
    recommended_amount: Mapped[int | None]  # minor units
    application_version: Mapped[int]

    application: Mapped[GrantApplication] = relationship()


class GrantReviewScore(ScoreColumns, Base):
    __tablename__ = "grant_review_score"
    __table_args__ = (UniqueConstraint("review_id", "criterion_id"),)
    review_class = "GrantReview"
    review_table = "grant_review"
    criterion_table = "grant_criterion"


class GrantInterest(DeclaredInterestColumns, Base):
    """A committee member's declared interest in an application: they should not review it."""

    __tablename__ = "grant_conflict"
    __table_args__ = (UniqueConstraint("application_id", "user_id"),)

    application_id: Mapped[int] = mapped_column(
        ForeignKey("grant_application.id", ondelete="CASCADE"), index=True
    )


class GrantMessage(Base):
    """One message of an application's thread. Internal notes are the committee's only."""

    __tablename__ = "grant_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("grant_application.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime]

    author: Mapped[User | None] = relationship()


class AllocationRun(Base):
    """One run of the optimiser: a proposal organizers adjust, then commit (sending offers)."""

    __tablename__ = "allocation_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("grant_programme.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[AllocationStatus] = mapped_column(
        str_enum(AllocationStatus, "allocation_status"), default=AllocationStatus.DRAFT
    )
    budget: Mapped[int]  # what was left to allocate when it ran
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    solver_status: Mapped[str] = mapped_column(String(30), default="")
    objective: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime]
    committed_at: Mapped[dt.datetime | None]

    lines: Mapped[list[AllocationLine]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="AllocationLine.id"
    )


class AllocationLine(Base):
    """What the run proposes for one application, per category; organizers may change it."""

    __tablename__ = "allocation_line"
    __table_args__ = (UniqueConstraint("run_id", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("allocation_run.id", ondelete="CASCADE"), index=True
    )
    application_id: Mapped[int] = mapped_column(
        ForeignKey("grant_application.id", ondelete="CASCADE")
    )
    amounts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    total: Mapped[int] = mapped_column(default=0)
    adjusted: Mapped[bool] = mapped_column(default=False)  # changed by hand after the run

    run: Mapped[AllocationRun] = relationship(back_populates="lines")
    application: Mapped[GrantApplication] = relationship()


class GrantAward(Base):
    """Money awarded to one application, per category, and the offer's respond-by date."""

    __tablename__ = "grant_award"
    __table_args__ = (CheckConstraint("total >= 0", name="total_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("grant_application.id", ondelete="CASCADE"), unique=True
    )
    amounts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    total: Mapped[int]
    respond_by: Mapped[dt.datetime]
    offered_at: Mapped[dt.datetime]
    responded_at: Mapped[dt.datetime | None]
    run_id: Mapped[int | None] = mapped_column(ForeignKey("allocation_run.id", ondelete="SET NULL"))

    application: Mapped[GrantApplication] = relationship(back_populates="award")


class ExchangeRate(Base):
    """How many units of the programme's currency one unit of `currency` was worth on a day,
    as organizers entered it (no lookups over the network)."""

    __tablename__ = "exchange_rate"
    __table_args__ = (
        UniqueConstraint("programme_id", "currency", "on_date"),
        CheckConstraint("rate > 0", name="rate_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("grant_programme.id", ondelete="CASCADE"), index=True
    )
    currency: Mapped[str] = mapped_column(String(3))
    on_date: Mapped[dt.date] = mapped_column(Date)
    rate: Mapped[decimal.Decimal] = mapped_column(Numeric(18, 8))
    created_at: Mapped[dt.datetime]


class Receipt(Base):
    __tablename__ = "receipt"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId, unique=True, default=new_public_id)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("grant_application.id", ondelete="CASCADE"), index=True
    )
    upload_id: Mapped[int] = mapped_column(ForeignKey("upload.id"))
    category: Mapped[str] = mapped_column(String(20))  # a GrantCategory value
    description: Mapped[str] = mapped_column(String(300), default="")
    spent_on: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[int]  # minor units of `currency`
    currency: Mapped[str] = mapped_column(String(3))
    # In the programme's currency, once a rate for spent_on is known (or the same currency).
    converted: Mapped[int | None]
    rate: Mapped[decimal.Decimal | None] = mapped_column(Numeric(18, 8))
    state: Mapped[ReceiptState] = mapped_column(
        str_enum(ReceiptState, "receipt_state"), default=ReceiptState.SUBMITTED
    )
    reject_reason: Mapped[str] = mapped_column(String(500), default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reviewed_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]

    application: Mapped[GrantApplication] = relationship()
    upload: Mapped[Upload] = relationship()


class Payout(Base):
    __tablename__ = "payout"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("grant_application.id", ondelete="CASCADE"), index=True
    )
    amount: Mapped[int]  # minor units of the programme's currency
    paid_on: Mapped[dt.date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(200), default="")
    # Paying more than is payable needs an explicit, audited override with a reason.
    override_reason: Mapped[str] = mapped_column(String(500), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime]

    application: Mapped[GrantApplication] = relationship()


class LetterTemplate(Base):
    """The event's visa invitation letter: text with placeholders, and who signs it."""

    __tablename__ = "letter_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    body: Mapped[str] = mapped_column(Text)
    signer_name: Mapped[str] = mapped_column(String(150))
    signer_title: Mapped[str] = mapped_column(String(150), default="")
    updated_at: Mapped[dt.datetime]
