"""Importing proposals from a spreadsheet in headless Chromium: from the event's dashboard,
upload a CSV as Google Forms exports it, take the suggested columns and choose the one the
headers do not name, see the rows with problems listed by row, be refused an import while they
stand, then skip them with the keyboard alone and import the good rows; axe-core on every
page."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import check_at_phone_width, tab_to
from tests.e2e.test_accounts_and_events import sign_in
from tests.spreadsheet_import.helpers import csv_bytes

pytestmark = pytest.mark.e2e

HEADERS = [
    "Timestamp",
    "Email Address",
    "Name",
    "Title of your talk",
    "What is it about?",
    "Session type",
    "Track",
]


def row(n: int, tag: str, track: str = "Methods") -> list[str]:
    return [
        "11/20/2026 14:03:12",
        speaker(n, tag),
        f"Speaker {n}",
        f"Talk number {n}",
        "What we learnt.",
        "Talk",
        track,
    ]


def speaker(n: int, tag: str) -> str:
    return f"sheet-speaker{n}-{tag}@example.org"


def test_upload_choose_columns_see_problems_and_import_the_good_rows(
    page: Page, live_server, axe, tmp_path, mailbox, wait_for_mail
) -> None:
    tag = uuid.uuid4().hex[:8]
    email = live_server.user(email=f"sheet-import-{tag}@example.org")
    slug = live_server.event(organizer=email, slug=f"sheet-{tag}")
    live_server.call(slug)
    sheet = tmp_path / "form.csv"
    rows = [HEADERS, row(1, tag), row(2, tag, track="Nowhere"), [""] * 7, row(3, tag)]
    sheet.write_bytes(csv_bytes(rows))
    sign_in(page, email)

    page.goto(f"/manage/{slug}/")
    page.get_by_role(
        "link", name="Import proposals or grant applications from a spreadsheet"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Import grant applications instead")).to_be_visible()
    axe.check(page)

    # No file: the message sits by the field.
    page.get_by_role("button", name="Upload and choose the columns").click()
    expect(page.locator("#file-error")).to_contain_text("Choose a CSV or XLSX file.")
    axe.check(page)

    page.get_by_label("Spreadsheet (CSV or XLSX)").set_input_files(sheet)
    page.get_by_role("button", name="Upload and choose the columns").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("choose the columns")
    expect(page.get_by_text("form.csv: 4 rows of answers.")).to_be_visible()
    # The headers suggest the columns; the one they do not name is left out until chosen.
    expect(page.get_by_label("Email Address")).to_have_value("email")
    expect(page.get_by_label("Title of your talk")).to_have_value("title")
    expect(page.get_by_label("Track")).to_have_value("track")
    about = page.get_by_label("What is it about?")
    expect(about).to_have_value("")
    expect(page.get_by_text("First answers: “What we learnt.”")).to_be_visible()
    axe.check(page)
    check_at_phone_width(page, axe)
    about.select_option(label="Abstract")
    page.get_by_role("button", name="Check the rows").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("check the rows")
    problems = page.get_by_role("region", name="Problems, by row")
    expect(problems.get_by_role("row", name="3 Track Unknown track “Nowhere”")).to_be_visible()
    expect(problems.get_by_role("row")).to_have_count(2)  # the header and the one problem
    expect(page.get_by_role("group", name="Import 2 rows")).to_be_visible()
    axe.check(page)
    check_at_phone_width(page, axe)

    # Importing while a row has a problem is refused, and nothing is written.
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator("#skip_listed-error")).to_be_visible()
    axe.check(page)

    # Keyboard only: tick "skip" with Space, then Enter on Import.
    skip = page.get_by_label("Skip the rows listed with problems and import only the good rows")
    tab_to(page, skip)
    page.keyboard.press("Space")
    expect(skip).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Import", exact=True))
    page.keyboard.press("Enter")

    expect(page.get_by_text("form.csv was imported: 2 rows.")).to_be_visible()
    expect(page.get_by_text("1 row with problems was skipped.")).to_be_visible()
    axe.check(page)
    page.get_by_role("link", name="Work through proposals").click()
    expect(page.get_by_role("link", name="Talk number 1")).to_be_visible()
    expect(page.get_by_role("link", name="Talk number 3")).to_be_visible()
    expect(page.get_by_role("link", name="Talk number 2")).to_have_count(0)

    # The imported speakers are invited to claim their proposals; the skipped one is not.
    for n in (1, 3):
        assert "/claim" in mailbox.text(wait_for_mail(speaker(n, tag)))
    assert mailbox.to(speaker(2, tag)) == []
