"""reg-core: registering, the seat rules, moderation, reserved seats, and their mail."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from organizer.enums import (
    AccessNeed,
    DietaryNeed,
    GrantKind,
    GrantState,
    ProposalState,
    QuestionKind,
    RegistrationState,
    ReservedFor,
)
from organizer.errors import NotFound, PermissionDenied, ValidationFailed, WrongState
from organizer.extensions import db
from organizer.models import CodeOfConductVersion, RegistrationAccessNeeds, RegistrationQuestion
from organizer.services.print import badges
from organizer.services.registration import mailing, records, registering, reserved
from organizer.services.registration.registering import (
    AlreadyRegistered,
    approve_registration,
    cancel_registration,
    register,
    reject_registration,
    update_registration,
)
from tests.factories import (
    NOW,
    make_application,
    make_cfp,
    make_event,
    make_programme,
    make_proposal,
    make_user,
)
from tests.registration.reg_helpers import CLOSES, OPENS, data, mails, make_kind, make_settings

S = RegistrationState


@pytest.fixture
def organizer():
    return make_user(name="Olga Organizer")


@pytest.fixture
def event(organizer):
    event = make_event(organizer=organizer)
    make_cfp(event)  # proposals need its session types
    return event


def test_registering_confirms_stores_the_code_of_conduct_version_and_mails_an_ics(event):
    make_settings(event, code_of_conduct_version=1)
    person = make_user(name="Ayşe Y\u0131lmaz")
    registration = register(
        event=event,
        user=person,
        data=data(badge_name="Ayşe", pronouns="she/her", affiliation="Uni"),
        now=NOW,
    )
    assert registration.state == S.CONFIRMED
    assert registration.code_of_conduct_version == 1
    assert registration.code_of_conduct_accepted_at == NOW
    assert registration.search_name == "ayse ayse yilmaz"
    assert registration.access_needs is None  # nothing given, nothing kept
    version = db.session.scalar(
        select(CodeOfConductVersion).where(CodeOfConductVersion.event_id == event.id)
    )
    assert version.version == 1 and version.text == "Be kind."
    (mail,) = mails("registration_confirmed", person.email)
    assert "BEGIN:VCALENDAR" in mail.attachments[0]["content"]
    assert "DTSTART;VALUE=DATE:20270327" in mail.attachments[0]["content"]
    assert "/registration/cancel/" in mail.body_text


def test_the_confirmation_carries_the_qr_code_of_the_persons_check_in_page(event):
    """Shown at the door from a phone; the volunteer's camera opens the check-in page."""
    make_settings(event)
    person = make_user()
    registration = register(event=event, user=person, data=data(), now=NOW)
    (mail,) = mails("registration_confirmed", person.email)
    (qr,) = [a for a in mail.attachments if a["content_type"] == "image/svg+xml"]
    address = mailing.check_in_address(registration)
    assert address.endswith(f"/{event.slug}/check-in/{registration.public_id}")
    assert qr["content"] == badges.qr_svg_file(address)
    assert qr["content"].lstrip().startswith("<?xml") and "<svg" in qr["content"]
    assert "QR code attached" in mail.body_text


def test_the_code_of_conduct_must_be_accepted(event):
    make_settings(event)
    with pytest.raises(ValidationFailed) as error:
        register(event=event, user=make_user(), data=data(accept_code_of_conduct=False), now=NOW)
    assert "accept_code_of_conduct" in error.value.errors


@pytest.mark.parametrize(
    ("opens", "closes", "message"),
    [
        (NOW + dt.timedelta(days=1), CLOSES, "Registration opens on"),
        (OPENS, NOW - dt.timedelta(minutes=1), "Registration closed on"),
    ],
)
def test_registration_is_open_only_between_its_dates(event, opens, closes, message):
    make_settings(event, opens_at=opens, closes_at=closes)
    with pytest.raises(WrongState, match=message):
        register(event=event, user=make_user(), data=data(), now=NOW)


def test_an_event_without_settings_takes_no_registration(event):
    with pytest.raises(NotFound):
        register(event=event, user=make_user(), data=data(), now=NOW)


def test_a_second_registration_is_refused_and_names_the_first(event):
    make_settings(event)
    person = make_user()
    first = register(event=event, user=person, data=data(), now=NOW)
    with pytest.raises(AlreadyRegistered) as error:
        register(event=event, user=person, data=data(), now=NOW)
    assert error.value.registration is first


def test_a_cancelled_registration_is_reopened_not_duplicated(event):
    make_settings(event)
    person = make_user()
    first = register(event=event, user=person, data=data(), now=NOW)
    cancel_registration(registration=first, actor=person, now=NOW)
    assert first.state == S.CANCELLED and first.cancelled_at == NOW
    again = register(event=event, user=person, data=data(), now=NOW + dt.timedelta(hours=1))
    assert again.id == first.id and again.state == S.CONFIRMED and again.cancelled_at is None


