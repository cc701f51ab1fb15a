"""S3Store and the Parquet lake against a real SeaweedFS server over HTTP."""

from __future__ import annotations

import pytest
from newslake.seaweed import SeaweedError, SeaweedPorts, SeaweedServer, check_ports_free, port_in_use
from newslake.storage import ObjectNotFound, ObjectStore, open_store

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


def test_wrong_secret_is_rejected(s3_server, s3_settings) -> None:
    from dataclasses import replace

    from botocore.exceptions import ClientError

    bad = open_store(replace(s3_settings, secret_key="wrong"))
    with pytest.raises(ClientError):
        bad.put("k", b"x")


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
