"""Speaker profiles, per event: biography, photo, and when and how a speaker can speak (what the
schedule reads).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select

from organizer.errors import ValidationFailed
from organizer.extensions import db
from organizer.models import (
    Event,
    SpeakerProfile,
    User,
)
from organizer.services import speaker_photos
from organizer.services.events import known_time_zones
from organizer.services.reviewing.questions import (
    FileInput,
)
from organizer.services.timefmt import local_date_to_utc
from organizer.services.weblinks import LINK_LABEL_MAX, LINK_URL_MAX, LINKS_MAX, is_web_address

BIO_MAX = 3_000
PHOTO_ALT_MAX = 200


# What a part of a day means, in the event's time zone, for speaker availability.
AVAILABILITY: dict[str, tuple[dt.time, dt.time] | None] = {
    "all": (dt.time(8, 0), dt.time(20, 0)),
    "morning": (dt.time(8, 0), dt.time(13, 0)),
    "afternoon": (dt.time(13, 0), dt.time(20, 0)),
    "none": None,
}


def event_days(event: Event) -> list[dt.date]:
    days = (event.ends_on - event.starts_on).days + 1
    return [event.starts_on + dt.timedelta(days=n) for n in range(days)]


def profile_of(event: Event, user: User) -> SpeakerProfile | None:
    return db.session.scalar(
        select(SpeakerProfile).where(
            SpeakerProfile.event_id == event.id, SpeakerProfile.user_id == user.id
        )
    )


@dataclasses.dataclass(frozen=True, kw_only=True)
class ProfileInput:
    bio: str = ""
    pronouns: str = ""
    affiliation: str = ""
    handle: str = ""
    website: str = ""
    availability: dict[str, str] = dataclasses.field(default_factory=dict)
    photo: FileInput | None = None
    remove_photo: bool = False
    # Show the photo on the public speaker page (else organizers and reviewers alone see it),
    # with this alt text ("" reads as the speaker's name).
    photo_public: bool = False
    photo_alt: str = ""
    # Up to LINKS_MAX (label, address) pairs; pairs left empty are dropped.
    links: tuple[tuple[str, str], ...] = ()
    # For the schedule: speaking remotely (from `timezone`, an IANA name; empty means the
    # event's) and needing step-free access to the room and stage (seen by organizers only).
    remote: bool = False
    timezone: str = ""
    needs_step_free: bool = False


def profile_time_zone(event: Event, *, remote: bool, zone: str) -> str:
    """The zone to store in a speaker profile: the chosen one for a remote speaker, "" when it
    is the event's or the speaker is not remote. Raises ValidationFailed (field "timezone") for
    a name that is not an IANA zone."""
    zone = zone.strip()
    if not remote:
        return ""
    if zone and zone not in known_time_zones():
        raise ValidationFailed({"timezone": _("Choose a time zone from the list.")})
    return "" if zone == event.timezone else zone


def save_profile(
    *, actor: User, event: Event, data: ProfileInput, now: dt.datetime
) -> SpeakerProfile:
    """Save the actor's profile for `event`. Raises ValidationFailed (keys: the form's field
    names) and then changes nothing: a photo that cannot be read leaves the saved one."""
    errors: dict[str, str] = {}
    if len(data.bio) > BIO_MAX:
        errors["bio"] = _("Keep the biography to %(n)s characters or fewer.", n=BIO_MAX)
    if len(data.pronouns) > 40:
        errors["pronouns"] = _("Keep pronouns to 40 characters or fewer.")
    if data.website and not re.match(r"^https?://[^\s]+$", data.website):
        errors["website"] = _("Enter a full web address starting with https://.")
    if len(data.photo_alt.strip()) > PHOTO_ALT_MAX:
        errors["photo_alt"] = _(
            "Keep the description of the photo to %(n)s characters or fewer.", n=PHOTO_ALT_MAX
        )
    links = _checked_links(data.links, errors)
    days = {d.isoformat() for d in event_days(event)}
    if not set(data.availability) <= days or not set(data.availability.values()) <= set(
        AVAILABILITY
    ):
        errors["availability"] = _("Choose your availability for the event days only.")
    try:
        zone = profile_time_zone(event, remote=data.remote, zone=data.timezone)
    except ValidationFailed as error:
        errors.update(error.errors)
    profile = profile_of(event, actor)
    photo = None
    try:
        if data.photo is not None:
            photo = speaker_photos.read_photo(
                stream=data.photo.stream, filename=data.photo.filename
            )
        elif data.photo_public and not data.remove_photo and profile and profile.photo:
            photo = speaker_photos.unprocessed(profile.photo)  # sent before photos were
    except ValidationFailed as error:
        errors.update(error.errors)
    if errors:
        raise ValidationFailed(errors)
    if profile is None:
        profile = SpeakerProfile(event_id=event.id, user_id=actor.id, updated_at=now)
        db.session.add(profile)
    if photo is not None:
        profile.photo = speaker_photos.store_photo(photo, owner=actor, event=event, now=now)
    elif data.remove_photo:
        profile.photo = None
    profile.photo_public = data.photo_public
    profile.photo_alt = data.photo_alt.strip()
    profile.links = links
    profile.bio = data.bio.strip()
    profile.pronouns = data.pronouns.strip()
    profile.affiliation = data.affiliation.strip()[:200]
    profile.handle = data.handle.strip()[:100]
    profile.website = data.website.strip()
    profile.availability = dict(data.availability)
    profile.remote = data.remote
    profile.timezone = zone
    profile.needs_step_free = data.needs_step_free
    profile.updated_at = now
    db.session.flush()
    return profile


def _checked_links(
    pairs: Iterable[tuple[str, str]], errors: dict[str, str]
) -> list[dict[str, str]]:
    """The links to keep, as stored; a problem goes into `errors` under the form's field
    name (`link-label-<n>`, `link-url-<n>`, n from 1)."""
    links = []
    for n, (label, url) in enumerate(pairs, start=1):
        label, url = label.strip(), url.strip()
        if not label and not url:
            continue
        if n > LINKS_MAX:
            errors["links"] = _("Give at most %(n)s links.", n=LINKS_MAX)
            break
        if not label:
            errors[f"link-label-{n}"] = _("Give this link a label, such as “Slides”.")
        elif len(label) > LINK_LABEL_MAX:
            errors[f"link-label-{n}"] = _(
                "Keep the label to %(n)s characters or fewer.", n=LINK_LABEL_MAX
            )
        if not is_web_address(url) or len(url) > LINK_URL_MAX:
            errors[f"link-url-{n}"] = _(
                "Enter a full web address starting with https:// (at most %(n)s characters).",
                n=LINK_URL_MAX,
            )
        links.append({"label": label, "url": url})
    return links


def availability_intervals(
    event: Event, profile: SpeakerProfile
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The speaker's availability as UTC intervals (days without an answer count as free)."""
    intervals = []
    for day in event_days(event):
        part = AVAILABILITY[profile.availability.get(day.isoformat(), "all")]
        if part is not None:
            start, end = part
            intervals.append(
                (
                    local_date_to_utc(day, start, event.timezone),
                    local_date_to_utc(day, end, event.timezone),
                )
            )
    return intervals


def profiles_for(event: Event, user_ids: Iterable[int]) -> dict[int, SpeakerProfile]:
    ids = list(set(user_ids))
    if not ids:
        return {}
    return {
        p.user_id: p
        for p in db.session.scalars(
            select(SpeakerProfile).where(
                SpeakerProfile.event_id == event.id, SpeakerProfile.user_id.in_(ids)
            )
        )
    }
