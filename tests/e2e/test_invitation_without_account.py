"""A co-speaker invitation to someone without an account (issue 16), in headless Chromium at
desktop and phone width: the invitation page, registration, the verification mail, the sign-in
after it, and acceptance, with axe-core scans (and the phone's screen width) of each page the
invitee sees. The other roles' first minutes are in test_journeys.py."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from organizer.extensions import db
from organizer.models import Proposal
from organizer.services.accounts import user_by_email
from organizer.services.events import event_by_slug
from tests import factories
from tests.conftest import Mailbox
from tests.e2e.conftest import VIEWPORTS, check_page
from tests.e2e.test_accounts_and_events import flash, sign_in, unique_email
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["desktop", "phone"])
def test_co_speaker_without_an_account_registers_and_accepts(
    page: Page, new_context, live_server, axe, mailbox: Mailbox, wait_for_mail, viewport
) -> None:
    applicant = live_server.user(name="Ana Applicant", email=unique_email("applicant"))
    co_speaker = unique_email("newco")
    slug = live_server.event(name="Estuary Workshop")
    live_server.call(slug)
    public_id = live_server.run(
        lambda: (
            factories.make_proposal(
                event_by_slug(slug), user_by_email(applicant), title="Tides as graphs"
            ).public_id
        )
    )

    # The submitter invites an address that has no account.
    sign_in(page, applicant)
    page.goto(f"/{slug}/cfp/proposals/{public_id}")
    invite = page.get_by_role("form", name="Invite a co-speaker")
    invite.get_by_label("Email address of your co-speaker").fill(co_speaker)
    invite.get_by_role("button", name="Invite co-speaker").click()
    expect(flash(page)).to_contain_text(f"An invitation is on its way to {co_speaker}")
    join_path = mailbox.link(wait_for_mail(co_speaker), f"/{slug}/cfp/join/")

    # The invitee, in a browser of their own, opens the link: the invitation itself, with
    # both ways in.
    guest = new_context(viewport=viewport).new_page()
    guest.set_default_timeout(10_000)
    guest.goto(join_path)
    expect(guest.get_by_role("heading", level=1, name="Co-speaker invitation")).to_be_visible()
    main = guest.get_by_role("main")
    expect(main).to_contain_text(
        "Ana Applicant invites you to speak with them on “Tides as graphs”"
    )
    expect(main).to_contain_text(f"sent to {co_speaker}")
    expect(main.get_by_role("link", name="Sign in")).to_be_visible()
    check_page(guest, axe, viewport)

    # Creating an account from there.
    main.get_by_role("link", name="Create an account").click()
    expect(guest.get_by_role("heading", level=1, name="Create an account")).to_be_visible()
    check_page(guest, axe, viewport)
    guest.get_by_label("Your name").fill("Nia Newcomer")
    guest.get_by_label("Email address").fill(co_speaker)
    guest.get_by_label("Password").fill(PASSWORD)
    guest.get_by_role("button", name="Create account").click()
    expect(guest.get_by_role("heading", level=1, name="Check your inbox")).to_be_visible()

    # The verification link leads to sign-in, and signing in back to the invitation.
    verify_path = mailbox.link(wait_for_mail(co_speaker, count=2), "/verify/")
    guest.goto(verify_path)
    expect(guest).to_have_url(re.compile(r"/login\?next="))
    expect(flash(guest)).to_contain_text("your email address is verified")
    guest.get_by_label("Email address").fill(co_speaker)
    guest.get_by_label("Password").fill(PASSWORD)
    guest.get_by_role("button", name="Sign in").click()
    expect(guest).to_have_url(re.compile(re.escape(join_path) + "$"))
    expect(guest.get_by_role("main")).to_contain_text(f"You are signed in as {co_speaker}")
    check_page(guest, axe, viewport)
    guest.get_by_role("button", name="Accept").click()
    expect(guest.get_by_role("heading", level=1, name="Speaker profile")).to_be_visible()
    expect(flash(guest)).to_contain_text("You are now a speaker of “Tides as graphs”")
    check_page(guest, axe, viewport)

    def accepted_by() -> tuple[int | None, int]:
        user = user_by_email(co_speaker)
        assert user is not None and user.email_verified
        proposal = db.session.scalar(select(Proposal).where(Proposal.public_id == public_id))
        (speaker,) = [s for s in proposal.speakers if s.email == co_speaker]
        return speaker.user_id, user.id

    speaker_account, new_account = live_server.run(accepted_by)
    assert speaker_account == new_account
