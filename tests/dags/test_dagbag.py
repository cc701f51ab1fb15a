"""DAG policy: the DAG folder parses cleanly, without heavy imports, one DAG per enabled source."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from newslake.config import load_sources

ROOT = Path(__file__).resolve().parents[2]
DAGS = ROOT / "dags"
HEAVY = ["great_expectations", "pandas", "pyarrow", "boto3", "trafilatura", "bs4", "lxml", "newslake.extraction"]


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}


CONSUMER = "lake_partition_consumer"  # the example downstream DAG
REEXTRACT = "newslake_reextract"  # bulk re-extraction, triggered by hand
NOT_SOURCE_DAGS = {CONSUMER, REEXTRACT}


def test_one_dag_per_enabled_source(dagbag):
    expected = {f"news_{s.id}" for s in load_sources(enabled_only=True)}
    assert expected
    assert set(dagbag.dag_ids) == expected | NOT_SOURCE_DAGS


def test_dag_policy(dagbag):
    from newslake.timetables import SourceDayTimetable

    sources = {f"news_{s.id}": s for s in load_sources(enabled_only=True)}
    for dag_id, dag in dagbag.dags.items():
        if dag_id in NOT_SOURCE_DAGS:
            continue
        assert dag.doc_md and len(dag.doc_md) > 200, dag_id
        assert "newslake" in dag.tags, dag_id
        assert isinstance(dag.timetable, SourceDayTimetable), dag_id
        # The source's days live in the timetable: DAG/task start or end dates give task-less green runs.
        source = sources[dag_id]
        assert (dag.timetable.first_day, dag.timetable.last_day) == (source.start_date, source.end_date), dag_id
        assert dag.start_date is None and dag.end_date is None, dag_id
        assert all(t.start_date is None and t.end_date is None for t in dag.tasks), dag_id
        assert dag.max_active_runs == 1, dag_id
        assert [t.task_id for t in dag.topological_sort()] == ["discover", "fetch", "extract_validate", "publish"]
        assert "replay_raw" in dag.params
        for t in dag.tasks:
            assert t.owner and t.owner != "airflow", (dag_id, t.task_id)
            assert t.retries >= 1, (dag_id, t.task_id)
            assert t.retry_exponential_backoff, (dag_id, t.task_id)


def test_publish_updates_the_source_asset(dagbag):
    from newslake.assets import asset_name

    for source in load_sources(enabled_only=True):
        outlets = dagbag.dags[f"news_{source.id}"].get_task("publish").outlets
        assert [o.name for o in outlets] == [asset_name(source.id)]


def test_consumer_runs_per_day_partition_of_every_source_asset(dagbag):
    from airflow.sdk import PartitionedAssetTimetable
    from airflow.serialization.encoders import coerce_to_core_timetable
    from newslake.assets import asset_name

    dag = dagbag.dags[CONSUMER]
    assert isinstance(dag.timetable, PartitionedAssetTimetable)
    watched = {ref.name for ref in coerce_to_core_timetable(dag.timetable).asset_condition.iter_asset_refs()}
    assert watched == {asset_name(s.id) for s in load_sources(enabled_only=True)}
    mapper = coerce_to_core_timetable(dag.timetable).get_partition_mapper(name=asset_name("demo"))
    assert mapper.to_downstream("2026-11-19") == "2026-11-19"
    assert dag.doc_md and len(dag.doc_md) > 200 and "newslake" in dag.tags
    for t in dag.tasks:
        assert t.owner and t.owner != "airflow" and t.retries >= 1, t.task_id


def test_daily_interval_covers_the_previous_utc_day(dagbag):
    from datetime import datetime, timezone

    from airflow.serialization.encoders import coerce_to_core_timetable

    dag = next(d for d in dagbag.dags.values() if d.dag_id not in NOT_SOURCE_DAGS)
    info = coerce_to_core_timetable(dag.timetable).infer_manual_data_interval(run_after=datetime(2026, 11, 21, 3, tzinfo=timezone.utc))
    assert info.start == datetime(2026, 11, 20, tzinfo=timezone.utc)
    assert info.end == datetime(2026, 11, 21, tzinfo=timezone.utc)


PROBE = """
import json, sys, importlib.util
spec = importlib.util.spec_from_file_location("dagfile", sys.argv[1])
mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
print(json.dumps({"modules": sorted(sys.modules)}))
"""


@pytest.mark.parametrize("dag_file", sorted(DAGS.glob("*.py")), ids=lambda p: p.name)
def test_dag_file_parses_without_heavy_imports(dag_file):
    # Airflow itself is already imported by a real DAG processor; see only what the DAG file adds.
    # How long parsing takes is bench/bench_parse.py's business, not a timed assertion's.
    warm = "import airflow.sdk, airflow.timetables.interval;"
    out = subprocess.run(
        [sys.executable, "-c", warm + PROBE, str(dag_file)],
        capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(ROOT / "include")},
    )
    report = json.loads(out.stdout.strip().splitlines()[-1])
    loaded = set(report["modules"])
    assert not [m for m in HEAVY if m in loaded], "heavy modules imported at parse time"
