"""audit.record_changes: one entry with the fields that changed, or none when nothing did."""

import datetime as dt

from sqlalchemy import func, select

from organizer.extensions import db
from organizer.models import AuditEntry
from organizer.services import audit
from tests.factories import NOW, make_event, make_user


def test_record_changes_keeps_only_the_fields_that_differ(app):
    organizer = make_user()
    event = make_event(organizer=organizer)
    entry = audit.record_changes(
        before={"name": "Main hall", "opens": dt.date(2027, 3, 27), "capacity": 80},
        after={"name": "Great hall", "opens": dt.date(2027, 3, 28), "capacity": 80},
        action="test.save",
        actor=organizer,
        now=NOW,
        object_type="room",
        object_id=7,
        event=event,
    )
    assert entry is not None
    assert entry.details == {
        "name": ["Main hall", "Great hall"],
        "opens": ["2027-03-27", "2027-03-28"],
    }
    assert (entry.action, entry.object_type, entry.object_id) == ("test.save", "room", "7")
    assert entry.actor_id == organizer.id and entry.event_id == event.id


def test_record_changes_writes_nothing_when_nothing_changed(app):
    organizer = make_user()
    entry = audit.record_changes(
        before={"name": "Main hall"},
        after={"name": "Main hall"},
        action="test.save",
        actor=organizer,
        now=NOW,
        object_type="room",
    )
    assert entry is None
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 0
