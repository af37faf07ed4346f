"""Releases: the schedule frozen as a numbered version (`release_snapshot`), its change log
(`release_changes`), and the mails that tell people (`release_mail`).

Public pages and feeds read the latest release, never the work in progress. A release stores
a snapshot and the change log against the release before; `preview` shows what releasing now
would do, `release` does it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer, selectinload

from organizer.enums import ProposalState, Severity
from organizer.errors import ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import (
    Event,
    Proposal,
    ReviewPhase,
    ScheduleRelease,
    Slot,
    SpeakerProfile,
    User,
)
from organizer.services import audit, feeds, mail
from organizer.services.scheduling import editor, release_changes, release_mail, release_snapshot
from organizer.services.scheduling.conflicts import Conflict as ScheduleConflict
from organizer.services.scheduling.conflicts import find_conflicts
from organizer.services.scheduling.plan import Plan, active_slots, build_plan

# A session that left the schedule because its proposal ended in one of these states was
# cancelled (by the speaker or the organizers); any other disappearance is a removal.
CANCELLED_STATES = (ProposalState.CANCELLED, ProposalState.WITHDRAWN, ProposalState.DECLINED)

BLOCKING = (Severity.BLOCKS_SAVING, Severity.BLOCKS_RELEASE)
COMMENT_MAX = 2000


# --- reading ----------------------------------------------------------------------------------


def latest(event: Event) -> ScheduleRelease | None:
    """The release the public sees, or None before the first."""
    return db.session.scalar(
        select(ScheduleRelease)
        .options(
            defer(ScheduleRelease.vevents),
            defer(ScheduleRelease.frab_xml),
            defer(ScheduleRelease.frab_json),
        )
        .where(ScheduleRelease.event_id == event.id)
        .order_by(ScheduleRelease.number.desc())
        .limit(1)
    )


def last_released_at(event: Event) -> dt.datetime | None:
    """When the latest release was made (for Last-Modified), without loading its sessions."""
    return db.session.scalar(
        select(func.max(ScheduleRelease.released_at)).where(ScheduleRelease.event_id == event.id)
    )


def releases_of(event: Event) -> Select[tuple[ScheduleRelease]]:
    """Every release, newest first, for a paginated list: change logs and who released them
    are loaded, the (large) snapshots are not."""
    return (
        select(ScheduleRelease)
        .where(ScheduleRelease.event_id == event.id)
        .options(
            defer(ScheduleRelease.sessions),
            defer(ScheduleRelease.vevents),
            defer(ScheduleRelease.frab_xml),
            defer(ScheduleRelease.frab_json),
            selectinload(ScheduleRelease.released_by),
        )
        .order_by(ScheduleRelease.number.desc())
    )


def release_by_number(event: Event, number: int) -> ScheduleRelease | None:
    return db.session.scalar(
        select(ScheduleRelease)
        .where(ScheduleRelease.event_id == event.id, ScheduleRelease.number == number)
        .options(
            defer(ScheduleRelease.vevents),
            defer(ScheduleRelease.frab_xml),
            defer(ScheduleRelease.frab_json),
            selectinload(ScheduleRelease.released_by),
        )
    )


def _cancelled_uids(event: Event, uids: set[str]) -> set[str]:
    if not uids:
        return set()
    return set(
        db.session.scalars(
            select(Slot.public_id)
            .join(Proposal, Slot.proposal_id == Proposal.id)
            .where(
                Slot.event_id == event.id,
                Slot.public_id.in_(uids),
                Proposal.state.in_(CANCELLED_STATES),
            )
        )
    )


# --- the preview ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unconfirmed:
    """A session about to be released whose speakers have not confirmed yet (its proposal is
    accepted, not confirmed)."""

    title: str
    proposal_public_id: str


@dataclass(frozen=True)
class ReviewStillOpen:
    """Review is not over: proposals wait for a published decision."""

    undecided: int  # submitted proposals without a published decision
    until: dt.datetime | None  # when the last review phase still to come or running ends


@dataclass(frozen=True)
class ReleasePreview:
    """What releasing now would do."""

    number: int
    previous: ScheduleRelease | None
    sessions: list[dict[str, Any]]
    changes: list[dict[str, Any]]
    blocking: list[ScheduleConflict]  # conflicts that refuse the release
    warnings: list[ScheduleConflict]
    changed: bool  # anything differs from the previous release (always True for the first)
    unplaced: int  # accepted talks and items not on the grid (not released)
    recipients: int  # people who would get a mail
    fingerprint: str  # changes whenever what would be released changes
    plan: Plan
    # Warnings that do not block the release: review still running, unconfirmed speakers.
    review_open: ReviewStillOpen | None = None
    unconfirmed: tuple[Unconfirmed, ...] = ()

    def public_id(self, session_id: int) -> str:
        return self.plan.sessions[session_id].public_id


def _fingerprint(sessions: list[dict[str, Any]], changes: list[dict[str, Any]]) -> str:
    content = json.dumps(
        {"sessions": [release_snapshot.content(e) for e in sessions], "changes": changes},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(content.encode()).hexdigest()[:32]


def review_still_open(event: Event, now: dt.datetime) -> ReviewStillOpen | None:
    """None once every submitted proposal has a published decision; otherwise how many wait
    and, when the event has review phases, when the last one that still lets reviewers review
    ends (None without phases, or when they are all over). Two queries."""
    undecided = db.session.scalar(
        select(func.count())
        .select_from(Proposal)
        .where(Proposal.event_id == event.id, Proposal.state == ProposalState.SUBMITTED)
    )
    if not undecided:
        return None
    until = db.session.scalar(
        select(func.max(ReviewPhase.ends_at)).where(
            ReviewPhase.event_id == event.id,
            ReviewPhase.can_review.is_(True),
            ReviewPhase.ends_at > now,
        )
    )
    return ReviewStillOpen(undecided=int(undecided), until=until)


def unconfirmed_sessions(slots: list[Slot], sessions: list[dict[str, Any]]) -> list[Unconfirmed]:
    """The released sessions (in the release's order) whose proposal is accepted but not
    confirmed by its speakers. Reads the slots' loaded proposals: no query."""
    by_uid = {slot.public_id: slot for slot in slots}
    found = []
    for entry in sessions:
        slot = by_uid.get(entry["uid"])
        proposal = slot.proposal if slot is not None else None
        if proposal is not None and proposal.state == ProposalState.ACCEPTED:
            found.append(Unconfirmed(title=entry["title"], proposal_public_id=proposal.public_id))
    return found


def preview(event: Event, *, now: dt.datetime | None = None) -> ReleasePreview:
    """The next release as it would be made now, with what blocks it and what deserves a
    warning (review still open at `now`, the current time unless given; speakers who have
    not confirmed). Reads only."""
    now = now or dt.datetime.now(dt.UTC)
    previous = latest(event)
    slots = active_slots(event)
    before = previous.sessions if previous is not None else None
    sessions = release_snapshot.sequenced(event, before, release_snapshot.frozen(event, slots))
    gone = {e["uid"] for e in before or []} - {e["uid"] for e in sessions}
    changes = release_changes.change_log(
        before, sessions, cancelled_uids=_cancelled_uids(event, gone)
    )
    plan = build_plan(event, slots)
    conflicts = find_conflicts(plan)
    content = release_snapshot.content
    changed = before is None or [content(e) for e in before] != [content(e) for e in sessions]
    unplaced = sum(1 for s in plan.top_level() if not s.placed)
    return ReleasePreview(
        number=(previous.number if previous is not None else 0) + 1,
        previous=previous,
        sessions=sessions,
        changes=changes,
        blocking=[c for c in conflicts if c.severity in BLOCKING],
        warnings=[c for c in conflicts if c.severity is Severity.WARNING],
        changed=changed,
        unplaced=unplaced,
        recipients=len(
            {target[2] for target in release_mail.speaker_mails(changes, sessions, before)}
        ),
        fingerprint=_fingerprint(sessions, changes),
        plan=plan,
        review_open=review_still_open(event, now),
        unconfirmed=tuple(unconfirmed_sessions(slots, sessions)),
    )


# --- releasing --------------------------------------------------------------------------------


def _give_speakers_profiles(event: Event, sessions: list[dict[str, Any]], now: dt.datetime) -> None:
    """Every released speaker gets a speaker profile, whose code is their public address
    (/<event>/speakers/<code>/); most have one already from the call for talks."""
    ids = {speaker["id"] for entry in sessions for speaker in entry["speakers"]}
    if not ids:
        return
    have = set(
        db.session.scalars(
            select(SpeakerProfile.user_id).where(
                SpeakerProfile.event_id == event.id, SpeakerProfile.user_id.in_(ids)
            )
        )
    )
    db.session.add_all(
        SpeakerProfile(event_id=event.id, user_id=user_id, updated_at=now)
        for user_id in sorted(ids - have)
    )


def release(
    *,
    event: Event,
    actor: User,
    now: dt.datetime,
    comment: str = "",
    expected: str | None = None,
    notify: bool = True,
) -> ScheduleRelease:
    """Release the schedule as the next version and queue the speakers' and attendees' mails
    (unless `notify` is False: synthetic benchmark data, whose people are made up).

    Refused (WrongState) while a conflict that blocks releases remains, when nothing changed
    since the previous version, or when `expected` (the preview's fingerprint the organizer
    saw) no longer matches because someone changed the schedule meanwhile.
    """
    editor.require_manager(actor, event)
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationFailed(
            {"comment": _("Keep the comment under %(n)d characters.", n=COMMENT_MAX)}
        )
    upcoming = preview(event, now=now)
    _refuse_unless_releasable(upcoming, expected)
    row = _store(event, upcoming, actor=actor, comment=comment, now=now)
    _give_speakers_profiles(event, upcoming.sessions, now)
    audit.record(
        action="schedule.release",
        actor=actor,
        now=now,
        object_type="schedule_release",
        object_id=row.id,
        event=event,
        details={
            "number": row.number,
            "changes": len(upcoming.changes),
            "sessions": len(upcoming.sessions),
            "comment": comment,
        },
    )
    previous = upcoming.previous.sessions if upcoming.previous is not None else None
    if notify:
        release_mail.tell_speakers(
            event=event, release=row, previous=previous, host=mail.calendar_host(), now=now
        )
        release_mail.tell_attendees(event=event, release=row, previous=previous, now=now)
    feeds.store_renderings(event, row)
    return row


def _refuse_unless_releasable(upcoming: ReleasePreview, expected: str | None) -> None:
    """WrongState while a conflict blocks the release, when nothing changed, or when the
    schedule changed since the organizer's preview (`expected`, its fingerprint)."""
    if upcoming.blocking:
        raise WrongState(
            ngettext(
                "Not released: %(num)d conflict blocks a release. Solve it first: %(first)s",
                "Not released: %(num)d conflicts block a release. Solve them first; the "
                "first is: %(first)s",
                len(upcoming.blocking),
                first=upcoming.blocking[0].message,
            )
        )
    if not upcoming.changed:
        raise WrongState(
            _(
                "Nothing changed since version %(number)d, so there is nothing to release.",
                number=upcoming.previous.number if upcoming.previous else 0,
            )
        )
    if expected and expected != upcoming.fingerprint:
        raise WrongState(
            _(
                "The schedule changed while you were looking at it. Check the changes below, "
                "then release again."
            )
        )


def _store(
    event: Event, upcoming: ReleasePreview, *, actor: User, comment: str, now: dt.datetime
) -> ScheduleRelease:
    """The release row; WrongState when someone else released the same number meanwhile."""
    row = ScheduleRelease(
        event_id=event.id,
        number=upcoming.number,
        comment=comment,
        released_at=now,
        released_by_id=actor.id,
        sessions=upcoming.sessions,
        changes=upcoming.changes,
        digest=release_snapshot.digest(upcoming.sessions, upcoming.changes),
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError as error:
        raise WrongState(
            _(
                "Someone else released version %(number)d at the same moment. Reload the page "
                "to see it.",
                number=upcoming.number,
            )
        ) from error
    return row


# --- change logs for reading ------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    room: str
    all_rooms: bool
    starts_at: dt.datetime
    ends_at: dt.datetime


@dataclass(frozen=True)
class ChangeRow:
    """One line of a change log, with datetimes, for pages."""

    type: str
    uid: str
    title: str
    before: Place | None
    after: Place | None


def _place_of(place: dict[str, Any] | None) -> Place | None:
    if place is None:
        return None
    return Place(
        room=place.get("room") or "",
        all_rooms=bool(place.get("all_rooms")),
        starts_at=dt.datetime.fromisoformat(place["starts_at"]),
        ends_at=dt.datetime.fromisoformat(place["ends_at"]),
    )


def change_rows(changes: Iterable[dict[str, Any]]) -> list[ChangeRow]:
    return [
        ChangeRow(
            type=change["type"],
            uid=change["uid"],
            title=change["title"],
            before=_place_of(change.get("before")),
            after=_place_of(change.get("after")),
        )
        for change in changes
    ]


@dataclass(frozen=True)
class SessionRow:
    """One session of a release, with datetimes, for pages."""

    uid: str
    title: str
    kind: str
    room: str
    all_rooms: bool
    starts_at: dt.datetime
    ends_at: dt.datetime
    speakers: tuple[str, ...]
    parent: str | None
    sequence: int


def session_rows(sessions: Iterable[dict[str, Any]]) -> list[SessionRow]:
    return [
        SessionRow(
            uid=entry["uid"],
            title=entry["title"],
            kind=entry["kind"],
            room=entry["room"],
            all_rooms=bool(entry["all_rooms"]),
            starts_at=dt.datetime.fromisoformat(entry["starts_at"]),
            ends_at=dt.datetime.fromisoformat(entry["ends_at"]),
            speakers=tuple(s["name"] for s in entry["speakers"]),
            parent=entry["parent"],
            sequence=int(entry.get("sequence", 0)),
        )
        for entry in sessions
    ]
