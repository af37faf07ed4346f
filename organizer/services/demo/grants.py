"""The demo grant programmes: applications in every state, reviews, awards, a message
thread, payouts and receipts.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from organizer.enums import (
    EventRoleName,
    GrantCategory,
    GrantKind,
    GrantState,
    NeedLevel,
    QuestionKind,
    ReceiptState,
)
from organizer.extensions import db
from organizer.models import (
    Event,
    GrantAnswer,
    GrantApplication,
    GrantAward,
    GrantCriterion,
    GrantMessage,
    GrantProgramme,
    GrantQuestion,
    GrantReview,
    GrantReviewScore,
    Payout,
    Receipt,
    User,
)
from organizer.services import uploads
from organizer.services.demo.fixture import FIXTURE, local_time

# The fixture's words for needs and categories, as the application stores them.
_NEEDS = {
    "cannot_attend_without": NeedLevel.CANNOT_ATTEND,
    "hardship": NeedLevel.HARDSHIP,
    "would_help": NeedLevel.WOULD_HELP,
}


_CATEGORIES = {
    "registration": GrantCategory.REGISTRATION,
    "travel": GrantCategory.TRAVEL,
    "lodging": GrantCategory.LODGING,
    "visa": GrantCategory.VISA,
    "childcare": GrantCategory.CARE,
    "accessibility": GrantCategory.ACCESS,
    "other": GrantCategory.OTHER,
}


_AWARDED = (GrantState.OFFERED, GrantState.ACCEPTED, GrantState.DECLINED, GrantState.EXPIRED)


def load_grants(event: Event, spec: dict[str, Any], users: dict[str, User], now: dt.datetime):
    """A programme with applications in every state, reviews by the grant reviewers, awards
    for the offered, accepted, declined and expired ones, a message thread and a payout."""
    programme = _programme(event, spec, now)
    criteria, questions = _criteria_and_questions(programme, spec)
    reviewers = [
        users[m["user"]] for m in spec.get("_team", []) if m["role"] == EventRoleName.GRANT_REVIEWER
    ]
    respond_by = local_time(spec.get("offers_respond_by", spec["closes"]), event)
    rng = random.Random(11)  # noqa: S311 - reproducible demo scores, not secrets
    applications: dict[str, GrantApplication] = {}
    for item in spec.get("applications", []):
        application = _application(programme, item, users, questions, respond_by, now, applications)
        db.session.add(application)
        applications[item["applicant"]] = application
        if application.state not in (GrantState.DRAFT, GrantState.WITHDRAWN):
            _reviews(application, reviewers, criteria, rng, now)
    db.session.flush()
    _messages(spec, applications, users, now)
    _payouts(spec, applications, now)
    _receipts(event, programme, spec, applications, now)
    db.session.flush()


def _programme(event: Event, spec: dict[str, Any], now: dt.datetime) -> GrantProgramme:
    programme = GrantProgramme(
        event_id=event.id,
        name=spec["name"],
        kind=GrantKind(spec.get("kind", "both")),
        description=spec.get("description", ""),
        eligibility=spec.get("eligibility", ""),
        opens_at=local_time(spec["opens"], event),
        closes_at=local_time(spec["closes"], event),
        currency=event.currency,
        budget=spec["budget_minor"],
        registration_fee=spec.get("registration_fee_minor", 0),
        request_cap=spec.get("request_cap_minor"),
        min_fraction=spec.get("min_fraction", 50),
        respond_days=spec.get("respond_days", 14),
        anonymous_review=bool(spec.get("anonymous_review", True)),
        created_at=now,
        updated_at=now,
    )
    db.session.add(programme)
    db.session.flush()
    return programme


def _criteria_and_questions(
    programme: GrantProgramme, spec: dict[str, Any]
) -> tuple[list[GrantCriterion], list[GrantQuestion]]:
    criteria = [
        GrantCriterion(
            programme_id=programme.id,
            name=item["name"],
            description=item.get("description", ""),
            weight=item.get("weight", 1),
            position=position,
        )
        for position, item in enumerate(spec.get("criteria", []))
    ]
    db.session.add_all(criteria)
    questions = [
        GrantQuestion(
            programme_id=programme.id,
            position=position,
            text=item["text"],
            kind=QuestionKind(item["kind"]),
            required=bool(item.get("required")),
            visible_to_reviewers=bool(item.get("visible_to_reviewers", True)),
            choices=item.get("choices", []),
        )
        for position, item in enumerate(spec.get("questions", []))
    ]
    db.session.add_all(questions)
    db.session.flush()
    return criteria, questions


def _application(
    programme: GrantProgramme,
    item: dict[str, Any],
    users: dict[str, User],
    questions: list[GrantQuestion],
    respond_by: dt.datetime,
    now: dt.datetime,
    earlier: dict[str, GrantApplication],
) -> GrantApplication:
    """One application of the fixture, in its state, with its award and required answers."""
    requested = {
        _CATEGORIES[key].value: amount
        for key, amount in item.get("requested_minor", {}).items()
        if amount
    }
    state = GrantState(item.get("state", "submitted"))
    origin = item.get("travels_from", {})
    application = GrantApplication(
        programme_id=programme.id,
        applicant=users[item["applicant"]],
        state=state,
        motivation=" ".join(item.get("motivation", "").split()),
        role=item.get("role", ""),
        affiliation=item.get("affiliation", ""),
        presenting=bool(item.get("presenting")),
        country=origin.get("country", ""),
        city=origin.get("city", ""),
        need=_NEEDS.get(item.get("need", "")),
        requested=requested,
        requested_total=sum(requested.values()),
        own_contribution=item.get("own_contribution_minor", 0),
        other_funding=item.get("other_funding", ""),
        created_at=now,
        submitted_at=None if state == GrantState.DRAFT else now,
        updated_at=now,
    )
    if state in _AWARDED:
        application.award = GrantAward(
            amounts=dict(requested),
            total=sum(requested.values()),
            respond_by=respond_by if state == GrantState.OFFERED else now,
            offered_at=now,
            responded_at=None if state == GrantState.OFFERED else now,
        )
    if state != GrantState.DRAFT:  # submitted applications answered what was required
        application.answers = [
            GrantAnswer(question=q, value="no" if len(earlier) % 3 else "yes")
            for q in questions
            if q.required and q.kind == QuestionKind.BOOLEAN
        ]
    return application


def _reviews(
    application: GrantApplication,
    reviewers: list[User],
    criteria: list[GrantCriterion],
    rng: random.Random,
    now: dt.datetime,
) -> None:
    """Seeded reviews whose scores agree with the application's outcome; some of the open
    applications are still to be reviewed."""
    state = application.state
    quality = {"rejected": 1, "waitlisted": 3, "declined": 4}.get(state.value, rng.randint(3, 5))
    for reviewer in reviewers:
        if state in (GrantState.SUBMITTED, GrantState.INFO_NEEDED) and rng.random() < 0.4:
            continue  # still to be reviewed
        review = GrantReview(
            application=application,
            reviewer_id=reviewer.id,
            comment=rng.choice(_DEMO_GRANT_COMMENTS),
            recommended_amount=application.requested_total,
            application_version=1,
            created_at=now,
            updated_at=now,
        )
        review.scores = [
            GrantReviewScore(
                criterion_id=c.id,
                score=min(max(quality + rng.randint(-1, 1), c.scale_min), c.scale_max),
            )
            for c in criteria
        ]
        db.session.add(review)


def _messages(
    spec: dict[str, Any],
    applications: dict[str, GrantApplication],
    users: dict[str, User],
    now: dt.datetime,
) -> None:
    for key, messages in spec.get("messages", {}).items():
        for message in messages:
            db.session.add(
                GrantMessage(
                    application_id=applications[key].id,
                    author_id=users[message["from"]].id,
                    body=message["body"],
                    internal=bool(message.get("internal")),
                    created_at=now,
                )
            )


def _payouts(
    spec: dict[str, Any], applications: dict[str, GrantApplication], now: dt.datetime
) -> None:
    for key, payouts in spec.get("payouts", {}).items():
        for payout in payouts:
            db.session.add(
                Payout(
                    application_id=applications[key].id,
                    amount=payout["amount_minor"],
                    paid_on=dt.date.fromisoformat(payout["paid_on"]),
                    reference=payout.get("reference", ""),
                    created_at=now,
                )
            )


def _receipts(
    event: Event,
    programme: GrantProgramme,
    spec: dict[str, Any],
    applications: dict[str, GrantApplication],
    now: dt.datetime,
) -> None:
    """Receipts with their files (the sample PDFs next to the fixture)."""
    for key, receipts in spec.get("receipts", {}).items():
        application = applications[key]
        for item in receipts:
            with (FIXTURE.parent / "uploads" / item["file"]).open("rb") as handle:
                upload = uploads.store(
                    stream=handle,
                    filename=item["file"],
                    field="file",
                    allowed=("pdf",),
                    max_kb=1024,
                    owner=application.applicant,
                    event=event,
                    now=now,
                )
            same = item["currency"] == programme.currency
            db.session.add(
                Receipt(
                    application_id=application.id,
                    upload_id=upload.id,
                    category=item["category"],
                    description=item.get("description", ""),
                    spent_on=dt.date.fromisoformat(item["spent_on"]),
                    amount=item["amount_minor"],
                    currency=item["currency"],
                    converted=item["amount_minor"] if same else None,  # else a rate is needed
                    state=ReceiptState(item.get("state", "submitted")),
                    created_at=now,
                )
            )


_DEMO_GRANT_COMMENTS = [
    "Clear need and a strong contribution; the amounts look reasonable.",
    "Presenting, and no other funding: a good use of the fund.",
    "The fare seems high for the route; worth asking for a quote.",
    "First workshop abroad; would benefit a lot.",
]
