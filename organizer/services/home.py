"""A person's home after sign-in: across every event, their proposals and grant applications
with the next thing to do about each, the reviews waiting for them and the events they
organize.

Only the person's own items: proposals they speak on (as submitter or accepted co-speaker;
an open invitation is not theirs yet), their own grant applications, and counts of their own
review work. Nothing about other people, and nothing from the representation survey.

A constant number of queries, whatever the number of events, proposals or applications.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections import defaultdict
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import load_only, selectinload

from organizer import permissions
from organizer.enums import EventRoleName, GrantState, ProposalState, RegistrationState, SlotKind
from organizer.extensions import db
from organizer.models import (
    Cfp,
    CfpExtension,
    Event,
    EventRole,
    GrantApplication,
    GrantInterest,
    GrantProgramme,
    GrantReview,
    Proposal,
    ProposalInterest,
    ProposalSpeaker,
    Registration,
    Review,
    ReviewAssignment,
    ScheduleRelease,
    User,
)
from organizer.services.cfp import deadlines
from organizer.services.reviewing import interests


class Step(enum.StrEnum):
    """What comes next for a proposal or an application; the home page's template words it
    (and `when`, when there is one, is the moment it names)."""

    SUBMIT_BEFORE = "submit_before"  # a draft, before the deadline
    NOT_OPEN_YET = "not_open_yet"  # a draft, before the call or programme opens
    NOT_SUBMITTED = "not_submitted"  # a draft after the deadline: it was never sent
    EDITABLE_UNTIL = "editable_until"  # submitted, still open to changes
    AWAITING_DECISION = "awaiting_decision"
    CONFIRM_BY = "confirm_by"  # accepted: the speakers confirm before `when`
    CONFIRM = "confirm"  # accepted, with no date to confirm by
    CONFIRM_MISSED = "confirm_missed"  # accepted, the date to confirm by has passed
    SCHEDULED = "scheduled"  # confirmed and in the latest release, at `when`
    CONFIRMED = "confirmed"  # confirmed, not (yet) in a released schedule
    WAITLISTED = "waitlisted"
    NOT_ACCEPTED = "not_accepted"
    INFO_NEEDED = "info_needed"  # the grants committee asked for more
    ANSWER_OFFER_BY = "answer_offer_by"  # a grant offer to accept or decline before `when`
    SEND_RECEIPTS = "send_receipts"  # an accepted grant: receipts to send
    NONE = "none"  # nothing more to do (declined, withdrawn, cancelled, expired)


@dataclasses.dataclass(frozen=True)
class EventRef:
    slug: str
    name: str
    timezone: str


@dataclasses.dataclass(frozen=True)
class ProposalItem:
    event: EventRef
    public_id: str
    title: str
    state: ProposalState
    step: Step
    when: dt.datetime | None = None
    room: str = ""


@dataclasses.dataclass(frozen=True)
class ApplicationItem:
    event: EventRef
    public_id: str
    programme: str
    state: GrantState
    step: Step
    when: dt.datetime | None = None


@dataclasses.dataclass(frozen=True)
class RegistrationItem:
    """The person's registration for an event (its page explains the state)."""

    event: EventRef
    state: RegistrationState
    respond_by: dt.datetime | None = None  # an offered seat: answer before this


@dataclasses.dataclass(frozen=True)
class ReviewWork:
    event: EventRef
    to_do: int  # assigned proposals (or applications) without the person's review


@dataclasses.dataclass(frozen=True)
class Home:
    proposals: list[ProposalItem]
    applications: list[ApplicationItem]
    reviews: list[ReviewWork]
    grant_reviews: list[ReviewWork]
    organizing: list[EventRef]
    registrations: list[RegistrationItem] = dataclasses.field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.proposals
            or self.applications
            or self.reviews
            or self.grant_reviews
            or self.organizing
            or self.registrations
        )


