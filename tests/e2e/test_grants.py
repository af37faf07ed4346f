"""Applying for a travel grant and accepting the offer, in headless Chromium, with axe-core
scans of each page on the way (the form after a failed submit included)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from organizer.enums import GrantKind, GrantState
from organizer.extensions import db
from organizer.models import GrantApplication, GrantAward
from organizer.services.accounts import user_by_email
from organizer.services.events import event_by_slug
from tests import factories
from tests.conftest import Mailbox
from tests.e2e.test_accounts_and_events import flash, sign_in, unique_email

pytestmark = pytest.mark.e2e


def test_apply_then_accept_the_offer(
    page: Page, live_server, axe, mailbox: Mailbox, wait_for_mail
) -> None:
    applicant = live_server.user(name="Abena Applicant", email=unique_email("grantee"))
    slug = live_server.event(name="Mangrove Grants Workshop", currency="EUR")

    def make_programme() -> str:
        now = dt.datetime.now(dt.UTC)
        return factories.make_programme(
            event_by_slug(slug),
            name="Travel grants",
            kind=GrantKind.BOTH,
            opens_at=now - dt.timedelta(days=1),
            closes_at=now + dt.timedelta(days=10),
            request_cap=150_000,
            description="We help people **travel** to the workshop.",
        ).public_id

    live_server.run(make_programme)

    # The programme list, readable by anyone.
    sign_in(page, applicant)
    page.goto(f"/{slug}/grants")
    expect(page.get_by_role("heading", level=1)).to_have_text("Grants: Mangrove Grants Workshop")
    expect(page.get_by_role("heading", level=2, name="Travel grants")).to_be_visible()
    axe.check(page)

    # The form.
    page.get_by_role("link", name=re.compile("^Apply")).click()
    expect(page.get_by_role("heading", level=1, name="Apply: Travel grants")).to_be_visible()
    axe.check(page)

    # A negative amount and no city: a summary, messages tied to the fields, input kept.
    page.get_by_label("Motivation").fill("I build speech models for Twi.")
    page.get_by_label("Country you travel from").select_option("GH")
    page.get_by_role("radio", name="I cannot attend without it").check()
    page.get_by_label("Travel, in EUR").fill("-450")
    page.get_by_role("button", name="Submit application").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    travel = page.get_by_label("Travel, in EUR")
    expect(travel).to_have_attribute("aria-invalid", "true")
    expect(travel).to_have_accessible_description(re.compile("Enter an amount of zero or more"))
    expect(page.get_by_label("City you travel from")).to_have_accessible_description(
        re.compile("Enter the city you travel from")
    )
    expect(page.get_by_label("Motivation")).to_have_value("I build speech models for Twi.")
    expect(travel).to_have_value("-450")
    axe.check(page)

    # Corrected and submitted.
    travel.fill("450.50")
    page.get_by_label("Lodging, in EUR").fill("200")
    page.get_by_label("City you travel from").fill("Accra")
    page.get_by_role("button", name="Submit application").click()
    expect(
        page.get_by_role("heading", level=1, name="Your application: Travel grants")
    ).to_be_visible()
    expect(flash(page)).to_contain_text("Your application is submitted")
    axe.check(page)
    wait_for_mail(applicant)
    assert "Grant application received" in mailbox.last(applicant)["Subject"]

    # The committee makes an offer (set straight in the database: that is engineer C's page).
    def offer() -> None:
        user = user_by_email(applicant)
        application = db.session.scalar(
            db.select(GrantApplication).where(GrantApplication.applicant_id == user.id)
        )
        assert application.requested == {"travel": 45_050, "lodging": 20_000}
        now = dt.datetime.now(dt.UTC)
        application.state = GrantState.OFFERED
        application.award = GrantAward(
            amounts={"travel": 40_000, "lodging": 20_000},
            total=60_000,
            respond_by=now + dt.timedelta(days=7),
            offered_at=now,
        )

    live_server.run(offer)

    # "My applications": the award, the respond-by date, and the buttons.
    page.goto(f"/{slug}/grants/mine")
    table = page.get_by_role("table", name=re.compile("Your grant applications"))
    expect(table).to_contain_text("€600.00")
    expect(table).to_contain_text("Answer before")
    axe.check(page)
    table.get_by_role("button", name="Accept the grant").click()
    expect(flash(page)).to_contain_text("you accepted your grant")
    expect(page.get_by_role("table", name=re.compile("Your grant applications"))).to_contain_text(
        "accepted"
    )
    axe.check(page)

    def state() -> str:
        user = user_by_email(applicant)
        return db.session.scalar(
            db.select(GrantApplication.state).where(GrantApplication.applicant_id == user.id)
        ).value

    assert live_server.run(state) == "accepted"
