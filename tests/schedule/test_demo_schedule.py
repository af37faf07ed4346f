"""The demo workshop's schedule: something to look at and something left to do."""

import datetime as dt
from collections import Counter

from sqlalchemy import func, select

from organizer.enums import ProposalState, Severity
from organizer.extensions import db
from organizer.models import Agenda, OutboxMessage, Proposal, Room, ScheduleDay, ScheduleRelease
from organizer.services import agendas
from organizer.services.accounts import user_by_email
from organizer.services.demo import generate_synthetic, load_demo, read_fixture
from organizer.services.events import event_by_slug
from organizer.services.scheduling import releases
from organizer.services.scheduling.conflicts import find_conflicts
from organizer.services.scheduling.demo_schedule import synthetic_schedule
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


def test_the_demo_applicant_and_anonymous_attendees_starred_sessions(app):
    load_demo(data=read_fixture(), now=NOW)
    event = event_by_slug("mangrove-2027")
    applicant = user_by_email("applicant@example.org")
    mine = agendas.of_user(event, applicant)
    assert mine is not None
    titles = {entry["code"]: entry["title"] for entry in releases.latest(event).sessions}
    starred = {titles[code] for code in agendas.starred_codes(mine)}
    assert len(starred) == 4
    assert "Flood extent mapping from Sentinel-1 radar in the Niger Delta" in starred
    anonymous = db.session.scalar(
        select(func.count()).where(Agenda.event_id == event.id, Agenda.user_id.is_(None))
    )
    assert anonymous == 42
    # The stars are the expected audience of a talk without an estimate, and raise nothing
    # above an estimate that is higher.
    plan = build_plan(event)
    audience = {s.title: s.expected_audience for s in plan.sessions.values()}
    assert (
        audience["Who is in the benchmark? Auditing demographic coverage in speech datasets"] == 42
    )
    assert audience["Tutorial: Earth observation for beginners with open data and a laptop"] == 45
    # The talk the applicant starred moves in the next release: she will get a mail.
    preview = releases.preview(event)
    assert [c["title"] for c in preview.changes] == [
        "Flood extent mapping from Sentinel-1 radar in the Niger Delta"
    ]


def test_a_synthetic_event_without_schedule_keeps_its_proposals_submitted(app):
    event = generate_synthetic(size=12, now=NOW)
    states = set(db.session.scalars(select(Proposal.state).where(Proposal.event_id == event.id)))
    assert states == {ProposalState.SUBMITTED}
    assert releases.latest(event) is None
    assert _count(Room, event) == 0


def test_a_synthetic_event_with_a_released_schedule(app):
    event = generate_synthetic(size=60, now=NOW, schedule=True)
    release = releases.latest(event)
    assert release is not None and release.number == 1
    kinds = Counter(entry["kind"] for entry in release.sessions)
    assert kinds == {"talk": 60, "plenary": 5, "container": 1}
    assert _count(Room, event) == 4  # max(4, 60 // 40)
    assert _count(ScheduleDay, event) == 3
    in_block = [entry for entry in release.sessions if entry["parent"]]
    assert len(in_block) == 3
    plan = build_plan(event)
    assert all(s.placed for s in plan.top_level())
    blocking = [c for c in find_conflicts(plan) if c.severity is not Severity.WARNING]
    assert blocking == []
    # Made-up speakers get no mail.
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    # Asking again changes nothing.
    assert generate_synthetic(size=60, now=NOW, schedule=True).id == event.id
    assert releases.latest(event).id == release.id


def test_a_synthetic_schedule_adds_rooms_when_the_sessions_do_not_fit(app):
    event = generate_synthetic(size=80, now=NOW)
    synthetic_schedule(event, rooms=1, placed_share=1.0, now=NOW, realistic=True)
    plan = build_plan(event)
    assert all(s.placed for s in plan.top_level())
    assert _count(Room, event) > 1
    assert not [c for c in find_conflicts(plan) if c.severity is not Severity.WARNING]
