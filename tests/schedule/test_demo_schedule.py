"""The demo workshop's schedule: something to look at and something left to do."""

import datetime as dt

from sqlalchemy import func, select

from organizer.enums import Severity
from organizer.extensions import db
from organizer.models import Room, ScheduleDay, ScheduleRelease
from organizer.services.accounts import user_by_email
from organizer.services.demo import load_demo, read_fixture
from organizer.services.events import event_by_slug
from organizer.services.scheduling import releases
from organizer.services.scheduling.conflicts import find_conflicts
from organizer.services.scheduling.plan import build_plan
from tests.factories import NOW, lisbon


def _count(model, event) -> int:
    return db.session.scalar(select(func.count()).where(model.event_id == event.id))


def test_the_demo_has_a_partly_filled_released_schedule(app):
    load_demo(data=read_fixture(), now=NOW)
    event = event_by_slug("mangrove-2027")
    assert _count(Room, event) == 4
    assert _count(ScheduleDay, event) == 2
    assert _count(ScheduleRelease, event) == 1
    plan = build_plan(event)
    talks = [s for s in plan.top_level() if s.kind == "talk"]
    unplaced = [s for s in talks if not s.placed]
    assert len(unplaced) >= 3  # the editor has work to do
    assert len(plan.placed()) >= 10
    # Nothing blocks the next release; one warning shows what a conflict looks like.
    found = find_conflicts(plan)
    assert [c.severity for c in found] == [Severity.WARNING]
    assert "Sala Sado seats 35" in found[0].message
    # A change was made after version 1, so releasing again has something to say.
    preview = releases.preview(event)
    assert preview.number == 2
    assert [c["type"] for c in preview.changes] == ["room_changed"]


def test_the_remote_speakers_availability_was_entered_in_her_zone(app):
    load_demo(data=read_fixture(), now=NOW)
    event = event_by_slug("mangrove-2027")
    aroha = user_by_email("aroha.ngata@example.org")
    plan = build_plan(event)
    # 19:00-23:30 in Auckland (UTC+13) on 28 March is 07:00-11:30 in Lisbon (summer time).
    assert plan.availability[aroha.id] == ((lisbon(28, 7), lisbon(28, 11, 30)),)
    assert plan.people[aroha.id].remote
    assert plan.people[aroha.id].timezone == "Pacific/Auckland"
    assert lisbon(28, 7) == dt.datetime(2027, 3, 28, 6, 0, tzinfo=dt.UTC)


def test_last_years_schedule_is_released(app):
    load_demo(data=read_fixture(), now=NOW)
    event = event_by_slug("mangrove-2026")
    release = releases.latest(event)
    assert release is not None
    assert release.number == 1
    assert not [c for c in find_conflicts(build_plan(event)) if c.severity != Severity.WARNING]
