"""Access needs: counts for organizers, each person's needs for access coordinators only, and
the purge at the event's purge date."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from organizer import permissions
from organizer.enums import AccessNeed, DietaryNeed, EventRoleName, RegistrationState
from organizer.errors import PermissionDenied
from organizer.extensions import db
from organizer.models import Registration, RegistrationAccessNeeds
from organizer.services.registration import access
from tests.factories import NOW, grant_role, make_event, make_user
from tests.registration_factories import make_registration, make_settings


def needs_count() -> int:
    return db.session.scalar(select(func.count()).select_from(RegistrationAccessNeeds))


@pytest.fixture
def event_with_needs(app):
    organizer = make_user(name="Olga Organizer")
    event = make_event(organizer=organizer)
    make_settings(event)
    make_registration(event, name="Ana", needs=["step_free", "quiet_room"], dietary=["vegetarian"])
    make_registration(event, name="Bo", dietary=["vegetarian", "vegan"], dietary_other="No celery")
    make_registration(
        event, name="Cy", state=RegistrationState.OFFERED, notes="I use a cane", needs=["step_free"]
    )
    make_registration(event, name="Di")  # told us nothing
    # Not holding a seat: not in the counts.
    make_registration(
        event, name="Ed", state=RegistrationState.WAITLISTED, dietary=["halal"], needs=["childcare"]
    )
    make_registration(event, name="Fay", state=RegistrationState.CANCELLED, dietary=["kosher"])
    other = make_event()
    make_registration(other, name="Gus", dietary=["vegetarian"])
    return event, organizer


def test_the_summary_counts_seat_holders_only_and_names_nobody(event_with_needs):
    event, _ = event_with_needs
    counts = access.summary(event)
    assert counts.registrations == 4
    assert counts.answered == 3
    assert counts.needs[AccessNeed.STEP_FREE] == 2
    assert counts.needs[AccessNeed.QUIET_ROOM] == 1
    assert counts.needs[AccessNeed.CHILDCARE] == 0  # Ed waits; not counted
    assert counts.dietary[DietaryNeed.VEGETARIAN] == 2
    assert counts.dietary[DietaryNeed.VEGAN] == 1
    assert counts.dietary[DietaryNeed.HALAL] == counts.dietary[DietaryNeed.KOSHER] == 0
    assert counts.dietary_other == 1 and counts.notes == 1
    text = repr(counts)
    assert "Ana" not in text and "celery" not in text and "cane" not in text
    rows = access.summary_rows(counts)
    assert ("Access", "Step-free access", 2) in rows


def test_the_access_coordinator_reads_each_persons_needs(event_with_needs):
    event, _ = event_with_needs
    coordinator = make_user()
    grant_role(coordinator, event, EventRoleName.ACCESS_COORDINATOR)
    people = access.individual_needs(event=event, actor=coordinator)
    assert [p.name for p in people] == ["Ana", "Bo", "Cy", "Ed"]  # waiting people too
    bo = people[1]
    assert bo.dietary == [DietaryNeed.VEGETARIAN, DietaryNeed.VEGAN]
    assert bo.dietary_other == "No celery"
    assert people[2].notes == "I use a cane"


def matrix_people(event, organizer):
    site_admin = make_user(site_admin=True)
    reviewer, grant_reviewer, check_in, other_coordinator = (make_user() for _ in range(4))
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    grant_role(grant_reviewer, event, EventRoleName.GRANT_REVIEWER)
    grant_role(check_in, event, EventRoleName.CHECK_IN)
    grant_role(other_coordinator, make_event(), EventRoleName.ACCESS_COORDINATOR)
    attendee = db.session.scalar(select(Registration).where(Registration.event_id == event.id))
    return {
        "organizer": organizer,
        "site admin": site_admin,
        "reviewer": reviewer,
        "grant reviewer": grant_reviewer,
        "check-in volunteer": check_in,
        "access coordinator of another event": other_coordinator,
        "an attendee": attendee.user,
    }


def test_nobody_else_reads_them(event_with_needs):
    event, organizer = event_with_needs
    for who, person in matrix_people(event, organizer).items():
        assert not permissions.can_view_access_needs(person, event), who
        with pytest.raises(PermissionDenied):
            access.individual_needs(event=event, actor=person)
    assert not permissions.can_view_access_needs(None, event)


def test_an_organizer_who_is_also_access_coordinator_reads_them(event_with_needs):
    event, organizer = event_with_needs
    grant_role(organizer, event, EventRoleName.ACCESS_COORDINATOR)
    assert len(access.individual_needs(event=event, actor=organizer)) == 4


def test_purge_after_the_date_not_before_and_idempotent(app):
    event = make_event(ends_on=dt.date(2027, 3, 28), starts_on=dt.date(2027, 3, 27))
    settings = make_settings(event)
    registration = make_registration(event, dietary=["vegan"], notes="note")
    other = make_event(ends_on=dt.date(2030, 1, 1), starts_on=dt.date(2030, 1, 1))
    make_settings(other)
    make_registration(other, dietary=["vegan"])
    # 30 days after the end of 28 March in Lisbon (UTC+1 by then): 28 April 00:00 local.
    due = access.purge_at(settings, event)
    assert due == dt.datetime(2027, 4, 27, 23, 0, tzinfo=dt.UTC)
    assert access.purge(now=due - dt.timedelta(seconds=1)) == {"events": 0, "access_needs": 0}
    assert needs_count() == 2
    assert access.purge(now=due) == {"events": 1, "access_needs": 1}
    assert needs_count() == 1  # the other event's stays
    db.session.refresh(settings)
    db.session.refresh(registration)
    assert settings.access_purged_at == due
    assert registration.access_needs is None and registration.state == RegistrationState.CONFIRMED
    assert access.purge(now=due + dt.timedelta(days=1)) == {"events": 0, "access_needs": 0}


def test_purge_follows_the_settings_date_when_set(app):
    event = make_event()
    settings = make_settings(event, access_purge_at=NOW + dt.timedelta(days=2))
    make_registration(event, needs=["captioning"])
    assert access.purge(now=NOW + dt.timedelta(days=1))["events"] == 0
    assert access.purge(now=NOW + dt.timedelta(days=2))["access_needs"] == 1
    assert access.purge_date(event) == settings.access_purge_at


def test_the_daily_purge_task_runs_it(app, monkeypatch):
    from organizer import tasks

    event = make_event(starts_on=dt.date(2020, 1, 1), ends_on=dt.date(2020, 1, 2))
    make_settings(event, now=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    make_registration(event, needs=["captioning"])
    result = tasks.purge.call_local()
    assert result["access_needs"] == 1 and result["access_events"] == 1
    assert needs_count() == 0
