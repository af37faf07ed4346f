"""Accounts, event settings and the team, clicked through in headless Chromium, with axe-core
scans of every page on the way (and of the error states, where people need them most)."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from playwright.sync_api import Locator, Page, expect

from organizer.enums import EventRoleName
from tests.conftest import Mailbox
from tests.e2e.conftest import pass_second_step
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


def unique_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.org"


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    pass_second_step(page, email)
    expect(page.get_by_role("heading", level=1, name="Home")).to_be_visible()


def flash(page: Page) -> Locator:
    return page.locator(".flashes[role=status]")


def test_register_verify_login_and_edit_event(
    page: Page, live_server, axe, mailbox: Mailbox, wait_for_mail
) -> None:
    slug = live_server.event(
        starts_on=dt.date(2027, 3, 27), ends_on=dt.date(2027, 3, 28), timezone="Europe/Lisbon"
    )
    email = unique_email("newcomer")

    # Home page, then the registration form.
    page.goto("/")
    expect(page.get_by_role("heading", level=1, name="Workshops and events")).to_be_visible()
    axe.check(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Create account").click()
    expect(page.get_by_role("heading", level=1, name="Create an account")).to_be_visible()
    axe.check(page)

    # An empty submission: a summary at the top, and each message tied to its field.
    page.get_by_role("button", name="Create account").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link", name=re.compile("Email address"))).to_have_attribute(
        "href", "#email"
    )
    name_input = page.get_by_label("Your name")
    email_input = page.get_by_label("Email address")
    password_input = page.get_by_label("Password")
    expect(email_input).to_have_accessible_description(re.compile(r"Enter your email address\."))
    expect(email_input).to_have_attribute("aria-invalid", "true")
    expect(name_input).to_have_accessible_description(
        re.compile(r"badge.*Enter the name you want others to see\.")
    )
    expect(password_input).to_have_accessible_description(
        re.compile(r"At least \d+ characters.*Choose a password\.")
    )
    axe.check(page)

    # A real registration.
    name_input.fill("Noor Haddad")
    email_input.fill(email)
    password_input.fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1, name="Check your inbox")).to_be_visible()
    axe.check(page)

    # The link in the mail verifies the address and leads to the sign-in page.
    verify_path = mailbox.link(wait_for_mail(email), "/verify/")
    page.goto(verify_path)
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(flash(page)).to_contain_text("your email address is verified")
    axe.check(page)
    sign_in(page, email)

    # Someone makes the newcomer an organizer of the event.
    live_server.grant_role(email, slug, EventRoleName.ORGANIZER)
    page.goto(f"/manage/{slug}/settings")
    expect(page.get_by_role("heading", level=1, name="Event settings")).to_be_visible()
    axe.check(page)

    # Impossible values: each message next to its field, nothing saved.
    first_day = page.get_by_label("First day")
    last_day = page.get_by_label("Last day")
    timezone = page.get_by_label("Time zone")
    expect(first_day).to_have_value("2027-03-27")
    last_day.fill("2027-03-20")
    timezone.fill("Mars/Olympus")
    page.get_by_role("button", name="Save event").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(last_day).to_have_accessible_description(
        re.compile(r"The last day cannot be before the first day\.")
    )
    expect(last_day).to_have_attribute("aria-invalid", "true")
    expect(timezone).to_have_value("Mars/Olympus")  # what was typed is kept to correct it
    expect(timezone).to_have_accessible_description(
        re.compile(r"IANA time zone, e\.g\. Europe/Lisbon.*Use an IANA time zone name")
    )
    expect(timezone).to_have_attribute("aria-invalid", "true")
    axe.check(page)
    assert live_server.event_values(slug, "starts_on", "ends_on", "timezone") == {
        "starts_on": dt.date(2027, 3, 27),
        "ends_on": dt.date(2027, 3, 28),
        "timezone": "Europe/Lisbon",
    }

    # Corrected, and renamed: saved.
    last_day.fill("2027-03-29")
    timezone.fill("Europe/Berlin")
    page.get_by_label("Name", exact=True).fill("Mangrove Spring Workshop")
    page.get_by_role("button", name="Save event").click()
    expect(flash(page)).to_contain_text("The event is saved.")
    expect(page.get_by_role("alert")).to_have_count(0)
    assert live_server.event_values(slug, "name", "ends_on", "timezone") == {
        "name": "Mangrove Spring Workshop",
        "ends_on": dt.date(2027, 3, 29),
        "timezone": "Europe/Berlin",
    }

    # The public page shows the new name.
    page.goto(f"/{slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mangrove Spring Workshop")
    expect(page).to_have_title(re.compile("^Mangrove Spring Workshop"))
    axe.check(page)


def test_keyboard_path_and_skip_link(page: Page, live_server) -> None:
    email = live_server.user()
    page.goto("/login")

    # The first Tab reaches the skip link, which shows itself; Enter moves focus to main.
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()

    # From main, the form in order: email, password, then Enter submits.
    page.keyboard.press("Tab")
    email_input = page.get_by_label("Email address")
    expect(email_input).to_be_focused()
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    # (the browser keeps the #main fragment across the redirect)
    expect(page).to_have_url(re.compile(r"/home/(#main)?$"))
    expect(page.get_by_role("heading", level=1, name="Home")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


BROKEN_PAGE = """<!doctype html>
<html lang="en">
<head><title>Broken on purpose</title></head>
<body>
  <main>
    <h1>Broken on purpose</h1>
    <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="40" height="40">
    <form><input type="text" name="nameless"></form>
    <p style="color: #d8d8d8; background: #ffffff">Very faint text that nobody can read.</p>
  </main>
