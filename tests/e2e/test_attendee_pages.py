"""The organizers' registration pages in headless Chromium: the attendee list (filter by
name, keep the filter, download the CSV), the dietary and access summary, and the access
coordinator's page; axe-core on each, at desktop and phone width. Own data, own event."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from organizer.enums import EventRoleName, RegistrationState
from organizer.services.accounts import user_by_email
from organizer.services.events import event_by_slug
from organizer.services.print import certificates
from tests import factories
from tests.e2e.conftest import VIEWPORTS, check_page
from tests.e2e.test_accounts_and_events import sign_in, unique_email
from tests.registration_factories import make_place_kind, make_registration, make_settings

pytestmark = pytest.mark.e2e


@pytest.fixture
def registered(live_server) -> dict[str, str]:
    organizer = live_server.user(name="Olga Organizer", email=unique_email("organizer"))
    coordinator = live_server.user(name="Cora Coordinator", email=unique_email("coordinator"))
    slug = live_server.event(organizer=organizer, name="Estuary 2027")
    live_server.grant_role(coordinator, slug, EventRoleName.ACCESS_COORDINATOR)

    made: dict = {}

    def seed() -> str:
        event = event_by_slug(slug)
        make_settings(event)
        kind = make_place_kind(event, "In person")
        people = [
            ("Ayşe Yılmaz", RegistrationState.CONFIRMED, ["step_free"], ["vegan"]),  # noqa: RUF001
            ("Bruno Alves", RegistrationState.WAITLISTED, [], []),
            ("Chen Wei", RegistrationState.CONFIRMED, [], ["vegetarian"]),
        ]
        for name, state, needs, dietary in people:
            made[name] = make_registration(
                event,
                factories.make_user(name=name, email=unique_email("attendee")),
                state=state,
                place_kind=kind,
                needs=needs,
                dietary=dietary,
                notes="Please seat me near the door" if needs else "",
            )
        assert user_by_email(coordinator) is not None
        chen = made["Chen Wei"]
        chen.checked_in_at = factories.NOW
        return certificates.token_of(chen)

    token = live_server.run(seed)
    return {"slug": slug, "organizer": organizer, "coordinator": coordinator, "token": token}


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["desktop", "phone"])
def test_the_organizer_filters_the_list_and_reads_the_summary(
    page: Page, axe, registered, viewport
) -> None:
    page.set_viewport_size(viewport)
    slug = registered["slug"]
    sign_in(page, registered["organizer"])
    page.goto(f"/manage/{slug}/")
    nav = page.get_by_role("navigation", name="Event management")
    nav.get_by_role("link", name="Registrations").click()
    expect(page.get_by_role("heading", level=1, name="Registrations")).to_be_visible()
    check_page(page, axe, viewport)
    expect(page.get_by_role("table")).to_contain_text("Bruno Alves")

    page.get_by_label("Name", exact=True).fill("ayse")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_label("Name", exact=True)).to_have_value("ayse")
    table = page.get_by_role("table")
    expect(table).to_contain_text("Ayşe Yılmaz")  # noqa: RUF001
    expect(table).not_to_contain_text("Bruno Alves")
    check_page(page, axe, viewport)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    assert download.value.suggested_filename == f"{slug}-attendees.csv"

    page.get_by_role("link", name="Dietary and access summary").click()
    expect(page.get_by_role("heading", level=1, name="Dietary and access summary")).to_be_visible()
    check_page(page, axe, viewport)
    expect(page.get_by_role("main")).not_to_contain_text("Ayşe")
    expect(page.get_by_role("main")).not_to_contain_text("near the door")

    page.go_back()
    page.get_by_role("link", name="Badges", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Badges")).to_be_visible()
    check_page(page, axe, viewport)
    page.goto(f"/manage/{slug}/registrations/")
    with page.expect_download() as badge:
        page.get_by_role("link", name="Badge of Chen Wei (PDF)").click()
    assert badge.value.suggested_filename.endswith(".pdf")


def test_a_certificates_verification_page(page: Page, axe, registered) -> None:
    """Anyone holding the address on a certificate sees that it is real."""
    page.goto(f"/{registered['slug']}/certificates/{registered['token']}")
    expect(page.get_by_role("main")).to_contain_text("Chen Wei")
    check_page(page, axe, VIEWPORTS[0])
    page.goto(f"/{registered['slug']}/certificates/{registered['token']}x")
    expect(page.get_by_role("main")).not_to_contain_text("Chen Wei")
    check_page(page, axe, VIEWPORTS[0])


def test_the_access_coordinator_reaches_their_page_from_my_events(
    page: Page, axe, registered
) -> None:
    viewport = VIEWPORTS[0]
    sign_in(page, registered["coordinator"])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My events").click()
    page.get_by_role("link", name="Estuary 2027").click()
    expect(page.get_by_role("heading", level=1, name="Access needs")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Please seat me near the door")
    expect(page.get_by_role("main")).to_contain_text("are deleted on")
    check_page(page, axe, viewport)
