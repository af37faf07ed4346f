"""A second, independent parser: ical.js (Thunderbird's) reads every feed and finds the same
events, UIDs and instants as we wrote."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from organizer.extensions import db
from organizer.services import agendas
from organizer.services.exports import ical
from tests.factories import NOW
from tests.feeds.test_ical import urls

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def icaljs():
    if not shutil.which("node") or not shutil.which("npm"):
        pytest.skip("node and npm are needed to run ical.js (Thunderbird's parser)")
    if not (HERE / "node_modules" / "ical.js").exists():
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund"], cwd=HERE, check=True, timeout=300
        )

    def parse(data: bytes, tmp_path: Path) -> list[dict]:
        path = tmp_path / "feed.ics"
        path.write_bytes(data)
        result = subprocess.run(
            ["node", str(HERE / "parse.mjs"), str(path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if result.returncode:
            raise AssertionError(result.stderr)
        return json.loads(result.stdout)

    return parse


def ours(data: bytes) -> list[tuple[str, str, str]]:
    calendar = Calendar.from_ical(data)
    return sorted(
        (
            str(v["UID"]),
            v.decoded("DTSTART").astimezone(dt.UTC).isoformat(),
            v.decoded("DTEND").astimezone(dt.UTC).isoformat(),
        )
        for v in calendar.walk("VEVENT")
    )


def theirs(events: list[dict]) -> list[tuple[str, str, str]]:
    def instant(text: str) -> str:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()

    return sorted((e["uid"], instant(e["start"]), instant(e["end"])) for e in events)


def test_icaljs_reads_every_feed_as_we_do(client, world, icaljs, tmp_path):
    event = world["event"]
    agenda = agendas.create(event=event, now=NOW)
    codes = {t.code for t in world["talks"]}
    agendas.replace_stars(event=event, agenda=agenda, codes=codes, released=codes, now=NOW)
    db.session.commit()
    addresses = [*urls(world).values(), f"/{event.slug}/agenda/{agenda.token}.ics"]
    for address in addresses:
        data = client.get(address).data
        parsed = icaljs(data, tmp_path)
        assert parsed, address
        assert theirs(parsed) == ours(data), address
        assert {e["tzid"] for e in parsed} == {"Europe/Lisbon"}


@pytest.mark.parametrize("zone", ["Europe/Lisbon", "America/New_York", "Asia/Kolkata"])
def test_icaljs_applies_our_vtimezone_rules(zone, icaljs, tmp_path):
    """Local times on both sides of each change of 2027 map to the instants zoneinfo gives."""
    real = ZoneInfo(zone)
    starts = [dt.datetime(2027, month, 15, 10, tzinfo=real) for month in range(1, 13)]
    for change in ical.transitions(real, 2027):
        starts += [change.at - dt.timedelta(hours=3), change.at + dt.timedelta(hours=3)]
    vevents = [
        ical.vevent(
            ical.Item(
                uid=f"{n}@example.org",
                starts_at=start,
                ends_at=start + dt.timedelta(minutes=30),
                summary="x",
            ),
            zone=real,
            stamp=NOW,
        )
        for n, start in enumerate(starts)
    ]
    data = ical.document(
        name="t", timezone=zone, vtimezones=[ical.vtimezone(zone, [2027])], vevents=vevents
    )
    assert theirs(icaljs(data, tmp_path)) == ours(data)
    expected = sorted(s.astimezone(dt.UTC).isoformat() for s in starts)
    assert sorted(start for _uid, start, _end in ours(data)) == expected


def test_icaljs_refuses_a_tzid_without_its_vtimezone(icaljs, tmp_path):
    zone = ZoneInfo("Europe/Lisbon")
    item = ical.Item(
        uid="x@example.org",
        starts_at=dt.datetime(2027, 3, 27, 10, tzinfo=dt.UTC),
        ends_at=dt.datetime(2027, 3, 27, 11, tzinfo=dt.UTC),
        summary="x",
    )
    data = ical.document(
        name="t",
        timezone="Europe/Lisbon",
        vtimezones=[],
        vevents=[ical.vevent(item, zone=zone, stamp=NOW)],
    )
    with pytest.raises(AssertionError, match="no VTIMEZONE"):
        icaljs(data, tmp_path)
