"""A person's own data, as one archive (GDPR articles 15 and 20: access and portability).

`archive(user=..., now=...)` gives a zip with `data.json` (everything the app holds about the
person, in the shape documented in docs/accounts-and-events.md, "Your data") and the files
they uploaded under `files/`. It runs a fixed number of queries whatever the amount of data
(tests/account_data/test_export.py counts them), and it holds nothing about anyone else:

- proposals and grant applications are named by their public ids; the other speakers of a
  shared proposal are not listed (their names and addresses are their data);
- reviews the person wrote name the proposal or application only by its public id;
- what the committee wrote about the person (others' reviews, internal notes, pins) is the
  committee's working record and is not included; an audit entry the person caused is listed
  without its details when those are about something else (a decision on someone's proposal);
- self-identification answers come only through `representation.answering.own_answers_for_export`,
  i.e. only while the survey still links them to the person (after the purge nobody can find
  them, the person included).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import io
import json
import zipfile
from collections import defaultdict
from typing import Any

from sqlalchemy import and_, or_, select

from organizer.extensions import db
from organizer.models import (
    Agenda,
    AgendaStar,
    Answer,
    AuditEntry,
    CfpExtension,
    ConflictOfInterest,
    Event,
    EventRole,
    GrantAnswer,
    GrantApplication,
    GrantAward,
    GrantConflict,
    GrantCriterion,
    GrantMessage,
    GrantProgramme,
    GrantQuestion,
    GrantReview,
    GrantReviewScore,
    LoginFailure,
    OutboxMessage,
    Payout,
    Proposal,
    ProposalSpeaker,
    Question,
    Receipt,
    Review,
    ReviewAssignment,
    ReviewCriterion,
    ReviewScore,
    SessionType,
    Slot,
    SpeakerAvailability,
    SpeakerProfile,
    TeamInvitation,
    Track,
    Upload,
    User,
)
from organizer.services import uploads
from organizer.services.representation import answering

FORMAT = "organizer-personal-data/1"

# Every top-level key of data.json, in order; the docs list the same (a test compares them).
SECTIONS = (
    "format",
    "generated_at",
    "account",
    "event_roles",
    "team_invitations",
    "proposals",
    "speaker_profiles",
    "availability",
    "deadline_extensions",
    "review_assignments",
    "reviews",
    "conflicts_declared",
    "grant_applications",
    "grant_reviews",
    "agendas",
    "mail",
    "audit_entries",
    "failed_sign_ins",
    "survey_responses",
    "files",
)


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if hasattr(value, "value") and isinstance(getattr(value, "value", None), str):
        return value.value  # enums
    return value


def _file_path(upload: Upload) -> str:
    return f"files/{upload.public_id}/{upload.filename}"


@dataclasses.dataclass(frozen=True)
class _Person:
    """What every section needs: who, the events' slugs, and the paths of their own files."""

    user: User
    uid: int
    slugs: dict[int, str]
    uploads: list[Upload]  # their own files, as the archive holds them
    paths: dict[int, str]  # upload id -> its path in the archive

    def file_of(self, upload_id: int | None) -> str | None:
        return self.paths.get(upload_id) if upload_id is not None else None


def collect(user: User, *, now: dt.datetime) -> dict[str, Any]:
    """Everything about `user`, as JSON-ready data (see the module's docstring): one function
    per section of data.json, in the order of SECTIONS."""
    own_uploads = _own_uploads(user.id)
    person = _Person(
        user=user,
        uid=user.id,
        slugs=dict(db.session.execute(select(Event.id, Event.slug)).all()),
        uploads=own_uploads,
        paths={u.id: _file_path(u) for u in own_uploads},
    )
    proposals, proposal_ids = _proposals(person)
    data: dict[str, Any] = {
        "format": FORMAT,
        "generated_at": now.isoformat(),
        "account": _account(user),
        "event_roles": _event_roles(person),
        "team_invitations": _team_invitations(person),
        "proposals": proposals,
        "speaker_profiles": _speaker_profiles(person),
        "availability": _availability(person),
        "deadline_extensions": _deadline_extensions(person),
        "review_assignments": _review_assignments(person),
        "reviews": _reviews(person),
        "conflicts_declared": _conflicts_declared(person),
        "grant_applications": _grant_applications(person),
        "grant_reviews": _grant_reviews(person.uid, person.slugs),
        "agendas": _agendas(person),
        "mail": _mail(person),
        "audit_entries": _audit_entries(person.uid, person.slugs, proposal_ids),
        "failed_sign_ins": _failed_sign_ins(person),
        "survey_responses": answering.own_answers_for_export(user),
        "files": _files(person),
    }
    assert tuple(data) == SECTIONS
    return data


