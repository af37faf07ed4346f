"""The home page after sign-in, in headless Chromium: the demo applicant signs in through the
form, lands on their home with their proposal and grant application, and the page passes
axe-core at desktop and phone width."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from organizer.services import demo
from tests.e2e.conftest import VIEWPORTS, check_page
from tests.e2e.test_accounts_and_events import sign_in

pytestmark = pytest.mark.e2e

APPLICANT = ("applicant@example.org", "demo-applicant")
TALK = re.compile("code-switching: an evaluation set built with its speakers")


@pytest.fixture(scope="module")
def demo_loaded(live_server) -> None:
    live_server.run(lambda: demo.load_demo(data=demo.read_fixture(), now=dt.datetime.now(dt.UTC)))


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["desktop", "phone"])
def test_the_demo_applicant_lands_on_their_home(page: Page, axe, demo_loaded, viewport) -> None:
    page.set_viewport_size(viewport)
    sign_in(page, *APPLICANT)  # expects the "Home" heading: sign-in lands there
    expect(page).to_have_url(re.compile(r"/home/$"))
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=2, name="My proposals")).to_be_visible()
    expect(main.get_by_role("heading", level=2, name="My grant applications")).to_be_visible()
    expect(main.get_by_role("heading", level=2, name="Events I organize")).to_have_count(0)
    expect(main.get_by_role("link", name="Travel and scholarship fund")).to_be_visible()
    check_page(page, axe, viewport)

    main.get_by_role("link", name=TALK).click()
    expect(page.get_by_role("heading", level=1, name=TALK)).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    expect(page.get_by_role("heading", level=1, name="Home")).to_be_visible()
