"""The raw zone: every fetched body gzip-stored per source and day, plus an index of every URL's outcome."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import threading
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from newslake import layout
from newslake.fetching.result import FetchResult, Outcome
from newslake.layout import BODY_SUFFIX
from newslake.storage import ObjectNotFound, ObjectStore
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


# Body PUTs in flight at once. One store round trip per page (an S3 PUT, a local fsync: ~10 ms)
# done by the thread that drains fetch_many capped the fetch stage near 50-75 pages/s.
WRITE_WORKERS = 4


class RawZoneWriter:
    """Stores bodies as they arrive (a few PUTs in flight) and writes the day's index on close, replacing the previous one."""

    def __init__(self, store: ObjectStore, source_id: str, day: date, run_id: str,
                 write_workers: int = WRITE_WORKERS) -> None:
        self.store = store
        self.source_id = source_id
        self.day = day
        self.run_id = run_id
        self._rows: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._closed = False
        self.metadata: dict[str, str] = {}  # extra key -> value in the index's Parquet metadata
        self._workers = max(1, write_workers)
        self._pool: ThreadPoolExecutor | None = None
        self._pending: dict[str, Future] = {}  # raw key -> its body PUT
        self._error: BaseException | None = None  # the first failed PUT: the index must not be written

    def __enter__(self) -> RawZoneWriter:
        return self

    def __exit__(self, exc_type, *exc: object) -> None:
        # On error keep the previous index: a half-finished run must not replace a complete day.
        if exc_type is None and not self._closed:
            self.close()
        elif not self._closed:
            self._drain(raise_errors=False)

    def _put_body(self, key: str, body: bytes) -> None:
        if self._workers == 1:
            self._store_body(key, body)
            return
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="raw-put")
            earlier = self._pending.pop(key, None)
            backlog = len(self._pending) >= 4 * self._workers
        if earlier is not None:
            self._check(earlier)  # the same key again: the newer body must land last
        if backlog:  # bounded: bodies waiting for a PUT are held in memory
            self._reap(block=True)
        future = self._pool.submit(self._store_body, key, body)
        with self._lock:
            self._pending[key] = future
        self._reap(block=False)

    def _store_body(self, key: str, body: bytes) -> None:
        self.store.put(key, gzip.compress(body, compresslevel=6, mtime=0), content_type="application/gzip")

    def _reap(self, *, block: bool) -> None:
        """Drop finished PUTs, re-raising the first that failed (block: wait for at least one)."""
        with self._lock:
            pending = list(self._pending.items())
        if block and pending:
            wait([f for _, f in pending], return_when=FIRST_COMPLETED)
        for key, future in pending:
            if future.done():
                with self._lock:
                    if self._pending.get(key) is future:
                        del self._pending[key]
                self._check(future)

    def _check(self, future: Future) -> None:
        error = future.exception()
        if error is not None:
            self._error = self._error or error
            raise error

    def flush(self) -> None:
        """Wait until every body added so far is stored (re-raising a failed PUT)."""
        with self._lock:
            pending = list(self._pending.values())
        for future in pending:
            self._check(future)
        self._reap(block=False)

    def _drain(self, *, raise_errors: bool = True) -> None:
        """Wait for every body PUT; shut the pool down."""
        with self._lock:
            pending, self._pending = list(self._pending.values()), {}
            pool, self._pool = self._pool, None
        try:
            for future in pending:
                if future.exception() is not None:
                    self._error = self._error or future.exception()
        finally:
            if pool is not None:
                pool.shutdown(wait=True)
        if raise_errors and self._error is not None:
            raise self._error

    def add(self, result: FetchResult, extra: dict[str, Any] | None = None) -> str | None:
        """Store result's body (if any) now and remember its index row; returns the raw key or None."""
        if self._closed:
            raise RuntimeError("RawZoneWriter is closed")
        key = digest = None
        if result.body is not None:
            key = raw_key(self.source_id, self.day, result.url)
            digest = hashlib.sha256(result.body).hexdigest()
            self._put_body(key, result.body)
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

    def keep(self, page: StoredPage, outcome: Outcome, extra: dict[str, Any] | None = None) -> str | None:
        """Record a stored body that stands in for a fetch (outcome reused or not_modified); returns its raw key.

        A body stored under another day is copied into this day's raw zone first, so every day's
        index references only its own objects (a rerun of the other day may delete its bodies).
        Raises ObjectNotFound when the stored body is gone.
        """
        if self._closed:
            raise RuntimeError("RawZoneWriter is closed")
        # The body, its status, fetch time and run stay those of the fetch that stored them, so the
        # records built from it are the same as the ones that fetch's own day built.
        row = {name: page.row.get(name) for name in INDEX_SCHEMA.names}
        if page.day != self.day:
            key = raw_key(self.source_id, self.day, str(row["url"]))
            self.store.put(key, self.store.get(str(row["raw_key"])), content_type="application/gzip")
            row["raw_key"] = key
        row["outcome"] = Outcome(outcome).value
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
        """Wait for the body PUTs, write _index.parquet (replacing the day's previous index), drop unreferenced bodies."""
        self._drain()  # the index must never name a body that is not stored yet
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
    return row.get("outcome") in _BODY_OUTCOMES and bool(row.get("raw_key"))


_BODY_OUTCOMES = (Outcome.FETCHED.value, Outcome.NOT_MODIFIED.value, Outcome.REUSED.value)


@dataclass(frozen=True)
class StoredPage:
    """A page body already in the raw zone: its index row and the day whose index holds it."""

    day: date
    row: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        """The kept response headers of the fetch that stored the body."""
        return json.loads(self.row.get("headers") or "{}")

    @property
    def validators(self) -> dict[str, str]:
        """ETag / Last-Modified to revalidate the body with (empty when the response sent neither)."""
        headers = self.headers
        found = {"etag": headers.get("etag"), "last_modified": headers.get("last-modified")}
        return {k: v for k, v in found.items() if v}


def stored_pages(store: ObjectStore, source_id: str, days: list[date]) -> dict[str, StoredPage]:
    """Pages with a stored body in the raw indexes of days, by URL: each URL's most recent fetch.

    Ties (the same fetch carried into several days) go to the earlier day in days; a day never
    fetched is skipped.
    """
    found: dict[str, StoredPage] = {}
    for day in days:
        try:
            rows = read_raw_index(store, source_id, day).to_pylist()
        except ObjectNotFound:
            continue
        for row in rows:
            if not usable_body(row):
                continue
            held = found.get(row["url"])
            if held is None or _fetched_at(row) > _fetched_at(held.row):
                found[row["url"]] = StoredPage(day, row)
    return found


def _fetched_at(row: dict[str, Any]) -> datetime:
    when = row.get("fetched_at")
    return when if isinstance(when, datetime) else datetime.min.replace(tzinfo=UTC)


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
