"""The sections about grants: applications with their answers, award, receipts, payouts and
messages, and the grant reviews the person wrote.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from organizer.extensions import db
from organizer.models import (
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
    Proposal,
    Receipt,
)
from organizer.services.personal_data.person import Person, json_value, scores_by_review


def applications(person: Person) -> list[dict[str, Any]]:
    """Each application with its answers, award, receipts, payouts and the messages the
    applicant could read (one query for each kind, whatever the number of applications)."""
    rows = db.session.execute(
        select(GrantApplication, GrantProgramme)
        .join(GrantProgramme, GrantProgramme.id == GrantApplication.programme_id)
        .where(GrantApplication.applicant_id == person.uid)
        .order_by(GrantApplication.id)
    ).all()
    ids = [application.id for application, _programme in rows]
    proposals = dict(
        db.session.execute(
            select(Proposal.id, Proposal.public_id).where(
                Proposal.id.in_([a.proposal_id for a, _p in rows if a.proposal_id is not None])
            )
        ).all()
    )
    answers = _grant_answers(ids, person)
    awards = {
        award.application_id: award
        for award in db.session.scalars(
            select(GrantAward).where(GrantAward.application_id.in_(ids))
        )
    }
    receipts = _receipts(ids, person)
    payouts = _payouts(ids)
    messages = _grant_messages(ids, person)
    return [
        {
            **_application(application, programme, person, proposals),
            "answers": answers.get(application.id, []),
            "award": _award(awards.get(application.id)),
            "receipts": receipts.get(application.id, []),
            "payouts": payouts.get(application.id, []),
            "messages": messages.get(application.id, []),
        }
        for application, programme in rows
    ]


def _application(
    application: GrantApplication,
    programme: GrantProgramme,
    person: Person,
    proposals: dict[int, str],
) -> dict[str, Any]:
    return {
        "event": person.slugs.get(programme.event_id),
        "programme": programme.name,
        "currency": programme.currency,
        "public_id": application.public_id,
        "state": json_value(application.state),
        "motivation": application.motivation,
        "role": application.role,
        "affiliation": application.affiliation,
        "presenting": application.presenting,
        "proposal": proposals.get(application.proposal_id),
        "country": application.country,
        "city": application.city,
        "need": json_value(application.need),
        "requested": application.requested,
        "requested_total": application.requested_total,
        "own_contribution": application.own_contribution,
        "other_funding": application.other_funding,
        "created_at": json_value(application.created_at),
        "submitted_at": json_value(application.submitted_at),
    }


def _award(award: GrantAward | None) -> dict[str, Any] | None:
    if award is None:
        return None
    return {
        "amounts": award.amounts,
        "total": award.total,
        "offered_at": json_value(award.offered_at),
        "respond_by": json_value(award.respond_by),
        "responded_at": json_value(award.responded_at),
    }


def _grant_answers(ids: list[int], person: Person) -> dict[int, list[dict[str, Any]]]:
    answers: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for answer, text in db.session.execute(
        select(GrantAnswer, GrantQuestion.text)
        .join(GrantQuestion, GrantQuestion.id == GrantAnswer.question_id)
        .where(GrantAnswer.application_id.in_(ids))
        .order_by(GrantAnswer.id)
    ):
        answers[answer.application_id].append(
            {"question": text, "value": answer.value, "file": person.file_of(answer.upload_id)}
        )
    return answers


def _receipts(ids: list[int], person: Person) -> dict[int, list[dict[str, Any]]]:
    receipts: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for receipt in db.session.scalars(
        select(Receipt).where(Receipt.application_id.in_(ids)).order_by(Receipt.id)
    ):
        receipts[receipt.application_id].append(
            {
                "public_id": receipt.public_id,
                "category": receipt.category,
                "description": receipt.description,
                "spent_on": json_value(receipt.spent_on),
                "amount": receipt.amount,
                "currency": receipt.currency,
                "converted": receipt.converted,
                "rate": json_value(receipt.rate),
                "state": json_value(receipt.state),
                "reject_reason": receipt.reject_reason,
                "submitted_at": json_value(receipt.created_at),
                "reviewed_at": json_value(receipt.reviewed_at),
                "file": person.file_of(receipt.upload_id),
            }
        )
    return receipts


def _payouts(ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    payouts: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for payout in db.session.scalars(
        select(Payout).where(Payout.application_id.in_(ids)).order_by(Payout.id)
    ):
        payouts[payout.application_id].append(
            {
                "amount": payout.amount,
                "paid_on": json_value(payout.paid_on),
                "reference": payout.reference,
            }
        )
    return payouts


def _grant_messages(ids: list[int], person: Person) -> dict[int, list[dict[str, Any]]]:
    """The thread with the committee, without its internal notes."""
    messages: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for message in db.session.scalars(
        select(GrantMessage)
        .where(GrantMessage.application_id.in_(ids), GrantMessage.internal.is_(False))
        .order_by(GrantMessage.id)
    ):
        messages[message.application_id].append(
            {
                "from": "you" if message.author_id == person.uid else "committee",
                "body": message.body,
                "sent_at": json_value(message.created_at),
            }
        )
    return messages


def reviews(uid: int, slugs: dict[int, str]) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(GrantReview, GrantApplication.public_id, GrantProgramme.event_id)
        .join(GrantApplication, GrantApplication.id == GrantReview.application_id)
        .join(GrantProgramme, GrantProgramme.id == GrantApplication.programme_id)
        .where(GrantReview.reviewer_id == uid)
        .order_by(GrantReview.id)
    ).all()
    scores = scores_by_review(uid, GrantReview, GrantReviewScore, GrantCriterion)
    return [
        {
            "event": slugs.get(event_id),
            "grant_application": public_id,
            "abstained": review.abstained,
            "scores": scores.get(review.id, {}),
            "comment": review.comment,
            "recommended_amount": review.recommended_amount,
            "created_at": json_value(review.created_at),
            "updated_at": json_value(review.updated_at),
        }
        for review, public_id, event_id in rows
    ]
