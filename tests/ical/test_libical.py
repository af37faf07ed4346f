"""A third parser: libical (Evolution's and GNOME Calendar's), through its GObject bindings in
the system's Python (the project's virtualenv has no `gi`). It reads every feed kind, checks the
iTIP restrictions its METHOD implies (RFC 5546) and must find nothing to flag: Evolution shows
each X-LIC-ERROR it writes into a component as a warning on the event."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from organizer.enums import ProposalState
from organizer.extensions import db
from organizer.services import agendas
from tests.factories import NOW
from tests.feeds.conftest import release
from tests.feeds.test_ical import urls

SYSTEM_PYTHON = "/usr/bin/python3"

# Parses a calendar from stdin, runs libical's restriction check (which adds an X-LIC-ERROR
# to each component breaking one), then prints every X-LIC-ERROR found and the VEVENT count.
LIBICAL = """
import json, sys
import gi
gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib as I

root = I.Component.new_from_string(sys.stdin.read())
if root is None:
    print(json.dumps({"errors": ["unparsable"], "vevents": 0}))
    sys.exit(0)
I.Component.check_restrictions(root)
found = {"errors": [], "vevents": 0}

def walk(component):
    if component.isa() == I.ComponentKind.VEVENT_COMPONENT:
        found["vevents"] += 1
    prop = component.get_first_property(I.PropertyKind.XLICERROR_PROPERTY)
    while prop is not None:
        found["errors"].append(prop.get_xlicerror())
        prop = component.get_next_property(I.PropertyKind.XLICERROR_PROPERTY)
    child = component.get_first_component(I.ComponentKind.ANY_COMPONENT)
    while child is not None:
        walk(child)
        child = component.get_next_component(I.ComponentKind.ANY_COMPONENT)

walk(root)
print(json.dumps(found))
"""

PROBE = 'import gi; gi.require_version("ICalGLib", "3.0"); from gi.repository import ICalGLib'


def _libical_available() -> bool:
    if not Path(SYSTEM_PYTHON).exists():
        return False
    probe = subprocess.run([SYSTEM_PYTHON, "-c", PROBE], capture_output=True, timeout=60)
    return probe.returncode == 0


@pytest.fixture(scope="session")
def libical():
    if not _libical_available():
        pytest.skip(
            "libical's bindings are not importable by /usr/bin/python3: install the Debian "
            "packages gir1.2-ical-3.0 and python3-gi (.ci/run does)"
        )

    def check(data: bytes) -> dict:
        result = subprocess.run(
            [SYSTEM_PYTHON, "-c", LIBICAL], input=data, capture_output=True, timeout=60
        )
        if result.returncode:
            raise AssertionError(result.stderr.decode())
        return json.loads(result.stdout)

    return check


def test_libical_reads_every_feed_kind_without_an_error(client, world, libical):
    event = world["event"]
    agenda = agendas.create(event=event, now=NOW)
    codes = {t.code for t in world["talks"]}
    agendas.replace_stars(event=event, agenda=agenda, codes=codes, released=codes, now=NOW)
    db.session.commit()
    feeds = {**urls(world), "agenda": f"/{event.slug}/agenda/{agenda.token}.ics"}
    for kind, address in feeds.items():
        response = client.get(address)
        assert response.status_code == 200, kind
        found = libical(response.data)
        assert found["errors"] == [], kind
        assert found["vevents"] == response.data.count(b"BEGIN:VEVENT\r\n") > 0, kind


def test_libical_accepts_a_cancelled_session(client, world, libical):
    saturday = world["talks"][0]
    saturday.proposal.state = ProposalState.CANCELLED
    db.session.commit()
    release(world["event"], world["organizer"], now=world["later"])
    data = client.get(urls(world)["event"]).data
    assert b"STATUS:CANCELLED" in data
    assert libical(data)["errors"] == []
