"""What the scheduler needs to know about speakers, as organizers set it: remote or not (and
from which zone), step-free access, and the times they can speak (typed in the speaker's own
zone when remote, else the event's; stored as UTC)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select

from organizer.errors import NotFound, ValidationFailed
from organizer.extensions import db
from organizer.models import (
    Event,
    Proposal,
    ProposalSpeaker,
    SpeakerAvailability,
    SpeakerProfile,
    User,
)
from organizer.services import audit
from organizer.services.cfp.profiles import profile_time_zone
from organizer.services.scheduling import editor, local_times
from organizer.services.scheduling.day_setup import event_dates
from organizer.services.scheduling.plan import SCHEDULABLE, Interval, Person, build_plan
from organizer.services.timefmt import local_date_to_utc


@dataclasses.dataclass(frozen=True)
class SpeakerRow:
    """One speaker on the speakers' list: who, in which zone their times are shown, when they
    can speak (None: any time) and the titles of their sessions."""

    person: Person
    zone: str
    availability: tuple[Interval, ...] | None
    titles: tuple[str, ...]


def speaker_zone(event: Event, profile: SpeakerProfile | Person | None) -> str:
    """The zone a speaker's times are typed and read in: their own when they speak remotely
    and said which, else the event's."""
    if profile is not None and profile.remote and profile.timezone:
        return profile.timezone
    return event.timezone


def speaker_rows(event: Event) -> list[SpeakerRow]:
    """Every speaker of a session in the schedule, by name (a fixed number of queries)."""
    plan = build_plan(event)
    titles: dict[int, list[str]] = {}
    for session in plan.sessions.values():
        for speaker_id in session.speaker_ids:
            titles.setdefault(speaker_id, []).append(session.title)
    rows = [
        SpeakerRow(
            person=person,
            zone=speaker_zone(event, person),
            availability=plan.availability.get(person.id),
            titles=tuple(sorted(titles.get(person.id, ()), key=str.casefold)),
        )
        for person in plan.people.values()
    ]
    return sorted(rows, key=lambda r: (r.person.name.casefold(), r.person.id))


def speaker_in_event(event: Event, user_id: int) -> User:
    """A speaker of an accepted or confirmed proposal of the event, or NotFound."""
    user = db.session.scalar(
        select(User)
        .join(ProposalSpeaker, ProposalSpeaker.user_id == User.id)
        .join(Proposal, ProposalSpeaker.proposal_id == Proposal.id)
        .where(
            User.id == user_id,
            Proposal.event_id == event.id,
            Proposal.state.in_(SCHEDULABLE),
        )
        .limit(1)
    )
    if user is None:
        raise NotFound(_("There is no such speaker in this schedule."))
    return user


def profile_for(event: Event, user: User) -> SpeakerProfile | None:
    return db.session.scalar(
        select(SpeakerProfile).where(
            SpeakerProfile.event_id == event.id, SpeakerProfile.user_id == user.id
        )
    )


def explicit_availability(event: Event, user: User) -> list[SpeakerAvailability]:
    return list(
        db.session.scalars(
            select(SpeakerAvailability)
            .where(SpeakerAvailability.event_id == event.id, SpeakerAvailability.user_id == user.id)
            .order_by(SpeakerAvailability.starts_at)
        )
    )


