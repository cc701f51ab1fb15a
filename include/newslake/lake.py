"""The Parquet lake: explicit article schema, deterministic bytes, one atomically replaced object per partition."""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa

if TYPE_CHECKING:
    from newslake.storage import ObjectStore

SCHEMA_VERSION = 1
PART_NAME = "part-0.parquet"
MANIFEST_NAME = "_SUCCESS"
PARTITION_KEYS = ("source", "dt")
COMPRESSION = "zstd"
COMPRESSION_LEVEL = 3

_TS = pa.timestamp("us", tz="UTC")
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_PARTITION_RE = re.compile(r"^(?P<zone>[^/]+)/source=(?P<source>[^/]+)/dt=(?P<dt>\d{4}-\d{2}-\d{2})/")


class LakeError(ValueError):
    """Rows or tables that do not fit the lake schema or layout."""


def _schema(fields: list[pa.Field], kind: str) -> pa.Schema:
    return pa.schema(
        fields,
        metadata={"newslake.schema_version": str(SCHEMA_VERSION), "newslake.table": kind},
    )


_ARTICLE_FIELDS = [
    pa.field("article_id", pa.string(), nullable=False),
    pa.field("url", pa.string(), nullable=False),
    pa.field("canonical_url", pa.string()),
    pa.field("title", pa.string()),
    pa.field("description", pa.string()),
    pa.field("body", pa.string()),
    pa.field("authors", pa.list_(pa.string())),
    pa.field("published_at", _TS),
    pa.field("modified_at", _TS),
    pa.field("date_source", pa.string()),
    pa.field("dateline", pa.string()),
    pa.field("dateline_place", pa.string()),
    pa.field("dateline_agency", pa.string()),
    pa.field("language", pa.string()),
    pa.field("section", pa.string()),
    pa.field("tags", pa.list_(pa.string())),
    pa.field("word_count", pa.int32()),
    pa.field("content_sha256", pa.string()),
    pa.field("extraction_method", pa.string()),
    pa.field("field_sources", pa.string()),  # JSON object: field name -> method
    pa.field("http_status", pa.int16()),
    pa.field("fetched_at", _TS),
    pa.field("raw_key", pa.string()),
    pa.field("run_id", pa.string()),
]

ARTICLE_SCHEMA = _schema(_ARTICLE_FIELDS, "articles")


def nullable_schema(schema: pa.Schema) -> pa.Schema:
    """The same columns with every field nullable: the shape of rows before validation."""
    return pa.schema([f.with_nullable(True) for f in schema], metadata=schema.metadata)


# Unvalidated rows (any column may be null); validation turns them into ARTICLE_SCHEMA tables.
CANDIDATE_SCHEMA = nullable_schema(ARTICLE_SCHEMA)
QUARANTINE_SCHEMA = _schema(
    [f.with_nullable(True) for f in _ARTICLE_FIELDS]
    + [pa.field("failed_expectations", pa.list_(pa.string()))],
    "quarantine",
)

_LIST_COLUMNS = {"authors", "tags", "failed_expectations"}


# --------------------------------------------------------------------------- rows -> table


