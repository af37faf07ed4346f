"""A speaker's photo and links (issue 16) in headless Chromium: the speaker uploads a photo
with consent, a description and a link on their profile, and sees the photo (loaded, with its
alt text) and the link on their public speaker page; axe-core scans each page."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from organizer.extensions import db
from organizer.models import SpeakerProfile, User
from organizer.services.scheduling import releases
from tests import factories
from tests.documents import make_image
from tests.e2e.test_accounts_and_events import flash, sign_in, unique_email

pytestmark = pytest.mark.e2e


def test_upload_a_photo_with_consent_and_see_it_on_the_public_page(
    page: Page, live_server, axe, tmp_path: Path
) -> None:
    speaker = live_server.user(name="Ana Photo", email=unique_email("photo"))
    slug = f"photos-{uuid.uuid4().hex[:6]}"

    def seed() -> str:
        organizer = factories.make_user()
        event = factories.make_schedule_event(organizer, slug=slug, name="Photo Workshop")
        room = factories.make_room(event, "Aula", position=0)
        user = db.session.scalar(select(User).where(User.email == speaker))
        factories.make_talk(
            event, user, title="Rivers", room=room, starts_at=factories.lisbon(27, 10)
        )
        releases.release(event=event, actor=organizer, now=factories.NOW, comment="")
        return db.session.scalar(
            select(SpeakerProfile.code).where(SpeakerProfile.user_id == user.id)
        )

    code = live_server.run(seed)
    picture = tmp_path / "ana.jpg"
    picture.write_bytes(make_image("JPEG", size=(800, 600), gps=True))

    sign_in(page, speaker)
    page.goto(f"/{slug}/cfp/profile")
    expect(page.get_by_role("heading", level=1, name="Speaker profile")).to_be_visible()
    consent = page.get_by_label("Show this photo on my public speaker page")
    expect(consent).to_have_accessible_description(re.compile("organizers"))
    axe.check(page)

    # A wrong link first: the message is tied to its field, and the photo must be sent again.
    page.get_by_label("Photo (optional)", exact=True).set_input_files(str(picture))
    consent.check()
    page.get_by_label("Describe your photo (optional)").fill("Ana by a river")
    page.get_by_label("Label of link 1").fill("Slides")
    page.get_by_label("Address of link 1").fill("ftp://slides.example.org")
    page.get_by_role("button", name="Save profile").click()
    address = page.get_by_label("Address of link 1")
    expect(address).to_have_attribute("aria-invalid", "true")
    expect(address).to_have_accessible_description(re.compile("https://"))
    axe.check(page)

    address.fill("https://slides.example.org/ana")
    page.get_by_label("Photo (optional)", exact=True).set_input_files(str(picture))
    page.get_by_role("button", name="Save profile").click()
    expect(flash(page)).to_contain_text("Your speaker profile is saved")

    # Back on the profile, the speaker sees the square that is kept (and would be shown).
    page.goto(f"/{slug}/cfp/profile")
    preview = page.get_by_role("img", name="Your current photo, as it would be shown")
    expect(preview).to_be_visible()
    assert preview.evaluate("img => img.complete && img.naturalWidth") == 512
    expect(page.get_by_label("Show this photo on my public speaker page")).to_be_checked()
    axe.check(page)

    # The public page, as anyone sees it.
    page.goto(f"/{slug}/speakers/{code}/")
    photo = page.get_by_role("img", name="Ana by a river")
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.complete && img.naturalWidth") == 512
    link = page.get_by_role("link", name="Slides")
    expect(link).to_have_attribute("href", "https://slides.example.org/ana")
    expect(link).to_have_attribute("rel", "nofollow ugc noopener")
    axe.check(page)

    page.goto(f"/{slug}/speakers/")
    expect(page.locator("img.speaker-index__photo")).to_have_count(1)
    axe.check(page)
