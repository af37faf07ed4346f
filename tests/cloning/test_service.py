"""Cloning an edition: every configuration section copied with the same values (dates moved,
money equal), nothing of people's data, an independent copy."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import zoneinfo

import pytest
import sqlalchemy as sa

from organizer.enums import EventRoleName
from organizer.errors import PermissionDenied, ValidationFailed
from organizer.extensions import db
from organizer.models import AuditEntry, EventRole, Room, Track
from organizer.services import events as event_service
from organizer.services.archive import cloning, config
from organizer.services.representation import survey, survey_setup
from tests.factories import NOW, grant_role, make_user

NEW_START = dt.date(2028, 3, 25)  # 52 weeks on: a Saturday again
SHIFT = NEW_START - dt.date(2027, 3, 27)
LISBON = zoneinfo.ZoneInfo("Europe/Lisbon")

# Tables of the configuration, and those that may hold rows of the new event for other
# reasons: its own organizer role, its audit entries.
CONFIG_TABLES = {section.model.__tablename__ for section in config.SECTIONS} | {
    "code_of_conduct_version",
    "survey_consent_version",
}
NOT_PEOPLES = CONFIG_TABLES | {"event", "event_role", "audit_entry"}


def clone(source, actor, **fields):
    values = {"slug": "mangrove-2028", "name": "Mangrove 2028", "start_date": NEW_START}
    return cloning.clone_event(source=source, actor=actor, now=NOW, **{**values, **fields})


def comparable(event):
    """The event's configuration without its keys: equal for two events with the same set-up."""
    data = config.dump_config(event)
    for rows in data["sections"].values():
        for row in rows:
            for name in list(row):
                if name != "fields":
                    row[name] = "<ref>"
    return data["sections"]


def test_every_section_of_the_source_has_rows(source):
    """The fixture is complete, so that the tests below check every section."""
    data = config.dump_config(source)
    assert [name for name, rows in data["sections"].items() if not rows] == []


def test_every_section_is_copied_with_the_same_values_and_dates_moved(source, organizer):
    new = clone(source, organizer)

    before, after = config.dump_config(source), config.dump_config(new)
    assert {k: len(v) for k, v in before["sections"].items()} == {
        k: len(v) for k, v in after["sections"].items()
    }
    # Shift the source's dump by hand, the simple way: same wall-clock time 364 days later.
    shifted = comparable(source)
    for rows in shifted.values():
        for row in rows:
            for name, value in row["fields"].items():
                if isinstance(value, str) and len(value) == 10 and value[4] == "-":
                    row["fields"][name] = (dt.date.fromisoformat(value) + SHIFT).isoformat()
                elif isinstance(value, str) and value.endswith("+00:00"):
                    local = dt.datetime.fromisoformat(value).astimezone(LISBON)
                    moved = (local.replace(tzinfo=None) + SHIFT).replace(tzinfo=LISBON)
                    row["fields"][name] = moved.astimezone(dt.UTC).isoformat()
    assert comparable(new) == shifted


def test_the_event_settings_are_copied_and_the_copy_is_private(source, organizer):
    new = clone(source, organizer)
    for name in config.EVENT_SETTINGS:
        assert getattr(new, name) == getattr(source, name), name
    assert (new.slug, new.name) == ("mangrove-2028", "Mangrove 2028")
    assert (new.starts_on, new.ends_on) == (dt.date(2028, 3, 25), dt.date(2028, 3, 26))
    assert source.is_public and not new.is_public


def test_money_and_colours_are_equal(source, organizer):
    new = clone(source, organizer)
    made = config.dump_config(new)["sections"]
    programme = made["grant_programmes"][0]["fields"]
    assert (programme["budget"], programme["currency"]) == (1_234_567, "EUR")
    assert programme["request_cap"] == 90_000
    assert programme["category_caps"] == {"travel": 800_000}
    assert programme["registration_fee"] == 15_000
    colours = {
        t.name: t.colour
        for t in db.session.scalars(sa.select(Track).where(Track.event_id == new.id))
    }
    assert colours["Methods"] == "#dff0d8"


