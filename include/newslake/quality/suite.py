"""The article suite as data: load the GX suite file, check it, apply a source's `validation:` overrides.

Nothing here imports Great Expectations: DAG parsing and `newslake sources` check suites and
overrides with the kwarg table below, so a typo fails at parse time instead of inside a task.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

SUITE_PATH = Path(__file__).resolve().parents[2] / "config" / "suites" / "articles.json"
SEVERITIES = ("critical", "warning", "info")
QUARANTINE = "quarantine"  # meta.newslake.on_failure value that moves failing rows to quarantine/

_COLUMN = {"column", "mostly", "row_condition", "condition_parser"}
_BOUNDS = {"min_value", "max_value", "strict_min", "strict_max"}
# The GX 1.x expectations a suite or override may use, with every kwarg each one accepts
# (tests/unit/test_quality_suite.py checks this table against GX's own expectation models).
KWARGS: dict[str, frozenset[str]] = {
    "expect_column_values_to_not_be_null": frozenset(_COLUMN),
    "expect_column_values_to_be_null": frozenset(_COLUMN),
    "expect_column_values_to_be_unique": frozenset(_COLUMN),
    "expect_column_values_to_match_regex": frozenset(_COLUMN | {"regex"}),
    "expect_column_values_to_not_match_regex": frozenset(_COLUMN | {"regex"}),
    "expect_column_values_to_be_between": frozenset(_COLUMN | _BOUNDS),
    "expect_column_value_lengths_to_be_between": frozenset(_COLUMN | _BOUNDS),
    "expect_column_values_to_be_in_set": frozenset(_COLUMN | {"value_set"}),
    "expect_column_values_to_not_be_in_set": frozenset(_COLUMN | {"value_set"}),
    "expect_column_pair_values_a_to_be_greater_than_b": frozenset(
        {"column_A", "column_B", "or_equal", "ignore_row_if", "mostly", "row_condition", "condition_parser"}
    ),
    "expect_table_columns_to_match_set": frozenset({"column_set", "exact_match"}),
    "expect_table_row_count_to_be_between": frozenset(_BOUNDS),
}
REQUIRED: dict[str, frozenset[str]] = {
    "expect_column_values_to_match_regex": frozenset({"column", "regex"}),
    "expect_column_values_to_not_match_regex": frozenset({"column", "regex"}),
    "expect_column_values_to_be_in_set": frozenset({"column", "value_set"}),
    "expect_column_values_to_not_be_in_set": frozenset({"column", "value_set"}),
    "expect_column_pair_values_a_to_be_greater_than_b": frozenset({"column_A", "column_B"}),
    "expect_table_columns_to_match_set": frozenset({"column_set"}),
}
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{1,60}$")
# Run-time values every suite may refer to with {"$PARAMETER": name}.
PARAMETERS = frozenset(
    {"schema_columns", "min_rows_expected", "min_rows_recent", "allowed_url_regex", "interval_start",
     "interval_end", "languages"}
)


class SuiteError(ValueError):
    """A suite file or a `validation:` override is unusable; the message names the expectation and kwarg."""


@dataclass(frozen=True)
class Expectation:
    """One expectation of a resolved suite: its name (meta.name), GX type, kwargs, severity and row action."""

    name: str
    type: str
    kwargs: dict[str, Any]
    severity: str = "critical"
    quarantine: bool = False
    notes: str | None = None

    @property
    def column(self) -> str | None:
        """The column the expectation reads (None for table-level ones)."""
        return self.kwargs.get("column")

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the expectation reads."""
        return tuple(self.kwargs[k] for k in ("column", "column_A", "column_B") if isinstance(self.kwargs.get(k), str))

    def to_gx(self) -> dict[str, Any]:
        """The expectation in GX's JSON form (type, kwargs, meta, severity)."""
        meta: dict[str, Any] = {"name": self.name}
        if self.quarantine:
            meta["newslake"] = {"on_failure": QUARANTINE}
        out: dict[str, Any] = {"type": self.type, "kwargs": copy.deepcopy(self.kwargs), "meta": meta,
                               "severity": self.severity}
        if self.notes:
            out["notes"] = self.notes
        return out


