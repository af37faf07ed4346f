"""Public codes (a session's or a speaker's address) are random, so two rows can draw the same
one. A flush draws its new rows' codes together, distinct from each other and from stored ones:
the demo of 1,000 sessions once failed CI on such a clash."""

from organizer.extensions import db
from organizer.models import base
from organizer.models.schedule import Slot, SlotKind
from tests.factories import NOW, make_event, make_slot


def _draws(monkeypatch, *codes: str) -> None:
    """Make `new_code` return these codes in turn (each clash is drawn on purpose)."""
    queue = iter(codes)
    monkeypatch.setattr(base, "new_code", lambda: next(queue))


def _plenary(event) -> Slot:
    return Slot(
        event_id=event.id,
        kind=SlotKind.PLENARY,
        title="Break",
        duration_minutes=15,
        created_at=NOW,
        updated_at=NOW,
    )


def test_rows_of_one_flush_get_distinct_codes(app, monkeypatch):
    event = make_event()
    _draws(monkeypatch, "AAAAAA", "AAAAAA", "BBBBBB", "CCCCCC")
    first, second, third = _plenary(event), _plenary(event), _plenary(event)
    db.session.add_all([first, second, third])
    db.session.flush()
    assert sorted(slot.code for slot in (first, second, third)) == ["AAAAAA", "BBBBBB", "CCCCCC"]


def test_a_stored_code_is_not_drawn_again(app, monkeypatch):
    event = make_event()
    _draws(monkeypatch, "AAAAAA")
    stored = make_slot(event, kind=SlotKind.PLENARY)
    assert stored.code == "AAAAAA"
    _draws(monkeypatch, "AAAAAA", "DDDDDD")
    fresh = _plenary(event)
    db.session.add(fresh)
    db.session.flush()
    assert fresh.code == "DDDDDD"


def test_a_code_given_by_hand_is_kept(app):
    event = make_event()
    slot = _plenary(event)
    slot.code = "HAND42"
    db.session.add(slot)
    db.session.flush()
    assert slot.code == "HAND42"
