"""The iCal feeds: wire format, every property, time zones, cancellation, SEQUENCE, UIDs."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from organizer.enums import ProposalState
from organizer.extensions import db
from organizer.services import mail
from organizer.services.exports import ical
from organizer.services.public_schedule import stamp_of
from organizer.services.scheduling import editor
from tests.factories import NOW, lisbon
from tests.feeds.conftest import TRICKY, release

LISBON = ZoneInfo("Europe/Lisbon")


def urls(world) -> dict[str, str]:
    event = world["event"]
    aula, _sala = world["rooms"]
    methods, _applications = world["tracks"]
    saturday, _sunday = world["talks"]
    profile_code = _speaker_code(world)
    return {
        "event": f"/{event.slug}/schedule.ics",
        "track": f"/{event.slug}/schedule/track/{methods.slug}.ics",
        "room": f"/{event.slug}/schedule/room/{aula.slug}.ics",
        "speaker": f"/{event.slug}/speaker/{profile_code}.ics",
        "session": f"/{event.slug}/talk/{saturday.code}.ics",
    }


def _speaker_code(world) -> str:
    from organizer.models import SpeakerProfile

    ana = world["speakers"][0]
    return db.session.query(SpeakerProfile).filter_by(user_id=ana.id).one().code


def parse(data: bytes) -> Calendar:
    calendar = Calendar.from_ical(data)
    assert all(not component.errors for component in calendar.walk()), [
        c.errors for c in calendar.walk()
    ]
    assert calendar.get_missing_tzids() == set()
    return calendar


def events_by_summary(calendar: Calendar) -> dict[str, object]:
    return {str(v["SUMMARY"]): v for v in calendar.walk("VEVENT")}


def check_wire(data: bytes) -> None:
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    data.decode("utf-8")
    for line in data.split(b"\r\n"):
        assert len(line) <= 75, line


@pytest.mark.parametrize("feed", ["event", "track", "room", "speaker", "session"])
def test_every_feed_is_a_valid_calendar_with_its_properties(client, world, feed):
    response = client.get(urls(world)[feed])
    assert response.status_code == 200
    assert response.content_type == "text/calendar; charset=utf-8"
    check_wire(response.data)
    calendar = parse(response.data)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == ical.PRODID
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert "METHOD" not in calendar  # not an iTIP message: PUBLISH would require ORGANIZERs
    assert str(calendar["X-WR-CALNAME"]).startswith("Lisbon Workshop")
    assert str(calendar["NAME"]) == str(calendar["X-WR-CALNAME"])
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Lisbon"
    assert calendar["REFRESH-INTERVAL"].dt == dt.timedelta(hours=1)
    assert str(calendar["X-PUBLISHED-TTL"]) == "PT1H"
    vevents = calendar.walk("VEVENT")
    assert vevents
    host = mail.calendar_host()
    stamp = world["release"].released_at
    for vevent in vevents:
        assert str(vevent["UID"]).endswith(f"@{host}")
        assert vevent.decoded("DTSTAMP") == stamp
        assert vevent.decoded("LAST-MODIFIED") == stamp
        assert vevent["DTSTART"].params["TZID"] == "Europe/Lisbon"
        assert vevent["DTEND"].params["TZID"] == "Europe/Lisbon"
        assert vevent.decoded("DTEND") > vevent.decoded("DTSTART")
        assert int(vevent["SEQUENCE"]) == 0
        assert str(vevent["STATUS"]) == "CONFIRMED"
        assert "Casa das Ideias" in str(vevent["LOCATION"])
    assert len({str(v["UID"]) for v in vevents}) == len(vevents)


def test_the_whole_event_feed_holds_breaks_and_the_others_do_not(client, world):
    feed = urls(world)
    everything = events_by_summary(parse(client.get(feed["event"]).data))
    assert set(everything) == {"Saturday talk", TRICKY, "Lunch"}
    assert str(everything["Lunch"]["LOCATION"]) == "Casa das Ideias, Lisbon"
    for name in ("track", "room", "speaker", "session"):
        assert set(events_by_summary(parse(client.get(feed[name]).data))) == {"Saturday talk"}


def test_a_session_says_what_where_and_who(client, world):
    saturday = events_by_summary(parse(client.get(urls(world)["event"]).data))["Saturday talk"]
    talk = world["talks"][0]
    assert str(saturday["UID"]) == f"{talk.public_id}@{mail.calendar_host()}"
    assert str(saturday["LOCATION"]) == "Aula Magna, Casa das Ideias, Lisbon"
    assert saturday["CATEGORIES"].cats == ["Methods", "Talk"]
    assert str(saturday["URL"]).endswith(talk.code + "/") or talk.code in str(saturday["URL"])
    description = str(saturday["DESCRIPTION"])
    assert "Ana Lima" in description and str(saturday["URL"]) in description
    assert saturday.decoded("DTSTART") == lisbon(27, 10)


def test_awkward_text_survives_a_round_trip(client, world):
    data = client.get(urls(world)["event"]).data
    sunday = events_by_summary(parse(data))[TRICKY]
    assert str(sunday["SUMMARY"]) == TRICKY
    assert b"redes\\; e" in data.replace(b"\r\n ", b"") and b"Mapas\\," in data
    assert b"\\nsegunda" in data.replace(b"\r\n ", b"")


def test_times_across_the_summer_time_change(client, world):
    calendar = parse(client.get(urls(world)["event"]).data)
    by = events_by_summary(calendar)
    assert by["Saturday talk"].decoded("DTSTART").astimezone(dt.UTC) == dt.datetime(
        2027, 3, 27, 10, tzinfo=dt.UTC
    )
    assert by[TRICKY].decoded("DTSTART").astimezone(dt.UTC) == dt.datetime(
        2027, 3, 28, 9, tzinfo=dt.UTC
    )
    (timezone,) = calendar.walk("VTIMEZONE")
    rules = [str(c["RRULE"].to_ical().decode()) for c in timezone.walk() if "RRULE" in c]
    assert sorted(rules) == [
        "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
        "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
    ]
    assert "RDATE" not in timezone.to_ical().decode()


@pytest.mark.parametrize(
    "zone", ["Europe/Lisbon", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"]
)
def test_the_vtimezone_rules_agree_with_zoneinfo(zone):
    """Every instant of 2026-2028 (hourly around each change) gets the offset zoneinfo gives."""
    text = ical.vtimezone(zone, [2027])
    document = ical.document(name="x", timezone=zone, vtimezones=[text], vevents=[])
    calendar = Calendar.from_ical(document)
    (timezone,) = calendar.walk("VTIMEZONE")
    tz = timezone.to_tz()
    real = ZoneInfo(zone)
    moment = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    while moment < dt.datetime(2029, 1, 1, tzinfo=dt.UTC):
        expected = moment.astimezone(real).utcoffset()
        assert moment.astimezone(tz).utcoffset() == expected, (zone, moment)
        moment += dt.timedelta(hours=7)
    for year in (2026, 2027, 2028):
        for change in ical.transitions(real, year):
            for delta in (-1, 0, 1):
                instant = change.at + dt.timedelta(minutes=delta * 30)
                assert instant.astimezone(tz).utcoffset() == instant.astimezone(real).utcoffset()
    if zone in ("Asia/Kolkata", "UTC"):
        assert [c.name for c in timezone.subcomponents] == ["STANDARD"]
    else:
        assert all("RRULE" in c for c in timezone.subcomponents)


def test_lisbon_changes_at_one_in_the_morning():
    text = ical.vtimezone("Europe/Lisbon", [2027]).to_ical().decode()
    assert "DTSTART:20260329T010000" in text  # 01:00 WET -> 02:00 WEST
    assert "DTSTART:20261025T020000" in text  # 02:00 WEST -> 01:00 WET


def test_an_event_in_a_zone_without_summer_time(client, world):
    event = world["event"]
    event.timezone = "Asia/Kolkata"
    db.session.commit()
    calendar = parse(client.get(urls(world)["event"]).data)
    (timezone,) = calendar.walk("VTIMEZONE")
    assert str(timezone["TZID"]) == "Asia/Kolkata"
    assert [c.name for c in timezone.subcomponents] == ["STANDARD"]
    saturday = events_by_summary(calendar)["Saturday talk"]
    assert saturday["DTSTART"].params["TZID"] == "Asia/Kolkata"
    assert saturday.decoded("DTSTART").astimezone(dt.UTC) == lisbon(27, 10)
    assert saturday.decoded("DTSTART").hour == 15  # 10:00 UTC is 15:30 in Kolkata


def test_sequence_grows_for_a_moved_session_and_uids_stay(client, world):
    before = {str(v["UID"]): v for v in parse(client.get(urls(world)["event"]).data).walk("VEVENT")}
    saturday, sunday = world["talks"]
    editor.move(
        event=world["event"],
        slot=saturday,
        room_id=saturday.room_id,
        starts_at=lisbon(27, 11),
        version=saturday.version,
        actor=world["organizer"],
        now=NOW,
    )
    db.session.commit()
    second = release(world["event"], world["organizer"], now=world["later"])
    after = {str(v["UID"]): v for v in parse(client.get(urls(world)["event"]).data).walk("VEVENT")}
    assert set(after) == set(before)
    moved = next(uid for uid in after if uid.startswith(saturday.public_id))
    kept = next(uid for uid in after if uid.startswith(sunday.public_id))
    assert int(after[moved]["SEQUENCE"]) > int(before[moved]["SEQUENCE"])
    assert int(after[kept]["SEQUENCE"]) == int(before[kept]["SEQUENCE"])
    assert after[moved].decoded("LAST-MODIFIED") == second.released_at
    assert after[kept].decoded("LAST-MODIFIED") == world["release"].released_at
    assert after[kept].decoded("DTSTAMP") == second.released_at


def test_a_cancelled_session_stays_in_the_feed_marked_cancelled(client, world):
    saturday = world["talks"][0]
    saturday.proposal.state = ProposalState.CANCELLED
    db.session.commit()
    release(world["event"], world["organizer"], now=world["later"])
    calendar = parse(client.get(urls(world)["event"]).data)
    cancelled = [v for v in calendar.walk("VEVENT") if str(v["STATUS"]) == "CANCELLED"]
    assert len(cancelled) == 1
    assert str(cancelled[0]["UID"]).startswith(saturday.public_id)
    assert str(cancelled[0]["SUMMARY"]) == "CANCELLED: Saturday talk"
    assert int(cancelled[0]["SEQUENCE"]) >= 1
    assert cancelled[0].decoded("DTSTART") == lisbon(27, 10)
    # the room's feed keeps it too; the session's own page and feed are gone
    room = parse(client.get(urls(world)["room"]).data)
    assert [str(v["STATUS"]) for v in room.walk("VEVENT")] == ["CANCELLED"]
    assert client.get(urls(world)["session"]).status_code == 404


def test_identical_data_gives_identical_bytes(client, world):
    from organizer.services import feeds

    first = client.get(urls(world)["event"]).data
    feeds.clear_cache()
    assert client.get(urls(world)["event"]).data == first


def test_a_small_feed_writes_only_its_vevents_and_the_others_reuse_them(client, world):
    from organizer.services import feeds

    saturday = world["talks"][0]
    one = client.get(urls(world)["session"]).data
    prepared = feeds.prepare(world["event"], stamp_of(world["event"]))
    assert list(prepared._vevents) == [saturday.public_id]
    written = prepared._vevents[saturday.public_id]
    assert written.startswith(b"BEGIN:VEVENT\r\n") and written.endswith(b"END:VEVENT\r\n")
    everything = client.get(urls(world)["event"]).data
    assert len(prepared._vevents) == 3
    assert prepared._vevents[saturday.public_id] is written
    for data in (one, everything):
        assert written in data
        assert data.endswith(written[-len(b"END:VEVENT\r\n") :] + b"END:VCALENDAR\r\n")


def test_last_modified_moves_whenever_sequence_does(client, world):
    """A change of details only (a new title) is in no change log, but grows the SEQUENCE:
    LAST-MODIFIED must move with it, or clients that compare it keep the old title."""
    saturday, sunday = world["talks"]
    saturday.proposal.title = "Saturday talk, revised"
    db.session.commit()
    second = release(world["event"], world["organizer"], now=world["later"])
    assert not [c for c in second.changes or [] if c["uid"] == saturday.public_id]
    for feed in ("session", "event"):  # the whole event's feed last: `kept` is read from it
        after = {str(v["UID"]): v for v in parse(client.get(urls(world)[feed]).data).walk("VEVENT")}
        changed = next(v for uid, v in after.items() if uid.startswith(saturday.public_id))
        assert str(changed["SUMMARY"]) == "Saturday talk, revised"
        assert int(changed["SEQUENCE"]) == 1
        assert changed.decoded("LAST-MODIFIED") == second.released_at
    kept = next(v for uid, v in after.items() if uid.startswith(sunday.public_id))
    assert int(kept["SEQUENCE"]) == 0
    assert kept.decoded("LAST-MODIFIED") == world["release"].released_at


def test_track_and_speaker_feeds_keep_a_cancelled_session_marked_cancelled(client, world):
    """Calendars subscribed to a track or a speaker must hear of the cancellation, or they
    keep the session for ever: the feeds that held it keep it with STATUS:CANCELLED."""
    saturday = world["talks"][0]
    saturday.proposal.state = ProposalState.CANCELLED
    db.session.commit()
    release(world["event"], world["organizer"], now=world["later"])
    for feed in ("track", "speaker"):  # Ana's only session, in the Methods track
        response = client.get(urls(world)[feed])
        assert response.status_code == 200, feed
        vevents = parse(response.data).walk("VEVENT")
        assert [str(v["STATUS"]) for v in vevents] == ["CANCELLED"], feed
        assert str(vevents[0]["UID"]).startswith(saturday.public_id)
        assert int(vevents[0]["SEQUENCE"]) >= 1
        assert str(vevents[0]["SUMMARY"]) == "CANCELLED: Saturday talk"
        assert "Ana Lima" not in str(vevents[0].get("DESCRIPTION", ""))
    speaker = parse(client.get(urls(world)["speaker"]).data)
    assert str(speaker["X-WR-CALNAME"]) == "Lisbon Workshop: Ana Lima"
    # the other track's feed does not gain it
    other = world["tracks"][1]
    data = client.get(f"/{world['event'].slug}/schedule/track/{other.slug}.ics").data
    assert saturday.public_id.encode() not in data
