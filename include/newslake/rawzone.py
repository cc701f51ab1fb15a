"""The raw zone: every fetched body gzip-stored per source and day, plus an index of every URL's outcome."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import threading
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from newslake import layout
from newslake.fetching.result import FetchResult, Outcome
from newslake.layout import BODY_SUFFIX
from newslake.storage import ObjectStore
from newslake.urls import article_id

COUNTS_METADATA_KEY = b"newslake.counts"
# Bodies read ahead of the one being parsed: enough to hide a store round trip behind parsing,
# few enough that a day's memory never grows with its number of pages.
READ_AHEAD = 4
# Response headers worth keeping for replay and conditional GETs; the rest is noise.
KEPT_HEADERS = ("etag", "last-modified", "content-type", "content-language", "retry-after", "date")

INDEX_SCHEMA = pa.schema(
    [
        pa.field("url", pa.string(), nullable=False),
        pa.field("final_url", pa.string()),
        pa.field("status", pa.int16()),
        pa.field("outcome", pa.string(), nullable=False),
        pa.field("content_type", pa.string()),
        pa.field("headers", pa.string()),
        pa.field("fetched_at", pa.timestamp("us", tz="UTC")),
        pa.field("sha256", pa.string()),
        pa.field("raw_key", pa.string()),
        pa.field("attempts", pa.int16()),
        pa.field("error", pa.string()),
        pa.field("run_id", pa.string()),
    ]
)


def url_id(url: str) -> str:
    """The id a URL's raw body is stored under: sha256 of the normalised requested URL."""
    return article_id(url)


def raw_prefix(source_id: str, day: date) -> str:
    """'raw/source=<id>/dt=<day>/' for one source and day."""
    return layout.partition_prefix(layout.RAW, source_id, day)


def raw_key(source_id: str, day: date, url: str) -> str:
    """Where the gzip body of url fetched for (source, day) is stored."""
    return layout.raw_body_key(source_id, day, url_id(url))


def index_key(source_id: str, day: date) -> str:
    """Where the raw index of (source, day) is stored."""
    return layout.raw_index_key(source_id, day)


def kept_headers(headers: dict[str, str]) -> str:
    """The kept response headers as a sorted JSON object string."""
    kept = {name: headers[name] for name in KEPT_HEADERS if headers.get(name) is not None}
    return json.dumps(kept, sort_keys=True, ensure_ascii=False)


class RawZoneWriter:
    """Stores bodies as they arrive and writes the day's index on close, replacing the previous one."""

    def __init__(self, store: ObjectStore, source_id: str, day: date, run_id: str) -> None:
        self.store = store
        self.source_id = source_id
        self.day = day
        self.run_id = run_id
        self._rows: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._closed = False
        self.metadata: dict[str, str] = {}  # extra key -> value in the index's Parquet metadata

    def __enter__(self) -> RawZoneWriter:
        return self

    def __exit__(self, exc_type, *exc: object) -> None:
        # On error keep the previous index: a half-finished run must not replace a complete day.
        if exc_type is None and not self._closed:
            self.close()

    def add(self, result: FetchResult, extra: dict[str, Any] | None = None) -> str | None:
        """Store result's body (if any) now and remember its index row; returns the raw key or None."""
        if self._closed:
            raise RuntimeError("RawZoneWriter is closed")
        key = digest = None
        if result.body is not None:
            key = raw_key(self.source_id, self.day, result.url)
            digest = hashlib.sha256(result.body).hexdigest()
            self.store.put(key, gzip.compress(result.body, compresslevel=6, mtime=0), content_type="application/gzip")
        row = {
            "url": result.url,
            "final_url": result.final_url,
            "status": result.status,
            "outcome": Outcome(result.outcome).value,
            "content_type": result.content_type,
            "headers": kept_headers(result.headers),
            "fetched_at": result.fetched_at,
            "sha256": digest,
            "raw_key": key,
            "attempts": result.attempts,
            "error": result.error,
            "run_id": self.run_id,
        }
        clash = set(extra or {}) & set(INDEX_SCHEMA.names)
        if clash:
            raise ValueError(f"extra columns may not replace index columns: {sorted(clash)}")
        row.update(extra or {})
        with self._lock:
            self._rows[result.url] = row  # re-adding a URL replaces its row: one row per URL
        return key

    def keep(self, previous: dict[str, Any], extra: dict[str, Any] | None = None) -> str | None:
        """Record a 304 for a URL whose stored body (previous index row) is still current; returns its raw key."""
        if self._closed:
            raise RuntimeError("RawZoneWriter is closed")
        # The body, its status, fetch time and run stay those of the fetch that stored them, so the
        # records built from it (and the partition) are byte-identical to the last run's.
        row = {name: previous.get(name) for name in INDEX_SCHEMA.names}
        row["outcome"] = Outcome.NOT_MODIFIED.value
        row.update(extra or {})
        with self._lock:
            self._rows[str(row["url"])] = row
        return row["raw_key"]

    @property
    def counts(self) -> dict[str, int]:
        """Rows per outcome so far (every outcome present)."""
        with self._lock:
            found = Counter(row["outcome"] for row in self._rows.values())
        return {o.value: found.get(o.value, 0) for o in Outcome}

    def table(self) -> pa.Table:
        """The index table as it would be written now."""
        with self._lock:
            rows = [self._rows[url] for url in sorted(self._rows)]
        extra_names = sorted({name for row in rows for name in row} - set(INDEX_SCHEMA.names))
        columns = {f.name: pa.array([row.get(f.name) for row in rows], type=f.type) for f in INDEX_SCHEMA}
        fields = list(INDEX_SCHEMA)
        for name in extra_names:
            array = pa.array([row.get(name) for row in rows])
            columns[name] = array
            fields.append(pa.field(name, array.type))
        metadata = {COUNTS_METADATA_KEY: json.dumps(self.counts, sort_keys=True).encode()}
        metadata.update({k.encode(): v.encode() for k, v in self.metadata.items()})
        schema = pa.schema(fields, metadata=metadata)
        return pa.Table.from_arrays([columns[f.name] for f in fields], schema=schema)

    def close(self) -> pa.Table:
        """Write _index.parquet (replacing the day's previous index) and drop bodies it no longer references."""
        table = self.table()
        sink = io.BytesIO()
        pq.write_table(table, sink, compression="zstd")
        self.store.put(index_key(self.source_id, self.day), sink.getvalue(), content_type="application/vnd.apache.parquet")
        referenced = {key for key in table.column("raw_key").to_pylist() if key}
        for key in self.store.list(raw_prefix(self.source_id, self.day)):
            if key.endswith(BODY_SUFFIX) and key not in referenced:
                self.store.delete(key)
        self._closed = True
        return table


