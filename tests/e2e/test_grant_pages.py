"""The grants committee, the organizer's grant pages and a grantee, in headless Chromium, on
the demo workshop: axe-core on every page at desktop and phone width (and never an applicant's
name on a grant reviewer's page, since the demo programme reviews anonymously), adjusting an
allocation with the keyboard alone and sending its offers, and uploading a receipt.

The tests run in file order and share the live database: the first runs the allocation (and
leaves a draft), the second runs it again, adjusts it and sends its offers, the third adds a
receipt. The applicant's flow (apply, accept) is in test_grants.py."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from organizer.enums import GrantState, ReceiptState
from organizer.extensions import db
from organizer.models import (
    GrantApplication,
    GrantCriterion,
    GrantProgramme,
    GrantQuestion,
    GrantReview,
    Payout,
    Receipt,
    User,
)
from organizer.services import demo
from organizer.services.accounts import hash_password
from organizer.services.events import event_by_slug
from tests.conftest import Mailbox
from tests.e2e.conftest import VIEWPORTS, assert_names_nobody, check_page, tab_to
from tests.e2e.test_accounts_and_events import flash, sign_in

pytestmark = pytest.mark.e2e

DEMO = "mangrove-2027"
ORGANIZER = ("organizer@example.org", "demo-organizer")
GRANT_REVIEWER = ("grants@example.org", "demo-grants")
APPLICANT = ("applicant@example.org", "demo-applicant")
GRANTEE_PASSWORD = "demo-grantee-e2e"
RECEIPT_PDF = Path(__file__).resolve().parents[2] / "fixtures" / "uploads" / "sample-receipt.pdf"


@pytest.fixture(scope="module")
def grant_facts(live_server) -> dict[str, object]:
    """The demo workshop in the live database, and what the tests need to know about its
    grant programme."""

    def seed() -> dict[str, object]:
        now = dt.datetime.now(dt.UTC)
        demo.load_demo(data=demo.read_fixture(), now=now)  # idempotent: skips a loaded event
        event = event_by_slug(DEMO)
        programme = db.session.scalar(
            select(GrantProgramme).where(GrantProgramme.event_id == event.id)
        )
        assert programme is not None
        # The demo's dates are fixed; whenever the suite runs, the programme is open.
        programme.opens_at = now - dt.timedelta(days=60)
        programme.closes_at = now + dt.timedelta(days=40)
        applications = list(
            db.session.scalars(
                select(GrantApplication)
                .where(GrantApplication.programme_id == programme.id)
                .order_by(GrantApplication.id)
            )
        )
        by_email = {a.applicant.email: a for a in applications}
        reviewer = db.session.scalar(select(User).where(User.email == GRANT_REVIEWER[0]))
        assert reviewer is not None
        reviewed = set(
            db.session.scalars(
                select(GrantReview.application_id).where(GrantReview.reviewer_id == reviewer.id)
            )
        )
        unreviewed = next(
            a for a in applications if a.state == GrantState.SUBMITTED and a.id not in reviewed
        )
        # A grantee with an accepted award and no receipt yet; the demo gives them no
        # password, so give them one.
        grantee = next(
            a
            for a in applications
            if a.state == GrantState.ACCEPTED
            and not db.session.scalar(select(Receipt.id).where(Receipt.application_id == a.id))
        )
        grantee.applicant.password_hash = hash_password(GRANTEE_PASSWORD)
        waiting_receipt = db.session.scalar(
            select(Receipt)
            .join(GrantApplication, Receipt.application_id == GrantApplication.id)
            .where(GrantApplication.programme_id == programme.id)
            .where(Receipt.state == ReceiptState.SUBMITTED)
            .order_by(Receipt.id)
        )
        assert waiting_receipt is not None
        paid = db.session.scalar(
            select(GrantApplication)
            .join(Payout, Payout.application_id == GrantApplication.id)
            .where(GrantApplication.programme_id == programme.id)
            .limit(1)
        )
        assert paid is not None
        question = db.session.scalar(
            select(GrantQuestion.id)
            .where(GrantQuestion.programme_id == programme.id)
            .order_by(GrantQuestion.id)
        )
        criterion = db.session.scalar(
            select(GrantCriterion.id)
            .where(GrantCriterion.programme_id == programme.id)
            .order_by(GrantCriterion.id)
        )
        applicants = [a.applicant for a in applications]
        assert all(reviewer.display_name != u.display_name for u in applicants)
        hidden = sorted(
            {u.display_name for u in applicants}
            | {u.email for u in applicants}
            | {a.affiliation for a in applications if a.affiliation}
        )
        return {
            "programme": programme.public_id,
            "hidden": hidden,
            "unreviewed": unreviewed.public_id,
            "applicant_application": by_email[APPLICANT[0]].public_id,
            "applicant_name": by_email[APPLICANT[0]].applicant.display_name,
            "grantee": (grantee.applicant.email, GRANTEE_PASSWORD),
            "grantee_application": grantee.public_id,
            "waiting_receipt": waiting_receipt.public_id,
            "paid_grantee": paid.public_id,
            "question": question,
            "criterion": criterion,
        }

    return live_server.run(seed)


# --- helpers -------------------------------------------------------------------------------------


def budget_left(page: Page) -> str:
    return (
        page.locator(".budget-summary dt", has_text=re.compile("^Left$"))
        .locator("xpath=following-sibling::dd[1]")
        .inner_text()
    )


# --- 1. every page, axe and phone width ----------------------------------------------------------


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["desktop", "phone"])
def test_every_grant_page_passes_axe(page: Page, new_context, axe, grant_facts, viewport) -> None:
    hidden = grant_facts["hidden"]
    programme = grant_facts["programme"]
    page.set_viewport_size(viewport)

    # The grant reviewer's pages: anonymous review, so no applicant is ever named.
    sign_in(page, *GRANT_REVIEWER)
    review = f"/review/{DEMO}/grants"
    for path in (
        review,
        f"{review}/{programme}",
        f"{review}/{programme}/ranking",
        f"{review}/applications/{grant_facts['unreviewed']}/conflict",
    ):
        page.goto(path)
        check_page(page, axe, viewport)
        assert_names_nobody(page, hidden)

    page.goto(f"{review}/applications/{grant_facts['unreviewed']}")
    form = page.get_by_role("form", name="My review")
    expect(form).to_be_visible()
    check_page(page, axe, viewport)
    assert_names_nobody(page, hidden)
    # Saved without a score: the summary, and the errors next to the criteria.
    form.get_by_label("Recommended amount (optional)").fill("lots")
    form.get_by_role("button", name="Save my review").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page.locator(".field-error").first).to_be_visible()
    check_page(page, axe, viewport)
    assert_names_nobody(page, hidden)

    # The organizer's pages, in a browser of their own: they do name the applicants.
    organizer = new_context(viewport=viewport).new_page()
    organizer.set_default_timeout(10_000)
    sign_in(organizer, *ORGANIZER)
    manage = f"/manage/{DEMO}/grants"
    base = f"{manage}/{programme}"
    for path in (
        manage,
        f"{manage}/new",
        f"{manage}/letter",
        base,
        f"{base}/delete",
        f"{base}/questions",
        f"{base}/questions/{grant_facts['question']}",
        f"{base}/questions/{grant_facts['question']}/delete",
        f"{base}/criteria",
        f"{base}/criteria/{grant_facts['criterion']}",
        f"{base}/criteria/{grant_facts['criterion']}/delete",
        f"{base}/applications",
        f"{base}/applications?state=submitted",
        f"{base}/applications/{grant_facts['applicant_application']}",
        f"{base}/applications/{grant_facts['applicant_application']}/reject",
        f"{base}/allocation",
        f"{base}/offers",
        f"{base}/money",
        f"{base}/money/receipts",
        f"{base}/money/receipts/{grant_facts['waiting_receipt']}",
        f"{base}/money/rates",
        f"{base}/money/grantees/{grant_facts['paid_grantee']}",
    ):
        organizer.goto(path)
        check_page(organizer, axe, viewport)
    organizer.goto(f"{base}/applications")
    expect(organizer.get_by_role("main")).to_contain_text(grant_facts["applicant_name"])

    # The allocation: run it with the page's button, then the proposal and its two
    # confirmation pages.
    organizer.goto(f"{base}/allocation")
    organizer.get_by_role("button", name="Run the allocation").click()
    expect(flash(organizer)).to_contain_text("The allocation ran")
    expect(organizer.get_by_role("heading", level=2, name="Proposal")).to_be_visible()
    check_page(organizer, axe, viewport)
    for path in (f"{base}/allocation/send", f"{base}/allocation/discard"):
        organizer.goto(path)
        check_page(organizer, axe, viewport)
    organizer.close()

    # The applicant's pages.
    applicant = new_context(viewport=viewport).new_page()
    applicant.set_default_timeout(10_000)
    sign_in(applicant, *APPLICANT)
    for path in (
        f"/{DEMO}/grants",
        f"/{DEMO}/grants/mine",
        f"/{DEMO}/grants/applications/{grant_facts['applicant_application']}",
        f"/{DEMO}/grants/applications/{grant_facts['applicant_application']}/withdraw",
    ):
        applicant.goto(path)
        check_page(applicant, axe, viewport)
    applicant.close()


# --- 2. allocating with the keyboard and sending the offers --------------------------------------


def test_organizer_allocates_and_sends_offers_with_the_keyboard(
    page: Page, live_server, axe, grant_facts, mailbox: Mailbox, wait_for_mail
) -> None:
    base = f"/manage/{DEMO}/grants/{grant_facts['programme']}"
    sign_in(page, *ORGANIZER)
    page.goto(f"{base}/allocation")
    run = page.get_by_role("button", name="Run the allocation")
    tab_to(page, run)
    page.keyboard.press("Enter")
    expect(flash(page)).to_contain_text("The allocation ran")

    table = page.get_by_role("table", name=re.compile("Proposed awards"))
    expect(table).to_be_visible()
    before = budget_left(page)
    # The first proposed amount that is more than zero: lower it by 10.00.
    inputs = table.locator("input.input--money")
    target = None
    for n in range(inputs.count()):
        value = inputs.nth(n).input_value()
        if float(value.replace(",", "") or 0) >= 10:
            target = inputs.nth(n)
            break
    assert target is not None, "the allocation proposes at least one award"
    field_id = target.get_attribute("id")
    old = float(target.input_value().replace(",", ""))
    new = f"{old - 10:.2f}"
    tab_to(page, target)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(new)
    page.keyboard.press("Enter")

    expect(flash(page)).to_contain_text("The proposal is saved.")
    expect(page.locator(f"#{field_id}")).to_have_value(new)
    after = budget_left(page)
    assert after != before, (before, after)

    def amount(text: str) -> float:
        return float(re.sub(r"[^\d.-]", "", text))

    assert amount(after) == pytest.approx(amount(before) + 10), (before, after)
    axe.check(page)

    # The offers: the confirmation page, then sent.
    send = page.get_by_role("link", name="Send offers")
    tab_to(page, send)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Send offers")).to_be_visible()
    count = int(re.search(r"(\d+) applicants? will get an offer", page.content()).group(1))
    assert count >= 1
    already = set(live_server.run(offered_now, grant_facts["programme"]))
    button = page.get_by_role("button", name="Send the offers")
    tab_to(page, button)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Offers")).to_be_visible()
    expect(flash(page)).to_contain_text(f"{count} offers are sent.")
    axe.check(page)

    # One offer mail to each funded applicant, through the SMTP server.
    offered = sorted(set(live_server.run(offered_now, grant_facts["programme"])) - already)
    assert len(offered) == count, offered
    for address in offered:
        assert wait_for_mail(address)["Subject"] == "Grant offer: Travel and scholarship fund"
    assert {m["To"] for m in mailbox.messages if m["Subject"].startswith("Grant offer")} == set(
        offered
    )


def offered_now(programme_public_id: str) -> list[str]:
    """The emails of the applicants whose offer waits for their answer."""
    return list(
        db.session.scalars(
            select(User.email)
            .join(GrantApplication, GrantApplication.applicant_id == User.id)
            .join(GrantProgramme, GrantApplication.programme_id == GrantProgramme.id)
            .where(GrantProgramme.public_id == programme_public_id)
            .where(GrantApplication.state == GrantState.OFFERED)
        )
    )


# --- 3. a grantee's receipt ----------------------------------------------------------------------


def test_grantee_uploads_a_receipt(page: Page, axe, grant_facts, tmp_path: Path) -> None:
    email, password = grant_facts["grantee"]
    sign_in(page, email, password)
    receipts = f"/{DEMO}/grants/applications/{grant_facts['grantee_application']}/receipts"
    page.goto(receipts)
    expect(page.get_by_role("heading", level=1, name="Receipts and reimbursement")).to_be_visible()
    axe.check(page)
    form = page.get_by_role("form", name="Send a receipt")

    # A text file is not a receipt: a summary, the message tied to the field, input kept.
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a receipt\n")
    form.get_by_label("Receipt", exact=True).set_input_files(str(text_file))
    form.get_by_label("Amount", exact=True).fill("84.20")
    spent_on = (
        dt.datetime.now(dt.UTC).date() - dt.timedelta(days=3)
    ).isoformat()  # not in the future
    form.get_by_label("Date on the receipt").fill(spent_on)
    form.get_by_label("Note (optional)").fill("Train from the airport")
    form.get_by_role("button", name="Send the receipt").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page.get_by_label("Receipt", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Receipt", exact=True)).to_have_accessible_description(
        re.compile("PDF")
    )
    expect(page.get_by_label("Amount", exact=True)).to_have_value("84.20")
    expect(page.get_by_label("Date on the receipt")).to_have_value(spent_on)
    axe.check(page)

    # The PDF.
    form = page.get_by_role("form", name="Send a receipt")
    form.get_by_label("Receipt", exact=True).set_input_files(str(RECEIPT_PDF))
    form.get_by_role("button", name="Send the receipt").click()
    expect(flash(page)).to_contain_text("the receipt is sent")
    receipts_table = page.get_by_role("table", name="Receipts you sent, newest first")
    row = receipts_table.get_by_role("row").filter(has_text="sample-receipt.pdf")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("waiting for review")
    axe.check(page)
    for viewport in VIEWPORTS:
        page.set_viewport_size(viewport)
        check_page(page, axe, viewport)

    # The visa letter page of the grantee.
    page.goto(f"/{DEMO}/grants/letter")
    check_page(page, axe, VIEWPORTS[0])
