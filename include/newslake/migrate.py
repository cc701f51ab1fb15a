"""`newslake migrate`: rewrite a source's article partitions to the current schema by re-extracting the raw zone.

No HTTP request is made: each day goes through the replay path (raw index -> extract -> validate ->
publish), so the new partition replaces the old one atomically through lake.write_partition, and a
partition written by a newer schema is refused there (NewerSchemaError).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from newslake import layout
from newslake.config import SourceConfig
from newslake.errors import MissingInputError, NewerSchemaError, NewslakeError
from newslake.storage import ObjectStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DayOutcome:
    """What migrate did with one partition: migrated, current (already this schema), or why not."""

    day: date
    outcome: str  # migrated | current | refused_newer | no_raw_zone | failed
    from_version: int | None
    rows: int | None = None
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for the command's report."""
        return {"day": self.day.isoformat(), "outcome": self.outcome, "from_version": self.from_version,
                "rows": self.rows, "detail": self.detail}


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
    from newslake.pipeline import RunContext, day_interval, run_all

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
        start, end = day_interval(day)
        ctx = RunContext(source, start, end, f"migrate__{day}__{uuid.uuid4().hex[:8]}", store)
        try:
            published = run_all(ctx, replay=True)["publish"]
        except NewerSchemaError as exc:  # a newer writer committed while we re-extracted
            outcomes.append(DayOutcome(day, "refused_newer", version, detail=str(exc)))
        except MissingInputError as exc:
            outcomes.append(DayOutcome(day, "no_raw_zone", version, detail=str(exc)))
        except NewslakeError as exc:
            outcomes.append(DayOutcome(day, "failed", version, detail=f"{type(exc).__name__}: {exc}"))
        else:
            outcomes.append(DayOutcome(day, "migrated", version, rows=published["rows"]))
        log.info("migrate %s %s: %s", source.id, day, outcomes[-1].outcome)
    return outcomes


def check_outcomes(source_id: str, outcomes: list[DayOutcome]) -> None:
    """Raise the error the worst outcome calls for (after every partition was tried), naming each day."""
    refused = [o for o in outcomes if o.outcome == "refused_newer"]
    if refused:
        days = ", ".join(f"{o.day} (schema {o.from_version})" for o in refused)
        raise NewerSchemaError(f"source {source_id}: refused to overwrite partitions written by a newer schema: {days}")
    missing = [o for o in outcomes if o.outcome in ("no_raw_zone", "failed")]
    if missing:
        days = "; ".join(f"{o.day}: {o.detail}" for o in missing)
        raise MissingInputError(f"source {source_id}: {len(missing)} partition(s) not migrated, left as they were: {days}")
