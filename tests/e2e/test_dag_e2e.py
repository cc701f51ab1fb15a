"""End to end: real Airflow (`airflow dags test`), real SeaweedFS over HTTP, the real demo site.

Runs news_demo for two demo days and checks each partition against the site's answer key, then
checks that the CLI writes the same rows and that a replay from the raw zone makes no HTTP request
and rewrites byte-identical Parquet.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from e2e_support import BIN, migrate, process_env, stack_config
from newslake.lake import read_manifest, read_partition
from newslake.rawzone import read_raw_index
from newslake.storage import open_store
from newslake.urls import article_id

pytestmark = pytest.mark.e2e

DAYS = [date(2026, 11, 18), date(2026, 11, 20)]


@pytest.fixture(scope="module")
def lake(s3_server, demo_site, tmp_path_factory):
    """Environment for Airflow + CLI processes and the store they write to (a prefix of its own)."""
    cfg = stack_config(s3_server, demo_site, tmp_path_factory.mktemp("stack"), f"e2e-{uuid.uuid4().hex[:8]}")
    env = process_env(cfg)
    migrate(env)
    return {"env": env, "prefix": cfg.prefix, "store": open_store(s3_server.settings(prefix=cfg.prefix))}


def airflow_test(lake, day: date, conf: dict | None = None) -> subprocess.CompletedProcess:
    """`airflow dags test` for the run whose data interval is [day, day + 1)."""
    # `dags test` treats its date as the moment the run is triggered and takes the last complete
    # interval before it, so the run covering `day` is triggered at day + 1.
    argv = [str(BIN / "airflow"), "dags", "test", "news_demo", (day + timedelta(days=1)).isoformat()]
    if conf:
        argv += ["-c", json.dumps(conf)]
    return subprocess.run(argv, env=lake["env"], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def dag_runs(lake):
    """Run the DAG once for each of the two days."""
    runs = {day: airflow_test(lake, day) for day in DAYS}
    for day, run in runs.items():
        assert run.returncode == 0, f"{day}: {run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    return runs


def expected_for(key: dict, day: date) -> list[dict]:
    return [a for a in key["articles"] if a["day"] == day.isoformat()]


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_partition_matches_the_answer_key(dag_runs, lake, demo_site, day):
    table = read_partition(lake["store"], "articles", "demo", day)
    rows = {r["article_id"]: r for r in table.to_pylist()}
    expected = expected_for(demo_site.answer_key, day)
    assert table.num_rows == len(expected) == demo_site.answer_key["per_day"][day.isoformat()]["articles"]
    for article in expected:
        row = rows.get(article_id(article["canonical_url"]))
        assert row is not None, f"missing {article['url']}"
        assert row["title"] == article["title"]
        want = datetime.fromisoformat(article["published_at"].replace("Z", "+00:00"))
        assert row["published_at"] == want, article["url"]
        assert row["dateline"] == article["dateline"], article["url"]
        assert row["authors"] == article["authors"], article["url"]
        assert row["language"] == article["language"], article["url"]
        assert row["body"] and "(NL)" not in row["body"][:40], "dateline left in the body"
    start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    assert all(start <= r["published_at"] < start + timedelta(days=1) for r in rows.values())
    manifest = read_manifest(lake["store"], "articles", "demo", day)
    assert manifest["rows"] == table.num_rows
    assert manifest["sha256"] == hashlib.sha256(
        lake["store"].get(f"articles/source=demo/dt={day}/part-0.parquet")).hexdigest()


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_traps_have_counted_outcomes(dag_runs, lake, demo_site, day):
    traps = [t for t in demo_site.answer_key["traps"] if t["day"] == day.isoformat()]
    assert traps, "the chosen days must carry traps"
    index = {r["url"]: r for r in read_raw_index(lake["store"], "demo", day).to_pylist()}
    quarantine = read_partition(lake["store"], "quarantine", "demo", day).to_pylist()
    counts = read_manifest(lake["store"], "articles", "demo", day)["counts"]
    for trap in traps:
        if trap["expected_outcome"] == "quarantined":
            hit = [q for q in quarantine if q["url"] == trap["url"]]
            assert hit and hit[0]["failed_expectations"], trap
        elif trap["expected_outcome"] == "duplicate":
            assert index[trap["url"]]["outcome"] == "fetched"
            assert counts["extract"]["duplicates"] >= 1
        else:
            assert index[trap["url"]]["outcome"] == trap["expected_outcome"], trap
            assert counts["fetch"][trap["expected_outcome"]] >= 1


def test_cli_ingest_writes_the_same_rows_as_the_dag(dag_runs, lake, s3_server):
    day = DAYS[0]
    env = {**lake["env"], "NEWSLAKE_PREFIX": lake["prefix"] + "-cli"}
    out = subprocess.run([str(BIN / "newslake"), "ingest", "--source", "demo", "--date", day.isoformat()],
                         env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    cli_store = open_store(s3_server.settings(prefix=lake["prefix"] + "-cli"))
    ignore = {"run_id", "fetched_at"}  # differ by design between two fetches of the same pages
    dag_rows = [{k: v for k, v in r.items() if k not in ignore}
                for r in read_partition(lake["store"], "articles", "demo", day).to_pylist()]
    cli_rows = [{k: v for k, v in r.items() if k not in ignore}
                for r in read_partition(cli_store, "articles", "demo", day).to_pylist()]
    assert cli_rows == dag_rows


def test_replay_makes_no_request_and_rewrites_identical_bytes(dag_runs, lake, demo_site):
    day = DAYS[1]
    key = f"articles/source=demo/dt={day}/part-0.parquet"
    before = lake["store"].get(key)
    hits_before = sum(demo_site.stats()["hits"].values())
    run = airflow_test(lake, day, {"replay_raw": True})
    assert run.returncode == 0, run.stdout[-3000:]
    hits_after = sum(demo_site.stats()["hits"].values())
    assert hits_after - hits_before == 1  # only our own /_stats.json probe
    assert lake["store"].get(key) == before
    assert read_manifest(lake["store"], "articles", "demo", day)["counts"]["fetch"]["replayed"] is True
