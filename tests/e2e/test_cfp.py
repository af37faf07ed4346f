"""The call for talks, clicked through by an applicant and a co-speaker in headless Chromium,
with axe-core scans of each page on the way (the error state included)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from organizer.extensions import db
from organizer.models import Proposal, SpeakerProfile
from organizer.services.accounts import user_by_email
from tests.conftest import Mailbox
from tests.e2e.test_accounts_and_events import flash, sign_in, unique_email
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


def test_submit_invite_accept_and_list(
    page: Page, new_context, live_server, axe, mailbox: Mailbox, wait_for_mail
) -> None:
    applicant = live_server.user(name="Ana Applicant", email=unique_email("applicant"))
    co_speaker = unique_email("co")
    live_server.user(name="Cora Co", email=co_speaker)
    slug = live_server.event(name="Mangrove Call Workshop")
    live_server.call(slug, text="We want **methods** for small data.")

    # The call page, readable by anyone.
    sign_in(page, applicant)
    page.goto(f"/{slug}/cfp")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Call for talks: Mangrove Call Workshop"
    )
    expect(page.get_by_role("table", name=re.compile("Session types"))).to_contain_text("Talk")
    # local-time.js adds the visitor's own time next to the deadline
    expect(page.locator(".local-time").first).to_contain_text("your time:")
    axe.check(page)

    # The form.
    page.get_by_role("link", name="Submit a proposal").click()
    expect(page.get_by_role("heading", level=1, name="Submit a proposal")).to_be_visible()
    axe.check(page)

    # Submitting without a title: a summary, and the message tied to the field.
    page.get_by_label("Abstract").fill("Small data, big questions.")
    page.get_by_role("button", name="Submit proposal").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    title = page.get_by_label("Title")
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(title).to_have_accessible_description(re.compile(r"Enter a title\."))
    expect(page.get_by_label("Abstract")).to_have_value("Small data, big questions.")
    axe.check(page)

    # Filled in and submitted; with no speaker profile yet, the profile comes next.
    title.fill("Priors for tiny datasets")
    page.get_by_role("radio", name=re.compile("^Talk")).check()
    page.get_by_role("radio", name="Methods").check()
    page.get_by_role("button", name="Submit proposal").click()
    expect(page.get_by_role("heading", level=1, name="Speaker profile")).to_be_visible()
    expect(flash(page)).to_contain_text("Your proposal is submitted")
    page.get_by_label("Biography").fill("Ana works on Bayesian methods.")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("heading", level=1, name="Priors for tiny datasets")).to_be_visible()
    wait_for_mail(applicant)
    assert "Proposal received" in mailbox.last(applicant)["Subject"]

    # Inviting a co-speaker.
    invite = page.get_by_role("form", name="Invite a co-speaker")
    invite.get_by_label("Email address of your co-speaker").fill(co_speaker)
    invite.get_by_role("button", name="Invite co-speaker").click()
    expect(flash(page)).to_contain_text(f"An invitation is on its way to {co_speaker}")
    expect(page.get_by_role("listitem").filter(has_text=co_speaker)).to_contain_text(
        "invitation pending"
    )
    axe.check(page)

    # The co-speaker, in a browser of their own, follows the mailed link and signs in.
    join_path = mailbox.link(wait_for_mail(co_speaker), f"/{slug}/cfp/join/")
    guest = new_context().new_page()
    guest.set_default_timeout(10_000)
    guest.goto(join_path)  # the invitation offers to sign in, and the sign-in leads back
    guest.get_by_role("main").get_by_role("link", name="Sign in").click()
    expect(guest).to_have_url(re.compile(r"/login\?next="))
    guest.get_by_label("Email address").fill(co_speaker)
    guest.get_by_label("Password").fill(PASSWORD)
    guest.get_by_role("button", name="Sign in").click()
    expect(guest.get_by_role("heading", level=1, name="Co-speaker invitation")).to_be_visible()
    expect(guest.get_by_role("main")).to_contain_text(
        "Ana Applicant invites you to speak with them on “Priors for tiny datasets”"
    )
    axe.check(guest)
    guest.get_by_role("button", name="Accept").click()

    # ... and fills in their profile, then lands on the proposal.
    expect(guest.get_by_role("heading", level=1, name="Speaker profile")).to_be_visible()
    axe.check(guest)
    guest.get_by_label("Biography").fill("Cora builds tools.")
    guest.get_by_role("group", name=re.compile("March 27")).get_by_label(
        re.compile("^Morning")
    ).check()
    guest.get_by_role("button", name="Save profile").click()
    expect(guest.get_by_role("heading", level=1, name="Priors for tiny datasets")).to_be_visible()
    expect(flash(guest)).to_contain_text("Your speaker profile is saved.")

    def saved() -> tuple[int, dict[str, str]]:
        proposal = db.session.scalar(db.select(Proposal).where(Proposal.title.like("Priors%")))
        user = user_by_email(co_speaker)
        profile = db.session.scalar(
            db.select(SpeakerProfile).where(SpeakerProfile.user_id == user.id)
        )
        return len(proposal.accepted_speakers), dict(profile.availability)

    speakers, availability = live_server.run(saved)
    assert speakers == 2
    assert availability["2027-03-27"] == "morning"

    # "My proposals" lists it, for both of them.
    page.goto(f"/{slug}/cfp/mine")
    table = page.get_by_role("table", name=re.compile("Your proposals"))
    expect(table.get_by_role("row", name=re.compile("Priors for tiny datasets"))).to_contain_text(
        "Submitter"
    )
    axe.check(page)
    guest.goto(f"/{slug}/cfp/mine")
    expect(guest.get_by_role("row", name=re.compile("Priors for tiny datasets"))).to_contain_text(
        "Co-speaker"
    )
