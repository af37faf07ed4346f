"""The screenshots in README.md and docs/, taken on the demo workshop in headless Chromium.

Not part of the suite: every test here is skipped unless ORGANIZER_SCREENSHOTS names the
directory to write the PNG files to. From the repository's root:

    ORGANIZER_SCREENSHOTS=docs/img .venv/bin/pytest tests/e2e/test_screenshots.py -p no:randomly

Each test still checks that it photographs the page it means to (its heading, and what the
picture is for), so a picture of an error page is never written. The demo is loaded with the
real clock, as `make run` does."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from organizer.extensions import db
from organizer.models import GrantProgramme
from organizer.services import demo
from organizer.services.events import event_by_slug
from tests.e2e.test_accounts_and_events import flash, sign_in

OUTPUT = os.environ.get("ORGANIZER_SCREENSHOTS", "")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not OUTPUT, reason="screenshots: set ORGANIZER_SCREENSHOTS=docs/img"),
]

ROOT = Path(__file__).resolve().parents[2]
DEMO = "mangrove-2027"
ORGANIZER = ("organizer@example.org", "demo-organizer")
APPLICANT = ("applicant@example.org", "demo-applicant")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SATURDAY = "2027-03-27"


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """The e2e browser, also given the fonts of other scripts that the site ships for the
    printed programme (static/fonts: Devanagari, Arabic ...): the demo's names are in many
    scripts, and a machine without their fonts draws empty boxes where a visitor sees a name.
    Latin text keeps the system's font, as in the other screenshots."""
    fonts = tmp_path_factory.mktemp("fonts")
    shipped = ROOT / "static" / "fonts"
    for font in [*shipped.glob("NotoSans?*-*.ttf"), shipped / "DroidSansFallbackFull.ttf"]:
        (fonts / font.name).symlink_to(font)
    config = fonts / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
        '<fontconfig><include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<dir>{fonts}</dir></fontconfig>\n"
    )
    return {**browser_type_launch_args, "env": {**os.environ, "FONTCONFIG_FILE": str(config)}}


@pytest.fixture(scope="module")
def programme(live_server) -> str:
    """The demo in the live database; returns its grant programme's public id."""

    def seed() -> str:
        demo.load_demo(data=demo.read_fixture(), now=dt.datetime.now(dt.UTC))
        event = event_by_slug(DEMO)
        assert event is not None
        found = db.session.scalar(
            select(GrantProgramme.public_id).where(GrantProgramme.event_id == event.id)
        )
        assert found is not None
        return found

    return live_server.run(seed)


def save(page: Page, name: str, *, full_page: bool = False) -> None:
    """The viewport (or the whole page) as OUTPUT/name.png, without the text cursor."""
    directory = Path(OUTPUT)
    directory.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(directory / f"{name}.png"), full_page=full_page, caret="hide")


def test_home_of_the_demo_applicant(page: Page, programme) -> None:
    page.set_viewport_size(DESKTOP)
    sign_in(page, *APPLICANT)
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=2, name="My proposals")).to_be_visible()
    save(page, "home")


def test_public_schedule_at_desktop_width(page: Page, programme) -> None:
    page.set_viewport_size(DESKTOP)
    page.goto(f"/{DEMO}/schedule/?day={SATURDAY}")
    expect(page.locator("table.grid-table")).to_be_visible()
    save(page, "public-schedule")
    # The track colours: scrolled to the grid, where the four tracks' sessions meet.
    page.evaluate("window.scrollTo(0, document.querySelector('table.grid-table').offsetTop)")
    save(page, "public-schedule-tracks")


def test_public_schedule_on_a_phone(page: Page, programme) -> None:
    page.set_viewport_size(PHONE)
    page.goto(f"/{DEMO}/schedule/?day={SATURDAY}")
    expect(page.locator("table.grid-table thead")).to_be_hidden()
    expect(page.locator(".grid-cell").first).to_be_visible()
    # From the heading down: the days first, the folded filters, then the stacked grid.
    page.evaluate("window.scrollTo(0, document.querySelector('h1').offsetTop - 8)")
    save(page, "public-schedule-phone")


def test_grant_allocation_after_a_run(page: Page, programme) -> None:
    page.set_viewport_size({"width": 1200, "height": 900})
    sign_in(page, *ORGANIZER)
    page.goto(f"/manage/{DEMO}/grants/{programme}/allocation")
    page.get_by_role("button", name="Run the allocation").click()
    expect(flash(page)).to_contain_text("The allocation ran")
    expect(page.get_by_role("heading", level=2, name="Proposal")).to_be_visible()
    expect(page.get_by_role("main")).not_to_contain_text("Objective")
    # As before: the page as a reader scrolls it, without the flash message of the run.
    page.goto(f"/manage/{DEMO}/grants/{programme}/allocation")
    expect(page.get_by_role("heading", level=2, name="Proposal")).to_be_visible()
    save(page, "grants-allocation", full_page=True)
