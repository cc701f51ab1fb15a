"""Helpers for the end-to-end tests: one way to point Airflow processes at a test stack.

Each test stack gets its own metadata database (its own PostgreSQL server, data directory and
port under the stack's run directory, or SQLite with NEWSLAKE_METADB=sqlite), started by
process_env() or start_airflow() and stopped by down() or at the latest when pytest exits.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from newslake_dev import metadb
from newslake_dev.devstack import (
    AirflowApi,
    StackConfig,
    airflow_password,
    down,
    stack_env,
    start_airflow,
    start_postgres,
    stop_postgres,
)
from newslake_dev.seaweed import port_in_use

BIN = Path(sys.executable).parent
_STOP_AT_EXIT: set[Path] = set()  # run dirs whose PostgreSQL this pytest process may have started


def free_port(count: int = 1) -> int:
    """A port p such that p .. p + count - 1 are free now."""
    for _ in range(50):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if not any(port_in_use(port + i) for i in range(1, count)):
            return port
    raise RuntimeError("no free port range")


def stack_config(s3_server, demo_site, run_dir: Path, prefix: str) -> StackConfig:
    """A StackConfig that uses the session's SeaweedFS and demo site and free Airflow ports."""
    return StackConfig(
        run_dir=run_dir, airflow_port=free_port(), log_server_port=free_port(2),
        site_port=demo_site.port, s3_port=urlsplit(s3_server.endpoint_url).port, pg_port=free_port(),
        access_key=s3_server.access_key, secret_key=s3_server.secret_key, bucket=s3_server.bucket, prefix=prefix,
    )


def ensure_metadb(cfg: StackConfig) -> None:
    """Start the stack's own PostgreSQL if it is not running; it is stopped when pytest exits."""
    if cfg.metadb != "postgres":
        return
    if cfg.run_dir not in _STOP_AT_EXIT:
        _STOP_AT_EXIT.add(cfg.run_dir)
        atexit.register(stop_postgres, cfg)
    start_postgres(cfg)


def metadb_rows(cfg: StackConfig, sql: str) -> list[tuple]:
    """Rows of a query against the stack's Airflow metadata database, whichever backend it is."""
    if cfg.metadb == "sqlite":
        with sqlite3.connect(cfg.airflow_home / "airflow.db") as db:
            return db.execute(sql).fetchall()
    return metadb.query(cfg.pg_port, sql)


def process_env(cfg: StackConfig, **extra: str) -> dict[str, str]:
    """os.environ + the stack's settings (+ extra) for an airflow/newslake subprocess; the metadata DB runs."""
    ensure_metadb(cfg)
    env = {**os.environ, **stack_env(cfg), **extra}
    env.pop("NEWSLAKE_S3_ENDPOINT_URL", None)  # the connection variable is the one under test
    return env


def migrate(env: dict[str, str]) -> None:
    """`airflow db migrate` for the environment's AIRFLOW_HOME."""
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    out = subprocess.run([str(BIN / "airflow"), "db", "migrate"], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]


def stack_pids(cfg: StackConfig, *extra: int) -> set[int]:
    """Every process of the stack: each pid file's process and its process group (+ extra pids' groups)."""
    leaders = set(extra)
    for pidfile in [*cfg.run_dir.glob("*.pid"), cfg.run_dir / "seaweed" / "weed.pid"]:
        try:
            leaders.add(int(pidfile.read_text().strip()))
        except (OSError, ValueError):
            pass
    pids = set(leaders)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) in leaders:  # fields: state, ppid, pgrp, ...
            pids.add(int(stat.parent.name))
    return pids


def _decode_address(hex_addr: str) -> str:
    raw = bytes.fromhex(hex_addr)
    if len(raw) == 4:
        return socket.inet_ntop(socket.AF_INET, raw[::-1])
    return socket.inet_ntop(socket.AF_INET6, b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4)))


def listening_sockets(pids: set[int]) -> set[tuple[str, int, int]]:
    """(address, port, pid) of every TCP socket the processes listen on, read from /proc (what `ss -ltnp` shows)."""
    owner = {}
    for pid in pids:
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                owner[target[8:-1]] = pid
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            cols = line.split()
            if cols[3] == "0A" and cols[9] in owner:  # 0A = LISTEN
                address, port = cols[1].rsplit(":", 1)
                found.add((_decode_address(address), int(port, 16), owner[cols[9]]))
    return found


@contextlib.contextmanager
def running_airflow(cfg: StackConfig, *dag_ids: str) -> Iterator[AirflowApi]:
    """Airflow on the test stack, logged in, with dag_ids parsed; every process stopped on the way out."""
    cfg.run_dir.mkdir(parents=True, exist_ok=True)
    try:
        start_airflow(cfg)
        api = AirflowApi(cfg.airflow_url, "admin", airflow_password(cfg))
        for dag_id in dag_ids:
            api.wait_for_dag(dag_id)
        yield api
    finally:
        down(cfg)