def test_references_point_at_the_copies(source, organizer):
    new = clone(source, organizer)
    sections = config.dump_config(new)["sections"]
    new_tracks = {row["key"] for row in sections["tracks"]}
    assert set(sections["review_criteria"][0]["tracks"]) <= new_tracks
    assert sections["review_criteria"][0]["tracks"]
    new_rooms = {row["key"] for row in sections["rooms"]}
    assert {row["rooms"] for row in sections["room_windows"]} <= new_rooms
    lunch = next(row for row in sections["schedule_items"] if row["fields"]["title"] == "Lunch")
    assert lunch["room"] in new_rooms
    assert lunch["fields"]["pinned"] and lunch["fields"]["all_rooms"]


def test_times_of_day_stay_across_a_change_of_summer_time(source, organizer):
    """The source's first day, 27 March 2027, is in winter time (UTC+0 in Lisbon); the new
    first day, 1 April 2028, is in summer time (UTC+1): 09:00 stays 09:00 on the wall clock,
    so its UTC hour changes. The source's second day is already in summer time."""
    new = clone(source, organizer, start_date=dt.date(2028, 4, 1))
    window = (
        db.session.scalars(sa.select(Room).where(Room.event_id == new.id, Room.name == "Main hall"))
        .one()
        .windows[0]
    )
    local = window.starts_at.astimezone(LISBON)
    assert (local.date(), local.time()) == (dt.date(2028, 4, 1), dt.time(9, 0))
    source_window = (
        db.session.scalars(
            sa.select(Room).where(Room.event_id == source.id, Room.name == "Main hall")
        )
        .one()
        .windows[0]
    )
    assert source_window.starts_at.hour == 9 and window.starts_at.hour == 8  # UTC
    days = config.dump_config(new)["sections"]["schedule_days"]
    for row in days:
        start = dt.datetime.fromisoformat(row["fields"]["starts_at"]).astimezone(LISBON)
        assert start.time() == dt.time(9, 0)
        assert start.date().isoformat() == row["fields"]["day"]


def test_the_survey_set_up_is_copied_and_starts_afresh(source, organizer):
    new = clone(source, organizer)
    assert [(q.key, q.text, [o.key for o in q.options]) for q in survey.questions_of(new)] == [
        (q.key, q.text, [o.key for o in q.options]) for q in survey.questions_of(source)
    ]
    assert survey_setup.targets(new) == survey_setup.targets(source) != {}
    info = survey.settings_of(new)
    assert info is not None and info.is_open


def test_no_peoples_data_is_copied(source, organizer, peoples_data):
    new = clone(source, organizer)
    tables = db.metadata.tables
    with_event = [t for name, t in tables.items() if "event_id" in t.c and name not in NOT_PEOPLES]
    counts = {
        t.name: db.session.scalar(
            sa.select(sa.func.count()).select_from(t).where(t.c.event_id == new.id)
        )
        for t in with_event
    }
    assert {name: n for name, n in counts.items() if n} == {}
    # Those of the source are there, so the check above could fail.
    for name in ("proposal", "registration", "survey_response"):
        table = tables[name]
        assert db.session.scalar(
            sa.select(sa.func.count()).select_from(table).where(table.c.event_id == source.id)
        )
    applications = db.session.scalar(
        sa.text(
            "select count(*) from grant_application a join grant_programme p "
            "on p.id = a.programme_id where p.event_id = :event"
        ),
        {"event": new.id},
    )
    assert applications == 0
    reviews = db.session.scalar(
        sa.text(
            "select count(*) from review r join proposal p on p.id = r.proposal_id "
            "where p.event_id = :event"
        ),
        {"event": new.id},
    )
    assert reviews == 0


def test_only_the_cloner_is_on_the_new_team(source, organizer, peoples_data):
    new = clone(source, organizer)
    roles = db.session.scalars(sa.select(EventRole).where(EventRole.event_id == new.id)).all()
    assert [(r.user_id, r.role) for r in roles] == [(organizer.id, EventRoleName.ORGANIZER)]


def test_the_clone_is_independent_of_the_source(source, organizer):
    new = clone(source, organizer)
    before = json.dumps(comparable(source), sort_keys=True)
    for row in db.session.scalars(sa.select(Track).where(Track.event_id == new.id)):
        row.name += " (new)"
        row.colour = "#ffffff"
    for room in db.session.scalars(sa.select(Room).where(Room.event_id == new.id)):
        room.windows.clear()
    new.description = "Changed."
    db.session.flush()
    db.session.expire_all()
    assert json.dumps(comparable(source), sort_keys=True) == before
    assert source.description == "Low-resource speech."


