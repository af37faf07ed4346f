"""Benchmarks of the Foundation's list pages (`make bench`). They print figures; they do not
assert times. Query counts are asserted in the feature tests, not here."""

import pytest

from organizer.enums import EventRoleName
from organizer.extensions import db
from organizer.services import audit
from tests.factories import NOW, grant_role, login_as, make_event, make_user


@pytest.fixture
def many_events():
    for _ in range(500):
        make_event()
    db.session.commit()


def test_home_page_with_500_public_events(benchmark, client, many_events):
    response = benchmark(client.get, "/")
    assert response.status_code == 200


def test_team_and_audit_pages_with_200_members(benchmark, client):
    organizer = make_user()
    event = make_event(organizer=organizer, slug="bench-team")
    for _ in range(200):
        person = make_user()
        grant_role(person, event, EventRoleName.REVIEWER)
        audit.record(
            action="role.grant",
            actor=organizer,
            now=NOW,
            object_type="user",
            object_id=person.id,
            event=event,
            details={"role": "reviewer"},
        )
    login_as(client, organizer)

    def both():
        return client.get("/manage/bench-team/team"), client.get("/manage/bench-team/audit")

    team_page, audit_page = benchmark(both)
    assert team_page.status_code == audit_page.status_code == 200
