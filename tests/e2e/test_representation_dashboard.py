"""The representation dashboard with the demo workshop's survey, in headless Chromium: the
overview comes first and stays short; a question and a stage are picked with a plain form.
Page heights are printed (pytest -s) so that the before/after figures can be compared."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from organizer.services import demo
from tests.e2e.conftest import PHONE_WIDTH, assert_fits_the_screen
from tests.e2e.test_every_page import sign_in

pytestmark = pytest.mark.e2e

DEMO = "mangrove-2027"
DASHBOARD = f"/manage/{DEMO}/representation"
# The old dashboard, every question's tables and charts on one page, was 29,479 px tall with
# the demo at 1280 px wide (55 tables, 36 charts), and 60,546 px on a 390 px phone.
OVERVIEW_MAX_HEIGHT = 3000


@pytest.fixture(scope="module")
def demo_loaded(live_server) -> None:
    """The demo workshop (its survey has answers from most speakers and applicants); loading
    skips what another module loaded already."""
    live_server.run(lambda: demo.load_demo(data=demo.read_fixture(), now=dt.datetime.now(dt.UTC)))


def page_height(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollHeight"))


def test_overview_is_short_and_passes_axe(page: Page, axe, demo_loaded) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, "organizer@example.org", "demo-organizer")
    page.goto(DASHBOARD)
    expect(page.get_by_role("heading", level=1, name="Representation")).to_be_visible()
    funnel = page.get_by_role("table", name=re.compile("People at each stage"))
    expect(funnel).to_contain_text("Proposals submitted")
    expect(page.get_by_role("link", name="Full report (PDF)")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^See "))).not_to_have_count(0)
    axe.check(page)
    height = page_height(page)
    print(f"\nrepresentation overview, 1280 px wide: {height} px tall")
    assert height < OVERVIEW_MAX_HEIGHT
    # One table on the overview (the funnel), no chart.
    expect(page.get_by_role("table")).to_have_count(1)
    expect(page.locator("svg[role=img]")).to_have_count(0)
    # On a phone: nothing wider than the screen (the old page was 60,546 px tall there).
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 844})
    page.reload()
    assert_fits_the_screen(page)
    axe.check(page)
    print(f"representation overview, {PHONE_WIDTH} px wide: {page_height(page)} px tall")


def test_pick_a_question_and_a_stage(page: Page, axe, demo_loaded) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, "organizer@example.org", "demo-organizer")
    page.goto(DASHBOARD)
    picker = page.get_by_role("search", name="Pick a question and a stage")
    picker.get_by_label("Question").select_option(label="In which world region do you live?")
    picker.get_by_label("Stage").select_option(label="Everyone who answered")
    picker.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"question=region&stage=respondents"))
    expect(
        page.get_by_role("heading", level=1, name=re.compile("In which world region"))
    ).to_be_visible()
    table = page.get_by_role("table", name=re.compile("In which world region.*Everyone"))
    expect(table).to_be_visible()
    expect(table.get_by_role("columnheader", name="Share")).to_be_visible()
    expect(page.locator("svg[role=img]")).to_have_count(1)
    # The picker keeps the choice, so that the next pick starts from it.
    expect(page.get_by_label("Stage", exact=True)).to_have_value("respondents")
    axe.check(page)
    print(f"\nrepresentation, one question at one stage: {page_height(page)} px tall")

    # Across stages: the pipeline comparison of the one question.
    page.get_by_label("Stage", exact=True).select_option(value="all")
    page.get_by_role("button", name="Show").click()
    comparison = page.get_by_role("table", name=re.compile("across the stages"))
    expect(comparison).to_contain_text("Proposals accepted")
    axe.check(page)
    print(f"representation, one question across stages: {page_height(page)} px tall")
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 844})
    assert_fits_the_screen(page)
    print(f"  the same, {PHONE_WIDTH} px wide: {page_height(page)} px tall")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Next question, by keyboard-reachable link.
    page.get_by_role("link", name=re.compile("^Next question")).click()
    expect(page).to_have_url(re.compile(r"question=(?!region)"))
    axe.check(page)

    # A bad bookmark: a clear message, no error page.
    response = page.goto(f"{DASHBOARD}/answers?question=nope&stage=nowhere")
    assert response is not None and response.status == 400
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    axe.check(page)
