"""The event archive in headless Chromium: an organizer makes an export of their event (the
worker runs at once in tests) and downloads the zip; a site admin then imports that file into
a new event, submitting with the keyboard alone, and opens the new event's dashboard. axe-core
on every page."""

from __future__ import annotations

import uuid
import zipfile

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.e2e.conftest import TWO_FACTOR_SECRETS, check_at_phone_width, tab_to
from tests.e2e.test_accounts_and_events import sign_in

pytestmark = pytest.mark.e2e


def site_admin(live_server, email: str) -> str:
    """A site admin with two-factor sign-in whose secret sign_in knows."""

    def make() -> str:
        user = factories.make_user(email=email, site_admin=True, two_factor=False)
        return factories.enrol_two_factor(user)

    TWO_FACTOR_SECRETS[email] = live_server.run(make)
    return email


def test_export_download_and_import_as_a_site_admin(page: Page, live_server, axe, tmp_path) -> None:
    tag = uuid.uuid4().hex[:8]
    email = live_server.user(email=f"archive-{tag}@example.org")
    slug = live_server.event(organizer=email, slug=f"arch-{tag}", name=f"Archive {tag}")
    live_server.call(slug)
    sign_in(page, email)

    page.goto(f"/manage/{slug}/")
    page.get_by_role("link", name="Export the whole event").click()
    expect(page.get_by_role("heading", level=1, name="Export the whole event")).to_be_visible()
    expect(page.get_by_text("No archive has been made yet.")).to_be_visible()
    axe.check(page)

    page.get_by_role("button", name="Make a new archive").click()
    download_link = page.get_by_role("link", name="Download the archive")
    expect(download_link).to_be_visible()
    expect(page.get_by_text("No archive has been made yet.")).to_have_count(0)
    axe.check(page)
    check_at_phone_width(page, axe)
    with page.expect_download() as info:
        download_link.click()
    archive = tmp_path / info.value.suggested_filename
    info.value.save_as(archive)
    assert archive.suffix == ".zip"
    with zipfile.ZipFile(archive) as opened:
        assert {"manifest.json", "proposals.json"} <= set(opened.namelist())
    page.get_by_role("button", name="Sign out").click()

    admin = site_admin(live_server, f"archive-admin-{tag}@example.org")
    sign_in(page, admin)
    page.goto("/manage/")
    page.get_by_role("link", name="Import an event").click()
    expect(page.get_by_role("heading", level=1, name="Import an event")).to_be_visible()
    axe.check(page)
    check_at_phone_width(page, axe)

    # No file: the message sits by the field.
    page.get_by_role("button", name="Import into a new event").click()
    expect(page.get_by_text("Choose an archive to upload").first).to_be_visible()
    axe.check(page)

    page.get_by_label("Event archive (.zip)").set_input_files(archive)
    page.get_by_label("Address of the new event").fill(f"arch-{tag}-copy")
    tab_to(page, page.get_by_role("button", name="Import into a new event"))
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1, name="Import an event")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Imported into a new event:")
    axe.check(page)
    page.get_by_role("link", name=f"Archive {tag}").click()
    expect(page).to_have_url(f"{live_server.url}/manage/arch-{tag}-copy/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe.check(page)
    assert live_server.event_values(f"arch-{tag}-copy", "name") == {"name": f"Archive {tag}"}
