"""Importing a published schedule in headless Chromium: from the event's dashboard, upload a
frab XML file, read the preview (what is created, what is skipped and why, nothing written
yet), choose to release it with the keyboard alone, and see the import's result; axe-core on
every page."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import check_at_phone_width, tab_to
from tests.e2e.test_accounts_and_events import flash, sign_in
from tests.schedule_import.conftest import DATA

pytestmark = pytest.mark.e2e


def test_upload_preview_and_release_a_frab_schedule(page: Page, live_server, axe) -> None:
    email = live_server.user(email=f"sched-import-{uuid.uuid4().hex[:8]}@example.org")
    slug = live_server.event(
        organizer=email, slug=f"simp-{uuid.uuid4().hex[:8]}", timezone="Europe/Lisbon"
    )
    sign_in(page, email)

    page.goto(f"/manage/{slug}/")
    page.get_by_role("link", name="Import a published schedule").click()
    expect(page.get_by_role("heading", level=1, name="Import a published schedule")).to_be_visible()
    axe.check(page)

    # No file chosen: the message sits by the field.
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.locator("#upload-file-error")).to_contain_text("Choose a file.")
    axe.check(page)

    page.get_by_label("Schedule file").set_input_files(DATA / "frab.xml")
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", level=1, name="Schedule import: frab.xml")).to_be_visible()
    expect(page.get_by_role("heading", name="What the import does")).to_be_visible()
    expect(page.get_by_text("its start time could not be read")).to_be_visible()
    expect(page.get_by_text("Nothing has been written yet.")).to_be_visible()
    summary = page.get_by_role("region", name="Summary of the import")
    expect(summary.get_by_role("row", name="Sessions")).to_be_visible()
    page.get_by_text("Sessions (", exact=False).first.click()  # open the sessions' details
    expect(page.get_by_text("Opening keynote: 地図と網")).to_be_visible()
    axe.check(page)
    check_at_phone_width(page, axe)

    # Keyboard only: Tab to the choice, pick "released" with the arrow key, Enter on Import.
    draft = page.get_by_label("A draft to edit in the schedule editor")
    expect(draft).to_be_checked()
    tab_to(page, draft)
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("A released schedule (the next version)")).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Import", exact=True))
    page.keyboard.press("Enter")

    expect(flash(page)).to_contain_text("Imported and released as version 1.")
    expect(page.get_by_text("It was released as version 1.")).to_be_visible()
    expect(page.get_by_role("heading", name="What the import did")).to_be_visible()
    expect(page.get_by_role("button", name="Import", exact=True)).to_have_count(0)
    axe.check(page)

    page.get_by_role("link", name="Open the schedule editor").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_text("Opening keynote: 地図と網").first).to_be_attached()
