"""The one schedule every source DAG uses: one run per UTC day, ending after the source's last day.

Registered with Airflow by plugins/newslake_plugin.py (custom timetables must be, to serialize).
The source's end_date is kept out of the DAG itself: a DAG end_date makes Airflow create runs
without task instances for any later logical date (an empty green run on "Trigger"), whereas a
timetable that stops scheduling leaves manual runs and backfills to the task's own range check.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from airflow.timetables.interval import CronDataIntervalTimetable

DAILY_UTC = "0 0 * * *"


class SourceDayTimetable(CronDataIntervalTimetable):
    """Daily data intervals [D 00:00, D+1 00:00) UTC; no scheduled or backfill run for a day after last_day."""

    def __init__(self, last_day: date | None = None) -> None:
        super().__init__(DAILY_UTC, "UTC")
        self.last_day = last_day
        if last_day is not None:
            self.description = f"{self.description}, for days up to {last_day.isoformat()}"

    @property
    def summary(self) -> str:
        """Shown in the DAG list: the cron, plus the last day when there is one."""
        return DAILY_UTC if self.last_day is None else f"{DAILY_UTC} until {self.last_day.isoformat()}"

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> SourceDayTimetable:
        """Rebuild from serialize()'s output (scheduler and API server side)."""
        last_day = data.get("last_day")
        return cls(date.fromisoformat(last_day) if last_day else None)

    def serialize(self) -> dict[str, Any]:
        """The cron fields plus last_day, so the scheduler knows where to stop."""
        return {**super().serialize(), "last_day": self.last_day.isoformat() if self.last_day else None}

    def next_dagrun_info(self, *, last_automated_data_interval, restriction):
        """The cron's next interval, or None once that interval starts after last_day."""
        info = super().next_dagrun_info(
            last_automated_data_interval=last_automated_data_interval, restriction=restriction
        )
        if info is None or self.last_day is None or info.data_interval is None:
            return info
        stop = datetime.combine(self.last_day + timedelta(days=1), time(), tzinfo=timezone.utc)
        return info if info.data_interval.start < stop else None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SourceDayTimetable):
            return NotImplemented
        return self.last_day == other.last_day

    def __hash__(self) -> int:
        return hash((DAILY_UTC, self.last_day))
