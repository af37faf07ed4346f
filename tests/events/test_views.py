import re

import pytest
from flask import Flask
from sqlalchemy import select

from organizer.enums import EventRoleName
from organizer.extensions import db
from organizer.models import Event, EventRole, TeamInvitation
from organizer.services import audit, team
from tests.factories import NOW, grant_role, login_as, make_event, make_user

VALID_FORM = {
    "name": "Edited Workshop",
    "slug": "edited-workshop",
    "timezone": "Europe/Lisbon",
    "starts_on": "2027-03-27",
    "ends_on": "2027-03-28",
    "venue": "Lisbon",
    "currency": "EUR",
    "contact_email": "team@example.org",
    "description": "Hello",
    "code_of_conduct": "Be kind",
    "is_public": "y",
}


@pytest.fixture
def organizer_client(client):
    organizer = make_user()
    event = make_event(organizer=organizer, slug="original-slug", name="Original Name")
    login_as(client, organizer)
    return client, event


def field_error(html: str, field: str) -> str:
    """The message shown next to a field, checking that the input points at it."""
    assert re.search(rf'<(input|textarea|select)[^>]*aria-describedby="[^"]*{field}-error', html), (
        field
    )
    match = re.search(rf'id="{field}-error">\s*<span[^>]*>[^<]*</span>\s*([^<]+)', html)
    assert match, f"no error shown for {field}"
    return match.group(1).strip()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "n" * 201}, "name", "at most 200"),
        ({"contact_email": "not an email"}, "contact_email", "Enter an email address"),
        ({"timezone": "Mars/Olympus"}, "timezone", "IANA time zone"),
        ({"ends_on": "2027-03-26"}, "ends_on", "cannot be before the first day"),
        ({"slug": "Bad Slug!"}, "slug", "lower-case"),
        ({"slug": "login"}, "slug", "used by the site"),
        ({"currency": "EU"}, "currency", "three-letter"),
        ({"starts_on": "27/03/2027"}, "starts_on", "YYYY-MM-DD"),
        ({"description": "d" * 20001}, "description", "20,000"),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_nothing_is_lost(
    organizer_client, changes, field, message
):
    client, event = organizer_client
    response = client.post("/manage/original-slug/settings", data={**VALID_FORM, **changes})
    assert response.status_code == 400
    assert message in field_error(response.text, field)
    assert "There is a problem" in response.text
    # what was typed is still in the form, and nothing was saved
    assert 'value="Edited Workshop"' in response.text or field == "name"
    db.session.refresh(event)
    assert (event.name, event.slug) == ("Original Name", "original-slug")


def test_an_address_typed_in_capitals_is_lowered(organizer_client):
    client, event = organizer_client
    response = client.post(
        "/manage/original-slug/settings", data={**VALID_FORM, "slug": " Spring-2027 "}
    )
    assert response.status_code == 302
    db.session.refresh(event)
    assert event.slug == "spring-2027"


def test_duplicate_slug_is_refused(organizer_client):
    client, event = organizer_client
    make_event(slug="someone-elses")
    response = client.post(
        "/manage/original-slug/settings", data={**VALID_FORM, "slug": "someone-elses"}
    )
    assert response.status_code == 400
    assert "Another event already uses this address" in field_error(response.text, "slug")
    db.session.refresh(event)
    assert event.slug == "original-slug"


def test_settings_save_and_show_on_the_public_page(organizer_client):
    client, _ = organizer_client
    response = client.post(
        "/manage/original-slug/settings",
        data={**VALID_FORM, "description": "## Welcome\n\n<script>x</script> **hi**"},
    )
    assert response.status_code == 302
    assert response.location == "/manage/edited-workshop/settings"
    page = client.get("/edited-workshop/")
    assert "Edited Workshop" in page.text
    assert "<strong>hi</strong>" in page.text
    assert "<script>x</script>" not in page.text and "&lt;script&gt;" in page.text
    assert client.get("/manage/edited-workshop/audit").text.count("event.update") == 1


def test_site_admin_creates_an_event(client):
    admin = make_user(site_admin=True)
    login_as(client, admin)
    response = client.post("/manage/events/new", data={**VALID_FORM, "slug": "brand-new"})
    assert response.status_code == 302
    event = db.session.scalar(select(Event).where(Event.slug == "brand-new"))
    assert event is not None and [r.user_id for r in event.roles] == [admin.id]