def test_the_clone_is_audited(source, organizer):
    new = clone(source, organizer)
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "event.clone")
    ).one()
    assert (entry.event_id, entry.actor_id) == (new.id, organizer.id)
    assert entry.details["source"] == "mangrove-2027"
    assert entry.details["copied"]["tracks"] == 2


def test_a_site_admin_may_clone_and_becomes_organizer(source):
    admin = make_user(site_admin=True)
    new = clone(source, admin)
    assert event_service.event_by_slug("mangrove-2028") is new


@pytest.mark.parametrize("role", [None, EventRoleName.REVIEWER, EventRoleName.GRANT_REVIEWER])
def test_others_may_not_clone(source, role):
    person = make_user()
    if role is not None:
        grant_role(person, source, role)
    with pytest.raises(PermissionDenied):
        clone(source, person)
    assert event_service.event_by_slug("mangrove-2028") is None


@pytest.mark.parametrize(
    ("slug", "field"),
    [("mangrove-2027", "slug"), ("manage", "slug"), ("No Spaces", "slug"), ("ab", "slug")],
)
def test_the_address_follows_the_rules_of_a_new_event(source, organizer, slug, field):
    with pytest.raises(ValidationFailed) as raised:
        clone(source, organizer, slug=slug)
    assert field in raised.value.errors


def test_a_name_is_required(source, organizer):
    with pytest.raises(ValidationFailed) as raised:
        clone(source, organizer, name="  ")
    assert "name" in raised.value.errors


def test_a_source_requiring_two_factor_needs_it_of_the_cloner(source, organizer):
    source.require_two_factor = True
    with pytest.raises(ValidationFailed) as raised:
        clone(source, organizer)
    assert "require_two_factor" in raised.value.errors


def test_registration_starts_at_the_first_code_of_conduct_version(source, organizer):
    new = clone(source, organizer)
    versions = db.session.execute(
        sa.text("select version, text from code_of_conduct_version where event_id = :e"),
        {"e": new.id},
    ).all()
    assert [tuple(v) for v in versions] == [(1, "Be kind; ask first.")]


def test_the_configuration_survives_json(source):
    data = config.dump_config(source)
    assert json.loads(json.dumps(data)) == data
    assert data["version"] == config.CONFIG_VERSION


def test_a_reference_the_section_does_not_declare_is_never_copied_as_an_id():
    """A new column pointing at another row must be declared (owner, ref or reset): copying
    the source's id as it is would tie the copy to the old edition's rows."""
    fixed = next(s for s in config.SECTIONS if s.name == "schedule_items")
    careless = dataclasses.replace(fixed, refs={}, reset={"version": 1})
    with pytest.raises(TypeError, match="room_id"):
        careless.copied_columns()
    assert "room_id" not in {c.key for c in fixed.copied_columns()}


def test_an_unknown_version_is_refused(source, organizer):
    with pytest.raises(ValueError, match="version"):
        config.load_config(source, {"version": 99}, now=NOW)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (dt.date(2027, 3, 27), dt.date(2028, 3, 25)),  # Saturday -> Saturday
        (dt.date(2027, 1, 2), dt.date(2028, 1, 1)),  # 52 weeks on
        (dt.date(2024, 2, 29), dt.date(2025, 2, 27)),
    ],
)
def test_the_suggested_start_is_a_year_on_the_same_weekday(source, start, expected):
    source.starts_on = source.ends_on = start
    suggested = cloning.suggested_start(source)
    assert suggested == expected
    assert suggested.weekday() == start.weekday()
    assert abs((suggested - start).days - 365) <= 3


def test_suggested_names_and_addresses_carry_the_new_year(source):
    assert cloning.suggested_slug(source, NEW_START) == "mangrove-2028"
    assert cloning.suggested_name(source, NEW_START) == "Mangrove 2028"
    source.slug, source.name = "mangrove", "Mangrove"
    assert cloning.suggested_slug(source, NEW_START) == "mangrove-2028"
    assert cloning.suggested_name(source, NEW_START) == "Mangrove 2028"
