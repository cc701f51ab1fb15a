"""Lake status: per source and day, what the published partitions hold, read from their manifests.

Used by the Airflow UI plugin (plugins/newslake_plugin.py) and testable without Airflow. Only
manifests are read (one small JSON object per partition), never the Parquet data itself.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

if TYPE_CHECKING:
    from newslake.storage import ObjectStore

# The DAG of source <id> is news_<id> (dags/news_sources.py); the UI passes the DAG id to DAG tabs.
DAG_ID_PREFIX = "news_"
_SOURCE_ID_RE = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
ARTICLES_ZONE = "articles"
QUARANTINE_ZONE = "quarantine"
DEFAULT_DAYS_PER_SOURCE = 31
MAX_DAYS_PER_SOURCE = 3660
_READ_WORKERS = 8

# Partition states, worst first: what an operator has to look at.
STATE_BAD_MANIFEST = "bad_manifest"  # _SUCCESS is not a JSON object: written by something else
STATE_MISSING_MANIFEST = "missing_manifest"  # data without _SUCCESS: a publish that never finished
STATE_QUARANTINE_ONLY = "quarantine_only"  # every record of the day was rejected
STATE_EMPTY = "empty"  # published with 0 rows: flag it, a source rarely has a silent day
STATE_OK = "ok"


class StatusError(Exception):
    """The lake could not be read (storage unreachable, bad credentials, bad bucket)."""


@dataclass(frozen=True)
class PartitionStatus:
    """One (source, day): published rows, quarantined rows and the manifest that vouches for them."""

    source: str
    day: str
    state: str
    rows: int | None
    quarantined: int | None
    run_id: str | None
    schema_version: int | None
    written_at: str | None
    # Differs from run_id when a later run was stopped by validation after quarantining rows.
    quarantine_run_id: str | None = None


@dataclass(frozen=True)
class SourceSummary:
    """Totals for one source over the partitions shown."""

    source: str
    partitions: int
    rows: int
    quarantined: int
    first_day: str
    last_day: str
    attention: int  # partitions whose state is not "ok"


@dataclass(frozen=True)
class LakeStatus:
    """The lake status report: one row per partition, newest day first within each source."""

    generated_at: str
    partitions: tuple[PartitionStatus, ...]
    sources: tuple[SourceSummary, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form of the report."""
        return {
            "generated_at": self.generated_at,
            "sources": [asdict(s) for s in self.sources],
            "partitions": [asdict(p) for p in self.partitions],
        }


def source_for_dag(dag_id: str) -> str | None:
    """The source id a newslake DAG ingests (news_<id> -> <id>), or None for any other DAG."""
    source = dag_id.removeprefix(DAG_ID_PREFIX) if dag_id.startswith(DAG_ID_PREFIX) else ""
    return source if _SOURCE_ID_RE.match(source) else None


def _day_str(day: Any) -> str:
    return day.isoformat() if isinstance(day, date) else str(day)


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _partition_status(
    source: str, day: str, *, has_articles: bool, manifest: dict | None, quarantine: dict | None
) -> PartitionStatus:
    rows = _int_or_none(manifest.get("rows")) if manifest else None
    quarantined = _int_or_none(quarantine.get("rows")) if quarantine else None
    if quarantined is None and manifest:
        # Fallback: the publish step's copy of the validate counts ({"validate": {"quarantined": n}}).
        counts = manifest.get("counts")
        counts = counts if isinstance(counts, dict) else {}
        validate = counts.get("validate")
        validate = validate if isinstance(validate, dict) else counts
        quarantined = _int_or_none(validate.get("quarantined"))
    if manifest is None:
        state = STATE_MISSING_MANIFEST if has_articles or quarantine is None else STATE_QUARANTINE_ONLY
    elif not rows:
        state = STATE_QUARANTINE_ONLY if quarantined else STATE_EMPTY
    else:
        state = STATE_OK
    vouching = manifest or quarantine or {}
    written_at = vouching.get("written_at")
    return PartitionStatus(
        source=source,
        day=day,
        state=state,
        rows=rows,
        quarantined=quarantined,
        run_id=vouching.get("run_id"),
        schema_version=_int_or_none(vouching.get("schema_version")),
        written_at=str(written_at) if written_at is not None else None,
        quarantine_run_id=quarantine.get("run_id") if quarantine else None,
    )


