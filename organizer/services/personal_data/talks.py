"""The sections about the call for talks: proposals, speaker profiles, availability, review
work and the conflicts of interest declared (on grant applications too).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from organizer.extensions import db
from organizer.models import (
    Answer,
    CfpExtension,
    GrantApplication,
    GrantInterest,
    GrantProgramme,
    Proposal,
    ProposalInterest,
    ProposalSpeaker,
    Question,
    Review,
    ReviewAssignment,
    ReviewCriterion,
    ReviewScore,
    SessionMaterial,
    SessionType,
    SpeakerAvailability,
    SpeakerProfile,
    Track,
)
from organizer.services.personal_data.person import Person, json_value, scores_by_review


def proposals(person: Person) -> tuple[list[dict[str, Any]], list[int]]:
    """Proposals, with the person's own role, and their answers (one query each); and the
    proposals' ids, which the audit entries about them are found by."""
    rows = db.session.execute(
        select(ProposalSpeaker, Proposal, SessionType.name, Track.name)
        .join(Proposal, Proposal.id == ProposalSpeaker.proposal_id)
        .join(SessionType, SessionType.id == Proposal.session_type_id)
        .outerjoin(Track, Track.id == Proposal.track_id)
        .where(ProposalSpeaker.user_id == person.uid)
        .order_by(Proposal.id)
    ).all()
    proposal_ids = [proposal.id for _s, proposal, _t, _k in rows]
    answers: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for answer, question_text in db.session.execute(
        select(Answer, Question.text)
        .join(Question, Question.id == Answer.question_id)
        .where(Answer.proposal_id.in_(proposal_ids))
        .order_by(Answer.id)
    ):
        answers[answer.proposal_id].append(
            {
                "question": question_text,
                "value": answer.value,
                "file": person.file_of(answer.upload_id),
            }
        )
    materials = _materials(proposal_ids, person)
    proposals = [
        {
            "event": person.slugs.get(proposal.event_id),
            "public_id": proposal.public_id,
            "your_role": json_value(speaker.role),
            "title": proposal.title,
            "abstract": proposal.abstract,
            "description": proposal.description,
            "notes_to_organizers": proposal.notes,
            "language": proposal.language,
            "level": proposal.level,
            "session_type": type_name,
            "track": track_name,
            "duration_minutes": proposal.duration_minutes,
            "state": json_value(proposal.state),
            "created_at": json_value(proposal.created_at),
            "submitted_at": json_value(proposal.submitted_at),
            "decided_at": json_value(proposal.decided_at),
            "invited_at": json_value(speaker.invited_at),
            "joined_at": json_value(speaker.accepted_at),
            "answers": answers.get(proposal.id, []),
            "materials": materials.get(proposal.id, []),
        }
        for speaker, proposal, type_name, track_name in rows
    ]
    return proposals, proposal_ids


def _materials(proposal_ids: list[int], person: Person) -> dict[int, list[dict[str, Any]]]:
    """The slides and recordings of the person's talks (one query); a file is in the archive
    when the person uploaded it."""
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for material in db.session.scalars(
        select(SessionMaterial)
        .where(SessionMaterial.proposal_id.in_(proposal_ids))
        .order_by(SessionMaterial.position, SessionMaterial.id)
    ):
        found[material.proposal_id].append(
            {
                "kind": json_value(material.kind),
                "title": material.title,
                "url": material.url or None,
                "file": person.file_of(material.upload_id),
                "added_by_you": material.added_by_id == person.uid,
                "added_at": json_value(material.created_at),
            }
        )
    return found


