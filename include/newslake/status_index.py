"""The status index: one JSON object per source and year, kept up to date by the runs.

    _status/source=<id>/year=<YYYY>.json   {"source", "year", "version", "days": {day: entry}}

Each day's entry holds up to three events, each with its run id and time: "published" (what the
last successful publish wrote, with counts copied from its manifest and GX report), "failure"
(the last run that failed: stage, error type, reason) and "running" (the last run that started).
Runs update an object with a conditional write (If-Match on the version read, If-None-Match for a
new year) and retry when another run won, so parallel backfill days never lose each other's
update. The status page reads these objects only: a handful of GETs instead of a lake listing.
`rebuild_index` recreates the "published" events from the partitions' manifests.

A year, not a month: each GET costs a few ms of botocore CPU, so a year's grid of 20 sources was
240 GETs per request with month objects (1.5-3 s on 2 cores); a year object is ~0.2 MiB, cheap
to rewrite on each publish.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from newslake import layout
from newslake.storage import ObjectNotFound, PreconditionFailed

if TYPE_CHECKING:
    from newslake.storage import ObjectStore

log = logging.getLogger(__name__)

INDEX_VERSION = 1
_MAX_ATTEMPTS = 12
_READ_WORKERS = 16
_TOP_FAILED = 5
_REASON_CHARS = 2000  # a reason is for a human; a traceback-sized one would bloat the year object


class StatusIndexError(Exception):
    """The status index could not be read or written (the object and the cause are in the message)."""


def _now() -> str:
    return at_text(datetime.now(UTC))


def at_text(moment: Any) -> str:
    """An event time as the index writes it: UTC, milliseconds (one format, so strings sort in time order)."""
    # Milliseconds: a run's start, failure and publish can fall in the same second.
    if not isinstance(moment, datetime):
        try:
            moment = datetime.fromisoformat(str(moment))
        except ValueError:
            return ""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def year_of(day: date) -> str:
    """'YYYY' of a day: the index object the day lives in."""
    return f"{day.year:04d}"


def _empty_year(source_id: str, year: str) -> dict[str, Any]:
    return {"source": source_id, "year": year, "version": INDEX_VERSION, "days": {}}


def update_days(
    store: ObjectStore, source_id: str, year: str, change: Callable[[dict[str, dict]], None]
) -> dict[str, Any]:
    """Apply change(days) to one year object with a conditional write; retried while other writers win."""
    key = layout.status_index_key(source_id, year)
    for attempt in range(_MAX_ATTEMPTS):
        try:
            raw, etag = store.get_versioned(key)
            document = json.loads(raw)
            if not isinstance(document, dict) or not isinstance(document.get("days"), dict):
                document = _empty_year(source_id, year)  # unreadable: rewrite it whole
        except ObjectNotFound:
            document, etag = _empty_year(source_id, year), None
        except ValueError:  # not JSON: rewrite it whole, on the version we read
            document = _empty_year(source_id, year)
        change(document["days"])
        document["updated_at"] = _now()
        body = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
        try:
            store.put(
                key, body, content_type="application/json", if_match=etag, if_none_match=etag is None
            )
            return document
        except PreconditionFailed:
            # Another run of the same source and year wrote first: read its version and reapply.
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
    raise StatusIndexError(f"{key}: gave up after {_MAX_ATTEMPTS} conditional writes lost to other runs")


def _set_event(store: ObjectStore, source_id: str, day: date, event: str, value: dict[str, Any]) -> None:
    def change(days: dict[str, dict]) -> None:
        days.setdefault(day.isoformat(), {})[event] = value

    update_days(store, source_id, year_of(day), change)


def top_failed_expectations(validate: dict[str, Any], report: dict[str, Any] | None = None) -> list[list[Any]]:
    """[[expectation, unexpected rows], ...] from the validate counts (else a pre-GX-file report), most rows first."""
    by_name = validate.get("failed_expectations")
    if not isinstance(by_name, dict):
        expectations = (report or {}).get("expectations")
        by_name = {
            name: e.get("unexpected_count") for name, e in (expectations or {}).items()
            if isinstance(e, dict) and not e.get("success", True)
        } if isinstance(expectations, dict) else {}
    ranked = sorted(((-_count(n), str(name)) for name, n in by_name.items()))
    return [[name, -negative] for negative, name in ranked[:_TOP_FAILED]]


def published_event(
    manifest: dict[str, Any], report: dict[str, Any] | None = None, at: str | None = None
) -> dict[str, Any]:
    """The "published" event of a day from its articles manifest (and the GX report of that run)."""
    counts = _mapping(manifest.get("counts"))
    validate, fetch = _mapping(counts.get("validate")), _mapping(counts.get("fetch"))
    rows, quarantined = _count(manifest.get("rows")), _count(validate.get("quarantined"))
    total = _count(validate.get("rows")) or rows + quarantined
    return {
        "run_id": manifest.get("run_id"),
        "at": at or at_text(manifest.get("written_at")),
        "written_at": manifest.get("written_at"),
        "rows": rows,
        "quarantined": quarantined,
        "quarantine_share": round(quarantined / total, 4) if total else 0.0,
        "top_failed": top_failed_expectations(validate, report),
        "fetch": {k: v for k, v in fetch.items() if isinstance(v, int) and not isinstance(v, bool)},
        "quality_key": validate.get("quality_key"),
        "key": manifest.get("key"),
        "schema_version": manifest.get("schema_version"),
    }


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _read_report(store: ObjectStore, key: str | None) -> dict[str, Any] | None:
    if not key:
        return None
    try:
        report = json.loads(store.get(key))
    except (ObjectNotFound, ValueError):
        return None
    return report if isinstance(report, dict) else None


def record_published(store: ObjectStore, source_id: str, day: date, manifest: dict[str, Any]) -> None:
    """Index a successful publish of (source, day): counts from its manifest, failures from its GX report."""
    validate = (manifest.get("counts") or {}).get("validate") or {}
    report = _read_report(store, validate.get("quality_key") if isinstance(validate, dict) else None)
    _set_event(store, source_id, day, "published", published_event(manifest, report, at=_now()))


def record_failure(
    store: ObjectStore,
    source_id: str,
    day: date,
    *,
    run_id: str,
    stage: str,
    error_type: str,
    reason: str,
    quality_key: str | None = None,
) -> None:
    """Index the failure of a run for (source, day): which stage, what kind of error, and why."""
    event = {
        "run_id": run_id,
        "at": _now(),
        "stage": stage,
        "type": error_type,
        "reason": reason[:_REASON_CHARS],
        "quality_key": quality_key,
    }
    _set_event(store, source_id, day, "failure", event)


def record_running(store: ObjectStore, source_id: str, day: date, *, run_id: str) -> None:
    """Index that a run for (source, day) has started."""
    _set_event(store, source_id, day, "running", {"run_id": run_id, "at": _now()})


def quietly(what: str, fn: Callable[..., None], *args: Any, **kwargs: Any) -> None:
    """Run an index update; a failure is logged, never raised: the index must not fail a run."""
    from newslake.errors import StorageUnavailableError
    from newslake.storage import StorageError

    try:
        fn(*args, **kwargs)
    except Exception as exc:
        # When the store itself fails, the run reports that error; a warning here would only bury it.
        level = logging.INFO if isinstance(exc, (StorageError, StorageUnavailableError)) else logging.WARNING
        log.log(level, "status index not updated (%s): %s: %s; `newslake status --rebuild-index` repairs it",
                what, type(exc).__name__, exc)


def list_index(store: ObjectStore, source_id: str | None = None) -> dict[tuple[str, str], str]:
    """{(source, year): key} of every index object (one listing of _status/)."""
    prefix = f"{layout.STATUS}/" + (f"source={layout.check_id('source id', source_id)}/" if source_id else "")
    found = {}
    for key in store.list(prefix):
        match = layout.STATUS_INDEX_RE.match(key)
        if match:
            found[(match["source"], match["year"])] = key
    return found


def read_index(
    store: ObjectStore,
    *,
    source_id: str | None = None,
    first: date | None = None,
    last: date | None = None,
) -> dict[str, dict[str, dict]]:
    """{source: {day: entry}} for the years overlapping first..last (all years when None).

    Raises StatusIndexError naming the object that cannot be read; storage errors propagate.
    """
    keys = list_index(store, source_id)
    lo = year_of(first) if first else "0000"
    hi = year_of(last) if last else "9999"
    wanted = [(source, key) for (source, year), key in sorted(keys.items()) if lo <= year <= hi]

    def get(item: tuple[str, str]) -> tuple[str, str, dict]:
        source, key = item
        try:
            document = json.loads(store.get(key))
        except ObjectNotFound:
            return source, key, {}  # removed since the listing
        except ValueError as exc:
            raise StatusIndexError(f"status index object {key} is not valid JSON ({exc})") from exc
        days = document.get("days") if isinstance(document, dict) else None
        if not isinstance(days, dict):
            raise StatusIndexError(f"status index object {key} has no 'days' mapping")
        return source, key, days

    result: dict[str, dict[str, dict]] = {}
    with ThreadPoolExecutor(max_workers=_READ_WORKERS) as pool:
        for source, _key, days in pool.map(get, wanted):
            target = result.setdefault(source, {})
            for day, entry in days.items():
                if isinstance(entry, dict):
                    target[day] = entry
    return result


def read_day(store: ObjectStore, source_id: str, day: date) -> dict[str, Any] | None:
    """The index entry of one (source, day), or None when the index knows nothing of it."""
    key = layout.status_index_key(source_id, year_of(day))
    try:
        document = json.loads(store.get(key))
    except ObjectNotFound:
        return None
    except ValueError as exc:
        raise StatusIndexError(f"status index object {key} is not valid JSON ({exc})") from exc
    entry = (document.get("days") or {}).get(day.isoformat()) if isinstance(document, dict) else None
    return entry if isinstance(entry, dict) else None


def rebuild_index(store: ObjectStore, source_id: str | None = None) -> dict[str, int]:
    """Recreate every "published" event from the articles manifests; failure/running events are kept.

    Returns {"days": indexed days, "objects": year objects written, "unreadable": manifests skipped}.
    """
    from newslake.lake import list_partitions, read_manifest

    partitions = list_partitions(store, layout.ARTICLES, source_id)

    def load(item: tuple[str, date]) -> tuple[str, date, dict | None]:
        source, day = item
        try:
            manifest = read_manifest(store, layout.ARTICLES, source, day)
        except ValueError:
            manifest = None
        if not isinstance(manifest, dict):
            return source, day, None
        return source, day, published_event(manifest, _read_report(store, _quality_key(manifest)))

    by_year: dict[tuple[str, str], dict[str, dict]] = {}
    unreadable = 0
    with ThreadPoolExecutor(max_workers=_READ_WORKERS) as pool:
        for source, day, event in pool.map(load, partitions):
            if event is None:
                unreadable += 1
                continue
            by_year.setdefault((source, year_of(day)), {})[day.isoformat()] = event
    # Years that only hold failures keep them; published events no manifest backs any more go.
    for source, year in list_index(store, source_id):
        by_year.setdefault((source, year), {})

    def write(item: tuple[tuple[str, str], dict[str, dict]]) -> None:
        (source, year), published = item

        def change(days: dict[str, dict]) -> None:
            previous = {day: entry.pop("published", None) for day, entry in days.items()}
            for day, event in published.items():
                old = previous.get(day) or {}
                if (old.get("run_id"), old.get("written_at")) == (event["run_id"], event["written_at"]):
                    event = {**event, "at": old.get("at") or event["at"]}  # same publish: keep its instant
                days.setdefault(day, {})["published"] = event
            for day in [d for d, e in days.items() if not e]:
                del days[day]

        update_days(store, source, year, change)

    with ThreadPoolExecutor(max_workers=_READ_WORKERS) as pool:
        list(pool.map(write, by_year.items()))
    return {
        "days": sum(len(v) for v in by_year.values()),
        "objects": len(by_year),
        "unreadable": unreadable,
    }


def _quality_key(manifest: dict[str, Any]) -> str | None:
    counts = manifest.get("counts")
    validate = counts.get("validate") if isinstance(counts, dict) else None
    key = validate.get("quality_key") if isinstance(validate, dict) else None
    return key if isinstance(key, str) else None


def write_years(store: ObjectStore, documents: Iterable[dict[str, Any]]) -> int:
    """Write whole year objects unconditionally (bench and tests building a large index); returns how many."""
    count = 0
    for document in documents:
        key = layout.status_index_key(document["source"], document["year"])
        store.put(key, json.dumps(document, sort_keys=True, separators=(",", ":")).encode(),
                  content_type="application/json")
        count += 1
    return count


def latest_events_sorted(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """The entry's events, newest first, each with its name under "event"."""
    events = [
        {"event": name, **value}
        for name in ("published", "failure", "running")
        if isinstance(value := entry.get(name), dict)
    ]
    events.sort(key=lambda e: str(e.get("at") or ""), reverse=True)
    return events



def clear_running(store: ObjectStore, source_id: str, day: date, *, run_id: str) -> None:
    """Drop the "running" event of run_id (a dry run that ends without publishing leaves no trace)."""

    def change(days: dict[str, dict]) -> None:
        entry = days.get(day.isoformat()) or {}
        if (entry.get("running") or {}).get("run_id") == run_id:
            del entry["running"]
            if not entry:
                days.pop(day.isoformat(), None)

    update_days(store, source_id, year_of(day), change)
