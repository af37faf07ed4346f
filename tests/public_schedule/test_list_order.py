"""The list of a day (and the phone's): a block's talks right after their block, even when a
talk in another room starts between them (issue 16, bug 2)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from organizer.services import public_schedule_pages as pages
from organizer.services.public_schedule import PublicSession

UTC = dt.UTC


def session(uid: str, room: str, start: int, length: int, **fields) -> PublicSession:
    starts = dt.datetime(2027, 3, 27, 9, tzinfo=UTC) + dt.timedelta(minutes=start)
    return PublicSession(
        uid=uid,
        code=uid.upper(),
        kind=fields.pop("kind", "talk"),
        title=uid,
        starts_at=starts,
        ends_at=starts + dt.timedelta(minutes=length),
        room_id=1 if room == "A" else 2,
        room=room,
        all_rooms=False,
        **fields,
    )


def test_a_blocks_talks_follow_their_block():
    # Release order (time, room, title): the block in room A at 9:00 with talks at 9:00, 9:10
    # and 9:20; in room B a talk at 9:00 and another at 9:15.
    block = session("block", "A", 0, 30, kind="container", children=("l1", "l2", "l3"))
    sessions = [
        block,
        session("b1", "B", 0, 15),
        session("l1", "A", 0, 10, parent="block"),
        session("l2", "A", 10, 10, parent="block"),
        session("b2", "B", 15, 15),
        session("l3", "A", 20, 10, parent="block"),
    ]
    [(_day, listed)] = pages.by_day(sessions, ZoneInfo("Europe/Lisbon"))
    assert [s.uid for s in listed] == ["block", "l1", "l2", "l3", "b1", "b2"]


def test_a_talk_whose_block_is_filtered_out_keeps_its_own_time():
    sessions = [
        session("b1", "B", 0, 15),
        session("l2", "A", 10, 10, parent="block"),
        session("b2", "B", 15, 15),
    ]
    [(_day, listed)] = pages.by_day(sessions, ZoneInfo("Europe/Lisbon"))
    assert [s.uid for s in listed] == ["b1", "l2", "b2"]
