"""The docker-compose topology run natively: PostgreSQL, Redis, SeaweedFS, the demo site, the Airflow
api-server, scheduler, dag-processor, triggerer and two Celery workers, all configured from
docker/airflow.env (the file the compose services read). A 3-day backfill through the REST API
succeeds on both workers with the demo site's answer key in the lake; a worker SIGKILLed in the
middle of a run loses nothing: the scheduler notices the missing heartbeat and the task's retry
finishes the run on the other worker.

What differs from compose, and why: host names become 127.0.0.1 with this run's ports and
database, every process shares one AIRFLOW_HOME (one machine, not one container each), log
servers are skipped (the components read each other's logs from that shared folder), each worker
names itself through a hostname callable (two processes on one machine share its host name), and
the demo site's request delay, the retry delay and the heartbeat timeout are shortened so a lost
worker costs seconds rather than minutes.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
import pytest
from e2e_support import BIN, free_port
from newslake.lake import read_partition
from newslake.storage import open_store
from newslake.urls import article_id
from newslake_dev.devstack import AirflowApi, StackError, run_backfill
from topology_env import load_topology_env

pytestmark = [pytest.mark.e2e, pytest.mark.celery]

ROOT = Path(__file__).resolve().parents[2]
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# A Redis database number of its own, so other users of the machine's Redis never see our queue.
REDIS_DB = int(os.environ.get("NEWSLAKE_TEST_REDIS_DB", "13"))
WORKERS = ("worker-a", "worker-b")
BACKFILL_DAYS = [date(2026, 11, 17), date(2026, 11, 18), date(2026, 11, 19)]
KILL_DAY = date(2026, 11, 20)
HEARTBEAT_TIMEOUT = 20  # seconds; compose's default is 60 (docker/airflow.env)
HOW_TO_START = {
    "PostgreSQL": "start it on 127.0.0.1:5432 with trust auth for user postgres "
                  "(Debian: apt-get install postgresql && service postgresql start)",
    "Redis": "start it on 127.0.0.1:6379 (Debian: apt-get install redis-server && service redis-server start)",
}


def _require(what: str, host: str, port: int) -> None:
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError as exc:
        pytest.fail(f"the Celery topology test needs {what} on {host}:{port} ({exc}); {HOW_TO_START[what]}",
                    pytrace=False)


def _pg(dbname: str = "postgres"):
    return psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=dbname, connect_timeout=5)


def _rows(dbname: str, sql: str, params: tuple = ()) -> list[tuple]:
    with _pg(dbname) as db, db.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    db.close()
    return rows


@pytest.fixture
def metadata_db():
    """A fresh PostgreSQL database for this run on the machine's server, dropped afterwards."""
    _require("PostgreSQL", PG_HOST, PG_PORT)
    name = f"newslake_topology_{uuid.uuid4().hex[:8]}"
    db = _pg()
    db.autocommit = True
    with db.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with db.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.close()


@pytest.fixture
def broker():
    """The machine's Redis, our database number emptied before and after the run."""
    _require("Redis", REDIS_HOST, REDIS_PORT)
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
    client.flushdb()
    try:
        yield client
    finally:
        client.flushdb()
        client.close()


