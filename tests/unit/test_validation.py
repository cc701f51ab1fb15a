"""The article suite (include/config/suites/articles.json) run by GX: each bad record kind lands in
quarantine naming the expectation it failed, good rows of the same partition pass, critical failures
name the expectation and the observed value."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone

import pyarrow as pa
import pytest
from newslake.lake import ARTICLE_SCHEMA, CANDIDATE_SCHEMA, QUARANTINE_SCHEMA, records_to_table
from newslake.quality.suite import ValidationConfig, load_suite
from newslake.urls import article_id
from newslake.validation import SUITE_NAME, ValidationError, allowed_url_regex, validate_articles

START = datetime(2026, 3, 14, tzinfo=UTC)
END = datetime(2026, 3, 15, tzinfo=UTC)
LANGS = ["en", "ru"]
DOMAINS = ["example.org"]


def row(key: str, **overrides) -> dict:
    url = f"https://news.example.org/{key}"
    base = {
        "article_id": article_id(url),
        "url": url,
        "canonical_url": url,
        "title": f"Title {key}",
        "body": f"{key} " + "word " * 45,
        "authors": ["A. Writer"],
        "tags": ["media"],
        "published_at": datetime(2026, 3, 14, 12, 0, tzinfo=UTC),
        "date_source": "jsonld",
        "language": "en",
        "run_id": "r1",
    }
    base.update(overrides)
    if "content_sha256" not in overrides:
        base["content_sha256"] = hashlib.sha256((base["body"] or "").encode()).hexdigest()
    if "body" in overrides:
        base["word_count"] = len(overrides["body"].split()) if overrides["body"] is not None else None
    return base


SAME_BODY = "the same text " * 20
# key -> (overrides, expected failed_expectations); one bad row per record kind of issue 8.
CASES = {
    "good-1": ({}, None),
    "good-2": ({"language": "ru", "authors": [], "tags": []}, None),
    "good-edge-start": ({"published_at": START}, None),
    "good-modified-later": ({"modified_at": datetime(2026, 3, 14, 13, tzinfo=UTC)}, None),
    "good-subdomain": ({"url": "https://www.news.example.org/good-subdomain"}, None),
    "missing-id": ({"article_id": None}, ["article_id_not_null"]),
    "dup-canonical-a": ({"canonical_url": "https://news.example.org/same"}, ["canonical_url_unique"]),
    "dup-canonical-b": ({"canonical_url": "https://news.example.org/same"}, ["canonical_url_unique"]),
    "dup-content-a": ({"body": SAME_BODY}, ["content_sha256_unique"]),
    "dup-content-b": ({"body": SAME_BODY}, ["content_sha256_unique"]),
    "off-domain": ({"url": "https://news.example.org.evil.test/off-domain"}, ["url_in_allowed_domains"]),
    "not-http": ({"url": "ftp://news.example.org/not-http"}, ["url_in_allowed_domains"]),
    "too-early": ({"published_at": START - timedelta(microseconds=1)}, ["published_at_in_interval"]),
    "at-end": ({"published_at": END}, ["published_at_in_interval"]),
    "modified-before": ({"modified_at": datetime(2026, 3, 14, 11, tzinfo=UTC)}, ["modified_at_not_before_published_at"]),
    "empty-body": ({"body": ""}, ["body_min_words"]),
    "no-body": ({"body": None, "content_sha256": None}, ["body_not_null"]),
    "short-body": ({"body": "too short to count"}, ["body_min_words"]),
    "wrong-lang": ({"language": "de"}, ["language_in_set"]),
    "no-title": ({"title": None}, ["title_not_null"]),
    "blank-title": ({"title": "   "}, ["title_not_empty"]),
    "long-title": ({"title": "t" * 401}, ["title_length"]),
    "odd-date-source": ({"date_source": "guess"}, ["date_source_in_set"]),
    "blank-author": ({"authors": ["Ok Name", ""]}, ["authors_are_names"]),
    "null-tag": ({"tags": ["fine", None]}, ["tags_are_labels"]),
    "two-faults": ({"language": "kk", "title": ""}, ["title_not_empty", "title_length", "language_in_set"]),
}


@pytest.fixture(scope="module")
def outcome():
    rows = [row(key, **overrides) for key, (overrides, _) in CASES.items()]
    table = records_to_table(rows, CANDIDATE_SCHEMA)
    return validate_articles(table, start=START, end=END, languages=LANGS, allowed_domains=DOMAINS)


def _key(url: str | None) -> str | None:
    return url.rsplit("/", 1)[-1] if url else None


def _by_key(table) -> dict[str | None, dict]:
    return {_key(r["url"]): r for r in table.to_pylist()}


def test_good_rows_pass_and_each_bad_kind_is_quarantined_naming_its_expectation(outcome) -> None:
    valid, quarantined = _by_key(outcome.valid), _by_key(outcome.quarantine)
    assert set(valid) == {k for k, (_, want) in CASES.items() if want is None}
    assert {k: r["failed_expectations"] for k, r in quarantined.items()} == {
        k: want for k, (_, want) in CASES.items() if want is not None
    }
    assert outcome.valid.schema.equals(ARTICLE_SCHEMA, check_metadata=False)
    assert outcome.quarantine.schema.equals(QUARANTINE_SCHEMA, check_metadata=False)
    assert not outcome.blocked  # row-level failures quarantine rows; the run itself may publish


def test_result_is_a_full_gx_suite_result_without_row_values(outcome) -> None:
    result = json.loads(json.dumps(outcome.result))
    assert result["suite_name"] == SUITE_NAME and result["success"] is False
    entries = {e["expectation_config"]["meta"]["name"]: e for e in result["results"]}
    assert set(entries) == set(load_suite().names())
    lang = entries["language_in_set"]
    assert lang["expectation_config"]["severity"] == "warning"
    assert lang["expectation_config"]["kwargs"]["value_set"] == LANGS  # $PARAMETER filled in
    assert lang["result"]["unexpected_count"] == 2 and len(lang["result"]["unexpected_index_list"]) == 2
    assert "unexpected_list" not in lang["result"] and "partial_unexpected_list" not in lang["result"]
    assert entries["authors_are_names"]["result"]["unexpected_count"] == 1  # list check, same result
    assert entries["columns_match_schema"]["success"] is True
    assert result["meta"]["newslake"]["counts"]["quarantined"] == outcome.counts["quarantined"]
    assert "A. Writer" not in json.dumps(result)  # no row dumps


def test_summary_is_one_screen(outcome) -> None:
    text = outcome.summary_text()
    assert len(text.splitlines()) <= 40 and max(len(line) for line in text.splitlines()) <= 200
    line = next(line for line in text.splitlines() if line.startswith("language_in_set"))
    assert "warning" in line and "quarantine" in line and "NO" in line and " 2 " in line


def test_the_schema_check_follows_the_record_schema() -> None:
    # The suite file names no columns: a field added to ARTICLE_SCHEMA is expected without a suite edit.
    suite_text = json.dumps(load_suite().to_gx())
    assert '"column_set": {"$PARAMETER": "schema_columns"}' in suite_text
    extra = records_to_table([row("a")]).append_column("surprise", pa.array(["x"]))
    out = validate_articles(extra, start=START, end=END, languages=LANGS)
    assert out.failed_critical == ["columns_match_schema"]
    assert out.critical_messages[0] == (
        "columns_match_schema (expect_table_columns_to_match_set): observed unexpected ['surprise']")


def test_missing_column_fails_the_run_with_expectation_and_observed_value() -> None:
    table = records_to_table([row("a"), row("b")]).drop_columns(["title"])
    out = validate_articles(table, start=START, end=END, languages=LANGS)
    assert out.failed_critical == ["columns_match_schema"] and out.blocked
    assert out.critical_messages[0] == (
        "columns_match_schema (expect_table_columns_to_match_set): observed missing ['title']")
    assert out.valid.num_rows == 0 and out.quarantine.num_rows == 2
    assert out.by_name()["title_not_null"]["observed"] == "column title missing"


def test_zero_rows_when_articles_are_expected_is_critical() -> None:
    empty = records_to_table([])
    out = validate_articles(empty, start=START, end=END, languages=LANGS, min_rows_expected=1)
    assert out.failed_critical == ["rows_expected"]
    assert out.critical_messages[0] == "rows_expected (expect_table_row_count_to_be_between): observed 0"
    quiet = validate_articles(empty, start=START, end=END, languages=LANGS)
    assert not quiet.blocked and (quiet.valid.num_rows, quiet.quarantine_share) == (0, 0.0)


def test_a_drop_against_recent_partitions_is_a_warning_only() -> None:
    out = validate_articles(records_to_table([row("a")]), start=START, end=END, languages=LANGS, min_rows_recent=5)
    assert out.by_name()["rows_vs_recent"] == {"expectation": "rows_vs_recent", "severity": "warning",
                                               "action": "report", "success": False, "observed": "1",
                                               "unexpected_count": None}
    assert not out.blocked and out.valid.num_rows == 1


def test_duplicate_article_ids_fail_the_run() -> None:
    twin = row("c", canonical_url="https://news.example.org/c2", body="c another text " + "word " * 45)
    out = validate_articles(records_to_table([row("a"), row("c"), twin], CANDIDATE_SCHEMA),
                            start=START, end=END, languages=LANGS)
    assert out.failed_critical == ["article_id_unique"]
    assert out.critical_messages[0].startswith("article_id_unique (expect_column_values_to_be_unique): observed 2 of 3 rows")
    assert [r["failed_expectations"] for r in out.quarantine.to_pylist()] == [["article_id_unique"]] * 2


def test_a_naive_timestamp_column_is_quarantined() -> None:
    # Arrow keeps the time zone per column, so naive timestamps arrive as a whole naive column
    # (e.g. a hand-written table); its rows cannot be placed on the UTC timeline.
    table = records_to_table([row("a"), row("b")])
    index = table.schema.get_field_index("published_at")
    naive = table.column("published_at").cast(pa.timestamp("us"))
    table = table.set_column(index, pa.field("published_at", pa.timestamp("us")), naive)
    out = validate_articles(table, start=START, end=END, languages=LANGS)
    assert [r["failed_expectations"] for r in out.quarantine.to_pylist()] == [["published_at_tz_aware"]] * 2


def test_interval_bounds_are_tz_aware_and_compared_as_instants() -> None:
    almaty = timezone(timedelta(hours=5))
    start, end = datetime(2026, 3, 14, 5, 0, tzinfo=almaty), datetime(2026, 3, 15, 5, 0, tzinfo=almaty)
    rows = [
        row("inside", published_at=datetime(2026, 3, 14, 0, 0, tzinfo=UTC)),
        row("before", published_at=datetime(2026, 3, 13, 23, 59, 59, tzinfo=UTC)),
        row("local-midnight", published_at=datetime(2026, 3, 15, 0, 30, tzinfo=almaty)),  # 14th 19:30 UTC
    ]
    out = validate_articles(records_to_table(rows), start=start, end=end, languages=LANGS)
    assert {_key(r["url"]) for r in out.valid.to_pylist()} == {"inside", "local-midnight"}
    assert [r["failed_expectations"] for r in out.quarantine.to_pylist()] == [["published_at_in_interval"]]
    with pytest.raises(ValidationError, match="timezone-aware"):
        validate_articles(records_to_table(rows), start=datetime(2026, 3, 14), end=END, languages=LANGS)


def test_overrides_change_the_outcome() -> None:
    flash = row("flash", body="Court fines blogger, lawyer says.")
    table = records_to_table([flash, row("a")])
    strict = validate_articles(table, start=START, end=END, languages=LANGS)
    assert strict.quarantine.num_rows == 1
    suite = ValidationConfig(min_body_words=3, expectations={
        "section_present": {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "section"},
                            "severity": "warning", "on_failure": "quarantine"}}).resolve()
    loose = validate_articles(table, start=START, end=END, languages=LANGS, suite=suite)
    assert loose.by_name()["body_min_words"]["success"] is True
    assert [r["failed_expectations"] for r in loose.quarantine.to_pylist()] == [["section_present"]] * 2


def test_a_ten_thousand_row_partition_validates_end_to_end() -> None:
    rows = [row(f"r{i}") for i in range(10_000)]
    rows[17]["language"] = "de"
    out = validate_articles(records_to_table(rows), start=START, end=END, languages=LANGS, allowed_domains=DOMAINS)
    assert (out.valid.num_rows, out.quarantine.num_rows) == (9_999, 1)
    assert out.quarantine.column("failed_expectations").to_pylist() == [["language_in_set"]]


def test_a_ten_thousand_row_partition_goes_through_validate_and_publish(tmp_path, monkeypatch) -> None:
    # The stages over a real store: the extracted hand-over object in, the day's partition, its
    # quarantine, its kept GX result and its Data Docs page out.
    from newslake import layout
    from newslake.config import parse_sources
    from newslake.lake import parquet_bytes, read_partition
    from newslake.pipeline import RunContext, publish_stage, validate_stage
    from newslake.quality import docs, results
    from newslake.storage import LocalStore

    monkeypatch.setenv(docs.DOCS_DIR_ENV, str(tmp_path / "site"))
    store = LocalStore(tmp_path / "lake")
    source = parse_sources({"sources": [{"id": "wire", "name": "Wire", "base_url": "https://news.example.org/",
                                         "languages": ["en", "ru"], "discovery": {"feeds": ["rss.xml"]}}]})[0]
    ctx = RunContext(source, START, END, "run-10k", store)
    rows = [row(f"r{i}") for i in range(10_000)]
    rows[4321]["language"] = "de"
    key = ctx.work_key("extracted.parquet")
    store.put(key, parquet_bytes(records_to_table(rows, CANDIDATE_SCHEMA)))
    handed = ctx.first_result().then("extract", {"extracted": 10_000}, datetime.now(UTC), extracted=key)
    published = publish_stage(ctx, validate_stage(ctx, handed))
    assert (published["rows"], published["quarantined"]) == (9_999, 1)
    assert read_partition(store, "articles", "wire", START.date()).num_rows == 9_999
    quarantined = read_partition(store, "quarantine", "wire", START.date())
    assert quarantined.column("failed_expectations").to_pylist() == [["language_in_set"]]
    assert results.latest(store, "wire", START.date())["run_id"] == "run-10k"
    stored = json.loads(store.get(layout.quality_key("wire", START.date(), "run-10k")))
    assert stored["statistics"]["evaluated_expectations"] == len(load_suite().names())
    assert b"newslake_articles" in store.get(layout.docs_page_key("wire", START.date(), "run-10k"))


def test_url_regex_keeps_lookalike_hosts_out() -> None:
    import re

    regex = re.compile(allowed_url_regex(["example.org", "127.0.0.1"]))
    for ok in ("https://example.org/", "http://a.b.example.org/x?y", "http://127.0.0.1:8765/en/"):
        assert regex.match(ok), ok
    for bad in ("https://example.org.evil.test/", "https://badexample.org/", "https://user@evil.test/#example.org",
                "mailto:x@example.org"):
        assert not regex.match(bad), bad


def test_an_added_expectation_reads_the_real_values_of_any_column() -> None:
    # The frame GX sees stands in for columns the suite only null-checks or does not read;
    # an expectation a source adds on such a column must still see its values.
    rows = [row("a"), row("b", body="Breaking: " + "word " * 45, description="wire copy")]
    suite = ValidationConfig(expectations={
        "body_not_breaking": {"type": "expect_column_values_to_not_match_regex",
                              "kwargs": {"column": "body", "regex": "^Breaking:"}, "on_failure": "quarantine"},
        "description_not_wire": {"type": "expect_column_values_to_not_be_in_set",
                                 "kwargs": {"column": "description", "value_set": ["wire copy"]}},
    }).resolve()
    out = validate_articles(records_to_table(rows), start=START, end=END, languages=LANGS, suite=suite)
    assert [(_key(r["url"]), r["failed_expectations"]) for r in out.quarantine.to_pylist()] == [
        ("b", ["body_not_breaking"])]
    assert out.by_name()["description_not_wire"]["unexpected_count"] == 1  # reported, row kept
    assert [_key(r["url"]) for r in out.valid.to_pylist()] == ["a"]


def test_list_checks_treat_unicode_blanks_as_blank() -> None:
    rows = [row("ok", authors=["Ай Гуль"], tags=[]), row("nbsp", authors=["\u00a0"]),
            row("ideographic", tags=["\u3000 "]), row("none", authors=None, tags=None)]
    out = validate_articles(records_to_table(rows), start=START, end=END, languages=LANGS)
    assert {_key(r["url"]): r["failed_expectations"] for r in out.quarantine.to_pylist()} == {
        "nbsp": ["authors_are_names"], "ideographic": ["tags_are_labels"]}
    assert {_key(r["url"]) for r in out.valid.to_pylist()} == {"ok", "none"}


def test_a_clean_partition_is_published_row_for_row() -> None:
    table = records_to_table([row(f"r{i}") for i in range(5)])
    out = validate_articles(table, start=START, end=END, languages=LANGS)
    assert out.quarantine.num_rows == 0
    assert out.valid.equals(table.select(ARTICLE_SCHEMA.names).cast(ARTICLE_SCHEMA))