def _own_uploads(uid: int) -> list[Upload]:
    """A redacted version an organizer uploaded of a speaker's file is the speaker's work (and
    the committee's), not the organizer's: it is left out."""
    return list(
        db.session.scalars(
            select(Upload)
            .where(
                Upload.owner_id == uid,
                Upload.id.not_in(
                    select(Answer.redacted_upload_id).where(Answer.redacted_upload_id.is_not(None))
                ),
            )
            .order_by(Upload.id)
        )
    )


def _account(user: User) -> dict[str, Any]:
    return {
        "email": user.email,
        "display_name": user.display_name,
        "pronouns": user.pronouns,
        "locale": user.locale,
        "email_verified_at": _value(user.email_verified_at),
        "site_admin": user.is_site_admin,
        "created_at": _value(user.created_at),
        "password_changed_at": _value(user.password_changed_at),
    }


def _event_roles(person: _Person) -> list[dict[str, Any]]:
    return [
        {
            "event": person.slugs.get(role.event_id),
            "role": _value(role.role),
            "since": _value(role.created_at),
        }
        for role in db.session.scalars(
            select(EventRole).where(EventRole.user_id == person.uid).order_by(EventRole.id)
        )
    ]


def _team_invitations(person: _Person) -> list[dict[str, Any]]:
    return [
        {
            "event": person.slugs.get(inv.event_id),
            "role": _value(inv.role),
            "invited_at": _value(inv.created_at),
            "expires_at": _value(inv.expires_at),
            "accepted_at": _value(inv.accepted_at),
            "revoked_at": _value(inv.revoked_at),
        }
        for inv in db.session.scalars(
            select(TeamInvitation)
            .where(
                or_(
                    TeamInvitation.email == person.user.email,
                    TeamInvitation.accepted_by_id == person.uid,
                )
            )
            .order_by(TeamInvitation.id)
        )
    ]


def _proposals(person: _Person) -> tuple[list[dict[str, Any]], list[int]]:
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
    proposals = [
        {
            "event": person.slugs.get(proposal.event_id),
            "public_id": proposal.public_id,
            "your_role": _value(speaker.role),
            "title": proposal.title,
            "abstract": proposal.abstract,
            "description": proposal.description,
            "notes_to_organizers": proposal.notes,
            "language": proposal.language,
            "level": proposal.level,
            "session_type": type_name,
            "track": track_name,
            "duration_minutes": proposal.duration_minutes,
            "state": _value(proposal.state),
            "created_at": _value(proposal.created_at),
            "submitted_at": _value(proposal.submitted_at),
            "decided_at": _value(proposal.decided_at),
            "invited_at": _value(speaker.invited_at),
            "joined_at": _value(speaker.accepted_at),
            "answers": answers.get(proposal.id, []),
        }
        for speaker, proposal, type_name, track_name in rows
    ]
    return proposals, proposal_ids


def _speaker_profiles(person: _Person) -> list[Any]:
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
            "availability_by_day": profile.availability,
            "remote": profile.remote,
            "timezone": profile.timezone,
            "needs_step_free": profile.needs_step_free,
            "updated_at": _value(profile.updated_at),
        }
        for profile in db.session.scalars(
            select(SpeakerProfile)
            .where(SpeakerProfile.user_id == person.uid)
            .order_by(SpeakerProfile.id)
        )
    ]


def _availability(person: _Person) -> list[Any]:
    return [
        {
            "event": person.slugs.get(row.event_id),
            "starts_at": _value(row.starts_at),
            "ends_at": _value(row.ends_at),
        }
        for row in db.session.scalars(
            select(SpeakerAvailability)
            .where(SpeakerAvailability.user_id == person.uid)
            .order_by(SpeakerAvailability.starts_at)
        )
    ]


