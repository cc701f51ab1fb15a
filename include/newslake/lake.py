"""The Parquet lake: explicit article schema, deterministic bytes, one atomically replaced object per partition."""

from __future__ import annotations

import hashlib
import io
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa

from newslake.errors import NewerSchemaError, PartitionBusyError, PartitionConflictError
from newslake.layout import (
    PART_NAME,
    PARTITION_KEYS,
    as_day,
    check_id,
    check_zone,
    manifest_key,
    parse_partition,
    part_key,
)
from newslake.storage import ObjectInfo, ObjectStore, PreconditionFailed

# 2: enrichment columns (countries, primary_country, organizations, topics, topic_evidence).
SCHEMA_VERSION = 2
COMPRESSION = "zstd"
COMPRESSION_LEVEL = 3

_TS = pa.timestamp("us", tz="UTC")
# One topic's evidence: the label and the sentence that matched it.
EVIDENCE_TYPE = pa.list_(pa.struct([pa.field("topic", pa.string()), pa.field("sentence", pa.string())]))


class LakeError(ValueError):
    """Rows or tables that do not fit the lake schema or layout."""


def _schema(fields: list[pa.Field], kind: str) -> pa.Schema:
    return pa.schema(
        fields,
        metadata={"newslake.schema_version": str(SCHEMA_VERSION), "newslake.table": kind},
    )


# The one list of record fields: (name, type, nullable in the file, required by the data contract).
# The record builder, the Parquet schema and the validation suite's required columns all derive from it.
_COLUMNS: list[tuple[str, pa.DataType, bool, bool]] = [
    ("article_id", pa.string(), False, True),
    ("url", pa.string(), False, True),
    ("canonical_url", pa.string(), True, False),
    ("title", pa.string(), True, True),
    ("description", pa.string(), True, False),
    ("body", pa.string(), True, True),
    ("authors", pa.list_(pa.string()), True, False),
    ("published_at", _TS, True, True),
    ("modified_at", _TS, True, False),
    ("date_source", pa.string(), True, False),
    ("dateline", pa.string(), True, False),
    ("dateline_place", pa.string(), True, False),
    ("dateline_agency", pa.string(), True, False),
    ("language", pa.string(), True, True),
    ("section", pa.string(), True, False),
    ("tags", pa.list_(pa.string()), True, False),
    ("word_count", pa.int32(), True, True),
    ("content_sha256", pa.string(), True, False),
    ("extraction_method", pa.string(), True, False),
    ("field_sources", pa.string(), True, False),  # JSON object: field name -> method
    ("http_status", pa.int16(), True, False),
    ("fetched_at", _TS, True, False),
    ("raw_key", pa.string(), True, False),
    ("run_id", pa.string(), True, False),
    # Enrichment (schema 2), appended so that readers matching columns by position still see v1 columns.
    ("countries", pa.list_(pa.string()), True, False),  # ISO 3166-1 alpha-2, sorted
    ("primary_country", pa.string(), True, False),
    ("organizations", pa.list_(pa.string()), True, False),  # canonical names from organizations.yaml
    ("topics", pa.list_(pa.string()), True, False),  # labels from taxonomy.yaml
    ("topic_evidence", EVIDENCE_TYPE, True, False),  # [{topic, sentence}], one per topic
]
_ARTICLE_FIELDS = [pa.field(name, kind, nullable=nullable) for name, kind, nullable, _ in _COLUMNS]
REQUIRED_COLUMNS = tuple(name for name, _, _, required in _COLUMNS if required)

ARTICLE_SCHEMA = _schema(_ARTICLE_FIELDS, "articles")


def nullable_schema(schema: pa.Schema) -> pa.Schema:
    """The same columns with every field nullable: the shape of rows before validation."""
    return pa.schema([f.with_nullable(True) for f in schema], metadata=schema.metadata)


def reader_schema() -> pa.Schema:
    """ARTICLE_SCHEMA plus the hive keys source and dt: pass it to readers so older partitions get nulls."""
    return ARTICLE_SCHEMA.append(pa.field("source", pa.string())).append(pa.field("dt", pa.string()))


# Unvalidated rows (any column may be null); validation turns them into ARTICLE_SCHEMA tables.
CANDIDATE_SCHEMA = nullable_schema(ARTICLE_SCHEMA)
QUARANTINE_SCHEMA = _schema(
    [f.with_nullable(True) for f in _ARTICLE_FIELDS]
    + [pa.field("failed_expectations", pa.list_(pa.string()))],
    "quarantine",
)

