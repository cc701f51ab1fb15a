"""`newslake migrate`: old partitions re-extracted from the raw zone into the current schema, offline and atomically,
and partitions written by a newer schema left alone with a clear error."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from newslake import cli
from newslake.errors import EXIT_CONFLICT, EXIT_OK, MissingInputError, NewerSchemaError
from newslake.lake import SCHEMA_VERSION, parquet_bytes, read_manifest, read_partition
from newslake.layout import manifest_key, part_key
from newslake.migrate import check_outcomes, migrate_source
from unit.test_pipeline import BASE, DAY, FEED, PAGES, ScriptedFetcher, make_ctx, run

ENRICHMENT = ["countries", "primary_country", "organizations", "topics", "topic_evidence"]
PART = part_key("articles", "wire", DAY)
MANIFEST = manifest_key("articles", "wire", DAY)


def _published_then_downgraded(store) -> tuple[object, bytes]:
    """Publish the day with the current code, then rewrite it as schema 1 left it: no enrichment columns."""
    ctx = make_ctx(store)
    run(ctx, ScriptedFetcher({BASE + "rss.xml": FEED, **PAGES}))
    current = store.get(PART)
    old = read_partition(store, "articles", "wire", DAY).drop_columns(ENRICHMENT)
    old = old.replace_schema_metadata({**old.schema.metadata, b"newslake.schema_version": b"1"})
    etag = store.put(PART, parquet_bytes(old))
    manifest = read_manifest(store, "articles", "wire", DAY)
    manifest.update(schema_version=1, etag=etag)
    store.put(MANIFEST, json.dumps(manifest).encode())
    return ctx, current


def test_an_old_partition_is_rewritten_from_the_raw_zone_as_a_fresh_run_would_write_it(local_store) -> None:
    ctx, current = _published_then_downgraded(local_store)
    outcomes = migrate_source(ctx.source, local_store)
    assert [(o.outcome, o.from_version, o.rows) for o in outcomes] == [("migrated", 1, 2)]
    # Replay is deterministic: the migrated bytes are exactly what the current code published.
    assert local_store.get(PART) == current
    table = read_partition(local_store, "articles", "wire", DAY)
    assert set(ENRICHMENT) <= set(table.column_names)
    assert table.column("primary_country").to_pylist() == ["KZ", "KZ"]  # the ASTANA dateline
    assert "administrative_penalty" in table.column("topics").to_pylist()[0]
    assert read_manifest(local_store, "articles", "wire", DAY)["schema_version"] == SCHEMA_VERSION
    check_outcomes("wire", outcomes)  # nothing to complain about


def test_a_current_partition_is_left_alone_unless_forced(local_store) -> None:
    ctx, _ = _published_then_downgraded(local_store)
    migrate_source(ctx.source, local_store)
    manifest = read_manifest(local_store, "articles", "wire", DAY)
    assert [o.outcome for o in migrate_source(ctx.source, local_store)] == ["current"]
    assert read_manifest(local_store, "articles", "wire", DAY) == manifest
    assert [o.outcome for o in migrate_source(ctx.source, local_store, force=True)] == ["migrated"]


def test_days_outside_from_to_are_not_touched(local_store) -> None:
    from datetime import timedelta

    ctx, _ = _published_then_downgraded(local_store)
    assert migrate_source(ctx.source, local_store, DAY + timedelta(days=1), None) == []
    assert migrate_source(ctx.source, local_store, None, DAY - timedelta(days=1)) == []
    assert read_manifest(local_store, "articles", "wire", DAY)["schema_version"] == 1


def test_a_partition_written_by_a_newer_schema_is_refused_and_kept(local_store) -> None:
    ctx, _ = _published_then_downgraded(local_store)
    manifest = read_manifest(local_store, "articles", "wire", DAY)
    manifest["schema_version"] = SCHEMA_VERSION + 1
    local_store.put(MANIFEST, json.dumps(manifest).encode())
    before = local_store.get(PART)
    outcomes = migrate_source(ctx.source, local_store)
    assert [o.outcome for o in outcomes] == ["refused_newer"]
    assert local_store.get(PART) == before
    with pytest.raises(NewerSchemaError, match=rf"{DAY} \(schema {SCHEMA_VERSION + 1}\)"):
        check_outcomes("wire", outcomes)


def test_a_day_whose_raw_zone_is_gone_is_reported_and_left_as_it_was(local_store) -> None:
    ctx, _ = _published_then_downgraded(local_store)
    for key in local_store.list("raw/"):
        local_store.delete(key)
    before = local_store.get(PART)
    outcomes = migrate_source(ctx.source, local_store)
    assert [o.outcome for o in outcomes] == ["no_raw_zone"]
    assert local_store.get(PART) == before
    with pytest.raises(MissingInputError, match="1 partition.* not migrated"):
        check_outcomes("wire", outcomes)


def _sources_file(tmp_path, ctx) -> str:
    import yaml

    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": [{"id": "wire", "name": "Wire", "base_url": BASE, "languages": ["en"],
                                                 "discovery": {"feeds": ["rss.xml"]}, "quarantine_threshold": 0.5}]}))
    return str(path)


def test_the_command_line_migrates_and_exits_with_the_conflict_code_on_a_newer_partition(
    local_store, tmp_path, monkeypatch, capsys
) -> None:
    ctx, _ = _published_then_downgraded(local_store)
    monkeypatch.setenv("NEWSLAKE_LAKE_DIR", str(local_store.root))
    for name in ("AIRFLOW_CONN_NEWSLAKE_S3", "NEWSLAKE_PREFIX", "NEWSLAKE_S3_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    config = _sources_file(tmp_path, ctx)
    assert cli.main(["--config", config, "migrate", "--source", "wire", "--from", str(DAY), "--to", str(DAY)]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert [(p["day"], p["outcome"]) for p in report["partitions"]] == [(str(DAY), "migrated")]
    assert pq.read_schema(local_store.root / PART).names[-5:] == ENRICHMENT
    manifest = read_manifest(local_store, "articles", "wire", DAY)
    manifest["schema_version"] = SCHEMA_VERSION + 1
    local_store.put(MANIFEST, json.dumps(manifest).encode())
    assert cli.main(["--config", config, "migrate", "--source", "wire"]) == EXIT_CONFLICT
    assert "refused to overwrite partitions written by a newer schema" in capsys.readouterr().err