</body>
</html>"""


def test_axe_catches_a_broken_page(page: Page, axe) -> None:
    """The negative control: if axe were not really running, every other scan would pass."""
    page.set_content(BROKEN_PAGE)
    violations, report = axe.serious_violations(page)
    found = {v["id"] for v in violations}
    assert {"image-alt", "label", "color-contrast"} <= found, report
    with pytest.raises(AssertionError, match="image-alt"):
        axe.check(page)


def test_team_invitation_flow(
    page: Page, new_context, live_server, axe, mailbox: Mailbox, wait_for_mail
) -> None:
    organizer = live_server.user(name="Olu Organizer")
    slug = live_server.event(organizer=organizer, name="Mangrove Team Workshop")
    invitee = unique_email("reviewer")

    # The organizer invites a reviewer.
    sign_in(page, organizer)
    page.goto(f"/manage/{slug}/team")
    expect(page.get_by_role("heading", level=1, name="Team")).to_be_visible()
    axe.check(page)
    form = page.get_by_role("form", name="Invite someone")
    form.get_by_label("Email address").fill(invitee)
    form.get_by_role("radio", name=re.compile("^Reviewer")).check()
    form.get_by_role("button", name="Send invitation").click()
    expect(flash(page)).to_contain_text(f"An invitation is on its way to {invitee}")
    pending = page.get_by_role("table", name="Invitations not yet accepted")
    expect(pending.get_by_role("row", name=re.compile(re.escape(invitee)))).to_contain_text(
        "Reviewer"
    )
    axe.check(page)

    # The invitee, in a browser of their own, has an account and follows the link.
    live_server.user(email=invitee, name="Rui Reviewer")
    invitation_path = mailbox.link(wait_for_mail(invitee), "/invitations/")
    guest = new_context().new_page()  # a browser of their own: no shared cookies
    guest.set_default_timeout(10_000)
    guest.goto(invitation_path)  # the invitation offers to sign in, and the sign-in leads back
    guest.get_by_role("main").get_by_role("link", name="Sign in").click()
    expect(guest).to_have_url(re.compile(r"/login\?next="))
    guest.get_by_label("Email address").fill(invitee)
    guest.get_by_label("Password").fill(PASSWORD)
    guest.get_by_role("button", name="Sign in").click()
    expect(guest.get_by_role("heading", level=1, name="Team invitation")).to_be_visible()
    expect(guest.get_by_role("main")).to_contain_text(
        "Olu Organizer invites you to help run Mangrove Team Workshop as reviewer."
    )
    axe.check(guest)
    guest.get_by_role("button", name="Accept and join the team").click()

    # A reviewer may not open the organizers' dashboard, so the way in is "My events".
    expect(guest).to_have_url(re.compile(r"/manage/$"))
    expect(guest.get_by_role("heading", level=1, name="My events")).to_be_visible()
    expect(flash(guest)).to_contain_text("Welcome to the team of Mangrove Team Workshop.")
    row = guest.get_by_role("row", name=re.compile("Mangrove Team Workshop"))
    expect(row.get_by_role("cell").nth(1)).to_have_text("Reviewer")  # "Your roles"
    # ... and the event's link goes to the reviewer's own pages.
    expect(row.get_by_role("link", name="Mangrove Team Workshop")).to_have_attribute(
        "href", f"/review/{slug}/"
    )
    axe.check(guest)
    assert live_server.roles(invitee, slug) == {EventRoleName.REVIEWER}

    # The organizer no longer sees the invitation as pending, and sees the new member.
    page.reload()
    expect(page.get_by_role("table", name="Invitations not yet accepted")).to_have_count(0)
    members = page.get_by_role("table", name="People with a role in this event")
    expect(members.get_by_role("row", name=re.compile("Rui Reviewer"))).to_contain_text("Reviewer")
