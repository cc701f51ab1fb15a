"""The suite file and per-source `validation:` overrides: checked at parse time, errors name expectation and kwarg."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from newslake.config import ConfigError, check_sources, parse_sources
from newslake.quality import docs, results
from newslake.quality.suite import KWARGS, SUITE_PATH, load_suite
from newslake.storage import LocalStore


def source(sid: str, **extra) -> dict:
    return {"id": sid, "name": sid, "base_url": f"https://{sid}.example.org/", "languages": ["en"],
            "discovery": {"feeds": ["rss.xml"]}, **extra}


def test_the_suite_file_is_gx_suite_json_versioned_with_the_schema() -> None:
    from newslake.lake import SCHEMA_VERSION

    document = json.loads(SUITE_PATH.read_text())
    assert document["name"] == "newslake_articles" and document["meta"]["schema_version"] == SCHEMA_VERSION
    assert {e["severity"] for e in document["expectations"]} == {"critical", "warning"}
    assert load_suite().to_gx()["expectations"][0]["type"] == "expect_table_columns_to_match_set"


def test_kwarg_table_matches_gx_models() -> None:
    from newslake.quality.run import import_gx

    import_gx()
    import great_expectations.expectations as gxe

    for type_, kwargs in KWARGS.items():
        cls = getattr(gxe, "".join(part.title() for part in type_.split("_")))
        fields = set(cls.__fields__)  # GX models are pydantic v1
        assert kwargs <= fields, (type_, kwargs - fields)


def test_override_applies_to_that_source_only() -> None:
    wire, other = parse_sources({"sources": [
        source("wire", validation={"min_body_words": 20, "title_max_length": 120,
                                   "expectations": {"language_in_set": {"severity": "critical"}}}),
        source("other"),
    ]})
    mine, theirs = wire.validation.resolve(), other.validation.resolve()
    assert mine.get("body_min_words").kwargs["min_value"] == 20
    assert mine.get("title_length").kwargs == {"column": "title", "min_value": 3, "max_value": 120}
    assert mine.get("language_in_set").severity == "critical"
    assert theirs == load_suite()


@pytest.mark.parametrize(("validation", "message"), [
    ({"expectations": {"title_length": {"kwargs": {"max_len": 9}}}},
     "sources[wire].validation.expectations.title_length: unknown kwarg 'max_len' for expect_column_value_lengths_to_be_between"),
    ({"expectations": {"body_min_words": {"kwargs": {"min_value": "forty"}}}},
     "sources[wire].validation.expectations.body_min_words: kwarg 'min_value': expected a number, got 'forty'"),
    ({"expectations": {"no_such": {"kwargs": {"column": "x"}}}},
     "sources[wire].validation.expectations.no_such: no expectation 'no_such' in suite newslake_articles"),
    ({"expectations": {"x_check": {"type": "expect_magic", "kwargs": {}}}},
     "sources[wire].validation.expectations.x_check: unsupported expectation type 'expect_magic'"),
    ({"expectations": {"language_in_set": {"severity": "fatal"}}},
     "sources[wire].validation.expectations.language_in_set: severity 'fatal' is not one of critical, warning, info"),
    ({"min_body_words": -1}, "sources[wire].validation.min_body_words: expected an integer in [0, 100000], got -1"),
    ({"max_words": 3}, "sources[wire].validation.max_words: unknown field"),
])
def test_bad_override_is_a_config_error_naming_expectation_and_kwarg(validation, message) -> None:
    checked = check_sources({"sources": [source("wire", validation=validation), source("other")]})
    assert [s.id for s in checked.sources] == ["other"]  # the broken entry costs only its own DAG
    assert str(checked.errors[0]).startswith(message) and checked.errors[0].source_id == "wire"


def test_bad_suite_file_breaks_the_sources_that_use_it(tmp_path) -> None:
    bad = tmp_path / "bad.json"
    suite = json.loads(SUITE_PATH.read_text())
    suite["expectations"][3]["kwargs"]["colum"] = "article_id"
    bad.write_text(json.dumps(suite))
    with pytest.raises(ConfigError, match=r"sources\[wire\]\.validation: suite file .*bad.json: expectation "
                                          r"article_id_not_null: unknown kwarg 'colum'"):
        parse_sources({"sources": [source("wire", validation={"suite": str(bad)})]})


def test_results_and_pages_of_every_run_are_kept_and_indexed(tmp_path, monkeypatch) -> None:
    from newslake.lake import records_to_table
    from newslake.validation import validate_articles

    store = LocalStore(tmp_path / "lake")
    monkeypatch.setenv(docs.DOCS_DIR_ENV, str(tmp_path / "site"))
    start, end = datetime(2026, 3, 14, tzinfo=UTC), datetime(2026, 3, 15, tzinfo=UTC)
    out = validate_articles(records_to_table([]), start=start, end=end, languages=["en"])
    for day, run in (("2026-03-14", "run-a"), ("2026-03-15", "run-b"), ("2026-03-14", "run-c")):
        results.store_result(store, "wire", datetime.fromisoformat(day).date(), run, out.result)
        docs.publish_page(store, "wire", datetime.fromisoformat(day).date(), run, out.result)
        results.point_latest(store, "wire", datetime.fromisoformat(day).date(), run, success=True, counts={})
        docs.rebuild_index(store)
    index = store.get("quality/docs/index.html").decode()
    for day, run in (("2026-03-14", "run-a"), ("2026-03-15", "run-b"), ("2026-03-14", "run-c")):
        page = f"validations/source=wire/dt={day}/run={run}.html"
        assert f"href='{page}'" in index
        assert "newslake_articles" in store.get("quality/docs/" + page).decode()
        assert (tmp_path / "site" / page).is_file()
    assert (tmp_path / "site" / "index.html").read_text() == index
    assert docs.docs_key("wire", "2026-03-14", store=store) == "quality/docs/validations/source=wire/dt=2026-03-14/run=run-c.html"
    assert docs.docs_key("wire", "2026-03-16", store=store) is None
    assert docs.rebuild_site(store) == {"pages": 3, "index_entries": 3}
