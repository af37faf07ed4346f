"""The JSON shapes of the read API (described in blueprints/api/openapi.json). Plain dicts of
strings, numbers, booleans and lists: times ISO 8601 in UTC ("...Z"), money in minor units."""

from __future__ import annotations

import datetime as dt
from typing import Any

from organizer.models import (
    Event,
    GrantApplication,
    Proposal,
    Registration,
    Review,
    SpeakerProfile,
    User,
)


def utc(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _zulu(stamp: str) -> str:
    """A snapshot's UTC time ("...+00:00") in the API's spelling ("...Z")."""
    return utc(dt.datetime.fromisoformat(stamp)) or ""


def event_shape(event: Event, roles: list[str]) -> dict[str, Any]:
    return {
        "slug": event.slug,
        "name": event.name,
        "timezone": event.timezone,
        "starts_on": event.starts_on.isoformat(),
        "ends_on": event.ends_on.isoformat(),
        "currency": event.currency,
        "is_public": event.is_public,
        "your_roles": sorted(roles),
    }


def person(user: User, *, email: bool) -> dict[str, Any]:
    shape: dict[str, Any] = {"name": user.display_name}
    if email:
        shape["email"] = user.email
    return shape


def proposal_shape(proposal: Proposal, *, as_reviewer: bool, show_speakers: bool) -> dict[str, Any]:
    """Organizers see the text as written and notes to organizers; reviewers the text as
    redacted for them (`Proposal.reviewer_*`) and never the notes."""
    shape: dict[str, Any] = {
        "public_id": proposal.public_id,
        "title": proposal.reviewer_title if as_reviewer else proposal.title,
        "abstract": proposal.reviewer_abstract if as_reviewer else proposal.abstract,
        "description": proposal.reviewer_description if as_reviewer else proposal.description,
        "state": proposal.state.value,
        "session_type": proposal.session_type.name,
        "track": proposal.track.name if proposal.track else None,
        "language": proposal.language,
        "level": proposal.level,
        "duration_minutes": proposal.duration_minutes,
        "tags": [tag.name for tag in proposal.tags],
        "submitted_at": utc(proposal.submitted_at),
    }
    if not as_reviewer:
        shape["notes"] = proposal.notes
        shape["pending_decision"] = proposal.pending_decision
    if show_speakers:
        shape["speakers"] = [
            {**person(s.user, email=not as_reviewer), "role": s.role.value}
            for s in proposal.accepted_speakers
            if s.user is not None
        ]
    return shape


def review_shape(review: Review) -> dict[str, Any]:
    return {
        "proposal": review.proposal.public_id,
        "reviewer": review.reviewer.display_name,
        "abstained": review.abstained,
        "scores": [
            {"criterion": score.criterion.name, "score": score.score}
            for score in sorted(review.scores, key=lambda s: (s.criterion.position, s.criterion_id))
        ],
        "comment": review.comment,
        "note_to_speaker": review.note_to_speaker,
        "created_at": utc(review.created_at),
        "updated_at": utc(review.updated_at),
    }


def speaker_shape(
    user: User, profile: SpeakerProfile | None, proposals: list[str]
) -> dict[str, Any]:
    return {
        **person(user, email=True),
        "pronouns": profile.pronouns if profile else "",
        "bio": profile.bio if profile else "",
        "affiliation": profile.affiliation if profile else "",
        "website": profile.website if profile else "",
        "proposals": proposals,
    }


def application_shape(
    application: GrantApplication, *, anonymous: bool, organizer: bool
) -> dict[str, Any]:
    """Under anonymous review no name, address, affiliation, role or linked proposal (as the
    grant review pages); the country and city travelled from stay, as on those pages. Only
    organizers see the award offered (as on their allocation and offer pages)."""
    programme = application.programme
    shape: dict[str, Any] = {
        "public_id": application.public_id,
        "programme": programme.name,
        "state": application.state.value,
        "presenting": application.presenting,
        "country": application.country,
        "city": application.city,
        "currency": programme.currency,
        "requested": dict(sorted(application.requested.items())),
        "requested_total": application.requested_total,
        "own_contribution": application.own_contribution,
        "submitted_at": utc(application.submitted_at),
    }
    if not anonymous:
        shape["applicant"] = person(application.applicant, email=True)
        shape["affiliation"] = application.affiliation
        shape["role"] = application.role
        shape["proposal"] = application.proposal.public_id if application.proposal else None
    if organizer:
        award = application.award
        shape["award"] = (
            None
            if award is None
            else {
                "amounts": dict(sorted(award.amounts.items())),
                "total": award.total,
                "offered_at": utc(award.offered_at),
                "respond_by": utc(award.respond_by),
                "responded_at": utc(award.responded_at),
            }
        )
    return shape


def registration_shape(registration: Registration) -> dict[str, Any]:
    """What the attendees page shows organizers; never access needs or answers about who the
    person is (those are the access coordinators' and the survey's)."""
    return {
        "public_id": registration.public_id,
        "state": registration.state.value,
        **person(registration.user, email=True),
        "badge_name": registration.badge_name,
        "pronouns": registration.pronouns,
        "affiliation": registration.affiliation,
        "place_kind": registration.place_kind.name if registration.place_kind else None,
        "waived": registration.waived,
        "created_at": utc(registration.created_at),
        "checked_in_at": utc(registration.checked_in_at),
    }


def released_session_shape(entry: dict[str, Any]) -> dict[str, Any]:
    """One session of a release's frozen snapshot (services/scheduling/release_snapshot.py)."""
    return {
        "uid": entry["uid"],
        "kind": entry["kind"],
        "title": entry["title"],
        "room": entry.get("room") or None,
        "all_rooms": bool(entry.get("all_rooms")),
        "starts_at": _zulu(entry["starts_at"]),
        "ends_at": _zulu(entry["ends_at"]),
        "duration_minutes": entry["duration"],
        "proposal": entry.get("proposal"),
        "track": entry.get("track"),
        "session_type": entry.get("session_type"),
        "language": entry.get("language"),
        "speakers": [{"name": s["name"]} for s in entry.get("speakers") or []],
        "parent": entry.get("parent"),
    }
