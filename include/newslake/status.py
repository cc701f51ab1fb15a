"""Lake status: a grid of sources x days, each day in one state, read from the status index.

Used by `newslake status` and by the Airflow UI plugin (plugins/newslake_plugin.py through
create_app); testable without Airflow. Only the index (newslake.status_index) is read per
request, never a listing of the lake or the partitions' manifests.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from newslake import layout

if TYPE_CHECKING:
    from newslake.config import SourceConfig
    from newslake.storage import ObjectStore

# The DAG of source <id> is news_<id> (dags/news_sources.py); the UI passes the DAG id to DAG tabs.
DAG_ID_PREFIX = "news_"
_SOURCE_ID_RE = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
DEFAULT_DAYS = 31
MAX_DAYS = 3660
DEFAULT_WARN_SHARE = 0.05
FILES_ROUTE = "lake"  # the page's route serving quality/ and quarantine/ objects (relative to the page)

# Cell states, worst first.
STATE_FAILED = "failed"
STATE_MISSING = "missing"  # expected (on or after the source's start date, before today) and never written
STATE_WARNING = "warning"  # written, but quarantine share above the warning share
STATE_RUNNING = "running"
STATE_WRITTEN = "written"
STATE_NOT_EXPECTED = "not_expected"  # before the source's start date, after its end date, or not over yet
STATES = (STATE_FAILED, STATE_MISSING, STATE_WARNING, STATE_RUNNING, STATE_WRITTEN, STATE_NOT_EXPECTED)


class StatusError(Exception):
    """The status could not be read; `where` is "storage" or "index", `hint` what to check."""

    def __init__(self, where: str, message: str, hint: str) -> None:
        super().__init__(message)
        self.where = where
        self.hint = hint


@dataclass(frozen=True)
class SourceDays:
    """The days a source is expected to have: start_date .. end_date (None = open)."""

    source: str
    start_date: date | None = None
    end_date: date | None = None

    @classmethod
    def of(cls, source: SourceConfig) -> SourceDays:
        """From a sources.yaml entry."""
        return cls(source.id, source.start_date, source.end_date)

    def expects(self, day: date, today: date) -> bool:
        """True when day should have a partition by now."""
        if day >= today:
            return False  # the nightly run of a day starts after it ends
        if self.start_date is not None and day < self.start_date:
            return False
        return self.end_date is None or day <= self.end_date


def warn_share() -> float:
    """Quarantine share above which a written day is shown as a warning (NEWSLAKE_QUARANTINE_WARN_SHARE)."""
    try:
        return float(os.environ.get("NEWSLAKE_QUARANTINE_WARN_SHARE", DEFAULT_WARN_SHARE))
    except ValueError:
        return DEFAULT_WARN_SHARE


def source_for_dag(dag_id: str) -> str | None:
    """The source id a newslake DAG ingests (news_<id> -> <id>), or None for any other DAG."""
    source = dag_id.removeprefix(DAG_ID_PREFIX) if dag_id.startswith(DAG_ID_PREFIX) else ""
    return source if _SOURCE_ID_RE.match(source) else None


def _event(entry: dict, name: str) -> dict | None:
    value = entry.get(name)
    return value if isinstance(value, dict) else None


def latest_outcome(entry: dict) -> str | None:
    """Which event of a day's entry is current: "published", "failure", "running" or None."""
    # Every "at" the index writes has one format (status_index.at_text), so strings compare in time order.
    published, failure, running = (_event(entry, n) for n in ("published", "failure", "running"))
    last: str | None = None
    event: dict | None = None
    if published and failure:
        # Same instant: the publish wins over a failure (a retried run that then succeeded).
        last, event = (
            ("published", published) if _at(published) >= _at(failure) else ("failure", failure)
        )
    elif published or failure:
        last, event = ("published", published) if published else ("failure", failure)
    if running and (event is None or _at(running) >= _at(event)):
        finished = {e.get("run_id") for e in (published, failure) if e}
        if running.get("run_id") not in finished:
            return "running"
    return last


def _at(event: dict | None) -> str:
    return str((event or {}).get("at") or "")


