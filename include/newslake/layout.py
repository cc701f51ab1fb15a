"""The lake's one declared layout: zones, key templates and id rules. Every module builds keys here.

    raw/source=<id>/dt=<day>/<url_id>.html.gz              fetched bytes (gzip)
    raw/source=<id>/dt=<day>/_index.parquet                one row per candidate URL
    articles/source=<id>/dt=<day>/part-0.parquet           validated records
    articles/source=<id>/dt=<day>/_SUCCESS                 JSON manifest of that part-0
    quarantine/source=<id>/dt=<day>/part-0.parquet         rejected records + failed expectations
    quality/source=<id>/dt=<day>/run=<run>/validation.json  GX result (ExpectationSuiteValidationResult) of every run
    quality/source=<id>/dt=<day>/latest.json               pointer to the day's latest result and its page
    quality/docs/index.html                                Data Docs entry page (links every kept result)
    quality/docs/validations/source=<id>/dt=<day>/run=<run>.html  Data Docs page of one result
    _work/source=<id>/dt=<day>/run=<run>/<name>            hand-over between one run's tasks
    _cache/source=<id>/<sha256>.json.gz                    feed/sitemap bodies for conditional GETs
    _locks/source=<id>/fetch.json                          the lease of the run fetching the source
    _status/source=<id>/year=<YYYY>.json                   status index: each day's last publish/failure/start
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime

RAW = "raw"
ARTICLES = "articles"
QUARANTINE = "quarantine"
QUALITY = "quality"
WORK = "_work"
CACHE = "_cache"
LOCKS = "_locks"
STATUS = "_status"
PARTITIONED_ZONES = (RAW, ARTICLES, QUARANTINE, QUALITY, WORK)

PART_NAME = "part-0.parquet"
MANIFEST_NAME = "_SUCCESS"
INDEX_NAME = "_index.parquet"
BODY_SUFFIX = ".html.gz"
QUALITY_NAME = "validation.json"
QUALITY_LATEST_NAME = "latest.json"
DOCS_PREFIX = f"{QUALITY}/docs/"
DOCS_INDEX_KEY = DOCS_PREFIX + "index.html"
PARTITION_KEYS = ("source", "dt")

_SAFE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9_.-]+")
PARTITION_RE = re.compile(r"^(?P<zone>[^/]+)/source=(?P<source>[^/]+)/dt=(?P<dt>\d{4}-\d{2}-\d{2})/")


class LayoutError(ValueError):
    """A zone, source id, day or run id that cannot be part of a lake key."""


def check_id(kind: str, value: str) -> str:
    """value if it is safe inside a key segment (letters, digits, '_', '.', '-'), else LayoutError."""
    if not isinstance(value, str) or not _SAFE_RE.match(value):
        raise LayoutError(f"invalid {kind} {value!r}: use letters, digits, '_', '.', '-'")
    return value


def as_day(day: date | datetime | str) -> date:
    """A partition day from a date, an aware datetime (its UTC day) or 'YYYY-MM-DD'."""
    if isinstance(day, datetime):
        return day.astimezone(UTC).date() if day.tzinfo else day.date()
    if isinstance(day, date):
        return day
    try:
        return date.fromisoformat(day)
    except (TypeError, ValueError) as exc:
        raise LayoutError(f"not a YYYY-MM-DD day: {day!r}") from exc


def run_segment(run_id: str) -> str:
    """The key segment for a run id: the id itself when safe, else a readable form plus a short hash.

    Airflow run ids carry ':' and '+' (e.g. 'backfill__2026-11-19T00:00:00+00:00'); the hash keeps
    two ids that differ only in such characters apart.
    """
    if not isinstance(run_id, str) or not run_id:
        raise LayoutError(f"invalid run id {run_id!r}")
    if _SAFE_RE.match(run_id):
        return run_id
    readable = _UNSAFE_CHARS.sub("_", run_id).strip("_.-") or "run"
    return f"{readable}-{hashlib.sha256(run_id.encode()).hexdigest()[:8]}"


def check_zone(zone: str) -> str:
    """zone if it is one of the lake's partitioned zones, else LayoutError."""
    if zone not in PARTITIONED_ZONES:
        raise LayoutError(f"unknown zone {zone!r} (zones: {', '.join(PARTITIONED_ZONES)})")
    return zone


