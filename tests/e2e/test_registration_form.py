"""reg-core: the attendee's registration form in headless Chromium, with axe-core at desktop
and phone width: an error keeps what was typed, registering confirms, my registration shows
the status, and cancelling asks first. The test makes its own event and settings."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from organizer.extensions import db
from organizer.models import RegistrationSettings
from organizer.services.events import event_by_slug
from tests.e2e.conftest import VIEWPORTS, check_page
from tests.e2e.test_accounts_and_events import sign_in

pytestmark = pytest.mark.e2e


def _open_registration(slug: str) -> None:
    now = dt.datetime.now(dt.UTC)
    event = event_by_slug(slug)
    assert event is not None
    db.session.add(
        RegistrationSettings(
            event_id=event.id,
            opens_at=now - dt.timedelta(days=1),
            closes_at=now + dt.timedelta(days=30),
            capacity=50,
            created_at=now,
            updated_at=now,
        )
    )


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["desktop", "phone"])
def test_registering_for_an_event(page: Page, live_server, axe, viewport) -> None:
    page.set_viewport_size(viewport)
    slug = live_server.event()
    live_server.run(_open_registration, slug)
    email = live_server.user()
    sign_in(page, email)

    page.goto(f"/{slug}/")
    page.get_by_role("link", name="Register", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Register")
    check_page(page, axe, viewport)

    page.get_by_label("Name on your badge (optional)").fill("Badge Name")
    page.get_by_label("Step-free access").check()
    page.get_by_role("button", name="Register").click()  # without the code of conduct
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.get_by_label("Name on your badge (optional)")).to_have_value("Badge Name")
    expect(page.get_by_label("Step-free access")).to_be_checked()
    check_page(page, axe, viewport)

    page.get_by_label("I have read the code of conduct and agree to follow it").check()
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", level=2, name="Status: confirmed")).to_be_visible()
    check_page(page, axe, viewport)

    page.get_by_role("link", name="Cancel my registration").click()
    check_page(page, axe, viewport)
    page.get_by_role("button", name="Yes, cancel my registration").click()
    expect(page.get_by_role("heading", level=2, name="Status: cancelled")).to_be_visible()
