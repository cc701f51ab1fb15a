"""Bulk re-extraction: rebuild many (source, day) partitions from the raw zone in one process, no HTTP.

Each partition goes through exactly the replay path a nightly run with `replay_raw` takes
(pipeline.run_all(replay=True): raw index -> extract -> validate -> publish), so its Parquet is
byte-identical to what that run writes. What a batch saves is everything paid once per process:
interpreter start, imports (GX, trafilatura, the enrichment data), compiled patterns. `newslake
migrate`, the `newslake reextract` command and the `newslake_reextract` DAG all call reextract_day.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from newslake.config import SourceConfig
from newslake.errors import MissingInputError, NewerSchemaError, TerminalError, UsageError
from newslake.storage import ObjectStore

log = logging.getLogger(__name__)

# Partitions per mapped task of the newslake_reextract DAG: a task start costs seconds of imports,
# so one task per partition would spend most of a year's rebuild starting tasks (and 3 sources x 365
# days would pass Airflow's default max_map_length of 1024), while a month per task still gives a
# few workers dozens of tasks to share.
DEFAULT_BATCH_SIZE = 30


@dataclass(frozen=True)
class DayOutcome:
    """What happened to one partition: migrated/reextracted, current (left alone), or why not."""

    day: date
    outcome: str  # migrated | reextracted | current | refused_newer | no_raw_zone | failed
    from_version: int | None
    rows: int | None = None
    detail: str = ""
    source: str | None = None
    seconds: float | None = None

    @classmethod
    def from_dict(cls, value: Mapping[str, Any]) -> DayOutcome:
        """Rebuild from to_dict's form (XCom)."""
        return cls(date.fromisoformat(value["day"]), value["outcome"], value.get("from_version"), value.get("rows"),
                   value.get("detail") or "", value.get("source"), value.get("seconds"))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for reports and XCom."""
        out: dict[str, Any] = {"day": self.day.isoformat(), "outcome": self.outcome,
                               "from_version": self.from_version, "rows": self.rows, "detail": self.detail}
        if self.source is not None:
            out["source"] = self.source
        if self.seconds is not None:
            out["seconds"] = round(self.seconds, 3)
        return out


@dataclass(frozen=True, order=True)
class Partition:
    """One (source, day) of the lake."""

    source: str
    day: date

    def to_dict(self) -> dict[str, str]:
        """XCom form."""
        return {"source": self.source, "day": self.day.isoformat()}

    @classmethod
    def from_dict(cls, value: Mapping[str, str]) -> Partition:
        """Rebuild from the XCom form."""
        return cls(str(value["source"]), date.fromisoformat(str(value["day"])))


def reextract_day(
    source: SourceConfig,
    store: ObjectStore,
    day: date,
    *,
    run_id: str | None = None,
    done: str = "reextracted",
    from_version: int | None = None,
) -> DayOutcome:
    """Re-extract, validate and publish one day from its raw zone (the replay path); a terminal failure is an outcome."""
    from newslake.pipeline import RunContext, day_interval, run_all

    start, end = day_interval(day)
    run_id = run_id or f"reextract__{day}__{uuid.uuid4().hex[:8]}"
    ctx = RunContext(source, start, end, run_id, store)
    began = time.perf_counter()
    try:
        published = run_all(ctx, replay=True)["publish"]
    except NewerSchemaError as exc:  # a newer writer committed while we re-extracted
        outcome = DayOutcome(day, "refused_newer", from_version, detail=str(exc))
    except MissingInputError as exc:
        outcome = DayOutcome(day, "no_raw_zone", from_version, detail=str(exc))
    except TerminalError as exc:  # transient ones (storage down) propagate: the caller retries the batch
        outcome = DayOutcome(day, "failed", from_version, detail=f"{type(exc).__name__}: {exc}")
    else:
        outcome = DayOutcome(day, done, from_version, rows=published["rows"])
    outcome = replace(outcome, source=source.id, seconds=time.perf_counter() - began)
    log.info("%s %s %s: %s%s", done, source.id, day, outcome.outcome, f" ({outcome.detail})" if outcome.detail else "")
    return outcome


def raw_days(store: ObjectStore, source_id: str, first: date, last: date) -> list[date]:
    """Days in [first, last] whose raw zone has an index (one HEAD per day: the raw prefix lists every body)."""
    from newslake.rawzone import index_key

    days, day = [], first
    while day <= last:
        if store.head(index_key(source_id, day)) is not None:
            days.append(day)
        day += timedelta(days=1)
    return days


def plan(store: ObjectStore, sources: Iterable[SourceConfig], first: date, last: date) -> list[Partition]:
    """Every partition of sources in [first, last] (clipped to each source's start/end date) that has a raw zone."""
    found: list[Partition] = []
    for source in sources:
        lo = max(first, source.start_date) if source.start_date else first
        hi = min(last, source.end_date) if source.end_date else last
        found += [Partition(source.id, day) for day in raw_days(store, source.id, lo, hi)] if lo <= hi else []
    return sorted(found)


def batches(partitions: Sequence[Partition], size: int = DEFAULT_BATCH_SIZE) -> list[list[Partition]]:
    """Consecutive runs of at most size partitions of one source (the unit one mapped task re-extracts)."""
    out: list[list[Partition]] = []
    for partition in sorted(partitions):
        if out and out[-1][0].source == partition.source and len(out[-1]) < max(1, size):
            out[-1].append(partition)
        else:
            out.append([partition])
    return out


def reextract_batch(
    sources: Mapping[str, SourceConfig], store: ObjectStore, partitions: Iterable[Partition],
    *, run_prefix: str | None = None,
) -> list[DayOutcome]:
    """reextract_day for each partition in turn, in this process (imports and GX set-up paid once)."""
    outcomes = []
    for p in partitions:
        run_id = f"{run_prefix}__{p.source}__{p.day}" if run_prefix else None
        outcomes.append(reextract_day(sources[p.source], store, p.day, run_id=run_id))
    return outcomes


def unfinished(outcomes: Sequence[DayOutcome]) -> tuple[list[DayOutcome], list[DayOutcome]]:
    """(refused: a newer schema wrote the partition, not rebuilt: no raw zone or a failure), the outcomes that fail a command."""
    refused = [o for o in outcomes if o.outcome == "refused_newer"]
    return refused, [o for o in outcomes if o.outcome in ("no_raw_zone", "failed")]


def check_reextracted(outcomes: Sequence[DayOutcome]) -> None:
    """Raise the error the worst outcome calls for, naming every partition that was not rebuilt."""
    refused, bad = unfinished(outcomes)
    if refused:
        days = ", ".join(f"{o.source} {o.day}" for o in refused)
        raise NewerSchemaError(f"refused to overwrite partitions written by a newer schema: {days}")
    if bad:
        days = "; ".join(f"{o.source} {o.day}: {o.detail}" for o in bad)
        raise MissingInputError(f"{len(bad)} of {len(outcomes)} partition(s) not re-extracted, left as they were: {days}")


def _param_day(params: Mapping[str, Any], name: str) -> date:
    value = params.get(name)
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise UsageError(f"param {name!r} must be a day YYYY-MM-DD, got {value!r}") from None


def plan_batches(store: ObjectStore, params: Mapping[str, Any], config: str | None = None) -> list[list[dict[str, str]]]:
    """The DAG's plan task: params (sources, from, to, batch_size) -> batches of partitions in XCom form."""
    from newslake.config import get_source, read_sources

    first, last = _param_day(params, "from"), _param_day(params, "to")
    if first > last:
        raise UsageError(f"from {first} is after to {last}")
    ids = list(dict.fromkeys(params.get("sources") or []))
    sources = [get_source(sid, config) for sid in ids] if ids else read_sources(config).enabled()
    found = plan(store, sources, first, last)
    if not found:
        names = ", ".join(s.id for s in sources) or "(no enabled source)"
        raise MissingInputError(f"no raw zone for {names} between {first} and {last}: nothing to re-extract")
    size = int(params.get("batch_size") or DEFAULT_BATCH_SIZE)
    cut = batches(found, size)
    log.info("re-extracting %d partitions of %d sources in %d batches of up to %d days",
             len(found), len({p.source for p in found}), len(cut), size)
    return [[p.to_dict() for p in batch] for batch in cut]


def run_batch(store: ObjectStore, batch: Iterable[Mapping[str, str]], *, run_prefix: str | None = None,
              config: str | None = None) -> list[dict[str, Any]]:
    """The DAG's mapped task: re-extract one batch (XCom form in and out)."""
    from newslake.config import get_source

    partitions = [Partition.from_dict(p) for p in batch]
    sources = {sid: get_source(sid, config) for sid in sorted({p.source for p in partitions})}
    return [o.to_dict() for o in reextract_batch(sources, store, partitions, run_prefix=run_prefix)]


def summarise(outcomes: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The DAG's report task: counts by outcome and rows; raises when a partition was not rebuilt."""
    done = [DayOutcome.from_dict(o) for o in outcomes]
    by_outcome = dict(Counter(o.outcome for o in done))
    summary = {"partitions": len(done), "rows": sum(o.rows or 0 for o in done), "outcomes": by_outcome,
               "seconds": round(sum(o.seconds or 0.0 for o in done), 3)}
    log.info("re-extract summary: %s", summary)
    check_reextracted(done)
    return summary
