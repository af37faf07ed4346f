"""The configuration crosses instances: dumped from one database as JSON and loaded into
another (a second application on its own scratch database), it comes back identical, with the
same counts and amounts. The whole-event archive (tests/archive) builds on this seam."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from organizer.extensions import db
from organizer.models import Event
from organizer.services.archive import config
from tests.cloning.test_service import comparable
from tests.conftest import migrated_app
from tests.factories import NOW


@pytest.fixture(scope="module")
def other_instance(request, tmp_path_factory, smtp_server) -> Iterator[Flask]:
    with migrated_app(request, tmp_path_factory, smtp_server[1], "clone_other") as app:
        yield app


@pytest.fixture
def other(other_instance: Flask) -> Iterator[Flask]:
    """The other instance, emptied after the test."""
    yield other_instance
    with other_instance.app_context():
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()


def test_the_configuration_round_trips_between_two_databases(source, other):
    text = json.dumps(config.dump_config(source))
    expected = comparable(source)
    timezone, starts_on = source.timezone, source.starts_on

    with other.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0
        event = Event(
            slug="mangrove-2027",
            name="Mangrove 2027",
            timezone=timezone,
            starts_on=starts_on,
            ends_on=starts_on + dt.timedelta(days=1),
            created_at=NOW,
            updated_at=NOW,
        )
        db.session.add(event)
        db.session.flush()
        made = config.load_config(event, json.loads(text), now=NOW)
        db.session.commit()
        arrived = comparable(event)
        settings = {name: getattr(event, name) for name in config.EVENT_SETTINGS}

    assert {k: len(v) for k, v in made.items()} == {k: len(v) for k, v in expected.items()}
    assert arrived == expected
    assert [row["fields"]["budget"] for row in arrived["grant_programmes"]] == [1_234_567]
    assert settings == {name: getattr(source, name) for name in config.EVENT_SETTINGS}
