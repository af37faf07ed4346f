"""Starting a new edition in headless Chromium: from the event's dashboard, open the clone
page, keep the suggested name, address and first day (a year on, on the same weekday), submit
with the keyboard alone, and land on the new, private edition's dashboard with the call's
tracks copied; a taken address is refused next to its field first. axe-core on every page."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import check_at_phone_width, tab_to
from tests.e2e.test_accounts_and_events import flash, sign_in

pytestmark = pytest.mark.e2e


def test_clone_with_the_suggested_defaults_and_land_on_the_new_dashboard(
    page: Page, live_server, axe
) -> None:
    email = live_server.user(email=f"clone-{uuid.uuid4().hex[:8]}@example.org")
    tag = uuid.uuid4().hex[:6]
    slug = live_server.event(
        organizer=email,
        slug=f"clone-{tag}-2027",
        name=f"Clone {tag} 2027",
        starts_on=dt.date(2027, 3, 27),
        ends_on=dt.date(2027, 3, 28),
        timezone="Europe/Lisbon",
    )
    live_server.call(slug)
    sign_in(page, email)

    page.goto(f"/manage/{slug}/")
    page.get_by_role("link", name="Start a new edition from this one").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Start a new edition from “Clone {tag} 2027”"
    )
    name = page.get_by_label("Name of the new edition")
    address = page.get_by_label("Web address")
    first_day = page.get_by_label("First day")
    expect(name).to_have_value(f"Clone {tag} 2028")
    expect(address).to_have_value(f"clone-{tag}-2028")
    expect(first_day).to_have_value("2028-03-25")  # 52 weeks on: a Saturday again
    expect(page.get_by_role("heading", name="What is not copied")).to_be_visible()
    axe.check(page)
    check_at_phone_width(page, axe)

    # The source's own address is taken: the message sits by the field, the rest is kept.
    address.fill(slug)
    page.get_by_role("button", name="Create the new edition").click()
    expect(address).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Another event already uses this address").first).to_be_visible()
    expect(name).to_have_value(f"Clone {tag} 2028")
    axe.check(page)

    # Back to the suggested address, and submit with the keyboard alone.
    address.fill(f"clone-{tag}-2028")
    tab_to(page, page.get_by_role("button", name="Create the new edition"))
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{live_server.url}/manage/clone-{tag}-2028/")
    expect(flash(page)).to_contain_text(
        f"“Clone {tag} 2028” is created from “Clone {tag} 2027”. It is not public yet"
    )
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe.check(page)
    values = live_server.event_values(f"clone-{tag}-2028", "starts_on", "ends_on", "is_public")
    assert values == {
        "starts_on": dt.date(2028, 3, 25),
        "ends_on": dt.date(2028, 3, 26),
        "is_public": False,
    }
    assert live_server.roles(email, f"clone-{tag}-2028") == live_server.roles(email, slug)

    # The call's set-up came along: its tracks are there to edit.
    page.goto(f"/manage/clone-{tag}-2028/cfp/tracks")
    expect(page.get_by_text("Methods").first).to_be_attached()
    expect(page.get_by_text("Applications").first).to_be_attached()