class Topology:
    """The Airflow processes of one run, each in its own process group, stopped by pid."""

    def __init__(self, run_dir: Path, env: dict[str, str]):
        self.run_dir, self.env = run_dir, env
        self.procs: dict[str, subprocess.Popen] = {}
        self.timings: dict[str, float] = {}

    def run(self, *argv: str) -> None:
        t0 = time.monotonic()
        out = subprocess.run([str(BIN / "airflow"), *argv], env=self.env, capture_output=True, text=True,
                             timeout=300)
        assert out.returncode == 0, f"airflow {' '.join(argv)} failed:\n{out.stderr[-3000:]}"
        self.timings[argv[0]] = round(time.monotonic() - t0, 1)

    def start(self, name: str, argv: list[str], **extra_env: str) -> None:
        with open(self.run_dir / f"{name}.log", "ab") as log:
            self.procs[name] = subprocess.Popen(
                [str(BIN / "airflow"), *argv], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env={**self.env, **extra_env}, cwd=ROOT, start_new_session=True,
            )

    def log(self, name: str) -> str:
        return (self.run_dir / f"{name}.log").read_text(errors="replace")

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise AssertionError(f"{name} exited ({proc.returncode}):\n{self.log(name)[-3000:]}")

    def kill(self, name: str) -> None:
        """SIGKILL the worker and every process it started (its task supervisors and tasks): a lost machine."""
        os.killpg(self.procs[name].pid, signal.SIGKILL)
        self.procs[name].wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM every process group we started, wait, then SIGKILL what is left."""
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for proc in self.procs.values():
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # stragglers of a group whose leader already exited
            except ProcessLookupError:
                pass
            proc.wait(timeout=30)


class PatientApi(AirflowApi):
    """AirflowApi that retries a request the API server was too busy to answer (2 cores, a dozen processes)."""

    def _call(self, method, path, body=None, *, auth=True):
        for attempt in range(3):
            try:
                return super()._call(method, path, body, auth=auth)
            except (TimeoutError, ConnectionError):
                if attempt == 2 or method != "GET":
                    raise
                time.sleep(5)
        raise AssertionError("unreachable")


def _wait(what: str, check, topology: Topology, timeout: float, every: float = 1.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        topology.check_alive()
        result = check()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"{what} within {timeout:.0f}s")


def _worker_ready(topology: Topology, name: str) -> bool:
    return f"celery@{name}" in topology.log(name) and " ready." in topology.log(name)


def _api_healthy(url: str) -> bool:
    import json
    import urllib.request

    try:
        with urllib.request.urlopen(f"{url}/api/v2/monitor/health", timeout=3) as response:
            return json.loads(response.read())["scheduler"]["status"] == "healthy"
    except (OSError, ValueError, KeyError):
        return False


def _expected_ids(demo_site, day: date) -> set[str]:
    return {article_id(a["canonical_url"]) for a in demo_site.answer_key["articles"] if a["day"] == day.isoformat()}


def test_celery_topology_backfills_on_two_workers_and_survives_a_killed_worker(
    s3_server, demo_site, metadata_db, broker, tmp_path
):
    started = time.monotonic()
    prefix = f"topology-{uuid.uuid4().hex[:8]}"
    api_port, health_port = free_port(), free_port()
    s3 = urlsplit(s3_server.endpoint_url)
    env = load_topology_env({
        "POSTGRES_USER": PG_USER, "POSTGRES_PASSWORD": "trust", "POSTGRES_HOST": PG_HOST,
        "POSTGRES_PORT": str(PG_PORT), "POSTGRES_DB": metadata_db,
        "REDIS_PASSWORD": "", "REDIS_HOST": REDIS_HOST, "REDIS_PORT": str(REDIS_PORT), "REDIS_DB": str(REDIS_DB),
        "AIRFLOW_API_HOST": "127.0.0.1", "AIRFLOW_API_PORT": str(api_port),
        "AIRFLOW_BASE_URL": f"http://127.0.0.1:{api_port}",
        "AIRFLOW_TASK_HEARTBEAT_TIMEOUT": str(HEARTBEAT_TIMEOUT),
        "NEWSLAKE_S3_ACCESS_KEY": s3_server.access_key, "NEWSLAKE_S3_SECRET_KEY": s3_server.secret_key,
        "NEWSLAKE_S3_HOST": s3.hostname, "NEWSLAKE_S3_PORT": str(s3.port),
        "NEWSLAKE_BUCKET": s3_server.bucket, "NEWSLAKE_PREFIX": prefix,
        "NEWSLAKE_DEMO_HOST": "127.0.0.1", "NEWSLAKE_DEMO_PORT": str(demo_site.port), "NEWSLAKE_DEMO_DELAY": "0",
    })
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    home = tmp_path / "airflow"
    home.mkdir()
    base_env = {k: v for k, v in os.environ.items()
                if not k.startswith(("AIRFLOW", "NEWSLAKE_", "AWS_"))}  # nothing ambient: the file decides
    topology = Topology(tmp_path, {
        **base_env, **env,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(ROOT / "tests"),  # the workers' hostname callable lives in tests/topology_env.py
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST": "127.0.0.1",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(health_port),
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "2",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "15",
        "NEWSLAKE_RETRY_DELAY_SECONDS": "2",
        "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
    })
    password = uuid.uuid4().hex
    try:
        topology.run("db", "migrate")
        topology.run("users", "create", "--role", "Admin", "--username", "admin", "--password", password,
                     "--email", "admin@example.org", "--firstname", "newslake", "--lastname", "admin")
        topology.start("api-server", ["api-server", "--host", "127.0.0.1", "--port", str(api_port)])
        topology.start("scheduler", ["scheduler", "--skip-serve-logs"])
        topology.start("dag-processor", ["dag-processor"])
        topology.start("triggerer", ["triggerer", "--skip-serve-logs"])
        for name in WORKERS:
            topology.start(name, ["celery", "worker", "--celery-hostname", name, "--concurrency", "2",
                                  "--skip-serve-logs"],
                           AIRFLOW__CORE__HOSTNAME_CALLABLE="topology_env.worker_hostname",
                           NEWSLAKE_WORKER_HOSTNAME=name)
        url = f"http://127.0.0.1:{api_port}"
        _wait("the API server answers with a healthy scheduler", lambda: _api_healthy(url), topology, 180)
        for name in WORKERS:
            _wait(f"celery worker {name} is ready", lambda n=name: _worker_ready(topology, n), topology, 120)
        api = PatientApi(url, "admin", password)
        api.wait_for_dag("news_demo")
        startup = time.monotonic() - started
        print(f"\ntopology up after {startup:.0f} s ({topology.timings})", file=sys.stderr)

        # 1. A 3-day backfill through the REST API: every run succeeds, tasks ran on both workers.
        states = run_backfill(api, "news_demo", BACKFILL_DAYS, timeout=600)
        assert states == {d.isoformat(): "success" for d in BACKFILL_DAYS}
        hosts = _rows(metadata_db, "SELECT ti.hostname, count(*) FROM task_instance ti JOIN dag_run r "
                                   "ON r.run_id = ti.run_id AND r.dag_id = ti.dag_id "
                                   "WHERE r.run_type = 'backfill' AND ti.state = 'success' GROUP BY ti.hostname")
        distribution = dict(hosts)
        assert set(distribution) == set(WORKERS), distribution
        store = open_store(s3_server.settings(prefix=prefix))
        for day in BACKFILL_DAYS:
            table = read_partition(store, "articles", "demo", day)
            assert set(table.column("article_id").to_pylist()) == _expected_ids(demo_site, day), day
        backfill_done = time.monotonic() - started
        print(f"3-day backfill checked at {backfill_done:.0f} s: {distribution}", file=sys.stderr)

        # 2. SIGKILL the worker that is running a task of the next day's run, in the middle of it.
        _wait("the first backfill is closed (Airflow allows one open backfill per DAG)",
              lambda: all(b["completed_at"] for b in api.get("/api/v2/backfills?dag_id=news_demo")["backfills"]),
              topology, 120)
        api.post("/api/v2/backfills", {
            "dag_id": "news_demo", "from_date": f"{KILL_DAY}T00:00:00Z", "to_date": f"{KILL_DAY}T00:00:00Z",
            "reprocess_behavior": "failed", "max_active_runs": 1, "dag_run_conf": {},
        })
        running = _wait(
            f"a task of the {KILL_DAY} run is running on a worker",
            lambda: _rows(metadata_db, "SELECT ti.task_id, ti.hostname, ti.try_number FROM task_instance ti "
                                       "JOIN dag_run r ON r.run_id = ti.run_id AND r.dag_id = ti.dag_id "
                                       "WHERE r.run_type = 'backfill' AND ti.state = 'running' "
                                       "AND (r.logical_date AT TIME ZONE 'UTC')::date = %s AND ti.hostname <> ''", (KILL_DAY,)),
            topology, 300, every=0.2,
        )
        task_id, victim, try_number = running[0]
        survivor = next(w for w in WORKERS if w != victim)
        topology.kill(victim)
        topology.procs.pop(victim)
        killed_at = time.monotonic()

        def run_state():
            runs = api.get("/api/v2/dags/news_demo/dagRuns?limit=100")["dag_runs"]
            done = [r["state"] for r in runs if r["logical_date"][:10] == KILL_DAY.isoformat()
                    and r["state"] in ("success", "failed")]
            return done[0] if done else None

        assert _wait(f"the {KILL_DAY} run finished after {victim} was killed", run_state, topology, 600,
                     every=2) == "success"
        recovered = time.monotonic() - killed_at
        retried = _rows(metadata_db, "SELECT ti.hostname, ti.try_number FROM task_instance ti JOIN dag_run r "
                                     "ON r.run_id = ti.run_id AND r.dag_id = ti.dag_id WHERE r.run_type = 'backfill' "
                                     "AND (r.logical_date AT TIME ZONE 'UTC')::date = %s AND ti.task_id = %s", (KILL_DAY, task_id))
        assert retried == [(survivor, try_number + 1)], retried
        table = read_partition(store, "articles", "demo", KILL_DAY)
        assert set(table.column("article_id").to_pylist()) == _expected_ids(demo_site, KILL_DAY)
        assert store.list("_locks/") == []
        print(f"\ncelery topology: start-up {startup:.0f} s, 3-day backfill done at {backfill_done:.0f} s, "
              f"task distribution {distribution}; killed {victim} during {task_id} (try {try_number}), "
              f"retried on {survivor}, run succeeded {recovered:.0f} s after the kill; "
              f"total {time.monotonic() - started:.0f} s; set-up commands {topology.timings}", file=sys.stderr)
    except (AssertionError, StackError):
        for name in topology.procs:
            print(f"--- {name} log tail ---\n{topology.log(name)[-2500:]}", file=sys.stderr)
        raise
    finally:
        topology.stop()