def _deadline_extensions(person: _Person) -> list[Any]:
    return [
        {"event": person.slugs.get(row.event_id), "until": _value(row.until)}
        for row in db.session.scalars(
            select(CfpExtension).where(CfpExtension.user_id == person.uid).order_by(CfpExtension.id)
        )
    ]


def _review_assignments(person: _Person) -> list[Any]:
    return [
        {
            "event": person.slugs.get(event_id),
            "proposal": public_id,
            "assigned_at": _value(row.created_at),
            "automatic": row.automatic,
        }
        for row, public_id, event_id in db.session.execute(
            select(ReviewAssignment, Proposal.public_id, Proposal.event_id)
            .join(Proposal, Proposal.id == ReviewAssignment.proposal_id)
            .where(ReviewAssignment.reviewer_id == person.uid)
            .order_by(ReviewAssignment.id)
        )
    ]


def _reviews(person: _Person) -> list[dict[str, Any]]:
    reviews = db.session.execute(
        select(Review, Proposal.public_id, Proposal.event_id)
        .join(Proposal, Proposal.id == Review.proposal_id)
        .where(Review.reviewer_id == person.uid)
        .order_by(Review.id)
    ).all()
    scores = _scores_by_review(person.uid, Review, ReviewScore, ReviewCriterion)
    return [
        {
            "event": person.slugs.get(event_id),
            "proposal": public_id,
            "abstained": review.abstained,
            "scores": scores.get(review.id, {}),
            "comment": review.comment,
            "note_to_speaker": review.note_to_speaker,
            "created_at": _value(review.created_at),
            "updated_at": _value(review.updated_at),
        }
        for review, public_id, event_id in reviews
    ]


def _conflicts_declared(person: _Person) -> list[dict[str, Any]]:
    """Conflicts of interest the person declared, on proposals and on grant applications."""
    conflicts = [
        {
            "event": person.slugs.get(event_id),
            "proposal": public_id,
            "reason": row.reason,
            "declared_at": _value(row.created_at),
        }
        for row, public_id, event_id in db.session.execute(
            select(ConflictOfInterest, Proposal.public_id, Proposal.event_id)
            .join(Proposal, Proposal.id == ConflictOfInterest.proposal_id)
            .where(ConflictOfInterest.user_id == person.uid)
            .order_by(ConflictOfInterest.id)
        )
    ]
    conflicts += [
        {
            "event": person.slugs.get(event_id),
            "grant_application": public_id,
            "reason": row.reason,
            "declared_at": _value(row.created_at),
        }
        for row, public_id, event_id in db.session.execute(
            select(GrantConflict, GrantApplication.public_id, GrantProgramme.event_id)
            .join(GrantApplication, GrantApplication.id == GrantConflict.application_id)
            .join(GrantProgramme, GrantProgramme.id == GrantApplication.programme_id)
            .where(GrantConflict.user_id == person.uid)
            .order_by(GrantConflict.id)
        )
    ]
    return conflicts


def _agendas(person: _Person) -> list[dict[str, Any]]:
    starred: dict[int, list[str]] = defaultdict(list)
    for agenda_id, slot_public_id in db.session.execute(
        select(AgendaStar.agenda_id, Slot.public_id)
        .join(Slot, Slot.id == AgendaStar.slot_id)
        .join(Agenda, Agenda.id == AgendaStar.agenda_id)
        .where(Agenda.user_id == person.uid)
        .order_by(Slot.public_id)
    ):
        starred[agenda_id].append(slot_public_id)
    return [
        {
            "event": person.slugs.get(agenda.event_id),
            "feed_token": agenda.token,
            "starred_sessions": starred.get(agenda.id, []),
            "created_at": _value(agenda.created_at),
            "updated_at": _value(agenda.updated_at),
        }
        for agenda in db.session.scalars(
            select(Agenda).where(Agenda.user_id == person.uid).order_by(Agenda.id)
        )
    ]


def _mail(person: _Person) -> list[Any]:
    return [
        {
            "to": message.to_address,
            "event": person.slugs.get(message.event_id) if message.event_id else None,
            "subject": message.subject,
            "body": message.body_text,
            "state": _value(message.state),
            "queued_at": _value(message.created_at),
            "sent_at": _value(message.sent_at),
        }
        for message in db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.to_address == person.user.email)
            .order_by(OutboxMessage.id)
        )
    ]


