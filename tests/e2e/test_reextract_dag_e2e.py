"""End to end: `airflow dags test newslake_reextract` rebuilds raw days through mapped tasks, as a replay would."""

from __future__ import annotations

import json
import subprocess
import uuid
from datetime import date

import pytest
from demo_site.synthetic import synthetic_pages
from e2e_support import BIN, migrate, process_env, stack_config
from newslake.layout import part_key
from newslake.storage import open_store
from newslake_dev.rawgen import write_raw_day

pytestmark = pytest.mark.e2e

DAYS = [date(2026, 11, 16), date(2026, 11, 17), date(2026, 11, 19)]


def test_the_reextract_dag_maps_batches_and_writes_what_a_replay_writes(s3_server, demo_site, tmp_path_factory):
    cfg = stack_config(s3_server, demo_site, tmp_path_factory.mktemp("stack"), f"e2e-reextract-{uuid.uuid4().hex[:8]}")
    env = process_env(cfg)
    migrate(env)
    store = open_store(s3_server.settings(prefix=cfg.prefix))
    for day in DAYS:
        write_raw_day(store, "demo", day, synthetic_pages(day, 4))

    conf = {"sources": ["demo"], "from": "2026-11-01", "to": "2026-11-30", "batch_size": 2}
    run = subprocess.run([str(BIN / "airflow"), "dags", "test", "newslake_reextract", "-c", json.dumps(conf)],
                         env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, f"{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    logs = run.stdout + run.stderr
    assert "re-extracting 3 partitions of 1 sources in 2 batches" in logs
    assert "'partitions': 3, 'rows': 12" in logs
    bulk = {day: store.get(part_key("articles", "demo", day)) for day in DAYS}

    replay = subprocess.run([str(BIN / "newslake"), "ingest", "--replay", "--source", "demo", "--date", "2026-11-17"],
                            env=env, capture_output=True, text=True, timeout=600)
    assert replay.returncode == 0, replay.stderr
    assert store.get(part_key("articles", "demo", DAYS[1])) == bulk[DAYS[1]]
