"""What an operator meets in the UI: the trigger form, the DAG docs, the failure callbacks, the task logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from newslake.airflow_notifier import NewslakeNotifier, record_failure_callback
from newslake.pipeline import discover_stage, extract_stage, fetch_stage, validate_stage
from unit.test_pipeline import BASE, FEED, PAGES, ScriptedFetcher, make_ctx

DAGS = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def source_dags():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    return [dag for dag_id, dag in bag.dags.items() if dag_id.startswith("news_")]


def test_trigger_form_has_titled_params_with_nightly_defaults(source_dags):
    for dag in source_dags:
        params = {name: dag.params.get_param(name) for name in ("replay_raw", "dry_run", "max_articles")}
        assert {name: p.value for name, p in params.items()} == {"replay_raw": False, "dry_run": False, "max_articles": 0}
        for p in params.values():
            assert p.schema["title"] and p.description  # the form shows both


def test_doc_md_tells_how_to_backfill_and_what_failures_mean(source_dags):
    for dag in source_dags:
        doc = dag.doc_md
        assert "All Runs" in doc and "Missing Runs" in doc
        sid = dag.dag_id.removeprefix("news_")
        assert f"articles/source={sid}/dt=<day>/part-0.parquet" in doc
        for failure in ("SourceBlockedError", "QuarantineThresholdError", "TooFewArticlesError", "StorageUnavailableError"):
            assert failure in doc


def test_every_task_records_and_notifies_its_failure(source_dags):
    for dag in source_dags:
        for task in dag.tasks:
            callbacks = task.on_failure_callback
            assert record_failure_callback in callbacks
            assert any(isinstance(c, NewslakeNotifier) for c in callbacks)


def test_task_logs_progress_quarantine_and_summary(local_store, caplog):
    caplog.set_level(logging.INFO, logger="newslake.pipeline")
    ctx = make_ctx(local_store)
    fetcher = ScriptedFetcher({BASE + "rss.xml": FEED, **PAGES})
    fetched = fetch_stage(ctx, fetcher, discover_stage(ctx, fetcher))
    validate_stage(ctx, extract_stage(ctx, fetched))
    total = len(PAGES)
    assert f"fetch {total}/{total} (0 failed)" in caplog.text
    assert "quarantined 1 row: published_at_not_null (1)" in caplog.text
    assert f'fetch summary: {{"blocked": 0, "candidates": {total}, "fetched": {total}' in caplog.text
    assert 'validate summary: {"docs_key": "quality/docs/validations/source=wire/' in caplog.text
    assert '"failed_critical": [], "failed_expectations": {"published_at_not_null": 1}' in caplog.text


def test_cap_on_articles_fetches_only_the_first_n(local_store):
    ctx = make_ctx(local_store)
    fetcher = ScriptedFetcher({BASE + "rss.xml": FEED, **PAGES})
    discovered = discover_stage(ctx, fetcher)
    before = fetcher.requests
    counts = fetch_stage(ctx, fetcher, discovered, max_articles=2).counts["fetch"]
    assert (counts["candidates"], counts["capped"]) == (2, len(PAGES) - 2)
    assert fetcher.requests - before == 2