_LIST_COLUMNS = {"authors", "tags", "failed_expectations", "countries", "organizations", "topics", "topic_evidence"}


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
        elif name == "topic_evidence" and isinstance(value, Mapping):
            value = [{"topic": t, "sentence": sentence} for t, sentence in value.items()]
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


# --------------------------------------------------------------------------- publishing

# How long a publisher waits for another one that is between its data and manifest writes.
PUBLISH_WAIT_SECONDS = 120.0
# Data newer than its manifest for this long (by the store's clock) was left by a publisher that died.
STALE_PUBLISH_SECONDS = 600.0
_POLL_SECONDS = 0.5


def _with_lake_metadata(table: pa.Table) -> pa.Table:
    clash = [c for c in PARTITION_KEYS if c in table.column_names]
    if clash:
        # A column named like a partition key breaks pandas.read_parquet(dir) on the whole lake.
        raise LakeError(f"table has partition-key column(s) {clash}; they live in the path only")
    metadata = dict(table.schema.metadata or {})
    metadata[b"newslake.schema_version"] = str(SCHEMA_VERSION).encode()
    return table.replace_schema_metadata(metadata)


@dataclass(frozen=True)
class _PartitionState:
    """A partition as one publisher saw it: its manifest (and version) and its data object's version."""

    manifest: dict[str, Any] | None
    manifest_etag: str | None
    data: ObjectInfo | None

    @property
    def committed(self) -> bool:
        """True when the manifest describes the data object (or neither exists)."""
        if self.data is None:
            return True
        if self.manifest is None:
            return False
        # Manifests written before etags were recorded describe whatever data they sit beside.
        return self.manifest.get("etag", self.data.etag) == self.data.etag


def _partition_state(store: ObjectStore, part: str, manifest: str) -> _PartitionState:
    from newslake.storage import ObjectNotFound

    # Manifest first, data second: a publish committing in between looks uncommitted and is waited for.
    try:
        raw, etag = store.get_versioned(manifest)
        parsed = json.loads(raw)
        document = parsed if isinstance(parsed, dict) else {}
    except ObjectNotFound:
        document, etag = None, None
    except ValueError:
        document = {}
    return _PartitionState(document, etag, store.head(part))


def write_partition(
    store: ObjectStore,
    zone: str,
    source_id: str,
    day: date | datetime | str,
    table: pa.Table,
    *,
    run_id: str,
    extra_manifest: Mapping[str, Any] | None = None,
    wait_seconds: float = PUBLISH_WAIT_SECONDS,
    stale_seconds: float = STALE_PUBLISH_SECONDS,
) -> dict[str, Any]:
    """Replace the partition with table (one part-0.parquet PUT) and commit it with its _SUCCESS manifest.

    Any number of publishers may race: each claims the partition by a conditional PUT of part-0 on
    the version the current manifest describes, then commits by a conditional PUT of the manifest
    on the version it read. A publisher that finds another between those two writes waits for it
    (PartitionBusyError after wait_seconds); one whose data sat uncommitted for stale_seconds died,
    and is fenced off by re-versioning the manifest before taking over. So the manifest always ends
    up describing the part-0 readers get, the last complete publish wins, and a publisher whose
    commit was fenced raises PartitionConflictError instead of returning someone else's data.
    An empty table still writes a valid 0-row part-0. A partition whose manifest records a newer
    schema_version than SCHEMA_VERSION is never overwritten (NewerSchemaError).
    """
    day = as_day(day)
    part, manifest_name = part_key(zone, source_id, day), manifest_key(zone, source_id, day)
    table = _with_lake_metadata(sort_table(table))
    data = parquet_bytes(table)
    deadline = time.monotonic() + wait_seconds
    while True:
        state = _partition_state(store, part, manifest_name)
        _refuse_newer_schema(part, state, run_id)
        base_etag = state.manifest_etag
        if not state.committed:
            assert state.data is not None
            if state.data.age_seconds < stale_seconds:
                if time.monotonic() > deadline:
                    raise PartitionBusyError(
                        f"{part}: another publisher wrote data {state.data.age_seconds:.0f}s ago and has not "
                        f"committed its manifest; run {run_id} gave up waiting after {wait_seconds:.0f}s"
                    )
                time.sleep(_POLL_SECONDS)
                continue
            base_etag = _fence(store, manifest_name, state, run_id)
            if base_etag is None:
                continue  # someone else fenced or committed first: look again
        try:
            etag = _claim(store, part, data, state.data)
        except PreconditionFailed:
            continue  # another publisher claimed the partition since we looked
        manifest = _manifest(zone, source_id, day, part, table, data, etag, run_id, extra_manifest)
        try:
            store.put(
                manifest_name,
                json.dumps(manifest, sort_keys=True, indent=2, default=str).encode(),
                content_type="application/json",
                if_match=base_etag,
                if_none_match=base_etag is None,
            )
        except PreconditionFailed:
            raise PartitionConflictError(
                f"{part}: run {run_id} wrote its data but another publisher took the partition over before "
                "this run committed its manifest; readers see that publisher's data, not this run's"
            ) from None
        _drop_other_parts(store, part)
        return manifest


