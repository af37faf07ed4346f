"""Certificates of attendance: only for people who were checked in, with a verification
address whose signed token says whether a certificate is real."""

from __future__ import annotations

import pytest

from organizer.errors import NotFound
from organizer.extensions import db
from organizer.services import tokens
from organizer.services.print import certificates
from tests.badges.conftest import BASE, NAMES
from tests.factories import NOW, make_event, make_user
from tests.printed.conftest import page_texts, squash
from tests.registration_factories import make_registration


def test_a_checked_in_person_gets_a_certificate_with_a_verification_address(event):
    person = make_user(name="Ana Lima")
    registration = make_registration(event, person, checked_in=True)
    data = certificates.certificate_pdf(actor=person, event=event, base_url=BASE, now=NOW)
    (text,) = page_texts(data)
    assert "AnaLima" in text and "BadgeWorkshop" in text and "Certificateofattendance" in text
    assert "Mar27\u201328,2027" in text  # the dates (an en dash)
    assert "CasadasIdeias" in text  # the venue
    token = certificates.token_of(registration)
    assert squash(certificates.verification_url(BASE, event.slug, token)) in text


@pytest.mark.parametrize("key", list(NAMES))
def test_names_in_seven_scripts_print_on_the_certificate(event, key):
    person = make_user(name=NAMES[key])
    make_registration(event, person, checked_in=True)
    (text,) = page_texts(
        certificates.certificate_pdf(actor=person, event=event, base_url=BASE, now=NOW)
    )
    from tests.badges.test_badges import appears

    assert appears(NAMES[key], text)


def test_no_certificate_without_check_in_or_registration(event):
    registered = make_user()
    make_registration(event, registered)
    stranger = make_user()
    for person in (registered, stranger, None):
        with pytest.raises(NotFound):
            certificates.certificate_pdf(actor=person, event=event, base_url=BASE, now=NOW)


def test_a_badge_name_is_the_certificate_name(event):
    person = make_user(name="Legal Name")
    make_registration(event, person, checked_in=True, badge_name="Chosen Name")
    (text,) = page_texts(
        certificates.certificate_pdf(actor=person, event=event, base_url=BASE, now=NOW)
    )
    assert "ChosenName" in text and "LegalName" not in text


def test_verification_valid_tampered_gone_and_not_checked_in(event):
    came = make_registration(event, name="Came Along", checked_in=True)
    stayed_home = make_registration(event, name="Stayed Home")
    valid = certificates.check(event=event, token=certificates.token_of(came))
    assert valid.valid and valid.name == "Came Along" and valid.event_name == event.name
    assert valid.dates

    token = certificates.token_of(came)
    tampered = certificates.check(
        event=event, token=token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    )
    assert not tampered.valid and "not one of our certificates" in tampered.reason
    # Another purpose's signature of the same id is refused (a salt of its own).
    other = certificates.check(event=event, token=tokens.sign("verify", came.public_id))
    assert not other.valid

    never = certificates.check(event=event, token=certificates.token_of(stayed_home))
    assert not never.valid and "not checked in" in never.reason

    other_event = make_event(slug="elsewhere")
    assert not certificates.check(event=other_event, token=certificates.token_of(came)).valid

    gone_token = certificates.token_of(came)
    db.session.delete(came)
    db.session.flush()
    gone = certificates.check(event=event, token=gone_token)
    assert not gone.valid and "does not exist" in gone.reason
