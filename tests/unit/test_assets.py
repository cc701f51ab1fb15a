"""Asset events of the lake: the extra a publish announces and what a downstream consumer reads from it."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from newslake.assets import (
    EXTRA_FIELDS,
    asset_name,
    event_extra,
    latest_events,
    partition_key,
    read_announced_partition,
    source_of,
)
from newslake.errors import MissingInputError, PartitionBusyError, PartitionMismatchError, TerminalError
from newslake.lake import SCHEMA_VERSION, records_to_table, write_partition

DAY = date(2026, 11, 19)
T0 = datetime(2026, 11, 19, 9, tzinfo=timezone.utc)


def rows(n: int) -> list[dict]:
    return [{"article_id": f"{i:064x}", "url": f"https://wire.example.kz/{i}/", "language": "en" if i % 2 else "ru",
             "published_at": T0} for i in range(n)]


def publish(store, n: int, run_id: str) -> dict:
    """What the publish stage announces for a partition written with n rows."""
    manifest = write_partition(store, "articles", "wire", DAY, records_to_table(rows(n)), run_id=run_id)
    return {"source": "wire", "day": DAY.isoformat(), "rows": n, "quarantined": 1, "sha256": manifest["sha256"],
            "run_id": run_id, "schema_version": SCHEMA_VERSION, "key": manifest["key"]}


def test_names_and_keys_round_trip():
    assert asset_name("wire") == "newslake_articles_wire" and source_of("newslake_articles_wire") == "wire"
    assert partition_key(DAY) == partition_key("2026-11-19") == "2026-11-19"
    with pytest.raises(ValueError, match="not a newslake articles asset"):
        source_of("other_asset")


def test_event_extra_names_a_missing_field():
    published = {f: 1 for f in EXTRA_FIELDS}
    assert event_extra({**published, "extra_count": 3}) == published
    with pytest.raises(ValueError, match=r"\['sha256'\]"):
        event_extra({**published, "sha256": None})


def test_consumer_reads_the_announced_partition(local_store):
    extra = publish(local_store, 3, "run-a")
    part = read_announced_partition(local_store, "wire", "2026-11-19", extra)
    assert (part.rows, part.sha256, part.run_id, part.current) == (3, extra["sha256"], "run-a", True)
    assert part.table.num_rows == 3


def test_republished_partition_is_not_current_for_an_old_event(local_store):
    old = publish(local_store, 3, "run-a")
    new = publish(local_store, 2, "run-b")
    part = read_announced_partition(local_store, "wire", "2026-11-19", old)
    assert (part.current, part.rows, part.sha256, part.run_id) == (False, 2, new["sha256"], "run-b")


def test_data_that_does_not_match_its_manifest_fails(local_store):
    extra = publish(local_store, 3, "run-a")
    other = write_partition(local_store, "quarantine", "wire", DAY, records_to_table(rows(1)), run_id="x")
    local_store.put(extra["key"], local_store.get(other["key"]))  # a racing writer replaced only the data
    with pytest.raises(PartitionMismatchError, match="manifest says") as info:
        read_announced_partition(local_store, "wire", "2026-11-19", extra)
    assert isinstance(info.value, TerminalError)


def test_partition_without_manifest_is_busy_and_without_data_is_missing(local_store):
    extra = publish(local_store, 3, "run-a")
    local_store.delete("articles/source=wire/dt=2026-11-19/part-0.parquet")
    with pytest.raises(MissingInputError, match="is gone"):
        read_announced_partition(local_store, "wire", "2026-11-19", extra)
    local_store.delete("articles/source=wire/dt=2026-11-19/_SUCCESS")
    with pytest.raises(PartitionBusyError, match="no manifest"):
        read_announced_partition(local_store, "wire", "2026-11-19", extra)


def test_event_for_another_partition_is_refused(local_store):
    extra = publish(local_store, 3, "run-a")
    with pytest.raises(PartitionMismatchError, match="not this partition"):
        read_announced_partition(local_store, "wire", "2026-11-19", {**extra, "day": "2026-11-18"})


def event(name: str, key: str, at: datetime, **extra):
    """A triggering asset event as Airflow's task runner hands it to a task."""
    from airflow.sdk.execution_time.comms import AssetEventDagRunReferenceResult

    return AssetEventDagRunReferenceResult(
        asset={"name": name, "uri": name, "extra": {}}, extra=extra, source_task_id="publish",
        source_dag_id="news_x", source_run_id="r", source_map_index=-1, source_aliases=[], timestamp=at,
        partition_key=key,
    )


def test_latest_events_keeps_the_newest_event_per_source():
    from airflow.sdk.execution_time.context import TriggeringAssetEventsAccessor

    accessor = TriggeringAssetEventsAccessor.build([
        event("newslake_articles_wire", "2026-11-19", T0, sha256="old"),
        event("newslake_articles_wire", "2026-11-19", T0 + timedelta(minutes=5), sha256="new"),
        event("newslake_articles_beta", "2026-11-19", T0, sha256="b"),
        event("unrelated", "2026-11-19", T0, sha256="u"),
    ])
    assert latest_events(accessor, "2026-11-19") == [("beta", {"sha256": "b"}), ("wire", {"sha256": "new"})]
    with pytest.raises(MissingInputError, match="no newslake asset event"):
        latest_events(accessor, None)


def test_event_extra_takes_a_typed_result_too():
    from types import SimpleNamespace

    published = {f: f"v-{f}" for f in EXTRA_FIELDS}
    assert event_extra(SimpleNamespace(**published, counts={})) == published
