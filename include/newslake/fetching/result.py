"""What one fetch produced: the outcome enum, the FetchResult record and per-outcome counters."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Outcome(StrEnum):
    """The single final state of one requested URL."""

    FETCHED = "fetched"
    NOT_MODIFIED = "not_modified"
    ROBOTS_DISALLOWED = "robots_disallowed"
    BLOCKED = "blocked"
    GONE = "gone"
    TRANSIENT_FAILED = "transient_failed"
    TOO_LARGE = "too_large"
    OFF_DOMAIN = "off_domain"
    NOT_HTML = "not_html"
    REDIRECT_LOOP = "redirect_loop"  # the site's redirects go round: neither "try later" nor a refusal
    # Never a Fetcher result: the fetch stage sent no request and kept a stored body that
    # discovery shows unchanged (newslake.reuse). not_modified means the source answered 304.
    REUSED = "reused"


@dataclass
class FetchResult:
    """One URL's fetch: where it ended, what came back, how many attempts it took."""

    url: str
    final_url: str
    status: int | None
    outcome: Outcome
    headers: dict[str, str]
    body: bytes | None
    content_type: str | None
    fetched_at: datetime
    attempts: int
    error: str | None
    elapsed: float

    @property
    def ok(self) -> bool:
        """True when a usable body came back."""
        return self.outcome is Outcome.FETCHED

    @property
    def etag(self) -> str | None:
        """The response's ETag validator, if any."""
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        """The response's Last-Modified validator, if any."""
        return self.headers.get("last-modified")

    @property
    def validators(self) -> dict[str, str]:
        """Validators to pass to the next conditional fetch of the same URL."""
        found = {"etag": self.etag, "last_modified": self.last_modified}
        return {k: v for k, v in found.items() if v}


@dataclass
class FetchStats:
    """Thread-safe counts per outcome for one Fetcher."""

    counts: dict[str, int] = field(default_factory=lambda: {o.value: 0 for o in Outcome})
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, outcome: Outcome) -> None:
        """Count one finished URL."""
        with self._lock:
            self.counts[Outcome(outcome).value] += 1

    def __getitem__(self, outcome: Outcome | str) -> int:
        return self.counts[Outcome(outcome).value]

    @property
    def total(self) -> int:
        """URLs finished so far."""
        return sum(self.counts.values())

    @property
    def failed(self) -> int:
        """URLs that ended without a usable (or unchanged) page."""
        return self.total - self.counts["fetched"] - self.counts["not_modified"] - self.counts["reused"]

    def as_dict(self) -> dict[str, int]:
        """A plain copy of the counts, every outcome present."""
        with self._lock:
            return dict(self.counts)