def test_a_new_events_address_is_made_from_its_name(client):
    """Issue 16, bug 5: "Coastal NLP 2027" offers coastal-nlp-2027 (the form's script while
    typing; the server when the address is left empty). A typed address is kept."""
    login_as(client, make_user(site_admin=True))
    form = client.get("/manage/events/new").text
    assert re.search(
        r'<input[^>]*data-slug-from="name"[^>]*id="slug"|id="slug"[^>]*data-slug-from="name"', form
    )
    assert "js/slug-suggestion.js" in form
    response = client.post(
        "/manage/events/new", data={**VALID_FORM, "name": "Coastal NLP 2027", "slug": ""}
    )
    assert response.status_code == 302, response.text
    assert db.session.scalar(select(Event).where(Event.slug == "coastal-nlp-2027")) is not None
    # A name with no Latin letters leaves the address to be chosen, with the usual message.
    refused = client.post("/manage/events/new", data={**VALID_FORM, "name": "Ωμέγα", "slug": ""})
    assert refused.status_code == 400 and "Choose a web address." in refused.text


def test_draft_events_are_hidden_from_the_public(client):
    make_event(slug="secret-draft", is_public=False, name="Secret")
    assert client.get("/secret-draft/").status_code == 404
    assert "Secret" not in client.get("/").text


def test_team_invite_over_http_and_accept(client, mailbox):
    organizer = make_user()
    make_event(organizer=organizer, slug="team-test")
    login_as(client, organizer)
    response = client.post(
        "/manage/team-test/team", data={"email": "new-rev@example.org", "role": "reviewer"}
    )
    assert response.status_code == 302
    assert "new-rev@example.org" in client.get("/manage/team-test/team").text
    link = mailbox.link(mailbox.last("new-rev@example.org"), "/invitations/")

    invitee = make_user(email="any-address@example.org")
    login_as(client, invitee)
    page = client.get(link)
    assert "invites you to help run" in page.text
    response = client.post(link)
    assert response.location == "/manage/"  # reviewers have no organizer dashboard
    assert "Reviewer" in client.get("/manage/").text
    again = client.post(link)
    assert again.status_code == 409 and "already been accepted" in again.text


def test_remove_role_asks_for_confirmation_first(client):
    organizer = make_user()
    event = make_event(organizer=organizer, slug="confirm-test")
    reviewer = make_user(name="Rita Reviewer")
    grant_role(reviewer, event, EventRoleName.REVIEWER)
    role_id = db.session.scalar(select(EventRole.id).where(EventRole.user_id == reviewer.id))
    login_as(client, organizer)
    url = f"/manage/confirm-test/team/roles/{role_id}/remove"
    confirm = client.get(url)
    assert confirm.status_code == 200 and "Rita Reviewer" in confirm.text
    assert db.session.get(EventRole, role_id) is not None  # GET changes nothing
    assert client.post(url).status_code == 302
    assert db.session.get(EventRole, role_id) is None


def test_removing_the_last_organizer_is_refused_with_a_message(client):
    organizer = make_user()
    event = make_event(organizer=organizer, slug="last-org")
    role_id = event.roles[0].id
    login_as(client, organizer)
    response = client.post(f"/manage/last-org/team/roles/{role_id}/remove", follow_redirects=True)
    assert "at least one organizer" in response.text
    assert db.session.get(EventRole, role_id) is not None


def test_ids_from_another_event_are_not_found(client):
    organizer = make_user()
    make_event(organizer=organizer, slug="mine")
    other = make_event(organizer=make_user(), slug="theirs")
    login_as(client, organizer)
    assert client.get(f"/manage/mine/team/roles/{other.roles[0].id}/remove").status_code == 404


def test_home_page_query_count_does_not_grow_with_events(assert_constant_queries):
    assert_constant_queries(["/", "/?page=2"], lambda: [make_event() for _ in range(30)])


def test_team_and_audit_pages_query_count_does_not_grow(client, assert_constant_queries):
    organizer = make_user()
    event = make_event(organizer=organizer, slug="counted")
    login_as(client, organizer)

    def grow() -> None:
        for n in range(10):
            person = make_user()
            grant_role(person, event, EventRoleName.REVIEWER)
            team.invite(
                actor=organizer,
                event=event,
                email=f"inv{n}-{person.id}@example.org",
                role=EventRoleName.GRANT_REVIEWER,
                now=NOW,
            )
            # entries by many different people, so a lazy load per row would show
            audit.record(
                action="role.grant",
                actor=person,
                now=NOW,
                object_type="user",
                object_id=person.id,
                event=event,
            )

    assert_constant_queries(["/manage/counted/team", "/manage/counted/audit", "/manage/"], grow)


# --- every organizer route refuses everyone who is not an organizer of that event ---------------