def _failed_sign_ins(person: _Person) -> list[Any]:
    return [
        _value(moment)
        for moment in db.session.scalars(
            select(LoginFailure.occurred_at)
            .where(LoginFailure.user_id == person.uid)
            .order_by(LoginFailure.occurred_at)
        )
    ]


def _files(person: _Person) -> list[Any]:
    return [
        {
            "path": person.paths[u.id],
            "event": person.slugs.get(u.event_id),
            "filename": u.filename,
            "content_type": u.content_type,
            "size": u.size,
            "sha256": u.sha256,
            "uploaded_at": _value(u.created_at),
        }
        for u in person.uploads
    ]


def _grant_applications(person: _Person) -> list[dict[str, Any]]:
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
    person: _Person,
    proposals: dict[int, str],
) -> dict[str, Any]:
    return {
        "event": person.slugs.get(programme.event_id),
        "programme": programme.name,
        "currency": programme.currency,
        "public_id": application.public_id,
        "state": _value(application.state),
        "motivation": application.motivation,
        "role": application.role,
        "affiliation": application.affiliation,
        "presenting": application.presenting,
        "proposal": proposals.get(application.proposal_id),
        "country": application.country,
        "city": application.city,
        "need": _value(application.need),
        "requested": application.requested,
        "requested_total": application.requested_total,
        "own_contribution": application.own_contribution,
        "other_funding": application.other_funding,
        "created_at": _value(application.created_at),
        "submitted_at": _value(application.submitted_at),
    }


def _award(award: GrantAward | None) -> dict[str, Any] | None:
    if award is None:
        return None
    return {
        "amounts": award.amounts,
        "total": award.total,
        "offered_at": _value(award.offered_at),
        "respond_by": _value(award.respond_by),
        "responded_at": _value(award.responded_at),
    }


def _grant_answers(ids: list[int], person: _Person) -> dict[int, list[dict[str, Any]]]:
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


def _receipts(ids: list[int], person: _Person) -> dict[int, list[dict[str, Any]]]:
    receipts: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for receipt in db.session.scalars(
        select(Receipt).where(Receipt.application_id.in_(ids)).order_by(Receipt.id)
    ):
        receipts[receipt.application_id].append(
            {
                "public_id": receipt.public_id,
                "category": receipt.category,
                "description": receipt.description,
                "spent_on": _value(receipt.spent_on),
                "amount": receipt.amount,
                "currency": receipt.currency,
                "converted": receipt.converted,
                "rate": _value(receipt.rate),
                "state": _value(receipt.state),
                "reject_reason": receipt.reject_reason,
                "submitted_at": _value(receipt.created_at),
                "reviewed_at": _value(receipt.reviewed_at),
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
                "paid_on": _value(payout.paid_on),
                "reference": payout.reference,
            }
        )
    return payouts


def _grant_messages(ids: list[int], person: _Person) -> dict[int, list[dict[str, Any]]]:
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
                "sent_at": _value(message.created_at),
            }
        )
    return messages


def _scores_by_review(
    uid: int, review: Any, score: Any, criterion: Any
) -> dict[int, dict[str, int]]:
    """Review id -> {criterion name: score} for the reviews the person wrote, in one query.
    Talks and grants keep their reviews in tables of the same shape."""
    scores: dict[int, dict[str, int]] = defaultdict(dict)
    for review_id, name, value in db.session.execute(
        select(score.review_id, criterion.name, score.score)
        .join(criterion, criterion.id == score.criterion_id)
        .join(review, review.id == score.review_id)
        .where(review.reviewer_id == uid)
    ):
        scores[review_id][name] = value
    return scores