def home_of(user: User, *, now: dt.datetime) -> Home:
    roles = _roles(user)
    return Home(
        proposals=proposals_of(user, now=now),
        applications=applications_of(user, now=now),
        reviews=proposal_reviews_to_do(user, roles[EventRoleName.REVIEWER]),
        grant_reviews=grant_reviews_to_do(user, roles[EventRoleName.GRANT_REVIEWER]),
        organizing=[_ref(e) for e in roles[EventRoleName.ORGANIZER]],
        registrations=registrations_of(user),
    )


def registrations_of(user: User) -> list[RegistrationItem]:
    """The person's registrations, soonest event first: one query."""
    rows = db.session.execute(
        select(Registration, Event)
        .join(Event, Event.id == Registration.event_id)
        .where(Registration.user_id == user.id)
        .order_by(Event.starts_on, Event.id)
    ).all()
    return [
        RegistrationItem(event=_ref(event), state=r.state, respond_by=r.respond_by)
        for r, event in rows
    ]


def _ref(event: Event) -> EventRef:
    return EventRef(slug=event.slug, name=event.name, timezone=event.timezone)


def _roles(user: User) -> dict[EventRoleName, list[Event]]:
    """The events of each of the person's roles, the latest events first. One query."""
    by_role: dict[EventRoleName, list[Event]] = defaultdict(list)
    for role, event in db.session.execute(
        select(EventRole.role, Event)
        .join(Event, Event.id == EventRole.event_id)
        .where(EventRole.user_id == user.id)
        .order_by(Event.starts_on.desc(), Event.name, Event.id)
    ).all():
        by_role[role].append(event)
    return by_role


# Proposals -----------------------------------------------------------------------------------


def proposals_of(user: User, *, now: dt.datetime) -> list[ProposalItem]:
    """The proposals the person speaks on, the latest events first. At most five queries."""
    found = list(
        db.session.scalars(
            select(Proposal)
            .join(ProposalSpeaker, ProposalSpeaker.proposal_id == Proposal.id)
            .join(Event, Event.id == Proposal.event_id)
            .where(ProposalSpeaker.user_id == user.id)
            .options(
                selectinload(Proposal.event),
                selectinload(Proposal.speakers).load_only(
                    ProposalSpeaker.proposal_id, ProposalSpeaker.user_id
                ),
            )
            .order_by(Event.starts_on.desc(), Event.id, Proposal.created_at.desc(), Proposal.id)
        )
    )
    if not found:
        return []
    event_ids = {p.event_id for p in found}
    calls = {
        c.event_id: c for c in db.session.scalars(select(Cfp).where(Cfp.event_id.in_(event_ids)))
    }
    extensions = _extensions(found, event_ids)
    placed = _placed(
        {p.event_id for p in found if p.state == ProposalState.CONFIRMED},
        {p.public_id for p in found if p.state == ProposalState.CONFIRMED},
    )
    items = []
    for proposal in found:
        speakers = {s.user_id for s in proposal.speakers if s.user_id is not None}
        call = calls.get(proposal.event_id)
        own = extensions.get(proposal.event_id, {})
        deadline = (
            deadlines.deadline_with(call, [own[who] for who in speakers if who in own])
            if call is not None
            else None
        )
        step, when, room = _proposal_step(
            proposal, call, deadline, placed.get(proposal.public_id), now=now
        )
        items.append(
            ProposalItem(
                event=_ref(proposal.event),
                public_id=proposal.public_id,
                title=proposal.title,
                state=proposal.state,
                step=step,
                when=when,
                room=room,
            )
        )
    return items


def _extensions(found: list[Proposal], event_ids: set[int]) -> dict[int, dict[int, dt.datetime]]:
    """Event id -> user id -> personal deadline, for the speakers of `found`. One query."""
    speaker_ids = {s.user_id for p in found for s in p.speakers if s.user_id is not None}
    by_event: dict[int, dict[int, dt.datetime]] = defaultdict(dict)
    for event_id, user_id, until in db.session.execute(
        select(CfpExtension.event_id, CfpExtension.user_id, CfpExtension.until).where(
            CfpExtension.event_id.in_(event_ids), CfpExtension.user_id.in_(speaker_ids)
        )
    ):
        by_event[event_id][user_id] = until
    return by_event