def _summaries(partitions: Sequence[PartitionStatus]) -> tuple[SourceSummary, ...]:
    by_source: dict[str, list[PartitionStatus]] = {}
    for p in partitions:
        by_source.setdefault(p.source, []).append(p)
    return tuple(
        SourceSummary(
            source=source,
            partitions=len(items),
            rows=sum(p.rows or 0 for p in items),
            quarantined=sum(p.quarantined or 0 for p in items),
            first_day=min(p.day for p in items),
            last_day=max(p.day for p in items),
            attention=sum(p.state != STATE_OK for p in items),
        )
        for source, items in sorted(by_source.items())
    )


def collect_status(
    store: ObjectStore,
    *,
    source_id: str | None = None,
    since: date | None = None,
    until: date | None = None,
    days_per_source: int | None = DEFAULT_DAYS_PER_SOURCE,
) -> LakeStatus:
    """Read the manifests of the articles and quarantine partitions into a LakeStatus.

    `since`/`until` bound the day (inclusive); `days_per_source` keeps the newest N days of each
    source (None = all). Raises StatusError when the store cannot be listed or read.
    """
    from newslake.lake import list_partitions, read_manifest

    try:
        keys: set[tuple[str, str]] = set()
        quarantine_keys: set[tuple[str, str]] = set()
        for zone, found in ((ARTICLES_ZONE, keys), (QUARANTINE_ZONE, quarantine_keys)):
            for sid, partition_day in list_partitions(store, zone, source_id):
                found.add((sid, _day_str(partition_day)))
    except Exception as exc:
        raise StatusError(f"cannot list the lake: {type(exc).__name__}: {exc}") from exc

    wanted = sorted(
        (
            (sid, day)
            for sid, day in keys | quarantine_keys
            if (since is None or day >= since.isoformat()) and (until is None or day <= until.isoformat())
        ),
        key=lambda item: (item[0], item[1]),
        reverse=True,
    )
    if days_per_source is not None:
        seen: dict[str, int] = {}
        kept = []
        for sid, day in wanted:
            seen[sid] = seen.get(sid, 0) + 1
            if seen[sid] <= days_per_source:
                kept.append((sid, day))
        wanted = kept

    def read(item: tuple[str, str]) -> PartitionStatus:
        sid, day = item
        when = date.fromisoformat(day)
        try:
            manifest = read_manifest(store, ARTICLES_ZONE, sid, when) if item in keys else None
            quarantine = read_manifest(store, QUARANTINE_ZONE, sid, when) if item in quarantine_keys else None
            if not isinstance(manifest or {}, dict) or not isinstance(quarantine or {}, dict):
                raise ValueError("manifest is not a JSON object")
        except ValueError:  # one unreadable manifest must not hide the rest of the lake
            return PartitionStatus(sid, day, STATE_BAD_MANIFEST, None, None, None, None, None)
        return _partition_status(
            sid, day, has_articles=item in keys, manifest=manifest, quarantine=quarantine
        )

    try:
        # Manifests are tiny; over S3 the round trips dominate, so read a few at a time.
        with ThreadPoolExecutor(max_workers=_READ_WORKERS) as pool:
            partitions = list(pool.map(read, wanted))
    except Exception as exc:
        raise StatusError(f"cannot read a manifest: {type(exc).__name__}: {exc}") from exc
    partitions.sort(key=lambda p: (p.source, _reverse_day(p.day)))
    return LakeStatus(
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        partitions=tuple(partitions),
        sources=_summaries(partitions),
    )


def _reverse_day(day: str) -> tuple[int, ...]:
    try:
        return tuple(-int(part) for part in day.split("-"))
    except ValueError:
        return (0,)


def _cell(value: Any) -> str:
    return "" if value is None else html.escape(str(value))


def render_html(
    status: LakeStatus, *, title: str = "newslake: lake status", json_href: str = "status"
) -> str:
    """A self-contained HTML page (no scripts, no external assets) showing the report."""
    summary_rows = "\n".join(
        f"<tr><td>{_cell(s.source)}</td><td class=n>{s.partitions}</td><td class=n>{s.rows}</td>"
        f"<td class=n>{s.quarantined}</td><td>{_cell(s.first_day)}</td><td>{_cell(s.last_day)}</td>"
        f"<td class=n>{s.attention}</td></tr>"
        for s in status.sources
    )
    partition_rows = "\n".join(
        f'<tr class="{_cell(p.state)}"><td>{_cell(p.source)}</td><td>{_cell(p.day)}</td>'
        f"<td>{_cell(p.state)}</td><td class=n>{_cell(p.rows)}</td><td class=n>{_cell(p.quarantined)}</td>"
        f"<td><code>{_cell(p.run_id)}</code></td><td class=n>{_cell(p.schema_version)}</td>"
        f"<td>{_cell(p.written_at)}</td></tr>"
        for p in status.partitions
    )
    empty = "" if status.partitions else "<p>No partitions published yet.</p>"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{_cell(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem; }}
