"""Synthetic raw zones for benchmarks and tests: pages written through the real RawZoneWriter, as a fetch would."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any


def write_raw_day(store: Any, source_id: str, day: date, pages: Iterable[Any], *, run_id: str | None = None) -> int:
    """Store pages (objects with url, body, headers, fetched_at) as (source_id, day)'s raw zone; returns their body bytes."""
    from newslake.fetching.result import FetchResult, Outcome
    from newslake.rawzone import RawZoneWriter

    writer = RawZoneWriter(store, source_id, day, run_id or f"synthetic__{day.isoformat()}")
    total = 0
    for page in pages:
        writer.add(FetchResult(
            url=page.url, final_url=page.url, status=200, outcome=Outcome.FETCHED, headers=page.headers,
            body=page.body, content_type="text/html", fetched_at=page.fetched_at, attempts=1, error=None,
            elapsed=0.0,
        ))
        total += len(page.body)
    writer.close()
    return total