def organizer_routes(app: Flask) -> list[tuple[str, str]]:
    return sorted(
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("manage.") and "event_slug" in rule.arguments
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    )


def test_there_are_organizer_routes_to_check(app):
    assert len(organizer_routes(app)) >= 10


@pytest.mark.parametrize(
    "who", ["anonymous", "plain user", "reviewer", "grant reviewer", "organizer of another event"]
)
def test_every_organizer_route_refuses(app, client, who):
    organizer = make_user()
    event = make_event(organizer=organizer, slug="guarded", name="Guarded Event")
    invitation = team.invite(
        actor=organizer, event=event, email="x@example.org", role=EventRoleName.REVIEWER, now=NOW
    )
    values = {"event_slug": "guarded", "role_id": event.roles[0].id, "invitation_id": invitation.id}
    if who != "anonymous":
        user = make_user()
        if who == "reviewer":
            grant_role(user, event, EventRoleName.REVIEWER)
        elif who == "grant reviewer":
            grant_role(user, event, EventRoleName.GRANT_REVIEWER)
        elif who == "organizer of another event":
            make_event(organizer=user)
        login_as(client, user)
    checked = 0
    for rule, method in organizer_routes(app):
        url = rule
        for name, value in values.items():
            url = url.replace(f"<{name}>", str(value)).replace(f"<int:{name}>", str(value))
        response = client.open(
            url, method=method, data={"email": "y@example.org", "role": "organizer", **VALID_FORM}
        )
        if who == "anonymous":
            assert response.status_code == 302 and "/login" in response.location, (method, url)
        else:
            assert response.status_code == 403, (method, url, response.status_code)
        assert "Guarded Event" not in response.text
        checked += 1
    assert checked >= 10
    # nothing changed
    db.session.refresh(event)
    organizers = [r for r in event.roles if r.role == EventRoleName.ORGANIZER]
    assert (event.name, len(organizers)) == ("Guarded Event", 1)
    assert db.session.get(TeamInvitation, invitation.id).revoked_at is None


def test_create_event_is_for_site_admins_only(client):
    login_as(client, make_user())
    assert client.get("/manage/events/new").status_code == 403
    assert client.post("/manage/events/new", data=VALID_FORM).status_code == 403


def test_every_problem_is_reported_at_once(organizer_client):
    client, _ = organizer_client
    make_event(slug="taken-address")
    response = client.post(
        "/manage/original-slug/settings",
        data={
            **VALID_FORM,
            "slug": "taken-address",
            "timezone": "Mars/Olympus",
            "ends_on": "2027-03-01",
            "currency": "ZZZ",
            "contact_email": "nope",
        },
    )
    assert response.status_code == 400
    assert "Another event" in field_error(response.text, "slug")
    assert "IANA" in field_error(response.text, "timezone")
    assert "cannot be before" in field_error(response.text, "ends_on")
    assert "ISO 4217" in field_error(response.text, "currency")
    assert "Enter an email address" in field_error(response.text, "contact_email")


def test_site_audit_log_shows_sign_ins_to_site_admins_only(client):
    admin = make_user(site_admin=True, name="Ada Admin")
    make_user(email="target@example.org")
    client.post("/login", data={"email": "target@example.org", "password": "wrong password"})
    login_as(client, admin)
    page = client.get("/manage/audit")
    assert page.status_code == 200
    assert "login.failure" in page.text
    login_as(client, make_user())
    assert client.get("/manage/audit").status_code == 403


def test_site_audit_log_query_count_does_not_grow(client, assert_constant_queries):
    login_as(client, make_user(site_admin=True))

    def grow() -> None:
        for _ in range(5):
            organizer = make_user()
            event = make_event(organizer=organizer)
            audit.record(
                action="login.success",
                actor=organizer,
                now=NOW,
                object_type="user",
                object_id=organizer.id,
            )
            team.invite(
                actor=organizer,
                event=event,
                email=f"x{organizer.id}@example.org",
                role=EventRoleName.REVIEWER,
                now=NOW,
            )

    assert_constant_queries(["/manage/audit", "/manage/"], grow)


def test_the_dashboard_counts_the_team_in_people(organizer_client):
    """'Team: 1 roles' read wrongly (issue 16, bug 5): people, in the right plural."""
    client, event = organizer_client
    page = client.get(f"/manage/{event.slug}/").text
    assert "1 person" in page and "roles" not in page
    for index in range(2):
        grant_role(make_user(email=f"member{index}@example.org"), event, EventRoleName.REVIEWER)
    assert "3 people" in client.get(f"/manage/{event.slug}/").text
