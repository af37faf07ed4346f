"""Registration's set-up pages in headless Chromium, on an event of the test's own: axe-core on
the settings, kinds of place, questions and code of conduct pages at desktop and phone width;
a mistake shown next to its field with what was typed kept; a kind of place added and deleted
after confirmation."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import VIEWPORTS, check_page
from tests.e2e.test_accounts_and_events import flash, sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: f"{v['width']}px")
def test_registration_settings_pages(page: Page, live_server, axe, viewport) -> None:
    page.set_viewport_size(viewport)
    email = live_server.user(email=f"reg-setup-{uuid.uuid4().hex[:8]}@example.org")
    slug = live_server.event(
        organizer=email,
        slug=f"reg-{uuid.uuid4().hex[:8]}",
        starts_on=dt.date(2027, 3, 27),
        ends_on=dt.date(2027, 3, 28),
        timezone="Europe/Lisbon",
    )
    sign_in(page, email)

    page.goto(f"/manage/{slug}/")
    page.get_by_role("link", name="Set up registration").click()
    expect(page.get_by_role("heading", level=1, name="Registration")).to_be_visible()
    expect(page.get_by_text("Registration is not set up yet")).to_be_visible()
    check_page(page, axe, viewport)

    # A fee without saying how it is paid: the message sits by its field, the rest is kept.
    page.get_by_label("Seats in all (optional)").fill("45")
    page.get_by_label("A fee is due").check()
    page.get_by_role("button", name="Save settings").click()
    note = page.get_by_label("How the fee is paid")
    expect(note).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#fee_note-error")).to_contain_text("Say how the fee is paid")
    expect(page.get_by_label("Seats in all (optional)")).to_have_value("45")
    expect(page.get_by_label("A fee is due")).to_be_checked()
    check_page(page, axe, viewport)
    note.fill("€30 on site, by card or in cash.")
    page.get_by_role("button", name="Save settings").click()
    expect(flash(page)).to_contain_text("Registration is set up")
    expect(page.get_by_text("0 of 45")).to_be_visible()

    # Kinds of place: the empty list, one added, its deletion confirmed.
    page.get_by_role("link", name="Kinds of place").click()
    expect(page.get_by_text("No kinds of place")).to_be_visible()
    check_page(page, axe, viewport)
    page.get_by_label("Name").fill("Remote")
    page.get_by_label("Seats of this kind (optional)").fill("100")
    page.get_by_role("button", name="Save kind of place").click()
    expect(flash(page)).to_contain_text("“Remote” is added")
    check_page(page, axe, viewport)
    page.get_by_role("link", name="Delete Remote").click()
    expect(page.get_by_role("heading", level=1, name="Delete a kind of place")).to_be_visible()
    check_page(page, axe, viewport)
    page.get_by_role("button", name="Delete the kind of place").click()
    expect(flash(page)).to_contain_text("“Remote” is deleted")

    # The form's own questions, and the code of conduct's versions.
    page.get_by_role("link", name="Questions").first.click()
    expect(page.get_by_text("No questions of your own")).to_be_visible()
    check_page(page, axe, viewport)
    page.get_by_role("link", name="Code of conduct").first.click()
    expect(page.get_by_text("Current version: 1.")).to_be_visible()
    check_page(page, axe, viewport)
