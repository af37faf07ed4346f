"""The public schedule in headless Chromium, on the demo workshop's released schedule: the
grid at desktop and phone width, the list, a session page, the speakers and a speaker's page,
starring two overlapping sessions (one with the mouse, one with the keyboard) and finding both
in "My agenda" with their overlap. axe-core scans every page visited.

The demo is loaded once for the module (loading skips an event already there); the tests read
the release and change nothing but their own browser's agenda."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from organizer.services import demo
from organizer.services.events import event_by_slug
from organizer.services.public_schedule import public_schedule_of
from organizer.services.public_schedule_pages import clashes
from tests import factories
from tests.e2e.conftest import VIEWPORTS, check_page, tab_to

pytestmark = pytest.mark.e2e

DEMO = "mangrove-2027"


@pytest.fixture(scope="module")
def released(live_server) -> dict[str, Any]:
    def seed() -> dict[str, Any]:
        demo.load_demo(data=demo.read_fixture(), now=factories.NOW)
        event = event_by_slug(DEMO)
        assert event is not None
        schedule = public_schedule_of(event)
        assert schedule is not None, "the demo has a release"
        talks = [s for s in schedule.sessions if s.kind == "talk" and s.parent is None]
        pair = next(c for c in clashes(talks) if c.first.room_id != c.second.room_id)
        speaker = next(iter(sorted(schedule.speakers.values(), key=lambda p: p.name)))
        day = pair.first.starts_at.astimezone(ZoneInfo(event.timezone))
        return {
            "first": (pair.first.code, pair.first.title),
            "second": (pair.second.code, pair.second.title),
            "day": day.date().isoformat(),
            "speaker": (speaker.code, speaker.name),
        }

    return live_server.run(seed)


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["desktop", "phone"])
def test_browse_the_schedule(page: Page, axe, released, viewport) -> None:
    page.set_viewport_size(viewport)
    page.goto(f"/{DEMO}/schedule/?day={released['day']}")
    check_page(page, axe, viewport)
    title = released["first"][1]
    if viewport["width"] > 640:
        grid = page.locator("table.grid-table")
        expect(grid).to_be_visible()
        expect(grid.get_by_role("link", name=title, exact=True)).to_be_visible()
    else:  # the grid's cells stack (the sessions are in the page once), each naming its room
        expect(page.locator("table.grid-table thead")).to_be_hidden()
        card = page.locator(".grid-cell", has=page.get_by_role("link", name=title, exact=True))
        expect(card.first).to_be_visible()
        expect(card.first.locator(".session__room--phone")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    # Filters and the zone are folded after the days; the zone button is the script's.
    expect(page.get_by_role("button", name="Use my time zone")).to_be_hidden()
    page.locator("summary", has_text="Filters and time zone").click()
    expect(page.get_by_role("button", name="Use my time zone")).to_be_visible()
    page.goto(f"/{DEMO}/schedule/?day={released['day']}&view=list")
    check_page(page, axe, viewport)
    page.get_by_role("link", name=title, exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    check_page(page, axe, viewport)
    expect(page.get_by_role("link", name="Add to Google Calendar")).to_be_visible()
    # The schedule for another site's frame, themed: the sessions, readable, no stars.
    page.goto(f"/{DEMO}/schedule/embed?day={released['day']}&accent=8a1538")
    check_page(page, axe, viewport)
    expect(page.get_by_role("link", name=title, exact=True).first).to_be_visible()
    expect(page.locator(".star-button").first).to_be_hidden()


def test_speakers(page: Page, axe, released) -> None:
    viewport = VIEWPORTS[0]
    page.goto(f"/{DEMO}/speakers/")
    check_page(page, axe, viewport)
    _code, name = released["speaker"]
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    check_page(page, axe, viewport)


def test_star_two_overlapping_sessions_and_see_them_in_my_agenda(page: Page, axe, released):
    viewport = VIEWPORTS[0]
    (first_code, first), (second_code, second) = released["first"], released["second"]
    page.goto(f"/{DEMO}/schedule/?day={released['day']}&view=list")
    mouse = page.locator(f'.star-button[data-code="{first_code}"]').first
    expect(mouse).to_have_attribute("aria-pressed", "false")
    # The button turns at once; each star is on the server when its post has answered.
    with page.expect_response(lambda r: "/agenda/" in r.url and r.request.method == "POST"):
        mouse.click()
    expect(mouse).to_have_attribute("aria-pressed", "true")
    expect(mouse).to_contain_text("Starred")
    keyboard = page.locator(f'.star-button[data-code="{second_code}"]').first
    tab_to(page, keyboard)
    with page.expect_response(lambda r: "/agenda/" in r.url and r.request.method == "POST"):
        page.keyboard.press("Enter")
    expect(keyboard).to_have_attribute("aria-pressed", "true")
    # The stars survive a reload (the server's copy, and localStorage).
    page.reload()
    expect(page.locator(f'.star-button[data-code="{first_code}"]').first).to_have_attribute(
        "aria-pressed", "true"
    )
    page.get_by_role("link", name="My agenda").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My agenda")
    main = page.locator("main")
    expect(main.get_by_role("link", name=first, exact=True)).to_be_visible()
    expect(main.get_by_role("link", name=second, exact=True)).to_be_visible()
    expect(page.locator(".clashes")).to_contain_text("overlaps")
    check_page(page, axe, viewport)
    # The private address shows the same agenda.
    page.locator(".private-address a").first.click()
    expect(main.get_by_role("link", name=second, exact=True)).to_be_visible()
    check_page(page, axe, viewport)


def _cookie_names(page: Page) -> set[str]:
    return {cookie["name"] for cookie in page.context.cookies()}


def test_no_cookie_until_a_star_then_only_the_agendas(page: Page, released) -> None:
    """The schedule sets no cookie (shared caches may keep it); the first star, posted by the
    page's script without a session token, is accepted and sets the agenda's cookie only."""
    first_code = released["first"][0]
    response = page.goto(f"/{DEMO}/schedule/?day={released['day']}&view=list")
    assert response is not None and "public" in response.headers["cache-control"]
    assert _cookie_names(page) == set()
    button = page.locator(f'.star-button[data-code="{first_code}"]').first
    with page.expect_response(lambda r: r.url.endswith("/agenda/stars")) as answer:
        button.click()  # the button turns at once; the cookie comes with the answer
    assert answer.value.status == 200
    expect(button).to_have_attribute("aria-pressed", "true")
    assert _cookie_names(page) == {f"agenda_{DEMO}"}


def test_star_without_javascript(browser, base_url: str, released) -> None:
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    try:
        page = context.new_page()
        first_code = released["first"][0]
        page.goto(f"/{DEMO}/schedule/?day={released['day']}&view=list")
        # Only a script can read the browser's zone: without one the button is not offered.
        page.locator("summary", has_text="Filters and time zone").click()
        expect(page.get_by_label("Show times in another time zone")).to_be_visible()
        expect(page.get_by_role("button", name="Use my time zone")).to_be_hidden()
        page.locator(f'.star-button[data-code="{first_code}"]').first.click()
        expect(page.locator(".flash, [role=status], [role=alert]").first).to_contain_text("Starred")
        button = page.locator(f'.star-button[data-code="{first_code}"]').first
        expect(button).to_have_attribute("aria-pressed", "true")
    finally:
        context.close()


def test_a_star_form_on_another_site_is_refused(page: Page, base_url: str, released) -> None:
    """A page elsewhere (here: about:blank, an opaque origin) submitting the star form: the
    browser says it is cross-site, so nothing is saved and no cookie is set."""
    first_code = released["first"][0]
    page.set_content(
        f'<form method="post" action="{base_url}/{DEMO}/agenda/stars">'
        f'<input name="code" value="{first_code}"><button>Go</button></form>'
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Go").click()
    expect(page.locator("main")).to_contain_text("nothing was saved")
    assert _cookie_names(page) == set()
