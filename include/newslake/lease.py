"""A lease in the object store that lets one run at a time fetch from a source.

Airflow cannot promise this on its own: a backfill is limited by its own max_active_runs, not the
DAG's, so a backfill, a nightly run and a manual run of one source can all be active at once.
The lease is one small JSON object per source, created with If-None-Match and renewed or taken
over with If-Match, so two runs can never both believe they hold it. The holder renews it while
it works; a lease not renewed for ttl_seconds (by the store's own clock) belonged to a dead run
and may be taken over.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from datetime import UTC, datetime

from newslake.errors import SourceBusyError
from newslake.layout import lease_key
from newslake.storage import ObjectNotFound, ObjectStore, PreconditionFailed

log = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 300.0


class SourceLease:
    """The fetch lease of one source, held on behalf of one run id (a context manager renews it)."""

    def __init__(self, store: ObjectStore, source_id: str, holder: str, ttl_seconds: float = DEFAULT_TTL_SECONDS):
        self.store, self.source_id, self.holder, self.ttl = store, source_id, holder, ttl_seconds
        self.key = lease_key(source_id)
        self._etag: str | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def _body(self) -> bytes:
        return json.dumps(
            {
                "holder": self.holder,
                "source": self.source_id,
                "renewed_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "ttl_seconds": self.ttl,
                "host": socket.gethostname(),
                "pid": os.getpid(),
            },
            sort_keys=True,
        ).encode()

    def acquire(self) -> None:
        """Take the lease (or keep it, if this run already holds it); SourceBusyError if another run does."""
        for _ in range(3):
            try:
                self._etag = self.store.put(self.key, self._body(), content_type="application/json", if_none_match=True)
                return
            except PreconditionFailed:
                pass
            try:
                raw, etag = self.store.get_versioned(self.key)
            except ObjectNotFound:
                continue  # released between our two calls: try to create it again
            info = self.store.head(self.key)
            current = _holder(raw)
            age = info.age_seconds if info else 0.0
            if current != self.holder and age < self.ttl:
                raise SourceBusyError(
                    f"source {self.source_id} is being fetched by run {current} (lease renewed {age:.0f}s ago); "
                    f"run {self.holder} waits so the site never sees two of our runs at once"
                )
            if current != self.holder:
                log.warning("taking over the lease of %s from %s (not renewed for %.0fs)", self.source_id, current, age)
            try:
                self._etag = self.store.put(self.key, self._body(), content_type="application/json", if_match=etag)
                return
            except PreconditionFailed:
                continue
        raise SourceBusyError(f"source {self.source_id}: the fetch lease kept changing hands; run {self.holder} waits")

    def renew(self) -> None:
        """Extend the lease; SourceBusyError if it was taken over meanwhile."""
        with self._lock:
            if self._etag is None:
                raise SourceBusyError(f"run {self.holder} does not hold the lease of {self.source_id}")
            try:
                self._etag = self.store.put(self.key, self._body(), content_type="application/json", if_match=self._etag)
            except PreconditionFailed:
                self._etag = None
                raise SourceBusyError(
                    f"run {self.holder} lost the fetch lease of {self.source_id} (not renewed within {self.ttl:.0f}s)"
                ) from None

    def release(self) -> None:
        """Give the lease up if this run still holds it."""
        with self._lock:
            try:
                raw, etag = self.store.get_versioned(self.key)
            except ObjectNotFound:
                self._etag = None
                return
            if _holder(raw) == self.holder:
                self.store.delete(self.key)
            self._etag = None

    def __enter__(self) -> SourceLease:
        self.acquire()
        self._stop.clear()
        self._renewer = threading.Thread(target=self._renew_loop, name=f"lease-{self.source_id}", daemon=True)
        self._renewer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        # Stop renewing; whether to release is the caller's decision (a run keeps it from discover to fetch).
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(timeout=10)

    def _renew_loop(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            try:
                self.renew()
            except Exception as exc:  # the work itself notices at its next renew or when it ends
                log.error("could not renew the fetch lease of %s: %s", self.source_id, exc)
                return


def _holder(raw: bytes) -> str | None:
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value.get("holder") if isinstance(value, dict) else None
