"""A synthetic event sized for benchmarks (`generate_synthetic` in the package): its people
and its call for talks.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets

from werkzeug.security import generate_password_hash

from organizer.enums import EventRoleName, ProposalState, SpeakerRole
from organizer.extensions import db
from organizer.models import (
    Cfp,
    Event,
    EventRole,
    Proposal,
    ProposalSpeaker,
    Review,
    ReviewAssignment,
    ReviewCriterion,
    ReviewScore,
    SessionType,
    Track,
    User,
)
from organizer.services.accounts import new_user

SYNTHETIC_REVIEWERS = 40


SYNTHETIC_REVIEWS_PER_PROPOSAL = 3


def synthetic_people(
    event: Event, *, size: int, rng: random.Random, now: dt.datetime
) -> tuple[list[User], list[User]]:
    """The event's organizer, `size` speakers with made-up names and SYNTHETIC_REVIEWERS
    reviewers; nobody can sign in as them. Returns the speakers and the reviewers."""
    slug = event.slug
    unusable = generate_password_hash(secrets.token_urlsafe(32))
    organizer = new_user(
        email=f"organizer@{slug}.example.org",
        display_name="Synthetic Organizer",
        password_hash=unusable,
        verified=True,
        now=now,
    )
    db.session.add(organizer)
    db.session.add(
        EventRole(event=event, user=organizer, role=EventRoleName.ORGANIZER, created_at=now)
    )
    given = ["Ada", "Bongani", "Chen", "Dara", "Eun-ji", "Farah", "Gökhan", "Hana", "Ife", "Jun"]
    family = ["Okoye", "Silva", "Nakamura", "Haddad", "Kowalski", "Mendes", "Ivanova", "Rao"]
    speakers = [
        new_user(
            email=f"speaker{n}@{slug}.example.org",
            password_hash=unusable,
            verified=True,
            display_name=f"{rng.choice(given)} {rng.choice(family)} {n}",
            now=now,
        )
        for n in range(size)
    ]
    reviewers = [
        new_user(
            email=f"reviewer{n}@{slug}.example.org",
            password_hash=unusable,
            verified=True,
            display_name=f"Reviewer {n}",
            now=now,
        )
        for n in range(SYNTHETIC_REVIEWERS)
    ]
    db.session.add_all([*speakers, *reviewers])
    db.session.add_all(
        EventRole(event=event, user=r, role=EventRoleName.REVIEWER, created_at=now)
        for r in reviewers
    )
    db.session.flush()
    return speakers, reviewers


def synthetic_call(
    event: Event, speakers: list[User], reviewers: list[User], rng: random.Random, now: dt.datetime
) -> None:
    db.session.add(
        Cfp(
            event_id=event.id,
            opens_at=now - dt.timedelta(days=30),
            closes_at=now + dt.timedelta(days=30),
            text="Synthetic call.",
            reviews_per_proposal=SYNTHETIC_REVIEWS_PER_PROPOSAL,
            created_at=now,
            updated_at=now,
        )
    )
    kinds = [
        SessionType(event_id=event.id, name="Talk", duration_minutes=20, position=0),
        SessionType(event_id=event.id, name="Tutorial", duration_minutes=90, position=1),
    ]
    tracks = [Track(event_id=event.id, name=f"Track {n}", position=n) for n in range(4)]
    criteria = [
        ReviewCriterion(event_id=event.id, name="Relevance", weight=2, position=0),
        ReviewCriterion(event_id=event.id, name="Clarity", weight=1, position=1),
    ]
    db.session.add_all([*kinds, *tracks, *criteria])
    db.session.flush()
    proposals = []
    for n, speaker in enumerate(speakers):
        kind = kinds[n % 7 == 0]
        proposal = Proposal(
            event_id=event.id,
            session_type=kind,
            track=tracks[n % len(tracks)],
            title=f"Synthetic proposal {n}",
            abstract="An abstract of a synthetic proposal. " * 5,
            duration_minutes=kind.duration_minutes,
            state=ProposalState.SUBMITTED,
            created_at=now,
            submitted_at=now,
            content_changed_at=now,
        )
        proposal.speakers.append(
            ProposalSpeaker(
                user=speaker,
                email=speaker.email,
                role=SpeakerRole.PRIMARY,
                invited_at=now,
                accepted_at=now,
            )
        )
        proposals.append(proposal)
    db.session.add_all(proposals)
    db.session.flush()
    for n, proposal in enumerate(proposals):
        for k in range(SYNTHETIC_REVIEWS_PER_PROPOSAL):
            reviewer = reviewers[(n * SYNTHETIC_REVIEWS_PER_PROPOSAL + k) % len(reviewers)]
            db.session.add(
                ReviewAssignment(
                    proposal=proposal, reviewer_id=reviewer.id, automatic=True, created_at=now
                )
            )
            review = Review(
                proposal=proposal,
                reviewer_id=reviewer.id,
                comment="Synthetic review.",
                proposal_version=1,
                created_at=now,
                updated_at=now,
            )
            review.scores = [ReviewScore(criterion=c, score=rng.randint(1, 5)) for c in criteria]
            db.session.add(review)
    db.session.flush()