def _placed(event_ids: set[int], public_ids: set[str]) -> dict[str, dict[str, Any]]:
    """Proposal public id -> its session in the latest release of its event, for `public_ids`.
    One query (none when nothing is confirmed)."""
    if not event_ids:
        return {}
    latest = (
        select(ScheduleRelease.event_id, func.max(ScheduleRelease.number).label("number"))
        .where(ScheduleRelease.event_id.in_(event_ids))
        .group_by(ScheduleRelease.event_id)
        .subquery()
    )
    placed: dict[str, dict[str, Any]] = {}
    for release in db.session.scalars(
        select(ScheduleRelease)
        .join(
            latest,
            and_(
                ScheduleRelease.event_id == latest.c.event_id,
                ScheduleRelease.number == latest.c.number,
            ),
        )
        .options(load_only(ScheduleRelease.event_id, ScheduleRelease.sessions))
    ):
        for entry in release.sessions:
            if entry.get("kind") == SlotKind.TALK.value and entry.get("proposal") in public_ids:
                placed.setdefault(entry["proposal"], entry)
    return placed


def _proposal_step(
    proposal: Proposal,
    call: Cfp | None,
    deadline: dt.datetime | None,
    session: dict[str, Any] | None,
    *,
    now: dt.datetime,
) -> tuple[Step, dt.datetime | None, str]:
    state = proposal.state
    if state == ProposalState.DRAFT:
        if call is None or deadline is None or now >= deadline:
            return Step.NOT_SUBMITTED, None, ""
        if now < call.opens_at:
            return Step.NOT_OPEN_YET, call.opens_at, ""
        return Step.SUBMIT_BEFORE, deadline, ""
    if state == ProposalState.SUBMITTED:
        if deadline is not None and now < deadline:
            return Step.EDITABLE_UNTIL, deadline, ""
        return Step.AWAITING_DECISION, None, ""
    if permissions.proposal_awaits_speakers_answer(proposal):
        if proposal.respond_by is None:
            return Step.CONFIRM, None, ""
        if now < proposal.respond_by:
            return Step.CONFIRM_BY, proposal.respond_by, ""
        return Step.CONFIRM_MISSED, proposal.respond_by, ""
    if state == ProposalState.CONFIRMED:
        if session is not None:
            starts_at = dt.datetime.fromisoformat(session["starts_at"])
            return Step.SCHEDULED, starts_at, session.get("room") or ""
        return Step.CONFIRMED, None, ""
    if state == ProposalState.WAITLISTED:
        return Step.WAITLISTED, None, ""
    if state == ProposalState.REJECTED:
        return Step.NOT_ACCEPTED, None, ""
    return Step.NONE, None, ""


# Grant applications --------------------------------------------------------------------------


def applications_of(user: User, *, now: dt.datetime) -> list[ApplicationItem]:
    """The person's own grant applications, the latest events first. Four queries at most."""
    found = db.session.scalars(
        select(GrantApplication)
        .join(GrantProgramme, GrantProgramme.id == GrantApplication.programme_id)
        .join(Event, Event.id == GrantProgramme.event_id)
        .where(GrantApplication.applicant_id == user.id)
        .options(
            selectinload(GrantApplication.programme).selectinload(GrantProgramme.event),
            selectinload(GrantApplication.award),
        )
        .order_by(Event.starts_on.desc(), Event.id, GrantProgramme.name, GrantApplication.id)
    )
    items = []
    for application in found:
        programme = application.programme
        step, when = _application_step(application, now=now)
        items.append(
            ApplicationItem(
                event=_ref(programme.event),
                public_id=application.public_id,
                programme=programme.name,
                state=application.state,
                step=step,
                when=when,
            )
        )
    return items


