"""`flask import-schedule`: a dry run prints the preview and writes nothing; an import into an
existing event or a new one made from the file; refusals as clear errors."""

from __future__ import annotations

from sqlalchemy import func, select

from organizer.extensions import db
from organizer.models import Event, ScheduleRelease, Slot
from tests.factories import make_user
from tests.schedule_import.conftest import DATA


def run(app, *args):
    return app.test_cli_runner().invoke(args=["import-schedule", *args])


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_dry_run_prints_the_preview_and_writes_nothing(app, target, organizer):
    result = run(
        app,
        str(DATA / "pretalx.json"),
        "--event",
        target.slug,
        "--as",
        organizer.email,
        "--dry-run",
    )
    assert result.exit_code == 0, result.output
    assert "sessions       4 new" in result.output
    assert "skipped session: day 1, room Αίθουσα Γ: it has no title" in result.output
    assert "Dry run: nothing was written." in result.output
    assert count(Slot) == 0


def test_import_and_release_then_again(app, target, organizer):
    args = [str(DATA / "frab.xml"), "--event", target.slug, "--as", organizer.email]
    first = run(app, *args, "--release")
    assert first.exit_code == 0, first.output
    assert "Released as version 1." in first.output
    second = run(app, *args, "--draft")
    assert second.exit_code == 0 and "sessions       0 new     0 updated     4 unchanged" in (
        second.output
    )
    assert count(Slot) == 4 and count(ScheduleRelease) == 1


def test_a_new_event_from_the_file(app):
    admin = make_user(site_admin=True)
    db.session.commit()
    result = run(
        app, str(DATA / "frab.xml"), "--event", "hanoi-2026", "--as", admin.email, "--create"
    )
    assert result.exit_code == 0, result.output
    event = db.session.scalar(select(Event).filter_by(slug="hanoi-2026"))
    assert event.name == "東アジア Mapping Days" and event.timezone == "Asia/Tokyo"
    assert str(event.starts_on) == "2026-09-03" and not event.is_public
    assert count(Slot) == 4


def test_refusals(app, target, organizer):
    someone = make_user()
    db.session.commit()
    refused = run(app, str(DATA / "frab.xml"), "--event", target.slug, "--as", someone.email)
    assert refused.exit_code != 0 and "organizers" in refused.output
    missing = run(app, str(DATA / "frab.xml"), "--event", "nope", "--as", organizer.email)
    assert missing.exit_code != 0 and "No event 'nope'" in missing.output
    private = run(app, "http://127.0.0.1/s.json", "--event", target.slug, "--as", organizer.email)
    assert private.exit_code != 0 and "private network" in private.output
    not_a_file = run(
        app, str(DATA / "nothing.xml"), "--event", target.slug, "--as", organizer.email
    )
    assert not_a_file.exit_code != 0
    assert count(Slot) == 0
