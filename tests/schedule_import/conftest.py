"""Shared pieces of the schedule import tests: the corpus under data/ (files imitating what
pretalx and frab publish, with their quirks) and an event to import into."""

from __future__ import annotations

from pathlib import Path

import pytest

from organizer.services.imports.schedule_formats import read_schedule
from tests.factories import make_event, make_user

DATA = Path(__file__).parent / "data"


def corpus(name: str) -> bytes:
    return (DATA / name).read_bytes()


def parsed(name: str):
    return read_schedule(corpus(name))


@pytest.fixture
def organizer(app):
    return make_user(name="Olga Organizer")


@pytest.fixture
def target(organizer):
    """An empty event in Lisbon's zone, `organizer` its organizer."""
    return make_event(organizer=organizer, slug="athens-import", timezone="Europe/Lisbon")