def day_state(
    entry: dict | None, day: date, expected: SourceDays, today: date, share: float, outcome: str | None = "?"
) -> str:
    """The state of one grid cell (`outcome`: latest_outcome(entry) when the caller has it)."""
    if outcome == "?":
        outcome = latest_outcome(entry) if entry else None
    if outcome == "running":
        return STATE_RUNNING
    if outcome == "failure":
        return STATE_FAILED
    if outcome == "published":
        published = _event(entry or {}, "published") or {}
        return STATE_WARNING if float(published.get("quarantine_share") or 0) > share else STATE_WRITTEN
    return STATE_MISSING if expected.expects(day, today) else STATE_NOT_EXPECTED


def _cell(entry: dict | None, day: date, state: str, outcome: str | None) -> dict[str, Any]:
    event = (_event(entry, outcome) if entry and outcome else None) or {}
    published = _event(entry or {}, "published") or {}
    cell: dict[str, Any] = {"day": day.isoformat(), "state": state}
    if published:
        cell["rows"] = published.get("rows")
        cell["quarantined"] = published.get("quarantined")
    if event:
        cell["run_id"] = event.get("run_id")
    if state == STATE_FAILED:
        cell["failure"] = f"{event.get('stage')}: {event.get('type')}"
    return cell


def default_range(today: date, days: int = DEFAULT_DAYS) -> tuple[date, date]:
    """The `days` complete days before today."""
    return today - timedelta(days=days), today - timedelta(days=1)


def build_grid(
    index: dict[str, dict[str, dict]],
    sources: Sequence[SourceDays],
    first: date,
    last: date,
    *,
    today: date,
    share: float | None = None,
) -> dict[str, Any]:
    """The JSON-ready grid: every source x every day first..last, with per-source totals."""
    share = warn_share() if share is None else share
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    known = {s.source: s for s in sources}
    for source in index:
        known.setdefault(source, SourceDays(source))
    rows = []
    for source in sorted(known):
        expected, entries = known[source], index.get(source, {})
        cells = []
        totals: dict[str, int] = dict.fromkeys(STATES, 0) | {"rows": 0, "quarantined": 0}
        for day in days:
            entry = entries.get(day.isoformat())
            outcome = latest_outcome(entry) if entry else None
            state = day_state(entry, day, expected, today, share, outcome)
            cell = _cell(entry, day, state, outcome)
            totals[state] += 1
            totals["rows"] += cell.get("rows") or 0
            totals["quarantined"] += cell.get("quarantined") or 0
            cells.append(cell)
        rows.append({
            "source": source,
            "dag_id": DAG_ID_PREFIX + source,
            "start_date": expected.start_date.isoformat() if expected.start_date else None,
            "end_date": expected.end_date.isoformat() if expected.end_date else None,
            "totals": totals,
            "cells": cells,
        })
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "since": first.isoformat(),
        "until": last.isoformat(),
        "today": today.isoformat(),
        "warn_share": share,
        "states": list(STATES),
        "sources": rows,
    }


def _storage_error(exc: Exception) -> StatusError:
    return StatusError(
        "storage",
        f"The lake storage could not be read: {type(exc).__name__}: {exc}",
        "Check that the S3 server (SeaweedFS) is running and reachable from the Airflow API server, and "
        "that the newslake_s3 connection (or NEWSLAKE_S3_ENDPOINT_URL / AWS_* keys) names the right "
        "endpoint, bucket and credentials.",
    )


def _index_error(exc: Exception) -> StatusError:
    return StatusError(
        "index",
        f"The status index could not be read: {exc}",
        "Rebuild it from the partitions' manifests with `newslake status --rebuild-index`.",
    )