def test_access_needs_and_answers_are_kept_when_given(event):
    make_settings(event)
    question = RegistrationQuestion(
        event_id=event.id, text="T-shirt size?", kind=QuestionKind.TEXT, required=True
    )
    db.session.add(question)
    db.session.flush()
    person = make_user()
    with pytest.raises(ValidationFailed) as error:
        register(event=event, user=person, data=data(), now=NOW)
    assert f"question-{question.id}" in error.value.errors
    registration = register(
        event=event,
        user=person,
        data=data(
            needs=(AccessNeed.STEP_FREE.value,),
            dietary=(DietaryNeed.VEGAN.value,),
            dietary_other="no celery",
            access_notes="I arrive by wheelchair",
            answers={question.id: "M"},
        ),
        now=NOW,
    )
    needs = db.session.scalar(
        select(RegistrationAccessNeeds).where(
            RegistrationAccessNeeds.registration_id == registration.id
        )
    )
    assert needs.needs == ["step_free"] and needs.dietary == ["vegan"]
    assert needs.dietary_other == "no celery" and needs.notes == "I arrive by wheelchair"
    assert [a.value for a in registration.answers] == ["M"]


def test_no_access_needs_are_kept_once_the_purge_has_run(event):
    """The purge runs once per event; needs given after it would stay for ever."""
    settings = make_settings(event)
    settings.access_purged_at = NOW - dt.timedelta(hours=1)
    registration = register(
        event=event,
        user=make_user(),
        data=data(needs=(AccessNeed.STEP_FREE.value,), access_notes="a ramp"),
        now=NOW,
    )
    assert registration.access_needs is None
    assert db.session.scalar(select(func.count()).select_from(RegistrationAccessNeeds)) == 0


def test_unknown_access_needs_are_refused(event):
    make_settings(event)
    with pytest.raises(ValidationFailed) as error:
        register(event=event, user=make_user(), data=data(needs=("teleport",)), now=NOW)
    assert "needs" in error.value.errors


def test_a_full_event_puts_people_on_the_waiting_list(event):
    make_settings(event, capacity=1)
    first = register(event=event, user=make_user(), data=data(), now=NOW)
    second = register(event=event, user=make_user(), data=data(), now=NOW)
    assert first.state == S.CONFIRMED
    assert second.state == S.WAITLISTED and second.waitlisted_at == NOW
    assert mails("registration_waitlisted", second.user.email)
    assert registering.is_full(event, records.settings_of(event))


def test_each_kind_of_place_has_its_own_capacity(event):
    make_settings(event, capacity=10)
    in_person = make_kind(event, "In person", capacity=1)
    remote = make_kind(event, "Remote", capacity=None, position=1)
    a = register(event=event, user=make_user(), data=data(place_kind_id=in_person.id), now=NOW)
    b = register(event=event, user=make_user(), data=data(place_kind_id=in_person.id), now=NOW)
    c = register(event=event, user=make_user(), data=data(place_kind_id=remote.id), now=NOW)
    assert (a.state, b.state, c.state) == (S.CONFIRMED, S.WAITLISTED, S.CONFIRMED)
    with pytest.raises(ValidationFailed) as error:
        register(event=event, user=make_user(), data=data(), now=NOW)
    assert "place_kind" in error.value.errors


def test_moderated_registrations_wait_for_approval(event, organizer):
    make_settings(event, moderated=True, capacity=1)
    a = register(event=event, user=make_user(), data=data(), now=NOW)
    b = register(event=event, user=make_user(), data=data(), now=NOW)
    assert a.state == b.state == S.PENDING
    assert mails("registration_pending", a.user.email)
    with pytest.raises(PermissionDenied):
        approve_registration(registration=a, actor=b.user, now=NOW)
    approve_registration(registration=a, actor=organizer, now=NOW)
    approve_registration(registration=b, actor=organizer, now=NOW)
    assert a.state == S.CONFIRMED and b.state == S.WAITLISTED
    with pytest.raises(WrongState):
        approve_registration(registration=a, actor=organizer, now=NOW)


def test_rejecting_a_confirmed_registration_offers_its_seat(event, organizer):
    make_settings(event, capacity=1, offer_days=3)
    a = register(event=event, user=make_user(), data=data(), now=NOW)
    b = register(event=event, user=make_user(), data=data(), now=NOW)
    reject_registration(registration=a, actor=organizer, now=NOW)
    assert a.state == S.REJECTED and mails("registration_rejected", a.user.email)
    assert b.state == S.OFFERED and b.respond_by == NOW + dt.timedelta(days=3)
    with pytest.raises(WrongState, match="turned down"):
        register(event=event, user=a.user, data=data(), now=NOW)


