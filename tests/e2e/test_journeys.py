"""The first minutes of each kind of user (issue 16), in headless Chromium at desktop and phone
width: an applicant, a reviewer, a grant reviewer, an organizer and an attendee each follow
the visible, labelled controls from the page where they start, and every page on the way
passes axe-core (no serious or critical violation) and fits a phone's screen.

The co-speaker without an account is tests/e2e/test_invitation_without_account.py, at both
widths. The demo workshop is loaded through the review and grant modules' fixtures (loading
skips an event already there); the tests run in file order, and each run at one width takes
the next proposal or application still to do.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from organizer.extensions import db
from organizer.models import GrantProgramme
from organizer.services import demo
from organizer.services.events import event_by_slug
from tests import factories
from tests.conftest import Mailbox
from tests.e2e import test_grant_pages, test_review_pages
from tests.e2e.conftest import VIEWPORTS, check_page
from tests.e2e.test_accounts_and_events import flash, sign_in, unique_email
from tests.e2e.test_grant_pages import GRANT_REVIEWER
from tests.e2e.test_review_pages import ORGANIZER, REVIEWER
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

DEMO_NAME = re.compile("Mangrove.*2027")
PROPOSALS_TO_DO = re.compile(r"Mangrove.*2027: \d+ proposals? waits? for your review")

# The demo workshop, loaded by the review module's fixture (review open).
demo_facts = test_review_pages.demo_facts


@pytest.fixture(scope="module")
def grant_programme(live_server) -> str:
    """The demo's grant programme, open whenever the suite runs. Not the grant module's
    fixture: that one wants an application still to review, which the grant module's own
    tests may have reviewed already; the journey adds its own (one per run)."""

    def seed() -> str:
        now = dt.datetime.now(dt.UTC)
        demo.load_demo(data=demo.read_fixture(), now=now)  # idempotent: skips a loaded event
        programme = db.session.scalar(
            select(GrantProgramme).where(
                GrantProgramme.event_id == event_by_slug(test_grant_pages.DEMO).id
            )
        )
        assert programme is not None
        programme.opens_at = now - dt.timedelta(days=60)
        programme.closes_at = now + dt.timedelta(days=40)
        return programme.public_id

    return live_server.run(seed)


WIDTHS = pytest.mark.parametrize("viewport", VIEWPORTS, ids=["desktop", "phone"])


def _main_nav(page: Page):
    """The site's main navigation (Events, Home, Account ...), at every width."""
    return page.get_by_role("navigation", name="Main")


def _waiting(page: Page, what: str) -> int:
    """The number in the home page's "Reviews to do" line for the demo."""
    section = page.get_by_role("region", name="Reviews to do")
    link = section.get_by_role("link", name=re.compile(rf"Mangrove.*: \d+ {what}"))
    expect(link).to_be_visible()
    return int(re.search(r": (\d+) ", link.inner_text()).group(1))  # type: ignore[union-attr]


def _expect_one_less(page: Page, name: re.Pattern[str], before: int) -> None:
    """Back on the home page: one item less to review (and no line once none is left)."""
    link = page.get_by_role("main").get_by_role("link", name=name)
    if before > 1:
        expect(link).to_contain_text(f": {before - 1} ")
    else:
        expect(link).to_have_count(0)


# --- 1. the applicant ----------------------------------------------------------------------------


