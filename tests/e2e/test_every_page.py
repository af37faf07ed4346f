"""axe-core on every page of the Foundation, with real demo content, on a desktop and a phone."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from organizer import queue, tasks
from organizer.enums import EventRoleName
from organizer.extensions import db
from organizer.models import EventRole, TeamInvitation
from organizer.services import accounts, audit, demo, team
from organizer.services.events import event_by_slug
from tests.conftest import Mailbox
from tests.e2e.conftest import pass_second_step

pytestmark = pytest.mark.e2e

DEMO = "mangrove-2027"


@pytest.fixture(scope="module")
def demo_ids(live_server) -> dict[str, int]:
    """The demo workshop in the live database, plus one pending invitation and an audit entry."""

    def seed() -> dict[str, int]:
        now = dt.datetime.now(dt.UTC)
        demo.load_demo(data=demo.read_fixture(), now=now)
        event = event_by_slug(DEMO)
        organizer = accounts.user_by_email("organizer@example.org")
        invitation = db.session.scalar(
            db.select(TeamInvitation).where(
                TeamInvitation.event_id == event.id, TeamInvitation.email == "axe@example.org"
            )
        )
        if invitation is None:
            invitation = team.invite(
                actor=organizer,
                event=event,
                email="axe@example.org",
                role=EventRoleName.GRANT_REVIEWER,
                now=now,
            )
        audit.record(
            action="event.update",
            actor=organizer,
            now=now,
            object_type="event",
            object_id=event.id,
            event=event,
            details={"venue": ["Old hall", "New hall"]},
        )
        reviewer_role = db.session.scalar(
            db.select(EventRole.id).where(
                EventRole.event_id == event.id, EventRole.role == EventRoleName.REVIEWER
            )
        )
        # A task that fails (no such edition), for the queue page's list of failed tasks. The
        # task runs in a context (and a connection) of its own: it must see the event committed.
        db.session.commit()
        tasks.render_print("booklet", event.id, "no-such-edition", "en", "rendering:e2e")
        failed = next(k for k in queue.records() if k.startswith(queue.FAILED_PREFIX))
        return {
            "invitation": invitation.id,
            "role": reviewer_role,
            "failed_task": failed.removeprefix(queue.FAILED_PREFIX),
        }

    return live_server.run(seed)


def sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    pass_second_step(page, email)
    expect(page.get_by_role("heading", level=1, name="Home")).to_be_visible()


def organizer_pages(ids: dict[str, int]) -> list[str]:
    return [
        "/",
        f"/{DEMO}/",
        "/mangrove-2026/",
        "/home/",
        "/manage/",
        "/manage/events/new",
        "/manage/audit",
        "/manage/queue/",
        f"/manage/queue/failed/{ids['failed_task']}/forget",
        f"/manage/{DEMO}/",
        f"/manage/{DEMO}/settings",
        f"/manage/{DEMO}/team",
        f"/manage/{DEMO}/audit",
        f"/manage/{DEMO}/team/roles/{ids['role']}/remove",
        f"/manage/{DEMO}/team/invitations/{ids['invitation']}/revoke",
        "/account",
        "/account/password",
        "/account/sign-out-everywhere",
        "/no-such-event/",
    ]


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
    ids=["desktop", "phone"],
)
def test_every_signed_in_page_passes_axe(page: Page, axe, demo_ids, viewport) -> None:
    page.set_viewport_size(viewport)
    sign_in(page, "organizer@example.org", "demo-organizer")
    for path in organizer_pages(demo_ids):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        axe.check(page)
        # nothing wider than the screen: no sideways scrolling on a phone (WCAG 1.4.10)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, overflow)


def test_every_anonymous_page_passes_axe(
    page: Page, axe, demo_ids, mailbox: Mailbox, wait_for_mail
) -> None:
    for path in (
        "/",
        f"/{DEMO}/",
        "/login",
        "/register",
        "/register/check-inbox",
        "/forgot-password",
        "/verify/not-a-token",
    ):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        axe.check(page)
    page.goto("/forgot-password")
    page.get_by_label("Email address").fill("applicant@example.org")
    page.get_by_role("button", name="Send reset link").click()
    page.goto(mailbox.link(wait_for_mail("applicant@example.org"), "/reset-password/"))
    expect(page.get_by_role("heading", level=1, name="Choose a new password")).to_be_visible()
    axe.check(page)
    page.get_by_role("button", name="Save new password").click()  # empty: errors shown
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    axe.check(page)


def test_demo_event_page_renders_its_markdown(page: Page, demo_ids) -> None:
    page.goto(f"/{DEMO}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Mangrove Workshop"))
    expect(page.get_by_role("heading", level=2, name="Code of conduct")).to_be_visible()
    assert page.locator(".prose ul li").count() > 0  # Markdown lists became lists


# --- cfp_setup: the pages where organizers configure the call ----------------------------------


@pytest.fixture(scope="module")
def cfp_setup_pages(live_server, demo_ids) -> list[str]:
    """Every GET page of the call's set-up, with ids of the demo's own items where it has them."""

    def seed() -> list[str]:
        from organizer.models import (
            CfpExtension,
            Question,
            ReviewCriterion,
            ReviewPhase,
            SessionType,
            Track,
        )

        event = event_by_slug(DEMO)

        def first(model: type) -> int | None:
            return db.session.scalar(
                db.select(model.id).where(model.event_id == event.id).order_by(model.id).limit(1)
            )

        base = f"/manage/{DEMO}/cfp"
        pages = [
            base,
            f"{base}/types",
            f"{base}/tracks",
            f"{base}/questions",
            f"{base}/criteria",
            f"{base}/phases",
            f"{base}/mails",
            f"{base}/mails/proposal_accepted",
            f"{base}/mails/proposal_accepted/reset",
            f"{base}/extensions",
        ]
        for model, path in (
            (SessionType, "types/{id}"),
            (Track, "tracks/{id}"),
            (Question, "questions/{id}"),
            (ReviewCriterion, "criteria/{id}"),
            (ReviewPhase, "phases/{id}"),
        ):
            item_id = first(model)
            if item_id is not None:
                pages += [
                    f"{base}/{path.format(id=item_id)}",
                    f"{base}/{path.format(id=item_id)}/delete",
                ]
        extension_id = first(CfpExtension)
        if extension_id is not None:
            pages.append(f"{base}/extensions/{extension_id}/revoke")
        return pages

    return live_server.run(seed)


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
    ids=["desktop", "phone"],
)
def test_every_cfp_setup_page_passes_axe(page: Page, axe, cfp_setup_pages, viewport) -> None:
    page.set_viewport_size(viewport)
    sign_in(page, "organizer@example.org", "demo-organizer")
    for path in cfp_setup_pages:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        axe.check(page)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, overflow)
    # a form with errors next to its fields, and the mail preview
    page.goto(f"/manage/{DEMO}/cfp/questions")
    page.get_by_role("button", name="Save question").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    axe.check(page)
    page.goto(f"/manage/{DEMO}/cfp/mails/proposal_rejected")
    page.get_by_role("button", name="Preview").click()
    expect(
        page.get_by_role("heading", level=2, name="Preview, with made-up values")
    ).to_be_visible()
    axe.check(page)