def test_cancelling_frees_the_seat_for_the_first_person_waiting(event):
    make_settings(event, capacity=1)
    a = register(event=event, user=make_user(), data=data(), now=NOW)
    b = register(event=event, user=make_user(), data=data(), now=NOW + dt.timedelta(minutes=1))
    c = register(event=event, user=make_user(), data=data(), now=NOW + dt.timedelta(minutes=2))
    with pytest.raises(PermissionDenied):
        cancel_registration(registration=a, actor=c.user, now=NOW)
    cancel_registration(registration=a, actor=a.user, now=NOW + dt.timedelta(hours=1))
    assert (b.state, c.state) == (S.OFFERED, S.WAITLISTED)
    (offer,) = mails("registration_offer", b.user.email)
    assert "/registration/" in offer.body_text
    assert mails("registration_cancelled", a.user.email)
    with pytest.raises(WrongState):
        cancel_registration(registration=a, actor=a.user, now=NOW)


def test_a_confirmed_speaker_gets_a_seat_beyond_capacity(event):
    make_settings(event, capacity=1)
    register(event=event, user=make_user(), data=data(), now=NOW)
    speaker = make_user()
    make_proposal(event, speaker, state=ProposalState.CONFIRMED)
    registration = register(event=event, user=speaker, data=data(), now=NOW)
    assert registration.state == S.CONFIRMED
    assert registration.reserved_for == ReservedFor.SPEAKER and not registration.waived


def test_a_speaker_of_an_unconfirmed_proposal_has_no_reserved_seat(event):
    make_settings(event, capacity=0)
    speaker = make_user()
    make_proposal(event, speaker, state=ProposalState.ACCEPTED)
    registration = register(event=event, user=speaker, data=data(), now=NOW)
    assert registration.state == S.WAITLISTED and registration.reserved_for is None


@pytest.mark.parametrize(
    ("kind", "waived"),
    [(GrantKind.WAIVER, True), (GrantKind.BOTH, True), (GrantKind.TRAVEL, False)],
)
def test_an_accepted_grantee_gets_a_seat_and_a_waiver_grant_waives_the_fee(event, kind, waived):
    make_settings(event, capacity=0, moderated=True)
    grantee = make_user()
    make_application(make_programme(event, kind=kind), grantee, state=GrantState.ACCEPTED)
    registration = register(event=event, user=grantee, data=data(), now=NOW)
    assert registration.state == S.CONFIRMED
    assert registration.reserved_for == ReservedFor.GRANTEE
    assert registration.waived is waived


def test_invite_reserved_mails_speakers_and_grantees_who_have_not_registered(event, organizer):
    make_settings(event)
    speaker, grantee, registered = make_user(), make_user(), make_user()
    make_proposal(event, speaker, state=ProposalState.CONFIRMED)
    make_proposal(event, registered, state=ProposalState.CONFIRMED)
    make_application(make_programme(event), grantee, state=GrantState.ACCEPTED)
    make_application(make_programme(event), make_user(), state=GrantState.SUBMITTED)
    register(event=event, user=registered, data=data(), now=NOW)
    with pytest.raises(PermissionDenied):
        reserved.invite_reserved(event=event, actor=speaker, now=NOW)
    assert reserved.invite_reserved(event=event, actor=organizer, now=NOW) == 2
    invited = {m.to_address for m in mails("registration_invitation")}
    assert invited == {speaker.email, grantee.email}
    assert "/register/" in mails("registration_invitation", speaker.email)[0].body_text


def test_changes_are_saved_until_registration_closes(event):
    make_settings(event)
    person = make_user(name="Bo")
    registration = register(event=event, user=person, data=data(), now=NOW)
    update_registration(
        registration=registration,
        actor=person,
        data=data(badge_name="Bobby", dietary=("vegan",)),
        now=NOW,
    )
    assert registration.badge_name == "Bobby" and registration.search_name == "bobby bo"
    assert registration.access_needs.dietary == ["vegan"]
    update_registration(registration=registration, actor=person, data=data(), now=NOW)
    db.session.flush()
    assert registration.access_needs is None  # taken back: nothing kept
    with pytest.raises(PermissionDenied):
        update_registration(registration=registration, actor=make_user(), data=data(), now=NOW)
    with pytest.raises(WrongState, match="closed"):
        update_registration(registration=registration, actor=person, data=data(), now=CLOSES)


def test_a_new_code_of_conduct_version_must_be_accepted_again_on_change(event):
    settings = make_settings(event)
    person = make_user()
    registration = register(event=event, user=person, data=data(), now=NOW)
    settings.code_of_conduct_version = 2
    with pytest.raises(ValidationFailed):
        update_registration(
            registration=registration,
            actor=person,
            data=data(accept_code_of_conduct=False),
            now=NOW,
        )
    update_registration(registration=registration, actor=person, data=data(), now=NOW)
    assert registration.code_of_conduct_version == 2
