"""The demo workshop: load fixtures/demo.yaml, or generate a synthetic event for benchmarks.

Loading is idempotent: people are matched by email and events by slug, and what exists is left
as it is. Sections of the fixture that belong to features not built yet are kept in the file and
loaded by those features' loaders when they land.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import secrets
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from organizer.enums import (
    EventRoleName,
    GrantCategory,
    GrantKind,
    GrantState,
    NeedLevel,
    OthersReviews,
    ProposalState,
    QuestionKind,
    ReceiptState,
    SpeakerRole,
)
from organizer.extensions import db
from organizer.models import (
    Answer,
    Cfp,
    Event,
    EventRole,
    GrantAnswer,
    GrantApplication,
    GrantAward,
    GrantCriterion,
    GrantMessage,
    GrantProgramme,
    GrantQuestion,
    GrantReview,
    GrantReviewScore,
    LetterTemplate,
    Payout,
    Proposal,
    ProposalSpeaker,
    Question,
    Receipt,
    Review,
    ReviewAssignment,
    ReviewCriterion,
    ReviewPhase,
    ReviewScore,
    SessionType,
    Track,
    User,
)
from organizer.services import two_factor, uploads
from organizer.services.accounts import create_user, new_user, user_by_email
from organizer.services.events import EventDetails, validate_details
from organizer.services.representation import answering, retention, survey_setup
from organizer.services.scheduling import demo_schedule
from organizer.services.timefmt import local_date_to_utc

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "demo.yaml"


@dataclasses.dataclass
class DemoLogin:
    role: str
    email: str
    password: str
    two_factor_secret: str | None = None  # site admins must use two-factor sign-in


@dataclasses.dataclass
class DemoResult:
    created_users: int = 0
    created_events: list[str] = dataclasses.field(default_factory=list)
    logins: list[DemoLogin] = dataclasses.field(default_factory=list)


def read_fixture(path: Path = FIXTURE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_demo(*, data: dict[str, Any], now: dt.datetime) -> DemoResult:
    result = DemoResult()
    # One hash for everyone without a demo password: nobody can sign in as them, and loading
    # stays fast (password hashing is deliberately slow).
    unusable = generate_password_hash(secrets.token_urlsafe(32))
    users: dict[str, User] = {}
    for spec in data["users"]:
        user = user_by_email(spec["email"])
        if user is None:
            user = create_user(
                email=spec["email"],
                display_name=spec["display_name"],
                pronouns=spec.get("pronouns"),
                verified=True,
                site_admin=bool(spec.get("site_admin")),
                now=now,
                # only the demo logins have a password; nobody can sign in as the others
                password=spec.get("password"),
                password_hash=None if spec.get("password") else unusable,
            )
            result.created_users += 1
            if spec.get("two_factor_secret"):
                two_factor.enable_with_secret(user=user, secret=spec["two_factor_secret"], now=now)
        users[spec["key"]] = user
        if spec.get("password"):
            result.logins.append(
                DemoLogin(spec["key"], user.email, spec["password"], spec.get("two_factor_secret"))
            )
    for spec in data["events"]:
        if db.session.scalar(select(Event.id).where(Event.slug == spec["slug"])) is not None:
            continue
        event = _create_event(spec, now)
        for member in spec.get("team", []):
            db.session.add(
                EventRole(
                    event=event,
                    user=users[member["user"]],
                    role=EventRoleName(member["role"]),
                    created_at=now,
                )
            )
        if spec.get("cfp"):
            _load_call(event, spec, users, now)
        for programme in spec.get("grant_programmes", []):
            _load_grants(event, {**programme, "_team": spec.get("team", [])}, users, now)
        if spec.get("survey"):
            _load_survey(event, spec, users, now)
        if spec.get("rooms") or spec.get("schedule"):
            organizer = next(
                users[m["user"]] for m in spec.get("team", []) if m["role"] == "organizer"
            )
            db.session.flush()
            demo_schedule.load_schedule(event, spec, users, organizer, now)
        if spec.get("visa_letter"):
            letter = spec["visa_letter"]
            db.session.add(
                LetterTemplate(
                    event_id=event.id,
                    body=letter["body"].strip(),
                    signer_name=letter["signer_name"],
                    signer_title=letter.get("signer_title", ""),
                    updated_at=now,
                )
            )
        result.created_events.append(event.slug)
    db.session.flush()
    retention.purge(now=now)  # last year's links and free text are past their date
    return result


def _local(value: str, event: Event) -> dt.datetime:
    """A fixture time such as "2026-12-15T23:59", in the event's time zone, as UTC."""
    moment = dt.datetime.fromisoformat(value)
    return local_date_to_utc(moment.date(), moment.time(), event.timezone)