def _as_utc(value: Any, column: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise LakeError(f"{column}: not an ISO-8601 timestamp: {value!r}") from exc
    if hasattr(value, "to_pydatetime"):  # pandas.Timestamp
        value = value.to_pydatetime()
    if not isinstance(value, datetime):
        raise LakeError(f"{column}: expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise LakeError(f"{column}: naive datetime {value.isoformat()} (the lake stores UTC instants)")
    return value.astimezone(UTC)


def _normalise_row(row: Mapping[str, Any], schema: pa.Schema) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in schema:
        name = field.name
        value = row.get(name)
        if pa.types.is_timestamp(field.type):
            value = _as_utc(value, name)
        elif name in _LIST_COLUMNS:
            value = [] if value is None else list(value)
        elif name == "field_sources" and isinstance(value, Mapping):
            value = json.dumps(dict(value), sort_keys=True, ensure_ascii=False)
        out[name] = value
    if "word_count" in out and out["word_count"] is None and isinstance(out.get("body"), str):
        out["word_count"] = len(out["body"].split())
    return out


def _sort_key(row: Mapping[str, Any]) -> tuple:
    # None sorts last; article_id first, url breaks ties so the order never depends on input order.
    return tuple((row.get(c) is None, row.get(c) or "") for c in ("article_id", "url"))


def records_to_table(rows: Iterable[Mapping[str, Any]], schema: pa.Schema = ARTICLE_SCHEMA) -> pa.Table:
    """Rows (dicts) -> table in the explicit schema, sorted by article_id then url; unknown keys are ignored.

    Timestamps may be aware datetimes or ISO strings (converted to UTC); naive ones are refused.
    Missing list columns become empty lists, field_sources dicts become sorted JSON,
    word_count is derived from body when absent. Use schema=CANDIDATE_SCHEMA for unvalidated rows.
    """
    normalised = sorted((_normalise_row(r, schema) for r in rows), key=_sort_key)
    try:
        loose = pa.Table.from_pylist(normalised, schema=nullable_schema(schema))
        return loose.cast(schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, ValueError, TypeError) as exc:
        raise LakeError(
            f"rows do not fit the {schema.metadata.get(b'newslake.table', b'?').decode()} schema: {exc}"
        ) from exc


def sort_table(table: pa.Table) -> pa.Table:
    """Rows ordered by article_id then url (nulls last), the lake's canonical order."""
    keys = [(c, "ascending", "at_end") for c in ("article_id", "url") if c in table.column_names]
    if not keys or table.num_rows < 2:
        return table
    return table.sort_by(keys)


# --------------------------------------------------------------------------- bytes


def parquet_bytes(table: pa.Table) -> bytes:
    """zstd Parquet; the same table always gives the same bytes (no wall-clock in file metadata)."""
    import pyarrow.parquet as pq

    sink = io.BytesIO()
    pq.write_table(
        table,
        sink,
        compression=COMPRESSION,
        compression_level=COMPRESSION_LEVEL,
        coerce_timestamps="us",
        allow_truncated_timestamps=False,
        use_compliant_nested_type=True,  # Spark/Hive list layout
        write_statistics=True,
        row_group_size=1_000_000,
    )
    return sink.getvalue()


def read_parquet_bytes(data: bytes) -> pa.Table:
    """Parquet bytes -> table."""
    import pyarrow.parquet as pq

    return pq.read_table(io.BytesIO(data))


# --------------------------------------------------------------------------- layout


def _day(day: date | datetime | str) -> date:
    if isinstance(day, datetime):
        return day.astimezone(UTC).date() if day.tzinfo else day.date()
    if isinstance(day, date):
        return day
    try:
        return date.fromisoformat(day)
    except (TypeError, ValueError) as exc:
        raise LakeError(f"not a YYYY-MM-DD day: {day!r}") from exc


def _check_id(kind: str, value: str) -> str:
    if not isinstance(value, str) or not _ID_RE.match(value):
        raise LakeError(f"invalid {kind} {value!r}: use letters, digits, '_', '.', '-'")
    return value


def partition_prefix(zone: str, source_id: str, day: date | datetime | str) -> str:
    """'<zone>/source=<id>/dt=<YYYY-MM-DD>/'."""
    return f"{_check_id('zone', zone)}/source={_check_id('source id', source_id)}/dt={_day(day).isoformat()}/"


def _with_lake_metadata(table: pa.Table) -> pa.Table:
    clash = [c for c in PARTITION_KEYS if c in table.column_names]
    if clash:
        # A column named like a partition key breaks pandas.read_parquet(dir) on the whole lake.
        raise LakeError(f"table has partition-key column(s) {clash}; they live in the path only")
    metadata = dict(table.schema.metadata or {})
    metadata[b"newslake.schema_version"] = str(SCHEMA_VERSION).encode()
    return table.replace_schema_metadata(metadata)


def write_partition(
    store: ObjectStore,
    zone: str,
    source_id: str,
    day: date | datetime | str,
    table: pa.Table,
    *,
    run_id: str,
    extra_manifest: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Replace the partition with table (one part-0.parquet PUT) and write its _SUCCESS manifest.

    Order: drop the old manifest, PUT part-0 (readers see the old or the new object, never a mix),
    remove any other part-*.parquet in the folder, then PUT the manifest. A partition without
    _SUCCESS is being written or was left by a failed run. An empty table still writes a valid
    0-row part-0, so a rerun that yields nothing replaces what an earlier run wrote.
    """
    prefix = partition_prefix(zone, source_id, day)
    table = _with_lake_metadata(sort_table(table))
    data = parquet_bytes(table)
    manifest_key = prefix + MANIFEST_NAME
    part_key = prefix + PART_NAME
    store.delete(manifest_key)
    store.put(part_key, data, content_type="application/vnd.apache.parquet")
    for key in store.list(prefix + "part-"):
        if key != part_key and key.endswith(".parquet"):
            store.delete(key)
    manifest: dict[str, Any] = dict(extra_manifest or {})
    manifest.update(
        {
            "zone": zone,
            "source": source_id,
            "dt": _day(day).isoformat(),
            "key": part_key,
            "run_id": run_id,
            "rows": table.num_rows,
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "schema_version": SCHEMA_VERSION,
            "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )
    store.put(
        manifest_key,
        json.dumps(manifest, sort_keys=True, indent=2, default=str).encode(),
        content_type="application/json",
    )
    return manifest


def read_partition(store: ObjectStore, zone: str, source_id: str, day: date | datetime | str) -> pa.Table:
    """The partition's table; raises ObjectNotFound if the partition was never written."""
    return read_parquet_bytes(store.get(partition_prefix(zone, source_id, day) + PART_NAME))


def read_manifest(store: ObjectStore, zone: str, source_id: str, day: date | datetime | str) -> dict | None:
    """The partition's _SUCCESS manifest, or None when absent (never written, or a write in progress)."""
    from newslake.storage import ObjectNotFound

    try:
        return json.loads(store.get(partition_prefix(zone, source_id, day) + MANIFEST_NAME))
    except ObjectNotFound:
        return None


def list_partitions(store: ObjectStore, zone: str, source_id: str | None = None) -> list[tuple[str, date]]:
    """Sorted (source_id, day) pairs that hold a data file in zone."""
    prefix = f"{_check_id('zone', zone)}/" + (
        f"source={_check_id('source id', source_id)}/" if source_id else ""
    )
    found = set()
    for key in store.list(prefix):
        match = _PARTITION_RE.match(key)
        if match and key.endswith("/" + PART_NAME):
            found.add((match["source"], date.fromisoformat(match["dt"])))
    return sorted(found)
