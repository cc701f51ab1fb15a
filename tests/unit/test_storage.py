"""LocalStore behaviour and StorageSettings parsing (no network)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from newslake.storage import (
    LocalStore,
    ObjectNotFound,
    ObjectStore,
    S3Store,
    StorageError,
    StorageSettings,
    open_store,
)


def test_local_store_round_trip_and_sorted_relative_listing(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.put("b/x=2/part-0.parquet", b"two")
    store.put("a/x=1/part-0.parquet", b"one")
    store.put("a/x=1/_SUCCESS", b"{}")
    assert isinstance(store, ObjectStore)
    assert store.get("a/x=1/part-0.parquet") == b"one"
    assert store.exists("b/x=2/part-0.parquet")
    assert not store.exists("b/x=2/missing")
    assert store.list("a/") == ["a/x=1/_SUCCESS", "a/x=1/part-0.parquet"]
    assert store.list("") == ["a/x=1/_SUCCESS", "a/x=1/part-0.parquet", "b/x=2/part-0.parquet"]
    assert store.list("a/x=") == ["a/x=1/_SUCCESS", "a/x=1/part-0.parquet"]
    assert store.list("nothing/") == []


def test_local_store_missing_key_raises_object_not_found_which_is_a_key_error(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    with pytest.raises(ObjectNotFound):
        store.get("raw/none.html.gz")
    with pytest.raises(KeyError):
        store.get("raw/none.html.gz")


def test_local_store_delete_is_idempotent_and_prunes_empty_folders(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.put("articles/source=a/dt=2026-01-01/part-0.parquet", b"x")
    store.delete("articles/source=a/dt=2026-01-01/part-0.parquet")
    store.delete("articles/source=a/dt=2026-01-01/part-0.parquet")
    assert store.list("articles/") == []
    assert not (tmp_path / "articles").exists()


def test_local_store_replace_leaves_no_temp_file_in_partition_folder(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    key = "articles/source=a/dt=2026-01-01/part-0.parquet"
    for i in range(5):
        store.put(key, bytes([i]) * 1000)
    partition = tmp_path / "articles" / "source=a" / "dt=2026-01-01"
    assert sorted(p.name for p in partition.iterdir()) == ["part-0.parquet"]
    assert store.get(key) == bytes([4]) * 1000
    assert store.list("") == [key]  # the .tmp area is never listed


def test_local_store_readers_never_see_a_partial_object(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    key = "articles/source=a/dt=2026-01-01/part-0.parquet"
    old, new = b"A" * 2_000_000, b"B" * 2_000_000
    store.put(key, old)
    seen: set[bytes] = set()
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            data = store.get(key)
            seen.add(data[:1] + data[-1:])

    reader = threading.Thread(target=read)
    reader.start()
    for _ in range(10):
        store.put(key, new)
        store.put(key, old)
    done.set()
    reader.join()
    assert seen <= {b"AA", b"BB"}


@pytest.mark.parametrize("bad", ["", "/abs", "a/../b", "a//b", "dir/", ".tmp/x"])
def test_local_store_rejects_keys_that_escape_or_hit_the_temp_area(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError):
        LocalStore(tmp_path).put(bad, b"x")


def test_settings_from_airflow_conn_uri() -> None:
    env = {
        "AIRFLOW_CONN_NEWSLAKE_S3": "aws://AKID%2Fx:s3cr%40t@/?endpoint_url=http%3A%2F%2F127.0.0.1%3A8333&region_name=eu-central-1",
        "NEWSLAKE_BUCKET": "lake",
        "NEWSLAKE_PREFIX": "/prod/",
    }
    s = StorageSettings.from_env(env)
    assert s.endpoint_url == "http://127.0.0.1:8333"
    assert (s.access_key, s.secret_key) == ("AKID/x", "s3cr@t")
    assert s.region == "eu-central-1"
    assert (s.bucket, s.prefix) == ("lake", "prod")
    assert not s.is_local


def test_settings_from_airflow_conn_uri_with_json_extra() -> None:
    extra = json.dumps({"endpoint_url": "http://127.0.0.1:9000", "region_name": "us-west-2"})
    from urllib.parse import quote

    env = {"AIRFLOW_CONN_NEWSLAKE_S3": f"aws://k:s@/?__extra__={quote(extra)}"}
    s = StorageSettings.from_env(env)
    assert (s.endpoint_url, s.region, s.bucket, s.prefix) == (
        "http://127.0.0.1:9000",
        "us-west-2",
        "newslake",
        "",
    )


def test_settings_from_airflow_conn_json() -> None:
    conn = {
        "conn_type": "aws",
        "login": "key",
        "password": "secret",
        "extra": {"endpoint_url": "http://127.0.0.1:8333"},
    }
    s = StorageSettings.from_env({"AIRFLOW_CONN_NEWSLAKE_S3": json.dumps(conn)})
    assert (s.endpoint_url, s.access_key, s.secret_key) == ("http://127.0.0.1:8333", "key", "secret")
    conn["extra"] = json.dumps(conn["extra"])  # Airflow also stores extra as a JSON string
    assert (
        StorageSettings.from_env({"AIRFLOW_CONN_NEWSLAKE_S3": json.dumps(conn)}).endpoint_url
        == "http://127.0.0.1:8333"
    )


def test_settings_from_plain_env_when_no_connection() -> None:
    env = {
        "NEWSLAKE_S3_ENDPOINT_URL": "http://127.0.0.1:8333",
        "AWS_ACCESS_KEY_ID": "k",
        "AWS_SECRET_ACCESS_KEY": "s",
    }
    s = StorageSettings.from_env(env)
    assert (s.endpoint_url, s.access_key, s.secret_key, s.bucket) == (
        "http://127.0.0.1:8333",
        "k",
        "s",
        "newslake",
    )


def test_lake_dir_and_file_endpoint_give_a_local_store(tmp_path: Path) -> None:
    s = StorageSettings.from_env({"NEWSLAKE_LAKE_DIR": str(tmp_path)})
    assert s.is_local and s.local_dir == tmp_path
    assert isinstance(open_store(s), LocalStore)
    s = StorageSettings.from_env({"NEWSLAKE_S3_ENDPOINT_URL": f"file://{tmp_path}", "NEWSLAKE_PREFIX": "p"})
    store = open_store(s)
    assert isinstance(store, LocalStore) and store.root == tmp_path / "p"


def test_malformed_connection_is_a_clear_error() -> None:
    with pytest.raises(StorageError):
        StorageSettings.from_env({"AIRFLOW_CONN_NEWSLAKE_S3": "{not json"})


def test_secrets_never_appear_in_repr_or_str() -> None:
    s = StorageSettings.from_env(
        {
            "AIRFLOW_CONN_NEWSLAKE_S3": "aws://MYACCESSKEY:TOPSECRETVALUE@/?endpoint_url=http%3A%2F%2F127.0.0.1%3A8333"
        }
    )
    for text in (repr(s), str(s), f"{s}", repr([s])):
        assert "TOPSECRETVALUE" not in text
        assert "MYACCESSKEY" not in text
    assert "127.0.0.1:8333" in repr(s)


def test_open_store_gives_s3_store_with_prefix_without_network() -> None:
    s = StorageSettings(
        endpoint_url="http://127.0.0.1:1", access_key="k", secret_key="s", bucket="b", prefix="p/q"
    )
    store = open_store(s)
    assert isinstance(store, S3Store)
    assert (store.bucket, store.prefix) == ("b", "p/q")
    assert repr(store) == "S3Store(bucket='b', prefix='p/q')"


def test_from_airflow_reads_the_connection_through_airflow(monkeypatch) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_NEWSLAKE_S3",
        "aws://AKIDEXAMPLE:wJalr%2FSECRET@/?endpoint_url=http%3A%2F%2F127.0.0.1%3A8333&region_name=eu-west-1",
    )
    monkeypatch.setenv("NEWSLAKE_BUCKET", "lake-b")
    monkeypatch.delenv("NEWSLAKE_PREFIX", raising=False)
    s = StorageSettings.from_airflow("newslake_s3")
    assert (s.endpoint_url, s.access_key, s.secret_key) == (
        "http://127.0.0.1:8333",
        "AKIDEXAMPLE",
        "wJalr/SECRET",
    )
    assert (s.region, s.bucket, s.prefix) == ("eu-west-1", "lake-b", "")
    assert "wJalr" not in repr(s)
