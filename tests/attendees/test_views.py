"""The organizers' registration pages over HTTP: who may open each, filters that keep their
values, the CSV, the summary, the access coordinator's page, and fixed query counts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from organizer.enums import EventRoleName, RegistrationState
from organizer.extensions import db
from organizer.models import Registration
from tests.factories import grant_role, login_as, make_event, make_user
from tests.registration_factories import make_place_kind, make_registration, make_settings


@pytest.fixture
def world(app):
    organizer = make_user(name="Olga Organizer")
    event = make_event(organizer=organizer, slug="reg-views")
    make_settings(event)
    kind = make_place_kind(event, "In person")
    make_registration(
        event,
        make_user(name="Ana Lima"),
        place_kind=kind,
        dietary=["vegetarian"],
        needs=["step_free"],
        notes="Needs a ramp at the side door",
    )
    make_registration(event, make_user(name="Bo Chen"), state=RegistrationState.WAITLISTED)
    people = {"organizer": organizer, "site_admin": make_user(site_admin=True)}
    for role in ("reviewer", "grant_reviewer", "check_in", "access_coordinator"):
        person = make_user()
        grant_role(person, event, EventRoleName(role))
        people[role] = person
    people["stranger"] = make_user()
    return event, kind, people


ORGANIZER_PAGES = (
    "/manage/reg-views/registrations/",
    "/manage/reg-views/registrations/attendees.csv",
    "/manage/reg-views/registrations/summary",
    "/manage/reg-views/registrations/summary.csv",
)
NEEDS_PAGE = "/manage/reg-views/registrations/access-needs"


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("organizer", True),
        ("site_admin", True),
        ("reviewer", False),
        ("grant_reviewer", False),
        ("check_in", False),
        ("access_coordinator", False),
        ("stranger", False),
    ],
)
def test_organizer_pages(client, world, who, allowed):
    _event, _kind, people = world
    login_as(client, people[who])
    for url in ORGANIZER_PAGES:
        assert client.get(url).status_code == (200 if allowed else 403), url


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("access_coordinator", True),
        ("organizer", False),
        ("site_admin", False),
        ("reviewer", False),
        ("grant_reviewer", False),
        ("check_in", False),
        ("stranger", False),
    ],
)
def test_access_needs_page(client, world, who, allowed):
    _event, _kind, people = world
    login_as(client, people[who])
    response = client.get(NEEDS_PAGE)
    assert response.status_code == (200 if allowed else 403)
    if allowed:
        page = response.get_data(as_text=True)
        assert "Ana Lima" in page and "Needs a ramp at the side door" in page
        assert "are deleted on" in page
        assert "Bo Chen" not in page  # told us nothing
        assert response.headers["Cache-Control"] == "private, no-store"


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    for url in (*ORGANIZER_PAGES, NEEDS_PAGE):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_coordinator_finds_their_page_from_my_events(client, world):
    _event, _kind, people = world
    login_as(client, people["access_coordinator"])
    page = client.get("/manage/").get_data(as_text=True)
    assert f'href="{NEEDS_PAGE}"' in page


def test_the_list_filters_keep_their_values_and_the_export_follows_them(client, world):
    _event, kind, people = world
    login_as(client, people["organizer"])
    page = client.get(
        f"/manage/reg-views/registrations/?q=LIMA&state=confirmed&place={kind.id}&checked_in=no"
    ).get_data(as_text=True)
    assert "Ana Lima" in page and "Bo Chen" not in page
    assert 'value="LIMA"' in page
    assert '<option selected value="confirmed">' in page
    assert f'<option selected value="{kind.id}">' in page
    assert "attendees.csv?" in page and "q=LIMA" in page
    # counts per state at the top, whatever the filters
    assert "1 registration" in page
    # never an access need on the organizers' list
    assert "ramp" not in page and "Vegetarian" not in page
    csv_text = client.get(
        "/manage/reg-views/registrations/attendees.csv?state=waitlisted"
    ).get_data(as_text=True)
    assert "Bo Chen" in csv_text and "Ana Lima" not in csv_text


def test_a_wrong_filter_value_is_ignored_not_an_error(client, world):
    _event, _kind, people = world
    login_as(client, people["organizer"])
    response = client.get("/manage/reg-views/registrations/?state=bogus&place=xyz")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Ana Lima" in page and "Bo Chen" in page


def test_empty_states(client, world):
    _event, _kind, people = world
    login_as(client, people["organizer"])
    page = client.get("/manage/reg-views/registrations/?q=nobody").get_data(as_text=True)
    assert "Nobody matches these filters." in page
    other = make_event(organizer=people["organizer"], slug="reg-empty")
    assert other is not None
    page = client.get("/manage/reg-empty/registrations/").get_data(as_text=True)
    assert "Nobody has registered yet." in page


def test_the_summary_shows_counts_and_no_names(client, world):
    _event, _kind, people = world
    login_as(client, people["organizer"])
    page = client.get("/manage/reg-views/registrations/summary").get_data(as_text=True)
    assert "Vegetarian" in page and "Step-free access" in page
    assert "Ana Lima" not in page and "ramp" not in page
    csv_text = client.get("/manage/reg-views/registrations/summary.csv").get_data(as_text=True)
    assert "Step-free access,1" in csv_text and "Ana" not in csv_text


def test_list_and_csv_queries_do_not_grow(app, client, world, assert_constant_queries):
    event, kind, people = world
    login_as(client, people["organizer"])

    def grow() -> None:
        for _ in range(20):
            make_registration(event, place_kind=kind, dietary=["vegan"])

    assert_constant_queries(
        [
            "/manage/reg-views/registrations/",
            "/manage/reg-views/registrations/?q=person&state=confirmed",
            "/manage/reg-views/registrations/attendees.csv",
            "/manage/reg-views/registrations/summary",
        ],
        grow,
    )


def test_a_confirmed_row_links_its_badge_and_check_in_page(client, world):
    event, _, people = world
    login_as(client, people["organizer"])
    page = client.get("/manage/reg-views/registrations/").get_data(as_text=True)
    confirmed, waiting = sorted(event_registrations(event), key=lambda r: r.state != "confirmed")
    assert f"/manage/reg-views/badges/{confirmed.public_id}.pdf?layout=single" in page
    assert f"/reg-views/check-in/{confirmed.public_id}" in page
    assert waiting.public_id not in page  # nothing to print or check in while waiting
    assert "/manage/reg-views/badges/" in page and "/manage/reg-views/registration/settings" in page


def event_registrations(event):
    return db.session.scalars(select(Registration).where(Registration.event_id == event.id)).all()


def test_organizers_approve_or_turn_down_a_pending_registration_and_keep_their_filters(
    client, world
):
    event, _, people = world
    waiting = make_registration(
        event, make_user(name="Cy Pending"), state=RegistrationState.PENDING
    )
    other = make_registration(event, make_user(name="Di Pending"), state=RegistrationState.PENDING)
    login_as(client, people["organizer"])
    page = client.get("/manage/reg-views/registrations/?state=pending").get_data(as_text=True)
    assert f"/manage/reg-views/registrations/{waiting.public_id}/decide" in page
    back = "/manage/reg-views/registrations/?state=pending"
    response = client.post(
        f"/manage/reg-views/registrations/{waiting.public_id}/decide",
        data={"approve": "1", "next": back},
    )
    assert response.status_code == 302 and response.headers["Location"] == back
    assert waiting.state == RegistrationState.CONFIRMED  # no capacity: a seat is free
    client.post(f"/manage/reg-views/registrations/{other.public_id}/decide", data={"reject": "1"})
    assert other.state == RegistrationState.REJECTED
    # Not an organizer: refused, and nothing changes.
    third = make_registration(event, make_user(name="Ed Pending"), state=RegistrationState.PENDING)
    login_as(client, people["check_in"])
    response = client.post(
        f"/manage/reg-views/registrations/{third.public_id}/decide", data={"approve": "1"}
    )
    assert response.status_code == 403 and third.state == RegistrationState.PENDING


def test_deciding_another_events_registration_is_not_found(client, world):
    _, _, people = world
    elsewhere = make_event(organizer=make_user(), slug="reg-elsewhere")
    make_settings(elsewhere)
    theirs = make_registration(elsewhere, make_user(), state=RegistrationState.PENDING)
    login_as(client, people["organizer"])
    response = client.post(
        f"/manage/reg-views/registrations/{theirs.public_id}/decide", data={"approve": "1"}
    )
    assert response.status_code == 404 and theirs.state == RegistrationState.PENDING
