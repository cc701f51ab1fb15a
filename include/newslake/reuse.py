"""Fetch once: when a body already in the raw zone (this day's or a neighbour's) stands in for a request.

Discovery keeps URL-dated candidates of the neighbouring days (PRUNE_SLACK), so in a nightly
sequence every article is a candidate of two or three runs. The fetch stage asks plan_for, the
one place this is decided, what to do with each candidate:

- reuse (outcome `reused`, no request): a stored body exists and discovery's latest
  last-modified claim for the URL (sitemap lastmod, Atom <updated>: Candidate.changed_at) is not
  newer than what was known when the body was fetched: the claim the fetching run's discovery
  made (raw index column `hint_changed_at`) or the response's own Last-Modified;
- revalidate (outcome `not_modified` on a 304): a stored body exists but discovery gives no
  evidence (feed item without <updated>, archive link) or a newer claim, and the stored response
  sent ETag or Last-Modified: a conditional GET, the source decides;
- fetch: nothing stored, or nothing to revalidate it with.

A publication date alone is no evidence: pages are edited after they are published.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum

from newslake.extraction.dates import parse_datetime
from newslake.rawzone import StoredPage

CHANGED_AT_COLUMN = "hint_changed_at"  # raw index column: discovery's last-modified claim at fetch time


class Plan(StrEnum):
    """What the fetch stage does with one candidate URL."""

    REUSE = "reuse"
    REVALIDATE = "revalidate"
    FETCH = "fetch"


def plan_for(changed_at: datetime | None, stored: StoredPage | None) -> Plan:
    """The reuse rule: REUSE when discovery shows the stored body unchanged, else REVALIDATE or FETCH."""
    if stored is None:
        return Plan.FETCH
    known = known_change(stored)
    if changed_at is not None and known is not None and changed_at <= known:
        return Plan.REUSE
    return Plan.REVALIDATE if stored.validators else Plan.FETCH


def known_change(stored: StoredPage) -> datetime | None:
    """The latest change the stored body is known to include: the listed claim at fetch time or its Last-Modified."""
    claims = [parse_datetime(stored.row.get(CHANGED_AT_COLUMN)), _http_date(stored.headers.get("last-modified"))]
    present = [c for c in claims if c is not None]
    return max(present) if present else None


def reuse_days(day: date, slack: timedelta) -> list[date]:
    """The raw-zone days whose bodies a run of day may reuse: its own, then each neighbour within slack."""
    days = [day]
    for offset in range(1, slack.days + 1):
        days += [day - timedelta(days=offset), day + timedelta(days=offset)]
    return days


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo is not None else None
