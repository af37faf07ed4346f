"""The clone page: defaults, the form, the redirect to the new event, who may open it."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from organizer.enums import EventRoleName
from organizer.extensions import db
from organizer.models import Event
from organizer.services.events import event_by_slug
from tests.factories import grant_role, login_as, make_user


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def test_the_page_suggests_next_year_on_the_same_weekday(client, source, organizer):
    login_as(client, organizer)
    page = client.get(f"/manage/{source.slug}/clone")
    assert page.status_code == 200
    assert 'value="Mangrove 2028"' in page.text
    assert 'value="mangrove-2028"' in page.text
    assert 'value="2028-03-25"' in page.text
    assert "What is not copied" in page.text
    assert "Registrations and access needs" in page.text


def test_the_dashboard_links_to_it(client, source, organizer):
    login_as(client, organizer)
    page = client.get(f"/manage/{source.slug}/")
    assert f'href="/manage/{source.slug}/clone"' in page.text


def test_posting_creates_the_event_and_opens_its_dashboard(client, source, organizer):
    login_as(client, organizer)
    response = client.post(
        f"/manage/{source.slug}/clone",
        data={"name": "Mangrove 2029", "slug": "mangrove-2029", "starts_on": "2029-03-24"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/manage/mangrove-2029/")
    page = client.get(response.headers["Location"])
    assert "is created from" in page.text
    new = event_by_slug("mangrove-2029")
    assert new is not None and new.name == "Mangrove 2029" and not new.is_public


def test_a_taken_address_is_shown_next_to_its_field(client, source, organizer):
    login_as(client, organizer)
    response = client.post(
        f"/manage/{source.slug}/clone",
        data={"name": "Again", "slug": source.slug, "starts_on": "2029-03-24"},
    )
    assert response.status_code == 400
    assert "Another event already uses this address" in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 1


def test_a_bad_date_is_refused(client, source, organizer):
    login_as(client, organizer)
    response = client.post(
        f"/manage/{source.slug}/clone",
        data={"name": "Again", "slug": "again-2029", "starts_on": "next spring"},
    )
    assert response.status_code == 400
    assert "Enter a date as YYYY-MM-DD" in response.text
    assert event_by_slug("again-2029") is None


def test_without_the_csrf_token_nothing_is_made(client, source, organizer, csrf_on):
    login_as(client, organizer)
    response = client.post(
        f"/manage/{source.slug}/clone",
        data={"name": "Mangrove 2029", "slug": "mangrove-2029", "starts_on": "2029-03-24"},
    )
    assert response.status_code == 400
    assert event_by_slug("mangrove-2029") is None


def test_with_the_csrf_token_it_works(client, source, organizer, csrf_on):
    login_as(client, organizer)
    page = client.get(f"/manage/{source.slug}/clone").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        f"/manage/{source.slug}/clone",
        data={
            "csrf_token": token,
            "name": "Mangrove 2029",
            "slug": "mangrove-2029",
            "starts_on": "2029-03-24",
        },
    )
    assert response.status_code == 302


@pytest.mark.parametrize("role", [None, EventRoleName.REVIEWER])
def test_others_get_403(client, source, role):
    person = make_user()
    if role is not None:
        grant_role(person, source, role)
    login_as(client, person)
    assert client.get(f"/manage/{source.slug}/clone").status_code == 403
    response = client.post(
        f"/manage/{source.slug}/clone",
        data={"name": "Mine", "slug": "mine-2029", "starts_on": "2029-03-24"},
    )
    assert response.status_code == 403
    assert event_by_slug("mine-2029") is None


def test_anonymous_visitors_are_sent_to_sign_in(client, source):
    response = client.get(f"/manage/{source.slug}/clone")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_a_site_admin_may_clone(client, source):
    admin = make_user(site_admin=True)
    login_as(client, admin)
    response = client.post(
        f"/manage/{source.slug}/clone",
        data={"name": "Admin's", "slug": "admins-2029", "starts_on": "2029-03-24"},
    )
    assert response.status_code == 302