def speaker_dates(event: Event, zone: str) -> list[dt.date]:
    """The dates, in `zone`, that share some time with the event's dates (in the event's
    zone): for a speaker far away, the event's Saturday morning may be their Friday night."""
    tz = ZoneInfo(zone)
    dates: set[dt.date] = set()
    for day in event_dates(event):
        start = local_date_to_utc(day, dt.time(0, 0), event.timezone)
        end = local_date_to_utc(day + dt.timedelta(days=1), dt.time(0, 0), event.timezone)
        first = start.astimezone(tz).date()
        last = (end - dt.timedelta(seconds=1)).astimezone(tz).date()
        dates.update(first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    return sorted(dates)


@dataclasses.dataclass(frozen=True, kw_only=True)
class SpeakerSettings:
    remote: bool
    timezone: str  # IANA; "" for the event's
    needs_step_free: bool


def save_speaker_settings(
    *, actor: User, event: Event, user: User, data: SpeakerSettings, now: dt.datetime
) -> SpeakerProfile:
    """Organizers change whether a speaker is remote (and from which zone) and needs step-free
    access; the speaker's profile is created when they have none yet."""
    editor.require_manager(actor, event)
    zone = profile_time_zone(event, remote=data.remote, zone=data.timezone)
    profile = profile_for(event, user)
    if profile is None:
        profile = SpeakerProfile(event_id=event.id, user_id=user.id, updated_at=now)
        db.session.add(profile)
        before: dict[str, object] = {}
    else:
        before = {
            "remote": profile.remote,
            "timezone": profile.timezone,
            "needs_step_free": profile.needs_step_free,
        }
    profile.remote = data.remote
    profile.timezone = zone
    profile.needs_step_free = data.needs_step_free
    db.session.flush()
    audit.record_changes(
        before=before,
        after={"remote": data.remote, "timezone": zone, "needs_step_free": data.needs_step_free},
        action="schedule.speaker",
        actor=actor,
        now=now,
        object_type="user",
        object_id=user.id,
        event=event,
    )
    return profile


def add_speaker_interval(
    *,
    actor: User,
    event: Event,
    user: User,
    day: dt.date | None,
    starts: dt.time,
    ends: dt.time,
    now: dt.datetime,
) -> SpeakerAvailability:
    """A time in which the speaker can speak, typed in their zone (see `speaker_zone`). Once a
    speaker has any, these replace the per-day answers of their profile."""
    editor.require_manager(actor, event)
    zone = speaker_zone(event, profile_for(event, user))
    if day is None or day not in speaker_dates(event, zone):
        raise ValidationFailed({"day": _("Choose one of the dates in the list.")})
    if ends <= starts:
        raise ValidationFailed({"ends": _("The time has to end after it starts.")})
    start = local_date_to_utc(day, starts, zone)
    end = local_date_to_utc(day, ends, zone)
    existing = explicit_availability(event, user)
    clash = local_times.overlapping(start, end, ((a.starts_at, a.ends_at) for a in existing))
    if clash is not None:
        raise ValidationFailed(
            {
                "starts": _(
                    "It overlaps %(span)s, which is already in the list. Remove that one first, "
                    "or choose other times.",
                    span=local_times.span(*clash, zone),
                )
            }
        )
    row = SpeakerAvailability(event_id=event.id, user_id=user.id, starts_at=start, ends_at=end)
    db.session.add(row)
    db.session.flush()
    _record_availability(actor, event, user, {"added": [start.isoformat(), end.isoformat()]}, now)
    return row


def remove_speaker_interval(
    *, actor: User, event: Event, user: User, interval_id: int, now: dt.datetime
) -> None:
    editor.require_manager(actor, event)
    row = db.session.get(SpeakerAvailability, interval_id)
    if row is None or row.event_id != event.id or row.user_id != user.id:
        raise NotFound(_("This speaker has no such time."))
    span = [row.starts_at.isoformat(), row.ends_at.isoformat()]
    db.session.delete(row)
    db.session.flush()
    _record_availability(actor, event, user, {"removed": span}, now)


def reset_speaker_availability(*, actor: User, event: Event, user: User, now: dt.datetime) -> int:
    """Delete the times organizers entered, so that the speaker's own answers count again.
    Returns how many were deleted."""
    editor.require_manager(actor, event)
    rows = explicit_availability(event, user)
    for row in rows:
        db.session.delete(row)
    db.session.flush()
    if rows:
        _record_availability(actor, event, user, {"reset": len(rows)}, now)
    return len(rows)


def _record_availability(
    actor: User, event: Event, user: User, details: dict[str, object], now: dt.datetime
) -> None:
    audit.record(
        action="schedule.speaker_availability",
        actor=actor,
        now=now,
        object_type="user",
        object_id=user.id,
        event=event,
        details=details,
    )
