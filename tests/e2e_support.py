"""Helpers for the end-to-end tests: one way to point Airflow processes at a test stack."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from newslake.devstack import StackConfig, stack_env
from newslake.seaweed import port_in_use

BIN = Path(sys.executable).parent


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
        site_port=demo_site.port, s3_port=urlsplit(s3_server.endpoint_url).port,
        access_key=s3_server.access_key, secret_key=s3_server.secret_key, bucket=s3_server.bucket, prefix=prefix,
    )


def process_env(cfg: StackConfig, **extra: str) -> dict[str, str]:
    """os.environ + the stack's settings (+ extra) for an airflow/newslake subprocess."""
    env = {**os.environ, **stack_env(cfg), **extra}
    env.pop("NEWSLAKE_S3_ENDPOINT_URL", None)  # the connection variable is the one under test
    return env


def migrate(env: dict[str, str]) -> None:
    """`airflow db migrate` for the environment's AIRFLOW_HOME."""
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    out = subprocess.run([str(BIN / "airflow"), "db", "migrate"], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
