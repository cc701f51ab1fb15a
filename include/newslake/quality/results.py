"""Validation results that last: one GX result JSON per run, a per-day "latest" pointer, recent row counts."""

from __future__ import annotations

import json
import statistics
from datetime import date, timedelta
from typing import Any

from newslake import layout
from newslake.storage import ObjectNotFound, ObjectStore


def store_result(store: ObjectStore, source_id: str, day: date, run_id: str, result: dict[str, Any]) -> str:
    """Keep one run's ExpectationSuiteValidationResult JSON under quality/source=/dt=/run=/; returns its key."""
    key = layout.quality_key(source_id, day, run_id)
    store.put(key, json.dumps(result, sort_keys=True, indent=1, default=str).encode(), content_type="application/json")
    return key


def point_latest(store: ObjectStore, source_id: str, day: date, run_id: str, *, success: bool,
                 counts: dict[str, Any]) -> str:
    """Make run_id's result the day's latest (quality/source=/dt=/latest.json); returns the pointer's key."""
    key = layout.quality_latest_key(source_id, day)
    pointer = {
        "source": source_id,
        "day": day.isoformat(),
        "run_id": run_id,
        "result_key": layout.quality_key(source_id, day, run_id),
        "docs_key": layout.docs_page_key(source_id, day, run_id),
        "success": success,
        "counts": counts,
    }
    store.put(key, json.dumps(pointer, sort_keys=True, indent=1).encode(), content_type="application/json")
    return key


def latest(store: ObjectStore, source_id: str, day: date) -> dict[str, Any] | None:
    """The day's latest-result pointer, or None when no run validated that day."""
    try:
        return json.loads(store.get(layout.quality_latest_key(source_id, day)))
    except ObjectNotFound:
        return None


def read_result(store: ObjectStore, key: str) -> dict[str, Any]:
    """One stored result JSON."""
    return json.loads(store.get(key))


def result_keys(store: ObjectStore, source_id: str | None = None) -> list[str]:
    """Every kept result key (of one source, or all), sorted."""
    prefix = f"{layout.QUALITY}/source={layout.check_id('source id', source_id)}/" if source_id else f"{layout.QUALITY}/source="
    return [k for k in store.list(prefix) if k.endswith("/" + layout.QUALITY_NAME)]


def recent_row_counts(store: ObjectStore, source_id: str, day: date, days: int = 7) -> list[int]:
    """Rows of the source's published partitions in the days before day (most recent first)."""
    from newslake.lake import read_manifest

    counts = []
    for back in range(1, days + 1):
        manifest = read_manifest(store, layout.ARTICLES, source_id, day - timedelta(days=back))
        if manifest is not None and isinstance(manifest.get("rows"), int):
            counts.append(manifest["rows"])
    return counts


def min_rows_recent(counts: list[int], share: float = 0.5) -> int:
    """The row count below which a day counts as a drop: share of the recent median (0 without history)."""
    return int(statistics.median(counts) * share) if counts else 0