def _grant_reviews(uid: int, slugs: dict[int, str]) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(GrantReview, GrantApplication.public_id, GrantProgramme.event_id)
        .join(GrantApplication, GrantApplication.id == GrantReview.application_id)
        .join(GrantProgramme, GrantProgramme.id == GrantApplication.programme_id)
        .where(GrantReview.reviewer_id == uid)
        .order_by(GrantReview.id)
    ).all()
    scores = _scores_by_review(uid, GrantReview, GrantReviewScore, GrantCriterion)
    return [
        {
            "event": slugs.get(event_id),
            "grant_application": public_id,
            "abstained": review.abstained,
            "scores": scores.get(review.id, {}),
            "comment": review.comment,
            "recommended_amount": review.recommended_amount,
            "created_at": _value(review.created_at),
            "updated_at": _value(review.updated_at),
        }
        for review, public_id, event_id in rows
    ]


def _audit_entries(
    uid: int, slugs: dict[int, str], proposal_ids: list[int]
) -> list[dict[str, Any]]:
    """Entries the person caused, and entries about them, their proposals and applications.
    Details are given for entries about them; for their own actions on other things (an
    organizer's decision on someone's proposal) only what and when."""
    application_keys = [
        str(key)
        for row in db.session.execute(
            select(GrantApplication.id, GrantApplication.public_id).where(
                GrantApplication.applicant_id == uid
            )
        )
        for key in row
    ]
    about = or_(
        and_(AuditEntry.object_type == "user", AuditEntry.object_id == str(uid)),
        and_(
            AuditEntry.object_type == "proposal",
            AuditEntry.object_id.in_([str(i) for i in proposal_ids]),
        ),
        and_(
            AuditEntry.object_type == "grant_application",
            AuditEntry.object_id.in_(application_keys),
        ),
    )
    entries = db.session.execute(
        select(AuditEntry, about.label("about"))
        .where(or_(AuditEntry.actor_id == uid, about))
        .order_by(AuditEntry.occurred_at, AuditEntry.id)
    ).all()
    result = []
    for entry, is_about in entries:
        by_you = entry.actor_id == uid
        details = entry.details if is_about else None
        if is_about and not by_you and entry.object_type != "user":
            # Someone else's action on the person's proposal or application: the committee's
            # deliberation (who reviews it, pencilled decisions, pins, internal notes) stays
            # out, and of the rest only what happened to the item, never who else was named.
            if _committee_only(entry):
                continue
            details = {k: v for k, v in (entry.details or {}).items() if k in SHARED_DETAILS}
        result.append(
            {
                "when": _value(entry.occurred_at),
                "event": slugs.get(entry.event_id) if entry.event_id else None,
                "action": entry.action,
                "object_type": entry.object_type,
                "object_id": entry.object_id,
                "by_you": by_you,
                "details": details,
            }
        )
    return result


# Audit actions that are the committee's working record on someone's item: the reviewers
# assigned (blind review), decisions pencilled in before a round is published, pins.
COMMITTEE_ACTIONS = ("review.", "decision.set", "decision.undo", "grant.pin")
# Detail keys that say what happened to the person's own item, and nothing about anyone else.
SHARED_DETAILS = frozenset(
    {"state", "amounts", "total", "respond_by", "amount", "currency", "paid_on", "paid_total"}
)


def _committee_only(entry: AuditEntry) -> bool:
    details = entry.details or {}
    return entry.action.startswith(COMMITTEE_ACTIONS) or details.get("internal") is True


def archive(*, user: User, now: dt.datetime) -> bytes:
    """The zip: data.json, a short README, and each uploaded file under files/."""
    data = collect(user, now=now)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive_file:
        archive_file.writestr(
            "data.json", json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)
        )
        archive_file.writestr("README.txt", README)
        uploads_by_path = {entry["path"]: entry for entry in data["files"]}
        for upload in db.session.scalars(
            select(Upload).where(Upload.owner_id == user.id).order_by(Upload.id)
        ):
            path = uploads.path_of(upload)
            if path.is_file() and _file_path(upload) in uploads_by_path:
                archive_file.write(path, _file_path(upload))
    return buffer.getvalue()


README = """\
Your data from organizer.

data.json holds everything this site keeps about you, as JSON (UTF-8). Each top-level key is
explained in the site's documentation, docs/accounts-and-events.md, section "Your data".
Amounts of money are integers in the smallest unit of their currency (cents for EUR).
Times are in UTC, in ISO 8601.

files/ holds every file you uploaded, as you sent it, under files/<id>/<name>; data.json
refers to each by this path.
"""

__all__ = ["SECTIONS", "archive", "collect"]
