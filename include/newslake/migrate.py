"""`newslake migrate`: rewrite a source's article partitions to the current schema by re-extracting the raw zone.

No HTTP request is made: each day goes through the replay path (raw index -> extract -> validate ->
publish), so the new partition replaces the old one atomically through lake.write_partition, and a
partition written by a newer schema is refused there (NewerSchemaError).
"""

from __future__ import annotations

import logging
import uuid
from datetime import date

from newslake import layout
from newslake.config import SourceConfig
from newslake.errors import MissingInputError, NewerSchemaError
from newslake.reextract import DayOutcome, reextract_day, unfinished
from newslake.storage import ObjectStore

__all__ = ["DayOutcome", "check_outcomes", "migrate_source"]

log = logging.getLogger(__name__)


def _version(manifest: dict | None) -> int | None:
    if manifest is None:
        return None
    try:
        return int(manifest.get("schema_version", 1))
    except (TypeError, ValueError):
        return None


def migrate_source(
    source: SourceConfig,
    store: ObjectStore,
    first: date | None = None,
    last: date | None = None,
    *,
    force: bool = False,
) -> list[DayOutcome]:
    """Re-extract every articles partition of source in [first, last] written by an older schema (all with force)."""
    from newslake.lake import SCHEMA_VERSION, list_partitions, read_manifest

    outcomes: list[DayOutcome] = []
    for _, day in list_partitions(store, layout.ARTICLES, source.id):
        if (first and day < first) or (last and day > last):
            continue
        version = _version(read_manifest(store, layout.ARTICLES, source.id, day))
        if version is not None and version > SCHEMA_VERSION:
            outcomes.append(DayOutcome(day, "refused_newer", version, detail=f"written by schema {version}"))
            continue
        if version == SCHEMA_VERSION and not force:
            outcomes.append(DayOutcome(day, "current", version))
            continue
        outcomes.append(reextract_day(source, store, day, run_id=f"migrate__{day}__{uuid.uuid4().hex[:8]}",
                                      done="migrated", from_version=version))
    return outcomes


def check_outcomes(source_id: str, outcomes: list[DayOutcome]) -> None:
    """Raise the error the worst outcome calls for (after every partition was tried), naming each day."""
    refused, missing = unfinished(outcomes)
    if refused:
        days = ", ".join(f"{o.day} (schema {o.from_version})" for o in refused)
        raise NewerSchemaError(f"source {source_id}: refused to overwrite partitions written by a newer schema: {days}")
    if missing:
        days = "; ".join(f"{o.day}: {o.detail}" for o in missing)
        raise MissingInputError(f"source {source_id}: {len(missing)} partition(s) not migrated, left as they were: {days}")
