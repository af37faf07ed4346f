"""Two-factor sign-in clicked through in headless Chromium: an event that requires it sends its
organizer to enrolment, who scans (here: reads) the key, confirms a code, saves the recovery
codes and continues where they were going; then signs in with a recovery code and with a code
from the app. Codes are computed with pyotp, as an authenticator app would. axe on every page."""

from __future__ import annotations

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PHONE_WIDTH, assert_fits_the_screen, totp_code
from tests.e2e.test_accounts_and_events import flash, unique_email
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


def password_step(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()


def test_enrol_when_the_event_requires_it_then_sign_in_with_both_kinds_of_code(
    page: Page, live_server, axe
) -> None:
    email = live_server.user(email=unique_email("twofactor"))
    slug = live_server.event(organizer=email, require_two_factor=True)

    # Signed in with the password alone: the event's pages send them to enrolment.
    password_step(page, email)
    expect(page.get_by_role("heading", level=1, name="Home")).to_be_visible()
    page.goto(f"/manage/{slug}/team")
    expect(page.get_by_role("heading", level=1, name="Two-factor sign-in")).to_be_visible()
    expect(flash(page)).to_contain_text("asks everyone on its team to use two-factor sign-in")
    axe.check(page)
    page.get_by_role("button", name="Set up two-factor sign-in").click()

    # The QR code, and the same key written out.
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    secret = page.locator(".secret-key code").inner_text().replace(" ", "")
    assert pyotp.TOTP(secret).now().isdigit()  # a valid base32 key
    axe.check(page)
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 844})
    assert_fits_the_screen(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    # A wrong code: the message is tied to the field, and nothing is switched on.
    code_input = page.get_by_label("Code from your app")
    code_input.fill("000000")
    page.get_by_role("button", name="Switch on two-factor sign-in").click()
    expect(page.get_by_label("Code from your app")).to_have_accessible_description(
        "After adding the key, your app shows 6 digits that change every 30 seconds. "
        "Error: That code is not right. Check that the time on your phone is correct and "
        "enter the 6 digits your app shows now."
    )
    axe.check(page)
    page.get_by_label("Code from your app").fill(totp_code(secret))
    page.get_by_role("button", name="Switch on two-factor sign-in").click()

    # The recovery codes, shown once; continuing goes back to the team page.
    expect(page.get_by_role("heading", level=1, name="Your recovery codes")).to_be_visible()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    expect(page.get_by_role("link", name="Download as a text file")).to_have_attribute(
        "download", "recovery-codes.txt"
    )
    axe.check(page)
    page.get_by_role("link", name="I saved them, continue").click()
    expect(page.get_by_role("heading", level=1, name="Team")).to_be_visible()
    expect(page.get_by_role("row", name=email)).not_to_contain_text("not set up")
    sign_out(page)

    # Signing in now asks for a code; a recovery code works once.
    password_step(page, email)
    expect(page.get_by_role("heading", level=1, name="Two-factor sign-in")).to_be_visible()
    axe.check(page)
    page.get_by_label("Code", exact=True).fill("123456")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    axe.check(page)
    page.get_by_label("Code", exact=True).fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1, name="Home")).to_be_visible()
    expect(flash(page)).to_contain_text("9 unused codes are left")
    sign_out(page)

    # And a code from the app, keeping where they were going.
    page.goto(f"/manage/{slug}/settings")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code", exact=True).fill(totp_code(secret))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1, name="Event settings")).to_be_visible()
    expect(page.get_by_label("Require two-factor sign-in of everyone on the team")).to_be_checked()
    axe.check(page)
