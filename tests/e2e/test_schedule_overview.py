"""The editor's overview of all days in headless Chromium, keyboard only: an organizer tabs to
a session's "Move to…", opens it, chooses the next day (across the change to summer time in
Lisbon), tabs to "Move" and presses Enter; the session shows in the next day's column at the
same wall-clock time. A refused move says why next to the field. axe-core scans the page.
And on the day grid: plus and minus change the length of a block, as they do for a plenary
item (the keyboard and the drag handle offer the same kinds of session)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from organizer.enums import SlotKind
from organizer.extensions import db
from organizer.models import Slot
from organizer.services import demo
from tests import factories
from tests.e2e.conftest import VIEWPORTS, assert_fits_the_screen, check_page, tab_to
from tests.e2e.test_accounts_and_events import flash, sign_in, unique_email
from tests.e2e.test_schedule_editor import card, cell, open_editor

pytestmark = pytest.mark.e2e


def seed() -> dict[str, Any]:
    """Two days (27 and 28 March 2027, Lisbon), two rooms; Alpha on Saturday at 10:00, a
    lightning block on Saturday at 11:00, Beta waiting; Gamma on Sunday at 10:00 in Aula
    Magna with the same speaker as Alpha."""
    organizer = factories.make_user(email=unique_email("olga"), name="Olga Organizer")
    event = factories.make_schedule_event(organizer, name="All Days in the Browser")
    aula = factories.make_room(event, "Aula Magna", position=0)
    sala = factories.make_room(event, "Sala Dois", position=1)
    sara = factories.make_user(name="Sara Speaker")
    alpha = factories.make_talk(
        event, sara, title="Alpha methods", room=aula, starts_at=factories.lisbon(27, 10)
    )
    beta = factories.make_talk(event, title="Beta pipelines")
    gamma = factories.make_talk(
        event, title="Gamma applications", room=aula, starts_at=factories.lisbon(28, 14)
    )
    block = factories.make_slot(
        event,
        kind=SlotKind.CONTAINER,
        title="Lightning talks",
        duration_minutes=30,
        room=sala,
        starts_at=factories.lisbon(27, 11),
    )
    return {
        "email": organizer.email,
        "slug": event.slug,
        "aula": aula.id,
        "sala": sala.id,
        "alpha": alpha.public_id,
        "beta": beta.public_id,
        "gamma": gamma.public_id,
        "block": block.public_id,
    }


def stored(live_server, public_id: str) -> tuple[int | None, str | None, int]:
    def read() -> tuple[int | None, str | None, int]:
        slot = db.session.scalar(db.select(Slot).where(Slot.public_id == public_id))
        start = slot.starts_at.isoformat() if slot.starts_at else None
        return slot.room_id, start, slot.duration_minutes

    return live_server.run(read)


def test_move_a_session_to_the_next_day_with_the_keyboard(page: Page, live_server, axe) -> None:
    ids = live_server.run(seed)
    sign_in(page, ids["email"])
    page.set_viewport_size({"width": 1280, "height": 1024})
    page.goto(f"/manage/{ids['slug']}/schedule/overview")
    expect(page.get_by_role("heading", level=1, name="Schedule: all days")).to_be_visible()
    saturday = page.get_by_role("region", name="Saturday 27 March")
    sunday = page.get_by_role("region", name="Sunday 28 March")
    expect(saturday).to_contain_text("Alpha methods")
    expect(sunday).not_to_contain_text("Alpha methods")
    expect(page.get_by_role("region", name=re.compile("^To schedule"))).to_contain_text(
        "Beta pipelines"
    )
    axe.check(page)

    # Tab to Alpha's "Move to…", open it with Enter; the day is the first field.
    summary = page.locator(f"#item-{ids['alpha']} summary")
    tab_to(page, summary)
    page.keyboard.press("Enter")
    day = page.locator(f"#move-{ids['alpha']}-day")
    expect(day).to_be_visible()
    page.keyboard.press("Tab")
    expect(day).to_be_focused()
    page.keyboard.press("ArrowDown")  # Sunday 28 March
    expect(day).to_have_value("2027-03-28")
    start = page.locator(f"#move-{ids['alpha']}-start")
    expect(start).to_have_value("10:00")  # kept: the same wall-clock time on the next day
    axe.check(page)  # with the form open
    tab_to(page, page.locator(f"#item-{ids['alpha']}").get_by_role("button", name="Move"))
    page.keyboard.press("Enter")

    expect(flash(page)).to_contain_text("“Alpha methods” is placed: Aula Magna, 28 Mar 10:00.")
    expect(sunday.locator(f"#item-{ids['alpha']}")).to_contain_text("10:00")
    expect(saturday).not_to_contain_text("Alpha methods")
    # Lisbon is on summer time from the 28th: 10:00 there is 09:00 UTC.
    assert stored(live_server, ids["alpha"])[:2] == (ids["aula"], "2027-03-28T09:00:00+00:00")
    axe.check(page)

    # Beta, waiting, onto Alpha's new place: a room overlap, which does not block saving by
    # default: saved, and marked on both, as on the day grid.
    summary = page.locator(f"#item-{ids['beta']} summary")
    tab_to(page, summary)
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")
    page.locator(f"#move-{ids['beta']}-start").fill("10:00")
    tab_to(page, page.locator(f"#item-{ids['beta']}").get_by_role("button", name="Move"))
    page.keyboard.press("Enter")
    expect(flash(page)).to_contain_text("“Beta pipelines” is placed")
    expect(sunday.locator(f"#item-{ids['beta']}")).to_contain_text("conflict")
    expect(sunday.locator(f"#item-{ids['alpha']}")).to_contain_text("conflict")

    # A start off the grid is refused, with the reason next to the field.
    tab_to(page, page.locator(f"#item-{ids['gamma']} summary"))
    page.keyboard.press("Enter")
    gamma_start = page.locator(f"#move-{ids['gamma']}-start")
    gamma_start.fill("14:07")
    tab_to(page, page.locator(f"#item-{ids['gamma']}").get_by_role("button", name="Move"))
    page.keyboard.press("Enter")
    gamma_start = page.locator(f"#move-{ids['gamma']}-start")
    expect(gamma_start).to_have_accessible_description(re.compile("15-minute grid"))
    assert stored(live_server, ids["gamma"])[1] == "2027-03-28T13:00:00+00:00"
    axe.check(page)

    page.set_viewport_size({"width": 390, "height": 844})
    assert_fits_the_screen(page)
    axe.check(page)


def test_plus_and_minus_change_the_length_of_a_block(page: Page, live_server) -> None:
    ids = live_server.run(seed)
    sign_in(page, ids["email"])
    page.set_viewport_size({"width": 1280, "height": 1024})
    open_editor(page, ids["slug"])

    block = card(page, ids["block"])
    block.focus()
    page.keyboard.press("+")
    expect(cell(page, ids["sala"], "11:00")).to_have_attribute("rowspan", "3")
    assert stored(live_server, ids["block"])[2] == 45
    expect(card(page, ids["block"])).to_be_focused()
    page.keyboard.press("-")
    expect(cell(page, ids["sala"], "11:00")).to_have_attribute("rowspan", "2")
    assert stored(live_server, ids["block"])[2] == 30

    # A talk keeps the length of its session type: the key says so and changes nothing.
    card(page, ids["alpha"]).focus()
    page.keyboard.press("+")
    expect(page.locator("#editor-status")).to_contain_text(
        "Only plenary items and blocks can change their length here."
    )
    assert stored(live_server, ids["alpha"])[2] == 20


def test_drag_a_session_onto_another_days_column(page: Page, live_server) -> None:
    """With the script, the mouse too: Gamma (Sunday 14:00) dropped on Saturday's column goes
    to Saturday 14:00 in the same room, through its own form."""
    ids = live_server.run(seed)
    sign_in(page, ids["email"])
    page.set_viewport_size({"width": 1280, "height": 1024})
    page.goto(f"/manage/{ids['slug']}/schedule/overview")
    gamma = page.locator(f"#item-{ids['gamma']}")
    expect(gamma).to_have_attribute("draggable", "true")
    gamma.locator(".card__time").drag_to(page.get_by_role("region", name="Saturday 27 March"))
    expect(flash(page)).to_contain_text("“Gamma applications” is placed: Aula Magna, 27 Mar 14:00.")
    saturday = page.get_by_role("region", name="Saturday 27 March")
    expect(saturday.locator(f"#item-{ids['gamma']}")).to_be_visible()
    assert stored(live_server, ids["gamma"])[:2] == (ids["aula"], "2027-03-27T14:00:00+00:00")


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["desktop", "phone"])
def test_the_demo_schedule_on_all_days_passes_axe(page: Page, axe, live_server, viewport) -> None:
    """The demo workshop's partly filled schedule (conflicts, blocks, plenary items, sessions
    to schedule) on the overview, at desktop and phone width, with a form open."""
    live_server.run(lambda: demo.load_demo(data=demo.read_fixture(), now=dt.datetime.now(dt.UTC)))
    page.set_viewport_size(viewport)
    sign_in(page, "organizer@example.org", "demo-organizer")
    page.goto("/manage/mangrove-2027/schedule/overview")
    expect(page.locator(".overview-day")).to_have_count(2)
    expect(page.locator(".overview-item").first).to_be_visible()
    check_page(page, axe, viewport)
    page.locator(".move-to summary").first.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".move-to[open] select").first).to_be_visible()
    check_page(page, axe, viewport)
