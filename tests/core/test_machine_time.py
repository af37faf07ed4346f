import datetime as dt
from zoneinfo import ZoneInfo

from organizer.services.timefmt import machine_time


def test_machine_time_is_short_utc():
    lisbon = dt.datetime(2027, 3, 28, 10, 0, tzinfo=ZoneInfo("Europe/Lisbon"))  # summer time
    assert machine_time(lisbon) == "2027-03-28T09:00Z"
    assert machine_time(dt.datetime(2027, 3, 28, 9, 0, 30, tzinfo=dt.UTC)) == "2027-03-28T09:00:30Z"
