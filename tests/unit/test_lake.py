"""Lake schema, deterministic Parquet bytes, partition layout and manifests (LocalStore, no network)."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta, timezone

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from newslake.errors import PartitionBusyError, PartitionConflictError
from newslake.lake import (
    ARTICLE_SCHEMA,
    CANDIDATE_SCHEMA,
    QUARANTINE_SCHEMA,
    SCHEMA_VERSION,
    LakeError,
    list_partitions,
    parquet_bytes,
    read_manifest,
    read_partition,
    records_to_table,
    write_partition,
)
from newslake.layout import LayoutError, partition_prefix
from newslake.storage import ObjectNotFound
from newslake.urls import article_id

RECORD_COLUMNS = [
    "article_id", "url", "canonical_url", "title", "description", "body", "authors",
    "published_at", "modified_at", "date_source", "dateline", "dateline_place",
    "dateline_agency", "language", "section", "tags", "word_count", "content_sha256",
    "extraction_method", "field_sources", "http_status", "fetched_at", "raw_key", "run_id",
    "countries", "primary_country", "organizations", "topics", "topic_evidence",
]  # fmt: skip


def make_row(n: int, **overrides) -> dict:
    url = f"https://news.example.org/2026/03/14/story-{n}"
    row = {
        "article_id": article_id(url),
        "url": url,
        "canonical_url": url,
        "title": f"Story {n}",
        "description": "A short summary.",
        "body": "word " * 50,
        "authors": ["A. Writer"],
        "published_at": datetime(2026, 3, 14, 9, n % 60, 1, 123456, tzinfo=UTC),
        "modified_at": None,
        "date_source": "jsonld",
        "dateline": "ASTANA (NL) —",
        "dateline_place": "Astana",
        "dateline_agency": "NL",
        "language": "en",
        "section": "politics",
        "tags": ["media", "courts"],
        "content_sha256": "0" * 64,
        "extraction_method": "jsonld",
        "field_sources": {"title": "jsonld", "body": "trafilatura"},
        "http_status": 200,
        "fetched_at": datetime(2026, 3, 15, 2, 0, tzinfo=UTC),
        "raw_key": f"raw/source=demo/dt=2026-03-14/{n}.html.gz",
        "run_id": "scheduled__2026-03-14T00:00:00+00:00",
    }
    row.update(overrides)
    return row


def test_article_schema_is_exactly_the_record_columns_without_partition_keys() -> None:
    assert ARTICLE_SCHEMA.names == RECORD_COLUMNS
    assert "source" not in ARTICLE_SCHEMA.names and "dt" not in ARTICLE_SCHEMA.names
    assert ARTICLE_SCHEMA.metadata[b"newslake.schema_version"] == str(SCHEMA_VERSION).encode()


def test_article_schema_types() -> None:
    for name in ("published_at", "modified_at", "fetched_at"):
        assert ARTICLE_SCHEMA.field(name).type == pa.timestamp("us", tz="UTC")
    for name in ("authors", "tags"):
        assert ARTICLE_SCHEMA.field(name).type == pa.list_(pa.string())
    assert ARTICLE_SCHEMA.field("word_count").type == pa.int32()
    assert ARTICLE_SCHEMA.field("http_status").type == pa.int16()
    assert not ARTICLE_SCHEMA.field("article_id").nullable


def test_quarantine_schema_is_nullable_article_columns_plus_failed_expectations() -> None:
    assert QUARANTINE_SCHEMA.names == RECORD_COLUMNS + ["failed_expectations"]
    assert all(f.nullable for f in QUARANTINE_SCHEMA)
    assert QUARANTINE_SCHEMA.field("failed_expectations").type == pa.list_(pa.string())


def test_records_are_sorted_by_article_id_and_normalised() -> None:
    rows = [make_row(i) for i in range(20)]
    table = records_to_table(list(reversed(rows)))
    ids = table.column("article_id").to_pylist()
    assert ids == sorted(ids)
    first = table.to_pylist()[0]
    assert first["field_sources"] == '{"body": "trafilatura", "title": "jsonld"}'
    assert first["word_count"] == 50  # derived from body
    assert first["published_at"].tzinfo is not None


def test_timestamps_keep_microseconds_and_convert_offsets_to_utc() -> None:
    almaty = timezone(timedelta(hours=5))
    row = make_row(
        1,
        published_at=datetime(2026, 3, 14, 14, 0, 0, 654321, tzinfo=almaty),
        modified_at="2026-03-14T10:00:00Z",
    )
    got = records_to_table([row]).to_pylist()[0]
    assert got["published_at"] == datetime(2026, 3, 14, 9, 0, 0, 654321, tzinfo=UTC)
    assert got["modified_at"] == datetime(2026, 3, 14, 10, 0, tzinfo=UTC)


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(LakeError, match="published_at"):
        records_to_table([make_row(1, published_at=datetime(2026, 3, 14, 9, 0))])


def test_unknown_keys_are_dropped_and_missing_lists_become_empty() -> None:
    row = make_row(1, source="demo", dt="2026-03-14", missing=["x"])
    del row["tags"]
    table = records_to_table([row])
    assert table.schema.names == RECORD_COLUMNS
    assert table.to_pylist()[0]["tags"] == []


def test_null_article_id_needs_the_candidate_schema() -> None:
    with pytest.raises(LakeError):
        records_to_table([make_row(1, article_id=None)])
    table = records_to_table([make_row(1, article_id=None)], schema=CANDIDATE_SCHEMA)
    assert table.column("article_id").null_count == 1


def test_same_rows_give_identical_bytes_whatever_the_input_order() -> None:
    rows = [make_row(i) for i in range(30)]
    a = parquet_bytes(records_to_table(rows))
    b = parquet_bytes(records_to_table(list(reversed(rows))))
    assert a == b
    meta = pq.read_metadata(pa.BufferReader(a))
    assert meta.row_group(0).column(0).compression == "ZSTD"


def test_parquet_round_trip_keeps_schema_and_utc_microseconds() -> None:
    table = records_to_table([make_row(i) for i in range(3)])
    back = pq.read_table(pa.BufferReader(parquet_bytes(table)))
    assert back.schema.equals(ARTICLE_SCHEMA, check_metadata=False)
    assert back.equals(table)


def test_partition_prefix_layout() -> None:
    assert partition_prefix("articles", "tca", date(2026, 3, 4)) == "articles/source=tca/dt=2026-03-04/"
    assert partition_prefix("quarantine", "tca", "2026-03-04") == "quarantine/source=tca/dt=2026-03-04/"
    for bad in ("a/b", "x=y", "", "../up"):
        with pytest.raises(LayoutError):
            partition_prefix("articles", bad, "2026-03-04")


def test_write_partition_writes_data_and_manifest(local_store) -> None:
    table = records_to_table([make_row(i) for i in range(5)])
    manifest = write_partition(
        local_store,
        "articles",
        "demo",
        date(2026, 3, 14),
        table,
        run_id="r1",
        extra_manifest={"counts": {"valid": 5}},
    )
    prefix = "articles/source=demo/dt=2026-03-14/"
    assert local_store.list(prefix) == [prefix + "_SUCCESS", prefix + "part-0.parquet"]
    data = local_store.get(prefix + "part-0.parquet")
    assert manifest["sha256"] == hashlib.sha256(data).hexdigest()
    assert (manifest["rows"], manifest["run_id"], manifest["schema_version"]) == (5, "r1", SCHEMA_VERSION)
    assert (manifest["source"], manifest["dt"], manifest["zone"]) == ("demo", "2026-03-14", "articles")
    assert manifest["counts"] == {"valid": 5}
    assert datetime.fromisoformat(manifest["written_at"]).tzinfo is not None
    assert read_manifest(local_store, "articles", "demo", "2026-03-14") == manifest
    assert read_partition(local_store, "articles", "demo", "2026-03-14").equals(table)


def test_rewriting_the_same_rows_gives_the_same_object(local_store) -> None:
    rows = [make_row(i) for i in range(5)]
    first = write_partition(
        local_store, "articles", "demo", "2026-03-14", records_to_table(rows), run_id="r1"
    )
    second = write_partition(
        local_store, "articles", "demo", "2026-03-14", records_to_table(rows[::-1]), run_id="r1"
    )
    assert first["sha256"] == second["sha256"]


def test_empty_rerun_replaces_old_rows_with_a_valid_empty_file(local_store) -> None:
    write_partition(
        local_store, "articles", "demo", "2026-03-14", records_to_table([make_row(1)]), run_id="r1"
    )
    manifest = write_partition(
        local_store, "articles", "demo", "2026-03-14", records_to_table([]), run_id="r2"
    )
    back = read_partition(local_store, "articles", "demo", "2026-03-14")
    assert back.num_rows == 0 and manifest["rows"] == 0
    assert back.schema.equals(ARTICLE_SCHEMA, check_metadata=False)


def test_stale_part_files_from_older_layouts_are_removed(local_store) -> None:
    local_store.put("articles/source=demo/dt=2026-03-14/part-1.parquet", b"old")
    write_partition(
        local_store, "articles", "demo", "2026-03-14", records_to_table([make_row(1)]), run_id="r1"
    )
    assert not local_store.exists("articles/source=demo/dt=2026-03-14/part-1.parquet")


def test_partition_key_columns_are_refused(local_store) -> None:
    table = records_to_table([make_row(1)]).append_column("source", pa.array(["demo"]))
    with pytest.raises(LakeError, match="source"):
        write_partition(local_store, "articles", "demo", "2026-03-14", table, run_id="r1")


def test_read_missing_partition(local_store) -> None:
    assert read_manifest(local_store, "articles", "demo", "2026-03-14") is None
    with pytest.raises(ObjectNotFound):
        read_partition(local_store, "articles", "demo", "2026-03-14")


def test_list_partitions(local_store) -> None:
    table = records_to_table([make_row(1)])
    for source, day in [("b", "2026-03-02"), ("a", "2026-03-03"), ("a", "2026-03-01")]:
        write_partition(local_store, "articles", source, day, table, run_id="r")
    write_partition(
        local_store, "quarantine", "c", "2026-03-01", records_to_table([], QUARANTINE_SCHEMA), run_id="r"
    )
    assert list_partitions(local_store, "articles") == [
        ("a", date(2026, 3, 1)),
        ("a", date(2026, 3, 3)),
        ("b", date(2026, 3, 2)),
    ]
    assert list_partitions(local_store, "articles", "b") == [("b", date(2026, 3, 2))]
    assert list_partitions(local_store, "quarantine") == [("c", date(2026, 3, 1))]


def test_parquet_layout_is_what_spark_and_hive_readers_expect() -> None:
    data = parquet_bytes(records_to_table([make_row(1)]))
    parquet_file = pq.ParquetFile(pa.BufferReader(data))
    columns = {
        parquet_file.schema.column(i).path: parquet_file.schema.column(i)
        for i in range(len(parquet_file.schema))
    }
    for name in ("published_at", "modified_at", "fetched_at"):
        # Spark cannot read nanoseconds; INT96 or unadjusted times would lose the UTC instant.
        assert columns[name].physical_type == "INT64"
        assert "isAdjustedToUTC=true" in str(columns[name].logical_type)
        assert "timeUnit=microseconds" in str(columns[name].logical_type)
    assert "authors.list.element" in columns and "tags.list.element" in columns  # 3-level lists
    metadata = parquet_file.metadata.metadata
    assert metadata[b"newslake.schema_version"] == str(SCHEMA_VERSION).encode()


PART = "articles/source=demo/dt=2026-03-14/part-0.parquet"


def _publish(store, rows: int, run_id: str, **kwargs) -> dict:
    table = records_to_table([make_row(i) for i in range(rows)])
    return write_partition(store, "articles", "demo", "2026-03-14", table, run_id=run_id, **kwargs)


def _consistent(store) -> dict:
    manifest = read_manifest(store, "articles", "demo", "2026-03-14")
    assert manifest["sha256"] == hashlib.sha256(store.get(PART)).hexdigest()
    return manifest


def test_manifest_records_the_version_of_the_data_it_describes(local_store) -> None:
    manifest = _publish(local_store, 2, "r1")
    assert manifest["etag"] == local_store.head(PART).etag
    assert _consistent(local_store)["run_id"] == "r1"


def test_data_another_publisher_is_still_committing_is_waited_for_then_busy(local_store) -> None:
    _publish(local_store, 2, "r1")
    local_store.put(PART, b"in flight: written by a publisher that has not committed yet")
    with pytest.raises(PartitionBusyError, match="has not committed its manifest"):
        _publish(local_store, 3, "r2", wait_seconds=0.6)
    assert local_store.get(PART).startswith(b"in flight")  # nothing of the waiting run was written


def test_data_left_uncommitted_by_a_dead_publisher_is_taken_over(local_store) -> None:
    local_store.put(PART, b"left by a publisher that died before its manifest")
    manifest = _publish(local_store, 3, "r2", stale_seconds=0)
    assert _consistent(local_store) == manifest and manifest["rows"] == 3


class _TakeoverBetweenDataAndManifest:
    """A store through which, right after our data write, a second publisher takes the partition over."""

    def __init__(self, store):
        self.store, self.fired = store, False

    def __getattr__(self, name):
        return getattr(self.store, name)

    def put(self, key, data, **kwargs):
        etag = self.store.put(key, data, **kwargs)
        if key == PART and not self.fired:
            self.fired = True
            _publish(self.store, 5, "r-takeover", stale_seconds=0)
        return etag


def test_a_publisher_fenced_off_between_its_writes_says_so_and_the_manifest_stays_true(local_store) -> None:
    _publish(local_store, 1, "r0")
    with pytest.raises(PartitionConflictError, match="run r-slow wrote its data but another publisher"):
        _publish(_TakeoverBetweenDataAndManifest(local_store), 2, "r-slow")
    manifest = _consistent(local_store)
    assert (manifest["run_id"], manifest["rows"]) == ("r-takeover", 5)
    assert read_partition(local_store, "articles", "demo", "2026-03-14").num_rows == 5


def test_enrichment_columns_round_trip_with_evidence_given_as_a_mapping() -> None:
    row = make_row(1, countries=["KZ"], primary_country="KZ", organizations=["Adil Soz"],
                   topics=["detention_or_arrest"], topic_evidence={"detention_or_arrest": "Police detained him."})
    table = pq.read_table(pa.BufferReader(parquet_bytes(records_to_table([row]))))
    got = table.to_pylist()[0]
    assert (got["countries"], got["primary_country"], got["organizations"]) == (["KZ"], "KZ", ["Adil Soz"])
    assert got["topic_evidence"] == [{"topic": "detention_or_arrest", "sentence": "Police detained him."}]
    assert records_to_table([make_row(2)]).to_pylist()[0]["topic_evidence"] == []


def test_a_partition_written_by_a_newer_schema_is_never_overwritten(local_store) -> None:
    import json

    from newslake.errors import NewerSchemaError
    from newslake.layout import manifest_key

    write_partition(local_store, "articles", "demo", "2026-03-14", records_to_table([make_row(1)]), run_id="old")
    key = manifest_key("articles", "demo", date(2026, 3, 14))
    manifest = json.loads(local_store.get(key))
    manifest["schema_version"] = SCHEMA_VERSION + 1
    local_store.put(key, json.dumps(manifest).encode())
    before = local_store.get(partition_prefix("articles", "demo", date(2026, 3, 14)) + "part-0.parquet")
    with pytest.raises(NewerSchemaError, match=rf"schema version {SCHEMA_VERSION + 1} .* refuses to overwrite"):
        write_partition(local_store, "articles", "demo", "2026-03-14", records_to_table([make_row(2)]), run_id="new")
    assert local_store.get(partition_prefix("articles", "demo", date(2026, 3, 14)) + "part-0.parquet") == before
