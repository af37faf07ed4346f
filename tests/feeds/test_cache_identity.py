"""The feeds' in-process caches and ETags name a release by its time and content, not only
by its id: ids repeat (a restored or recreated database, a rolled-back transaction), and a
cache keyed by id served the feed of a release that was no longer there."""

from __future__ import annotations

from sqlalchemy import update

from organizer.extensions import db
from organizer.models import ScheduleRelease
from organizer.services.scheduling import release_snapshot
from tests.feeds.conftest import release

FEEDS = ("schedule.ics", "schedule.xml", "schedule.json")


def _remake_with_the_same_id(world, title: str) -> ScheduleRelease:
    """The release deleted and made again, renamed talk and all, under the old id, number and
    time: what a process sees after its database was recreated or restored."""
    old = world["release"]
    old_id, event = old.id, world["event"]
    db.session.delete(old)
    world["talks"][0].proposal.title = title  # a talk shows its proposal's title
    db.session.commit()
    again = release(event, world["organizer"], now=old.released_at)
    db.session.execute(
        update(ScheduleRelease).where(ScheduleRelease.id == again.id).values(id=old_id)
    )
    db.session.commit()
    db.session.expire_all()
    return db.session.get(ScheduleRelease, old_id)


def test_a_release_remade_with_the_same_id_is_not_served_from_the_cache(client, world):
    slug = world["event"].slug
    before = {name: client.get(f"/{slug}/{name}") for name in FEEDS}
    for name, response in before.items():
        assert response.status_code == 200 and "Saturday talk" in response.text, name
    remade = _remake_with_the_same_id(world, "Replacement talk")
    assert remade.number == world["release"].number
    for name in FEEDS:
        response = client.get(f"/{slug}/{name}")
        assert "Replacement talk" in response.text, name
        assert "Saturday talk" not in response.text, name
        assert response.headers["ETag"] != before[name].headers["ETag"], name
        # A client holding the old entity tag gets the new feed, not a 304.
        stale = client.get(
            f"/{slug}/{name}", headers={"If-None-Match": before[name].headers["ETag"]}
        )
        assert stale.status_code == 200, name


def test_the_digest_is_the_releases_content(world):
    made = world["release"]
    assert made.digest == release_snapshot.digest(made.sessions, made.changes)
    assert len(made.digest) == 32
    changed = [{**made.sessions[0], "title": "Other"}, *made.sessions[1:]]
    assert release_snapshot.digest(changed, made.changes) != made.digest


def test_the_migration_gives_existing_releases_their_digest(request, tmp_path):
    import flask_migrate

    from organizer import create_app
    from organizer.services.scheduling import releases
    from tests.conftest import scratch_database
    from tests.factories import NOW, lisbon, make_room, make_schedule_event, make_talk, make_user

    option = request.config.getoption("--database-url")
    with scratch_database(option, tmp_path, "digest") as url:
        application = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "k" * 40})
        with application.app_context(), application.test_request_context():
            flask_migrate.upgrade()
            organizer = make_user(name="Olga Organizer")
            event = make_schedule_event(organizer, slug="migrated")
            make_talk(event, title="Kept", room=make_room(event, "Aula"), starts_at=lisbon(27, 10))
            made = releases.release(event=event, actor=organizer, now=NOW)
            db.session.commit()
            expected, release_id = made.digest, made.id
            db.session.remove()  # Alembic works on its own connection
            flask_migrate.downgrade(revision="0013_representation_privacy")
            flask_migrate.upgrade()
            assert db.session.get(ScheduleRelease, release_id).digest == expected
            db.session.remove()
            db.engine.dispose()