@dataclass(frozen=True)
class Suite:
    """A resolved suite: name, meta (with schema_version) and its expectations in file order."""

    name: str
    meta: dict[str, Any]
    expectations: tuple[Expectation, ...]

    @property
    def schema_version(self) -> int:
        """The record schema version the suite was written for."""
        return int(self.meta.get("schema_version", 0))

    def names(self) -> list[str]:
        """Expectation names in file order."""
        return [e.name for e in self.expectations]

    def get(self, name: str) -> Expectation:
        """The expectation called name (KeyError if none)."""
        for e in self.expectations:
            if e.name == name:
                return e
        raise KeyError(name)

    def to_gx(self) -> dict[str, Any]:
        """The suite in GX's ExpectationSuite JSON form."""
        return {"name": self.name, "meta": copy.deepcopy(self.meta), "expectations": [e.to_gx() for e in self.expectations]}


def _check_value(where: str, kwarg: str, value: Any) -> None:
    if isinstance(value, dict):
        if set(value) != {"$PARAMETER"} or value["$PARAMETER"] not in PARAMETERS:
            raise SuiteError(
                f"{where}: kwarg {kwarg!r}: {value!r} is not a value; the only mapping allowed is "
                f'{{"$PARAMETER": name}} with name one of {", ".join(sorted(PARAMETERS))}'
            )
        return
    if kwarg == "regex" and isinstance(value, str):
        try:
            re.compile(value)
        except re.error as exc:
            raise SuiteError(f"{where}: kwarg 'regex': invalid regex {value!r}: {exc}") from None
    if kwarg in ("min_value", "max_value") and (isinstance(value, bool) or not isinstance(value, (int, float, type(None)))):
        raise SuiteError(f"{where}: kwarg {kwarg!r}: expected a number, got {value!r}")
    if kwarg in ("strict_min", "strict_max", "exact_match", "or_equal") and not isinstance(value, bool):
        raise SuiteError(f"{where}: kwarg {kwarg!r}: expected true or false, got {value!r}")
    if kwarg == "mostly" and (isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1):
        raise SuiteError(f"{where}: kwarg 'mostly': expected a number in [0, 1], got {value!r}")
    if kwarg in ("value_set", "column_set") and not isinstance(value, list):
        raise SuiteError(f"{where}: kwarg {kwarg!r}: expected a list, got {value!r}")
    if kwarg in ("column", "column_A", "column_B") and not (isinstance(value, str) and value):
        raise SuiteError(f"{where}: kwarg {kwarg!r}: expected a column name, got {value!r}")


def check_expectation(where: str, type_: Any, kwargs: Any) -> None:
    """SuiteError unless type_ is a supported GX expectation and kwargs are exactly its kwargs."""
    if type_ not in KWARGS:
        raise SuiteError(f"{where}: unsupported expectation type {type_!r} (supported: {', '.join(sorted(KWARGS))})")
    if not isinstance(kwargs, dict):
        raise SuiteError(f"{where}: kwargs must be a mapping, got {kwargs!r}")
    for kwarg in sorted(kwargs):
        if kwarg not in KWARGS[type_]:
            raise SuiteError(
                f"{where}: unknown kwarg {kwarg!r} for {type_} (allowed: {', '.join(sorted(KWARGS[type_]))})"
            )
        _check_value(where, kwarg, kwargs[kwarg])
    needed = REQUIRED.get(type_, frozenset({"column"}) if "column" in KWARGS[type_] else frozenset())
    missing = sorted(needed - set(kwargs))
    if missing:
        raise SuiteError(f"{where}: missing kwarg {missing[0]!r} for {type_}")


def _severity(where: str, value: Any) -> str:
    if value not in SEVERITIES:
        raise SuiteError(f"{where}: severity {value!r} is not one of {', '.join(SEVERITIES)}")
    return str(value)


def _quarantine(where: str, meta: dict) -> bool:
    action = (meta.get("newslake") or {}).get("on_failure") if isinstance(meta.get("newslake"), dict) else None
    if action not in (None, QUARANTINE):
        raise SuiteError(f"{where}: meta.newslake.on_failure {action!r} is not {QUARANTINE!r}")
    return action == QUARANTINE


