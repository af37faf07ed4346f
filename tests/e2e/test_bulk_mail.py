"""An organizer mails the speakers of accepted sessions in headless Chromium: compose with a
placeholder, preview each person's mail, send with one click, read what arrived; axe-core on
each page, at desktop and phone width."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from organizer.enums import ProposalState
from organizer.services.accounts import user_by_email
from organizer.services.events import event_by_slug
from tests import factories
from tests.conftest import Mailbox
from tests.e2e.conftest import VIEWPORTS, check_page
from tests.e2e.test_accounts_and_events import flash, sign_in, unique_email

pytestmark = pytest.mark.e2e


@pytest.fixture
def accepted(live_server) -> dict[str, str]:
    """An event with its organizer and two accepted speakers (one a co-speaker)."""
    organizer = live_server.user(name="Olga Organizer", email=unique_email("organizer"))
    slug = live_server.event(organizer=organizer, name="Tides 2027")
    live_server.call(slug)
    ana = live_server.user(name="Ana Lima", email=unique_email("ana"))
    bo = live_server.user(name="Bo Chen", email=unique_email("bo"))

    def seed() -> None:
        event = event_by_slug(slug)
        factories.make_proposal(
            event, user_by_email(ana), state=ProposalState.ACCEPTED, title="Tidal energy"
        )
        factories.make_proposal(
            event,
            user_by_email(bo),
            state=ProposalState.CONFIRMED,
            title="Salt & sea",
            co_speakers=(user_by_email(ana),),
        )

    live_server.run(seed)
    return {"slug": slug, "organizer": organizer, "ana": ana, "bo": bo}


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["desktop", "phone"])
def test_compose_preview_and_send_to_accepted_speakers(
    page: Page, axe, accepted, mailbox: Mailbox, wait_for_mail, viewport
) -> None:
    page.set_viewport_size(viewport)
    slug = accepted["slug"]
    sign_in(page, accepted["organizer"])
    page.goto(f"/manage/{slug}/")
    page.get_by_role("navigation", name="Event management").get_by_role("link", name="Mail").click()
    expect(page.get_by_role("heading", level=1, name="Mail")).to_be_visible()
    check_page(page, axe, viewport)

    page.get_by_role("link", name="Write a mail").click()
    expect(page.get_by_role("heading", level=1, name="Write a mail")).to_be_visible()
    check_page(page, axe, viewport)
    # A typo in a placeholder is named next to the text.
    page.get_by_label("Speakers of accepted sessions").check()
    page.get_by_label("Subject").fill("Travel to {event}")
    page.get_by_label("Text of the mail").fill("Hello {nmae}")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("alert")).to_contain_text("Unknown placeholder {nmae}")
    check_page(page, axe, viewport)
    page.get_by_label("Text of the mail").fill("Hello {name},\n\nAbout {proposal_titles}.\n")
    page.get_by_role("button", name="Preview").click()

    expect(
        page.get_by_role("heading", level=1, name="Check the mail before sending")
    ).to_be_visible()
    check_page(page, axe, viewport)
    expect(page.locator("#preview-subject")).to_have_text("Travel to Tides 2027")
    expect(page.locator("#preview-body")).to_contain_text("Hello Ana Lima,")
    expect(page.locator("#preview-body")).to_contain_text("“Salt & sea”, “Tidal energy”")
    page.get_by_label("Show the mail to").select_option(label=f"Bo Chen <{accepted['bo']}>")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page.locator("#preview-body")).to_contain_text("Hello Bo Chen,")
    expect(page.locator("#preview-body")).not_to_contain_text("Tidal energy")
    assert mailbox.to(accepted["ana"]) == []  # nothing goes out before the confirmation

    page.get_by_role("button", name="Send to 2 people").click()
    expect(flash(page)).to_contain_text("on its way to 2 people")
    expect(page.get_by_role("heading", level=1, name="Mail")).to_be_visible()
    check_page(page, axe, viewport)
    expect(page.get_by_role("row", name="Travel to {event}")).to_be_visible()

    ana_mail = wait_for_mail(accepted["ana"])
    bo_mail = wait_for_mail(accepted["bo"])
    assert ana_mail["Subject"] == "Travel to Tides 2027"
    assert "Hello Ana Lima," in mailbox.text(ana_mail)
    assert "Hello Bo Chen," in mailbox.text(bo_mail)
    assert "Tidal energy" not in mailbox.text(bo_mail)

    page.get_by_role("link", name="Travel to {event}").click()
    expect(page.get_by_role("heading", level=1, name="Travel to {event}")).to_be_visible()
    check_page(page, axe, viewport)
