"""Blind review of files in Chromium: the organizer sees a file that names its speaker, opens
the copy reviewers get, uploads a redacted version and dismisses a harmless flag; the reviewer
is told, never shown the name. axe-core on each page."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from organizer.enums import EventRoleName, QuestionKind
from organizer.extensions import db
from organizer.models import Answer, Proposal
from organizer.services import uploads
from organizer.services.events import event_by_slug
from organizer.services.reviewing import redaction
from tests import factories
from tests.documents import make_pdf
from tests.e2e.conftest import VIEWPORTS, assert_names_nobody, check_page
from tests.e2e.test_accounts_and_events import flash, sign_in

pytestmark = pytest.mark.e2e

NAME = "Zebulon Quartermaine"


def seed(live_server) -> dict[str, str]:
    organizer = live_server.user(name="Olga Organizer")
    reviewer = live_server.user(name="Rita Reviewer")
    slug = live_server.event(organizer=organizer)
    live_server.call(slug)
    live_server.grant_role(reviewer, slug, EventRoleName.REVIEWER)

    def make() -> dict[str, str]:
        event = event_by_slug(slug)
        speaker = factories.make_user(name=NAME)
        slides = factories.make_question(
            event, text="Slides", kind=QuestionKind.FILE, file_kinds=["pdf"]
        )
        paper = factories.make_question(
            event, text="Paper", kind=QuestionKind.FILE, file_kinds=["pdf"], position=1
        )
        proposal = factories.make_proposal(event, speaker, title="Counting mosses")
        for question, line in ((slides, f"Slides by {NAME}"), (paper, "After Quartermaine 2019")):
            upload = uploads.store(
                stream=io.BytesIO(make_pdf([line], author=NAME)),
                filename="file.pdf",
                field="f",
                allowed=["pdf"],
                max_kb=100,
                owner=speaker,
                event=event,
                now=factories.NOW,
            )
            db.session.add(Answer(proposal=proposal, question=question, upload=upload))
        db.session.flush()
        return {
            "slug": slug,
            "organizer": organizer,
            "reviewer": reviewer,
            "proposal": proposal.public_id,
            "slides": str(slides.id),
        }

    return live_server.run(make)


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["desktop", "phone"])
def test_organizer_resolves_flags_in_files_and_the_reviewer_is_told(
    page: Page, new_context, axe, live_server, tmp_path: Path, viewport
) -> None:
    facts = seed(live_server)
    page.set_viewport_size(viewport)
    sign_in(page, facts["reviewer"])
    review_url = f"/review/{facts['slug']}/proposals/{facts['proposal']}"
    page.goto(review_url)
    expect(page.get_by_text("Something in this proposal may identify its speaker.")).to_be_visible()
    expect(page.get_by_text("The organizers are checking this file").first).to_be_visible()
    check_page(page, axe, viewport)
    assert_names_nobody(page, [NAME, "Quartermaine", "Zebulon"])

    organizer = new_context(viewport=viewport).new_page()
    organizer.set_default_timeout(10_000)
    sign_in(organizer, facts["organizer"])
    organizer.goto(f"/manage/{facts['slug']}/cfp/proposals/{facts['proposal']}#redaction")
    flags = organizer.locator("#redaction-flags")
    expect(flags).to_contain_text("in the file answering “Slides”:")
    expect(flags).to_contain_text("in the file answering “Paper”:")
    check_page(organizer, axe, viewport)

    # A redacted version of the slides, chosen with the labelled file field.
    redacted = tmp_path / "redacted.pdf"
    redacted.write_bytes(make_pdf(["Slides by [redacted]"]))
    organizer.get_by_label("Redacted version").first.set_input_files(redacted)
    organizer.get_by_role("button", name="Upload the redacted version").first.click()
    expect(flash(organizer)).to_contain_text("Reviewers now get your redacted version")
    expect(flags).not_to_contain_text("“Slides”")
    check_page(organizer, axe, viewport)
    # The citation in the paper is harmless: dismissed.
    organizer.get_by_role("button", name="Dismiss these flags: they are harmless").click()
    expect(flash(organizer)).to_contain_text("1 flag dismissed")
    expect(organizer.get_by_role("button", name="Flag them again")).to_be_visible()
    check_page(organizer, axe, viewport)

    def held() -> set[int]:
        event = event_by_slug(facts["slug"])
        return redaction.held_back(event)

    assert live_server.run(held) == set()

    page.reload()
    expect(page.get_by_text("Something in this proposal may identify its speaker.")).to_be_visible()
    expect(page.get_by_role("link", name="Download the file answering “Slides”")).to_be_visible()
    check_page(page, axe, viewport)
    assert_names_nobody(page, [NAME, "Quartermaine", "Zebulon"])

    def title() -> str:
        return db.session.scalar(
            select(Proposal.title).where(Proposal.public_id == facts["proposal"])
        )

    assert live_server.run(title) == "Counting mosses"
