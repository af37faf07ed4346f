"""The demo call for talks: its set-up, proposals in every state, and reviews (complete for
decided proposals, about half done for the ones still under review).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from organizer.enums import EventRoleName, OthersReviews, ProposalState, QuestionKind, SpeakerRole
from organizer.extensions import db
from organizer.models import (
    Answer,
    Cfp,
    DecisionRound,
    Event,
    Proposal,
    ProposalSpeaker,
    Question,
    Review,
    ReviewAssignment,
    ReviewCriterion,
    ReviewPhase,
    ReviewScore,
    SessionType,
    Track,
    User,
)
from organizer.services import colours
from organizer.services.demo.fixture import local_time


def load_call(event: Event, spec: dict[str, Any], users: dict[str, User], now: dt.datetime):
    """The call, its proposals in every state, and reviews: complete for decided proposals,
    about half done for the ones still under review."""
    kinds, tracks = _call(event, spec, now)
    questions = _questions(event, spec)
    criteria = _criteria(event, spec, tracks)
    _phases(event, spec)
    db.session.flush()
    proposals = _proposals(event, spec, users, kinds, tracks, questions, now)
    reviewers = [
        users[m["user"]] for m in spec.get("team", []) if m["role"] == EventRoleName.REVIEWER
    ]
    _demo_reviews(proposals, reviewers, criteria, spec.get("reviews_per_proposal", 3), now)
    _published_round(event, spec, users, proposals, now)


def _published_round(
    event: Event,
    spec: dict[str, Any],
    users: dict[str, User],
    proposals: list[Proposal],
    now: dt.datetime,
) -> None:
    """The round whose mails told the decided speakers (the decisions page lists it), so that
    the demo's history agrees with its accepted, confirmed and rejected proposals."""
    decided = [p for p in proposals if p.state not in _UNDECIDED]
    if not decided:
        return
    accepted = (
        ProposalState.ACCEPTED,
        ProposalState.CONFIRMED,
        ProposalState.DECLINED,
        ProposalState.CANCELLED,
    )
    organizer = next(
        (users[m["user"]] for m in spec.get("team", []) if m["role"] == EventRoleName.ORGANIZER),
        None,
    )
    db.session.add(
        DecisionRound(
            event_id=event.id,
            published_by_id=organizer.id if organizer is not None else None,
            published_at=now,
            respond_by=local_time(spec.get("decisions_respond_by", spec["cfp"]["closes"]), event),
            accepted=sum(p.state in accepted for p in decided),
            rejected=sum(p.state == ProposalState.REJECTED for p in decided),
            waitlisted=sum(p.state == ProposalState.WAITLISTED for p in decided),
        )
    )


def _call(
    event: Event, spec: dict[str, Any], now: dt.datetime
) -> tuple[dict[str, SessionType], dict[str, Track]]:
    """The call's dates and text, its session types (by name) and tracks (by slug)."""
    call = spec["cfp"]
    db.session.add(
        Cfp(
            event_id=event.id,
            opens_at=local_time(call["opens"], event),
            closes_at=local_time(call["closes"], event),
            text=call.get("text", ""),
            anonymous_review=bool(call.get("anonymous_review", True)),
            reviews_per_proposal=spec.get("reviews_per_proposal", 3),
            created_at=now,
            updated_at=now,
        )
    )
    kinds = {}
    for position, item in enumerate(call.get("session_types", [])):
        kinds[item["name"]] = SessionType(
            event_id=event.id,
            name=item["name"],
            description=item.get("description", ""),
            duration_minutes=item["duration_minutes"],
            max_speakers=item.get("max_speakers", 2),
            position=position,
        )
    tracks = {}
    for position, item in enumerate(call.get("tracks", [])):
        tracks[item["slug"]] = Track(
            event_id=event.id,
            name=item["name"],
            description=item.get("description", ""),
            position=position,
            colour=colours.card_background(item.get("colour", "")),
        )
    db.session.add_all([*kinds.values(), *tracks.values()])
    return kinds, tracks


def _questions(event: Event, spec: dict[str, Any]) -> list[Question]:
    questions = [
        Question(
            event_id=event.id,
            position=position,
            text=item["text"],
            kind=QuestionKind(item["kind"]),
            help_text=item.get("help_text", ""),
            choices=item.get("choices", []),
            required=bool(item.get("required")),
            visible_to_reviewers=bool(item.get("visible_to_reviewers", True)),
            file_kinds=item.get("file_kinds", []),
            max_file_kb=item.get("max_file_kb", 5120),
        )
        for position, item in enumerate(spec.get("questions", []))
    ]
    db.session.add_all(questions)
    return questions


def _criteria(
    event: Event, spec: dict[str, Any], tracks: dict[str, Track]
) -> list[ReviewCriterion]:
    criteria = []
    for position, item in enumerate(spec.get("review_criteria", [])):
        low, high = item.get("scale", [1, 5])
        criterion = ReviewCriterion(
            event_id=event.id,
            name=item["name"],
            description=item.get("description", ""),
            weight=item.get("weight", 1),
            scale_min=low,
            scale_max=high,
            position=position,
            tracks=[tracks[slug] for slug in item.get("tracks", [])],
        )
        criteria.append(criterion)
    db.session.add_all(criteria)
    return criteria