def _refuse_newer_schema(part: str, state: _PartitionState, run_id: str) -> None:
    """A partition written by a newer schema holds columns this code would drop: never overwrite it."""
    manifest = state.manifest or {}
    written = manifest.get("schema_version")
    try:
        version = int(written) if written is not None else None
    except (TypeError, ValueError):
        version = None
    if version is not None and version > SCHEMA_VERSION:
        raise NewerSchemaError(
            f"{part}: written with schema version {version} by run {manifest.get('run_id', '?')}, "
            f"this newslake writes version {SCHEMA_VERSION}; run {run_id} refuses to overwrite it "
            "(upgrade newslake on this worker)"
        )


def _claim(store: ObjectStore, part: str, data: bytes, current: ObjectInfo | None) -> str:
    """PUT part-0 only over the version we saw (or only if there was none)."""
    return store.put(
        part,
        data,
        content_type="application/vnd.apache.parquet",
        if_match=current.etag if current else None,
        if_none_match=current is None,
    )


def _fence(store: ObjectStore, manifest_name: str, state: _PartitionState, run_id: str) -> str | None:
    """Re-version the manifest so a stalled publisher's commit fails; the new ETag, or None if we lost."""
    document = dict(state.manifest or {})
    document["fenced_by"] = {"run_id": run_id, "at": datetime.now(UTC).isoformat(timespec="seconds")}
    try:
        return store.put(
            manifest_name,
            json.dumps(document, sort_keys=True, indent=2, default=str).encode(),
            content_type="application/json",
            if_match=state.manifest_etag,
            if_none_match=state.manifest_etag is None,
        )
    except PreconditionFailed:
        return None


def _manifest(
    zone: str,
    source_id: str,
    day: date,
    part: str,
    table: pa.Table,
    data: bytes,
    etag: str,
    run_id: str,
    extra: Mapping[str, Any] | None,
) -> dict[str, Any]:
    manifest: dict[str, Any] = dict(extra or {})
    manifest.update(
        {
            "zone": zone,
            "source": source_id,
            "dt": day.isoformat(),
            "key": part,
            "run_id": run_id,
            "rows": table.num_rows,
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "etag": etag,
            "schema_version": SCHEMA_VERSION,
            "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )
    return manifest


def _drop_other_parts(store: ObjectStore, part: str) -> None:
    # Files other writers may have left beside part-0 would be read as part of the partition.
    prefix = part.rsplit("/", 1)[0] + "/part-"
    for key in store.list(prefix):
        if key != part and key.endswith(".parquet"):
            store.delete(key)


def read_partition(store: ObjectStore, zone: str, source_id: str, day: date | datetime | str) -> pa.Table:
    """The partition's table; raises ObjectNotFound if the partition was never written."""
    return read_parquet_bytes(store.get(part_key(zone, source_id, day)))


def read_manifest(store: ObjectStore, zone: str, source_id: str, day: date | datetime | str) -> dict | None:
    """The partition's _SUCCESS manifest, or None when absent (never written, or a write in progress)."""
    from newslake.storage import ObjectNotFound

    try:
        return json.loads(store.get(manifest_key(zone, source_id, day)))
    except ObjectNotFound:
        return None


def list_partitions(store: ObjectStore, zone: str, source_id: str | None = None) -> list[tuple[str, date]]:
    """Sorted (source_id, day) pairs that hold a data file in zone."""
    prefix = f"{check_zone(zone)}/" + (f"source={check_id('source id', source_id)}/" if source_id else "")
    found = set()
    for key in store.list(prefix):
        parsed = parse_partition(key)
        if parsed and key.endswith("/" + PART_NAME):
            found.add((parsed[1], parsed[2]))
    return sorted(found)
