"""A backfill created through Airflow's REST API (what the UI's backfill dialog calls) runs on the real
scheduler (the embedded stack: PostgreSQL + LocalExecutor) and writes the partition a CLI run writes; a
second backfill with the replay param makes no HTTP request and rewrites the same bytes."""

from __future__ import annotations

import subprocess
import uuid
from dataclasses import replace
from datetime import date

import pytest
from e2e_support import BIN, process_env, running_airflow, stack_config
from newslake.lake import read_manifest, read_partition
from newslake.storage import open_store
from newslake.urls import article_id
from newslake_dev.devstack import (
    run_backfill,
)

pytestmark = pytest.mark.e2e

DAY = date(2026, 11, 19)


def test_backfill_through_the_scheduler(s3_server, demo_site, tmp_path):
    cfg = stack_config(s3_server, demo_site, tmp_path / "stack", f"backfill-{uuid.uuid4().hex[:8]}")
    with running_airflow(cfg, "news_demo") as api:
        assert run_backfill(api, "news_demo", [DAY], timeout=600) == {DAY.isoformat(): "success"}
        store = open_store(s3_server.settings(prefix=cfg.prefix))
        part = f"articles/source=demo/dt={DAY}/part-0.parquet"
        first = store.get(part)
        # A successful run leaves no hand-over objects and gives the source's lease back.
        assert store.list("_work/") == [] and store.list("_locks/") == []

        # The same day again with the replay param: no request reaches the site, the bytes are the same.
        hits = sum(demo_site.stats()["hits"].values())
        replay = run_backfill(api, "news_demo", [DAY], conf={"replay_raw": True}, reprocess="completed", timeout=600)
        assert replay == {DAY.isoformat(): "success"}
        assert sum(demo_site.stats()["hits"].values()) - hits == 1  # our own /_stats.json probe
        assert read_manifest(store, "articles", "demo", DAY)["counts"]["fetch"]["replayed"] is True
        assert store.get(part) == first

    table = read_partition(store, "articles", "demo", DAY)
    expected = {article_id(a["canonical_url"]) for a in demo_site.answer_key["articles"] if a["day"] == DAY.isoformat()}
    assert set(table.column("article_id").to_pylist()) == expected
    assert read_manifest(store, "articles", "demo", DAY)["run_id"].startswith("backfill__")

    cli = replace(cfg, prefix=cfg.prefix + "-cli")
    env = process_env(cli)
    out = subprocess.run([str(BIN / "newslake"), "ingest", "--source", "demo", "--date", DAY.isoformat()],
                         env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    ignore = {"run_id", "fetched_at"}
    cli_rows = read_partition(open_store(s3_server.settings(prefix=cli.prefix)), "articles", "demo", DAY).to_pylist()
    assert [{k: v for k, v in r.items() if k not in ignore} for r in cli_rows] == [
        {k: v for k, v in r.items() if k not in ignore} for r in table.to_pylist()
    ]
