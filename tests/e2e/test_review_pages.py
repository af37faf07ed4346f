"""Reviewers and the committee in headless Chromium, on the demo workshop: axe-core on every
page at desktop and phone width, scoring a proposal with the keyboard alone (and never seeing a
speaker's name, since the demo call reviews anonymously), and publishing a round of decisions.

The tests run in file order and share the live database: the last one publishes the demo's two
pending decisions, and the keyboard test saves one review."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from organizer.enums import ProposalState
from organizer.extensions import db
from organizer.models import Proposal, ReviewPhase, Track, User
from organizer.services import demo
from organizer.services.events import event_by_slug
from tests.conftest import Mailbox
from tests.e2e.conftest import VIEWPORTS, assert_names_nobody, check_page, tab_to
from tests.e2e.test_accounts_and_events import flash, sign_in

pytestmark = pytest.mark.e2e

DEMO = "mangrove-2027"
REVIEWER = ("reviewer@example.org", "demo-reviewer")
ORGANIZER = ("organizer@example.org", "demo-organizer")


@pytest.fixture(scope="module")
def demo_facts(live_server) -> dict[str, object]:
    """The demo workshop in the live database, and what the tests need to know about it."""

    def seed() -> dict[str, object]:
        now = dt.datetime.now(dt.UTC)
        demo.load_demo(data=demo.read_fixture(), now=now)
        event = event_by_slug(DEMO)
        # The demo's phases have fixed dates; whenever the suite runs, review must be open.
        phases = list(
            db.session.scalars(select(ReviewPhase).where(ReviewPhase.event_id == event.id))
        )
        for phase in phases:
            db.session.delete(phase)
        db.session.add(
            ReviewPhase(
                event_id=event.id, name="Review", starts_at=now - dt.timedelta(days=1),
                ends_at=now + dt.timedelta(days=30), can_review=True,
            )
        )  # fmt: skip
        db.session.flush()
        proposals = list(
            db.session.scalars(
                select(Proposal).where(Proposal.event_id == event.id).order_by(Proposal.id)
            )
        )

        def first(state: ProposalState) -> str:
            return next(p.public_id for p in proposals if p.state == state)

        speakers = sorted(
            {s.user.display_name for p in proposals for s in p.speakers if s.user is not None}
        )
        pending = {
            s.user.email
            for p in proposals
            if p.pending_decision
            for s in p.speakers
            if s.user is not None
        }
        track_id = db.session.scalar(
            select(Track.id).where(Track.event_id == event.id).order_by(Track.id).limit(1)
        )
        reviewer = db.session.scalar(select(User).where(User.email == REVIEWER[0]))
        assert reviewer is not None
        assert len(speakers) > 10
        assert all(reviewer.display_name != name for name in speakers)
        return {
            "speakers": speakers,
            "pending_speakers": sorted(pending),
            "pending_count": sum(1 for p in proposals if p.pending_decision),
            "submitted": first(ProposalState.SUBMITTED),
            "accepted": first(ProposalState.ACCEPTED),
            "track": track_id,
        }

    return live_server.run(seed)


# --- helpers -------------------------------------------------------------------------------------


def sign_in_as(page: Page, who: tuple[str, str]) -> None:
    sign_in(page, *who)


# --- 1. every page, axe and phone width ----------------------------------------------------------


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["desktop", "phone"])
def test_every_review_and_committee_page_passes_axe(
    page: Page, new_context, axe, demo_facts, viewport
) -> None:
    speakers = demo_facts["speakers"]
    page.set_viewport_size(viewport)

    # The reviewer's pages.
    sign_in_as(page, REVIEWER)
    review = f"/review/{DEMO}"
    for path in (
        f"{review}/",
        f"{review}/proposals",
        f"{review}/preferences",
        f"{review}/proposals/{demo_facts['submitted']}/conflict",
    ):
        page.goto(path)
        check_page(page, axe, viewport)
        assert_names_nobody(page, speakers)

    # "Next proposal to review" leads to a proposal with the review form.
    page.goto(f"{review}/next")
    expect(page).to_have_url(re.compile(rf"{review}/proposals/[^/]+$"))
    form = page.get_by_role("form", name="My review")
    expect(form).to_be_visible()
    check_page(page, axe, viewport)
    assert_names_nobody(page, speakers)

    # Saved without a score: the summary, and each error next to its criterion.
    form.get_by_role("button", name="Save my review").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page.locator(".field-error").first).to_be_visible()
    check_page(page, axe, viewport)
    assert_names_nobody(page, speakers)

    # The organizer's committee pages, in a browser of their own.
    organizer = new_context(viewport=viewport).new_page()
    organizer.set_default_timeout(10_000)
    sign_in_as(organizer, ORGANIZER)
    committee = f"/manage/{DEMO}/cfp"
    for path in (
        f"{committee}/proposals?state=submitted&track={demo_facts['track']}&sort=title",
        f"{committee}/proposals/{demo_facts['submitted']}",
        f"{committee}/reviewers",
        f"{committee}/ranking",
        f"{committee}/decisions",
        f"{committee}/decisions/publish",
        f"{committee}/proposals/{demo_facts['accepted']}/cancel",
    ):
        organizer.goto(path)
        check_page(organizer, axe, viewport)
    # the filtered list shows that it is filtered
    organizer.goto(f"{committee}/proposals?state=submitted&track={demo_facts['track']}")
    expect(organizer.get_by_role("table")).to_contain_text("(filtered)")


# --- 2. scoring with the keyboard ----------------------------------------------------------------


def test_reviewer_scores_a_proposal_with_the_keyboard(page: Page, axe, demo_facts) -> None:
    speakers = demo_facts["speakers"]
    sign_in_as(page, REVIEWER)
    page.goto(f"/review/{DEMO}/")
    assert_names_nobody(page, speakers)

    next_link = page.get_by_role("link", name="Next proposal to review")
    tab_to(page, next_link)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/review/{DEMO}/proposals/[^/]+$"))
    first_url = page.url
    assert_names_nobody(page, speakers)

    form = page.get_by_role("form", name="My review")
    groups = form.locator("fieldset")
    count = groups.count()
    assert count >= 2, "the demo has at least two criteria"
    names = [groups.nth(n).locator("legend").inner_text().strip() for n in range(count)]

    # Score every criterion but the last: Tab into the group, Space picks its first score,
    # the arrow keys move to (and pick) a higher one.
    for n in range(count - 1):
        group = form.get_by_role("group", name=names[n], exact=True)
        tab_to(page, group.get_by_role("radio").first)
        page.keyboard.press("Space")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        expect(group.get_by_role("radio").nth(2)).to_be_checked()
    comment = form.get_by_label("Comment for the committee")
    tab_to(page, comment)
    page.keyboard.type("Clear scope; the evaluation could say more about its limits.")
    tab_to(page, form.get_by_role("button", name="Save my review"))
    page.keyboard.press("Enter")

    # One criterion unscored: the summary names it, and its link leads into the group.
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    missing = names[-1]
    link = summary.get_by_role("link", name=re.compile(re.escape(missing)))
    expect(link).to_be_visible()
    tab_to(page, link)
    page.keyboard.press("Enter")
    group = page.get_by_role("form", name="My review").get_by_role(
        "group", name=missing, exact=True
    )
    first_radio = group.get_by_role("radio").first
    expect(first_radio).to_be_focused()
    expect(group).to_have_accessible_description(re.compile(r"Give a score"))
    # what was typed and chosen is still there
    expect(page.get_by_label("Comment for the committee")).to_have_value(
        "Clear scope; the evaluation could say more about its limits."
    )
    for name in names[:-1]:
        expect(
            page.get_by_role("group", name=name, exact=True).get_by_role("radio").nth(2)
        ).to_be_checked()
    assert_names_nobody(page, speakers)

    # Completed with the keyboard and saved: on to the next proposal.
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    expect(group.get_by_role("radio").nth(1)).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Save my review"))
    page.keyboard.press("Enter")
    expect(flash(page)).to_contain_text("Your review is saved.")
    expect(page).not_to_have_url(first_url)
    expect(page).to_have_url(re.compile(rf"/review/{DEMO}/proposals/[^/]+$"))
    assert_names_nobody(page, speakers)

    # The saved review is shown on the first proposal's page, scores and comment included.
    page.goto(first_url)
    expect(
        page.get_by_role("group", name=missing, exact=True).get_by_role("radio").nth(1)
    ).to_be_checked()
    expect(page.get_by_label("Comment for the committee")).to_have_value(
        "Clear scope; the evaluation could say more about its limits."
    )
    assert_names_nobody(page, speakers)
    page.goto(f"/review/{DEMO}/proposals")
    assert_names_nobody(page, speakers)


# --- 3. publishing a round -----------------------------------------------------------------------


def test_organizer_publishes_a_round(
    page: Page, axe, demo_facts, mailbox: Mailbox, wait_for_mail
) -> None:
    pending = demo_facts["pending_count"]
    assert pending == 2, "the demo has two pending decisions"
    sign_in_as(page, ORGANIZER)
    page.goto(f"/manage/{DEMO}/cfp/decisions")
    rounds = page.get_by_role("table", name="Rounds of decision mails, newest first")
    # The round that told the demo's decided speakers, and any "decide and send now" of
    # another test (each is a round of one), under the header row.
    rounds_before = rounds.get_by_role("row").count()
    assert rounds_before >= 2
    section = page.get_by_role("region", name="Pending decisions")
    expect(section).to_contain_text("2 decisions are written down but not sent")

    section.get_by_role("link", name="Preview and publish").click()
    expect(page.get_by_role("heading", level=1, name="Publish decisions")).to_be_visible()
    expect(
        page.get_by_role("heading", level=2, name="The 2 mails that will be sent")
    ).to_be_visible()
    previews = page.locator("article.mail-preview")
    expect(previews).to_have_count(2)
    for address in demo_facts["pending_speakers"]:
        expect(previews.filter(has_text=address)).to_have_count(1)
    subjects = {
        previews.filter(has_text=address).get_by_role("heading", level=3).inner_text(): address
        for address in demo_facts["pending_speakers"]
    }
    axe.check(page)

    page.get_by_role("button", name="Publish the decisions and send the mails").click()
    expect(page.get_by_role("heading", level=1, name="Decisions")).to_be_visible()
    expect(flash(page)).to_contain_text("2 mails queued.")
    # the mails that were previewed, one to each speaker
    assert {wait_for_mail(address)["Subject"]: address for address in subjects.values()} == (
        subjects
    )
    assert len(mailbox.messages) == len(subjects)

    expect(page.get_by_role("region", name="Pending decisions")).to_contain_text(
        "No pending decisions."
    )
    expect(page.get_by_role("link", name="Preview and publish")).to_have_count(0)
    # One more round: this one.
    expect(rounds.get_by_role("row")).to_have_count(rounds_before + 1)
    axe.check(page)
