"""The speaker's own side of scheduling in the profile: speaking remotely from a time zone and
needing step-free access, saved through the profile and read by the schedule's plan."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from organizer.errors import ValidationFailed
from organizer.extensions import db
from organizer.models import SpeakerProfile
from organizer.services.cfp import profiles
from organizer.services.cfp.profiles import ProfileInput
from organizer.services.scheduling.plan import build_plan
from tests.factories import NOW, login_as, make_cfp, make_event, make_talk, make_user


def real_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@pytest.fixture
def event():
    event = make_event()  # Europe/Lisbon
    make_cfp(
        event,
        opens_at=real_now() - dt.timedelta(days=1),
        closes_at=real_now() + dt.timedelta(days=10),
    )
    return event


@pytest.fixture
def speaker(client):
    user = make_user(name="Beatriz Bogotá")
    login_as(client, user)
    return user


def profile_url(event) -> str:
    return f"/{event.slug}/cfp/profile"


def profile_of(user) -> SpeakerProfile:
    return db.session.scalars(select(SpeakerProfile).where(SpeakerProfile.user_id == user.id)).one()


def selected_zone(html: str) -> str:
    select_html = re.search(r'<select[^>]*id="timezone".*?</select>', html, re.S).group(0)
    return re.search(r'<option selected value="([^"]+)"', select_html).group(1)


def is_ticked(html: str, field: str) -> bool:
    return " checked" in re.search(rf'<input[^>]*id="{field}"[^>]*>', html).group(0)


def test_profile_asks_about_remote_speaking_and_step_free_access(client, event, speaker):
    page = client.get(profile_url(event))
    assert page.status_code == 200
    assert "I will speak remotely" in page.text and "My time zone" in page.text
    assert "I need step-free access to the room and stage" in page.text
    assert "Shared only with the organizers" in page.text
    assert selected_zone(page.text) == "Europe/Lisbon"  # the event's, until they choose
    response = client.post(
        profile_url(event),
        data={
            "bio": "Beatriz studies lakes.",
            "remote": "y",
            "timezone": "America/Bogota",
            "needs_step_free": "y",
        },
    )
    assert response.status_code == 302
    profile = profile_of(speaker)
    assert (profile.remote, profile.timezone, profile.needs_step_free) == (
        True,
        "America/Bogota",
        True,
    )
    page = client.get(profile_url(event))
    assert selected_zone(page.text) == "America/Bogota"
    assert is_ticked(page.text, "remote") and is_ticked(page.text, "needs_step_free")
    # Unticked boxes mean "no"; the zone is kept only for remote speakers.
    response = client.post(profile_url(event), data={"bio": "Beatriz studies lakes."})
    assert response.status_code == 302
    db.session.refresh(profile)
    assert (profile.remote, profile.timezone, profile.needs_step_free) == (False, "", False)


def test_an_unknown_zone_is_refused_and_what_was_typed_kept(client, event, speaker):
    response = client.post(
        profile_url(event),
        data={"bio": "Beatriz studies lakes.", "remote": "y", "timezone": "Mars/Olympus"},
    )
    assert response.status_code == 400
    assert re.search(r'aria-describedby="[^"]*timezone-error', response.text)
    assert "Choose a time zone from the list." in response.text
    assert "Beatriz studies lakes." in response.text
    assert is_ticked(response.text, "remote")
    assert (
        db.session.scalar(select(SpeakerProfile).where(SpeakerProfile.user_id == speaker.id))
        is None
    )


def test_save_profile_stores_the_zone_only_for_remote_speakers(event):
    speaker = make_user()
    make_talk(event, speaker)
    profile = profiles.save_profile(
        actor=speaker,
        event=event,
        data=ProfileInput(remote=False, timezone="America/Bogota", needs_step_free=True),
        now=NOW,
    )
    assert (profile.remote, profile.timezone) == (False, "")
    person = build_plan(event).people[speaker.id]
    assert person.needs_step_free and not person.remote
    profiles.save_profile(
        actor=speaker,
        event=event,
        data=ProfileInput(remote=True, timezone="Europe/Lisbon"),
        now=NOW,
    )
    assert profile.timezone == ""  # the event's own zone is stored as "the event's"
    profiles.save_profile(
        actor=speaker,
        event=event,
        data=ProfileInput(remote=True, timezone="America/Bogota"),
        now=NOW,
    )
    person = build_plan(event).people[speaker.id]
    assert (person.remote, person.timezone, person.needs_step_free) == (
        True,
        "America/Bogota",
        False,
    )
    with pytest.raises(ValidationFailed) as failed:
        profiles.save_profile(
            actor=speaker,
            event=event,
            data=ProfileInput(remote=True, timezone="Nowhere", website="ftp://x"),
            now=NOW,
        )
    assert set(failed.value.errors) == {"timezone", "website"}
