"""The embedded default stack on one machine: SeaweedFS S3, the demo news site and Airflow standalone.

Used by `make demo` / `make up` / `make down` and by the end-to-end tests. Every process runs on
127.0.0.1 with pinned ports, writes its log and pid under the run directory (default `.run/`),
and is stopped by `down()`, which waits for each process to exit.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from newslake.seaweed import port_in_use

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"


class StackError(RuntimeError):
    """A stack component failed to start or stop; the message says which and where its log is."""


@dataclass(frozen=True)
class StackConfig:
    """Ports, credentials and folders of one embedded stack."""

    run_dir: Path = ROOT / ".run"
    airflow_port: int = 8080
    site_port: int = 8765
    s3_port: int = 8333
    access_key: str = "newslake-dev"
    secret_key: str = "newslake-dev-secret"
    bucket: str = "newslake"
    crawl_delay: float = 0.2
    log_server_port: int = 8793  # scheduler's task-log server; the triggerer's is the next port
    prefix: str = ""  # key prefix inside the bucket (tests isolate themselves with it)

    @property
    def site_url(self) -> str:
        """Base URL of the demo news site."""
        return f"http://{HOST}:{self.site_port}/"

    @property
    def s3_url(self) -> str:
        """SeaweedFS S3 endpoint."""
        return f"http://{HOST}:{self.s3_port}"

    @property
    def airflow_url(self) -> str:
        """Airflow API server / UI."""
        return f"http://localhost:{self.airflow_port}"

    @property
    def airflow_home(self) -> Path:
        """AIRFLOW_HOME of this stack."""
        return self.run_dir / "airflow"


class AirflowApi:
    """Minimal client for Airflow's REST API v2 with a JWT from /auth/token (what the UI uses)."""

    def __init__(self, base: str, user: str, password: str):
        self.base = base
        self.token = self._call("POST", "/auth/token", {"username": user, "password": password}, auth=False)[
            "access_token"
        ]

    def _call(self, method: str, path: str, body: dict | None = None, *, auth: bool = True) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if auth:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:500].decode(errors="replace")
            raise StackError(f"{method} {path} -> {exc.code}: {detail}") from None

    def get(self, path: str) -> dict:
        """GET a JSON resource."""
        return self._call("GET", path)

    def post(self, path: str, body: dict) -> dict:
        """POST a JSON body."""
        return self._call("POST", path, body)

    def patch(self, path: str, body: dict) -> dict:
        """PATCH a JSON body."""
        return self._call("PATCH", path, body)

    def wait_for_dag(self, dag_id: str, timeout: float = 180) -> None:
        """Wait until the DAG processor has parsed dag_id."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.get(f"/api/v2/dags/{dag_id}")
                return
            except StackError:
                time.sleep(2)
        raise StackError(f"{dag_id} was not parsed within {timeout:.0f}s; see the Airflow log")


def _wait_for_backfills(api: AirflowApi, dag_id: str, timeout: float) -> None:
    """Airflow refuses a new backfill while another one of the DAG is still open."""
    deadline = time.monotonic() + timeout
    while any(b["completed_at"] is None for b in api.get(f"/api/v2/backfills?dag_id={dag_id}")["backfills"]):
        if time.monotonic() > deadline:
            raise StackError(f"an earlier backfill of {dag_id} is still open after {timeout:.0f}s")
        time.sleep(2)


def run_backfill(
    api: AirflowApi,
    dag_id: str,
    days: list,
    *,
    conf: dict | None = None,
    reprocess: str = "failed",
    timeout: float = 1200,
    progress=None,
) -> dict[str, str]:
    """Backfill the days (interval starts) through the scheduler, unpause, wait; returns day -> run state.

    reprocess is Airflow's reprocess_behavior: "failed" reruns failed days, "completed" reruns every day.
    """
    wanted = {d.isoformat() for d in days}
    runs = api.get(f"/api/v2/dags/{dag_id}/dagRuns?limit=100")["dag_runs"]
    succeeded = {r["logical_date"][:10] for r in runs if r["state"] == "success"}
    if reprocess == "completed" or not wanted <= succeeded:
        _wait_for_backfills(api, dag_id, timeout=180)
        api.post(
            "/api/v2/backfills",
            {
                "dag_id": dag_id,
                "from_date": f"{min(days).isoformat()}T00:00:00Z",
                "to_date": f"{max(days).isoformat()}T00:00:00Z",
                "reprocess_behavior": reprocess,
                "max_active_runs": 1,
                "dag_run_conf": conf or {},
            },
        )
    api.patch(f"/api/v2/dags/{dag_id}", {"is_paused": False})
    deadline, last = time.monotonic() + timeout, ""
    while True:
        runs = api.get(f"/api/v2/dags/{dag_id}/dagRuns?limit=100&order_by=logical_date")["dag_runs"]
        states = {r["logical_date"][:10]: r["state"] for r in runs if r["logical_date"][:10] in wanted}
        done = {d: s for d, s in states.items() if s in ("success", "failed")}
        line = f"  runs finished {len(done)}/{len(wanted)}: " + " ".join(
            f"{d[5:]}={s}" for d, s in sorted(states.items())
        )
        if progress is not None and line != last:
            progress(line, flush=True)
            last = line
        if len(done) == len(wanted):
            return states
        if time.monotonic() > deadline:
            raise StackError(f"backfill did not finish within {timeout:.0f}s: {states}")
        time.sleep(3)


def _pidfile(cfg: StackConfig, name: str) -> Path:
    return cfg.run_dir / f"{name}.pid"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    try:  # a zombie child still answers kill(0); reap it
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return True


def _wait_http(url: str, timeout: float, what: str, log: Path, pid: int | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=3) as response:
                if response.status < 500:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return
        except (urllib.error.URLError, OSError):
            pass
        if pid is not None and not _alive(pid):
            raise StackError(f"{what} exited during start-up; see {log}")
        time.sleep(0.5)
    raise StackError(f"{what} did not answer {url} within {timeout:.0f}s; see {log}")


def airflow_password(cfg: StackConfig) -> str:
    """The admin password of this stack (generated once, kept in the run directory)."""
    path = cfg.airflow_home / "passwords.json"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"admin": secrets.token_urlsafe(12)}))
        path.chmod(0o600)
    return json.loads(path.read_text())["admin"]


def stack_env(cfg: StackConfig) -> dict[str, str]:
    """Environment for every stack process: Airflow settings, the S3 connection and the demo source URL."""
    endpoint = quote(cfg.s3_url, safe="")
    env = {
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "AIRFLOW_HOME": str(cfg.airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(cfg.airflow_home / "passwords.json"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{cfg.airflow_home / 'airflow.db'}",
        "AIRFLOW__API__PORT": str(cfg.airflow_port),
        "AIRFLOW__API__BASE_URL": cfg.airflow_url,
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "15",
        "AIRFLOW_CONN_NEWSLAKE_S3": f"aws://{cfg.access_key}:{cfg.secret_key}@/?endpoint_url={endpoint}",
        "NEWSLAKE_BUCKET": cfg.bucket,
        "NEWSLAKE_PREFIX": cfg.prefix,
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(cfg.log_server_port),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(cfg.log_server_port + 1),
        "NEWSLAKE_DEMO_BASE_URL": cfg.site_url,
        "AWS_ACCESS_KEY_ID": cfg.access_key,
        "AWS_SECRET_ACCESS_KEY": cfg.secret_key,
        "NEWSLAKE_S3_ENDPOINT_URL": cfg.s3_url,
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    return env


def _spawn(cfg: StackConfig, name: str, argv: list[str], env: dict[str, str]) -> int:
    pidfile = _pidfile(cfg, name)
    if pidfile.exists() and _alive(int(pidfile.read_text())):
        return int(pidfile.read_text())
    log = cfg.run_dir / f"{name}.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, **env}, cwd=ROOT, start_new_session=True,
        )
    pidfile.write_text(str(proc.pid))
    return proc.pid


def start_seaweed(cfg: StackConfig) -> None:
    """Start SeaweedFS (`weed mini`) and wait until its S3 API accepts writes to the bucket."""
    # Other SeaweedFS ports keep newslake.seaweed's defaults, which the test suite's port plan avoids.
    out = subprocess.run(
        [sys.executable, "-m", "newslake.seaweed", "start", "--dir", str(cfg.run_dir / "seaweed"),
         "--s3-port", str(cfg.s3_port), "--bucket", cfg.bucket],
        env={**os.environ, **stack_env(cfg)}, capture_output=True, text=True,
    )
    if out.returncode != 0:
        raise StackError(f"SeaweedFS failed to start: {out.stderr.strip() or out.stdout.strip()}")


def start_site(cfg: StackConfig) -> None:
    """Start the demo news site server and wait until it answers."""
    if port_in_use(cfg.site_port) and not _pidfile(cfg, "demo-site").exists():
        raise StackError(f"port {cfg.site_port} (demo site) is already in use by another program")
    pid = _spawn(
        cfg, "demo-site",
        [sys.executable, str(ROOT / "include" / "demo_site" / "server.py"), "--host", HOST,
         "--port", str(cfg.site_port), "--crawl-delay", str(cfg.crawl_delay)],
        {},
    )
    _wait_http(cfg.site_url + "robots.txt", 20, "demo site", cfg.run_dir / "demo-site.log", pid)


def start_airflow(cfg: StackConfig, timeout: float = 180) -> None:
    """Migrate the metadata DB and start `airflow standalone` (SQLite + LocalExecutor) on the pinned port."""
    if port_in_use(cfg.airflow_port) and not _pidfile(cfg, "airflow").exists():
        raise StackError(f"port {cfg.airflow_port} (Airflow UI) is already in use by another program")
    env = stack_env(cfg)
    airflow_password(cfg)
    log = cfg.run_dir / "airflow.log"
    with open(log, "ab") as out:
        migrated = subprocess.run([str(BIN / "airflow"), "db", "migrate"], env={**os.environ, **env},
                                  stdout=out, stderr=subprocess.STDOUT)
    if migrated.returncode != 0:
        raise StackError(f"airflow db migrate failed; see {log}")
    pid = _spawn(cfg, "airflow", [str(BIN / "airflow"), "standalone"], env)
    _wait_http(f"{cfg.airflow_url}/api/v2/monitor/health", timeout, "Airflow", log, pid)


def up(cfg: StackConfig | None = None) -> StackConfig:
    """Start every component that is not running yet."""
    cfg = cfg or StackConfig()
    cfg.run_dir.mkdir(parents=True, exist_ok=True)
    start_seaweed(cfg)
    start_site(cfg)
    start_airflow(cfg)
    return cfg


def _stop_pid(pid: int, timeout: float) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _alive(pid):
                return
            time.sleep(0.2)


def down(cfg: StackConfig | None = None) -> list[str]:
    """Stop everything this stack started and wait for each process to exit."""
    cfg = cfg or StackConfig()
    stopped = []
    for name in ("airflow", "demo-site"):
        pidfile = _pidfile(cfg, name)
        if pidfile.exists():
            _stop_pid(int(pidfile.read_text()), timeout=30)
            pidfile.unlink()
            stopped.append(name)
    if (cfg.run_dir / "seaweed").exists():
        subprocess.run([sys.executable, "-m", "newslake.seaweed", "stop", "--dir", str(cfg.run_dir / "seaweed"),
                        "--timeout", "60"], capture_output=True)
        stopped.append("seaweedfs")
    return stopped


def main(argv: list[str] | None = None) -> int:
    """`python -m newslake.devstack up|down|env`."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m newslake.devstack", description=__doc__)
    parser.add_argument("action", choices=["up", "down", "env"])
    args = parser.parse_args(argv)
    cfg = StackConfig()
    try:
        if args.action == "up":
            up(cfg)
            print(f"stack up: Airflow {cfg.airflow_url} (admin / {airflow_password(cfg)}), "
                  f"S3 {cfg.s3_url}, demo site {cfg.site_url}")
        elif args.action == "down":
            print("stopped: " + (", ".join(down(cfg)) or "nothing was running"))
        else:
            for key, value in sorted(stack_env(cfg).items()):
                if key != "PATH":
                    print(f"export {key}={json.dumps(value)}")
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