def parse_suite(document: Any, origin: str = "suite") -> Suite:
    """A Suite from GX ExpectationSuite JSON; SuiteError naming the expectation and kwarg on a mistake."""
    if not isinstance(document, dict) or not isinstance(document.get("expectations"), list):
        raise SuiteError(f"{origin}: expected an ExpectationSuite object with an 'expectations' list")
    name = document.get("name")
    if not isinstance(name, str) or not name:
        raise SuiteError(f"{origin}: the suite has no name")
    meta = document.get("meta") or {}
    if not isinstance(meta.get("schema_version"), int):
        raise SuiteError(f"{origin}: meta.schema_version must be the record schema version (an integer)")
    expectations: list[Expectation] = []
    for i, raw in enumerate(document["expectations"]):
        where = f"{origin}: expectations[{i}]"
        if not isinstance(raw, dict):
            raise SuiteError(f"{where}: expected a mapping")
        emeta = raw.get("meta") or {}
        ename = emeta.get("name")
        if not isinstance(ename, str) or not _NAME_RE.match(ename):
            raise SuiteError(f"{where}: meta.name must be a lowercase identifier, got {ename!r}")
        where = f"{origin}: expectation {ename}"
        if ename in {e.name for e in expectations}:
            raise SuiteError(f"{where}: duplicate name")
        unknown = sorted(set(raw) - {"type", "kwargs", "meta", "severity", "notes", "id", "description"})
        if unknown:
            raise SuiteError(f"{where}: unknown field {unknown[0]!r}")
        check_expectation(where, raw.get("type"), raw.get("kwargs"))
        expectations.append(
            Expectation(
                name=ename,
                type=raw["type"],
                kwargs=dict(raw["kwargs"]),
                severity=_severity(where, raw.get("severity", "critical")),
                quarantine=_quarantine(where, emeta),
                notes=raw.get("notes"),
            )
        )
    return Suite(name=name, meta=dict(meta), expectations=tuple(expectations))


@lru_cache(maxsize=8)
def _load(path: str, mtime_ns: int) -> Suite:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SuiteError(f"suite file {path}: not found") from None
    except (OSError, ValueError) as exc:
        raise SuiteError(f"suite file {path}: not valid JSON: {exc}") from None
    return parse_suite(document, f"suite file {path}")


def load_suite(path: str | Path | None = None) -> Suite:
    """The suite file (default include/config/suites/articles.json), parsed and checked; cached per mtime."""
    path = Path(path or SUITE_PATH)
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        mtime = -1
    return _load(str(path), mtime)


# --------------------------------------------------------------------------- per-source overrides


@dataclass(frozen=True)
class ValidationConfig:
    """A source's `validation:` key: shortcuts for common knobs plus per-expectation overrides and additions."""

    min_body_words: int | None = None
    languages: tuple[str, ...] = ()  # empty = the source's languages
    title_min_length: int | None = None
    title_max_length: int | None = None
    expectations: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> {type?, kwargs?, severity?, on_failure?}
    suite_path: str | None = None  # another suite file (tests, experiments)

    def resolve(self) -> Suite:
        """The source's suite: the suite file with these overrides applied (SuiteError on a bad one)."""
        return apply_overrides(load_suite(self.suite_path), self, "validation")


_VALIDATION_KEYS = {"min_body_words", "languages", "title_min_length", "title_max_length", "expectations", "suite"}
_OVERRIDE_KEYS = {"type", "kwargs", "severity", "on_failure", "notes"}


