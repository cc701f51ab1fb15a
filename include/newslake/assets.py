"""The lake's Airflow asset events: asset names, partition keys, the event's extra, and how a consumer reads them.

One asset per source (`newslake_articles_<id>`); every publish emits one event on it whose
partition key is the day (`YYYY-MM-DD`, the partition's `dt=`) and whose extra describes the
partition exactly (EXTRA_FIELDS). A downstream DAG reads the partition an event announces with
`read_announced_partition`. Plain Python: nothing here imports Airflow.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from newslake.errors import MissingInputError, PartitionBusyError, PartitionMismatchError
from newslake.layout import ARTICLES

if TYPE_CHECKING:
    import pyarrow as pa

    from newslake.storage import ObjectStore

ASSET_PREFIX = "newslake_articles_"
ASSET_GROUP = "newslake"
ZONE = ARTICLES
# What every asset event's extra carries; the publish stage's result has at least these keys.
EXTRA_FIELDS = ("source", "day", "rows", "quarantined", "sha256", "run_id", "schema_version", "key")


def asset_name(source_id: str) -> str:
    """Name of the asset a source's DAG updates (one asset per source; the day is the partition key)."""
    return ASSET_PREFIX + source_id


def source_of(name: str) -> str:
    """The source id behind an asset name made by asset_name."""
    if not name.startswith(ASSET_PREFIX) or len(name) == len(ASSET_PREFIX):
        raise ValueError(f"{name!r} is not a newslake articles asset (expected {ASSET_PREFIX}<source id>)")
    return name[len(ASSET_PREFIX):]


def partition_key(day: date | str) -> str:
    """The asset event's partition key for a day: its ISO date, the same string as the partition's dt=."""
    value = day if isinstance(day, date) else date.fromisoformat(day)
    return value.isoformat()


def event_extra(published: Mapping[str, Any] | object) -> dict[str, Any]:
    """The asset event's extra from the publish stage's result (a dict or a typed result); a missing field is named."""
    if isinstance(published, Mapping):
        values = {f: published.get(f) for f in EXTRA_FIELDS}
    else:
        values = {f: getattr(published, f, None) for f in EXTRA_FIELDS}
    missing = [f for f, v in values.items() if v is None]
    if missing:
        raise ValueError(f"publish result lacks {missing} needed in the asset event's extra")
    return values


@dataclass(frozen=True)
class AnnouncedPartition:
    """What a consumer read for one asset event: the partition's table and whether it is still the announced one."""

    source: str
    day: str
    rows: int
    sha256: str
    run_id: str
    table: pa.Table
    current: bool  # False: republished since the event (its own, newer event triggers another run)

    def summary(self) -> dict[str, Any]:
        """Keys and counts for XCom and logs (never the records)."""
        return {"source": self.source, "day": self.day, "rows": self.rows, "sha256": self.sha256,
                "run_id": self.run_id, "current": self.current}


def read_announced_partition(store: ObjectStore, source_id: str, key: str, extra: dict[str, Any]) -> AnnouncedPartition:
    """Read the (source, day) partition an asset event announced and check it against the event and its manifest.

    Raises PartitionBusyError while the partition has no manifest (a publish is under way),
    MissingInputError when its data object is gone, and PartitionMismatchError when the data does
    not match its own manifest or the event names another partition.
    """
    from newslake.lake import read_manifest, read_parquet_bytes
    from newslake.layout import part_key
    from newslake.storage import ObjectNotFound

    day = partition_key(key)
    if extra.get("source", source_id) != source_id or extra.get("day", day) != day:
        raise PartitionMismatchError(
            f"event for {source_id} {day} describes {extra.get('source')} {extra.get('day')}: not this partition"
        )
    manifest = read_manifest(store, ZONE, source_id, day)
    if manifest is None:
        raise PartitionBusyError(f"{ZONE}/source={source_id}/dt={day} has no manifest yet: a publish is under way")
    data_key = part_key(ZONE, source_id, day)
    try:
        data = store.get(data_key)
    except ObjectNotFound:
        raise MissingInputError(f"{data_key} is gone although its manifest and an asset event name it") from None
    sha = hashlib.sha256(data).hexdigest()
    table = read_parquet_bytes(data)
    if sha != manifest["sha256"] or table.num_rows != manifest["rows"]:
        raise PartitionMismatchError(
            f"{data_key}: data sha256 {sha[:12]} / {table.num_rows} rows, manifest says "
            f"{manifest['sha256'][:12]} / {manifest['rows']} rows (run {manifest.get('run_id')})"
        )
    return AnnouncedPartition(source=source_id, day=day, rows=table.num_rows, sha256=sha,
                              run_id=manifest.get("run_id", ""), table=table, current=sha == extra.get("sha256"))


def latest_events(triggering: Any, key: str) -> list[tuple[str, dict[str, Any]]]:
    """(source id, extra) of the newest event per newslake asset for this partition key, sorted by source.

    triggering is Airflow's triggering_asset_events (asset -> events); older events of one asset
    for the same key describe an earlier publish of the same partition and are superseded.
    """
    newest: dict[str, Any] = {}
    for asset in triggering:
        for event in triggering[asset]:
            if event.partition_key != key or not event.asset.name.startswith(ASSET_PREFIX):
                continue
            source_id = source_of(event.asset.name)
            if source_id not in newest or event.timestamp > newest[source_id].timestamp:
                newest[source_id] = event
    if not newest:
        raise MissingInputError(f"no newslake asset event for partition key {key!r}: runs come from publishes")
    return [(sid, dict(newest[sid].extra or {})) for sid in sorted(newest)]
