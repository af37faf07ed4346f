"""Deleting one's account in Chromium: the explanation, a refused attempt (errors tied to
their fields), then the deletion and the mail; axe-core scans each page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from organizer.enums import EventRoleName
from tests.conftest import Mailbox
from tests.e2e.test_accounts_and_events import flash, sign_in, unique_email
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


def test_delete_my_account(page: Page, live_server, axe, mailbox: Mailbox, wait_for_mail) -> None:
    email = unique_email("leaving")
    live_server.user(name="Lea Leaving", email=email)
    organizer = live_server.user(name="Otto Organizer", email=unique_email("otto"))
    slug = live_server.event(name="Deletion Workshop", organizer=organizer)
    live_server.grant_role(email, slug, EventRoleName.REVIEWER)

    sign_in(page, email)
    page.goto("/account")
    expect(page.get_by_role("link", name="Download my data")).to_have_attribute(
        "href", "/account/data.zip"
    )
    page.get_by_role("link", name="Delete my account").click()
    expect(page.get_by_role("heading", level=1, name="Delete your account")).to_be_visible()
    expect(page.get_by_role("heading", name="What stays, without your name")).to_be_visible()
    axe.check(page)

    # a wrong password and a wrong address: both messages, each tied to its field
    page.get_by_label("Your password").fill("not my password")
    page.get_by_label("Type your email address to confirm").fill("someone@example.org")
    page.get_by_role("button", name="Delete my account for good").click()
    expect(page.get_by_role("alert").first).to_contain_text("There is a problem")
    password = page.get_by_label("Your password")
    expect(password).to_have_attribute("aria-invalid", "true")
    confirmation = page.get_by_label("Type your email address to confirm")
    expect(confirmation).to_have_accessible_description(re.compile("Type your email address"))
    axe.check(page)

    password.fill(PASSWORD)
    confirmation.fill(email)
    page.get_by_role("button", name="Delete my account for good").click()
    expect(flash(page)).to_contain_text("Your account is deleted")
    axe.check(page)
    message = wait_for_mail(email)
    assert "deleted" in message["Subject"]

    # signed out, and the old password opens nothing
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#password-error")).to_contain_text("do not match an account")
