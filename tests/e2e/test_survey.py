"""The survey, clicked through in headless Chromium: an organizer creates it, a speaker
submits a proposal, follows the survey box and answers (a failed submit without consent on
the way), then the organizer opens the dashboard and one question; axe-core scans each page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_accounts_and_events import flash, sign_in, unique_email

pytestmark = pytest.mark.e2e


def test_answer_the_survey_after_a_proposal(page: Page, new_context, live_server, axe) -> None:
    organizer = live_server.user(name="Olu Organizer", email=unique_email("organizer"))
    speaker = live_server.user(name="Sam Speaker", email=unique_email("speaker"))
    slug = live_server.event(name="Kelp Survey Workshop", organizer=organizer)
    live_server.call(slug)

    # The organizer creates the survey with its default questions.
    sign_in(page, organizer)
    page.goto(f"/manage/{slug}/representation/setup")
    axe.check(page)
    page.get_by_role("button", name=re.compile("Create the survey")).click()
    expect(flash(page)).to_contain_text("The survey is created")
    expect(page.get_by_label("Smallest group shown (k)")).to_have_value("5")
    axe.check(page)
    page.goto(f"/manage/{slug}/representation/questions")
    expect(page.get_by_role("table")).to_contain_text("gender_identity")
    axe.check(page)

    # A speaker submits a proposal, then follows the survey box on its page.
    speaker_page = new_context().new_page()
    sign_in(speaker_page, speaker)
    speaker_page.goto(f"/{slug}/cfp/submit")
    speaker_page.get_by_label("Title").fill("Kelp forests from orbit")
    speaker_page.get_by_label("Abstract").fill("Counting kelp with satellites.")
    speaker_page.get_by_role("radio", name=re.compile("^Talk")).check()
    speaker_page.get_by_role("radio", name="Methods").check()
    speaker_page.get_by_role("button", name="Submit proposal").click()
    if speaker_page.get_by_role("heading", level=1, name="Speaker profile").is_visible():
        speaker_page.get_by_label("Biography").fill("Sam maps coasts.")
        speaker_page.get_by_role("button", name="Save profile").click()
    box = speaker_page.get_by_role("region", name="Help us see who our call reaches (optional)")
    expect(box).to_be_visible()
    box.get_by_role("link").click()
    expect(speaker_page.get_by_role("heading", level=1)).to_contain_text("Who we reach")
    expect(speaker_page.get_by_role("region", name="Who can see what")).to_contain_text(
        "fewer than 5 people"
    )
    axe.check(speaker_page)

    # Without consent: nothing is saved, the answers stay and the error is tied to the box.
    gender = speaker_page.get_by_role("group", name=re.compile("gender identity"))
    gender.get_by_role("checkbox", name="Woman").check()
    gender.get_by_role("checkbox", name="Non-binary").check()
    region = speaker_page.get_by_role("group", name=re.compile("world region"))
    region.get_by_role("radio", name="Africa", exact=True).check()
    speaker_page.get_by_role("button", name="Save my answers").click()
    expect(speaker_page.get_by_role("alert")).to_contain_text("There is a problem")
    consent = speaker_page.get_by_role("checkbox", name="I agree")
    expect(consent).to_have_attribute("aria-invalid", "true")
    expect(gender.get_by_role("checkbox", name="Woman")).to_be_checked()
    axe.check(speaker_page)

    consent.check()
    speaker_page.get_by_role("button", name="Save my answers").click()
    expect(flash(speaker_page)).to_contain_text("Your answers are saved")
    region = speaker_page.get_by_role("group", name=re.compile("world region"))
    expect(region.get_by_role("radio", name="Africa", exact=True)).to_be_checked()
    axe.check(speaker_page)

    # The account page lists the survey for the person, with a link to change or delete.
    speaker_page.goto("/account")
    entry = speaker_page.get_by_role("listitem").filter(has_text="Kelp Survey Workshop")
    expect(entry).to_contain_text("answered, change or delete")

    # The organizer opens the dashboard's overview, then one question's page.
    page.goto(f"/manage/{slug}/representation")
    expect(page.get_by_role("heading", level=1, name="Representation")).to_be_visible()
    expect(page.get_by_role("table", name=re.compile("People at each stage"))).to_be_visible()
    axe.check(page)
    page.get_by_role("link", name=re.compile("In which world region")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("In which world region")
    # One respondent: no breakdown at any stage, and no count anywhere.
    comparison = page.get_by_role("table", name=re.compile("shares across the stages"))
    expect(comparison).to_contain_text("no breakdown is shown")
    axe.check(page)
