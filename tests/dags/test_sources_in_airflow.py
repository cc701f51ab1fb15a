"""sources.yaml as real Airflow processes see it: the DAG processor, the backfill planner, `dags test`.

Each fixture: a migrated SQLite metadata DB in a temp AIRFLOW_HOME whose real DAG processor has
parsed dags/ once, with the bundled sources.yaml as shipped or with broken entries added.
"""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
AIRFLOW = str(Path(sys.executable).parent / "airflow")
BUNDLED = ROOT / "include" / "config" / "sources.yaml"
BROKEN = """
  - id: broken
    name: Broken (disabled, but a typo is still a typo)
    enabled: false
    base_url: https://broken.example/
    languages: [en]
    discovery: {feeds: [rss.xml]}
    fetch: {delay_seconds: fast}
  - id: listless
    name: Listless
    base_url: https://listless.example/
    languages: en
    discovery: {feeds: [rss.xml]}
  - id: strict
    name: A suite override with a typo
    base_url: https://strict.example/
    languages: [en]
    discovery: {feeds: [rss.xml]}
    validation: {expectations: {title_length: {kwargs: {max_len: 90}}}}
"""


def airflow(env: dict, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([AIRFLOW, *args], env=env, capture_output=True, text=True, timeout=timeout)


def parsed_airflow(base: Path, sources_text: str) -> dict:
    """Environment of a migrated Airflow whose real DAG processor has parsed dags/ once."""
    sources = base / "sources.yaml"
    sources.write_text(sources_text)
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(base / "home"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{base / 'airflow.db'}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "false",
        "NEWSLAKE_SOURCES": str(sources),
        "NEWSLAKE_RETRY_DELAY_SECONDS": "0",
    }
    (base / "home").mkdir()
    for args in (("db", "migrate"), ("dag-processor", "--num-runs", "1")):
        out = airflow(env, *args)
        assert out.returncode == 0, out.stderr[-3000:]
    return {"env": env, "db": base / "airflow.db"}


@pytest.fixture(scope="module")
def parsed(tmp_path_factory) -> dict:
    """The bundled sources plus three broken entries (a field type, a list, a suite override)."""
    return parsed_airflow(tmp_path_factory.mktemp("airflow-broken"), BUNDLED.read_text() + BROKEN)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict:
    """The bundled sources as shipped."""
    return parsed_airflow(tmp_path_factory.mktemp("airflow-demo"), BUNDLED.read_text())


def dag_rows(db: Path) -> dict[str, dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return {r["dag_id"]: dict(r) for r in conn.execute("SELECT * FROM dag")}


def test_broken_entries_are_import_errors_naming_source_and_field(parsed):
    out = airflow(parsed["env"], "dags", "list-import-errors", "--output", "json")
    assert out.returncode == 1, out.stderr[-2000:]  # the command's own "there are import errors" status
    # Airflow may print warnings on stdout before the JSON document.
    errors = json.loads(out.stdout[out.stdout.index("[{"):])
    assert [e["filepath"] for e in errors] == ["news_source_errors.py"]
    message = errors[0]["error"]
    assert "3 broken source entries" in message
    assert "sources[broken].fetch.delay_seconds: expected a float, got 'fast'" in message
    assert "sources[listless].languages: expected a list of strings" in message
    assert ("sources[strict].validation.expectations.title_length: unknown kwarg 'max_len' for "
            "expect_column_value_lengths_to_be_between") in message


def test_the_good_source_keeps_its_live_dag(parsed):
    rows = dag_rows(parsed["db"])
    assert "news_demo" in rows and not {"news_broken", "news_listless", "news_strict"} & set(rows)
    # Stale DAGs are hidden from the UI and never scheduled: an import error in the same file would do that.
    assert {dag_id: (r["is_stale"], r["has_import_errors"]) for dag_id, r in rows.items()} == {
        dag_id: (0, 0) for dag_id in rows
    }
    assert rows["news_demo"]["timetable_summary"] == "0 0 * * * until 2026-11-21"


def test_no_nightly_run_after_the_last_day(demo):
    # Today is after demo's end_date (2026-11-21) and catchup is off: the scheduler has nothing to create.
    assert datetime.now(timezone.utc).date() > datetime(2026, 11, 22).date()
    assert dag_rows(demo["db"])["news_demo"]["next_dagrun"] is None


def planned_days(airflow_env: dict, start: str, end: str) -> list[str]:
    out = airflow(airflow_env["env"], "backfill", "create", "--dag-id", "news_demo",
                  "--from-date", start, "--to-date", end, "--dry-run")
    assert out.returncode == 0, out.stderr[-2000:]
    return re.findall(r"^\| (\d{4}-\d{2}-\d{2}) 00:00:00\+00:00", out.stdout, flags=re.M)


def test_backfill_inside_the_range_plans_every_day(demo):
    assert planned_days(demo, "2026-11-16", "2026-11-21") == [f"2026-11-{d}" for d in range(16, 22)]


def test_backfill_across_the_last_day_stops_there(demo):
    assert planned_days(demo, "2026-11-19", "2026-11-25") == ["2026-11-19", "2026-11-20", "2026-11-21"]


def test_backfill_before_the_first_day_starts_there(demo):
    assert planned_days(demo, "2026-11-10", "2026-11-17") == ["2026-11-16", "2026-11-17"]


@pytest.mark.parametrize(
    ("logical_date", "day"),
    [(None, None), ("2026-11-10", "2026-11-09")],
    ids=["the form's default (now)", "before start_date"],
)
def test_a_manual_run_outside_the_range_fails_and_says_why(demo, logical_date, day):
    today = datetime.now(timezone.utc).date()
    logical_date = logical_date or today.isoformat()
    day = day or (today - timedelta(days=1)).isoformat()
    out = airflow(demo["env"], "dags", "test", "news_demo", logical_date)
    log = out.stdout + out.stderr
    assert out.returncode != 0, log[-3000:]  # was a green run without a single task instance
    assert f"OutOfRangeError: source demo: day {day} is outside the days it publishes (2026-11-16 .. 2026-11-21)" in log
    assert "logical date from 2026-11-17 to 2026-11-22" in log


def test_the_shipped_sources_give_no_import_error(demo):
    with sqlite3.connect(demo["db"]) as conn:
        assert conn.execute("SELECT filename, stacktrace FROM import_error").fetchall() == []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.load(resp)


def test_the_ui_api_lists_the_good_dag_and_the_import_error(parsed):
    """What the UI's DAG list and import-error banner read: the API server's /api/v2 endpoints."""
    port = free_port()
    env = {**parsed["env"], "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True"}
    server = subprocess.Popen([AIRFLOW, "api-server", "--host", "127.0.0.1", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/api/v2"
    try:
        for _ in range(120):  # startup wait, not a timing assertion
            try:
                get_json(f"{base}/version")
                break
            except OSError:
                assert server.poll() is None, "api-server exited"
                time.sleep(1)
        dags = get_json(f"{base}/dags")["dags"]  # the UI's list: live (non-stale) DAGs only
        assert "news_demo" in {d["dag_id"] for d in dags}
        errors = get_json(f"{base}/importErrors")["import_errors"]
        assert [e["filename"] for e in errors] == ["news_source_errors.py"]
        assert "sources[listless].languages: expected a list of strings" in errors[0]["stack_trace"]
    finally:
        server.terminate()
        server.wait(timeout=30)
