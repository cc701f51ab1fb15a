"""Validate an article table against the article suite: split rows into valid and quarantined, report the run.

The suite is data (include/config/suites/articles.json, see newslake.quality.suite); this module
fills in its run-time parameters, runs it with GX and turns the result into tables and a summary.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from newslake.lake import ARTICLE_SCHEMA, QUARANTINE_SCHEMA
from newslake.quality.run import DERIVED_COLUMNS, gx_frame, lean_result, observed, run_suite, sample_values
from newslake.quality.suite import Suite, ValidationConfig, load_suite

SUITE_NAME = "newslake_articles"


class ValidationError(ValueError):
    """validate_articles was called with unusable arguments (e.g. naive interval bounds)."""


@dataclass
class ValidationOutcome:
    """Rows that passed, rows quarantined (with failed_expectations), the GX result JSON, a summary and counts."""

    valid: pa.Table
    quarantine: pa.Table
    result: dict[str, Any]  # ExpectationSuiteValidationResult JSON (no row values beyond unexpected_index_list)
    summary: list[dict[str, Any]]  # one row per expectation: name, severity, action, success, observed, unexpected
    failed_critical: list[str] = field(default_factory=list)
    critical_messages: list[str] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)

    @property
    def quarantine_share(self) -> float:
        """Quarantined rows / all rows (0.0 for an empty table)."""
        total = self.counts.get("total", 0)
        return self.counts.get("quarantined", 0) / total if total else 0.0

    @property
    def blocked(self) -> bool:
        """True when a critical expectation failed: the run must not publish."""
        return bool(self.failed_critical)

    def by_name(self) -> dict[str, dict[str, Any]]:
        """The summary keyed by expectation name."""
        return {row["expectation"]: row for row in self.summary}

    def summary_text(self) -> str:
        """The one-screen table for the task log."""
        lines = [f"{'expectation':<36} {'severity':<8} {'on fail':<10} {'ok':<3} {'unexpected':>10}  observed"]
        for row in self.summary:
            unexpected = "" if row["unexpected_count"] is None else str(row["unexpected_count"])
            lines.append(
                f"{row['expectation']:<36} {row['severity']:<8} {row['action']:<10} {'yes' if row['success'] else 'NO':<3} "
                f"{unexpected:>10}  {row['observed']}"
            )
        c = self.counts
        lines.append(f"{c.get('total', 0)} rows: {c.get('valid', 0)} valid, {c.get('quarantined', 0)} quarantined")
        return "\n".join(lines)


def _utc(name: str, value: datetime) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(f"{name} must be a timezone-aware datetime, got {value!r}")
    return value.astimezone(UTC)


def allowed_url_regex(domains: Sequence[str] | None) -> str:
    """An http(s) URL whose host is one of domains or a subdomain of one (any http(s) URL without domains)."""
    if not domains:
        return r"^https?://[^/?#]+"
    hosts = "|".join(re.escape(d.lower().rstrip(".")) for d in sorted(domains))
    return rf"^https?://(?:[^/?#@]+\.)?(?:{hosts})\.?(?::\d+)?(?:[/?#]|$)"


def validate_articles(
    table: pa.Table,
    *,
    start: datetime,
    end: datetime,
    languages: Sequence[str],
    allowed_domains: Sequence[str] | None = None,
    min_body_words: int | None = None,
    suite: Suite | None = None,
    min_rows_expected: int = 0,
    min_rows_recent: int = 0,
    meta: dict[str, Any] | None = None,
) -> ValidationOutcome:
    """Validate an article table for the interval [start, end); failing rows go to quarantine with reasons."""
    start, end = _utc("start", start), _utc("end", end)
    if end <= start:
        raise ValidationError(f"empty interval: start {start.isoformat()} >= end {end.isoformat()}")
    if not languages:
        raise ValidationError("languages must not be empty")
    suite = suite or load_suite()
    if min_body_words is not None:
        suite = _with_min_words(suite, min_body_words)
    parameters = {
        "schema_columns": [*ARTICLE_SCHEMA.names, *DERIVED_COLUMNS],
        "min_rows_expected": int(min_rows_expected),
        "min_rows_recent": int(min_rows_recent),
        "allowed_url_regex": allowed_url_regex(allowed_domains),
        "interval_start": start,
        "interval_end": end,
        "languages": sorted(languages),
    }
    frame = gx_frame(table, suite)
    gx_result = run_suite(frame, suite, parameters)
    result = lean_result(gx_result)
    if meta and meta.get("run_id"):  # Data Docs pages show the run by this name and time
        result["meta"]["run_id"] = {"run_name": f"{meta.get('source', '')} {meta.get('day', '')} {meta['run_id']}".strip(),
                                    "run_time": datetime.now(UTC).isoformat()}
    result["meta"]["newslake"] = {
        **(meta or {}),
        "suite_schema_version": suite.schema_version,
        "interval": {"start": start.isoformat(), "end": end.isoformat()},
        "parameters": {k: v.isoformat() if isinstance(v, datetime) else v for k, v in parameters.items()},
    }

    n = table.num_rows
    failed: list[list[str]] = [[] for _ in range(n)]
    by_name = {
        (entry.get("expectation_config") or {}).get("meta", {}).get("name"): entry for entry in result["results"]
    }
    summary: list[dict[str, Any]] = []
    failed_critical: list[str] = []
    messages: list[str] = []
    for expectation in suite.expectations:
        entry = by_name.get(expectation.name)
        action = "fail run" if expectation.severity == "critical" else ("quarantine" if expectation.quarantine else "report")
        if entry is None:  # its column is missing: the schema check fails the run, this one is reported
            row = {"expectation": expectation.name, "severity": expectation.severity, "action": action,
                   "success": False, "observed": f"column {', '.join(expectation.columns)} missing",
                   "unexpected_count": None}
            summary.append(row)
            continue
        details = entry.get("result") or {}
        error = _exception_message(entry.get("exception_info"))
        success = bool(entry.get("success")) and not error
        row = {"expectation": expectation.name, "severity": expectation.severity, "action": action,
               "success": success, "observed": error or observed(entry),
               "unexpected_count": details.get("unexpected_count")}
        summary.append(row)
        if success:
            continue
        indexes = details.get("unexpected_index_list") or []
        if expectation.quarantine or expectation.severity == "critical":
            for index in indexes:
                failed[int(index)].append(expectation.name)
        # A check that crashed tells us nothing about the rows, so it fails the run like a critical one.
        if expectation.severity == "critical" or error:
            failed_critical.append(expectation.name)
            sample = sample_values(gx_result, expectation.name)
            shown = f"; e.g. {sample!r}" if sample else ""
            messages.append(f"{expectation.name} ({expectation.type}): observed {row['observed']}{shown}")
            if expectation.type == "expect_table_columns_to_match_set":
                for marks in failed:
                    marks.append(expectation.name)

    bad_rows = [i for i in range(n) if failed[i]]
    order = {name: i for i, name in enumerate(suite.names())}
    # A clean partition passes as it came: copying the bodies is the costliest step at 100k rows.
    passed = table if not bad_rows else table.filter(pa.array([not marks for marks in failed], pa.bool_()))
    valid = _to_schema(passed, ARTICLE_SCHEMA)
    quarantine = _to_schema(
        table.take(pa.array(bad_rows, pa.int64())),
        QUARANTINE_SCHEMA,
        failed_expectations=[sorted(set(failed[i]), key=order.__getitem__) for i in bad_rows],
    )
    counts = {
        "total": n,
        "valid": valid.num_rows,
        "quarantined": quarantine.num_rows,
        "quarantine_share": round(quarantine.num_rows / n, 6) if n else 0.0,
        "by_expectation": {r["expectation"]: r["unexpected_count"] for r in summary if not r["success"]},
    }
    result["meta"]["newslake"]["counts"] = {k: v for k, v in counts.items() if k != "by_expectation"}
    return ValidationOutcome(valid, quarantine, result, summary, failed_critical, messages, counts)


def _with_min_words(suite: Suite, words: int) -> Suite:
    from newslake.quality.suite import apply_overrides

    return apply_overrides(suite, ValidationConfig(min_body_words=words), "validate_articles")


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


def _to_schema(
    table: pa.Table, schema: pa.Schema, failed_expectations: list[list[str]] | None = None
) -> pa.Table:
    """Select/complete the schema's columns (missing ones as nulls) and cast; keeps row order."""
    arrays = []
    for f in schema:
        if f.name == "failed_expectations":
            arrays.append(pa.array(failed_expectations or [], f.type))
        elif f.name in table.column_names:
            column = table.column(f.name)
            if pa.types.is_timestamp(f.type) and pa.types.is_timestamp(column.type) and column.type.tz is None:
                column = column.cast(pa.timestamp(column.type.unit, tz="UTC"))  # kept as read, flagged by the suite
            arrays.append(column.cast(f.type))
        else:
            arrays.append(pa.nulls(table.num_rows, f.type))
    loose = pa.Table.from_arrays(
        arrays, schema=pa.schema([f.with_nullable(True) for f in schema], metadata=schema.metadata)
    )
    return loose.cast(schema)
