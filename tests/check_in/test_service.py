"""Check-in at the door, the service: search folds accents and case, every word must match,
wildcards are plain letters; check-in is idempotent and audited; undo; only volunteers,
organizers and site admins; only confirmed registrations come in."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from organizer.enums import EventRoleName, RegistrationState
from organizer.errors import PermissionDenied, WrongState
from organizer.extensions import db
from organizer.models import AuditEntry
from organizer.services.registration import check_in
from tests.factories import NOW, grant_role, make_event, make_user
from tests.registration_factories import make_registration

AYSE_YILMAZ = "Ay\u015fe Y\u0131lmaz"  # a dotless i, as in Turkish


@pytest.fixture
def event():
    return make_event(organizer=make_user(name="Olga Organizer"))


@pytest.fixture
def volunteer(event):
    person = make_user(name="Vera Volunteer")
    grant_role(person, event, EventRoleName.CHECK_IN)
    return person


def names(event, actor, query, page=1):
    return [
        check_in.shown_name(r)
        for r in check_in.search(event=event, actor=actor, query=query, page=page).items
    ]


def test_search_folds_accents_and_case_and_needs_every_word(event, volunteer):
    make_registration(event, name=AYSE_YILMAZ)
    make_registration(event, name="Ayşe Demir")
    make_registration(event, name="Zoë Ødegaard")
    make_registration(event, name="Kim", badge_name="KIM Ji-woo")
    assert names(event, volunteer, "ayse yilmaz") == [AYSE_YILMAZ]
    assert names(event, volunteer, "YILMAZ") == [AYSE_YILMAZ]
    assert names(event, volunteer, "  AYSE  ") == ["Ayşe Demir", AYSE_YILMAZ]
    assert names(event, volunteer, "yilmaz demir") == []  # every word must match
    assert names(event, volunteer, "zoe odegaard") == ["Zoë Ødegaard"]
    assert names(event, volunteer, "ji-woo") == ["KIM Ji-woo"]  # the badge name counts too
    assert names(event, volunteer, "") == [
        "Ayşe Demir",
        AYSE_YILMAZ,
        "KIM Ji-woo",
        "Zoë Ødegaard",
    ]


def test_wildcards_in_the_query_are_plain_letters(event, volunteer):
    make_registration(event, name="Ana Silva")
    make_registration(event, name="100% Sure")
    make_registration(event, name="snake_case")
    assert names(event, volunteer, "%") == ["100% Sure"]
    assert names(event, volunteer, "_") == ["snake_case"]
    assert names(event, volunteer, "a_a") == []
    assert names(event, volunteer, "\\") == []


def test_search_stays_in_its_event_and_pages(event, volunteer):
    other = make_event()
    make_registration(other, name="Someone Elsewhere")
    for n in range(check_in.PAGE_SIZE + 3):
        make_registration(event, name=f"Person {n:03d}")
    first = check_in.search(event=event, actor=volunteer, query="person", page=1)
    assert first.total == check_in.PAGE_SIZE + 3 and len(first.items) == check_in.PAGE_SIZE
    second = check_in.search(event=event, actor=volunteer, query="person", page=2)
    assert [check_in.shown_name(r) for r in second.items] == [
        f"Person {n:03d}" for n in range(check_in.PAGE_SIZE, check_in.PAGE_SIZE + 3)
    ]
    assert names(event, volunteer, "elsewhere") == []


def test_search_shows_every_state_sorted_by_name(event, volunteer):
    make_registration(event, name="Bea Waiting", state=RegistrationState.WAITLISTED)
    make_registration(event, name="Ada Confirmed")
    found = check_in.search(event=event, actor=volunteer, query="", page=1).items
    assert [check_in.shown_name(r) for r in found] == ["Ada Confirmed", "Bea Waiting"]
    assert check_in.why_not(found[0]) is None
    assert "on the waiting list" in check_in.why_not(found[1])


def test_check_in_twice_keeps_the_first_time_and_says_so(event, volunteer):
    person = make_registration(event, name="Ana Silva")
    first = check_in.check_in(registration=person, actor=volunteer, now=NOW)
    assert not first.already and first.message == "Ana Silva is checked in."
    assert person.checked_in_at == NOW and person.checked_in_by_id == volunteer.id
    other = make_user(name="Olu Other")
    grant_role(other, event, EventRoleName.CHECK_IN)
    again = check_in.check_in(registration=person, actor=other, now=NOW + dt.timedelta(hours=1))
    assert again.already
    assert person.checked_in_at == NOW and person.checked_in_by_id == volunteer.id
    # Lisbon in November: UTC+0
    assert again.message == "Ana Silva was already checked in at 12:00 by Vera Volunteer."
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.event_id == event.id))
    assert list(actions) == ["registration.checked_in"]
    assert check_in.counts(event) == check_in.CheckInCounts(checked_in=1, expected=1)


def test_undo(event, volunteer):
    person = make_registration(event, name="Ana Silva")
    check_in.check_in(registration=person, actor=volunteer, now=NOW)
    check_in.undo_check_in(registration=person, actor=volunteer, now=NOW + dt.timedelta(minutes=1))
    assert person.checked_in_at is None and person.checked_in_by_id is None
    assert check_in.counts(event).checked_in == 0
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "registration.check_in_undone")
    ).one()
    assert entry.object_id == person.public_id and entry.actor_id == volunteer.id
    check_in.undo_check_in(registration=person, actor=volunteer, now=NOW)  # harmless again
    again = check_in.check_in(registration=person, actor=volunteer, now=NOW + dt.timedelta(hours=2))
    assert not again.already


@pytest.mark.parametrize(
    "state",
    [s for s in RegistrationState if s is not RegistrationState.CONFIRMED],
)
def test_only_confirmed_registrations_come_in(event, volunteer, state):
    person = make_registration(event, name="Ana Silva", state=state)
    with pytest.raises(WrongState, match=re.escape(str(state.label))):
        check_in.check_in(registration=person, actor=volunteer, now=NOW)
    assert person.checked_in_at is None


def test_counts_are_checked_in_of_confirmed(event, volunteer):
    for n in range(3):
        make_registration(event, name=f"Confirmed {n}")
    make_registration(event, name="Waiting", state=RegistrationState.WAITLISTED)
    make_registration(event, name="Gone", state=RegistrationState.CANCELLED)
    assert check_in.counts(event) == check_in.CheckInCounts(checked_in=0, expected=3)
    first = check_in.search(event=event, actor=volunteer, query="confirmed 0").items[0]
    check_in.check_in(registration=first, actor=volunteer, now=NOW)
    assert check_in.counts(event) == check_in.CheckInCounts(checked_in=1, expected=3)
    assert check_in.counts(make_event()) == check_in.CheckInCounts(checked_in=0, expected=0)


@pytest.mark.parametrize("role", [EventRoleName.REVIEWER, EventRoleName.GRANT_REVIEWER, None])
def test_reviewers_and_plain_users_are_refused(event, role):
    person = make_registration(event, name="Ana Silva")
    actor = make_user()
    if role is not None:
        grant_role(actor, event, role)
    with pytest.raises(PermissionDenied):
        check_in.search(event=event, actor=actor, query="", page=1)
    with pytest.raises(PermissionDenied):
        check_in.check_in(registration=person, actor=actor, now=NOW)
    with pytest.raises(PermissionDenied):
        check_in.undo_check_in(registration=person, actor=actor, now=NOW)
    with pytest.raises(PermissionDenied):
        check_in.registration_for_check_in(event=event, actor=actor, public_id=person.public_id)
    assert person.checked_in_at is None


def test_a_volunteer_of_another_event_is_refused(event):
    person = make_registration(event, name="Ana Silva")
    elsewhere = make_user()
    grant_role(elsewhere, make_event(), EventRoleName.CHECK_IN)
    with pytest.raises(PermissionDenied):
        check_in.check_in(registration=person, actor=elsewhere, now=NOW)


def test_organizers_and_site_admins_may_check_in(event):
    organizer = make_user()
    grant_role(organizer, event, EventRoleName.ORGANIZER)
    admin = make_user(site_admin=True)
    for actor in (organizer, admin):
        person = make_registration(event)
        assert not check_in.check_in(registration=person, actor=actor, now=NOW).already
