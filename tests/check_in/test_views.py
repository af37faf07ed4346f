"""Check-in at the door, the pages: search, one person's page (the QR code's address), the
buttons (POST with CSRF, back to the search with the query and a message naming the person),
the live count, who is let in, and small pages with a constant number of queries."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from organizer.enums import EventRoleName, RegistrationState
from organizer.extensions import db
from organizer.services.registration import check_in
from tests.factories import PASSWORD, grant_role, login_as, make_event, make_user
from tests.registration_factories import make_registration

AYSE_YILMAZ = "Ay\u015fe Y\u0131lmaz"  # a dotless i, as in Turkish


@pytest.fixture
def event():
    return make_event(organizer=make_user(name="Olga Organizer"), slug="door-test")


@pytest.fixture
def volunteer(event):
    person = make_user(name="Vera Volunteer", email="vera@example.org")
    grant_role(person, event, EventRoleName.CHECK_IN)
    return person


@pytest.fixture
def desk(client, volunteer):
    login_as(client, volunteer)
    return client


def flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


def test_search_page_lists_matches_with_the_count(desk, event):
    make_registration(event, name=AYSE_YILMAZ, pronouns="she/her")
    make_registration(event, name="Bruno Costa", state=RegistrationState.WAITLISTED)
    page = desk.get("/door-test/check-in/?q=ayse")
    assert page.status_code == 200
    assert AYSE_YILMAZ in page.text and "Bruno Costa" not in page.text
    assert "0 of 1 checked in" in page.text
    everyone = desk.get("/door-test/check-in/").text
    assert "Bruno Costa" in everyone and "Not confirmed: on the waiting list" in everyone
    assert everyone.count('name="registration" value=') == 1  # no button for Bruno
    assert "Nobody registered matches" in desk.get("/door-test/check-in/?q=zzz").text


def test_check_in_from_the_list_goes_back_to_the_search(desk, event, volunteer):
    person = make_registration(event, name=AYSE_YILMAZ, badge_name="Ayşe")
    response = desk.post(
        "/door-test/check-in/", data={"q": "ayse", "registration": person.public_id}
    )
    assert response.status_code == 302
    target = urlsplit(response.location)
    assert target.path == "/door-test/check-in/" and parse_qs(target.query) == {"q": ["ayse"]}
    assert flashes(desk) == ["Ayşe is checked in."]
    db.session.refresh(person)
    assert person.checked_in_by_id == volunteer.id
    page = desk.get(response.location).text
    assert "Ayşe is checked in." in page and "1 of 1 checked in" in page

    again = desk.post(f"/door-test/check-in/{person.public_id}/in", data={"q": ""})
    assert urlsplit(again.location).query == ""
    assert re.fullmatch(
        r"Ayşe was already checked in at \d\d:\d\d by Vera Volunteer\.", flashes(desk)[0]
    )


def test_person_page_check_in_and_undo(desk, event):
    person = make_registration(
        event, name="Bruno Costa", badge_name="Bru", pronouns="he/him", waived=True
    )
    page = desk.get(f"/door-test/check-in/{person.public_id}").text
    assert '<h1 class="check-in-name">Bru</h1>' in page
    assert "he/him" in page and "waived" in page and "Bruno Costa" in page
    assert ">Checked in</button>" in page and "Undo" not in page
    desk.post(f"/door-test/check-in/{person.public_id}/in", data={"q": "bru"})
    page = desk.get(f"/door-test/check-in/{person.public_id}").text
    assert "Checked in at" in page and "by Vera Volunteer" in page and "Undo check-in" in page
    undone = desk.post(f"/door-test/check-in/{person.public_id}/undo", data={"q": "bru"})
    assert undone.status_code == 302 and parse_qs(urlsplit(undone.location).query) == {"q": ["bru"]}
    assert flashes(desk) == ["Check-in undone for Bru."]
    db.session.refresh(person)
    assert person.checked_in_at is None


def test_the_list_form_without_a_person_or_with_a_stranger(desk, event):
    assert desk.post("/door-test/check-in/", data={"q": "x"}).status_code == 302
    assert flashes(desk) == ["Choose the person to check in."]
    stranger = make_registration(make_event(), name="Far Away")
    response = desk.post("/door-test/check-in/", data={"registration": stranger.public_id})
    assert response.status_code == 404
    db.session.refresh(stranger)
    assert stranger.checked_in_at is None


def test_a_registration_that_cannot_come_has_no_button(desk, event):
    person = make_registration(event, name="Cleo Gone", state=RegistrationState.CANCELLED)
    page = desk.get(f"/door-test/check-in/{person.public_id}").text
    assert "not confirmed (cancelled)" in page and "<button" not in page.split("<main")[1]
    refused = desk.post(f"/door-test/check-in/{person.public_id}/in")
    assert refused.status_code == 302
    assert "cannot be checked in" in flashes(desk)[0]
    db.session.refresh(person)
    assert person.checked_in_at is None


def test_the_count_endpoint(desk, event, volunteer):
    person = make_registration(event, name="Ana Silva")
    make_registration(event, name="Bea Silva")
    assert desk.get("/door-test/check-in/count").json == {
        "checked_in": 0,
        "expected": 2,
        "text": "0 of 2 checked in",
    }
    check_in.check_in(
        registration=person, actor=volunteer, now=check_in.dt.datetime.now(check_in.dt.UTC)
    )
    response = desk.get("/door-test/check-in/count")
    assert response.json["text"] == "1 of 2 checked in"
    assert "no-store" in response.headers["Cache-Control"]


def test_another_events_registration_is_not_found(desk, event):
    elsewhere = make_registration(make_event(), name="Far Away")
    assert desk.get(f"/door-test/check-in/{elsewhere.public_id}").status_code == 404
    assert desk.post(f"/door-test/check-in/{elsewhere.public_id}/in").status_code == 404
    assert desk.get("/door-test/check-in/no-such-person").status_code == 404


@pytest.mark.parametrize("role", [EventRoleName.REVIEWER, EventRoleName.GRANT_REVIEWER, None])
def test_reviewers_and_plain_users_get_403(client, event, role):
    person = make_registration(event, name="Ana Silva")
    outsider = make_user()
    if role is not None:
        grant_role(outsider, event, role)
    login_as(client, outsider)
    for url in (
        "/door-test/check-in/",
        "/door-test/check-in/count",
        f"/door-test/check-in/{person.public_id}",
    ):
        assert client.get(url).status_code == 403, url
    for action in ("in", "undo"):
        assert client.post(f"/door-test/check-in/{person.public_id}/{action}").status_code == 403
    db.session.refresh(person)
    assert person.checked_in_at is None


def test_the_qr_code_address_sends_a_stranger_to_sign_in_and_back(client, event, volunteer):
    person = make_registration(event, name="Ana Silva")
    address = f"/door-test/check-in/{person.public_id}"
    response = client.get(address)
    assert response.status_code == 302
    login = urlsplit(response.location)
    assert login.path == "/login" and parse_qs(login.query)["next"] == [address]
    signed_in = client.post(
        f"{login.path}?{login.query}", data={"email": "vera@example.org", "password": PASSWORD}
    )
    assert signed_in.status_code == 302 and signed_in.location == address
    assert "Ana Silva" in client.get(address).text


def test_csrf_is_required(app, desk, event):
    person = make_registration(event, name="Ana Silva")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert desk.post(f"/door-test/check-in/{person.public_id}/in").status_code == 400
        page = desk.get(f"/door-test/check-in/{person.public_id}").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        done = desk.post(f"/door-test/check-in/{person.public_id}/in", data={"csrf_token": token})
        assert done.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    db.session.refresh(person)
    assert person.checked_in_at is not None


def test_the_search_runs_the_same_queries_for_10_and_50_people(desk, event, queries):
    def count(url: str) -> int:
        db.session.commit()
        queries.clear()
        assert desk.get(url).status_code == 200
        return len(queries)

    for n in range(10):
        make_registration(event, name=f"Person {n:02d}", badge_name=f"P{n}" if n % 2 else "")
    urls = ["/door-test/check-in/", "/door-test/check-in/?q=person"]
    before = {url: count(url) for url in urls}
    for n in range(10, 50):
        make_registration(event, name=f"Person {n:02d}", badge_name=f"P{n}" if n % 2 else "")
    after = {url: count(url) for url in urls}
    assert before == after
    assert desk.get("/door-test/check-in/?q=person").text.count("Person ") >= 50


def test_the_search_page_stays_small(desk, event):
    for n in range(50):
        make_registration(
            event,
            name=f"Maria-Fernanda de los Santos Rodríguez {n:02d}",
            badge_name=f"Mafe {n:02d}",
            pronouns="she/her",
        )
    page = desk.get("/door-test/check-in/")
    assert page.text.count("Mafe ") >= 50
    assert len(page.data) < 30_000, len(page.data)
    assert "<img" not in page.text
    scripts = re.findall(r'<script src="([^"]+)"', page.text)
    assert all(s.startswith("/static/js/") for s in scripts)


def test_the_flash_is_read_once(desk, event):
    person = make_registration(event, name="Ana Silva")
    desk.post(f"/door-test/check-in/{person.public_id}/in")
    desk.get("/door-test/check-in/")
    assert "is checked in" not in desk.get("/door-test/check-in/").text


def test_a_volunteers_events_lead_to_the_door(desk, event):
    page = desk.get("/manage/").text
    assert 'href="/door-test/check-in/"' in page and "Check-in volunteer" in page


def test_control_characters_in_the_search_are_refused_not_a_crash(desk, event):
    make_registration(event, name="Ana Silva")
    assert desk.get("/door-test/check-in/?q=ana%00silva").status_code == 400
    page = desk.get("/door-test/check-in/?q=%20%20ANA%20%20silva%20")
    assert page.status_code == 200 and "Ana Silva" in page.text
    assert 'value="ANA silva"' in page.text
