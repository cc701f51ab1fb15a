"""The one schedule every source DAG uses: one run per UTC day from the source's first to its last day.

Registered with Airflow by plugins/newslake_plugin.py (custom timetables must be, to serialize).
The source's start_date and end_date are kept out of the DAG itself: Airflow creates no task
instance for a logical date before a task's start_date or after its end_date, so a manual run for
such a day is an empty green run. A timetable that bounds scheduling and backfills instead leaves
manual runs to the task's own range check (SourceConfig.require_day), which fails and says why.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pendulum
from airflow.timetables.base import TimeRestriction
from airflow.timetables.interval import CronDataIntervalTimetable

DAILY_UTC = "0 0 * * *"


def _midnight(day: date) -> pendulum.DateTime:
    # Airflow's restrictions and intervals are pendulum DateTimes; comparing with them needs one too.
    return pendulum.datetime(day.year, day.month, day.day, tz="UTC")


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


class SourceDayTimetable(CronDataIntervalTimetable):
    """Daily data intervals [D 00:00, D+1 00:00) UTC for D in first_day .. last_day (either may be open)."""

    def __init__(self, first_day: date | None = None, last_day: date | None = None) -> None:
        super().__init__(DAILY_UTC, "UTC")
        self.first_day = first_day
        self.last_day = last_day
        if first_day or last_day:
            self.description = f"{self.description}, for days {_iso(first_day) or '…'} .. {_iso(last_day) or '…'}"

    @property
    def summary(self) -> str:
        """Shown in the DAG list: the cron, plus the last day when there is one."""
        return DAILY_UTC if self.last_day is None else f"{DAILY_UTC} until {self.last_day.isoformat()}"

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> SourceDayTimetable:
        """Rebuild from serialize()'s output (scheduler and API server side)."""
        first, last = data.get("first_day"), data.get("last_day")
        return cls(date.fromisoformat(first) if first else None, date.fromisoformat(last) if last else None)

    def serialize(self) -> dict[str, Any]:
        """The cron fields plus the day range, so the scheduler knows where to start and stop."""
        return {**super().serialize(), "first_day": _iso(self.first_day), "last_day": _iso(self.last_day)}

    def next_dagrun_info(self, *, last_automated_data_interval, restriction):
        """The cron's next interval not before first_day, or None once it starts after last_day."""
        if self.first_day is not None:
            first = _midnight(self.first_day)
            earliest = first if restriction.earliest is None else max(restriction.earliest, first)
            restriction = TimeRestriction(earliest, restriction.latest, restriction.catchup)
        info = super().next_dagrun_info(
            last_automated_data_interval=last_automated_data_interval, restriction=restriction
        )
        if info is None or self.last_day is None or info.data_interval is None:
            return info
        return info if info.data_interval.start < _midnight(self.last_day + timedelta(days=1)) else None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SourceDayTimetable):
            return NotImplemented
        return (self.first_day, self.last_day) == (other.first_day, other.last_day)

    def __hash__(self) -> int:
        return hash((DAILY_UTC, self.first_day, self.last_day))
