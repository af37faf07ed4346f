"""The schedule editor in headless Chromium: an organizer places a session by drag and drop,
moves another with the keyboard only, sees a double booking appear (first as a preview while
the card is picked up, then on the card and in the list) and disappear, and releases the
schedule. axe-core scans the editor (also with a card picked up) and a session's page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from organizer.enums import SlotKind
from organizer.extensions import db
from organizer.models import ScheduleRelease, Slot
from organizer.services.events import event_by_slug
from tests import factories
from tests.e2e.conftest import assert_fits_the_screen
from tests.e2e.test_accounts_and_events import flash, sign_in, unique_email

pytestmark = pytest.mark.e2e


def seed() -> dict[str, Any]:
    """Two days, three rooms; Sara gives Alpha (placed: Aula Magna, Saturday 10:00) and Beta
    (waiting); Tomás gives Gamma (placed: Sala Dois, 11:00); Delta is waiting."""
    organizer = factories.make_user(email=unique_email("olga"), name="Olga Organizer")
    event = factories.make_schedule_event(organizer, name="Grid in the Browser")
    rooms = [
        factories.make_room(event, "Aula Magna", capacity=120, position=0),
        factories.make_room(event, "Sala Dois", capacity=40, position=1),
        factories.make_room(event, "Sala Três", capacity=30, position=2),
    ]
    sara = factories.make_user(name="Sara Speaker")
    tomas = factories.make_user(name="Tomás Talker")
    delia = factories.make_user(name="Delia Dev")

    def talk(title: str, speaker: Any, **place: Any) -> str:
        return factories.make_talk(event, speaker, title=title, **place).public_id

    return {
        "email": organizer.email,
        "slug": event.slug,
        "rooms": [room.id for room in rooms],
        "alpha": talk("Alpha methods", sara, room=rooms[0], starts_at=factories.lisbon(27, 10)),
        "beta": talk("Beta pipelines", sara),
        "gamma": talk(
            "Gamma applications", tomas, room=rooms[1], starts_at=factories.lisbon(27, 11)
        ),
        "delta": talk("Delta tools", delia),
    }


def where(live_server, public_id: str) -> tuple[int | None, str | None]:
    def read() -> tuple[int | None, str | None]:
        slot = db.session.scalar(db.select(Slot).where(Slot.public_id == public_id))
        return slot.room_id, slot.starts_at.isoformat() if slot.starts_at else None

    return live_server.run(read)


def cell(page: Page, room_id: int, start: str):
    return page.locator(f'td[data-room="{room_id}"][data-start="{start}"]')


def card(page: Page, public_id: str):
    return page.locator(f"#card-{public_id}")


def open_editor(page: Page, slug: str) -> None:
    page.goto(f"/manage/{slug}/schedule/")
    expect(page.get_by_role("heading", level=1, name="Schedule")).to_be_visible()
    expect(page.locator("#schedule-editor")).to_have_class(re.compile(r"\bis-ready\b"))


def test_place_move_conflict_and_release(page: Page, live_server, axe) -> None:
    ids = live_server.run(seed)
    slug = ids["slug"]
    aula, sala_dois, sala_tres = ids["rooms"]
    sign_in(page, ids["email"])
    page.set_viewport_size({"width": 1280, "height": 1024})
    open_editor(page, slug)
    expect(
        page.get_by_role("table", name=re.compile("Schedule for Saturday 27 March"))
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Keyboard")).to_be_visible()
    axe.check(page)

    # (1) Drag Delta from the list onto Sala Três at 09:30: saved at once. (The card and the
    # cell are both on the screen: Chromium starts no drag when the page scrolls under it.)
    card(page, ids["delta"]).drag_to(cell(page, sala_tres, "09:30"))
    expect(cell(page, sala_tres, "09:30").locator(f"#card-{ids['delta']}")).to_be_visible()
    assert where(live_server, ids["delta"]) == (sala_tres, "2027-03-27T09:30:00+00:00")
    expect(page.locator("#unscheduled-list")).not_to_contain_text("Delta tools")
    expect(page.get_by_role("button", name="Undo moving “Delta tools”")).to_be_visible()

    # (2) Move Gamma with the keyboard only: from Sala Dois 11:00 to Sala Três 12:00.
    gamma = card(page, ids["gamma"])
    gamma.focus()
    page.keyboard.press("Enter")
    status = page.locator("#editor-status")
    expect(status).to_contain_text("Picked up “Gamma applications”")
    for _ in range(4):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    preview = page.locator(".drop-preview")
    expect(preview).to_contain_text("Drop here: Sala Três, 12:00")
    expect(preview).to_contain_text("No conflicts there.")
    page.keyboard.press("Enter")
    expect(cell(page, sala_tres, "12:00").locator(f"#card-{ids['gamma']}")).to_be_visible()
    expect(card(page, ids["gamma"])).to_be_focused()
    assert where(live_server, ids["gamma"]) == (sala_tres, "2027-03-27T12:00:00+00:00")
    expect(card(page, ids["gamma"])).to_have_attribute(
        "aria-label", re.compile(r"“Gamma applications”, Sala Três, Sat 27 Mar 12:00")
    )

    # Meanwhile another organizer moves Gamma to Aula Magna at 16:00. Olga's screen still has
    # the old version: her next move is refused with their name, and the grid shows theirs.
    def pedro_moves_gamma() -> None:
        pedro = factories.make_user(name="Pedro Planner")
        slot = db.session.scalar(db.select(Slot).where(Slot.public_id == ids["gamma"]))
        slot.room_id, slot.starts_at = aula, factories.lisbon(27, 16)
        slot.updated_by_id, slot.updated_at = pedro.id, dt.datetime.now(dt.UTC)

    live_server.run(pedro_moves_gamma)
    card(page, ids["gamma"]).focus()
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Pedro Planner changed “Gamma applications”")
    expect(cell(page, aula, "16:00").locator(f"#card-{ids['gamma']}")).to_be_visible()
    assert where(live_server, ids["gamma"]) == (aula, "2027-03-27T16:00:00+00:00")

    # (3) Beta, Sara's second talk, next to Alpha at 10:00: the conflict is shown before the
    # drop, then on the card and in the list.
    beta = card(page, ids["beta"])
    beta.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowRight")  # Sala Dois
    for _ in range(4):
        page.keyboard.press("ArrowDown")  # 10:00
    expect(preview).to_contain_text("Drop here: Sala Dois, 10:00")
    expect(preview).to_contain_text("Sara Speaker is in two places at once")
    expect(status).to_contain_text("1 conflict")
    axe.check(page)  # with a card picked up and the preview shown
    page.keyboard.press("Enter")
    beta = cell(page, sala_dois, "10:00").locator(f"#card-{ids['beta']}")
    expect(beta).to_contain_text("1 conflict, Blocks a release")
    expect(card(page, ids["alpha"])).to_contain_text("1 conflict")
    expect(page.locator("#conflict-list")).to_contain_text("Sara Speaker is in two places at once")
    expect(page.locator("#no-conflicts")).to_be_hidden()
    expect(page.get_by_role("alert")).to_be_empty()  # the earlier refusal is cleared
    assert where(live_server, ids["beta"]) == (sala_dois, "2027-03-27T10:00:00+00:00")
    axe.check(page)

    # Dragged away to 09:00: the conflict is gone from the card and the list.
    card(page, ids["beta"]).drag_to(cell(page, sala_dois, "09:00"))
    expect(cell(page, sala_dois, "09:00").locator(f"#card-{ids['beta']}")).to_be_visible()
    expect(page.locator("#conflict-list li")).to_have_count(0)
    expect(page.locator("#no-conflicts")).to_be_visible()
    expect(card(page, ids["beta"])).not_to_contain_text("conflict")
    assert where(live_server, ids["beta"]) == (sala_dois, "2027-03-27T09:00:00+00:00")

    # The page after a reload shows what was saved, and fits a phone (the grid scrolls).
    page.reload()
    expect(cell(page, sala_dois, "09:00")).to_contain_text("Beta pipelines")
    expect(cell(page, aula, "10:00")).to_contain_text("Alpha methods")
    page.set_viewport_size({"width": 390, "height": 844})
    assert_fits_the_screen(page)
    axe.check(page)
    page.set_viewport_size({"width": 1280, "height": 1024})

    # A session's page: the plain form, for people without a mouse or JavaScript.
    page.goto(f"/manage/{slug}/schedule/sessions/{ids['beta']}")
    expect(page.get_by_role("heading", level=1, name="Beta pipelines")).to_be_visible()
    expect(page.get_by_label("Room")).to_have_value(str(sala_dois))
    expect(page.get_by_label("Start")).to_have_value("09:00")
    axe.check(page)

    # (4) Release.
    page.goto(f"/manage/{slug}/schedule/releases/")
    page.get_by_label("Comment").fill("First programme.")
    page.get_by_role("button", name=re.compile(r"^Release")).click()
    expect(flash(page)).to_contain_text("Version 1")
    expect(page.get_by_role("main")).to_contain_text("Version 1")

    def released() -> list[int]:
        event = event_by_slug(slug)
        return list(
            db.session.scalars(
                db.select(ScheduleRelease.number).where(ScheduleRelease.event_id == event.id)
            )
        )

    assert live_server.run(released) == [1]


def seed_small() -> dict[str, Any]:
    """One room, a talk at 09:00 and a 30-minute coffee break at 10:00."""
    organizer = factories.make_user(email=unique_email("olga"), name="Olga Organizer")
    event = factories.make_schedule_event(organizer, name="Keys and Breaks")
    room = factories.make_room(event, "Aula Magna", position=0)
    talk = factories.make_talk(event, title="Epsilon", room=room, starts_at=factories.lisbon(27, 9))
    coffee = factories.make_slot(
        event,
        kind=SlotKind.PLENARY,
        title="Coffee",
        duration_minutes=30,
        room=room,
        starts_at=factories.lisbon(27, 10),
    )
    return {
        "email": organizer.email,
        "slug": event.slug,
        "room": room.id,
        "talk": talk.public_id,
        "coffee": coffee.public_id,
    }


def length(live_server, public_id: str) -> int:
    return live_server.run(
        lambda: db.session.scalar(
            db.select(Slot.duration_minutes).where(Slot.public_id == public_id)
        )
    )


def test_unschedule_undo_and_resize_from_the_keyboard(page: Page, live_server, axe) -> None:
    ids = live_server.run(seed_small)
    sign_in(page, ids["email"])
    page.set_viewport_size({"width": 1280, "height": 1024})
    open_editor(page, ids["slug"])

    # U takes the talk off the grid; the focus follows the card into the list.
    card(page, ids["talk"]).focus()
    page.keyboard.press("u")
    expect(page.locator("#unscheduled-list").locator(f"#card-{ids['talk']}")).to_be_visible()
    expect(card(page, ids["talk"])).to_be_focused()
    assert where(live_server, ids["talk"]) == (None, None)

    # Undo puts it back.
    page.get_by_role("button", name="Undo unscheduling “Epsilon”").click()
    expect(cell(page, ids["room"], "09:00").locator(f"#card-{ids['talk']}")).to_be_visible()
    assert where(live_server, ids["talk"]) == (ids["room"], "2027-03-27T09:00:00+00:00")
    expect(page.locator("#undo-form")).to_be_hidden()

    # + makes the break one step longer: 45 minutes, three rows.
    card(page, ids["coffee"]).focus()
    page.keyboard.press("+")
    expect(cell(page, ids["room"], "10:00")).to_have_attribute("rowspan", "3")
    assert length(live_server, ids["coffee"]) == 45
    expect(card(page, ids["coffee"])).to_be_focused()
    page.keyboard.press("-")
    expect(cell(page, ids["room"], "10:00")).to_have_attribute("rowspan", "2")
    assert length(live_server, ids["coffee"]) == 30
    axe.check(page)

    # Dragged onto the list, the break is unscheduled.
    card(page, ids["coffee"]).drag_to(page.locator("#unscheduled-zone"))
    expect(page.locator("#unscheduled-list").locator(f"#card-{ids['coffee']}")).to_be_visible()
    assert where(live_server, ids["coffee"]) == (None, None)