def _load_call(event: Event, spec: dict[str, Any], users: dict[str, User], now: dt.datetime):
    """The call, its proposals in every state, and reviews: complete for decided proposals,
    about half done for the ones still under review."""
    call = spec["cfp"]
    db.session.add(
        Cfp(
            event_id=event.id,
            opens_at=_local(call["opens"], event),
            closes_at=_local(call["closes"], event),
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
        )
    db.session.add_all([*kinds.values(), *tracks.values()])
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
    for item in spec.get("review_phases", []):
        db.session.add(
            ReviewPhase(
                event_id=event.id,
                name=item["name"],
                starts_at=_local(item["starts"], event),
                ends_at=_local(item["ends"], event),
                can_review=bool(item.get("can_review", True)),
                others_reviews=OthersReviews(item.get("others_reviews", "after_own")),
            )
        )
    db.session.flush()
    respond_by = _local(spec.get("decisions_respond_by", call["closes"]), event)
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
    reviewers = [
        users[m["user"]] for m in spec.get("team", []) if m["role"] == EventRoleName.REVIEWER
    ]
    _demo_reviews(proposals, reviewers, criteria, spec.get("reviews_per_proposal", 3), now)


def _synthetic_call(
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


# How often each answer comes up in the demo survey (options not listed weigh 1), tuned so
# that the dashboard has large cells, small ones it must suppress, and complementary ones.
_SURVEY_WEIGHTS: dict[str, dict[str, float]] = {
    "gender_identity": {"woman": 9, "man": 8, "non_binary": 2, "genderqueer": 0.6, "agender": 0.3},
    "trans_experience": {"yes": 0.6, "no": 14},
    "underrepresented_group": {"yes": 7, "no": 8, "unsure": 1},
    "disability": {"yes": 2, "no": 12},
    "caregiving": {"yes": 4, "no": 10},
    "first_generation": {"yes": 6, "no": 8, "no_university": 0.4},
    "career_stage": {"student": 7, "early_career": 6, "mid_career": 3, "senior": 1, "outside": 1},
    "region": {
        "africa": 7, "asia": 5, "europe": 4, "latin_america": 4, "middle_east": 1,
        "north_america": 1, "oceania": 2,
    },
    "first_time": {"yes": 8, "no": 6},
}  # fmt: skip


_SELF_DESCRIBED = {"gender_identity": "Two-spirit", "career_stage": "Community organiser"}


def _load_survey(event: Event, spec: dict[str, Any], users: dict[str, User], now: dt.datetime):
    """The event's survey with the default questions, and answers from most of its speakers
    and grant applicants (a past event answers "as of" its last day, before its purge)."""
    survey = spec["survey"]
    admin = next(u for u in users.values() if u.is_site_admin)
    survey_setup.ensure_survey(actor=admin, event=event, now=now)
    rng = random.Random(survey.get("seed", 1))  # noqa: S311 - reproducible demo answers
    keys = {
        s for p in spec.get("proposals", []) if p.get("state") != "draft" for s in p["speakers"]
    }
    for programme in spec.get("grant_programmes", []):
        keys |= {a["applicant"] for a in programme.get("applications", [])}
    answered_at = min(now, dt.datetime.combine(event.ends_on, dt.time(12), tzinfo=dt.UTC))
    for key in sorted(keys):
        if rng.random() > survey.get("response_rate", 0.8):
            continue  # not everyone answers
        answers: dict[str, list[str]] = {}
        described: dict[str, str] = {}
        for question, weights in _SURVEY_WEIGHTS.items():
            roll = rng.random()
            if roll < 0.06:
                continue  # skipped
            if roll < 0.11:
                answers[question] = ["prefer_not_to_say"]
                continue
            if roll < 0.17 and question in _SELF_DESCRIBED:
                described[question] = _SELF_DESCRIBED[question]
                continue
            options, chances = zip(*weights.items(), strict=True)
            chosen = rng.choices(options, weights=chances)
            if question == "gender_identity" and rng.random() < 0.08:
                chosen = list({*chosen, "genderqueer"})
            answers[question] = list(chosen)
        answering.save_response(
            actor=users[key],
            event=event,
            answers=answers,
            self_described=described,
            consent=True,
            response_public_id=None,
            now=answered_at,
        )


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


def _load_grants(event: Event, spec: dict[str, Any], users: dict[str, User], now: dt.datetime):
    """A programme with applications in every state, reviews by the grant reviewers, awards
    for the offered, accepted, declined and expired ones, a message thread and a payout."""
    programme = GrantProgramme(
        event_id=event.id,
        name=spec["name"],
        kind=GrantKind(spec.get("kind", "both")),
        description=spec.get("description", ""),
        eligibility=spec.get("eligibility", ""),
        opens_at=_local(spec["opens"], event),
        closes_at=_local(spec["closes"], event),
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
    respond_by = _local(spec.get("offers_respond_by", spec["closes"]), event)
    reviewers = [
        users[m["user"]] for m in spec.get("_team", []) if m["role"] == EventRoleName.GRANT_REVIEWER
    ]
    rng = random.Random(11)  # noqa: S311 - reproducible demo scores, not secrets
    applications = {}
    for item in spec.get("applications", []):
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
                GrantAnswer(question=q, value="no" if len(applications) % 3 else "yes")
                for q in questions
                if q.required and q.kind == QuestionKind.BOOLEAN
            ]
        db.session.add(application)
        applications[item["applicant"]] = application
        if state in (GrantState.DRAFT, GrantState.WITHDRAWN):
            continue
        quality = {"rejected": 1, "waitlisted": 3, "declined": 4}.get(
            state.value, rng.randint(3, 5)
        )
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
    db.session.flush()
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
    db.session.flush()


_DEMO_GRANT_COMMENTS = [
    "Clear need and a strong contribution; the amounts look reasonable.",
    "Presenting, and no other funding: a good use of the fund.",
    "The fare seems high for the route; worth asking for a quote.",
    "First workshop abroad; would benefit a lot.",
]
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


def _create_event(spec: dict[str, Any], now: dt.datetime) -> Event:
    details = EventDetails(
        slug=spec["slug"],
        name=spec["name"],
        timezone=spec["timezone"],
        starts_on=spec["starts_on"],
        ends_on=spec["ends_on"],
        venue=spec.get("venue", ""),
        currency=spec.get("currency", "EUR"),
        description=spec.get("description", ""),
        code_of_conduct=spec.get("code_of_conduct", ""),
        contact_email=spec.get("contact_email", ""),
        is_public=bool(spec.get("public")),
    )
    validate_details(details)
    event = Event(created_at=now, updated_at=now, **dataclasses.asdict(details))
    db.session.add(event)
    db.session.flush()
    return event


SYNTHETIC_REVIEWERS = 40
SYNTHETIC_REVIEWS_PER_PROPOSAL = 3


def generate_synthetic(
    *, size: int, now: dt.datetime, seed: int = 1, schedule: bool = False
) -> Event:
    """A synthetic event sized for benchmarks: `size` speakers with one submitted proposal
    each, 40 reviewers, and 3 complete reviews per proposal.

    With `schedule` (what `flask demo --size` makes), every proposal is confirmed and placed
    in a released schedule (`demo_schedule.synthetic_release`: rooms scaled to the size,
    plenary items, a lightning block), for the public pages' and feeds' benchmarks. Without
    it the proposals stay submitted, as the call for talks' benchmarks expect."""
    rng = random.Random(seed)  # noqa: S311 - reproducible fake names, not secrets
    slug = f"synthetic-{size}"
    existing = db.session.scalar(select(Event).where(Event.slug == slug))
    if existing is not None:
        if schedule:
            demo_schedule.synthetic_release(existing, now=now, seed=seed)
        return existing
    start = (now + dt.timedelta(days=90)).date()
    event = Event(
        slug=slug,
        name=f"Synthetic workshop ({size} sessions)",
        timezone="Europe/Berlin",
        starts_on=start,
        ends_on=start + dt.timedelta(days=2),
        venue="Benchmark Hall",
        currency="EUR",
        description="Generated for benchmarks.",
        is_public=True,
        created_at=now,
        updated_at=now,
    )
    db.session.add(event)
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
    _synthetic_call(event, speakers, reviewers, rng, now)
    db.session.flush()
    if schedule:
        demo_schedule.synthetic_release(event, now=now, seed=seed)
    return event
