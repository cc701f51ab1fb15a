"""Great Expectations suite for the article table: split rows into valid and quarantined, report the run."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from newslake.lake import ARTICLE_SCHEMA, QUARANTINE_SCHEMA, REQUIRED_COLUMNS

SUITE_NAME = "newslake_articles"
URL_REGEX = r"^https?://"
NOT_BLANK_REGEX = r"\S"
# Blocking expectations fail the run whatever the quarantine share: the table itself is broken.
BLOCKING = frozenset({"columns_present", "article_id_not_null", "article_id_unique", "published_at_in_interval"})
# List columns GX cannot check element-wise; checked in Python instead.
LIST_CHECKS = {"authors": "authors_are_names", "tags": "tags_are_labels"}


class ValidationError(ValueError):
    """validate_articles was called with unusable arguments (e.g. naive interval bounds)."""


@dataclass
class ValidationOutcome:
    """Rows that passed, rows quarantined (with failed_expectations), a lean report and counts."""

    valid: pa.Table
    quarantine: pa.Table
    report: dict[str, Any]
    failed_blocking: list[str] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)

    @property
    def quarantine_share(self) -> float:
        """Quarantined rows / all rows (0.0 for an empty table)."""
        total = self.counts.get("total", 0)
        return self.counts.get("quarantined", 0) / total if total else 0.0

    @property
    def blocked(self) -> bool:
        """True when a blocking expectation failed."""
        return bool(self.failed_blocking)


@dataclass(frozen=True)
class SuiteCheck:
    """One named expectation of the suite: GX class name + its kwargs."""

    name: str
    expectation: str  # GX expectation class name
    kwargs: dict[str, Any]

    @property
    def column(self) -> str | None:
        """Column the check reads (None for table-level checks)."""
        return self.kwargs.get("column")


def _utc(name: str, value: datetime) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(f"{name} must be a timezone-aware datetime, got {value!r}")
    return value.astimezone(UTC)


def suite_checks(
    *, start: datetime, end: datetime, languages: Sequence[str], min_body_words: int = 40
) -> list[SuiteCheck]:
    """The expectations of the newslake_articles suite, in evaluation order."""
    return [
        SuiteCheck(
            "columns_present",
            "ExpectTableColumnsToMatchSet",
            {"column_set": list(REQUIRED_COLUMNS), "exact_match": False},
        ),
        SuiteCheck("article_id_not_null", "ExpectColumnValuesToNotBeNull", {"column": "article_id"}),
        SuiteCheck("article_id_unique", "ExpectColumnValuesToBeUnique", {"column": "article_id"}),
        SuiteCheck("url_not_null", "ExpectColumnValuesToNotBeNull", {"column": "url"}),
        SuiteCheck("url_is_http", "ExpectColumnValuesToMatchRegex", {"column": "url", "regex": URL_REGEX}),
        SuiteCheck("title_not_null", "ExpectColumnValuesToNotBeNull", {"column": "title"}),
        SuiteCheck(
            "title_not_empty", "ExpectColumnValuesToMatchRegex", {"column": "title", "regex": NOT_BLANK_REGEX}
        ),
        SuiteCheck("body_not_null", "ExpectColumnValuesToNotBeNull", {"column": "body"}),
        SuiteCheck(
            "body_min_words",
            "ExpectColumnValuesToBeBetween",
            {"column": "word_count", "min_value": min_body_words},
        ),
        SuiteCheck("published_at_not_null", "ExpectColumnValuesToNotBeNull", {"column": "published_at"}),
        SuiteCheck(
            "published_at_in_interval",
            "ExpectColumnValuesToBeBetween",
            {"column": "published_at", "min_value": start, "max_value": end, "strict_max": True},
        ),
        SuiteCheck("language_not_null", "ExpectColumnValuesToNotBeNull", {"column": "language"}),
        SuiteCheck(
            "language_in_set",
            "ExpectColumnValuesToBeInSet",
            {"column": "language", "value_set": sorted(languages)},
        ),
    ]


def _import_gx():
    # GX logs config chatter at INFO/WARNING on import and context creation; tasks only want results.
    for name in ("great_expectations", "great_expectations.data_context", "posthog"):
        logging.getLogger(name).setLevel(logging.ERROR)
    # GX loads Spark whenever pyspark is installed (the dev venv has it for the lake-reader tests);
    # we validate pandas frames, so hide pyspark while GX imports: seconds and memory per task.
    hide_spark = "pyspark" not in sys.modules
    if hide_spark:
        # None in sys.modules makes `import pyspark` raise ImportError (documented); typeshed wants modules.
        sys.modules["pyspark"] = None  # type: ignore[assignment]
    try:
        import great_expectations as gx
        import great_expectations.expectations as gxe
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )
    finally:
        if hide_spark and sys.modules.get("pyspark", 0) is None:
            del sys.modules["pyspark"]

    return gx, gxe, DataContextConfig, InMemoryStoreBackendDefaults, ProgressBarsConfig


def _run_gx(frame, checks: list[SuiteCheck]) -> tuple[list[tuple[SuiteCheck, Any]], str]:
    """Run the suite on frame with one ephemeral, offline context; return (check, GX result) pairs."""
    gx, gxe, DataContextConfig, InMemoryStoreBackendDefaults, ProgressBarsConfig = _import_gx()
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    asset = context.data_sources.add_pandas("newslake").add_dataframe_asset("articles")
    batch_definition = asset.add_batch_definition_whole_dataframe("whole_table")
    suite = gx.ExpectationSuite(name=SUITE_NAME)
    by_name = {}
    for check in checks:
        cls = getattr(gxe, check.expectation)
        suite.add_expectation(cls(**check.kwargs, meta={"name": check.name}))
        by_name[check.name] = check
    suite = context.suites.add(suite)
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(suite, result_format={"result_format": "COMPLETE"})
    pairs = [(by_name[r.expectation_config.meta["name"]], r) for r in result.results]
    return pairs, gx.__version__


def _bad_list_rows(table: pa.Table, column: str) -> list[int]:
    """Rows whose list holds a null, a non-string or a blank string (an empty list is fine)."""
    bad = []
    for i, values in enumerate(table.column(column).to_pylist()):
        if values is None:
            continue
        if any(not isinstance(v, str) or not v.strip() for v in values):
            bad.append(i)
    return bad


def _scalar_frame(table: pa.Table, columns: Sequence[str]):
    # GX only sees the scalar columns it checks; list columns are checked in Python.
    frame = table.select([c for c in columns if c in table.column_names]).to_pandas()
    return frame.reset_index(drop=True)


def validate_articles(
    table: pa.Table,
    *,
    start: datetime,
    end: datetime,
    languages: Sequence[str],
    min_body_words: int = 40,
) -> ValidationOutcome:
    """Validate an article table for the interval [start, end); failing rows go to quarantine with reasons."""
    start, end = _utc("start", start), _utc("end", end)
    if end <= start:
        raise ValidationError(f"empty interval: start {start.isoformat()} >= end {end.isoformat()}")
    if not languages:
        raise ValidationError("languages must not be empty")
    all_checks = suite_checks(start=start, end=end, languages=languages, min_body_words=min_body_words)
    present = set(table.column_names)
    checks = [c for c in all_checks if c.column is None or c.column in present]
    frame = _scalar_frame(table, sorted({c.column for c in checks if c.column}))
    pairs, gx_version = _run_gx(frame, checks)

    n = table.num_rows
    failed: list[list[str]] = [[] for _ in range(n)]
    expectations: dict[str, dict[str, Any]] = {}
    for check, result in pairs:
        details = result.result or {}
        error = _exception_message(result.exception_info)
        expectations[check.name] = {
            "expectation": check.expectation,
            "column": check.column,
            "success": bool(result.success),
            "blocking": check.name in BLOCKING,
            "element_count": details.get("element_count", n),
            "unexpected_count": details.get("unexpected_count", 0 if result.success else None),
        }
        if error:
            expectations[check.name]["error"] = error
        if check.name == "columns_present" and not result.success:
            missing = sorted(set(REQUIRED_COLUMNS) - present)
            expectations[check.name]["missing_columns"] = missing
            for row in failed:
                row.append(check.name)
            continue
        for index in details.get("unexpected_index_list") or []:
            failed[int(index)].append(check.name)

    for column, name in LIST_CHECKS.items():
        if column not in present:
            continue
        bad = _bad_list_rows(table, column)
        for index in bad:
            failed[index].append(name)
        expectations[name] = {
            "expectation": "python: list elements are non-empty strings",
            "column": column,
            "success": not bad,
            "blocking": False,
            "element_count": n,
            "unexpected_count": len(bad),
        }

    for check in all_checks:  # a check skipped for a missing column is reported, not silently dropped
        expectations.setdefault(
            check.name,
            {
                "expectation": check.expectation,
                "column": check.column,
                "success": False,
                "blocking": check.name in BLOCKING,
                "element_count": n,
                "unexpected_count": None,
                "error": f"column {check.column!r} missing",
            },
        )

    # A check that crashed tells us nothing about the rows, so it blocks the run like a schema failure.
    failed_blocking = [
        name for name, e in expectations.items() if not e["success"] and (e["blocking"] or "error" in e)
    ]
    bad_rows = [i for i in range(n) if failed[i]]
    good_rows = [i for i in range(n) if not failed[i]]
    valid = _to_schema(table.take(pa.array(good_rows, pa.int64())), ARTICLE_SCHEMA)
    quarantine = _to_schema(
        table.take(pa.array(bad_rows, pa.int64())),
        QUARANTINE_SCHEMA,
        failed_expectations=[sorted(set(failed[i]), key=_order(all_checks)) for i in bad_rows],
    )
    counts = {
        "total": n,
        "valid": valid.num_rows,
        "quarantined": quarantine.num_rows,
        "quarantine_share": round(quarantine.num_rows / n, 6) if n else 0.0,
        "by_expectation": {
            name: e["unexpected_count"] for name, e in expectations.items() if not e["success"]
        },
    }
    evaluated = len(expectations)
    successful = sum(1 for e in expectations.values() if e["success"])
    report = {
        "suite": SUITE_NAME,
        "gx_version": gx_version,
        "success": successful == evaluated,
        "interval": {"start": start.isoformat(), "end": end.isoformat()},
        "languages": sorted(languages),
        "min_body_words": min_body_words,
        "statistics": {
            "evaluated_expectations": evaluated,
            "successful_expectations": successful,
            "unsuccessful_expectations": evaluated - successful,
            "success_percent": round(100.0 * successful / evaluated, 2) if evaluated else 100.0,
        },
        "expectations": expectations,
        "failed_blocking": failed_blocking,
        "counts": {k: v for k, v in counts.items() if k != "by_expectation"},
    }
    return ValidationOutcome(valid, quarantine, report, failed_blocking, counts)


def _exception_message(info: Any) -> str | None:
    """GX puts one exception dict per expectation, or one per metric; return the first message raised."""
    if not isinstance(info, dict):
        return None
    if "raised_exception" in info:
        return str(info.get("exception_message") or "exception") if info.get("raised_exception") else None
    for value in info.values():
        message = _exception_message(value)
        if message:
            return message
    return None


def _order(checks: list[SuiteCheck]):
    rank = {c.name: i for i, c in enumerate(checks)}
    rank.update({name: len(rank) + i for i, name in enumerate(LIST_CHECKS.values())})
    return lambda name: rank.get(name, len(rank))


def _to_schema(
    table: pa.Table, schema: pa.Schema, failed_expectations: list[list[str]] | None = None
) -> pa.Table:
    """Select/complete the schema's columns (missing ones as nulls) and cast; keeps row order."""
    arrays = []
    for f in schema:
        if f.name == "failed_expectations":
            arrays.append(pa.array(failed_expectations or [], f.type))
        elif f.name in table.column_names:
            arrays.append(table.column(f.name).cast(f.type))
        else:
            arrays.append(pa.nulls(table.num_rows, f.type))
    loose = pa.Table.from_arrays(
        arrays, schema=pa.schema([f.with_nullable(True) for f in schema], metadata=schema.metadata)
    )
    return loose.cast(schema)