@WIDTHS
def test_applicant_registers_and_proposes_a_talk(
    page: Page, live_server, axe, mailbox: Mailbox, wait_for_mail, viewport
) -> None:
    page.set_viewport_size(viewport)
    slug = live_server.event(name=f"Estuary Journeys {viewport['width']}")
    live_server.call(slug)
    email = unique_email("journey")

    page.goto("/")
    expect(page.get_by_role("heading", level=1, name="Workshops and events")).to_be_visible()
    check_page(page, axe, viewport)
    _main_nav(page).get_by_role("link", name="Create account").click()
    expect(page.get_by_role("heading", level=1, name="Create an account")).to_be_visible()
    check_page(page, axe, viewport)
    page.get_by_label("Your name").fill("Jo Journey")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1, name="Check your inbox")).to_be_visible()
    check_page(page, axe, viewport)

    # The link in the mail, then the sign-in, lands on an empty home that says what to do.
    page.goto(mailbox.link(wait_for_mail(email), "/verify/"))
    expect(flash(page)).to_contain_text("your email address is verified")
    check_page(page, axe, viewport)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Home")).to_be_visible()
    main = page.get_by_role("main")
    expect(main).to_contain_text("Nothing here yet")
    check_page(page, axe, viewport)

    # Browse events → the event → its call → the form.
    main.get_by_role("link", name="Browse events").click()
    page.get_by_role("link", name=f"Estuary Journeys {viewport['width']}").click()
    expect(page.get_by_role("heading", level=2, name="Call for talks")).to_be_visible()
    check_page(page, axe, viewport)
    page.get_by_role("link", name="Read the call").click()
    expect(page.get_by_role("heading", level=1, name=re.compile("^Call for talks"))).to_be_visible()
    check_page(page, axe, viewport)
    page.get_by_role("link", name="Submit a proposal").click()
    expect(page.get_by_role("heading", level=1, name="Submit a proposal")).to_be_visible()
    check_page(page, axe, viewport)
    page.get_by_label("Title").fill("Mudflats, measured")
    page.get_by_label("Abstract").fill("What a tide gauge tells a small team.")
    page.get_by_role("radio", name=re.compile("^Talk")).check()
    page.get_by_role("radio", name="Methods").check()
    page.get_by_role("button", name="Submit proposal").click()

    # No speaker profile yet: the profile comes next, then the proposal.
    expect(flash(page)).to_contain_text("Your proposal is submitted")
    expect(page.get_by_role("heading", level=1, name="Speaker profile")).to_be_visible()
    check_page(page, axe, viewport)
    page.get_by_label("Biography").fill("Jo measures estuaries.")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("heading", level=1, name="Mudflats, measured")).to_be_visible()
    check_page(page, axe, viewport)

    # Home lists it with its state and what comes next.
    _main_nav(page).get_by_role("link", name="Home").click()
    row = page.get_by_role("row", name=re.compile("Mudflats, measured"))
    expect(row.get_by_role("cell").nth(1)).to_have_text("submitted")
    expect(row.get_by_role("cell").nth(2)).to_contain_text("You can edit it until")
    check_page(page, axe, viewport)

    # ... and from there it can be edited.
    row.get_by_role("link", name="Mudflats, measured").click()
    page.get_by_label("Title").fill("Mudflats, measured twice")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", level=1, name="Mudflats, measured twice")).to_be_visible()
    check_page(page, axe, viewport)


# --- 3. the reviewer -----------------------------------------------------------------------------


@WIDTHS
def test_reviewer_reviews_one_proposal(page: Page, axe, demo_facts, viewport) -> None:
    page.set_viewport_size(viewport)
    sign_in(page, *REVIEWER)
    before = _waiting(page, "proposals? waits?")
    check_page(page, axe, viewport)

    page.get_by_role("region", name="Reviews to do").get_by_role(
        "link", name=PROPOSALS_TO_DO
    ).click()
    expect(page.get_by_role("heading", level=1, name="My assignments")).to_be_visible()
    check_page(page, axe, viewport)
    page.get_by_role("link", name="Next proposal to review").click()
    form = page.get_by_role("form", name="My review")
    expect(form).to_be_visible()
    check_page(page, axe, viewport)
    for n in range(form.locator("fieldset").count()):
        form.locator("fieldset").nth(n).get_by_role("radio").nth(2).check()
    form.get_by_label("Comment for the committee").fill("Clear and well scoped.")
    form.get_by_role("button", name="Save my review").click()
    expect(flash(page)).to_contain_text("Your review is saved.")
    check_page(page, axe, viewport)

    _main_nav(page).get_by_role("link", name="Home").click()
    expect(page.get_by_role("heading", level=1, name="Home")).to_be_visible()
    _expect_one_less(page, PROPOSALS_TO_DO, before)


# --- 4. the grant reviewer -----------------------------------------------------------------------


@WIDTHS
def test_grant_reviewer_reviews_one_application(
    page: Page,
    live_server,
    axe,
    grant_programme,
    viewport,
) -> None:
    page.set_viewport_size(viewport)

    def one_more_application() -> str:
        """The demo leaves the grant reviewer one application to do: one more for each run,
        the one this run reviews (other tests may have left others undone)."""
        programme = db.session.scalar(
            select(GrantProgramme).where(GrantProgramme.public_id == grant_programme)
        )
        made = factories.make_application(
            programme, factories.make_user(), now=dt.datetime.now(dt.UTC)
        )
        return made.public_id

    mine = live_server.run(one_more_application)
    sign_in(page, *GRANT_REVIEWER)
    before = _waiting(page, "grant applications? waits?")
    check_page(page, axe, viewport)

    page.get_by_role("region", name="Reviews to do").get_by_role(
        "link", name=re.compile("grant application")
    ).click()
    expect(page.get_by_role("heading", level=1, name="Grant review")).to_be_visible()
    check_page(page, axe, viewport)
    page.get_by_role("table").get_by_role("rowheader").get_by_role("link").first.click()
    expect(
        page.get_by_role("heading", level=1, name=re.compile("^Applications to"))
    ).to_be_visible()
    check_page(page, axe, viewport)
    to_do = page.get_by_role("row").filter(has=page.locator(".badge--warn"))
    to_do.filter(has=page.locator(f"a[href*='{mine}']")).get_by_role("link").first.click()
    form = page.get_by_role("form", name="My review")
    expect(form).to_be_visible()
    check_page(page, axe, viewport)
    for n in range(form.locator("fieldset").count()):
        form.locator("fieldset").nth(n).get_by_role("radio").nth(2).check()
    form.get_by_role("button", name="Save my review").click()
    expect(flash(page)).to_contain_text("Your review is saved.")
    check_page(page, axe, viewport)

    _main_nav(page).get_by_role("link", name="Home").click()
    expect(page.get_by_role("heading", level=1, name="Home")).to_be_visible()
    _expect_one_less(page, re.compile("grant applications? waits?"), before)