def _phases(event: Event, spec: dict[str, Any]) -> None:
    for item in spec.get("review_phases", []):
        db.session.add(
            ReviewPhase(
                event_id=event.id,
                name=item["name"],
                starts_at=local_time(item["starts"], event),
                ends_at=local_time(item["ends"], event),
                can_review=bool(item.get("can_review", True)),
                others_reviews=OthersReviews(item.get("others_reviews", "after_own")),
            )
        )


def _proposals(
    event: Event,
    spec: dict[str, Any],
    users: dict[str, User],
    kinds: dict[str, SessionType],
    tracks: dict[str, Track],
    questions: list[Question],
    now: dt.datetime,
) -> list[Proposal]:
    """The fixture's proposals in their states, with their speakers and required answers."""
    respond_by = local_time(spec.get("decisions_respond_by", spec["cfp"]["closes"]), event)
    proposals = []
    for item in spec.get("proposals", []):
        kind = kinds[item["session_type"]]
        state = ProposalState(item.get("state", "submitted"))
        proposal = Proposal(
            event_id=event.id,
            session_type=kind,
            track=tracks.get(item.get("track", "")),
            title=item["title"],
            abstract=item.get("abstract", "").strip(),
            description=item.get("description", "").strip(),
            language=item.get("language", "en"),
            level=item.get("level", ""),
            duration_minutes=kind.duration_minutes,
            state=state,
            pending_decision=item.get("pending_decision"),
            created_at=now,
            submitted_at=None if state == ProposalState.DRAFT else now,
            content_changed_at=now,
            decided_at=now if state not in _UNDECIDED else None,
            respond_by=respond_by if state == ProposalState.ACCEPTED else None,
        )
        for index, key in enumerate(item.get("speakers", [])):
            user = users[key]
            proposal.speakers.append(
                ProposalSpeaker(
                    user=user,
                    email=user.email,
                    role=SpeakerRole.PRIMARY if index == 0 else SpeakerRole.CO_SPEAKER,
                    invited_at=now,
                    accepted_at=now,
                )
            )
        if state != ProposalState.DRAFT:  # submitted proposals answered what was required
            proposal.answers = [
                Answer(question=q, value="no" if len(proposals) % 3 else "yes")
                for q in questions
                if q.required and q.kind == QuestionKind.BOOLEAN
            ]
        proposals.append(proposal)
    db.session.add_all(proposals)
    db.session.flush()
    return proposals


_UNDECIDED = (ProposalState.DRAFT, ProposalState.SUBMITTED, ProposalState.WITHDRAWN)


def _demo_reviews(
    proposals: list[Proposal],
    reviewers: list[User],
    criteria: list[ReviewCriterion],
    per_proposal: int,
    now: dt.datetime,
    *,
    seed: int = 7,
) -> None:
    """Round-robin assignments and seeded scores: decided proposals are fully reviewed,
    proposals under review about half, so that "next proposal to review" has work to show."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo scores, not secrets
    if not reviewers:
        return
    turn = 0
    for proposal in proposals:
        if proposal.state in (ProposalState.DRAFT, ProposalState.WITHDRAWN):
            continue
        speakers = {s.user_id for s in proposal.speakers}
        chosen: list[User] = []
        for _attempt in range(len(reviewers)):
            candidate = reviewers[turn % len(reviewers)]
            turn += 1
            if candidate.id not in speakers and candidate not in chosen:
                chosen.append(candidate)
            if len(chosen) == per_proposal:
                break
        low, high = _DEMO_QUALITY.get(proposal.state, (2, 5))
        quality = rng.randint(low, high)  # so that the ranking agrees with past decisions
        for reviewer in chosen:
            db.session.add(
                ReviewAssignment(
                    proposal=proposal, reviewer_id=reviewer.id, automatic=True, created_at=now
                )
            )
            if proposal.state == ProposalState.SUBMITTED and rng.random() < 0.5:
                continue  # still to be reviewed
            review = Review(
                proposal=proposal,
                reviewer_id=reviewer.id,
                comment=rng.choice(_DEMO_COMMENTS),
                proposal_version=proposal.version,
                created_at=now,
                updated_at=now,
            )
            for criterion in criteria:
                if criterion.tracks and proposal.track not in criterion.tracks:
                    continue
                score = min(
                    max(quality + rng.randint(-1, 1), criterion.scale_min), criterion.scale_max
                )
                review.scores.append(ReviewScore(criterion=criterion, score=score))
            db.session.add(review)
    db.session.flush()


_DEMO_QUALITY = {
    ProposalState.ACCEPTED: (4, 5),
    ProposalState.CONFIRMED: (4, 5),
    ProposalState.DECLINED: (4, 5),
    ProposalState.CANCELLED: (4, 5),
    ProposalState.WAITLISTED: (3, 4),
    ProposalState.REJECTED: (1, 3),
}


_DEMO_COMMENTS = [
    "Clear and well scoped; the evaluation section could say more about limitations.",
    "Relevant to our audience. I would like to see how this works outside the lab.",
    "Strong topic, but the abstract promises more than 20 minutes can hold.",
    "A good fit for first-time attendees; practical and concrete.",
    "I am not sure what the audience takes home. Worth discussing.",
]
