"""`flask clone-event`, and cloning the demo workshop."""

from __future__ import annotations

import sqlalchemy as sa

from organizer.extensions import db
from organizer.models import EventRole, User
from organizer.services.archive import cloning, config
from organizer.services.demo import load_demo, read_fixture
from organizer.services.events import event_by_slug
from tests.factories import NOW, login_as, make_user

SET_UP_PAGES = (
    "", "settings", "cfp", "cfp/types", "cfp/tracks", "cfp/phases", "cfp/mails", "cfp/questions",
    "cfp/criteria", "grants", "grants/letter", "registration/settings", "registration/places",
    "registration/questions", "representation/setup", "representation/questions",
    "representation/targets", "schedule/setup/rooms", "schedule/setup/days",
    "schedule/setup/items", "schedule/", "schedule/print",
)  # fmt: skip


def test_the_command_clones(app, source, organizer):
    db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["clone-event", source.slug, "mangrove-2030", "--name", "Mangrove 2030",
              "--start", "2030-03-23", "--as", organizer.email]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Created mangrove-2030 (2030-03-23 to 2030-03-24) from mangrove-2027" in result.output
    new = event_by_slug("mangrove-2030")
    assert new is not None and new.name == "Mangrove 2030"
    assert len(config.dump_config(new)["sections"]["tracks"]) == 2


def test_the_command_says_what_is_wrong(app, source, organizer):
    db.session.commit()
    runner = app.test_cli_runner()
    outsider = make_user()
    db.session.commit()
    cases = [
        (["nowhere", "x-2030", "--as", organizer.email], "No event 'nowhere'"),
        ([source.slug, "x-2030", "--as", "nobody@example.org"], "No account"),
        ([source.slug, source.slug, "--as", organizer.email], "already uses this address"),
        ([source.slug, "x-2030", "--as", outsider.email], "Only this event's organizers"),
    ]
    for arguments, message in cases:
        result = runner.invoke(
            args=["clone-event", *arguments, "--name", "X", "--start", "2030-03-23"]
        )
        assert result.exit_code != 0, arguments
        assert message in result.output, (arguments, result.output)
    assert event_by_slug("x-2030") is None


def test_the_demo_workshop_clones_completely(client):
    load_demo(data=read_fixture(), now=NOW)
    source = event_by_slug("mangrove-2027")
    organizer = db.session.scalars(
        sa.select(User)
        .join(EventRole)
        .where(EventRole.event_id == source.id, EventRole.role == "organizer")
    ).first()
    start = cloning.suggested_start(source)

    new = cloning.clone_event(
        source=source, slug="mangrove-2028", name="Mangrove 2028", start_date=start,
        actor=organizer, now=NOW,
    )  # fmt: skip

    before = config.dump_config(source)["sections"]
    after = config.dump_config(new)["sections"]
    assert {k: len(v) for k, v in after.items()} == {k: len(v) for k, v in before.items()}
    assert sum(len(v) for v in after.values()) > 50
    programmes = [
        (p["fields"]["budget"], p["fields"]["currency"]) for p in after["grant_programmes"]
    ]
    assert programmes == [
        (p["fields"]["budget"], p["fields"]["currency"]) for p in before["grant_programmes"]
    ]
    assert (new.ends_on - new.starts_on) == (source.ends_on - source.starts_on)
    assert new.starts_on.weekday() == source.starts_on.weekday()
    # The new edition's organizer pages work on the copy.
    login_as(client, organizer)
    for path in SET_UP_PAGES:
        url = f"/manage/{new.slug}/{path}"
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
