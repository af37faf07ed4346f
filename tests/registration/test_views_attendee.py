"""reg-core: the attendee's pages: the form, my registration, cancelling, offers, the cancel
link from mail, and the organizers' invitation button."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from organizer.enums import ProposalState, QuestionKind, RegistrationState
from organizer.extensions import db
from organizer.models import Registration, RegistrationQuestion
from organizer.services.registration import mailing, records, waitlist
from organizer.services.registration.registering import register
from organizer.services.representation import survey_setup
from tests.factories import login_as, make_cfp, make_event, make_proposal, make_user
from tests.registration.reg_helpers import data, make_settings

S = RegistrationState


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@pytest.fixture
def organizer():
    return make_user(name="Olga Organizer")


@pytest.fixture
def event(organizer):
    event = make_event(organizer=organizer)
    make_settings(
        event,
        opens_at=now() - dt.timedelta(days=1),
        closes_at=now() + dt.timedelta(days=20),
        capacity=1,
    )
    return event


def test_the_form_asks_in_fieldsets_and_explains_who_sees_access_needs(client, event):
    login_as(client, make_user())
    page = client.get(f"/{event.slug}/register/").get_data(as_text=True)
    for legend in ("Your badge", "What you need to take part", "Code of conduct"):
        assert f"<legend>{legend}</legend>" in page
    assert "access coordinator sees what you write here" in page
    assert "Be kind." in page


def test_signing_in_is_required_to_register(client, event):
    response = client.get(f"/{event.slug}/register/")
    assert response.status_code == 302 and "/login" in response.location


def test_registering_redirects_to_my_registration_and_mails_a_confirmation(client, event, mailbox):
    person = make_user()
    login_as(client, person)
    response = client.post(
        f"/{event.slug}/register/",
        data={"badge_name": "Pat", "accept_code_of_conduct": "y", "dietary": ["vegan"]},
    )
    assert response.status_code == 302 and response.location.endswith("/registration/")
    registration = db.session.query(Registration).filter_by(user_id=person.id).one()
    assert registration.state == S.CONFIRMED and registration.badge_name == "Pat"
    page = client.get(f"/{event.slug}/registration/").get_data(as_text=True)
    assert "Status: confirmed" in page and 'value="Pat"' in page
    message = mailbox.last(person.email)
    assert any(part.get_filename() == f"{event.slug}.ics" for part in message.iter_attachments())
    cancel_path = mailbox.link(message, f"/{event.slug}/registration/cancel/")
    assert client.get(cancel_path).status_code == 200


def test_the_form_keeps_what_was_typed_when_it_shows_an_error(client, event):
    question = RegistrationQuestion(
        event_id=event.id, text="Where do you travel from?", kind=QuestionKind.TEXT
    )
    db.session.add(question)
    db.session.flush()
    login_as(client, make_user())
    response = client.post(
        f"/{event.slug}/register/",
        data={
            "badge_name": "Kim Typed",
            "pronouns": "they/them",
            "access_notes": "A chair with arms",
            "needs": ["quiet_room"],
            f"question-{question.id}": "Accra",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Please read and accept the code of conduct" in page
    assert 'value="Kim Typed"' in page and 'value="they/them"' in page
    assert "A chair with arms" in page and 'value="Accra"' in page
    assert re.search(r'<input checked[^>]*value="quiet_room"', page)
    assert 'aria-describedby="accept_code_of_conduct-error"' in page


def test_a_full_event_says_so_and_waitlists(client, event):
    register(event=event, user=make_user(), data=data(), now=now())
    person = make_user()
    login_as(client, person)
    assert "Every seat is taken" in client.get(f"/{event.slug}/register/").get_data(as_text=True)
    client.post(f"/{event.slug}/register/", data={"accept_code_of_conduct": "y"})
    page = client.get(f"/{event.slug}/registration/").get_data(as_text=True)
    assert "Status: on the waiting list" in page


def test_a_second_visit_to_the_form_leads_to_the_existing_registration(client, event):
    person = make_user()
    register(event=event, user=person, data=data(), now=now())
    login_as(client, person)
    response = client.get(f"/{event.slug}/register/")
    assert response.status_code == 302 and response.location.endswith("/registration/")
    response = client.post(f"/{event.slug}/register/", data={"accept_code_of_conduct": "y"})
    assert response.status_code == 302 and response.location.endswith("/registration/")


def test_closed_registration_is_explained(client, organizer):
    event = make_event(organizer=organizer)
    make_settings(
        event, opens_at=now() - dt.timedelta(days=9), closes_at=now() - dt.timedelta(days=1)
    )
    login_as(client, make_user())
    page = client.get(f"/{event.slug}/register/").get_data(as_text=True)
    assert "Registration closed on" in page and "<form" not in page.split("<main")[-1]
    response = client.post(f"/{event.slug}/register/", data={"accept_code_of_conduct": "y"})
    assert response.status_code == 409


def test_an_event_without_registration_has_no_form(client, organizer):
    event = make_event(organizer=organizer)
    login_as(client, make_user())
    assert client.get(f"/{event.slug}/register/").status_code == 404


def test_cancelling_asks_first_and_frees_the_seat(client, event):
    person, waiting = make_user(), make_user()
    mine = register(event=event, user=person, data=data(), now=now())
    other = register(event=event, user=waiting, data=data(), now=now())
    login_as(client, person)
    page = client.get(f"/{event.slug}/registration/cancel").get_data(as_text=True)
    assert "Do you really want to cancel" in page
    assert db.session.get(Registration, mine.id).state == S.CONFIRMED  # GET changes nothing
    response = client.post(f"/{event.slug}/registration/cancel", data={"submit": "y"})
    assert response.status_code == 302
    assert db.session.get(Registration, mine.id).state == S.CANCELLED
    assert db.session.get(Registration, other.id).state == S.OFFERED


def test_an_offer_is_answered_on_my_registration(client, event):
    holder, waiting = make_user(), make_user()
    register(event=event, user=holder, data=data(), now=now())
    offered = register(event=event, user=waiting, data=data(), now=now())
    records.settings_of(event).capacity = 2
    waitlist.fill_free_seats(event=event, now=now())
    login_as(client, waiting)
    page = client.get(f"/{event.slug}/registration/").get_data(as_text=True)
    assert "Accept the seat" in page
    client.post(f"/{event.slug}/registration/offer", data={"accept": "Accept the seat"})
    assert db.session.get(Registration, offered.id).state == S.CONFIRMED


def test_the_cancel_link_shows_one_button_and_only_post_cancels(client, app, event):
    registration = register(event=event, user=make_user(), data=data(), now=now())
    path = f"/{event.slug}/registration/cancel/{mailing.cancel_token(registration)}"
    page = client.get(path).get_data(as_text=True)
    assert page.count('type="submit"') == 1
    assert db.session.get(Registration, registration.id).state == S.CONFIRMED
    client.post(path)  # no button pressed: nothing happens
    assert db.session.get(Registration, registration.id).state == S.CONFIRMED
    page = client.post(path, data={"submit": "y"}).get_data(as_text=True)
    assert "is cancelled" in page
    assert db.session.get(Registration, registration.id).state == S.CANCELLED


def test_a_forged_or_foreign_cancel_link_is_404(client, event, organizer):
    registration = register(event=event, user=make_user(), data=data(), now=now())
    other = make_event(organizer=organizer)
    make_settings(other)
    token = mailing.cancel_token(registration)
    assert client.get(f"/{event.slug}/registration/cancel/{token}x").status_code == 404
    assert client.get(f"/{other.slug}/registration/cancel/{token}").status_code == 404


def test_another_persons_registration_is_not_shown(client, event):
    register(event=event, user=make_user(), data=data(badge_name="Secret Name"), now=now())
    login_as(client, make_user())
    response = client.get(f"/{event.slug}/registration/")
    assert response.status_code == 302  # to the form: they have none
    assert client.post(f"/{event.slug}/registration/cancel").status_code == 404
    assert client.post(f"/{event.slug}/registration/offer").status_code == 404


def test_the_event_page_and_home_link_to_registration(client, event):
    person = make_user()
    register(event=event, user=person, data=data(), now=now())
    login_as(client, person)
    page = client.get(f"/{event.slug}/").get_data(as_text=True)
    assert f"/{event.slug}/register/" in page
    home = client.get("/home/").get_data(as_text=True)
    assert f"/{event.slug}/registration/" in home and "confirmed" in home
    # Cancelling from home: one link to the page that asks first.
    assert f"/{event.slug}/registration/cancel" in home


def test_organizers_invite_speakers_to_their_reserved_seats(client, event, organizer, mailbox):
    make_cfp(event)
    speaker = make_user()
    make_proposal(event, speaker, state=ProposalState.CONFIRMED)
    login_as(client, speaker)
    assert client.post(f"/manage/{event.slug}/registration/invite-reserved").status_code == 403
    login_as(client, organizer)
    response = client.post(
        f"/manage/{event.slug}/registration/invite-reserved", data={"submit": "y"}
    )
    assert response.status_code == 302
    assert mailbox.link(mailbox.last(speaker.email), f"/{event.slug}/register/")


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def test_the_forms_carry_a_csrf_token_and_refuse_a_post_without_it(client, event, csrf_on):
    person = make_user()
    login_as(client, person)
    page = client.get(f"/{event.slug}/register/").get_data(as_text=True)
    assert 'name="csrf_token"' in page
    response = client.post(f"/{event.slug}/register/", data={"accept_code_of_conduct": "y"})
    assert response.status_code == 400
    assert db.session.query(Registration).filter_by(user_id=person.id).count() == 0
    registration = register(event=event, user=person, data=data(), now=now())
    path = f"/{event.slug}/registration/cancel/{mailing.cancel_token(registration)}"
    assert 'name="csrf_token"' in client.get(path).get_data(as_text=True)
    assert client.post(path, data={"submit": "y"}).status_code == 400
    assert db.session.get(Registration, registration.id).state == S.CONFIRMED


def test_a_changed_code_of_conduct_is_shown_and_asked_again(client, event):
    person = make_user()
    registration = register(event=event, user=person, data=data(), now=now())
    settings = records.settings_of(event)
    settings.code_of_conduct_version = 2
    event.code_of_conduct = "Be kind, version two."
    login_as(client, person)
    page = client.get(f"/{event.slug}/registration/").get_data(as_text=True)
    assert "The code of conduct has changed" in page and "version two" in page
    response = client.post(f"/{event.slug}/registration/", data={"badge_name": "New"})
    assert response.status_code == 400
    client.post(
        f"/{event.slug}/registration/", data={"badge_name": "New", "accept_code_of_conduct": "y"}
    )
    assert db.session.get(Registration, registration.id).code_of_conduct_version == 2


def test_my_registration_offers_the_survey_and_once_checked_in_the_certificate(
    client, event, organizer
):
    person = make_user()
    registration = register(event=event, user=person, data=data(), now=now())
    login_as(client, person)
    page = client.get(f"/{event.slug}/registration/").get_data(as_text=True)
    assert f"/{event.slug}/survey" not in page  # no survey yet
    assert "certificate.pdf" not in page  # not checked in
    survey_setup.ensure_survey(actor=organizer, event=event, now=now())
    registration.checked_in_at = now()
    db.session.flush()
    page = client.get(f"/{event.slug}/registration/").get_data(as_text=True)
    assert f"/{event.slug}/survey" in page
    assert f"/{event.slug}/registration/certificate.pdf" in page


def test_a_confirmed_registration_shows_its_qr_code_for_the_door(client, event):
    person = make_user()
    registration = register(event=event, user=person, data=data(), now=now())
    login_as(client, person)
    page = client.get(f"/{event.slug}/registration/").get_data(as_text=True)
    assert "At the door" in page and "<svg" in page
    registration.state = S.WAITLISTED
    db.session.flush()
    page = client.get(f"/{event.slug}/registration/").get_data(as_text=True)
    assert "At the door" not in page and "<svg" not in page
