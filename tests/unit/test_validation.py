"""The newslake_articles GX suite: each expectation quarantines the rows it should, good rows pass."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from newslake.lake import ARTICLE_SCHEMA, CANDIDATE_SCHEMA, QUARANTINE_SCHEMA, records_to_table
from newslake.urls import article_id
from newslake.validation import SUITE_NAME, ValidationError, validate_articles

START = datetime(2026, 3, 14, tzinfo=UTC)
END = datetime(2026, 3, 15, tzinfo=UTC)
LANGS = ["en", "ru"]


def row(key: str, **overrides) -> dict:
    url = f"https://news.example.org/{key}"
    base = {
        "article_id": article_id(url),
        "url": url,
        "title": f"Title {key}",
        "body": "word " * 45,
        "authors": ["A. Writer"],
        "tags": ["media"],
        "published_at": datetime(2026, 3, 14, 12, 0, tzinfo=UTC),
        "language": "en",
        "run_id": "r1",
    }
    base.update(overrides)
    if "body" in overrides:
        base["word_count"] = len(overrides["body"].split()) if overrides["body"] else None
    return base


# key -> (overrides, expected failed_expectations); one bad row per expectation.
CASES = {
    "good-1": ({}, None),
    "good-2": ({"language": "ru", "authors": [], "tags": []}, None),
    "good-edge-start": ({"published_at": START}, None),
    "bad-url": ({"url": "ftp://news.example.org/bad-url"}, ["url_is_http"]),
    "no-title": ({"title": None}, ["title_not_null"]),
    "blank-title": ({"title": "   "}, ["title_not_empty"]),
    "short-body": ({"body": "too short to count"}, ["body_min_words"]),
    "no-body": ({"body": None}, ["body_not_null"]),
    "no-date": ({"published_at": None}, ["published_at_not_null"]),
    "too-early": ({"published_at": START - timedelta(microseconds=1)}, ["published_at_in_interval"]),
    "at-end": ({"published_at": END}, ["published_at_in_interval"]),
    "wrong-lang": ({"language": "de"}, ["language_in_set"]),
    "no-lang": ({"language": None}, ["language_not_null"]),
    "blank-author": ({"authors": ["Ok Name", " "]}, ["authors_are_names"]),
    "null-tag": ({"tags": ["fine", None]}, ["tags_are_labels"]),
    "two-faults": ({"language": "kk", "title": ""}, ["title_not_empty", "language_in_set"]),
}


@pytest.fixture(scope="module")
def outcome():
    rows = [row(key, **overrides) for key, (overrides, _) in CASES.items()]
    return validate_articles(records_to_table(rows, CANDIDATE_SCHEMA), start=START, end=END, languages=LANGS)


def _by_key(table) -> dict[str, dict]:
    return {r["url"].rsplit("/", 1)[-1] if r["url"] else None: r for r in table.to_pylist()}


def test_good_rows_pass_and_bad_rows_are_quarantined(outcome) -> None:
    valid = _by_key(outcome.valid)
    assert set(valid) == {k for k, (_, want) in CASES.items() if want is None}
    assert outcome.valid.schema.equals(ARTICLE_SCHEMA, check_metadata=False)
    assert outcome.quarantine.schema.equals(QUARANTINE_SCHEMA, check_metadata=False)


@pytest.mark.parametrize("key", [k for k, (_, want) in CASES.items() if want is not None])
def test_each_expectation_names_the_rows_it_catches(outcome, key: str) -> None:
    quarantined = _by_key(outcome.quarantine)
    assert quarantined[key]["failed_expectations"] == CASES[key][1]


def test_counts_and_share(outcome) -> None:
    bad = sum(1 for _, want in CASES.values() if want)
    assert outcome.counts["total"] == len(CASES)
    assert outcome.counts["quarantined"] == bad
    assert outcome.counts["valid"] == len(CASES) - bad
    assert outcome.quarantine_share == pytest.approx(bad / len(CASES))
    assert outcome.counts["by_expectation"]["published_at_in_interval"] == 2
    # Extraction alone decides interval membership; a row of another day reaching validation is a
    # broken pipeline, so the suite asserts it (blocking) instead of quietly quarantining it.
    assert outcome.failed_blocking == ["published_at_in_interval"] and outcome.blocked


def test_report_is_lean_json(outcome) -> None:
    report = json.loads(json.dumps(outcome.report))
    assert report["suite"] == SUITE_NAME
    assert report["gx_version"].startswith("1.")
    exp = report["expectations"]
    assert exp["article_id_unique"] == {
        "expectation": "ExpectColumnValuesToBeUnique",
        "column": "article_id",
        "success": True,
        "blocking": True,
        "element_count": len(CASES),
        "unexpected_count": 0,
    }
    assert exp["language_in_set"]["success"] is False and exp["language_in_set"]["unexpected_count"] == 2
    assert report["statistics"]["evaluated_expectations"] == len(exp)
    assert len(json.dumps(report)) < 10_000  # no row dumps in the report


def test_interval_bounds_are_tz_aware_and_compared_as_instants() -> None:
    almaty = timezone(timedelta(hours=5))
    start, end = (
        datetime(2026, 3, 14, 5, 0, tzinfo=almaty),
        datetime(2026, 3, 15, 5, 0, tzinfo=almaty),
    )  # == UTC day
    rows = [
        row("inside", published_at=datetime(2026, 3, 14, 0, 0, tzinfo=UTC)),
        row("before", published_at=datetime(2026, 3, 13, 23, 59, 59, tzinfo=UTC)),
        row("local-midnight", published_at=datetime(2026, 3, 15, 0, 30, tzinfo=almaty)),  # 14th 19:30 UTC
    ]
    out = validate_articles(records_to_table(rows), start=start, end=end, languages=LANGS)
    assert set(_by_key(out.valid)) == {"inside", "local-midnight"}
    assert _by_key(out.quarantine)["before"]["failed_expectations"] == ["published_at_in_interval"]
    with pytest.raises(ValidationError, match="timezone-aware"):
        validate_articles(records_to_table(rows), start=datetime(2026, 3, 14), end=END, languages=LANGS)


def test_null_and_duplicate_article_ids_are_blocking() -> None:
    rows = [row("a"), row("b", article_id=None), row("c"), row("c")]
    out = validate_articles(records_to_table(rows, CANDIDATE_SCHEMA), start=START, end=END, languages=LANGS)
    assert out.blocked
    assert set(out.failed_blocking) == {"article_id_not_null", "article_id_unique"}
    assert _by_key(out.valid).keys() == {"a"}
    reasons = sorted(tuple(r["failed_expectations"]) for r in out.quarantine.to_pylist())
    assert reasons == [("article_id_not_null",), ("article_id_unique",), ("article_id_unique",)]


def test_missing_required_column_blocks_and_quarantines_everything() -> None:
    table = records_to_table([row("a"), row("b")]).drop_columns(["title"])
    out = validate_articles(table, start=START, end=END, languages=LANGS)
    assert "columns_present" in out.failed_blocking
    assert out.valid.num_rows == 0 and out.quarantine.num_rows == 2
    assert out.report["expectations"]["columns_present"]["missing_columns"] == ["title"]
    assert out.quarantine.column("title").null_count == 2


def test_empty_table_is_valid_and_has_zero_share() -> None:
    out = validate_articles(records_to_table([]), start=START, end=END, languages=LANGS)
    assert (out.valid.num_rows, out.quarantine.num_rows, out.quarantine_share) == (0, 0, 0.0)
    assert not out.blocked


def test_min_body_words_is_configurable() -> None:
    rows = [row("short", body="one two three four five")]
    out = validate_articles(records_to_table(rows), start=START, end=END, languages=LANGS, min_body_words=5)
    assert out.valid.num_rows == 1
