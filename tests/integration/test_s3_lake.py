"""S3Store and the Parquet lake against a real SeaweedFS server over HTTP."""

from __future__ import annotations

import os
from datetime import date

import pytest
from newslake.storage import ObjectNotFound, ObjectStore, open_store
from newslake_dev.seaweed import (
    SeaweedError,
    SeaweedPorts,
    SeaweedServer,
    check_ports_free,
    listening_ports,
    port_in_use,
)

pytestmark = pytest.mark.integration


def test_put_get_list_delete(s3_store) -> None:
    assert isinstance(s3_store, ObjectStore)
    s3_store.put("raw/source=a/dt=2026-01-02/x.html.gz", b"2", content_type="application/gzip")
    s3_store.put("raw/source=a/dt=2026-01-01/y.html.gz", b"1")
    s3_store.put("raw/source=b/dt=2026-01-01/z.html.gz", b"3")
    assert s3_store.get("raw/source=a/dt=2026-01-01/y.html.gz") == b"1"
    assert s3_store.exists("raw/source=a/dt=2026-01-02/x.html.gz")
    assert not s3_store.exists("raw/source=a/dt=2026-01-02/nope")
    assert s3_store.list("raw/source=a/") == [
        "raw/source=a/dt=2026-01-01/y.html.gz",
        "raw/source=a/dt=2026-01-02/x.html.gz",
    ]
    assert len(s3_store.list("")) == 3
    s3_store.delete("raw/source=a/dt=2026-01-01/y.html.gz")
    s3_store.delete("raw/source=a/dt=2026-01-01/y.html.gz")  # idempotent
    with pytest.raises(ObjectNotFound):
        s3_store.get("raw/source=a/dt=2026-01-01/y.html.gz")
    assert s3_store.list("raw/source=a/") == ["raw/source=a/dt=2026-01-02/x.html.gz"]


def test_prefixes_isolate_stores(s3_server, s3_settings) -> None:
    one = open_store(s3_settings)
    other = open_store(s3_settings.with_prefix(s3_settings.prefix + "-other"))
    one.put("k", b"one")
    assert not other.exists("k")
    assert other.list("") == []
    assert one.list("") == ["k"]


def test_list_pages_past_one_thousand_keys(s3_store) -> None:
    from concurrent.futures import ThreadPoolExecutor

    keys = [f"many/{i:05d}" for i in range(1105)]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda k: s3_store.put(k, b"x"), keys))
    assert s3_store.list("many/") == keys


def test_open_store_round_trip_with_settings_from_env(s3_server, s3_settings) -> None:
    from newslake.storage import StorageSettings

    env = {
        "NEWSLAKE_S3_ENDPOINT_URL": s3_server.endpoint_url,
        "AWS_ACCESS_KEY_ID": s3_settings.access_key,
        "AWS_SECRET_ACCESS_KEY": s3_settings.secret_key,
        "NEWSLAKE_BUCKET": s3_settings.bucket,
        "NEWSLAKE_PREFIX": s3_settings.prefix,
    }
    store = open_store(StorageSettings.from_env(env))
    store.put("hello.txt", b"hi")
    assert open_store(s3_settings).get("hello.txt") == b"hi"


def test_wrong_secret_is_rejected(s3_server, s3_settings) -> None:
    from dataclasses import replace

    from newslake.errors import TerminalError
    from newslake.storage import StorageError

    bad = open_store(replace(s3_settings, secret_key="wrong"))
    # Refused credentials are a configuration problem: terminal, named, never retried as an outage.
    with pytest.raises(StorageError, match="SignatureDoesNotMatch|AccessDenied|InvalidAccessKeyId") as refused:
        bad.put("k", b"x")
    assert isinstance(refused.value, TerminalError)


def test_server_refuses_to_start_on_a_taken_port(s3_server, tmp_path) -> None:
    ports = s3_server.ports
    assert port_in_use(ports.s3)
    with pytest.raises(SeaweedError, match=f"s3={ports.s3}"):
        check_ports_free(ports)
    server = SeaweedServer(
        tmp_path,
        s3_port=ports.s3,
        master_port=ports.master + 7,
        volume_port=ports.volume + 7,
        filer_port=ports.filer + 7,
        admin_port=ports.admin + 7,
        access_key="k",
        secret_key="s",
    )
    with pytest.raises(SeaweedError, match=str(ports.s3)):
        server.start()
    assert server.process is None


