"""API tokens on the account page in headless Chromium: from the account page, create a token
limited to one event (the form submitted with the keyboard alone), see its secret once and use
it against the read API, find it listed without the secret, then revoke it after the
confirmation page, after which the API refuses it. axe-core on every page."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import check_at_phone_width, tab_to
from tests.e2e.test_accounts_and_events import flash, sign_in

pytestmark = pytest.mark.e2e


def test_create_see_once_use_and_revoke_a_token(page: Page, live_server, axe) -> None:
    tag = uuid.uuid4().hex[:8]
    email = live_server.user(email=f"tokens-{tag}@example.org")
    slug = live_server.event(organizer=email, slug=f"tok-{tag}", name=f"Token Fest {tag}")
    sign_in(page, email)

    page.get_by_role("link", name="Account").click()
    page.get_by_role("link", name="Manage API tokens").click()
    expect(page.get_by_role("heading", level=1, name="API tokens")).to_be_visible()
    expect(page.get_by_text("You have no API tokens yet.")).to_be_visible()
    expect(page.get_by_label("Read-only")).to_be_checked()
    axe.check(page)

    # No name: the message sits by the field.
    page.get_by_role("button", name="Create token").click()
    name = page.get_by_label("Name", exact=True)
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Give the token a name").first).to_be_visible()
    axe.check(page)

    # Keyboard only: type the name, choose the event, Enter on "Create token".
    tab_to(page, name)
    page.keyboard.type("Committee sheet")
    page.get_by_label("Event", exact=True).select_option(label=f"Token Fest {tag}")
    tab_to(page, page.get_by_role("button", name="Create token"))
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Your new token “Committee sheet”")).to_be_visible()
    expect(page.get_by_text("This is the only time it is shown")).to_be_visible()
    secret = page.get_by_label("Secret").input_value()
    assert secret.startswith("org_")
    axe.check(page)
    check_at_phone_width(page, axe)

    # The secret reads the event it is limited to.
    headers = {"Authorization": f"Bearer {secret}"}
    events = page.request.get("/api/v1/events", headers=headers)
    assert events.status == 200, events.text()
    assert [item["slug"] for item in events.json()["items"]] == [slug]

    # Listed afterwards, but never shown again.
    page.goto("/account/api-tokens")
    tokens = page.get_by_role("region", name="Your API tokens")
    row = tokens.get_by_role("row", name="Committee sheet")
    expect(row).to_contain_text(f"Token Fest {tag}")
    expect(row).to_contain_text("read-only")
    expect(page.get_by_label("Secret")).to_have_count(0)
    assert secret not in page.content()
    axe.check(page)
    check_at_phone_width(page, axe)

    row.get_by_role("link", name="Revoke “Committee sheet”").click()
    expect(
        page.get_by_role("heading", level=1, name="Revoke the token “Committee sheet”?")
    ).to_be_visible()
    expect(page.get_by_text("This cannot be undone")).to_be_visible()
    axe.check(page)
    page.get_by_role("button", name="Revoke token").click()

    expect(flash(page)).to_contain_text("The token “Committee sheet” is revoked")
    expect(
        page.get_by_role("region", name="Your API tokens").get_by_role(
            "row", name="Committee sheet"
        )
    ).to_contain_text("revoked")
    axe.check(page)
    assert page.request.get("/api/v1/events", headers=headers).status == 401
