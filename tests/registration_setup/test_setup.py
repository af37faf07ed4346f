"""Registration's set-up rules (services/registration/setup.py), without HTTP."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select

from organizer.enums import EventRoleName, QuestionKind, RegistrationState
from organizer.errors import NotFound, PermissionDenied, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import AuditEntry, CodeOfConductVersion, PlaceKind, RegistrationQuestion
from organizer.services import events
from organizer.services.registration import setup
from organizer.services.reviewing.questions import QuestionSettings
from tests.factories import NOW, grant_role, make_event, make_user
from tests.registration_setup.helpers import data, register


@pytest.fixture
def organizer():
    return make_user(name="Olga Organizer")


@pytest.fixture
def event(organizer):
    return make_event(organizer=organizer)


def actions(event) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.event_id == event.id).order_by(AuditEntry.id)
        )
    )


# Settings ------------------------------------------------------------------------------------


def test_first_save_creates_settings_with_version_one_of_the_code_of_conduct(event, organizer):
    settings = setup.save_registration_settings(event=event, actor=organizer, data=data(), now=NOW)
    assert settings.capacity == 50
    assert settings.code_of_conduct_version == 1
    versions = setup.code_of_conduct_versions(event)
    assert [(v.version, v.text) for v in versions] == [(1, "Be kind.")]
    assert actions(event) == ["registration.settings.create"]


def test_saving_again_records_what_changed(event, organizer):
    setup.save_registration_settings(event=event, actor=organizer, data=data(), now=NOW)
    setup.save_registration_settings(
        event=event, actor=organizer, data=data(capacity=60, moderated=True), now=NOW
    )
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "registration.settings.save"
    assert entry.details == {"capacity": [50, 60], "moderated": [False, True]}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"closes_at": dt.datetime(2026, 11, 1, tzinfo=dt.UTC)}, "closes_at"),
        ({"capacity": -1}, "capacity"),
        ({"fee_due": True, "fee_note": "  "}, "fee_note"),
        ({"fee_note": "x" * 501}, "fee_note"),
        ({"offer_days": 0}, "offer_days"),
        ({"offer_days": 31}, "offer_days"),
        ({"access_purge_at": dt.datetime(2027, 3, 28, 12, tzinfo=dt.UTC)}, "access_purge_at"),
        ({"access_purge_at": dt.datetime(2028, 6, 1, tzinfo=dt.UTC)}, "access_purge_at"),
    ],
)
def test_wrong_settings_are_refused_next_to_their_field(event, organizer, fields, field):
    with pytest.raises(ValidationFailed) as raised:
        setup.save_registration_settings(event=event, actor=organizer, data=data(**fields), now=NOW)
    assert field in raised.value.errors
    assert setup.settings_of(event) is None


def test_a_fee_with_a_note_on_how_it_is_paid_is_kept(event, organizer):
    settings = setup.save_registration_settings(
        event=event,
        actor=organizer,
        data=data(fee_due=True, fee_note="  €40 on site, by card.  "),
        now=NOW,
    )
    assert settings.fee_due and settings.fee_note == "€40 on site, by card."


def test_capacity_cannot_drop_below_the_seats_held_and_says_how_many(event, organizer):
    setup.save_registration_settings(event=event, actor=organizer, data=data(), now=NOW)
    for _ in range(3):
        register(event)
    register(event, RegistrationState.OFFERED)
    register(event, RegistrationState.WAITLISTED)
    register(event, RegistrationState.CANCELLED)
    with pytest.raises(ValidationFailed) as raised:
        setup.save_registration_settings(
            event=event, actor=organizer, data=data(capacity=3), now=NOW
        )
    assert "4 seats are already held" in raised.value.errors["capacity"]
    settings = setup.save_registration_settings(
        event=event, actor=organizer, data=data(capacity=4), now=NOW
    )
    assert settings.capacity == 4
    assert setup.save_registration_settings(
        event=event, actor=organizer, data=data(capacity=None), now=NOW
    )


def test_access_purge_defaults_to_30_days_after_the_event_in_its_zone(event, organizer):
    # The event ends on 28 March 2027 in Lisbon (UTC+1 from the 28th): midnight after it is
    # 2027-03-28T23:00Z; thirty days later is 2027-04-27T23:00Z.
    default = setup.default_access_purge_at(event)
    assert default == dt.datetime(2027, 4, 27, 23, 0, tzinfo=dt.UTC)
    settings = setup.save_registration_settings(
        event=event, actor=organizer, data=data(access_purge_at=default), now=NOW
    )
    assert settings.access_purge_at is None  # follows the event's dates
    assert setup.access_purge_at(event, settings) == default
    chosen = dt.datetime(2027, 4, 5, 8, 0, tzinfo=dt.UTC)
    settings = setup.save_registration_settings(
        event=event, actor=organizer, data=data(access_purge_at=chosen), now=NOW
    )
    assert setup.access_purge_at(event, settings) == chosen


@pytest.mark.parametrize(
    "role", [EventRoleName.REVIEWER, EventRoleName.GRANT_REVIEWER, EventRoleName.CHECK_IN]
)
def test_only_organizers_set_up_registration(event, organizer, role):
    helper = make_user()
    grant_role(helper, event, role)
    with pytest.raises(PermissionDenied):
        setup.save_registration_settings(event=event, actor=helper, data=data(), now=NOW)
    with pytest.raises(PermissionDenied):
        setup.save_place_kind(event=event, actor=helper, place_kind=None, name="Remote", now=NOW)
    question = QuestionSettings(text="Lunch?", kind=QuestionKind.BOOLEAN)
    with pytest.raises(PermissionDenied):
        setup.save_question(event=event, actor=helper, question=None, settings=question, now=NOW)
    setup.save_registration_settings(event=event, actor=organizer, data=data(), now=NOW)
    with pytest.raises(PermissionDenied):
        setup.new_code_of_conduct_version(event=event, actor=helper, now=NOW)


# Kinds of place --------------------------------------------------------------------------------


def test_kinds_of_place_are_added_in_order_and_moved(event, organizer):
    remote = setup.save_place_kind(
        event=event, actor=organizer, place_kind=None, name="Remote", capacity=None, now=NOW
    )
    on_site = setup.save_place_kind(
        event=event, actor=organizer, place_kind=None, name=" In person ", capacity=30, now=NOW
    )
    assert [k.name for k in setup.place_kinds(event)] == ["Remote", "In person"]
    setup.move_place_kind(event=event, actor=organizer, place_kind=on_site, direction=-1)
    assert [k.name for k in setup.place_kinds(event)] == ["In person", "Remote"]
    with pytest.raises(ValidationFailed) as raised:
        setup.save_place_kind(
            event=event, actor=organizer, place_kind=remote, name="in PERSON", now=NOW
        )
    assert "already" in raised.value.errors["name"]
    assert actions(event) == ["registration.place_kind.add", "registration.place_kind.add"]


def test_a_kinds_capacity_cannot_drop_below_its_seats_held(event, organizer):
    kind = setup.save_place_kind(
        event=event, actor=organizer, place_kind=None, name="In person", capacity=10, now=NOW
    )
    register(event, kind=kind)
    register(event, RegistrationState.OFFERED, kind=kind)
    register(event)  # no kind: does not count
    with pytest.raises(ValidationFailed) as raised:
        setup.save_place_kind(
            event=event, actor=organizer, place_kind=kind, name="In person", capacity=1, now=NOW
        )
    assert "2 seats are already held" in raised.value.errors["capacity"]
    setup.save_place_kind(
        event=event, actor=organizer, place_kind=kind, name="In person", capacity=2, now=NOW
    )
    assert kind.capacity == 2


def test_a_kind_someone_is_registered_for_cannot_be_deleted(event, organizer):
    kind = setup.save_place_kind(
        event=event, actor=organizer, place_kind=None, name="Student", now=NOW
    )
    waiting = register(event, RegistrationState.WAITLISTED, kind=kind)
    with pytest.raises(WrongState) as raised:
        setup.delete_place_kind(event=event, actor=organizer, place_kind=kind, now=NOW)
    assert "1 person is registered" in raised.value.message
    waiting.state = RegistrationState.CANCELLED
    setup.delete_place_kind(event=event, actor=organizer, place_kind=kind, now=NOW)
    assert db.session.scalars(select(PlaceKind)).all() == []
    assert actions(event)[-1] == "registration.place_kind.delete"


def test_another_events_kind_is_not_found(event, organizer):
    other = make_event(organizer=organizer)
    kind = setup.save_place_kind(event=other, actor=organizer, place_kind=None, name="X", now=NOW)
    with pytest.raises(NotFound):
        setup.place_kind_in_event(event, kind.id)
    with pytest.raises(NotFound):
        setup.delete_place_kind(event=event, actor=organizer, place_kind=kind, now=NOW)


# Questions -------------------------------------------------------------------------------------


def test_questions_use_the_shared_rules_and_are_for_organizers_only(event, organizer):
    with pytest.raises(ValidationFailed) as raised:
        setup.save_question(
            event=event,
            actor=organizer,
            question=None,
            settings=QuestionSettings(text="T-shirt size", kind=QuestionKind.SINGLE_CHOICE),
            now=NOW,
        )
    assert "choices" in raised.value.errors
    settings = QuestionSettings(
        text="T-shirt size", kind=QuestionKind.SINGLE_CHOICE, choices=("S", "M", "L")
    )
    first = setup.save_question(
        event=event, actor=organizer, question=None, settings=settings, now=NOW
    )
    second = setup.save_question(
        event=event,
        actor=organizer,
        question=None,
        settings=dataclasses.replace(settings, text="Size of hoodie"),
        now=NOW,
    )
    assert first.visible_to_reviewers is False and first.choices == ["S", "M", "L"]
    setup.move_question(event=event, actor=organizer, question=second, direction=-1)
    assert [q.text for q in setup.questions(event)] == ["Size of hoodie", "T-shirt size"]
    setup.delete_question(event=event, actor=organizer, question=first, now=NOW)
    assert db.session.scalars(select(RegistrationQuestion.text)).all() == ["Size of hoodie"]
    assert actions(event)[-1] == "registration.question.delete"


# The code of conduct ---------------------------------------------------------------------------


def test_changing_the_events_code_of_conduct_raises_the_version(event, organizer):
    setup.save_registration_settings(event=event, actor=organizer, data=data(), now=NOW)
    register(event, version=1)
    register(event, version=1)
    register(event, RegistrationState.CANCELLED, version=1)
    details = dataclasses.replace(events.details_of(event), code_of_conduct="Be kind. Be fair.")
    events.update_event(actor=organizer, event=event, details=details, now=NOW)
    settings = setup.settings_of(event)
    assert settings.code_of_conduct_version == 2
    texts = {v.version: v.text for v in setup.code_of_conduct_versions(event)}
    assert texts == {1: "Be kind.", 2: "Be kind. Be fair."}
    register(event, version=2)
    assert setup.acceptances_by_version(event) == {1: 2, 2: 1}
    assert setup.accepted_older_version(event, settings) == 2


def test_other_event_changes_keep_the_version(event, organizer):
    setup.save_registration_settings(event=event, actor=organizer, data=data(), now=NOW)
    details = dataclasses.replace(events.details_of(event), venue="Elsewhere")
    events.update_event(actor=organizer, event=event, details=details, now=NOW)
    assert setup.settings_of(event).code_of_conduct_version == 1


def test_an_event_without_registration_keeps_no_versions(event, organizer):
    details = dataclasses.replace(events.details_of(event), code_of_conduct="New text.")
    events.update_event(actor=organizer, event=event, details=details, now=NOW)
    assert db.session.scalars(select(CodeOfConductVersion)).all() == []


def test_a_new_version_from_the_registration_page(event, organizer):
    with pytest.raises(WrongState):
        setup.new_code_of_conduct_version(event=event, actor=organizer, now=NOW)
    setup.save_registration_settings(event=event, actor=organizer, data=data(), now=NOW)
    row = setup.new_code_of_conduct_version(event=event, actor=organizer, now=NOW)
    assert (row.version, row.text) == (2, "Be kind.")
    with pytest.raises(ValidationFailed):
        setup.new_code_of_conduct_version(event=event, actor=organizer, text="Be kind.", now=NOW)
    row = setup.new_code_of_conduct_version(
        event=event, actor=organizer, text="Be kind to everyone.", now=NOW
    )
    assert row.version == 3
    assert event.code_of_conduct == "Be kind to everyone."
    assert setup.settings_of(event).code_of_conduct_version == 3
    assert "event.update" in actions(event)
    assert actions(event).count("registration.code_of_conduct.version") == 2


def test_raising_the_capacity_offers_the_new_seats_to_the_waiting_list(event, organizer):
    setup.save_registration_settings(event=event, actor=organizer, data=data(capacity=1), now=NOW)
    register(event)
    first = register(event, RegistrationState.WAITLISTED)
    second = register(event, RegistrationState.WAITLISTED)
    first.waitlisted_at, second.waitlisted_at = NOW, NOW + dt.timedelta(minutes=1)
    setup.save_registration_settings(event=event, actor=organizer, data=data(capacity=2), now=NOW)
    assert (first.state, second.state) == (RegistrationState.OFFERED, RegistrationState.WAITLISTED)
    assert first.respond_by is not None


def test_raising_a_kinds_capacity_offers_its_new_seat(event, organizer):
    setup.save_registration_settings(
        event=event, actor=organizer, data=data(capacity=None), now=NOW
    )
    kind = setup.save_place_kind(
        event=event, actor=organizer, place_kind=None, name="Student", capacity=1, now=NOW
    )
    register(event, kind=kind)
    waiting = register(event, RegistrationState.WAITLISTED, kind=kind)
    waiting.waitlisted_at = NOW
    setup.save_place_kind(
        event=event, actor=organizer, place_kind=kind, name="Student", capacity=2, now=NOW
    )
    assert waiting.state == RegistrationState.OFFERED
