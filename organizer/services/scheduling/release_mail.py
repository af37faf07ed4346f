"""Telling people about a release. Speakers of a session that was added, moved, put in another
room or cancelled get a mail with the session as an .ics attachment: the same UID as before
and a higher SEQUENCE, so their calendar updates the entry instead of adding a second one.
Attendees with an account who starred a session that moved, changed room or was cancelled get
one mail per release listing their sessions (no attachment: their personal feed updates by
itself); anonymous agendas get no mail. Every mail is queued through `services.notifications`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import force_locale
from sqlalchemy import func, select

from organizer.extensions import db
from organizer.models import Event, OutboxMessage, ScheduleRelease, Slot, User
from organizer.services import agendas, mail, notifications
from organizer.services.exports import ical
from organizer.services.scheduling.release_changes import CANCELLED, MAILED, WATCHED

MAIL_PURPOSE = "schedule_changed"
ATTENDEE_MAIL_PURPOSE = "agenda_changed"


def speakers_told(release: ScheduleRelease) -> int:
    """How many speakers the release's mails go to."""
    prefix = notifications.mail_key(MAIL_PURPOSE, release)
    return (
        db.session.scalar(
            select(func.count(func.distinct(OutboxMessage.to_address))).where(
                OutboxMessage.idempotency_key.like(f"{prefix}:%")
            )
        )
        or 0
    )


def speaker_mails(
    changes: list[dict[str, Any]],
    current: list[dict[str, Any]],
    previous: list[dict[str, Any]] | None,
) -> list[tuple[dict[str, Any], dict[str, Any], int]]:
    """(change, the session's entry, speaker id) for each mail a release sends its speakers."""
    now_by_uid = {entry["uid"]: entry for entry in current}
    then_by_uid = {entry["uid"]: entry for entry in previous or []}
    targets = []
    for change in changes:
        if change["type"] not in MAILED:
            continue
        if change["type"] == CANCELLED:
            entry = {
                **then_by_uid[change["uid"]],
                "sequence": change["sequence"],
                "status": "cancelled",
            }
        else:
            entry = now_by_uid[change["uid"]]
        targets.extend((change, entry, speaker["id"]) for speaker in entry["speakers"])
    return targets


def _when(place: dict[str, Any] | None) -> dict[str, Any] | None:
    """A change's place with datetimes, for templates."""
    if place is None:
        return None
    return {
        **place,
        "starts_at": dt.datetime.fromisoformat(place["starts_at"]),
        "ends_at": dt.datetime.fromisoformat(place["ends_at"]),
    }


def tell_speakers(
    *,
    event: Event,
    release: ScheduleRelease,
    previous: list[dict[str, Any]] | None,
    host: str,
    now: dt.datetime,
) -> None:
    """One mail per speaker and changed session, with the session as an .ics (`host`: the
    calendar UIDs' host, as in the feeds)."""
    targets = speaker_mails(release.changes, release.sessions, previous)
    if not targets:
        return
    people = {
        user.id: user
        for user in db.session.scalars(
            select(User).where(User.id.in_({target[2] for target in targets}))
        )
    }
    titles = {entry["uid"]: entry["title"] for entry in release.sessions}
    changes_url = mail.external_url("public_schedule.changes", event_slug=event.slug)
    for change, entry, speaker_id in targets:
        person = people.get(speaker_id)
        if person is None or not person.email:
            continue
        with force_locale(person.locale):
            ics = ical.calendar(
                [entry], event=event, host=host, method="PUBLISH", stamp=release.released_at
            )
        notifications.tell(
            person,
            MAIL_PURPOSE,
            about=(release, entry["uid"], speaker_id),
            context={
                "speaker": person,
                "release": release,
                "change": {
                    **change,
                    "before": _when(change["before"]),
                    "after": _when(change["after"]),
                },
                "block": titles.get(entry.get("parent") or ""),
                "changes_url": changes_url,
            },
            now=now,
            event=event,
            attachments=[
                {
                    "filename": "session.ics",
                    "content_type": "text/calendar",
                    "content": ics.decode("utf-8"),
                }
            ],
        )


def _watched_slots(
    event: Event, changes: list[dict[str, Any]], entries: dict[str, dict[str, Any]]
) -> dict[str, int]:
    """uid -> slot id of the changed sessions: from their snapshot entries, and for the few
    without one (an older snapshot) from the slots, in one query."""
    found = {
        change["uid"]: entries[change["uid"]]["slot_id"]
        for change in changes
        if entries.get(change["uid"], {}).get("slot_id") is not None
    }
    missing = {change["uid"] for change in changes} - set(found)
    if missing:
        found.update(
            db.session.execute(
                select(Slot.public_id, Slot.id).where(
                    Slot.event_id == event.id, Slot.public_id.in_(missing)
                )
            ).all()
        )
    return found


def tell_attendees(
    *,
    event: Event,
    release: ScheduleRelease,
    previous: list[dict[str, Any]] | None,
    now: dt.datetime,
) -> None:
    """One mail per account holder who starred sessions that this release moved, put in
    another room or cancelled, listing those sessions. A speaker's own session is left out:
    the speakers' mail already tells them."""
    changes = [change for change in release.changes if change["type"] in WATCHED]
    if not changes:
        return
    # A cancelled session is only in the previous snapshot; the others are in the new one.
    entries = {
        **{entry["uid"]: entry for entry in previous or []},
        **{entry["uid"]: entry for entry in release.sessions},
    }
    slot_of = _watched_slots(event, changes, entries)
    watching = agendas.watchers(event, slot_of.values())
    if not watching:
        return
    people = {
        user.id: user for user in db.session.scalars(select(User).where(User.id.in_(watching)))
    }
    changes_url = mail.external_url("public_schedule.changes", event_slug=event.slug)
    agenda_url = mail.external_url("public_schedule.agenda", event_slug=event.slug)
    for user_id in sorted(watching):
        person = people.get(user_id)
        if person is None or not person.email:
            continue
        starred = watching[user_id]
        theirs = [
            {**change, "before": _when(change["before"]), "after": _when(change["after"])}
            for change in changes
            if slot_of.get(change["uid"]) in starred
            and user_id not in {s["id"] for s in entries.get(change["uid"], {}).get("speakers", [])}
        ]
        if not theirs:
            continue
        notifications.tell(
            person,
            ATTENDEE_MAIL_PURPOSE,
            about=(release, user_id),
            context={
                "person": person,
                "release": release,
                "changes": theirs,
                "changes_url": changes_url,
                "agenda_url": agenda_url,
            },
            now=now,
            event=event,
        )
