"""When to retry: Retry-After parsing and capped exponential backoff with jitter."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from newslake.fetching.result import Outcome

# Statuses worth another attempt; 403 is included because WAFs often answer 403 to bursts.
RETRY_STATUSES = frozenset({403, 408, 425, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})
BLOCKED_STATUSES = frozenset({401, 403, 429, 451})
GONE_STATUSES = frozenset({404, 410})


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or HTTP-date); None if absent or invalid."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


def backoff_delay(attempt: int, *, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Delay before retry number `attempt` (1-based): uniform in [d/2, d] with d = min(cap, base * 2**(attempt-1))."""
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    rng = rng or random.Random()
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


def status_outcome(status: int) -> Outcome:
    """The outcome of a final non-2xx HTTP status (after any retries)."""
    if status == 304:
        return Outcome.NOT_MODIFIED
    if status in GONE_STATUSES:
        return Outcome.GONE
    if status in BLOCKED_STATUSES:
        return Outcome.BLOCKED
    if status >= 500 or status in RETRY_STATUSES:
        return Outcome.TRANSIENT_FAILED
    if 400 <= status < 500:
        return Outcome.GONE  # 400, 405, 414...: this URL will not work as asked; retrying will not help
    return Outcome.TRANSIENT_FAILED  # 1xx or a 3xx without Location: broken server, maybe fixed later
