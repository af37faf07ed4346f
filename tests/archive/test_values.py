"""The one set of rules by which cloning and the archive turn a column's value into JSON and
back (services/archive/values.py)."""

from __future__ import annotations

import datetime as dt
import decimal
import zoneinfo

import pytest

from organizer.enums import SlotKind
from organizer.models import ExchangeRate, ScheduleDay, Slot
from organizer.services.archive import values

LISBON = zoneinfo.ZoneInfo("Europe/Lisbon")
NINE = dt.datetime(2027, 3, 27, 9, 0, tzinfo=dt.UTC)


def test_an_instant_is_utc_in_either_spelling_and_reads_back_the_same():
    starts = Slot.__table__.c.starts_at
    assert values.to_json(NINE) == "2027-03-27T09:00:00Z"
    assert values.to_json(NINE, zulu=False) == "2027-03-27T09:00:00+00:00"
    for text in ("2027-03-27T09:00:00Z", "2027-03-27T09:00:00+00:00", "2027-03-27T10:00:00+01:00"):
        assert values.from_json(starts, text) == NINE


def test_an_instant_without_an_offset_is_refused():
    with pytest.raises(ValueError, match="no UTC offset"):
        values.from_json(Slot.__table__.c.starts_at, "2027-03-27T09:00:00")


def test_a_shift_keeps_the_wall_clock_across_summer_time():
    # 27 March 2027 is before Lisbon's change to summer time; 371 days later is after it.
    moved = values.from_json(
        Slot.__table__.c.starts_at,
        "2027-03-27T09:00:00Z",
        shift=dt.timedelta(days=371),
        zone=LISBON,
    )
    assert moved.astimezone(LISBON).time() == dt.time(9, 0)
    assert moved == dt.datetime(2028, 4, 1, 8, 0, tzinfo=dt.UTC)
    day = values.from_json(ScheduleDay.__table__.c.day, "2027-03-27", shift=dt.timedelta(days=371))
    assert day == dt.date(2028, 4, 1)


def test_enums_and_decimals_round_trip():
    kind, rate = Slot.__table__.c.kind, ExchangeRate.__table__.c.rate
    assert values.from_json(kind, values.to_json(SlotKind.TALK)) is SlotKind.TALK
    exact = decimal.Decimal("0.91234567")
    assert values.to_json(exact) == "0.91234567"
    assert values.from_json(rate, "0.91234567") == exact


def test_a_value_with_no_spelling_is_refused_where_it_is_written():
    with pytest.raises(TypeError, match="time"):
        values.to_json(dt.time(9, 0))
    with pytest.raises(TypeError, match="bytes"):
        values.to_json(b"\x00")


def test_keys_stand_for_ids_and_an_unknown_key_names_where_it_was_found():
    assert values.key_of(12) == "12" and values.key_of(None) is None
    assert values.resolve({"12": 99}, 12, table="room_window", column="room_id") == 99
    with pytest.raises(values.UnknownKey) as missing:
        values.resolve({}, "7", table="room_window", column="room_id")
    assert (missing.value.table, missing.value.column, missing.value.key) == (
        "room_window",
        "room_id",
        "7",
    )
