"""Sign out everywhere, clicked through in Chromium: two browsers signed in to one account,
the account page, the confirmation page (axe-scanned), and both browsers signed out after."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


def sign_in(page: Page, email: str, *, stay: bool = False) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    if stay:
        page.get_by_label("Keep me signed in", exact=False).check()
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Home")).to_be_visible()


def test_sign_out_everywhere_ends_the_other_browsers_session(
    page: Page, browser: Browser, browser_context_args, live_server, axe
) -> None:
    email = live_server.user(email=f"kim-{uuid.uuid4().hex[:8]}@example.org", name="Kim Lee")
    other = browser.new_context(**browser_context_args)
    try:
        phone = other.new_page()
        sign_in(phone, email, stay=True)
        sign_in(page, email)

        page.goto("/account")
        expect(page.get_by_text("You are signed in on 2 devices or browsers.")).to_be_visible()
        page.get_by_role("link", name="Sign out everywhere").click()
        expect(page.get_by_role("heading", level=1, name="Sign out everywhere")).to_be_visible()
        axe.check(page)
        page.get_by_role("link", name="Cancel").click()
        expect(page.get_by_role("heading", level=1, name="Your account")).to_be_visible()

        page.get_by_role("link", name="Sign out everywhere").click()
        page.get_by_role("button", name="Sign out everywhere").click()
        expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
        expect(page.locator(".flashes")).to_contain_text("signed out on every device")
        axe.check(page)

        # the other browser, even with "stay signed in", is signed out on its next click
        phone.goto("/account")
        expect(phone.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
        sign_in(phone, email)  # the password still works
    finally:
        other.close()