def test_port_8080_is_refused(tmp_path) -> None:
    with pytest.raises(SeaweedError, match="8080"):
        SeaweedServer(tmp_path, volume_port=8080, access_key="k", secret_key="s")
    assert 8080 not in SeaweedPorts().named().values()


def _rows(n: int, tag: str) -> list[dict]:
    from datetime import UTC, datetime

    from newslake.urls import article_id

    rows = []
    for i in range(n):
        url = f"https://news.example.org/{tag}/{i}"
        rows.append(
            {
                "article_id": article_id(url),
                "url": url,
                "title": f"{tag} {i}",
                "body": f"{tag} " * 60,
                "authors": ["Reporter"],
                "tags": [tag],
                "published_at": datetime(2026, 3, 14, 8, i % 60, tzinfo=UTC),
                "fetched_at": datetime(2026, 3, 15, 1, 0, tzinfo=UTC),
                "run_id": f"run-{tag}",
            }
        )
    return rows


def test_write_partition_round_trip_over_s3(s3_store) -> None:
    from newslake.lake import (
        list_partitions,
        read_manifest,
        read_partition,
        records_to_table,
        write_partition,
    )

    table = records_to_table(_rows(25, "first"))
    manifest = write_partition(s3_store, "articles", "demo", "2026-03-14", table, run_id="run-first")
    assert s3_store.list("articles/") == [
        "articles/source=demo/dt=2026-03-14/_SUCCESS",
        "articles/source=demo/dt=2026-03-14/part-0.parquet",
    ]
    assert read_partition(s3_store, "articles", "demo", "2026-03-14").equals(table)
    assert read_manifest(s3_store, "articles", "demo", "2026-03-14") == manifest
    assert list_partitions(s3_store, "articles") == [("demo", date(2026, 3, 14))]


def test_replacing_a_partition_readers_see_old_or_new_never_a_mix(s3_settings) -> None:
    import threading

    from newslake.lake import read_partition, records_to_table, write_partition

    writer_store = open_store(s3_settings)
    reader_store = open_store(s3_settings)  # its own client, as another process would have
    old = records_to_table(_rows(400, "old"))
    new = records_to_table(_rows(300, "new"))
    write_partition(writer_store, "articles", "demo", "2026-03-14", old, run_id="run-old")
    seen: list[str] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                got = read_partition(reader_store, "articles", "demo", "2026-03-14")
            except BaseException as exc:  # a partial object would fail to parse here
                errors.append(exc)
                return
            if got.equals(old):
                seen.append("old")
            elif got.equals(new):
                seen.append("new")
            else:
                seen.append("MIX")

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for _ in range(4):
            write_partition(writer_store, "articles", "demo", "2026-03-14", new, run_id="run-new")
            write_partition(writer_store, "articles", "demo", "2026-03-14", old, run_id="run-old")
        write_partition(writer_store, "articles", "demo", "2026-03-14", new, run_id="run-new")
    finally:
        done.set()
        reader.join()
    assert not errors
    assert "MIX" not in seen and len(seen) > 0
    assert read_partition(reader_store, "articles", "demo", "2026-03-14").equals(new)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs Linux /proc")
def test_weed_listens_only_on_the_pinned_ports(s3_server) -> None:
    assert listening_ports(s3_server.pid) == set(s3_server.ports.named().values())


