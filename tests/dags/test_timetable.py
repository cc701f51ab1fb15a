"""SourceDayTimetable: one UTC day per run, no scheduled or backfill run after the source's last day."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from airflow.timetables.base import DataInterval, TimeRestriction
from newslake.timetables import SourceDayTimetable


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def day_of(info) -> date:
    return info.data_interval.start.date()


def days_scheduled(timetable, earliest: datetime | None, catchup: bool = True, limit: int = 60) -> list[date]:
    restriction = TimeRestriction(earliest=earliest, latest=None, catchup=catchup)
    days, last = [], None
    for _ in range(limit):
        info = timetable.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)
        if info is None:
            break
        days.append(day_of(info))
        last = info.data_interval
    return days


def test_scheduling_stops_after_the_last_day():
    days = days_scheduled(SourceDayTimetable(last_day=date(2026, 11, 21)), utc(2026, 11, 16))
    assert days == [date(2026, 11, d) for d in range(16, 22)]


def test_scheduling_starts_on_the_first_day():
    timetable = SourceDayTimetable(first_day=date(2026, 11, 16), last_day=date(2026, 11, 21))
    assert days_scheduled(timetable, earliest=None) == [date(2026, 11, d) for d in range(16, 22)]
    assert days_scheduled(timetable, earliest=utc(2026, 11, 10)) == [date(2026, 11, d) for d in range(16, 22)]
    assert days_scheduled(timetable, earliest=utc(2026, 11, 19)) == [date(2026, 11, d) for d in range(19, 22)]


def test_a_source_starting_in_the_future_waits_for_its_first_day():
    timetable = SourceDayTimetable(first_day=date(2099, 1, 1))
    (first,) = days_scheduled(timetable, earliest=None, catchup=False, limit=1)
    assert first == date(2099, 1, 1)


def test_last_day_run_covers_that_utc_day():
    timetable = SourceDayTimetable(last_day=date(2026, 11, 21))
    last = DataInterval(utc(2026, 11, 20), utc(2026, 11, 21))
    info = timetable.next_dagrun_info(last_automated_data_interval=last, restriction=TimeRestriction(None, None, True))
    assert (info.data_interval.start, info.data_interval.end) == (utc(2026, 11, 21), utc(2026, 11, 22))
    after = timetable.next_dagrun_info(last_automated_data_interval=info.data_interval,
                                       restriction=TimeRestriction(None, None, True))
    assert after is None


def test_no_nightly_run_once_the_source_has_ended():
    # catchup=False skips to the latest complete day, which lies after the last day: nothing to schedule.
    assert days_scheduled(SourceDayTimetable(last_day=date(2020, 1, 31)), utc(2020, 1, 1), catchup=False) == []


def test_open_ended_source_keeps_scheduling():
    assert len(days_scheduled(SourceDayTimetable(), utc(2026, 1, 1), limit=40)) == 40


def test_manual_run_covers_the_day_before_its_logical_date():
    interval = SourceDayTimetable(last_day=date(2026, 11, 21)).infer_manual_data_interval(run_after=utc(2026, 12, 1, 9))
    assert (interval.start, interval.end) == (utc(2026, 11, 30), utc(2026, 12, 1))


@pytest.mark.parametrize("first_day", [None, date(2026, 11, 16)])
@pytest.mark.parametrize("last_day", [None, date(2026, 11, 21)])
def test_serialization_round_trip_keeps_the_days(first_day, last_day):
    timetable = SourceDayTimetable(first_day=first_day, last_day=last_day)
    again = SourceDayTimetable.deserialize(timetable.serialize())
    assert again == timetable and (again.first_day, again.last_day) == (first_day, last_day)
    assert again.summary == ("0 0 * * *" if last_day is None else "0 0 * * * until 2026-11-21")