# --- 5. the organizer ----------------------------------------------------------------------------


@WIDTHS
def test_organizer_decides_and_previews_the_release(
    page: Page,
    axe,
    demo_facts,
    viewport,
) -> None:
    page.set_viewport_size(viewport)
    sign_in(page, *ORGANIZER)
    organizing = page.get_by_role("region", name="Events I organize")
    check_page(page, axe, viewport)
    organizing.get_by_role("link", name=DEMO_NAME).click()
    expect(page.get_by_role("link", name="Work through proposals")).to_be_visible()
    check_page(page, axe, viewport)

    page.get_by_role("link", name="Work through proposals").click()
    expect(page.get_by_role("heading", level=1, name="Proposals")).to_be_visible()
    check_page(page, axe, viewport)
    row = page.get_by_role("row").filter(has_text="Submitted").filter(has_not_text="pending").first
    title = row.get_by_role("link").first.inner_text()
    row.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    check_page(page, axe, viewport)

    send = page.locator("details.send-now")
    send.locator("summary", has_text="Decide and send the mail now").click()
    send.get_by_role("radio", name="Accept").check()
    respond_on = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=14)).isoformat()
    send.get_by_label("If accepted, the speakers confirm by (date)").fill(respond_on)
    check_page(page, axe, viewport)
    send.get_by_role("button", name="Decide and send the mail now").click()
    expect(flash(page)).to_contain_text("The decision is published")
    expect(page.get_by_role("region", name="Decision")).to_contain_text("The decision is published")
    check_page(page, axe, viewport)

    # The schedule: the editor, its overview of all days, and the release preview.
    manage = page.get_by_role("navigation", name="Event management")
    manage.get_by_role("link", name="Schedule", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Schedule", exact=True)).to_be_visible()
    check_page(page, axe, viewport)
    page.get_by_role("link", name="All days", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Schedule: all days")).to_be_visible()
    check_page(page, axe, viewport)
    page.get_by_role("navigation", name="Schedule").get_by_role("link", name="Releases").click()
    expect(page.get_by_role("heading", level=1, name="Release the schedule")).to_be_visible()
    check_page(page, axe, viewport)


# --- 6. the attendee -----------------------------------------------------------------------------


@WIDTHS
def test_attendee_stars_a_session_and_subscribes(page: Page, axe, demo_facts, viewport) -> None:
    page.set_viewport_size(viewport)
    page.goto("/")
    check_page(page, axe, viewport)
    page.get_by_role("link", name=DEMO_NAME).first.click()
    expect(page.get_by_role("heading", level=2, name="Schedule")).to_be_visible()
    check_page(page, axe, viewport)
    page.get_by_role("link", name="See the schedule").click()
    expect(page.get_by_role("heading", level=1, name="Schedule")).to_be_visible()
    days = page.get_by_role("navigation", name="Days")
    options = page.locator("details.schedule-options")
    expect(days).to_be_visible()
    expect(options).not_to_have_attribute("open", "")
    if viewport["width"] <= 390:  # days come first, the options folded below them
        assert days.bounding_box()["y"] < options.bounding_box()["y"]  # type: ignore[index]
    check_page(page, axe, viewport)

    days.get_by_role("link").first.click()
    page.get_by_role("link", name="Show as a list").click()
    expect(page.get_by_role("link", name="Show as a grid")).to_be_visible()
    check_page(page, axe, viewport)
    session = page.locator(".session-list > li").filter(has=page.locator(".star-button")).first
    talk = session.get_by_role("link").first
    title = talk.inner_text()
    talk.click()
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    check_page(page, axe, viewport)
    star = page.get_by_role("main").get_by_role(
        "button", name=re.compile(rf"^Star\s*: {re.escape(title)}$")
    )
    expect(star).to_have_attribute("aria-pressed", "false")
    # The button turns at once; the agenda exists on the server when the post has answered.
    with page.expect_response(lambda r: "/agenda/" in r.url and r.request.method == "POST"):
        star.click()
    starred = page.get_by_role("main").get_by_role(
        "button", name=re.compile(rf"^Starred\s*: {re.escape(title)}$")
    )
    expect(starred).to_have_attribute("aria-pressed", "true")

    page.get_by_role("link", name="My agenda").first.click()
    expect(page.get_by_role("heading", level=1, name="My agenda")).to_be_visible()
    expect(page.get_by_role("main").get_by_role("link", name=title, exact=True)).to_be_visible()
    expect(
        page.get_by_role("link", name="Subscribe to your agenda in a calendar app")
    ).to_have_attribute("href", re.compile("^webcal://"))
    check_page(page, axe, viewport)