def speaker_profiles(person: Person) -> list[Any]:
    return [
        {
            "event": person.slugs.get(profile.event_id),
            "code": profile.code,
            "bio": profile.bio,
            "pronouns": profile.pronouns,
            "affiliation": profile.affiliation,
            "handle": profile.handle,
            "website": profile.website,
            "photo": person.file_of(profile.photo_id),
            "photo_shown_publicly": bool(profile.photo_public),
            "photo_description": profile.photo_alt or "",
            "links": list(profile.links or []),
            "availability_by_day": profile.availability,
            "remote": profile.remote,
            "timezone": profile.timezone,
            "needs_step_free": profile.needs_step_free,
            "updated_at": json_value(profile.updated_at),
        }
        for profile in db.session.scalars(
            select(SpeakerProfile)
            .where(SpeakerProfile.user_id == person.uid)
            .order_by(SpeakerProfile.id)
        )
    ]


def availability(person: Person) -> list[Any]:
    return [
        {
            "event": person.slugs.get(row.event_id),
            "starts_at": json_value(row.starts_at),
            "ends_at": json_value(row.ends_at),
        }
        for row in db.session.scalars(
            select(SpeakerAvailability)
            .where(SpeakerAvailability.user_id == person.uid)
            .order_by(SpeakerAvailability.starts_at)
        )
    ]


def deadline_extensions(person: Person) -> list[Any]:
    return [
        {"event": person.slugs.get(row.event_id), "until": json_value(row.until)}
        for row in db.session.scalars(
            select(CfpExtension).where(CfpExtension.user_id == person.uid).order_by(CfpExtension.id)
        )
    ]


def review_assignments(person: Person) -> list[Any]:
    return [
        {
            "event": person.slugs.get(event_id),
            "proposal": public_id,
            "assigned_at": json_value(row.created_at),
            "automatic": row.automatic,
        }
        for row, public_id, event_id in db.session.execute(
            select(ReviewAssignment, Proposal.public_id, Proposal.event_id)
            .join(Proposal, Proposal.id == ReviewAssignment.proposal_id)
            .where(ReviewAssignment.reviewer_id == person.uid)
            .order_by(ReviewAssignment.id)
        )
    ]


def reviews(person: Person) -> list[dict[str, Any]]:
    reviews = db.session.execute(
        select(Review, Proposal.public_id, Proposal.event_id)
        .join(Proposal, Proposal.id == Review.proposal_id)
        .where(Review.reviewer_id == person.uid)
        .order_by(Review.id)
    ).all()
    scores = scores_by_review(person.uid, Review, ReviewScore, ReviewCriterion)
    return [
        {
            "event": person.slugs.get(event_id),
            "proposal": public_id,
            "abstained": review.abstained,
            "scores": scores.get(review.id, {}),
            "comment": review.comment,
            "note_to_speaker": review.note_to_speaker,
            "created_at": json_value(review.created_at),
            "updated_at": json_value(review.updated_at),
        }
        for review, public_id, event_id in reviews
    ]


def conflicts_declared(person: Person) -> list[dict[str, Any]]:
    """Conflicts of interest the person declared, on proposals and on grant applications."""
    conflicts = [
        {
            "event": person.slugs.get(event_id),
            "proposal": public_id,
            "reason": row.reason,
            "declared_at": json_value(row.created_at),
        }
        for row, public_id, event_id in db.session.execute(
            select(ProposalInterest, Proposal.public_id, Proposal.event_id)
            .join(Proposal, Proposal.id == ProposalInterest.proposal_id)
            .where(ProposalInterest.user_id == person.uid)
            .order_by(ProposalInterest.id)
        )
    ]
    conflicts += [
        {
            "event": person.slugs.get(event_id),
            "grant_application": public_id,
            "reason": row.reason,
            "declared_at": json_value(row.created_at),
        }
        for row, public_id, event_id in db.session.execute(
            select(GrantInterest, GrantApplication.public_id, GrantProgramme.event_id)
            .join(GrantApplication, GrantApplication.id == GrantInterest.application_id)
            .join(GrantProgramme, GrantProgramme.id == GrantApplication.programme_id)
            .where(GrantInterest.user_id == person.uid)
            .order_by(GrantInterest.id)
        )
    ]
    return conflicts
