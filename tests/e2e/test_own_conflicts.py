"""An organizer who also speaks and applies, clicked through in headless Chromium: their own
proposal and grant application are marked, shown without scores and cannot be decided on by
them; the call set to refuse the team says so, and a team member's submission is refused with
the message next to the form. axe-core on every page on the way."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from organizer.enums import EventRoleName
from organizer.extensions import db
from organizer.models import Cfp
from organizer.services.accounts import user_by_email
from organizer.services.events import event_by_slug
from tests import factories
from tests.e2e.test_accounts_and_events import sign_in, unique_email

pytestmark = pytest.mark.e2e


def test_an_organizer_speaks_and_applies_and_another_decides(page: Page, live_server, axe) -> None:
    otto = live_server.user(name="Otto Organizer", email=unique_email("otto"))
    slug = live_server.event(name="Conflicts Workshop", organizer=otto)
    live_server.call(slug)

    def seed() -> dict[str, str]:
        event = event_by_slug(slug)
        organizer = user_by_email(otto)
        reviewer = factories.make_user(name="Rita Reviewer")
        factories.grant_role(reviewer, event, EventRoleName.REVIEWER)
        own = factories.make_proposal(event, co_speakers=(organizer,), title="Otto's own talk")
        factories.make_proposal(event, title="Someone else's talk")
        programme = factories.make_programme(event, name="Travel grants")
        application = factories.make_application(programme, organizer)
        factories.make_application(programme)
        return {
            "own": own.public_id,
            "programme": programme.public_id,
            "application": application.public_id,
        }

    ids = live_server.run(seed)
    sign_in(page, otto)
    base = f"/manage/{slug}/cfp"

    page.goto(f"{base}/proposals")
    row = page.get_by_role("row", name="Otto's own talk")
    expect(row).to_contain_text("Your own: scores hidden, another organizer decides")
    expect(row.get_by_role("checkbox")).to_have_count(0)
    axe.check(page)

    row.get_by_role("link", name="Otto's own talk").click()
    expect(page.get_by_role("heading", level=2, name="Your own proposal")).to_be_visible()
    expect(page.get_by_role("button", name="Accept")).to_have_count(0)
    expect(page.get_by_role("heading", level=2, name="Reviews")).to_have_count(0)
    axe.check(page)

    page.goto(f"{base}/ranking")
    expect(page.get_by_text("Your own proposal is left out of this ranking")).to_be_visible()
    expect(page.get_by_text("Otto's own talk")).to_have_count(0)
    axe.check(page)

    grants = f"/manage/{slug}/grants/{ids['programme']}"
    page.goto(f"{grants}/applications")
    expect(page.get_by_text("Your own: scores hidden, another organizer decides")).to_be_visible()
    axe.check(page)
    page.goto(f"{grants}/applications/{ids['application']}")
    expect(page.get_by_role("heading", level=2, name="Your own application")).to_be_visible()
    expect(page.get_by_role("link", name="Turn down this application")).to_have_count(0)
    axe.check(page)

    # The call's set-up page: untick "may submit"; the public page and the form then say so.
    page.goto(base)
    box = page.get_by_label("Members of the organizing team may submit proposals")
    expect(box).to_be_checked()
    box.uncheck()
    page.get_by_role("button", name="Save").first.click()
    assert (
        live_server.run(
            lambda: db.session.scalar(
                db.select(Cfp.team_may_apply).where(Cfp.event_id == event_by_slug(slug).id)
            )
        )
        is False
    )
    page.goto(f"/{slug}/cfp")
    refusal = "Members of the organizing team (organizers, reviewers and grant reviewers) may not"
    expect(page.get_by_text(refusal + " submit.")).to_be_visible()
    axe.check(page)

    page.goto(f"/{slug}/cfp/submit")
    page.get_by_label("Title").fill("Another idea")
    page.get_by_label("Abstract").fill("It is refused, and kept in the form.")
    page.get_by_role("radio", name="Methods").check()
    page.get_by_role("button", name="Submit proposal").click()
    expect(page.get_by_role("status")).to_contain_text("may not submit proposals to this call")
    expect(page.get_by_label("Title")).to_have_value("Another idea")
    axe.check(page)
