"""Registration's set-up pages: who may open them, what they save, and how they say what is
wrong while keeping what was typed."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from organizer.enums import EventRoleName, QuestionKind, RegistrationState
from organizer.extensions import db
from organizer.models import PlaceKind, RegistrationQuestion
from organizer.services.registration import setup
from organizer.services.reviewing.questions import QuestionSettings
from tests.factories import NOW, grant_role, login_as, make_event, make_user
from tests.registration_setup.helpers import data, register

SETTINGS_FORM = {
    "opens_at": "2026-12-01",
    "opens_time": "09:00",
    "closes_at": "2027-03-20",
    "closes_time": "23:59",
    "capacity": "40",
    "offer_days": "4",
    "fee_due": "y",
    "fee_note": "€30 on site, by card or in cash.",
    "purge_at": "2027-04-28",
    "purge_time": "00:00",
}


@pytest.fixture
def organizer(client):
    person = make_user(name="Olga Organizer")
    event = make_event(organizer=person, slug="reg-setup", name="Registration Workshop")
    login_as(client, person)
    return person, event


def url(event, page: str = "settings") -> str:
    return f"/manage/{event.slug}/registration/{page}"


def field_error(html: str, field: str) -> str:
    assert re.search(rf'<(input|textarea)[^>]*aria-describedby="[^"]*{field}-error', html), field
    match = re.search(rf'id="{field}-error">\s*<span[^>]*>[^<]*</span>\s*([^<]+)', html)
    assert match, f"no error shown for {field}"
    return match.group(1).strip()


def test_an_empty_event_shows_a_suggestion_and_saving_sets_registration_up(client, organizer):
    _, event = organizer
    page = client.get(url(event))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Registration is not set up yet" in html
    assert re.search(r'name="purge_at"[^>]*value="2027-04-28"', html)  # 30 days after the end
    response = client.post(url(event), data=SETTINGS_FORM)
    assert response.status_code == 302
    settings = setup.settings_of(event)
    assert settings.capacity == 40 and settings.offer_days == 4 and settings.fee_due
    assert settings.opens_at.isoformat() == "2026-12-01T09:00:00+00:00"  # Lisbon in winter
    assert settings.access_purge_at is None  # the default, kept as such
    page = client.get(url(event)).get_data(as_text=True)
    assert "Registration is not set up yet" not in page
    assert "0 of 40" in page


def test_errors_keep_what_was_typed(client, organizer):
    _, event = organizer
    typed = {**SETTINGS_FORM, "closes_at": "2026-11-30", "fee_note": "", "capacity": "forty"}
    response = client.post(url(event), data=typed)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "whole number" in field_error(html, "capacity")
    assert 'value="forty"' in html
    typed["capacity"] = "40"
    response = client.post(url(event), data=typed)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "close after it opens" in field_error(html, "closes_at")
    assert "how the fee is paid" in field_error(html, "fee_note")
    assert 'value="2026-11-30"' in html and 'value="40"' in html
    assert setup.settings_of(event) is None


def test_capacity_below_the_seats_held_names_the_number(client, organizer):
    person, event = organizer
    setup.save_registration_settings(event=event, actor=person, data=data(), now=NOW)
    for _ in range(5):
        register(event)
    response = client.post(url(event), data={**SETTINGS_FORM, "capacity": "3"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "5 seats are already held" in field_error(html, "capacity")
    assert 'value="3"' in html


@pytest.mark.parametrize(
    "role", [EventRoleName.REVIEWER, EventRoleName.ACCESS_COORDINATOR, EventRoleName.CHECK_IN]
)
def test_other_roles_get_403(client, role):
    event = make_event()
    helper = make_user()
    grant_role(helper, event, role)
    login_as(client, helper)
    for page in ("settings", "places", "questions", "code-of-conduct"):
        assert client.get(url(event, page)).status_code == 403
    assert client.post(url(event), data=SETTINGS_FORM).status_code == 403
    assert setup.settings_of(event) is None


def test_posts_without_a_csrf_token_are_refused(app, organizer):
    _, event = organizer
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        login_as(client, organizer[0])
        response = client.post(url(event), data=SETTINGS_FORM)
        assert response.status_code == 400
        assert setup.settings_of(event) is None
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_kinds_of_place_add_edit_and_delete_after_confirmation(client, organizer):
    _, event = organizer
    empty = client.get(url(event, "places")).get_data(as_text=True)
    assert "No kinds of place" in empty
    response = client.post(url(event, "places"), data={"name": "In person", "capacity": "20"})
    assert response.status_code == 302
    kind = db.session.scalar(select(PlaceKind))
    assert (kind.name, kind.capacity) == ("In person", 20)
    register(event, kind=kind)
    response = client.post(
        url(event, f"places/{kind.id}"), data={"name": "On site", "capacity": "0"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "1 seat is already held" in field_error(html, "capacity")
    assert 'value="On site"' in html
    confirm = client.get(url(event, f"places/{kind.id}/delete")).get_data(as_text=True)
    assert "1 person is registered for it" in confirm
    assert "Delete the kind of place</button>" not in confirm
    refused = client.post(url(event, f"places/{kind.id}/delete"))
    assert refused.status_code == 409
    assert "1 person is registered" in refused.get_data(as_text=True)
    empty_kind = PlaceKind(event_id=event.id, name="Remote", position=1)
    db.session.add(empty_kind)
    db.session.flush()
    empty_id = empty_kind.id
    assert client.post(url(event, f"places/{empty_id}/delete")).status_code == 302
    assert db.session.get(PlaceKind, empty_id) is None


def test_kinds_of_place_move(client, organizer):
    person, event = organizer
    for name in ("A", "B"):
        setup.save_place_kind(event=event, actor=person, place_kind=None, name=name, now=NOW)
    second = setup.place_kinds(event)[1]
    response = client.post(url(event, f"places/{second.id}/move"), data={"direction": "up"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url(event, "places"))
    assert [k.name for k in setup.place_kinds(event)] == ["B", "A"]


def test_questions_through_the_shared_pages_without_reviewers(client, organizer):
    _, event = organizer
    html = client.get(url(event, "questions")).get_data(as_text=True)
    assert "No questions of your own" in html
    assert "Visible to reviewers" not in html and "Reviewers see it" not in html
    response = client.post(
        url(event, "questions"),
        data={"text": "Lunch?", "kind": "boolean", "max_file_kb": "5120", "required": "y"},
    )
    assert response.status_code == 302
    question = db.session.scalar(select(RegistrationQuestion))
    assert question.kind == QuestionKind.BOOLEAN and question.required
    assert not question.visible_to_reviewers
    assert client.get(f"/manage/{event.slug}/registration/criteria").status_code == 404
    assert client.post(url(event, f"questions/{question.id}/delete")).status_code == 302
    assert db.session.scalar(select(RegistrationQuestion)) is None


def test_code_of_conduct_page_counts_older_acceptances(client, organizer):
    person, event = organizer
    html = client.get(url(event, "code-of-conduct")).get_data(as_text=True)
    assert "Registration is not set up yet" in html
    setup.save_registration_settings(event=event, actor=person, data=data(), now=NOW)
    register(event)
    register(event, RegistrationState.PENDING)
    response = client.post(url(event, "code-of-conduct"), data={"text": "Be kind, always."})
    assert response.status_code == 302
    html = client.get(url(event, "code-of-conduct")).get_data(as_text=True)
    assert "Current version: 2." in html
    assert "2 registrations accepted an older version." in html
    unchanged = client.post(url(event, "code-of-conduct"), data={"text": "Be kind, always."})
    assert unchanged.status_code == 400
    assert "unchanged" in unchanged.get_data(as_text=True)
    assert client.post(url(event, "code-of-conduct/new-version")).status_code == 302
    assert setup.settings_of(event).code_of_conduct_version == 3


def test_the_event_settings_form_raises_the_version(client, organizer):
    person, event = organizer
    setup.save_registration_settings(event=event, actor=person, data=data(), now=NOW)
    form = {
        "name": event.name,
        "slug": event.slug,
        "timezone": event.timezone,
        "starts_on": "2027-03-27",
        "ends_on": "2027-03-28",
        "currency": "EUR",
        "code_of_conduct": "Be kind. New rules.",
        "is_public": "y",
    }
    assert client.post(f"/manage/{event.slug}/settings", data=form).status_code == 302
    assert setup.settings_of(event).code_of_conduct_version == 2


def test_dashboard_links_registration(client, organizer):
    _, event = organizer
    html = client.get(f"/manage/{event.slug}/").get_data(as_text=True)
    assert f'href="/manage/{event.slug}/registration/settings"' in html


def test_team_invitations_offer_the_two_new_roles(client, organizer, mailbox):
    _, event = organizer
    html = client.get(f"/manage/{event.slug}/team").get_data(as_text=True)
    assert "Access coordinator: sees each registered person" in html
    assert "Check-in volunteer: marks people attended at the door" in html
    response = client.post(
        f"/manage/{event.slug}/team",
        data={"email": "door@example.org", "role": EventRoleName.CHECK_IN.value},
    )
    assert response.status_code == 302
    text = mailbox.text(mailbox.last("door@example.org"))
    assert "as check-in volunteer" in " ".join(text.split())


def test_list_pages_run_a_constant_number_of_queries(organizer, assert_constant_queries):
    person, event = organizer
    setup.save_registration_settings(event=event, actor=person, data=data(capacity=None), now=NOW)
    grown = iter(range(100))

    def grow() -> None:
        for _ in range(3):
            n = next(grown)
            kind = setup.save_place_kind(
                event=event, actor=person, place_kind=None, name=f"Kind {n}", now=NOW
            )
            register(event, kind=kind)
            register(event, RegistrationState.WAITLISTED, kind=kind, version=2)
            setup.save_question(
                event=event,
                actor=person,
                question=None,
                settings=QuestionSettings(text=f"Question {n}", kind=QuestionKind.TEXT),
                now=NOW,
            )
        setup.new_code_of_conduct_version(event=event, actor=person, now=NOW)

    assert_constant_queries(
        [url(event, page) for page in ("settings", "places", "questions", "code-of-conduct")],
        grow,
    )