def _application_step(
    application: GrantApplication, *, now: dt.datetime
) -> tuple[Step, dt.datetime | None]:
    programme = application.programme
    state = application.state
    if state == GrantState.DRAFT:
        if now >= programme.closes_at:
            return Step.NOT_SUBMITTED, None
        if now < programme.opens_at:
            return Step.NOT_OPEN_YET, programme.opens_at
        return Step.SUBMIT_BEFORE, programme.closes_at
    if permissions.application_needs_info(application):
        return Step.INFO_NEEDED, None
    if state == GrantState.SUBMITTED:
        if now < programme.closes_at:
            return Step.EDITABLE_UNTIL, programme.closes_at
        return Step.AWAITING_DECISION, None
    if permissions.offer_awaits_answer(application):
        award = application.award
        if award is not None and now < award.respond_by:
            return Step.ANSWER_OFFER_BY, award.respond_by
        return Step.NONE, None
    if permissions.accepts_receipts(application):
        return Step.SEND_RECEIPTS, None
    if state == GrantState.WAITLISTED:
        return Step.WAITLISTED, None
    if state == GrantState.REJECTED:
        return Step.NOT_ACCEPTED, None
    return Step.NONE, None


# Review work ---------------------------------------------------------------------------------

# Review work waits while a decision does: once organizers have decided, reviews can still be
# written (the review pages keep decided proposals), but nobody waits for them.
AWAITING_REVIEW = (ProposalState.SUBMITTED,)
AWAITING_GRANT_REVIEW = (GrantState.SUBMITTED, GrantState.INFO_NEEDED)


def proposal_reviews_to_do(user: User, events: list[Event]) -> list[ReviewWork]:
    """Per event where the person reviews: their assigned proposals awaiting a decision that
    have neither their review (or abstention) nor their declared interest, never their own.
    One query."""
    if not events:
        return []
    counts = dict(
        db.session.execute(
            select(Proposal.event_id, func.count())
            .join(ReviewAssignment, ReviewAssignment.proposal_id == Proposal.id)
            .where(
                ReviewAssignment.reviewer_id == user.id,
                Proposal.event_id.in_([e.id for e in events]),
                Proposal.state.in_(AWAITING_REVIEW),
                ~interests.own_proposal(user),
                ~exists().where(Review.proposal_id == Proposal.id, Review.reviewer_id == user.id),
                ~exists().where(
                    ProposalInterest.proposal_id == Proposal.id,
                    ProposalInterest.user_id == user.id,
                ),
            )
            .group_by(Proposal.event_id)
        ).all()
    )
    return [ReviewWork(_ref(e), counts[e.id]) for e in events if counts.get(e.id)]


def grant_reviews_to_do(user: User, events: list[Event]) -> list[ReviewWork]:
    """Per event where the person is a grant reviewer: applications awaiting a decision
    without their review or declared interest, never their own. One query."""
    if not events:
        return []
    counts = dict(
        db.session.execute(
            select(GrantProgramme.event_id, func.count())
            .join(GrantApplication, GrantApplication.programme_id == GrantProgramme.id)
            .where(
                GrantProgramme.event_id.in_([e.id for e in events]),
                GrantApplication.state.in_(AWAITING_GRANT_REVIEW),
                ~interests.own_application(user),
                ~exists().where(
                    GrantReview.application_id == GrantApplication.id,
                    GrantReview.reviewer_id == user.id,
                ),
                ~exists().where(
                    GrantInterest.application_id == GrantApplication.id,
                    GrantInterest.user_id == user.id,
                ),
            )
            .group_by(GrantProgramme.event_id)
        ).all()
    )
    return [ReviewWork(_ref(e), counts[e.id]) for e in events if counts.get(e.id)]
