"""reg-core: offers from the waiting list, answering them, expiry, reminders, capacity raised,
and the hourly task."""

from __future__ import annotations

import datetime as dt

import pytest

from organizer import tasks
from organizer.enums import RegistrationState
from organizer.errors import PermissionDenied, WrongState
from organizer.extensions import db
from organizer.services.registration import records, waitlist
from organizer.services.registration.registering import register
from tests.factories import NOW, make_event, make_user
from tests.registration.reg_helpers import data, mails, make_kind, make_settings

S = RegistrationState
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def full():
    """An event with one seat, taken, and two people waiting (in this order)."""
    event = make_event()
    settings = make_settings(event, capacity=1, offer_days=2)
    holder = register(event=event, user=make_user(), data=data(), now=NOW)
    first = register(event=event, user=make_user(), data=data(), now=NOW + HOUR)
    second = register(event=event, user=make_user(), data=data(), now=NOW + 2 * HOUR)
    return event, settings, holder, first, second


def test_raising_the_capacity_offers_the_new_seats_in_order(full):
    event, settings, _holder, first, second = full
    assert waitlist.fill_free_seats(event=event, now=NOW) == []
    settings.capacity = 2
    assert waitlist.fill_free_seats(event=event, now=NOW) == [first]
    assert first.state == S.OFFERED and first.respond_by == NOW + dt.timedelta(days=2)
    assert second.state == S.WAITLISTED
    assert len(mails("registration_offer", first.user.email)) == 1


def test_a_full_kind_of_place_is_passed_over_for_one_with_room():
    event = make_event()
    make_settings(event, capacity=2)
    small = make_kind(event, "Student", capacity=1)
    big = make_kind(event, "Regular", capacity=None, position=1)
    register(event=event, user=make_user(), data=data(place_kind_id=small.id), now=NOW)
    register(event=event, user=make_user(), data=data(place_kind_id=big.id), now=NOW)
    student = register(event=event, user=make_user(), data=data(place_kind_id=small.id), now=NOW)
    regular = register(event=event, user=make_user(), data=data(place_kind_id=big.id), now=NOW)
    db.session.get(type(records.settings_of(event)), records.settings_of(event).id).capacity = 3
    assert waitlist.fill_free_seats(event=event, now=NOW) == [regular]
    assert student.state == S.WAITLISTED


def test_accepting_an_offer_confirms_and_declining_offers_the_next(full):
    event, settings, _holder, first, second = full
    settings.capacity = 2
    waitlist.fill_free_seats(event=event, now=NOW)
    with pytest.raises(PermissionDenied):
        waitlist.answer_offer(registration=first, actor=second.user, accept=True, now=NOW)
    waitlist.answer_offer(registration=first, actor=first.user, accept=False, now=NOW + HOUR)
    assert first.state == S.CANCELLED and second.state == S.OFFERED
    waitlist.answer_offer(registration=second, actor=second.user, accept=True, now=NOW + HOUR)
    assert second.state == S.CONFIRMED and second.respond_by is None
    assert mails("registration_confirmed", second.user.email)
    with pytest.raises(WrongState):
        waitlist.answer_offer(registration=second, actor=second.user, accept=True, now=NOW)


def test_an_offer_cannot_be_accepted_after_its_date(full):
    event, settings, _holder, first, _second = full
    settings.capacity = 2
    waitlist.fill_free_seats(event=event, now=NOW)
    with pytest.raises(WrongState, match="expired"):
        waitlist.answer_offer(
            registration=first, actor=first.user, accept=True, now=first.respond_by
        )


def test_expiry_cancels_the_offer_and_offers_the_seat_to_the_next(full):
    event, settings, _holder, first, second = full
    settings.capacity = 2
    waitlist.fill_free_seats(event=event, now=NOW)
    assert waitlist.expire_offers(now=first.respond_by - dt.timedelta(minutes=1)) == 0
    later = first.respond_by
    assert waitlist.expire_offers(now=later) == 1
    assert first.state == S.CANCELLED and second.state == S.OFFERED
    assert mails("registration_offer_expired", first.user.email)
    assert waitlist.expire_offers(now=later) == 0  # twice changes nothing more
    assert len(mails("registration_offer", second.user.email)) == 1


def test_one_reminder_a_day_before_the_respond_by_date(full):
    event, settings, _holder, first, _second = full
    settings.capacity = 2
    waitlist.fill_free_seats(event=event, now=NOW)
    assert waitlist.send_offer_reminders(now=NOW + HOUR) == 0
    day_before = first.respond_by - dt.timedelta(hours=20)
    assert waitlist.send_offer_reminders(now=day_before) == 1
    assert waitlist.send_offer_reminders(now=day_before + HOUR) == 0
    (reminder,) = mails("registration_offer_reminder", first.user.email)
    assert "/registration/cancel/" in reminder.body_text


def test_a_week_before_the_event_everyone_confirmed_is_reminded_once(full):
    _event, _settings, holder, _first, _second = full
    week_before = dt.datetime(2027, 3, 21, 9, tzinfo=dt.UTC)  # the event starts on 27 March
    assert waitlist.send_event_reminders(now=week_before - dt.timedelta(days=2)) == 0
    assert waitlist.send_event_reminders(now=week_before) == 1
    assert waitlist.send_event_reminders(now=week_before + HOUR) == 0
    assert [m.to_address for m in mails("registration_reminder")] == [holder.user.email]


def test_the_hourly_task_runs_expiry_and_reminders(full, app):
    event, settings, _holder, first, second = full
    settings.capacity = 2
    waitlist.fill_free_seats(event=event, now=NOW)
    first.respond_by = dt.datetime.now(dt.UTC) - HOUR
    db.session.flush()
    counts = tasks.registration_offers.call_local()
    assert counts["expired"] == 1
    db.session.expire_all()
    assert second.state == S.OFFERED