def collect_grid(
    store: ObjectStore,
    sources: Sequence[SourceDays],
    *,
    source_id: str | None = None,
    since: date | None = None,
    until: date | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """Read the index for since..until (default: the last 31 complete days) and build the grid.

    Raises StatusError saying whether the storage or the index is at fault.
    """
    from newslake.status_index import StatusIndexError, read_index

    today = today or datetime.now(UTC).date()
    first, last = default_range(today)
    last = until or (last if since is None or since <= last else since)
    first = since or min(first, last)
    if first > last:
        first, last = last, first
    if (last - first).days >= MAX_DAYS:
        first = last - timedelta(days=MAX_DAYS - 1)
    try:
        index = read_index(store, source_id=source_id, first=first, last=last)
    except StatusIndexError as exc:
        raise _index_error(exc) from exc
    except Exception as exc:
        raise _storage_error(exc) from exc
    wanted = [s for s in sources if source_id is None or s.source == source_id]
    return build_grid(index, wanted, first, last, today=today)


def airflow_run_url(source: str, run_id: str | None) -> str | None:
    """The Airflow UI page of the run (same origin as the status page)."""
    if not run_id:
        return None
    return f"/dags/{quote(DAG_ID_PREFIX + source, safe='')}/runs/{quote(run_id, safe='')}"


def lake_file_url(key: str) -> str:
    """Link (relative to the status page) to an object the page serves from the lake."""
    return f"{FILES_ROUTE}/{quote(key, safe='/=')}"


def data_docs_url(source: str, day: date, run_id: str | None) -> str | None:
    """Link to the run's Data Docs page for (source, day): the one place Data Docs links are made."""
    if not run_id:
        return None
    return lake_file_url(layout.docs_page_key(source, day, run_id))


def quarantine_url(source: str, day: date) -> str:
    """Link to the day's quarantine Parquet file (rejected rows with their failed expectations)."""
    return lake_file_url(layout.part_key(layout.QUARANTINE, source, day))


def day_detail(
    store: ObjectStore, expected: SourceDays, day: date, *, today: date | None = None
) -> dict[str, Any]:
    """Everything the index knows about one (source, day), with links; raises StatusError."""
    from newslake.status_index import StatusIndexError, latest_events_sorted, read_day

    today = today or datetime.now(UTC).date()
    try:
        entry = read_day(store, expected.source, day)
    except StatusIndexError as exc:
        raise _index_error(exc) from exc
    except Exception as exc:
        raise _storage_error(exc) from exc
    state = day_state(entry, day, expected, today, warn_share())
    published = _event(entry or {}, "published")
    failure = _event(entry or {}, "failure")
    running = _event(entry or {}, "running")
    detail: dict[str, Any] = {
        "source": expected.source,
        "dag_id": DAG_ID_PREFIX + expected.source,
        "day": day.isoformat(),
        "state": state,
        "published": published,
        "failure": failure,
        "running": running,
        "history": latest_events_sorted(entry or {}),
        "links": {},
    }
    links = detail["links"]
    current = (published or {}).get("run_id")
    if published:
        links["run"] = airflow_run_url(expected.source, current)
        links["data_docs"] = data_docs_url(expected.source, day, current)
        if published.get("quarantined"):
            links["quarantine"] = quarantine_url(expected.source, day)
    if failure:
        links["failed_run"] = airflow_run_url(expected.source, failure.get("run_id"))
        if failure.get("quality_key"):
            links["failed_data_docs"] = data_docs_url(expected.source, day, failure.get("run_id"))
            links["quarantine"] = quarantine_url(expected.source, day)
    if running:
        links["running_run"] = airflow_run_url(expected.source, running.get("run_id"))
    return detail


def sources_from_config(config: str | None = None) -> list[SourceDays]:
    """The enabled sources' expected days; [] when sources.yaml cannot be read (the index still shows)."""
    from newslake.config import read_sources

    try:
        # A disabled source expects nothing: it shows only where the index holds its past runs.
        return [SourceDays.of(s) for s in read_sources(config).sources if s.enabled]
    except Exception:
        return []


def _query(**params: Any) -> str:
    return urlencode({k: str(v) for k, v in params.items() if v is not None})


def create_app(
    open_store: Callable[[], ObjectStore],
    *,
    sources: Callable[[], Iterable[SourceDays]] = sources_from_config,
    dependencies: Sequence[Any] = (),
) -> Any:
    """FastAPI app: GET / (grid page), /status (grid JSON), /day and /status/day (one day), /lake/<key>.

    The store is opened per request, so no client outlives a request. `dependencies` (e.g. the
    Airflow login check) apply to every route.
    """
    from fastapi import FastAPI, HTTPException, Query, Request
    from fastapi.responses import HTMLResponse, JSONResponse, Response

    from newslake import status_page

    app = FastAPI(
        title="newslake lake status",
        description="Per source and day: written, failed, running or missing, read from the status index.",
        dependencies=list(dependencies),
    )

    def pick_source(source: str | None, dag_id: str | None) -> str | None:
        if dag_id is not None:
            from_dag = source_for_dag(dag_id)
            if from_dag is None:
                raise HTTPException(status_code=404, detail=f"{dag_id!r} is not a newslake source DAG")
            if source is not None and source != from_dag:
                raise HTTPException(status_code=422, detail="source and dag_id name different sources")
            return from_dag
        return source

    def open_or_fail() -> ObjectStore:
        try:
            return open_store()
        except Exception as exc:  # bad settings or an endpoint that cannot be resolved
            raise _storage_error(exc) from exc

    def expected_days(source: str) -> SourceDays:
        for s in sources():
            if s.source == source:
                return s
        return SourceDays(source)

    def grid(source: str | None, since: date | None, until: date | None) -> dict[str, Any]:
        return collect_grid(open_or_fail(), list(sources()), source_id=source, since=since, until=until)

    def detail(source: str, day: date) -> dict[str, Any]:
        return day_detail(open_or_fail(), expected_days(source), day)

    def wants_html(request: Request) -> bool:
        return not request.url.path.rstrip("/").endswith(("/status", "/status/day"))

    @app.exception_handler(StatusError)
    async def status_error(request: Request, exc: StatusError) -> Response:
        body = {"detail": str(exc), "where": exc.where, "hint": exc.hint}
        if wants_html(request):
            return HTMLResponse(status_page.render_error(exc.where, str(exc), exc.hint), status_code=503)
        return JSONResponse(body, status_code=503)

    source_q = Query(None, pattern=_SOURCE_ID_RE.pattern, description="only this source id")
    dag_q = Query(None, max_length=250, description="only the source of this DAG (news_<source_id>)")
    since_q = Query(None, description="first day (UTC, inclusive); default: 31 days before until")
    until_q = Query(None, description="last day (UTC, inclusive); default: yesterday")
    day_source_q = Query(..., pattern=_SOURCE_ID_RE.pattern, description="source id")
    day_q = Query(..., description="the UTC day")

    @app.get("/status")
    def status_json(
        source: str | None = source_q,
        dag_id: str | None = dag_q,
        since: date | None = since_q,
        until: date | None = until_q,
    ) -> dict[str, Any]:
        """The grid as JSON."""
        return grid(pick_source(source, dag_id), since, until)

    @app.get("/", response_class=HTMLResponse)
    def status_html(
        source: str | None = source_q,
        dag_id: str | None = dag_q,
        since: date | None = since_q,
        until: date | None = until_q,
    ) -> HTMLResponse:
        """The grid page."""
        chosen = pick_source(source, dag_id)
        data = grid(chosen, since, until)
        json_href = "status?" + _query(source=chosen, since=data["since"], until=data["until"])
        return HTMLResponse(status_page.render_grid(data, source=chosen, json_href=json_href))

    @app.get("/status/day")
    def day_json(source: str = day_source_q, day: date = day_q) -> dict[str, Any]:
        """One day's detail as JSON."""
        return detail(source, day)

    @app.get("/day", response_class=HTMLResponse)
    def day_html(source: str = day_source_q, day: date = day_q) -> HTMLResponse:
        """One day's detail page."""
        return HTMLResponse(status_page.render_day(detail(source, day)))

    @app.get(f"/{FILES_ROUTE}/{{key:path}}")
    def lake_file(key: str) -> Response:
        """A quality/ or quarantine/ object (GX results, Data Docs, quarantine Parquet) from the lake."""
        from newslake.storage import ObjectNotFound

        if not key.startswith((layout.QUALITY + "/", layout.QUARANTINE + "/")) or ".." in key.split("/"):
            raise HTTPException(status_code=404, detail="only quality/ and quarantine/ objects are served")
        try:
            data = open_or_fail().get(key)
        except ObjectNotFound:
            raise HTTPException(status_code=404, detail=f"{key} is not in the lake") from None
        except StatusError:
            raise
        except Exception as exc:
            raise _storage_error(exc) from exc
        return Response(data, media_type=_media_type(key), headers=_file_headers(key))

    return app


def _media_type(key: str) -> str:
    if key.endswith(".html"):
        return "text/html; charset=utf-8"
    if key.endswith(".json"):
        return "application/json"
    if key.endswith(".css"):
        return "text/css"
    if key.endswith(".parquet"):
        return "application/vnd.apache.parquet"
    return "application/octet-stream"


def _file_headers(key: str) -> dict[str, str]:
    # Lake HTML (Data Docs) runs sandboxed: an opaque origin cannot use the operator's Airflow session.
    headers = {"Content-Security-Policy": "sandbox allow-scripts allow-popups", "X-Content-Type-Options": "nosniff"}
    if key.endswith(".parquet"):
        name = "-".join(part for part in key.split("/")[:3]) + ".parquet"
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return headers
