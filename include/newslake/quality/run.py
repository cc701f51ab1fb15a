"""Run a resolved suite over an article table with one ephemeral, offline GX context."""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from newslake.quality.suite import Suite

log = logging.getLogger(__name__)

# Columns computed in Arrow because GX cannot look inside lists or at a column's time zone;
# GX then checks them like any other column, so their outcome sits in the same result.
DERIVED_COLUMNS = ("_authors_ok", "_tags_ok", "_published_at_tz_aware")
_LIST_CHECKS = {"authors": "_authors_ok", "tags": "_tags_ok"}
# Result entries that would copy row values into the stored JSON (the index list is enough).
_ROW_DUMPS = ("unexpected_list", "partial_unexpected_list", "partial_unexpected_counts", "unexpected_index_query",
              "partial_unexpected_index_list")

# Expectations that read only whether a value is there.
_NULL_CHECKS = frozenset({"expect_column_values_to_not_be_null", "expect_column_values_to_be_null"})

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


def _list_ok(column: pa.ChunkedArray) -> pa.Array:
    """Per row: True unless the list holds a null, a non-string or a blank string (empty lists are fine)."""
    lists = column.combine_chunks()
    if not (pa.types.is_list(lists.type) or pa.types.is_large_list(lists.type)) or not pa.types.is_string(
        lists.type.value_type
    ):
        return pa.array([values is None or all(isinstance(v, str) and v.strip() for v in values)
                         for values in lists.to_pylist()], pa.bool_())
    items = pc.list_flatten(lists)
    blank = pc.fill_null(pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(items)), 0), True)
    bad_rows = pc.filter(pc.list_parent_indices(lists), blank)
    return pc.invert(pc.is_in(pa.array(range(len(lists)), pa.int64()), value_set=bad_rows.cast(pa.int64())))


def _reads(suite: Suite) -> tuple[set[str], set[str]] | None:
    """(columns some expectation reads values of, columns only null checks read); None if row conditions read any."""
    if any(e.kwargs.get("row_condition") for e in suite.expectations):
        return None
    values: set[str] = set()
    nulls: set[str] = set()
    for e in suite.expectations:
        (nulls if e.type in _NULL_CHECKS else values).update(e.columns)
    return values, nulls - values


def gx_frame(table: pa.Table, suite: Suite | None = None):
    """The pandas frame GX sees: every column of table (by name) plus the derived check columns.

    GX fingerprints the whole frame by hashing every value before it validates (a third of the
    suite's time at 10k rows, most of it the bodies), so with a suite given, a string or list
    column that only null checks read is handed over as "" where it has a value, and one that no
    expectation reads as nulls: columns_match_schema still sees every name.
    """
    reads = _reads(suite) if suite is not None else None
    n = table.num_rows
    names: list[str] = []
    arrays: list[pa.Array | pa.ChunkedArray] = []
    for name in table.column_names:
        column = table.column(name)
        kind = column.type
        costly = pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_list(kind) \
            or pa.types.is_large_list(kind) or pa.types.is_struct(kind)
        if costly and reads is not None and name not in reads[0]:
            column = pc.if_else(pc.is_valid(column), "", None) if name in reads[1] else pa.nulls(n, pa.string())
        elif pa.types.is_list(kind) or pa.types.is_large_list(kind):
            # pandas' hash refuses lists and GX then pickles the whole frame: hand it JSON text.
            column = pa.array([None if v is None else json.dumps(v, ensure_ascii=False) for v in column.to_pylist()],
                              pa.string())
        elif pa.types.is_timestamp(kind) and kind.tz is None and name in ("published_at", "modified_at"):
            # A naive column is quarantined by published_at_tz_aware; read it as UTC so the other checks can run.
            column = column.cast(pa.timestamp(kind.unit, tz="UTC"))
        names.append(name)
        arrays.append(column)
    for column, derived in _LIST_CHECKS.items():
        if column in table.column_names:
            names.append(derived)
            arrays.append(_list_ok(table.column(column)))
    if "published_at" in table.column_names:
        kind = table.schema.field("published_at").type
        aware = pa.types.is_timestamp(kind) and kind.tz is not None
        names.append("_published_at_tz_aware")
        arrays.append(pa.array([True] * n, pa.bool_()) if aware else pc.is_null(table.column("published_at")))
    return pa.Table.from_arrays(arrays, names=names).to_pandas()


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
    # The V1 Validator is what Batch.validate builds after a first get_batch of its own; starting
    # from the batch definition loads (and fingerprints) the frame once instead of twice.
    from great_expectations.validator.v1_validator import Validator

    validator = Validator(
        batch_definition=batch_definition,
        batch_parameters={"dataframe": frame},
        result_format={"result_format": "COMPLETE", "return_unexpected_index_query": False},
    )
    return validator.validate_expectation_suite(gx_suite, expectation_parameters=parameters)


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
