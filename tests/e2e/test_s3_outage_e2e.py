"""The S3 server dies in the middle of a fetch task: the task fails, Airflow's retry succeeds once the
server is back, and the raw index holds each URL once."""

from __future__ import annotations

import subprocess
import time
import uuid
from datetime import date, timedelta

import pytest
from e2e_support import BIN, metadb_rows, migrate, process_env, stack_config
from fixtures_s3 import _pick_ports, make_test_server
from newslake.lake import read_partition
from newslake.rawzone import read_raw_index
from newslake.storage import open_store

pytestmark = pytest.mark.e2e

DAY = date(2026, 11, 18)


def article_hits(site) -> int:
    return sum(n for path, n in site.stats()["hits"].items() if path.startswith(("/en/", "/ru/")))


def test_fetch_task_survives_an_s3_outage(demo_site, tmp_path):
    server = make_test_server(tmp_path / "seaweed", _pick_ports())
    server.start()
    try:
        cfg = stack_config(server, demo_site, tmp_path / "stack", f"outage-{uuid.uuid4().hex[:8]}")
        # Slow the crawl down so the outage lands in the middle of the fetch task; retry soon after.
        env = process_env(cfg, NEWSLAKE_DEMO_DELAY="0.6", NEWSLAKE_RETRY_DELAY_SECONDS="5")
        migrate(env)
        prefix = cfg.prefix
        baseline = article_hits(demo_site)
        run = subprocess.Popen([str(BIN / "airflow"), "dags", "test", "news_demo", (DAY + timedelta(days=1)).isoformat()], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 180
            while article_hits(demo_site) < baseline + 3:
                assert run.poll() is None, run.stdout.read()[-3000:]
                assert time.monotonic() < deadline, "fetch task never started"
                time.sleep(0.2)
            server.process.kill()  # the S3 server dies mid-task
            server.process.wait()
            server.process = None
            time.sleep(8)
            server.start()
            output, _ = run.communicate(timeout=600)
        finally:
            if run.poll() is None:
                run.kill()
        assert run.returncode == 0, output[-3000:]

        tries = dict(metadb_rows(cfg, "select task_id, try_number from task_instance where dag_id='news_demo'"))
        states = dict(metadb_rows(cfg, "select task_id, state from task_instance where dag_id='news_demo'"))
        assert tries["fetch"] >= 2, tries  # it failed at least once
        assert set(states.values()) == {"success"}, states

        store = open_store(server.settings(prefix=prefix))
        urls = read_raw_index(store, "demo", DAY).column("url").to_pylist()
        assert len(urls) == len(set(urls))
        expected = [a for a in demo_site.answer_key["articles"] if a["day"] == DAY.isoformat()]
        assert read_partition(store, "articles", "demo", DAY).num_rows == len(expected)
    finally:
        server.stop()
