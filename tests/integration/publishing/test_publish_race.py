"""Finding 1: two real publisher processes race for one partition on SeaweedFS, with a forced interleave.

One publisher is held between its part-0 PUT and its _SUCCESS PUT while the other publishes. In
every order and every repetition, the manifest must describe exactly the part-0 a reader gets.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from newslake.errors import EXIT_CONFLICT
from newslake.lake import read_manifest, read_partition
from newslake.storage import open_store

pytestmark = pytest.mark.integration

PUBLISHER = Path(__file__).with_name("publisher.py")
DAY = "2026-11-18"


def _env(settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW_CONN_")}
    env.update({
        "NEWSLAKE_S3_ENDPOINT_URL": settings.endpoint_url, "AWS_ACCESS_KEY_ID": settings.access_key,
        "AWS_SECRET_ACCESS_KEY": settings.secret_key, "NEWSLAKE_BUCKET": settings.bucket,
        "NEWSLAKE_PREFIX": settings.prefix,
    })
    return env


def _start(settings, run_id: str, rows: int, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(PUBLISHER), "--rows", str(rows), "--run-id", run_id, *extra],
                            env=_env(settings), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen) -> tuple[int, dict]:
    out, err = proc.communicate(timeout=180)
    assert out.strip(), err[-2000:]
    return proc.returncode, json.loads(out.strip().splitlines()[-1])


def _wait_for(marker: Path, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "held publisher never wrote its data"
        time.sleep(0.05)


def _assert_partition_is_true(store) -> dict:
    manifest = read_manifest(store, "articles", "race", DAY)
    data = store.get(f"articles/source=race/dt={DAY}/part-0.parquet")
    table = read_partition(store, "articles", "race", DAY)
    assert manifest["sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["rows"] == table.num_rows
    assert set(table.column("run_id").to_pylist()) == {manifest["run_id"]}
    return manifest


@pytest.mark.parametrize("order", ["A held, B publishes", "B held, A publishes"])
def test_a_publisher_held_between_data_and_manifest_is_waited_for(s3_settings, tmp_path, order) -> None:
    store = open_store(s3_settings)
    held, other = ("A", "B") if order.startswith("A") else ("B", "A")
    rows = {"A": 8, "B": 5}
    for attempt in range(4):
        marker = tmp_path / f"{attempt}.marker"
        first = _start(s3_settings, f"{held}{attempt}", rows[held], "--hold-after-data", "2", "--marker", str(marker))
        _wait_for(marker, first)
        second = _start(s3_settings, f"{other}{attempt}", rows[other])
        (code_first, out_first), (code_second, out_second) = _finish(first), _finish(second)
        assert (code_first, code_second) == (0, 0), (out_first, out_second)
        # The second publisher waited for the held one to commit, so it completed last and won.
        manifest = _assert_partition_is_true(store)
        assert (manifest["run_id"], manifest["rows"]) == (f"{other}{attempt}", rows[other])
        assert out_second["seconds"] > 0.5


@pytest.mark.parametrize("order", ["A stalls", "B stalls"])
def test_a_stalled_publisher_is_fenced_off_and_says_it_lost(s3_settings, tmp_path, order) -> None:
    store = open_store(s3_settings)
    stalled, other = ("A", "B") if order == "A stalls" else ("B", "A")
    rows = {"A": 8, "B": 5}
    for attempt in range(2):
        marker = tmp_path / f"{attempt}.marker"
        # Held long enough that the other publisher (a fresh process: 3-6 s to import on a busy
        # 2-core machine) surely finds the data stale before the stalled one wakes up.
        first = _start(s3_settings, f"{stalled}{attempt}", rows[stalled], "--hold-after-data", "12",
                       "--marker", str(marker))
        _wait_for(marker, first)
        time.sleep(1.2)
        # The other publisher judges data uncommitted for more than 1 s as left by a dead publisher.
        second = _start(s3_settings, f"{other}{attempt}", rows[other], "--stale-seconds", "1")
        (code_first, out_first), (code_second, out_second) = _finish(first), _finish(second)
        assert code_second == 0, out_second
        assert code_first == EXIT_CONFLICT and out_first["error"] == "PartitionConflictError", out_first
        assert "another publisher took the partition over" in out_first["message"]
        manifest = _assert_partition_is_true(store)
        assert (manifest["run_id"], manifest["rows"]) == (f"{other}{attempt}", rows[other])