def _int(where: str, key: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise SuiteError(f"{where}.{key}: expected an integer in [{lo}, {hi}], got {value!r}")
    return value


def parse_validation(data: Any, where: str) -> ValidationConfig:
    """A ValidationConfig from a source's `validation:` mapping, checked against the suite file now."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SuiteError(f"{where}: expected a mapping, got {type(data).__name__}")
    unknown = sorted(set(data) - _VALIDATION_KEYS)
    if unknown:
        raise SuiteError(f"{where}.{unknown[0]}: unknown field (allowed: {', '.join(sorted(_VALIDATION_KEYS))})")
    languages = data.get("languages") or []
    if not isinstance(languages, list) or not all(isinstance(v, str) and re.fullmatch(r"[a-z]{2}", v) for v in languages):
        raise SuiteError(f"{where}.languages: expected a list of ISO 639-1 codes, got {languages!r}")
    overrides = data.get("expectations") or {}
    if not isinstance(overrides, dict):
        raise SuiteError(f"{where}.expectations: expected a mapping of expectation name -> override")
    for name, override in overrides.items():
        if not isinstance(override, dict):
            raise SuiteError(f"{where}.expectations.{name}: expected a mapping, got {override!r}")
        bad = sorted(set(override) - _OVERRIDE_KEYS)
        if bad:
            raise SuiteError(f"{where}.expectations.{name}.{bad[0]}: unknown field (allowed: {', '.join(sorted(_OVERRIDE_KEYS))})")
    suite = data.get("suite")
    if suite is not None and not isinstance(suite, str):
        raise SuiteError(f"{where}.suite: expected a path to a suite file, got {suite!r}")
    config = ValidationConfig(
        min_body_words=_int(where, "min_body_words", data["min_body_words"], 0, 100_000) if "min_body_words" in data else None,
        languages=tuple(languages),
        title_min_length=_int(where, "title_min_length", data["title_min_length"], 0, 10_000) if "title_min_length" in data else None,
        title_max_length=_int(where, "title_max_length", data["title_max_length"], 1, 100_000) if "title_max_length" in data else None,
        expectations={str(k): dict(v) for k, v in overrides.items()},
        suite_path=str(Path(SUITE_PATH.parent.parent, suite)) if suite and not Path(suite).is_absolute() else suite,
    )
    apply_overrides(load_suite(config.suite_path), config, where)  # fail now, not in the task
    return config


def apply_overrides(suite: Suite, config: ValidationConfig, where: str) -> Suite:
    """suite with config's shortcuts and expectation overrides applied; SuiteError naming expectation and kwarg."""
    by_name = {e.name: e for e in suite.expectations}
    order = list(by_name)
    shortcuts: dict[str, dict[str, Any]] = {}
    if config.min_body_words is not None:
        shortcuts["body_min_words"] = {"min_value": config.min_body_words}
    if config.title_min_length is not None or config.title_max_length is not None:
        shortcuts["title_length"] = {
            k: v for k, v in (("min_value", config.title_min_length), ("max_value", config.title_max_length)) if v is not None
        }
    if config.languages:
        shortcuts["language_in_set"] = {"value_set": sorted(config.languages)}
    for name, kwargs in shortcuts.items():
        if name in by_name:
            by_name[name] = _merged(by_name[name], {"kwargs": kwargs}, f"{where}: expectation {name}")
    for name, override in config.expectations.items():
        ewhere = f"{where}.expectations.{name}"
        if name in by_name:
            by_name[name] = _merged(by_name[name], override, ewhere)
            continue
        if not _NAME_RE.match(name):
            raise SuiteError(f"{ewhere}: an expectation name is a lowercase identifier")
        if "type" not in override:
            raise SuiteError(
                f"{ewhere}: no expectation {name!r} in suite {suite.name} (names: {', '.join(order)}); "
                f"give a 'type' to add a new one"
            )
        check_expectation(ewhere, override["type"], override.get("kwargs") or {})
        by_name[name] = Expectation(
            name=name,
            type=override["type"],
            kwargs=dict(override.get("kwargs") or {}),
            severity=_severity(ewhere, override.get("severity", "warning")),
            quarantine=_on_failure(ewhere, override.get("on_failure", "report")),
            notes=override.get("notes"),
        )
        order.append(name)
    return Suite(suite.name, suite.meta, tuple(by_name[n] for n in order))


def _on_failure(where: str, value: Any) -> bool:
    if value not in (QUARANTINE, "report"):
        raise SuiteError(f"{where}.on_failure: {value!r} is not 'quarantine' or 'report'")
    return value == QUARANTINE


def _merged(base: Expectation, override: dict[str, Any], where: str) -> Expectation:
    type_ = override.get("type", base.type)
    if type_ != base.type:
        raise SuiteError(f"{where}.type: {base.name} is a {base.type}; add a new expectation instead of changing its type")
    kwargs = {**base.kwargs, **(override.get("kwargs") or {})}
    check_expectation(where, type_, kwargs)
    return Expectation(
        name=base.name,
        type=type_,
        kwargs=kwargs,
        severity=_severity(where, override.get("severity", base.severity)),
        quarantine=_on_failure(where, override["on_failure"]) if "on_failure" in override else base.quarantine,
        notes=override.get("notes", base.notes),
    )
