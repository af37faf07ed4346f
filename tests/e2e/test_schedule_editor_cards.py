"""The schedule editor's cards in headless Chromium: the cards the script clones from the page's
<template> and fills in from data.json are the cards the server drew (same elements,
attributes and text), for every kind of card; the script only adds the handle that changes a
placed plenary item's or block's length, and dragging that handle saves the new length."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from organizer.enums import SlotKind
from organizer.extensions import db
from organizer.models import Slot
from tests import factories
from tests.e2e.test_accounts_and_events import sign_in, unique_email

pytestmark = pytest.mark.e2e

# Each card of a document (or the page) by id: its elements, sorted attributes and trimmed text,
# with the script's handle (and the classes of a card being moved) set aside.
CARDS = """
(root) => {
  function canon(node) {
    if (node.nodeType === Node.TEXT_NODE) {
      const text = node.nodeValue.replace(/\\s+/g, " ").trim();
      return text || null;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) {
      return null;
    }
    const attrs = Array.from(node.attributes, (a) => a.name + "=" + a.value).sort();
    const kids = Array.from(node.childNodes, canon).filter((kid) => kid !== null);
    return { tag: node.tagName, attrs, kids };
  }
  const cards = {};
  const handles = [];
  root.querySelectorAll(".card").forEach((card) => {
    const copy = card.cloneNode(true);
    copy.classList.remove("is-picked", "is-dragging");
    const handle = copy.querySelector(".card__resize");
    if (handle) {
      handle.remove();
      handles.push(card.id);
    }
    cards[card.id] = canon(copy);
  });
  return { cards, handles: handles.sort() };
}
"""


def seed() -> dict[str, Any]:
    """Two rooms; Sara's two talks at the same time (a conflict), one of them pinned and with
    markup in its title; a talk before the day's hours (off the grid); one waiting; a block of
    two lightning talks; lunch across all rooms; a coffee break waiting."""
    organizer = factories.make_user(email=unique_email("olga"), name="Olga Organizer")
    event = factories.make_schedule_event(organizer, name="Cards Drawn Once")
    aula = factories.make_room(event, "Aula Magna", capacity=120, position=0)
    sala = factories.make_room(event, "Sala Dois", capacity=40, position=1)
    sara = factories.make_user(name="Sara Speaker")
    alpha = factories.make_talk(
        event, sara, title="Alpha <b>bold</b>", room=aula, starts_at=factories.lisbon(27, 10)
    )
    alpha.pinned = True
    factories.make_talk(event, sara, title="Beta", room=sala, starts_at=factories.lisbon(27, 10))
    early = factories.make_user(name="Erin Early")
    factories.make_talk(event, early, title="Early", room=sala, starts_at=factories.lisbon(27, 7))
    factories.make_talk(event, factories.make_user(name="Wanda Waiting"), title="Waiting")
    block = factories.make_slot(
        event,
        kind=SlotKind.CONTAINER,
        duration_minutes=60,
        room=aula,
        starts_at=factories.lisbon(27, 14),
    )
    for position in range(2):
        speaker = factories.make_user(name=f"Lia Lightning {position}")
        talk = factories.make_talk(event, speaker, title=f"Lightning {position}")
        talk.parent_id, talk.position = block.id, position
    lunch = factories.make_slot(
        event,
        kind=SlotKind.PLENARY,
        title="Lunch",
        duration_minutes=60,
        room=aula,
        starts_at=factories.lisbon(27, 12),
        all_rooms=True,
    )
    factories.make_slot(event, kind=SlotKind.PLENARY, title="Coffee", duration_minutes=30)
    db.session.flush()
    return {
        "email": organizer.email,
        "slug": event.slug,
        "aula": aula.id,
        "block": block.public_id,
        "lunch": lunch.public_id,
    }


def open_editor(page: Page, slug: str) -> str:
    url = f"/manage/{slug}/schedule/"
    page.goto(url)
    expect(page.locator("#schedule-editor")).to_have_class(re.compile(r"\bis-ready\b"))
    return url


def test_the_scripts_cards_are_the_servers(page: Page, live_server) -> None:
    ids = live_server.run(seed)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    sign_in(page, ids["email"])
    page.set_viewport_size({"width": 1280, "height": 1024})
    url = open_editor(page, ids["slug"])

    drawn = page.evaluate(f"({CARDS})(document)")
    served = page.evaluate(
        f"(html) => ({CARDS})(new DOMParser().parseFromString(html, 'text/html'))",
        page.request.get(url).text(),
    )
    assert len(served["cards"]) == 7
    assert sorted(drawn["cards"]) == sorted(served["cards"])
    for card_id, card in served["cards"].items():
        assert drawn["cards"][card_id] == card, json.dumps([card, drawn["cards"][card_id]])
    # The server draws no handle; the script gives one to the placed block and lunch only.
    assert served["handles"] == []
    assert drawn["handles"] == sorted([f"card-{ids['block']}", f"card-{ids['lunch']}"])
    assert not errors


def test_dragging_the_handle_changes_the_length(page: Page, live_server) -> None:
    ids = live_server.run(seed)
    sign_in(page, ids["email"])
    page.set_viewport_size({"width": 1280, "height": 1400})
    open_editor(page, ids["slug"])

    # Lunch (12:00, an hour) dragged by its handle to the 13:00 row ends at 13:15.
    lunch = page.locator(f"#card-{ids['lunch']}")
    lunch.locator(".card__resize").drag_to(
        page.locator(f'td[data-room="{ids["aula"]}"][data-start="13:00"]')
    )
    expect(page.locator('td[data-start="12:00"]').first).to_have_attribute("rowspan", "5")

    def length() -> int:
        return db.session.scalar(
            db.select(Slot.duration_minutes).where(Slot.public_id == ids["lunch"])
        )

    assert live_server.run(length) == 75
    expect(page.get_by_role("button", name=re.compile("^Undo"))).to_be_visible()