def read_raw_index(store: ObjectStore, source_id: str, day: date) -> pa.Table:
    """The raw index of (source, day); raises ObjectNotFound when that day was never fetched."""
    return pq.read_table(io.BytesIO(store.get(index_key(source_id, day))))


def read_raw_body(store: ObjectStore, key: str) -> bytes:
    """The stored body under a raw key, gunzipped."""
    return gzip.decompress(store.get(key))


def iter_raw_bodies(
    store: ObjectStore, rows: Iterable[dict[str, Any]], *, read_ahead: int = READ_AHEAD
) -> Iterator[tuple[dict[str, Any], bytes | Exception]]:
    """(row, gunzipped body) per row in order, or (row, the read's error); at most read_ahead bodies are read ahead.

    A few threads read the next bodies while the caller parses the current one, so a store's
    latency overlaps parsing; bodies are never all in memory at once (read_ahead + 1 at most).
    """
    from concurrent.futures import ThreadPoolExecutor

    pending_rows = iter(rows)
    with ThreadPoolExecutor(max_workers=max(1, read_ahead), thread_name_prefix="raw-read") as pool:
        pending: deque = deque()

        def submit_next() -> None:
            row = next(pending_rows, None)
            if row is not None:
                pending.append((row, pool.submit(read_raw_body, store, row["raw_key"])))

        for _ in range(max(1, read_ahead)):
            submit_next()
        while pending:
            row, future = pending.popleft()
            body: bytes | Exception
            try:
                body = future.result()
            except Exception as exc:  # handed to the caller, which counts the page
                body = exc
            del future
            submit_next()
            yield row, body
            del body


def usable_body(row: dict[str, Any]) -> bool:
    """True when an index row points to a stored page body (fetched now, or unchanged since it was fetched)."""
    return row.get("outcome") in (Outcome.FETCHED.value, Outcome.NOT_MODIFIED.value) and bool(row.get("raw_key"))


def revalidation(index: pa.Table) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, str]]]:
    """From a day's previous index: rows with a stored body by URL, and the validators to re-fetch them with."""
    rows, validators = {}, {}
    for row in index.to_pylist():
        if not usable_body(row):
            continue
        headers = json.loads(row.get("headers") or "{}")
        found = {"etag": headers.get("etag"), "last_modified": headers.get("last-modified")}
        found = {k: v for k, v in found.items() if v}
        if found:
            rows[row["url"]], validators[row["url"]] = row, found
    return rows, validators


def index_counts(table: pa.Table) -> dict[str, int]:
    """The per-outcome counts stored in an index's schema metadata."""
    raw = (table.schema.metadata or {}).get(COUNTS_METADATA_KEY)
    return json.loads(raw) if raw else {}


def result_from_row(row: dict[str, Any], body: bytes | None) -> FetchResult:
    """Rebuild a FetchResult from an index row (and its stored body) for replay without the network."""
    fetched_at = row["fetched_at"]
    if not isinstance(fetched_at, datetime):
        raise ValueError(f"index row for {row['url']} has no fetched_at")
    return FetchResult(
        url=row["url"],
        final_url=row["final_url"] or row["url"],
        status=row["status"],
        outcome=Outcome(row["outcome"]),
        headers=json.loads(row["headers"] or "{}"),
        body=body,
        content_type=row["content_type"],
        fetched_at=fetched_at,
        attempts=row["attempts"] or 0,
        error=row["error"],
        elapsed=0.0,
    )
