"""Run a resolved suite over an article table with one ephemeral, offline GX context."""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from newslake.quality.suite import Suite

log = logging.getLogger(__name__)

# Columns computed in pandas because GX cannot look inside lists or at a column's time zone;
# GX then checks them like any other column, so their outcome sits in the same result.
DERIVED_COLUMNS = ("_authors_ok", "_tags_ok", "_published_at_tz_aware")
_LIST_CHECKS = {"authors": "_authors_ok", "tags": "_tags_ok"}
# Result entries that would copy row values into the stored JSON (the index list is enough).
_ROW_DUMPS = ("unexpected_list", "partial_unexpected_list", "partial_unexpected_counts", "unexpected_index_query",
              "partial_unexpected_index_list")

_import_seconds: float | None = None


def import_gx():
    """Import GX quietly (loggers at ERROR, pyspark hidden); returns the module. The first call's time is kept."""
    global _import_seconds
    for name in ("great_expectations", "great_expectations.data_context", "posthog"):
        logging.getLogger(name).setLevel(logging.ERROR)
    started = time.perf_counter()
    # GX loads Spark whenever pyspark is installed (the dev venv has it for the lake-reader tests);
    # we validate pandas frames, so hide pyspark while GX imports: seconds and memory per task.
    hide_spark = "pyspark" not in sys.modules
    if hide_spark:
        sys.modules["pyspark"] = None  # type: ignore[assignment]
    try:
        import great_expectations as gx
        import great_expectations.expectations  # noqa: F401
        from great_expectations.data_context.types.base import DataContextConfig  # noqa: F401
    finally:
        if hide_spark and sys.modules.get("pyspark", 0) is None:
            del sys.modules["pyspark"]
    if _import_seconds is None:
        _import_seconds = time.perf_counter() - started
    return gx


def import_seconds() -> float | None:
    """Seconds the first GX import of this process took (None before it)."""
    return _import_seconds


def _list_ok(table: pa.Table, column: str) -> list[bool]:
    """Per row: True unless the list holds a null, a non-string or a blank string (empty lists are fine)."""
    return [
        values is None or all(isinstance(v, str) and v.strip() for v in values)
        for values in table.column(column).to_pylist()
    ]


def gx_frame(table: pa.Table):
    """The pandas frame GX sees: every column of table plus the derived check columns."""
    import pandas as pd  # type: ignore[import-untyped]

    frame = table.to_pandas()
    for column, derived in _LIST_CHECKS.items():
        if column in table.column_names:
            frame[derived] = _list_ok(table, column)
    for column in table.column_names:
        if pa.types.is_list(table.schema.field(column).type):
            # GX fingerprints each batch with pandas' hash, which refuses lists and falls back to
            # pickling the whole frame (about half of the suite's time at 10k rows): hand it JSON text.
            frame[column] = [None if v is None else json.dumps(list(v), ensure_ascii=False) for v in frame[column]]
    if "published_at" in table.column_names:
        kind = table.schema.field("published_at").type
        aware = pa.types.is_timestamp(kind) and kind.tz is not None
        frame["_published_at_tz_aware"] = True if aware else frame["published_at"].isna()
    for column in ("published_at", "modified_at"):
        # A naive column is quarantined by published_at_tz_aware; read it as UTC so the other checks can run.
        if column in frame and getattr(frame[column].dtype, "tz", "none") is None:
            frame[column] = pd.to_datetime(frame[column]).dt.tz_localize("UTC")
    return frame.reset_index(drop=True)


def run_suite(frame, suite: Suite, parameters: dict[str, Any]):
    """Validate frame against suite (only the expectations whose columns exist); the GX suite result."""
    gx = import_gx()
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    asset = context.data_sources.add_pandas("newslake").add_dataframe_asset("articles")
    batch_definition = asset.add_batch_definition_whole_dataframe("whole_table")
    present = set(frame.columns)
    document = suite.to_gx()
    document["expectations"] = [
        e.to_gx() for e in suite.expectations if all(c in present for c in e.columns)
    ]
    gx_suite = context.suites.add(gx.ExpectationSuite(**document))
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    return batch.validate(
        gx_suite,
        result_format={"result_format": "COMPLETE"},
        expectation_parameters=parameters,
    )


def lean_result(result) -> dict[str, Any]:
    """The GX result as JSON without copies of row values (unexpected_index_list stays)."""
    document = result.to_json_dict()
    for entry in document.get("results", []):
        details = entry.get("result") or {}
        for key in _ROW_DUMPS:
            details.pop(key, None)
        kwargs = (entry.get("expectation_config") or {}).get("kwargs") or {}
        kwargs.pop("batch_id", None)
    return document


def observed(entry: dict[str, Any]) -> str:
    """A short observed value for one result entry: the table-level value or the unexpected count."""
    details = entry.get("result") or {}
    mismatched = (details.get("details") or {}).get("mismatched")
    if isinstance(mismatched, dict) and mismatched:  # a column-set check: the difference is what matters
        return ", ".join(f"{kind} {sorted(cols)!r}" for kind, cols in sorted(mismatched.items()) if cols)
    if "observed_value" in details:
        value = details["observed_value"]
        if isinstance(value, list) and entry.get("success"):
            return f"{len(value)} columns as expected"
        text = repr(value)
        return text if len(text) <= 120 else text[:117] + "..."
    count = details.get("unexpected_count")
    if count is None:
        return "?"
    return f"{count} of {details.get('element_count', '?')} rows unexpected"


def sample_values(result, name: str, limit: int = 3) -> Sequence[Any]:
    """Up to limit unexpected values of the expectation called name (for failure messages only)."""
    for r in result.results:
        if r.expectation_config.meta.get("name") == name:
            return list((r.result or {}).get("partial_unexpected_list") or [])[:limit]
    return []
