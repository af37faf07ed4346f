"""Slides and recordings, clicked through in headless Chromium: the speaker of a released talk
adds a link to the slides and uploads a PDF from their proposal page (an error on the way,
tied to its field), and a visitor finds both on the talk's public page and downloads the PDF.
axe-core scans every page."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from organizer.extensions import db
from organizer.services.scheduling import releases
from tests import factories
from tests.documents import make_pdf
from tests.e2e.test_accounts_and_events import flash, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def released_talk(live_server) -> dict[str, Any]:
    suffix = uuid.uuid4().hex[:8]

    def seed() -> dict[str, Any]:
        organizer = factories.make_user(name="Olga Organizer")
        event = factories.make_schedule_event(organizer, slug=f"materials-{suffix}")
        room = factories.make_room(event, "Aula Magna")
        speaker = factories.make_user(name="Ana Lima", email=f"ana-{suffix}@example.org")
        talk = factories.make_talk(
            event,
            speaker,
            title="Maps and nets",
            room=room,
            starts_at=factories.lisbon(27, 10),
        )
        db.session.flush()
        releases.release(event=event, actor=organizer, now=factories.NOW, comment="")
        return {
            "slug": event.slug,
            "email": speaker.email,
            "proposal": talk.proposal.public_id,
            "code": talk.code,
        }

    return live_server.run(seed)


def test_a_speaker_adds_slides_and_a_visitor_finds_them(
    page: Page, new_context, live_server, axe, released_talk, tmp_path: Path
) -> None:
    slug = released_talk["slug"]
    sign_in(page, released_talk["email"])
    page.goto(f"/{slug}/cfp/proposals/{released_talk['proposal']}")
    section = page.get_by_role("region", name="Slides and recordings")
    expect(section).to_contain_text("No slides or recordings yet")
    axe.check(page)

    # A link without its https:// is refused, the message tied to the field.
    page.get_by_role("radio", name="Slides").check()
    page.get_by_label("Title").fill("Slides online")
    page.get_by_label("Link").fill("slides.example.org/maps")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    link = page.get_by_label("Link")
    expect(link).to_have_attribute("aria-invalid", "true")
    expect(link).to_have_accessible_description(re.compile("starting with https://"))
    axe.check(page)
    link.fill("https://slides.example.org/maps")
    page.get_by_role("button", name="Add").click()
    expect(flash(page)).to_contain_text("“Slides online” is added.")

    # The same slides as a PDF.
    pdf = tmp_path / "maps-and-nets.pdf"
    pdf.write_bytes(make_pdf(["Maps and nets: the slides."]))
    page.get_by_role("radio", name="Slides").check()
    page.get_by_label("Title").fill("Slides (PDF)")
    page.get_by_label("Or upload a PDF").set_input_files(str(pdf))
    page.get_by_role("button", name="Add").click()
    expect(flash(page)).to_contain_text("“Slides (PDF)” is added.")
    expect(section.get_by_role("link", name="Slides (PDF)", exact=True)).to_be_visible()
    expect(section.get_by_role("link", name="Remove Slides (PDF)")).to_be_visible()
    axe.check(page)

    # A visitor, in a browser of their own, on the talk's page (no new release was made).
    visitor = new_context().new_page()
    visitor.goto(f"{live_server.url}/{slug}/talk/{released_talk['code']}/")
    materials = visitor.get_by_role("region", name="Slides and recordings")
    expect(materials.get_by_role("link", name="Slides online", exact=True)).to_have_attribute(
        "href", "https://slides.example.org/maps"
    )
    file_link = materials.get_by_role("link", name="Slides (PDF)", exact=True)
    expect(file_link).to_be_visible()
    axe.check(visitor)
    with visitor.expect_download() as download:
        file_link.click()
    assert download.value.suggested_filename == "maps-and-nets.pdf"
    assert Path(download.value.path()).read_bytes() == pdf.read_bytes()

    # The speaker removes the link, after a confirmation page.
    section.get_by_role("link", name="Remove Slides online").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Remove “Slides online”?")
    axe.check(page)
    page.get_by_role("button", name="Remove").click()
    expect(flash(page)).to_contain_text("“Slides online” is removed.")
    expect(section.get_by_role("link", name="Slides online", exact=True)).to_have_count(0)