def test_every_port_flag_of_weed_mini_is_pinned_or_disabled(s3_server) -> None:
    import re
    import subprocess

    from newslake_dev.seaweed import find_weed

    help_text = subprocess.run([find_weed(), "mini", "-h"], capture_output=True, text=True).stdout
    help_text += subprocess.run([find_weed(), "mini", "-h"], capture_output=True, text=True).stderr
    port_flags = set(re.findall(r"^\s+-([\w.]*port[\w.]*) int", help_text, flags=re.M | re.I))
    assert "s3.port" in port_flags  # the help format is what this test expects
    command = " ".join(s3_server.command())
    given = set(re.findall(r"-([\w.]+)=", command))
    # Not listening unless enabled: webdav/iceberg/lance are off, https/public/debug/metrics are opt-in.
    opt_in = {"webdav.port", "s3.port.https", "filer.port.public", "volume.port.public", "debug.port",
              "s3.debug.port", "metricsPort", "s3.metricsPort"}  # fmt: skip
    assert port_flags - given - opt_in == set()


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="PR_SET_PDEATHSIG is Linux-only")
def test_attached_server_dies_with_a_killed_parent(tmp_path) -> None:
    import signal
    import subprocess
    import sys
    import time

    from fixtures_s3 import TEST_PORTS

    offset = 50  # outside the fixture's 100-step port plans
    ports = {f"{name}_port": port + offset for name, port in TEST_PORTS.named().items()}
    kwargs = ", ".join(f"{k}={v}" for k, v in ports.items())
    script = (
        "import sys, time\n"
        "from newslake_dev.seaweed import SeaweedServer\n"
        f"s = SeaweedServer({str(tmp_path)!r}, {kwargs}, access_key='k1', secret_key='s1', bucket='orphan-test')\n"
        "s.start()\n"
        "print(s.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        weed_pid = int(parent.stdout.readline())
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    deadline = time.monotonic() + 40
    while os.path.exists(f"/proc/{weed_pid}") and time.monotonic() < deadline:
        with open(f"/proc/{weed_pid}/stat") as fh:
            if fh.read().split()[2] == "Z":  # reaped by init soon; already dead
                break
        time.sleep(0.2)
    alive = os.path.exists(f"/proc/{weed_pid}")
    if alive:
        with open(f"/proc/{weed_pid}/stat") as fh:
            alive = fh.read().split()[2] != "Z"
    if alive:
        os.kill(weed_pid, signal.SIGKILL)
    assert not alive, "weed outlived its killed parent"


def test_cli_start_status_stop(tmp_path) -> None:
    import subprocess
    import sys

    from fixtures_s3 import TEST_PORTS

    offset = 60  # outside the fixture's 100-step port plans
    ports = [
        "--s3-port", str(TEST_PORTS.s3 + offset), "--master-port", str(TEST_PORTS.master + offset),
        "--volume-port", str(TEST_PORTS.volume + offset), "--filer-port", str(TEST_PORTS.filer + offset),
        "--admin-port", str(TEST_PORTS.admin + offset),
    ]  # fmt: skip
    env = dict(os.environ, AWS_ACCESS_KEY_ID="cli-key", AWS_SECRET_ACCESS_KEY="cli-secret")

    def cli(*args: str) -> subprocess.CompletedProcess:
        cmd = [sys.executable, "-m", "newslake_dev.seaweed", *args, "--dir", str(tmp_path), *ports]
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)

    started = cli("start")
    try:
        assert started.returncode == 0, started.stderr
        pid = int((tmp_path / "weed.pid").read_text())
        status = cli("status")
        assert status.returncode == 0 and "healthy=True" in status.stdout
        assert "cli-secret" not in started.stdout + status.stdout
        again = cli("start")
        assert again.returncode == 0 and "already running" in again.stdout
    finally:
        stopped = cli("stop")
    assert stopped.returncode == 0
    assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z"
    assert cli("status").returncode == 1
    assert not (tmp_path / "weed.pid").exists()


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs Linux /proc")
def test_a_server_that_moved_off_its_plan_is_detected(s3_server) -> None:
    from dataclasses import replace

    real = s3_server.ports
    s3_server.ports = replace(real, volume=real.volume + 1)  # as if weed had hopped to the next port
    try:
        with pytest.raises(SeaweedError, match="planned"):
            s3_server._check_own_ports()
    finally:
        s3_server.ports = real
    s3_server._check_own_ports()


def test_the_fetch_lease_is_exclusive_on_a_real_s3_server(s3_store) -> None:
    from newslake.errors import SourceBusyError
    from newslake.lease import SourceLease

    SourceLease(s3_store, "demo", "run-a").acquire()
    with pytest.raises(SourceBusyError, match="run run-a"):
        SourceLease(s3_store, "demo", "run-b").acquire()
    SourceLease(s3_store, "demo", "run-a").release()
    SourceLease(s3_store, "demo", "run-b").acquire()


def test_conditional_writes_are_honoured_by_the_server(s3_store) -> None:
    from newslake.storage import PreconditionFailed

    etag = s3_store.put("c/k", b"v1", if_none_match=True)
    with pytest.raises(PreconditionFailed):
        s3_store.put("c/k", b"v2", if_none_match=True)
    with pytest.raises(PreconditionFailed):
        s3_store.put("c/k", b"v2", if_match='"0123456789abcdef0123456789abcdef"')
    assert s3_store.head("c/k").etag == etag
    s3_store.put("c/k", b"v2", if_match=etag)
    assert s3_store.get_versioned("c/k")[0] == b"v2"