def partition_prefix(zone: str, source_id: str, day: date | datetime | str) -> str:
    """'<zone>/source=<id>/dt=<YYYY-MM-DD>/'."""
    return f"{check_zone(zone)}/source={check_id('source id', source_id)}/dt={as_day(day).isoformat()}/"


def part_key(zone: str, source_id: str, day: date | datetime | str) -> str:
    """The one data object of a partition."""
    return partition_prefix(zone, source_id, day) + PART_NAME


def manifest_key(zone: str, source_id: str, day: date | datetime | str) -> str:
    """The _SUCCESS manifest of a partition."""
    return partition_prefix(zone, source_id, day) + MANIFEST_NAME


def raw_body_key(source_id: str, day: date, url_id: str) -> str:
    """Where the gzip body of one fetched URL is stored."""
    return f"{partition_prefix(RAW, source_id, day)}{check_id('url id', url_id)}{BODY_SUFFIX}"


def raw_index_key(source_id: str, day: date) -> str:
    """Where the raw index of (source, day) is stored."""
    return partition_prefix(RAW, source_id, day) + INDEX_NAME


def run_prefix(zone: str, source_id: str, day: date | datetime | str, run_id: str) -> str:
    """'<zone>/source=<id>/dt=<day>/run=<run>/': what one run keeps for one partition."""
    return f"{partition_prefix(zone, source_id, day)}run={run_segment(run_id)}/"


def quality_key(source_id: str, day: date | datetime | str, run_id: str) -> str:
    """The Great Expectations result of one run for one partition."""
    return run_prefix(QUALITY, source_id, day, run_id) + QUALITY_NAME


def quality_latest_key(source_id: str, day: date | datetime | str) -> str:
    """The pointer to the latest validation result of one partition."""
    return partition_prefix(QUALITY, source_id, day) + QUALITY_LATEST_NAME


# Stage / task names whose failure leaves a GX result behind (the CLI and the DAG task names).
VALIDATING_STAGES = frozenset({"validate", "extract_validate"})


def docs_page_key(source_id: str, day: date | datetime | str, run_id: str) -> str:
    """The Data Docs page of one run's validation result for one partition."""
    return (
        f"{DOCS_PREFIX}validations/source={check_id('source id', source_id)}/dt={as_day(day).isoformat()}/"
        f"run={run_segment(run_id)}.html"
    )


def work_key(source_id: str, day: date | datetime | str, run_id: str, name: str) -> str:
    """A hand-over object of one run (removed after its successful publish)."""
    return run_prefix(WORK, source_id, day, run_id) + check_id("hand-over name", name)


def cache_prefix(source_id: str) -> str:
    """Discovery's conditional-GET cache of one source."""
    return f"{CACHE}/source={check_id('source id', source_id)}/"


def lease_key(source_id: str) -> str:
    """The lease that lets one run at a time fetch from a source."""
    return f"{LOCKS}/source={check_id('source id', source_id)}/fetch.json"


def parse_partition(key: str) -> tuple[str, str, date] | None:
    """(zone, source id, day) of a key inside a partition folder, or None."""
    match = PARTITION_RE.match(key)
    if not match:
        return None
    return match["zone"], match["source"], date.fromisoformat(match["dt"])


def status_index_key(source_id: str, year: str) -> str:
    """The status index object of one source and year (YYYY)."""
    if not re.match(r"^\d{4}$", year):
        raise LayoutError(f"year {year!r} is not YYYY")
    return f"{STATUS}/source={check_id('source id', source_id)}/year={year}.json"


STATUS_INDEX_RE = re.compile(rf"^{STATUS}/source=(?P<source>[^/]+)/year=(?P<year>\d{{4}})\.json$")