table {{ border-collapse: collapse; margin-bottom: 1.5rem; }}
th, td {{ border: 1px solid #ccc; padding: .25rem .6rem; text-align: left; }}
td.n {{ text-align: right; }}
tr.empty, tr.quarantine_only, tr.missing_manifest, tr.bad_manifest {{ background: #fff3cd; }}
</style></head>
<body>
<h1>{_cell(title)}</h1>
<p>Generated {_cell(status.generated_at)} from the <code>_SUCCESS</code> manifests.
JSON: <a href="{_cell(json_href)}">status</a></p>
<h2>Sources</h2>
<table><thead><tr><th>source</th><th>partitions</th><th>rows</th><th>quarantined</th>
<th>first day</th><th>last day</th><th>need attention</th></tr></thead>
<tbody>
{summary_rows}
</tbody></table>
<h2>Partitions</h2>
{empty}<table><thead><tr><th>source</th><th>day (dt)</th><th>state</th><th>rows</th><th>quarantined</th>
<th>run_id</th><th>schema</th><th>written_at</th></tr></thead>
<tbody>
{partition_rows}
</tbody></table>
</body></html>
"""


def create_app(open_store: Callable[[], ObjectStore], *, dependencies: Sequence[Any] = ()) -> Any:
    """FastAPI app serving GET /status (JSON) and GET / (HTML) over the store open_store() returns.

    The store is opened per request, so no client outlives a request. `dependencies` (e.g. the
    Airflow login check) apply to every route.
    """
    from fastapi import FastAPI, HTTPException, Query
    from fastapi.responses import HTMLResponse

    app = FastAPI(
        title="newslake lake status",
        description="Per source and day: rows published, rows quarantined, and the manifest of each partition.",
        dependencies=list(dependencies),
    )

    def gather(
        source: str | None, dag_id: str | None, since: date | None, until: date | None, days: int
    ) -> LakeStatus:
        if dag_id is not None:
            from_dag = source_for_dag(dag_id)
            if from_dag is None:
                raise HTTPException(status_code=404, detail=f"{dag_id!r} is not a newslake source DAG")
            if source is not None and source != from_dag:
                raise HTTPException(status_code=422, detail="source and dag_id name different sources")
            source = from_dag
        try:
            store = open_store()
            return collect_status(store, source_id=source, since=since, until=until, days_per_source=days)
        except StatusError as exc:
            raise HTTPException(status_code=503, detail=str(exc)) from exc
        except Exception as exc:  # opening the store: bad settings or unreachable endpoint
            raise HTTPException(
                status_code=503, detail=f"lake storage unavailable: {type(exc).__name__}: {exc}"
            ) from exc

    source_q = Query(None, pattern=_SOURCE_ID_RE.pattern, description="only this source id")
    since_q = Query(None, description="first day (UTC, inclusive)")
    dag_q = Query(None, max_length=250, description="only the source of this DAG (news_<source_id>)")
    until_q = Query(None, description="last day (UTC, inclusive)")
    days_q = Query(
        DEFAULT_DAYS_PER_SOURCE, ge=1, le=MAX_DAYS_PER_SOURCE, description="newest N days per source"
    )

    @app.get("/status")
    def status_json(
        source: str | None = source_q,
        dag_id: str | None = dag_q,
        since: date | None = since_q,
        until: date | None = until_q,
        days: int = days_q,
    ) -> dict[str, Any]:
        """Lake status as JSON."""
        return gather(source, dag_id, since, until, days).to_dict()

    @app.get("/", response_class=HTMLResponse)
    def status_page(
        source: str | None = source_q,
        dag_id: str | None = dag_q,
        since: date | None = since_q,
        until: date | None = until_q,
        days: int = days_q,
    ) -> HTMLResponse:
        """Lake status as an HTML table."""
        status = gather(source, dag_id, since, until, days)
        asked = {"source": source, "dag_id": dag_id, "since": since, "until": until}
        query = urlencode({k: str(v) for k, v in asked.items() if v is not None} | {"days": days})
        return HTMLResponse(render_html(status, json_href=f"status?{query}"))

    return app
