"""The read API's reads: one function per endpoint, each a page of JSON-able dicts.

Each asks the page's own predicate first (PermissionDenied, a 403, when it says no) and reads
with the page's own query where there is one, so that a token never shows more than the pages
show its owner. Every read runs a constant number of queries per page, whatever the data.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from organizer import permissions
from organizer.enums import ProposalState
from organizer.errors import NotFound
from organizer.extensions import db
from organizer.models import (
    Event,
    EventRole,
    GrantApplication,
    GrantProgramme,
    Proposal,
    ProposalSpeaker,
    Registration,
    Review,
    ReviewScore,
    SpeakerProfile,
    User,
)
from organizer.services.api import shapes
from organizer.services.api.access import Caller, Page, Paging, events_query, paginate
from organizer.services.cfp.call import call_of
from organizer.services.cfp.proposals import proposals_query
from organizer.services.cfp.reviews import reviewable_proposals_query
from organizer.services.grants.review import REVIEWABLE_STATES as REVIEWABLE_GRANT_STATES
from organizer.services.reviewing import interests
from organizer.services.scheduling import release_snapshot, releases


def _page(items: list[dict[str, Any]], paged: Paging, total: int) -> Page:
    return Page(items=items, page=paged.page, per_page=paged.per_page, total=total)


def read_events(caller: Caller, paged: Paging) -> Page:
    rows, total = paginate(events_query(caller), paged)
    roles: dict[int, list[str]] = {}
    if rows:
        for event_id, role in db.session.execute(
            select(EventRole.event_id, EventRole.role).where(
                EventRole.user_id == caller.user.id,
                EventRole.event_id.in_([event.id for event in rows]),
            )
        ):
            roles.setdefault(event_id, []).append(role.value)
    return _page([shapes.event_shape(e, roles.get(e.id, [])) for e in rows], paged, total)


def _proposal_view(caller: Caller, event: Event) -> tuple[bool, bool]:
    """(as_reviewer, show_speakers) for the proposal reads: organizers as on the proposals
    page; reviewers as on the review pages (speakers only when the call does not review
    anonymously); everyone else is refused."""
    if permissions.can_manage_cfp(caller.user, event):
        return False, True
    permissions.require(
        permissions.can_review(caller.user, event),
        _("Only the event's organizers and reviewers can read its proposals."),
    )
    call = call_of(event)
    return True, call is not None and not call.anonymous_review


def _proposals_for(caller: Caller, event: Event, as_reviewer: bool):  # type: ignore[no-untyped-def]
    if as_reviewer:
        return reviewable_proposals_query(event, viewer=caller.user)
    return proposals_query(event)


def read_proposals(caller: Caller, event: Event, paged: Paging) -> Page:
    as_reviewer, show_speakers = _proposal_view(caller, event)
    rows, total = paginate(_proposals_for(caller, event, as_reviewer), paged)
    items = [
        shapes.proposal_shape(p, as_reviewer=as_reviewer, show_speakers=show_speakers) for p in rows
    ]
    return _page(items, paged, total)


def read_proposal(caller: Caller, event: Event, public_id: str) -> dict[str, Any]:
    as_reviewer, show_speakers = _proposal_view(caller, event)
    proposal = db.session.scalar(
        _proposals_for(caller, event, as_reviewer).where(Proposal.public_id == public_id)
    )
    if proposal is None:
        raise NotFound(_("There is no such proposal, or you cannot read it."))
    return shapes.proposal_shape(proposal, as_reviewer=as_reviewer, show_speakers=show_speakers)


def read_reviews(caller: Caller, event: Event, paged: Paging) -> Page:
    """Organizers: every review of the event. Reviewers: their own reviews (what their review
    pages list as theirs)."""
    query = (
        select(Review)
        .join(Proposal, Proposal.id == Review.proposal_id)
        .where(Proposal.event_id == event.id, Proposal.state != ProposalState.DRAFT)
        .options(
            selectinload(Review.proposal),
            selectinload(Review.reviewer),
            selectinload(Review.scores).selectinload(ReviewScore.criterion),
        )
        .order_by(Review.id)
    )
    if not permissions.can_manage_cfp(caller.user, event):
        permissions.require(
            permissions.can_review(caller.user, event),
            _("Only the event's organizers and reviewers can read reviews."),
        )
        query = query.where(Review.reviewer_id == caller.user.id)
    rows, total = paginate(query, paged)
    return _page([shapes.review_shape(r) for r in rows], paged, total)


def read_speakers(caller: Caller, event: Event, paged: Paging) -> Page:
    """The people speaking on the event's proposals (drafts aside), with their profile for the
    event: organizers only, as the speakers page (reviewers review blind)."""
    permissions.require(
        permissions.can_manage_cfp(caller.user, event),
        _("Only the event's organizers can read its speakers."),
    )
    speaking = (
        select(ProposalSpeaker.user_id)
        .join(Proposal, Proposal.id == ProposalSpeaker.proposal_id)
        .where(
            Proposal.event_id == event.id,
            Proposal.state != ProposalState.DRAFT,
            ProposalSpeaker.user_id.is_not(None),
        )
    )
    users, total = paginate(select(User).where(User.id.in_(speaking)).order_by(User.id), paged)
    ids = [user.id for user in users]
    profiles: dict[int, SpeakerProfile] = {}
    proposals: dict[int, list[str]] = {}
    if ids:
        profiles = {
            p.user_id: p
            for p in db.session.scalars(
                select(SpeakerProfile).where(
                    SpeakerProfile.event_id == event.id, SpeakerProfile.user_id.in_(ids)
                )
            )
        }
        for user_id, public_id in db.session.execute(
            select(ProposalSpeaker.user_id, Proposal.public_id)
            .join(Proposal, Proposal.id == ProposalSpeaker.proposal_id)
            .where(
                Proposal.event_id == event.id,
                Proposal.state != ProposalState.DRAFT,
                ProposalSpeaker.user_id.in_(ids),
            )
            .order_by(Proposal.id)
        ):
            proposals.setdefault(user_id, []).append(public_id)
    items = [shapes.speaker_shape(u, profiles.get(u.id), proposals.get(u.id, [])) for u in users]
    return _page(items, paged, total)


def read_grant_applications(caller: Caller, event: Event, paged: Paging) -> Page:
    """The grants committee's applications (submitted, not withdrawn), never their own; under
    a programme's anonymous review, grant reviewers see no identity (organizers do, as on
    their decision pages)."""
    permissions.require(
        permissions.can_review_grants(caller.user, event),
        _("Only the event's organizers and grant reviewers can read grant applications."),
    )
    organizer = permissions.can_manage_grants(caller.user, event)
    query = (
        select(GrantApplication)
        .join(GrantProgramme, GrantProgramme.id == GrantApplication.programme_id)
        .where(
            GrantProgramme.event_id == event.id,
            GrantApplication.state.in_(REVIEWABLE_GRANT_STATES),
            ~interests.own_application(caller.user),
        )
        .options(
            selectinload(GrantApplication.programme),
            selectinload(GrantApplication.applicant),
            selectinload(GrantApplication.proposal),
            selectinload(GrantApplication.award),
        )
        .order_by(GrantApplication.submitted_at, GrantApplication.id)
    )
    rows, total = paginate(query, paged)
    items = [
        shapes.application_shape(
            a, anonymous=a.programme.anonymous_review and not organizer, organizer=organizer
        )
        for a in rows
    ]
    return _page(items, paged, total)


def read_registrations(caller: Caller, event: Event, paged: Paging) -> Page:
    permissions.require(
        permissions.can_manage_registration(caller.user, event),
        _("Only the event's organizers can read its registrations."),
    )
    query = (
        select(Registration)
        .where(Registration.event_id == event.id)
        .options(selectinload(Registration.user), selectinload(Registration.place_kind))
        .order_by(Registration.created_at, Registration.id)
    )
    rows, total = paginate(query, paged)
    return _page([shapes.registration_shape(r) for r in rows], paged, total)


def read_schedule(caller: Caller, event: Event, paged: Paging) -> tuple[Page, dict[str, Any]]:
    """Organizers read the draft (what a release would publish now); everyone else who can see
    the event reads the latest release, or NotFound before the first."""
    if permissions.can_manage_schedule(caller.user, event):
        sessions = release_snapshot.snapshot(event)
        meta: dict[str, Any] = {"status": "draft", "release": None, "released_at": None}
    else:
        latest = releases.latest(event)
        if latest is None:
            raise NotFound(_("The schedule has not been released yet."))
        sessions = latest.sessions
        meta = {
            "status": "released",
            "release": latest.number,
            "released_at": shapes.utc(latest.released_at),
        }
    chunk = sessions[paged.offset : paged.offset + paged.per_page]
    items = [shapes.released_session_shape(entry) for entry in chunk]
    return _page(items, paged, len(sessions)), meta
