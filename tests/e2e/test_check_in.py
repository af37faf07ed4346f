"""Check-in at the door on a phone (390x844): a volunteer searches by name without accents,
opens a person, checks them in, undoes it, and watches the count change, also by itself
(the small script asks every 15 s); the QR code's address leads through sign-in back to the
person. axe-core on each page."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from organizer.enums import EventRoleName, RegistrationState
from organizer.services.events import event_by_slug
from organizer.services.registration import check_in
from tests import factories
from tests.e2e.conftest import check_page, pass_second_step
from tests.e2e.test_accounts_and_events import flash
from tests.registration_factories import make_registration

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
TURKISH = "Ay\u015fe Y\u0131lmaz"  # with a cedilla and a dotless i


def seed(live_server) -> dict[str, str]:
    tag = uuid.uuid4().hex[:8]
    organizer = live_server.user(name="Olga Organizer")
    volunteer = live_server.user(name="Vera Volunteer")
    slug = live_server.event(organizer=organizer, slug=f"door-{tag}")
    live_server.grant_role(volunteer, slug, EventRoleName.CHECK_IN)

    def make() -> dict[str, str]:
        event = event_by_slug(slug)
        ayse = make_registration(event, name=TURKISH, pronouns="she/her")
        other = make_registration(event, name="Bruno Costa")
        make_registration(event, name="Cleo Waiting", state=RegistrationState.WAITLISTED)
        return {
            "slug": slug,
            "volunteer": volunteer,
            "ayse": ayse.public_id,
            "other": other.public_id,
        }

    return live_server.run(make)


def sign_in_from_here(page: Page, email: str) -> None:
    """The sign-in page the check-in address sent us to; it sends us back."""
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    pass_second_step(page, email)


def test_a_volunteer_checks_people_in_on_a_phone(page: Page, live_server, axe) -> None:
    facts = seed(live_server)
    slug = facts["slug"]
    page.set_viewport_size(PHONE)
    page.clock.install()

    # The QR code on a badge: the check-in address, through sign-in and back.
    page.goto(f"/{slug}/check-in/{facts['ayse']}")
    sign_in_from_here(page, facts["volunteer"])
    expect(page.get_by_role("heading", level=1, name=TURKISH)).to_be_visible()
    check_page(page, axe, PHONE)

    # The search, without accents or capitals.
    page.goto(f"/{slug}/check-in/")
    count = page.locator(".check-in-count")
    expect(count).to_have_text("0 of 2 checked in")
    check_page(page, axe, PHONE)
    page.get_by_label("Name").fill("ayse yilmaz")
    page.get_by_role("button", name="Search").click()
    results = page.locator(".check-in-list li")
    expect(results).to_have_count(1)
    check_page(page, axe, PHONE)

    # Open the person, check in: back at the search with the query and a message.
    results.get_by_role("link", name=TURKISH).click()
    expect(page.get_by_text("she/her")).to_be_visible()
    page.get_by_role("button", name="Checked in").click()
    expect(flash(page)).to_contain_text(f"{TURKISH} is checked in.")
    expect(page.get_by_label("Name")).to_have_value("ayse yilmaz")
    expect(count).to_have_text("1 of 2 checked in")
    expect(results.first).to_contain_text("Checked in at")
    check_page(page, axe, PHONE)

    # Undo from the person's page.
    results.get_by_role("link", name=TURKISH).click()
    expect(page.get_by_text("by Vera Volunteer")).to_be_visible()
    check_page(page, axe, PHONE)
    page.get_by_role("button", name="Undo check-in").click()
    expect(flash(page)).to_contain_text(f"Check-in undone for {TURKISH}.")
    expect(count).to_have_text("0 of 2 checked in")

    # Someone else checks Bruno in at another phone: the count follows within 15 s.
    page.goto(f"/{slug}/check-in/")
    expect(page.locator(".check-in-list li")).to_have_count(3)
    expect(page.get_by_text("Not confirmed: on the waiting list")).to_be_visible()

    def elsewhere() -> None:
        event = event_by_slug(slug)
        other_volunteer = factories.make_user(name="Otto Other")
        factories.grant_role(other_volunteer, event, EventRoleName.CHECK_IN)
        person = check_in.registration_for_check_in(
            event=event, actor=other_volunteer, public_id=facts["other"]
        )
        check_in.check_in(registration=person, actor=other_volunteer, now=factories.NOW)

    live_server.run(elsewhere)
    expect(count).to_have_text("0 of 2 checked in")
    page.clock.run_for(16_000)
    expect(count).to_have_text("1 of 2 checked in")

    # The list's own button.
    page.get_by_role("button", name=f"Check in {TURKISH}").click()
    expect(flash(page)).to_contain_text(f"{TURKISH} is checked in.")
    expect(count).to_have_text("2 of 2 checked in")
    check_page(page, axe, PHONE)
