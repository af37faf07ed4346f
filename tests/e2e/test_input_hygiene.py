"""A right-to-left override pasted into a name is refused with a message tied to the field;
an Arabic name with a right-to-left mark is kept as typed."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.factories import PASSWORD


def test_a_bidi_override_in_a_name_is_refused_and_rtl_names_are_kept(
    page: Page, live_server, axe
) -> None:
    email = live_server.user(email=f"rtl-{uuid.uuid4().hex[:8]}@example.org")
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Home")).to_be_visible()

    page.goto("/account")
    name = page.get_by_label("Your name")
    name.fill("\u202eamiL anA")
    page.get_by_role("button", name="Save profile").click()
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_accessible_description(
        re.compile(r"U\+202E RIGHT-TO-LEFT OVERRIDE.*Right-to-left letters are fine")
    )
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    axe.check(page)

    name.fill("نور حداد\u200f")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_label("Your name")).to_have_value("نور حداد\u200f")
    expect(page.get_by_label("Your name")).not_to_have_attribute("aria-invalid", "true")
