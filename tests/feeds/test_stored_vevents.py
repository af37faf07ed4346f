"""A release writes its VEVENTs (with icalendar) and its frab XML and JSON once and keeps
them: the first request for a feed in any process only reads them, and gets the very bytes a
fresh rendering gives."""

from __future__ import annotations

from organizer.extensions import db
from organizer.models import ScheduleRelease
from organizer.services import feeds


def _ics(client, world):  # type: ignore[no-untyped-def]
    feeds.clear_cache()
    response = client.get(f"/{world['event'].slug}/schedule.ics")
    assert response.status_code == 200
    return response.data


def test_a_release_keeps_every_vevent_and_feeds_use_them(client, world):
    row = db.session.get(ScheduleRelease, world["release"].id)
    items = row.vevents["items"]
    assert set(items) == {e["uid"] for e in row.sessions}
    assert all(text.startswith("BEGIN:VEVENT\r\n") for text in items.values())
    stored = _ics(client, world)
    for text in items.values():
        assert text.encode() in stored

    # Written afresh (nothing kept), the feed is byte for byte the same.
    row.vevents = {}
    db.session.commit()
    assert _ics(client, world) == stored


def test_vevents_kept_for_another_host_or_event_name_are_not_used(client, world):
    row = db.session.get(ScheduleRelease, world["release"].id)
    uid = next(iter(row.vevents["items"]))
    row.vevents = {"key": "written for another host", "items": {uid: "BEGIN:VEVENT\r\nX:1\r\n"}}
    db.session.commit()
    assert b"X:1" not in _ics(client, world)


def test_the_frab_exports_come_from_the_release_and_match_a_fresh_rendering(client, world):
    slug = world["event"].slug
    feeds.clear_cache()
    stored = {name: client.get(f"/{slug}/schedule.{name}").data for name in ("xml", "json")}
    row = db.session.get(ScheduleRelease, world["release"].id)
    assert row.frab_xml.encode() == stored["xml"]
    assert row.frab_json.encode() == stored["json"]
    row.rendered_key = "written for another host"
    db.session.commit()
    feeds.clear_cache()
    for name in ("xml", "json"):
        assert client.get(f"/{slug}/schedule.{name}").data == stored[name]


def test_a_cold_whole_event_feed_reads_the_stored_vevents_and_nothing_else(client, world, queries):
    """The release keeps the whole event's feed order and its sessions' years, so the first
    request for it in a process parses no snapshot and reads no change log, room or speaker."""
    url = f"/{world['event'].slug}/schedule.ics"
    feeds.clear_cache()
    queries.clear()
    assert client.get(url).status_code == 200
    selected = [q.split("FROM")[0] for q in queries if "schedule_release" in q]
    assert len(selected) == 2, queries  # the stamp, then the stored VEVENTs
    assert not any("schedule_release.sessions" in q for q in selected), selected
    assert not any("schedule_release.changes" in q for q in selected), selected
    for table in ("room", "speaker_profile", "track", "session_type", "proposal"):
        assert not [q for q in queries if f"FROM {table}" in q], (table, queries)


def test_a_release_stored_without_the_feed_order_gives_the_same_feed(client, world):
    """Releases made before the order was kept: the feed is assembled from the public
    schedule and their stored VEVENTs, byte for byte the same."""
    stored = _ics(client, world)
    row = db.session.get(ScheduleRelease, world["release"].id)
    assert row.vevents["order"] == [e["uid"] for e in row.sessions]  # no cancelled ones here
    row.vevents = {k: v for k, v in row.vevents.items() if k not in ("order", "years")}
    db.session.commit()
    assert _ics(client, world) == stored
