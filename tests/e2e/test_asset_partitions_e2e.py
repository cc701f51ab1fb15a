"""Partitioned asset events through the real scheduler: a REST backfill of news_demo for two days emits one
event per partition (key = the day, extra = what was published), and the example downstream DAG
lake_partition_consumer runs once per partition with that key and reads exactly that partition."""

from __future__ import annotations

import json
import time
import uuid
from datetime import date

import pytest
from e2e_support import running_airflow, stack_config
from newslake.assets import EXTRA_FIELDS, asset_name
from newslake.lake import SCHEMA_VERSION, read_manifest
from newslake.storage import open_store
from newslake_dev.devstack import AirflowApi, StackError, run_backfill

pytestmark = pytest.mark.e2e

DAYS = [date(2026, 11, 18), date(2026, 11, 19)]
CONSUMER = "lake_partition_consumer"


def finished_runs(api: AirflowApi, dag_id: str, count: int, timeout: float) -> list[dict]:
    """The DAG's runs once at least count of them exist and none is still queued or running."""
    deadline = time.monotonic() + timeout
    while True:
        runs = api.get(f"/api/v2/dags/{dag_id}/dagRuns?limit=100")["dag_runs"]
        if len(runs) >= count and all(r["state"] in ("success", "failed") for r in runs):
            return runs
        if time.monotonic() > deadline:
            raise StackError(f"{dag_id}: expected {count} finished runs, have {[(r['partition_key'], r['state']) for r in runs]}")
        time.sleep(3)


def xcom(api: AirflowApi, dag_id: str, run_id: str, task_id: str):
    """A task's return value as the REST API stores it (a JSON string or already a JSON value)."""
    value = api.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/return_value")["value"]
    return json.loads(value) if isinstance(value, str) else value


def test_each_partition_event_runs_the_consumer_once_on_that_partition(s3_server, demo_site, tmp_path):
    cfg = stack_config(s3_server, demo_site, tmp_path / "stack", f"assets-{uuid.uuid4().hex[:8]}")
    with running_airflow(cfg, "news_demo", CONSUMER) as api:
        # Before anything publishes: an event queues no run for a consumer that is paused at that moment.
        api.patch(f"/api/v2/dags/{CONSUMER}", {"is_paused": False})
        assert run_backfill(api, "news_demo", DAYS, timeout=900) == {d.isoformat(): "success" for d in DAYS}
        consumer_runs = finished_runs(api, CONSUMER, len(DAYS), timeout=300)
        events = api.get("/api/v2/assets/events?source_dag_id=news_demo&limit=100")["asset_events"]
        read = {r["partition_key"]: xcom(api, CONSUMER, r["dag_run_id"], "read_partition") for r in consumer_runs}

    store = open_store(s3_server.settings(prefix=cfg.prefix))
    manifests = {d.isoformat(): read_manifest(store, "articles", "demo", d) for d in DAYS}

    # One event per published partition, keyed by the day, whose extra is exactly what the lake holds.
    assert sorted(e["partition_key"] for e in events) == sorted(manifests)
    for e in events:
        day, manifest = e["partition_key"], manifests[e["partition_key"]]
        assert e["name"] == asset_name("demo") and e["source_task_id"] == "publish"
        assert set(e["extra"]) == set(EXTRA_FIELDS)
        assert e["extra"] == {
            "source": "demo", "day": day, "rows": manifest["rows"],
            "quarantined": manifest["counts"]["validate"]["quarantined"], "sha256": manifest["sha256"],
            "run_id": manifest["run_id"], "schema_version": SCHEMA_VERSION, "key": manifest["key"],
        }
        assert e["source_run_id"] == manifest["run_id"]
        assert manifest["rows"] == demo_site.answer_key["per_day"][day]["articles"]
        assert [(r["dag_id"], r["partition_key"]) for r in e["created_dagruns"]] == [(CONSUMER, day)]

    # The consumer ran once per partition, with that key, and read exactly that partition's bytes.
    assert sorted(r["partition_key"] for r in consumer_runs) == sorted(manifests)
    for run in consumer_runs:
        day, manifest = run["partition_key"], manifests[run["partition_key"]]
        assert (run["state"], run["run_type"], run["partition_date"][:10]) == ("success", "asset_triggered", day)
        assert read[day]["partition_key"] == day
        [part] = read[day]["partitions"]
        assert part["source"] == "demo" and part["day"] == day and part["current"] is True
        assert (part["rows"], part["sha256"], part["run_id"]) == (manifest["rows"], manifest["sha256"], manifest["run_id"])
        assert sum(part["languages"].values()) == manifest["rows"]
